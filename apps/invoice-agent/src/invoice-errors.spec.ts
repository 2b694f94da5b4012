import {
  DocumentLocationUnsupported,
  ExtractionModelRejected,
  ExtractionModelUnavailable,
  InvoiceFormatInvalid,
  InvoiceFormatUnsupported,
} from './invoice-errors';

describe('invoice agent errors', () => {
  it.each([
    [new InvoiceFormatUnsupported('x'), 'INVOICE_FORMAT_UNSUPPORTED', false],
    [new InvoiceFormatInvalid('x'), 'INVOICE_FORMAT_INVALID', false],
    [new DocumentLocationUnsupported('x'), 'DOCUMENT_LOCATION_UNSUPPORTED', false],
    [new ExtractionModelUnavailable('x'), 'EXTRACTION_MODEL_UNAVAILABLE', true],
    [new ExtractionModelRejected('x'), 'EXTRACTION_MODEL_REJECTED', false],
  ])('%p carries its own code and retry flag', (error, code, retryable) => {
    expect(error).toMatchObject({ code, retryable, name: error.constructor.name });
  });
});
