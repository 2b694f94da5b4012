import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { ClaimCorrupted } from './claim-check-errors';
import type { ClaimStoreKind } from './claim-reference';

/** What `put` reads: a stream or async iterable of bytes, the path of a file, or the whole content in memory. */
export type ClaimSource = Readable | AsyncIterable<Uint8Array> | string | Uint8Array;

export interface PutOptions {
  /**
   * The SHA-256 the caller already computed. When the store holds it, nothing is read; when
   * the content read hashes to something else, nothing is stored and `put` throws
   * ClaimContentMismatch (the source changed since it was hashed).
   */
  expectedSha256?: string;
}

export interface StoredClaim {
  /** `claim:<store>/sha256/<hex>`: what an event carries. */
  reference: string;
  sha256: string;
  /** Bytes stored (for a put that found the content already stored: its stored size). */
  size: number;
}

/**
 * Stores payloads too big for a Kafka message and hands them back by reference. Content is
 * addressed by SHA-256, so `put` is idempotent: the same bytes twice are one object and one
 * reference. A stored object is complete or absent, never partly written.
 */
export interface ClaimCheckStore {
  readonly kind: ClaimStoreKind;
  put(source: ClaimSource, options?: PutOptions): Promise<StoredClaim>;
  /**
   * The content, streamed. The stream checks the bytes against the reference's hash and
   * fails with ClaimCorrupted at its end when they differ. ClaimNotFound when nothing is
   * stored under the reference; ClaimReferenceInvalid for another store's reference.
   */
  open(reference: string): Promise<Readable>;
}

/** Passes bytes through while hashing them; fails at the end if they do not hash to `expected`. */
export class HashVerifier extends Transform {
  private readonly hash: Hash = createHash('sha256');

  constructor(
    private readonly expected: string,
    private readonly reference: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = this.hash.digest('hex');
    done(
      actual === this.expected
        ? null
        : new ClaimCorrupted(`${this.reference}: the stored content hashes to ${actual}, not to its reference`),
    );
  }
}

/** The source as something a pipeline reads. */
export function sourceStream(source: ClaimSource): Readable | AsyncIterable<Uint8Array> {
  if (typeof source === 'string') return createReadStream(source);
  // One chunk: Readable.from would iterate a Uint8Array byte by byte.
  if (source instanceof Uint8Array) return Readable.from([source]);
  return source;
}
