/**
 * `flowline rules check <file>` and `flowline rules test <file> <event.json>`: the router's
 * rule file checked with the router's own code (`@flowline/routing-rules`), before it is
 * deployed. Files only: no Kafka, no database.
 */
import { readFile } from 'node:fs/promises';
import {
  CompiledRuleSet,
  formatIssue,
  loadRuleFile,
  RoutableEvent,
  RoutingDecision,
  RuleFileInvalid,
  TransformNotApplicable,
} from '@flowline/routing-rules';
import { CliError, EXIT, NotFoundError, UsageError } from '../cli-error';
import type { CommandContext } from '../ports';

/** The rule file has problems; they were listed on stderr above the final line: exit 1. */
export class RuleFileRejected extends CliError {
  readonly code = 'RULE_FILE_INVALID';
  readonly exitCode = EXIT.failure;
}

/** Reads and compiles a rule file; lists every problem on stderr when it is invalid. */
async function loadRules(file: string, { output }: CommandContext): Promise<CompiledRuleSet> {
  try {
    return await loadRuleFile(file);
  } catch (error) {
    if (!(error instanceof RuleFileInvalid)) throw error;
    const count = error.issues.length === 1 ? '1 problem' : `${error.issues.length} problems`;
    output.err(`${file}: ${count}:\n${error.issues.map((issue) => `  ${formatIssue(issue)}\n`).join('')}`);
    throw new RuleFileRejected(`${file} is not a valid rule file (${count}, listed above)`);
  }
}

/** `flowline rules check <file>`: exit 0 with a summary, or every problem with its path and line. */
export async function rulesCheckCommand(options: { file: string }, context: CommandContext): Promise<void> {
  const rules = await loadRules(options.file, context);
  const summary = rules.summary();
  const rulesText = summary.rules === 1 ? '1 rule' : `${summary.rules} rules`;
  context.output.out(
    `${options.file}: valid, ${summary.mode}, ${rulesText}, targets ${summary.targets.join(', ') || '(none)'}\n` +
      `  indexed: ${summary.exactTypes} exact types, ${summary.anchoredGlobRules} glob rules by first segment, ` +
      `${summary.rulesForEveryEvent} tried for every event\n`,
  );
}

export interface RulesTestOptions {
  file: string;
  eventFile: string;
  json: boolean;
}

/** `flowline rules test <file> <event.json>`: the targets the event would reach, and the rule that sent it to each. */
export async function rulesTestCommand(options: RulesTestOptions, context: CommandContext): Promise<void> {
  const rules = await loadRules(options.file, context);
  const event = parseStructuredEvent(await readEventFile(options.eventFile), options.eventFile);
  let decision: RoutingDecision;
  try {
    decision = rules.evaluate(event);
  } catch (error) {
    if (!(error instanceof TransformNotApplicable)) throw error;
    context.output.out(
      options.json
        ? `${JSON.stringify({ deadLettered: { code: error.code, reason: error.message } }, null, 2)}\n`
        : `dead-lettered (<input topic>.dlq): ${error.message}\n`,
    );
    return;
  }
  context.output.out(options.json ? decisionJson(decision) : renderDecision(event, rules, decision));
}

function decisionJson({ matched, routes }: RoutingDecision): string {
  return `${JSON.stringify({ matched, routes, unrouted: routes.length === 0 }, null, 2)}\n`;
}

function renderDecision(event: RoutableEvent, rules: CompiledRuleSet, { matched, routes }: RoutingDecision): string {
  const subject = event.subject === undefined ? '' : `, subject ${event.subject}`;
  const head = `${event.type} from ${event.source}${subject} (${rules.mode}, ${rules.rules.length} rules)\n`;
  if (routes.length === 0) {
    return `${head}unrouted: no rule matches (from an ingress topic it goes to events.unrouted; from events.domain it is dropped)\n`;
  }
  const width = Math.max(...routes.map((route) => route.target.length));
  const lines = routes.map((route) => {
    const data =
      route.transformedData === undefined ? '' : `, data transformed to ${JSON.stringify(route.transformedData)}`;
    return `  → ${route.target.padEnd(width)}  by rule "${route.rule}"${data}\n`;
  });
  return `${head}${lines.join('')}matched: ${matched.join(', ')}\n`;
}

async function readEventFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new NotFoundError(`cannot read the event file ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * A CloudEvent in structured JSON form, as `flowline tail --json` prints and the CloudEvents
 * spec writes it: attributes at the top, the data in `data` (or bytes in `data_base64`).
 * Only what rules read is required (`type`, `source`); the data is not checked against the
 * type's schema (the router dead-letters an event that does not fit it before any rule runs).
 */
export function parseStructuredEvent(text: string, file: string): RoutableEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(`${file} is not a CloudEvent: expected a JSON object with type, source and data`);
  }
  const event = parsed as Record<string, unknown>;
  for (const name of ['type', 'source'] as const) {
    if (typeof event[name] !== 'string' || event[name] === '') {
      throw new UsageError(`${file} is not a CloudEvent: attribute "${name}" is missing or not a string`);
    }
  }
  if (event['subject'] !== undefined && typeof event['subject'] !== 'string') {
    throw new UsageError(`${file}: attribute "subject" is not a string`);
  }
  if (event['data_base64'] !== undefined && typeof event['data_base64'] !== 'string') {
    throw new UsageError(`${file}: "data_base64" is not a base64 string`);
  }
  const data =
    typeof event['data_base64'] === 'string' ? Buffer.from(event['data_base64'], 'base64') : (event['data'] ?? null);
  return {
    type: event['type'] as string,
    source: event['source'] as string,
    ...(typeof event['subject'] === 'string' ? { subject: event['subject'] } : {}),
    data,
  };
}
