/**
 * The bytes of an uploaded file, fetched by its claim-check reference (`claim:fs/…` from the
 * shared folder CLAIM_CHECK_DIR, `claim:pg/…` from PostgreSQL large objects) into memory up
 * to a limit — PDF.js and mammoth need the whole document — and checked against what the
 * event says: the reference must name the event's sha256, the store's stream checks the bytes
 * against the reference's hash (ClaimCorrupted), and the bytes must have the event's size.
 *
 * A location that is no claim-check reference is refused: a path or URL in an event would
 * let a sender make the agent read any file it can reach. Errors of the store itself (a
 * connection refused, a read error) become ClaimStoreUnavailable, which is retried; the
 * store's own verdicts (ClaimNotFound, ClaimCorrupted) are not.
 */
import { types } from 'node:util';
import type { Readable } from 'node:stream';
import {
  isClaimReference,
  parseClaimReference,
  type ClaimCheckStore,
  type ClaimStoreKind,
} from '@flowline/claim-check';
import { DocumentTooLarge } from '@flowline/documents';
import { errorCode, FlowlineError } from '@flowline/errors';
import { ClaimStoreUnavailable, DocumentChecksumMismatch, DocumentLocationUnsupported } from './document-agent-errors';

export interface ExpectedContent {
  sha256: string;
  size: number;
}

export class DocumentFetcher {
  constructor(
    private readonly stores: Partial<Record<ClaimStoreKind, Pick<ClaimCheckStore, 'open'>>>,
    private readonly maxBytes: number,
  ) {}

  async fetch(location: string, expected: ExpectedContent): Promise<Buffer> {
    if (!isClaimReference(location)) {
      throw new DocumentLocationUnsupported(
        `"${location.slice(0, 120)}" is no claim-check reference (claim:fs/sha256/<hex> or claim:pg/sha256/<hex>)`,
      );
    }
    const reference = parseClaimReference(location);
    if (reference.sha256 !== expected.sha256) {
      throw new DocumentChecksumMismatch(
        `${location} names other content than the event's sha256 ${expected.sha256}: nothing was read`,
      );
    }
    if (expected.size > this.maxBytes) {
      throw new DocumentTooLarge(
        `${location}: ${expected.size} bytes, more than ${this.maxBytes} (DOCUMENT_MAX_BYTES)`,
      );
    }
    const store = this.stores[reference.store];
    if (store === undefined) {
      throw new DocumentLocationUnsupported(
        `${location}: the ${reference.store} claim-check store is not configured here`,
      );
    }
    let bytes: Buffer;
    try {
      bytes = await readAll(await store.open(location), this.maxBytes, location);
    } catch (error) {
      if (error instanceof FlowlineError) throw error;
      throw new ClaimStoreUnavailable(
        `${location}: the ${reference.store} claim-check store failed: ${failureText(error)}`,
        {
          cause: error,
        },
      );
    }
    // The store checked the bytes against the reference's sha256 as they streamed (ClaimCorrupted),
    // and the reference names the event's sha256 (above): only the size is left to compare.
    if (bytes.length !== expected.size) {
      throw new DocumentChecksumMismatch(
        `${location}: read ${bytes.length} bytes; the event says ${expected.size} bytes, sha256 ${expected.sha256}`,
      );
    }
    return bytes;
  }
}

async function readAll(stream: Readable, maxBytes: number, location: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
      size += bytes.length;
      if (size > maxBytes) {
        throw new DocumentTooLarge(`${location}: more than ${maxBytes} bytes (DOCUMENT_MAX_BYTES)`);
      }
      chunks.push(bytes);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}

/**
 * A store failure as text: its code and message, each of an AggregateError's errors (a
 * connection tried on several addresses). isNativeError: a socket error may come from
 * another realm (Jest's sandbox), where instanceof Error is false.
 */
function failureText(error: unknown): string {
  if (!(error instanceof Error || types.isNativeError(error))) return String(error);
  const inner = (error as { errors?: unknown }).errors;
  if (Array.isArray(inner) && inner.length > 0) return inner.map(failureText).join('; ');
  const code = errorCode(error);
  const message = error.message || error.name;
  return code === undefined || message.includes(code) ? message : `${code} ${message}`;
}
