/**
 * The rule file: YAML, validated with zod, every problem reported with its path in the file
 * (`rules[3].match.data.total: expected a number or a decimal string (line 14)`). Patterns,
 * paths and regexes are compiled while validating, so a file that parses is one that runs.
 *
 * ```yaml
 * mode: first-match            # or all-match; required
 * rules:
 *   - name: big-invoices       # unique; names the rule in metrics, logs and `flowline rules test`
 *     match:
 *       type: invoice.received # exact or glob, or a list of them (any may match)
 *       source: /email-agent   # exact or glob (segments split by /)
 *       subject: acme.*        # exact or glob (segments split by . or /)
 *       data:
 *         total.amountMinor: { gte: 1000000 }
 *         total.currency: EUR  # a bare value is equality
 *     transform: { pick: [number, total], set: { priority: high } }
 *     targets: [invoice]       # agent names
 * ```
 */
import { AGENT_NAMES, type AgentName } from '@flowline/event-schemas';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { compileDataCondition, ConditionOperators, DataCondition, OPERATOR_NAMES, Scalar } from './data-condition';
import { compileDataTransform, DataTransform } from './data-transform';
import { compileNamePattern, NamePattern, Separators } from './name-pattern';
import { RuleFileInvalid, RuleIssue } from './rule-errors';

export const ROUTING_MODES = ['first-match', 'all-match'] as const;
/** `first-match`: the first matching rule in file order decides; `all-match`: every matching rule adds its targets. */
export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface RuleMatch {
  /** Any of these must match the event's type; absent: any type. */
  readonly type?: readonly NamePattern[];
  readonly source?: readonly NamePattern[];
  readonly subject?: readonly NamePattern[];
  /** All must hold. */
  readonly data: readonly DataCondition[];
}

export interface RuleDefinition {
  readonly name: string;
  readonly description?: string;
  readonly match: RuleMatch;
  readonly transform?: DataTransform;
  readonly targets: readonly AgentName[];
}

export interface RuleSetDefinition {
  readonly mode: RoutingMode;
  readonly rules: readonly RuleDefinition[];
}

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function patterns(separators: Separators) {
  return z
    .union([z.string(), z.array(z.string()).min(1)], { error: 'expected a pattern or a non-empty list of patterns' })
    .transform((value, context) => {
      const texts = typeof value === 'string' ? [value] : value;
      const compiled: NamePattern[] = [];
      texts.forEach((text, i) => {
        try {
          compiled.push(compileNamePattern(text, separators));
        } catch (error) {
          context.addIssue({
            code: 'custom',
            message: `pattern "${text}": ${(error as Error).message}`,
            path: typeof value === 'string' ? [] : [i],
          });
        }
      });
      return compiled;
    });
}

const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const OPERAND_PROBLEM = 'expected a number or a decimal string such as "12.50"';
const operand = z.union([z.number({ error: OPERAND_PROBLEM }), z.string().regex(DECIMAL, { error: OPERAND_PROBLEM })], {
  error: OPERAND_PROBLEM,
});

