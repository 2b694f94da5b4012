import { FlowlineError, isRetryable } from '@flowline/errors';
import { ClaimStoreUnavailable, DocumentChecksumMismatch, DocumentLocationUnsupported } from './document-agent-errors';

describe('document agent errors', () => {
  it.each([
    [new DocumentChecksumMismatch('x'), 'DOCUMENT_CHECKSUM_MISMATCH'],
    [new DocumentLocationUnsupported('x'), 'DOCUMENT_LOCATION_UNSUPPORTED'],
  ])('%p carries its own code and is dead-lettered at once, not retried', (error, code) => {
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error.code).toBe(code);
    expect(error.name).toBe(error.constructor.name);
    expect(isRetryable(error)).toBe(false);
  });

  it('ClaimStoreUnavailable is retried, its cause kept', () => {
    const cause = new Error('connect ECONNREFUSED 127.0.0.1:55432');
    const error = new ClaimStoreUnavailable('the claim store did not answer', { cause });
    expect(error.code).toBe('CLAIM_STORE_UNAVAILABLE');
    expect(isRetryable(error)).toBe(true);
    expect(error.cause).toBe(cause);
  });
});
