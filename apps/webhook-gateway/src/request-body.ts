/**
 * Reads a request body with a byte limit enforced while it streams in: a declared
 * Content-Length over the limit is refused before a byte is read, and a chunked body is
 * refused as soon as it passes the limit, so an oversized request is never buffered whole.
 */
import type { IncomingMessage } from 'node:http';
import { FlowlineError } from '@flowline/errors';

export class BodyTooLarge extends FlowlineError {
  readonly code = 'BODY_TOO_LARGE';
  override readonly retryable = false;
}

/** The client went away (or broke the stream) before the body was complete. */
export class BodyIncomplete extends FlowlineError {
  readonly code = 'BODY_INCOMPLETE';
  override readonly retryable = true;
}

/** The gateway holds as many request bodies as its budget allows (body-budget.ts): retry shortly. */
export class BodiesOverBudget extends FlowlineError {
  readonly code = 'BODIES_OVER_BUDGET';
  override readonly retryable = true;
}

/**
 * `take(bytes)` is asked for room for each chunk as it arrives; when it refuses, reading stops
 * as for an oversized body and the promise rejects with BodiesOverBudget.
 */
export function readRequestBody(
  request: IncomingMessage,
  maxBytes: number,
  take: (bytes: number) => boolean = () => true,
): Promise<Buffer> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    return Promise.reject(new BodyTooLarge(`the body (${declared} bytes) is larger than ${maxBytes} bytes`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let received = 0;
    const cleanUp = (): void => {
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onAborted);
    };
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received > maxBytes) {
        cleanUp();
        // Stop reading: the rest is never taken in. The answer goes out with Connection: close.
        request.pause();
        reject(new BodyTooLarge(`the body is larger than ${maxBytes} bytes`));
        return;
      }
      if (!take(chunk.length)) {
        cleanUp();
        request.pause();
        reject(new BodiesOverBudget('the gateway holds as many request bodies as it may at once; retry shortly'));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanUp();
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, received));
    };
    const onError = (error: Error): void => {
      cleanUp();
      reject(new BodyIncomplete(`the request body could not be read: ${error.message}`, { cause: error }));
    };
    const onAborted = (): void => {
      cleanUp();
      reject(new BodyIncomplete('the client closed the request before the body was complete'));
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onAborted);
  });
}
