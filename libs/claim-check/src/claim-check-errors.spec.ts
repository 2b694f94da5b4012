import { ClaimContentMismatch, ClaimCorrupted, ClaimNotFound, ClaimReferenceInvalid } from './claim-check-errors';

describe('claim-check errors', () => {
  it.each([
    [new ClaimReferenceInvalid('x'), 'CLAIM_REFERENCE_INVALID', false],
    [new ClaimNotFound('x'), 'CLAIM_NOT_FOUND', false],
    [new ClaimCorrupted('x'), 'CLAIM_CORRUPTED', false],
    [new ClaimContentMismatch('x'), 'CLAIM_CONTENT_MISMATCH', true],
  ])('%p carries its own code and retry flag', (error, code, retryable) => {
    expect(error).toMatchObject({ code, retryable, name: error.constructor.name });
  });
});
