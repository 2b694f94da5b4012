/**
 * Errors a command throws to end the run with a given exit code and one line on stderr,
 * `flowline: <CODE>: <message>`: 2 for a usage problem (a bad argument, option or setting),
 * 1 for something not found or not reachable, 130 when the operator interrupted a run that
 * had work in flight.
 */
import { FlowlineError } from '@flowline/errors';

export const EXIT = { ok: 0, failure: 1, usage: 2, interrupted: 130 } as const;

export abstract class CliError extends FlowlineError {
  abstract readonly exitCode: number;
}

/** A bad argument, option or setting: exit 2. */
export class UsageError extends CliError {
  readonly code = 'USAGE';
  readonly exitCode = EXIT.usage;
}

/** Something the operator named does not exist (a correlation id, a topic, a dead letter): exit 1. */
export class NotFoundError extends CliError {
  readonly code = 'NOT_FOUND';
  readonly exitCode = EXIT.failure;
}

/** Kafka or PostgreSQL could not be reached; the message names which and where: exit 1. Worth another try. */
export class UnreachableError extends CliError {
  readonly code = 'UNREACHABLE';
  override readonly retryable = true;
  readonly exitCode = EXIT.failure;
}

/** The run was stopped by SIGINT/SIGTERM before it finished: exit 130. */
export class InterruptedError extends CliError {
  readonly code = 'INTERRUPTED';
  readonly exitCode = EXIT.interrupted;
}

/** The messaging lib's `UnknownTopicError`, recognised by its stable code. */
export function unknownTopicsOf(error: unknown): readonly string[] | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, topics } = error as { code?: unknown; topics?: unknown };
  if (code !== 'UNKNOWN_TOPIC' || !Array.isArray(topics)) return undefined;
  return topics.filter((topic): topic is string => typeof topic === 'string');
}
