/**
 * The bytes of an invoice's document, fetched by its claim-check reference (`claim:fs/…`
 * from the shared folder CLAIM_CHECK_DIR, `claim:pg/…` from PostgreSQL large objects),
 * read into memory up to a limit: PDF.js and the parsers need the whole document. The claim
 * check verifies the bytes against the reference's SHA-256 as they stream (ClaimCorrupted).
 * A location that is no claim-check reference is refused: a path or URL in an event would let
 * a sender make the agent read any file it can reach.
 */
import type { Readable } from 'node:stream';
import {
  isClaimReference,
  parseClaimReference,
  type ClaimCheckStore,
  type ClaimStoreKind,
} from '@flowline/claim-check';
import { DocumentTooLarge } from '@flowline/documents';
import { DocumentLocationUnsupported } from './invoice-errors';

export class DocumentFetcher {
  constructor(
    private readonly stores: Partial<Record<ClaimStoreKind, Pick<ClaimCheckStore, 'open'>>>,
    private readonly maxBytes: number,
  ) {}

  async fetch(location: string): Promise<Buffer> {
    if (!isClaimReference(location)) {
      throw new DocumentLocationUnsupported(
        `"${location.slice(0, 120)}" is no claim-check reference (claim:fs/sha256/<hex> or claim:pg/sha256/<hex>)`,
      );
    }
    const { store } = parseClaimReference(location);
    const claims = this.stores[store];
    if (claims === undefined) {
      throw new DocumentLocationUnsupported(`${location}: the ${store} claim-check store is not configured here`);
    }
    return readAll(await claims.open(location), this.maxBytes, location);
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
        throw new DocumentTooLarge(`${location}: more than ${maxBytes} bytes (INVOICE_MAX_DOCUMENT_BYTES)`);
      }
      chunks.push(bytes);
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks);
}
