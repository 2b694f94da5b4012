/**
 * A rule set compiled for evaluation. Rules are indexed once so the cost per event depends
 * on the rules that could match it, not on the size of the file:
 *
 * - rules naming exact types sit in a map from type to rules (one lookup);
 * - glob rules whose first segment is literal (`invoice.*`, `github.**`) sit in a map from
 *   that segment, so `github.**` is never tried for `stripe.charge.succeeded`;
 * - only globs starting with a wildcard (`*.created`, `**`) and rules without a type
 *   condition are tried for every event.
 *
 * The candidates are visited in file order, so `first-match` means the first rule *in the
 * file* that matches, whichever index found it.
 */
import type { AgentName } from '@flowline/event-schemas';
import { firstSegment } from './name-pattern';
import type { RoutingMode, RuleDefinition, RuleSetDefinition } from './rule-file';

/** The event attributes rules read; any CloudEvent has them, whatever its type. */
export interface RoutableEvent {
  readonly type: string;
  readonly source: string;
  readonly subject?: string | undefined;
  readonly data: unknown;
}

export interface Route {
  readonly target: AgentName;
  /** The name of the rule that sent the event to this target. */
  readonly rule: string;
  /** Set when the rule has a transform: the event goes on with this data (same id and attributes). */
  readonly transformedData?: Record<string, unknown>;
}

export interface RoutingDecision {
  /** Names of the rules that matched, in file order (one at most in first-match mode). */
  readonly matched: readonly string[];
  /** One route per target: each target receives an event at most once. Empty: no rule matched. */
  readonly routes: readonly Route[];
}

export interface RuleSetSummary {
  readonly mode: RoutingMode;
  readonly rules: number;
  /** Distinct exact types looked up in one step. */
  readonly exactTypes: number;
  /** Glob rules found by their literal first segment. */
  readonly anchoredGlobRules: number;
  /** Rules tried for every event: a type glob starting with a wildcard, or no type condition. */
  readonly rulesForEveryEvent: number;
  readonly targets: readonly AgentName[];
}

export interface CompileOptions {
  /** Called once per condition checked (tests count the work done per event). */
  onPredicate?: () => void;
}

interface Candidate {
  readonly rule: CompiledRule;
  /** Whether the type condition still has to be checked (found by a glob index, or rules without a type). */
  readonly checkType: boolean;
}

interface CompiledRule {
  readonly index: number;
  readonly definition: RuleDefinition;
  /** The non-type conditions, each a predicate. */
  readonly conditions: readonly ((event: RoutableEvent) => boolean)[];
}

export class CompiledRuleSet {
  readonly mode: RoutingMode;
  readonly rules: readonly RuleDefinition[];
  private readonly byExactType = new Map<string, Candidate[]>();
  private readonly byFirstSegment = new Map<string, Candidate[]>();
  /** Tried for every event, in file order. */
  private readonly everyEvent: Candidate[] = [];
  private readonly onPredicate: (() => void) | undefined;

  constructor(definition: RuleSetDefinition, options: CompileOptions = {}) {
    this.mode = definition.mode;
    this.rules = definition.rules;
    this.onPredicate = options.onPredicate;
    definition.rules.forEach((rule, index) => {
      const compiled: CompiledRule = { index, definition: rule, conditions: conditionsOf(rule) };
      const types = rule.match.type;
      if (types === undefined) {
        this.everyEvent.push({ rule: compiled, checkType: false });
        return;
      }
      let anchored = false;
      let unanchored = false;
      for (const pattern of types) {
        if (pattern.exact !== undefined) add(this.byExactType, pattern.exact, { rule: compiled, checkType: false });
        else if (pattern.literalFirstSegment !== undefined) anchored = true;
        else unanchored = true;
      }
      const globCandidate = { rule: compiled, checkType: true };
      if (unanchored) this.everyEvent.push(globCandidate);
      else if (anchored) {
        const segments = new Set(types.flatMap((pattern) => pattern.literalFirstSegment ?? []));
        for (const segment of segments) add(this.byFirstSegment, segment, globCandidate);
      }
    });
  }

