import { FlowlineError } from '@flowline/errors';

export type InfraErrorCode =
  | 'TOOL_MISSING'
  | 'PORT_TAKEN'
  | 'FETCH_FAILED'
  | 'START_FAILED'
  | 'NOT_READY'
  | 'UNREACHABLE'
  | 'STOP_FAILED'
  | 'LOCK_TIMEOUT';

/**
 * A local infrastructure failure whose message is one line a developer can act on
 * (e.g. "java not found on PATH"). The CLI prints the message as is. The code is given per
 * throw (its callers print the message rather than branch on the kind); none is retryable:
 * `infraUp` has already waited and retried as long as it should.
 */
export class InfraError extends FlowlineError {
  constructor(
    override readonly code: InfraErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** One line describing any thrown value, for log lines and error messages. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const text = error.message || error.name;
    return text.split('\n')[0] ?? text;
  }
  return String(error);
}
