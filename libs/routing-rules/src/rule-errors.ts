/**
 * Errors of the rules lib (FlowlineErrors: a stable `code`, `retryable` false, the cause kept),
 * which callers act on by code: the router keeps its old
 * rules on `RULE_FILE_INVALID` / `RULE_FILE_UNREADABLE`, the CLI turns them into exit codes,
 * and the consumer runtime dead-letters an event on `TRANSFORM_NOT_APPLICABLE`
 * (not retryable: the same rule on the same data fails the same way every time).
 */
import { FlowlineError } from '@flowline/errors';

/** One problem in a rule file, at a path such as `rules[3].match.data.total`. */
export interface RuleIssue {
  /** Where in the file: `rules[3].match.data.total`; empty for the whole file (a YAML syntax error). */
  readonly path: string;
  readonly message: string;
  /** 1-based line in the file, when known. */
  readonly line?: number;
}

export type RuleErrorCode = 'RULE_FILE_INVALID' | 'RULE_FILE_UNREADABLE' | 'TRANSFORM_NOT_APPLICABLE';

export abstract class RuleError extends FlowlineError {
  abstract override readonly code: RuleErrorCode;
}

/** `path: message (line n)`, the form every issue is printed in. */
export function formatIssue(issue: RuleIssue): string {
  const where = issue.path === '' ? '' : `${issue.path}: `;
  const line = issue.line === undefined ? '' : ` (line ${issue.line})`;
  return `${where}${issue.message}${line}`;
}

/** A rule file that is not valid YAML or not a valid rule set; `issues` lists every problem found. */
export class RuleFileInvalid extends RuleError {
  readonly code = 'RULE_FILE_INVALID';

  constructor(
    /** The file's name as given (or `<rules>` for text without a file). */
    readonly file: string,
    readonly issues: readonly RuleIssue[],
  ) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    super(`${file}: invalid rule file: ${first === undefined ? 'no detail' : formatIssue(first)}${more}`);
  }
}

/** A rule file that could not be read (missing, not readable). */
export class RuleFileUnreadable extends RuleError {
  readonly code = 'RULE_FILE_UNREADABLE';

  constructor(
    readonly file: string,
    options: { cause: unknown },
  ) {
    super(`${file}: cannot read the rule file: ${describeCause(options.cause)}`, options);
  }
}

/**
 * A rule's transform could not be applied to an event's data: the data is not a JSON object
 * (opaque bytes of a form post, a scalar), or a path crosses a value that is not an object.
 */
export class TransformNotApplicable extends RuleError {
  readonly code = 'TRANSFORM_NOT_APPLICABLE';

  constructor(
    readonly rule: string,
    detail: string,
  ) {
    super(`the transform of rule "${rule}" cannot be applied: ${detail}`);
  }
}

function describeCause(cause: unknown): string {
  // Duck-typed: errors from another realm (a test sandbox) fail instanceof Error.
  const { code, message } = (typeof cause === 'object' && cause !== null ? cause : {}) as {
    code?: unknown;
    message?: unknown;
  };
  if (typeof message !== 'string') return String(cause);
  return typeof code !== 'string' || message.startsWith(code) ? message : `${code}: ${message}`;
}
