export { ClaimContentMismatch, ClaimCorrupted, ClaimNotFound, ClaimReferenceInvalid } from './claim-check-errors';
export { CLAIM_STORE_KINDS, formatClaimReference, isClaimReference, parseClaimReference } from './claim-reference';
export type { ClaimReference, ClaimStoreKind } from './claim-reference';
export type { ClaimCheckStore, ClaimSource, PutOptions, StoredClaim } from './claim-check-store';
export { FolderClaimStore } from './folder-claim-store';
export { PostgresClaimStore } from './postgres-claim-store';
export type { PostgresClaimStoreOptions } from './postgres-claim-store';
