/**
 * Error answers as small problem documents (RFC 9457 `application/problem+json`): the status,
 * a stable `error` code a sender's tooling can match, and a human `detail`.
 */
import type { Response } from 'express';

export type ProblemCode =
  | 'SOURCE_UNKNOWN'
  | 'METHOD_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'BODY_TOO_LARGE'
  | 'BODY_INCOMPLETE'
  | 'SIGNATURE_MISSING'
  | 'SIGNATURE_MALFORMED'
  | 'SIGNATURE_INVALID'
  | 'TIMESTAMP_OUT_OF_TOLERANCE'
  | 'WEBHOOK_MALFORMED'
  | 'PUBLISH_FAILED'
  | 'OVERLOADED';

export interface Problem {
  status: number;
  error: ProblemCode;
  detail: string;
  /** Extra members (the event id of a 503) and headers (Retry-After, Allow, Connection). */
  extra?: Record<string, string>;
  headers?: Record<string, string>;
}

export function sendProblem(res: Response, problem: Problem): void {
  res.status(problem.status).type('application/problem+json');
  if (problem.headers !== undefined) res.set(problem.headers);
  res.json({ status: problem.status, error: problem.error, detail: problem.detail, ...problem.extra });
}
