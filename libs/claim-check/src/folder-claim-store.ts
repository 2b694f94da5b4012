/**
 * Claim checks in a shared storage folder: the content of `claim:fs/sha256/<hex>` is the
 * file `<root>/<first two hex digits>/<hex>`. Two hex digits spread objects over 256
 * folders, so no folder grows to millions of entries.
 *
 * Atomic: `put` writes to `<root>/tmp/<random>.part` (same filesystem), flushes it to disk,
 * then renames it to its final name. A reader sees a complete object or none; a crash leaves
 * at most a `.part` file, which `start` deletes once it is an hour old. Idempotent by hash:
 * renaming a second copy of the same bytes over the first changes nothing a reader can see.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline as pipeStreams, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ClaimContentMismatch, ClaimNotFound } from './claim-check-errors';
import {
  HashVerifier,
  sourceStream,
  type ClaimCheckStore,
  type ClaimSource,
  type PutOptions,
  type StoredClaim,
} from './claim-check-store';
import { formatClaimReference, referenceOfStore } from './claim-reference';
import { ContentHasher } from './content-hasher';

const TEMPORARY_DIR = 'tmp';
/** A `.part` file older than this is a crashed put's leftover (a put in progress keeps writing it). */
const ABANDONED_AFTER_MS = 3_600_000;

export class FolderClaimStore implements ClaimCheckStore {
  readonly kind = 'fs';
  readonly name = 'claim-check-folder';
  /** Prefix folders known to exist. */
  private readonly folders = new Set<string>();

  constructor(readonly root: string) {}

  /** Creates the storage folder (failing fast when it cannot) and deletes abandoned `.part` files. */
  async start(): Promise<void> {
    const temporary = join(this.root, TEMPORARY_DIR);
    await mkdir(temporary, { recursive: true });
    const now = Date.now();
    for (const entry of await readdir(temporary)) {
      if (!entry.endsWith('.part')) continue;
      const path = join(temporary, entry);
      const info = await stat(path).catch(() => undefined);
      if (info !== undefined && now - info.mtimeMs > ABANDONED_AFTER_MS) await unlink(path).catch(() => undefined);
    }
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  /** Where the content of a hash lives. */
  pathOf(sha256: string): string {
    return join(this.root, sha256.slice(0, 2), sha256);
  }

  async put(source: ClaimSource, options: PutOptions = {}): Promise<StoredClaim> {
    if (options.expectedSha256 !== undefined) {
      const existing = await stat(this.pathOf(options.expectedSha256)).catch(() => undefined);
      if (existing?.isFile() === true) return this.stored(options.expectedSha256, existing.size);
    }
    const temporary = join(this.root, TEMPORARY_DIR, `${randomUUID()}.part`);
    const hasher = new ContentHasher();
    try {
      const input = sourceStream(source);
      // flush: the bytes are on disk before the rename publishes the name.
      await pipeline(input, hasher, createWriteStream(temporary, { flags: 'wx', mode: 0o640, flush: true }));
      const sha256 = hasher.digest();
      if (options.expectedSha256 !== undefined && sha256 !== options.expectedSha256) {
        throw new ClaimContentMismatch(`the content hashes to ${sha256}, not the expected ${options.expectedSha256}`);
      }
      const target = this.pathOf(sha256);
      const folder = dirname(target);
      // One mkdir per hash prefix (256 at most), not one per put.
      if (!this.folders.has(folder)) {
        await mkdir(folder, { recursive: true });
        this.folders.add(folder);
      }
      await rename(temporary, target).catch(async (error: unknown) => {
        // The prefix folder was removed behind the store's back: make it again, once.
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        await mkdir(folder, { recursive: true });
        await rename(temporary, target);
      });
      return this.stored(sha256, hasher.size);
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
  }

  async open(reference: string): Promise<Readable> {
    const { sha256 } = referenceOfStore(reference, 'fs');
    let handle;
    try {
      handle = await open(this.pathOf(sha256), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ClaimNotFound(`${reference}: nothing stored under ${this.root}`, { cause: error });
      }
      throw error;
    }
    // pipeline, not pipe: a read error reaches the reader as the stream's error.
    return pipeStreams(handle.createReadStream(), new HashVerifier(sha256, reference), () => undefined);
  }

  private stored(sha256: string, size: number): StoredClaim {
    return { reference: formatClaimReference({ store: 'fs', sha256 }), sha256, size };
  }
}