const operatorsSchema = z.strictObject(
  {
    eq: z.json().optional(),
    exists: z.boolean({ error: 'expected true or false' }).optional(),
    gt: operand.optional(),
    gte: operand.optional(),
    lt: operand.optional(),
    lte: operand.optional(),
    regex: z.string().optional(),
    in: z.array(scalar, { error: 'expected a list of strings, numbers, booleans or null' }).min(1).optional(),
  },
  {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown operator ${issue.keys.map((key) => `"${key}"`).join(', ')}: operators are ${OPERATOR_NAMES.join(', ')} (to compare with an object, use eq)`
        : undefined,
  },
);

/** A bare scalar is `eq`; an object lists operators; a list is refused (`in` says "any of"). */
const condition = z.unknown().transform((value, context): ConditionOperators => {
  if (Array.isArray(value)) {
    context.addIssue({ code: 'custom', message: 'a list is ambiguous here: write { in: [...] } for "any of"' });
    return z.NEVER;
  }
  if (typeof value !== 'object' || value === null) return { eq: value as Scalar };
  const parsed = operatorsSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) context.addIssue({ ...issue, code: 'custom', path: issue.path });
    return z.NEVER;
  }
  const operators = parsed.data as ConditionOperators;
  const names = Object.keys(operators);
  if (names.length === 0) {
    context.addIssue({ code: 'custom', message: `no operator: use one or more of ${OPERATOR_NAMES.join(', ')}` });
    return z.NEVER;
  }
  if (operators.exists === false && names.length > 1) {
    context.addIssue({ code: 'custom', message: 'exists: false cannot be combined with other operators' });
    return z.NEVER;
  }
  return operators;
});

const dataConditions = z.record(z.string(), condition).transform((entries, context) => {
  const compiled: DataCondition[] = [];
  for (const [path, operators] of Object.entries(entries)) {
    try {
      compiled.push(compileDataCondition(path, operators));
    } catch (error) {
      const regexProblem = error instanceof SyntaxError;
      context.addIssue({
        code: 'custom',
        message: regexProblem ? `regex: ${error.message}` : (error as Error).message,
        path: regexProblem ? [path, 'regex'] : [path],
      });
    }
  }
  return compiled;
});

const matchSchema = z.strictObject({
  type: patterns('.').optional(),
  source: patterns('/').optional(),
  subject: patterns('./').optional(),
  data: dataConditions.optional(),
});

const transformSchema = z
  .strictObject({
    pick: z.array(z.string()).min(1).optional(),
    rename: z.record(z.string(), z.string()).optional(),
    set: z.record(z.string(), z.json()).optional(),
  })
  .transform((spec, context) => {
    if (spec.pick === undefined && spec.rename === undefined && spec.set === undefined) {
      context.addIssue({ code: 'custom', message: 'an empty transform: use pick, rename and/or set' });
      return z.NEVER;
    }
    try {
      return compileDataTransform(spec);
    } catch (error) {
      context.addIssue({ code: 'custom', message: (error as Error).message });
      return z.NEVER;
    }
  });

const targetsSchema = z
  .array(z.enum(AGENT_NAMES, { error: `expected an agent name: ${AGENT_NAMES.join(', ')}` }), {
    error: 'expected a list of agent names',
  })
  .min(1, { error: 'a rule needs at least one target' })
  .superRefine((targets, context) => {
    targets.forEach((target, i) => {
      if (targets.indexOf(target) !== i)
        context.addIssue({ code: 'custom', message: `"${target}" is listed twice`, path: [i] });
    });
  });

const ruleSchema = z.strictObject({
  name: z.string({ error: 'required: a rule name' }).regex(RULE_NAME, {
    error: 'a rule name is 1–100 letters, digits, ".", "_" or "-", starting with a letter or digit',
  }),
  description: z.string().optional(),
  match: matchSchema.transform((match): RuleMatch => ({ ...match, data: match.data ?? [] })),
  transform: transformSchema.optional(),
  targets: targetsSchema,
});

const ruleSetSchema = z.strictObject({
  mode: z.enum(ROUTING_MODES, {
    error: (issue) =>
      issue.input === undefined
        ? 'required: first-match (the first matching rule decides) or all-match (every matching rule adds its targets)'
        : `expected first-match or all-match`,
  }),
  rules: z.array(ruleSchema, { error: 'required: a list of rules' }),
});

/**
 * Rule names must be unique (they name rules in metrics and logs). Checked on the raw value,
 * apart from the schema, so a duplicate is reported beside every other problem.
 */
function duplicateNames(value: unknown): { path: PropertyKey[]; message: string }[] {
  const rules = (value as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) return [];
  const seen = new Map<unknown, number>();
  const issues: { path: PropertyKey[]; message: string }[] = [];
  rules.forEach((rule: unknown, i) => {
    const name = (rule as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, i);
    else issues.push({ path: ['rules', i, 'name'], message: `duplicate name: rules[${first}] is also "${name}"` });
  });
  return issues;
}

/** Parses and validates a rule file's text; throws RuleFileInvalid listing every problem. */
export function parseRuleFile(text: string, file = '<rules>'): RuleSetDefinition {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: true });
  if (document.errors.length > 0) {
    throw new RuleFileInvalid(
      file,
      document.errors.map((error) => ({
        path: '',
        message: `YAML: ${error.message.split('\n')[0] ?? error.code}`,
        ...(error.linePos === undefined ? {} : { line: error.linePos[0].line }),
      })),
    );
  }
  // Aliases are bounded: a small file must not expand into a huge one ("billion laughs").
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  const parsed = ruleSetSchema.safeParse(value ?? {});
  const duplicates = duplicateNames(value);
  if (parsed.success && duplicates.length === 0) return parsed.data;
  const problems = [...(parsed.success ? [] : parsed.error.issues), ...duplicates];
  const issues: RuleIssue[] = problems.map((issue) => {
    const offset = nodeOffset(document, issue.path);
    return {
      path: formatPath(issue.path),
      message: issue.message,
      ...(offset === undefined ? {} : { line: lineCounter.linePos(offset).line }),
    };
  });
  throw new RuleFileInvalid(file, issues);
}

/** `rules[3].match.data.total`, the way the file nests. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/** Where the node at a path (or its nearest existing parent) starts in the text. */
function nodeOffset(document: ReturnType<typeof parseDocument>, path: readonly PropertyKey[]): number | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const node: unknown = document.getIn(path.slice(0, length) as unknown[], true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range !== undefined) return range[0];
  }
  return undefined;
}