  /** Where an event goes; throws TransformNotApplicable when a matching rule's transform cannot apply. */
  evaluate(event: RoutableEvent): RoutingDecision {
    const matched: string[] = [];
    const routes: Route[] = [];
    const reached = new Set<AgentName>();
    for (const { rule, checkType } of this.candidates(event.type)) {
      if (checkType) {
        this.onPredicate?.();
        if (!typeMatches(rule.definition, event.type)) continue;
      }
      if (!this.allHold(rule, event)) continue;
      const { name, targets, transform } = rule.definition;
      matched.push(name);
      const fresh = targets.filter((target) => !reached.has(target));
      // Applied once per rule (not per target), and only when a target still needs it.
      const transformedData =
        transform === undefined || fresh.length === 0 ? undefined : transform.apply(event.data, name);
      for (const target of fresh) {
        reached.add(target);
        routes.push(transformedData === undefined ? { target, rule: name } : { target, rule: name, transformedData });
      }
      if (this.mode === 'first-match') break;
    }
    return { matched, routes };
  }

  summary(): RuleSetSummary {
    const targets = new Set(this.rules.flatMap((rule) => rule.targets));
    return {
      mode: this.mode,
      rules: this.rules.length,
      exactTypes: this.byExactType.size,
      anchoredGlobRules: new Set([...this.byFirstSegment.values()].flat().map((c) => c.rule.index)).size,
      rulesForEveryEvent: this.everyEvent.length,
      targets: [...targets].sort(),
    };
  }

  private allHold(rule: CompiledRule, event: RoutableEvent): boolean {
    for (const condition of rule.conditions) {
      this.onPredicate?.();
      if (!condition(event)) return false;
    }
    return true;
  }

  /** The rules that could match a type, in file order, each once. */
  private candidates(type: string): readonly Candidate[] {
    const exact = this.byExactType.get(type);
    const anchored = this.byFirstSegment.size === 0 ? undefined : this.byFirstSegment.get(firstSegment(type, '.'));
    const lists = [exact, anchored, this.everyEvent].filter(
      (list): list is Candidate[] => list !== undefined && list.length > 0,
    );
    if (lists.length === 0) return [];
    if (lists.length === 1) return lists[0] as Candidate[];
    // Merge by file position; a rule found both by an exact type and by a glob is visited once,
    // without a type check (the exact entry already matched).
    const merged = lists
      .flat()
      .sort((a, b) => a.rule.index - b.rule.index || Number(a.checkType) - Number(b.checkType));
    return merged.filter((candidate, i) => i === 0 || merged[i - 1]?.rule.index !== candidate.rule.index);
  }
}

export function compileRuleSet(definition: RuleSetDefinition, options: CompileOptions = {}): CompiledRuleSet {
  return new CompiledRuleSet(definition, options);
}

function add(map: Map<string, Candidate[]>, key: string, candidate: Candidate): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [candidate]);
  else if (list.at(-1)?.rule.index !== candidate.rule.index) list.push(candidate);
}

function typeMatches(rule: RuleDefinition, type: string): boolean {
  return rule.match.type?.some((pattern) => pattern.matches(type)) ?? true;
}

function conditionsOf(rule: RuleDefinition): ((event: RoutableEvent) => boolean)[] {
  const conditions: ((event: RoutableEvent) => boolean)[] = [];
  const { source, subject, data } = rule.match;
  if (source !== undefined) conditions.push((event) => source.some((pattern) => pattern.matches(event.source)));
  if (subject !== undefined) {
    conditions.push(
      (event) => event.subject !== undefined && subject.some((pattern) => pattern.matches(event.subject as string)),
    );
  }
  for (const condition of data) conditions.push((event) => condition.test(event.data));
  return conditions;
}
