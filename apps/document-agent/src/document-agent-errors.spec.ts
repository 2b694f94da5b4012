import { FlowlineError, isRetryable } from '@flowline/errors';
import { DocumentChecksumMismatch, DocumentLocationUnsupported } from './document-agent-errors';

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
});
