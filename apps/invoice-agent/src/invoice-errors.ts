/** Errors the invoice agent acts on, each with its stable code (FlowlineError: code, retry flag, cause). */
import { FlowlineError } from '@flowline/errors';

/** Structured content this agent cannot read as an invoice (XML that is no UBL Invoice or CreditNote). */
export class InvoiceFormatUnsupported extends FlowlineError {
  readonly code = 'INVOICE_FORMAT_UNSUPPORTED';
  override readonly retryable = false;
}

/** XML or JSON that does not parse (or XML with a DOCTYPE, which UBL never has: entity expansion is refused). */
export class InvoiceFormatInvalid extends FlowlineError {
  readonly code = 'INVOICE_FORMAT_INVALID';
  override readonly retryable = false;
}

/** The event's document location is no claim-check reference this agent can open. */
export class DocumentLocationUnsupported extends FlowlineError {
  readonly code = 'DOCUMENT_LOCATION_UNSUPPORTED';
  override readonly retryable = false;
}

/** The extraction model did not answer (network, timeout, 429, 5xx): worth another attempt later. */
export class ExtractionModelUnavailable extends FlowlineError {
  readonly code = 'EXTRACTION_MODEL_UNAVAILABLE';
  override readonly retryable = true;
}

/** The extraction model refused the request (401, 403, 404, 400): a configuration problem, not a transient one. */
export class ExtractionModelRejected extends FlowlineError {
  readonly code = 'EXTRACTION_MODEL_REJECTED';
  override readonly retryable = false;
}
