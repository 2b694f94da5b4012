/**
 * A claim-check reference names stored content by its SHA-256 and the store that holds it:
 *
 *   claim:fs/sha256/<64 hex>   a file in a shared storage folder (FolderClaimStore)
 *   claim:pg/sha256/<64 hex>   a PostgreSQL large object (PostgresClaimStore)
 *
 * Location-independent on purpose: no host path inside, so a reader that mounts the shared
 * folder elsewhere (another container, another host) resolves the same reference under its
 * own storage root. Content-addressed, so storing the same bytes twice gives the same
 * reference, and a reader can check what it read against the name.
 */
import { ClaimReferenceInvalid } from './claim-check-errors';

export const CLAIM_STORE_KINDS = ['fs', 'pg'] as const;
export type ClaimStoreKind = (typeof CLAIM_STORE_KINDS)[number];

export interface ClaimReference {
  store: ClaimStoreKind;
  /** Lower-case hex SHA-256 of the content. */
  sha256: string;
}

const REFERENCE = /^claim:(fs|pg)\/sha256\/([0-9a-f]{64})$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

export function formatClaimReference(reference: ClaimReference): string {
  if (!SHA256_HEX.test(reference.sha256)) {
    throw new ClaimReferenceInvalid(`"${reference.sha256}" is not a lower-case hex SHA-256 digest`);
  }
  return `claim:${reference.store}/sha256/${reference.sha256}`;
}

export function parseClaimReference(text: string): ClaimReference {
  const match = REFERENCE.exec(text);
  if (match === null) {
    throw new ClaimReferenceInvalid(
      `"${text.slice(0, 120)}" is not a claim-check reference (claim:fs/sha256/<hex> or claim:pg/sha256/<hex>)`,
    );
  }
  return { store: match[1] as ClaimStoreKind, sha256: match[2] as string };
}

/** Whether a text is a claim-check reference (of any store). */
export function isClaimReference(text: string): boolean {
  return REFERENCE.test(text);
}

/** The reference parsed, checked to belong to the given store. */
export function referenceOfStore(text: string, store: ClaimStoreKind): ClaimReference {
  const reference = parseClaimReference(text);
  if (reference.store !== store) {
    throw new ClaimReferenceInvalid(`${text} is held by the ${reference.store} store, not this ${store} store`);
  }
  return reference;
}
