import {
  DOCUMENT_ERROR_CODES,
  DocumentEncrypted,
  DocumentTooLarge,
  DocumentTypeUnsupported,
  DocumentUnreadable,
} from './document-errors';

describe('document errors', () => {
  it.each([
    [new DocumentTypeUnsupported('image/png', 'x'), 'DOCUMENT_TYPE_UNSUPPORTED'],
    [new DocumentEncrypted('x'), 'DOCUMENT_ENCRYPTED'],
    [new DocumentUnreadable('x'), 'DOCUMENT_UNREADABLE'],
    [new DocumentTooLarge('x'), 'DOCUMENT_TOO_LARGE'],
  ])('%p carries its own code and is not retryable', (error, code) => {
    expect(error).toMatchObject({ code, retryable: false, name: error.constructor.name });
    expect(DOCUMENT_ERROR_CODES).toContain(code);
  });

  it('keeps the detected type of unsupported content', () => {
    expect(new DocumentTypeUnsupported('image/png', 'an image').detectedType).toBe('image/png');
  });
});
