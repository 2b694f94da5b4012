/**
 * Errors a document reader acts on, each with its stable code. None is retryable: the same
 * bytes read again fail the same way, so a consumer dead-letters the event at once, with the
 * code as its reason, and an operator redrives it once the document was replaced.
 */
import { FlowlineError } from '@flowline/errors';

export const DOCUMENT_ERROR_CODES = [
  'DOCUMENT_TYPE_UNSUPPORTED',
  'DOCUMENT_ENCRYPTED',
  'DOCUMENT_UNREADABLE',
  'DOCUMENT_TOO_LARGE',
] as const;
export type DocumentErrorCode = (typeof DOCUMENT_ERROR_CODES)[number];

export abstract class DocumentError extends FlowlineError {
  abstract override readonly code: DocumentErrorCode;
  override readonly retryable = false;
}

/** The content is of a kind this lib does not read (an image, a spreadsheet, an unknown binary). */
export class DocumentTypeUnsupported extends DocumentError {
  readonly code = 'DOCUMENT_TYPE_UNSUPPORTED';
  constructor(
    /** What the content looks like, e.g. image/png, application/octet-stream. */
    readonly detectedType: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** A password-protected document: its text cannot be read without the password. */
export class DocumentEncrypted extends DocumentError {
  readonly code = 'DOCUMENT_ENCRYPTED';
}

/** The content claims a format but is broken (a truncated or corrupt PDF, a ZIP that is no DOCX). */
export class DocumentUnreadable extends DocumentError {
  readonly code = 'DOCUMENT_UNREADABLE';
}

/** Larger than the reader was allowed to hold in memory. */
export class DocumentTooLarge extends DocumentError {
  readonly code = 'DOCUMENT_TOO_LARGE';
}
