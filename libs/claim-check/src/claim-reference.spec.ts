import { ClaimReferenceInvalid } from './claim-check-errors';
import { formatClaimReference, isClaimReference, parseClaimReference, referenceOfStore } from './claim-reference';

const sha256 = 'a'.repeat(64);

describe('claim-check references', () => {
  it('round-trips the store and the hash', () => {
    const text = formatClaimReference({ store: 'fs', sha256 });
    expect(text).toBe(`claim:fs/sha256/${sha256}`);
    expect(parseClaimReference(text)).toEqual({ store: 'fs', sha256 });
    expect(parseClaimReference(`claim:pg/sha256/${sha256}`)).toEqual({ store: 'pg', sha256 });
  });

  it.each([
    ['a path', '/data/claims/aa/' + sha256],
    ['an unknown store', `claim:s3/sha256/${sha256}`],
    ['an upper-case hash', `claim:fs/sha256/${'A'.repeat(64)}`],
    ['a short hash', 'claim:fs/sha256/abc'],
    ['a trailing path', `claim:fs/sha256/${sha256}/../x`],
  ])('refuses %s with CLAIM_REFERENCE_INVALID', (_label, text) => {
    expect(isClaimReference(text)).toBe(false);
    expect(() => parseClaimReference(text)).toThrow(ClaimReferenceInvalid);
    expect(() => parseClaimReference(text)).toThrow(expect.objectContaining({ code: 'CLAIM_REFERENCE_INVALID' }));
  });

  it('refuses to format a hash that is not lower-case hex', () => {
    expect(() => formatClaimReference({ store: 'pg', sha256: 'xyz' })).toThrow(ClaimReferenceInvalid);
  });

  it("refuses another store's reference where a store is expected", () => {
    expect(() => referenceOfStore(`claim:pg/sha256/${sha256}`, 'fs')).toThrow(/held by the pg store/);
  });
});
