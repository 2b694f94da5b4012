/**
 * One uploaded file → the events it causes: `document.processed` (kind, text, metadata) and,
 * when it looks like an invoice (invoice-likelihood.ts), `invoice.received` carrying the
 * file's claim-check reference. Both are caused by the input (same correlation id, causation
 * id = its id, same partition key) with ids derived from it — `derivedEventId(input,
 * 'document.processed')`, `derivedEventId(input, 'invoice.received')` — so handling the same
 * input again gives the same ids.
 *
 * The bytes are fetched by claim check and checked against the event's sha256 and size
 * (document-fetcher.ts), the kind is sniffed from the content and the text read by
 * libs/documents. The event's text is bounded (bounded-text.ts); the whole document stays
 * at its `location`, which the metadata names.
 *
 * `invoice.received` carries no text: the invoice agent reads the document itself, so a PDF
 * keeps its page structure and a truncated text never stands for the invoice.
 */
import { extractDocument, type ExtractedDocument } from '@flowline/documents';
import {
  createEvent,
  dataSchemaUri,
  derivedEventId,
  type DocumentProcessed,
  type FileUploaded,
  type FlowlineEvent,
} from '@flowline/event-schemas';
import { boundText } from './bounded-text';
import type { DocumentFetcher } from './document-fetcher';
import { assessInvoice, type InvoiceAssessment } from './invoice-likelihood';

export const SOURCE = '/document-agent';

export interface FileDocumentPolicy {
  /** Bytes of the text (as a JSON string) a document.processed event carries at most. */
  textMaxBytes: number;
  /** The invoice score from which invoice.received is emitted. */
  invoiceMinScore: number;
}

export interface FileDocumentOutcome {
  /** document.processed, then invoice.received when the document is an invoice. */
  events: FlowlineEvent[];
  kind: string;
  assessment: InvoiceAssessment;
  truncated: boolean;
}

/** The data of a `file.uploaded`, or of a folder's own type whose dataschema names it (`scan.uploaded`). */
export function uploadedFileOf(event: FlowlineEvent): FileUploaded | undefined {
  if (event.type === 'file.uploaded') return event.data;
  if (event.dataschema === dataSchemaUri('file.uploaded')) return event.data;
  return undefined;
}

/** Pure: what one file's extracted document gives. */
export function fileDocumentEvents(
  input: FlowlineEvent,
  file: FileUploaded,
  document: ExtractedDocument,
  policy: FileDocumentPolicy,
): FileDocumentOutcome {
  const assessment = assessInvoice(document, policy.invoiceMinScore);
  const bounded = boundText(document.text, policy.textMaxBytes);
  const { bytes: _bytes, ...facts } = document.metadata;
  const metadata: DocumentProcessed['metadata'] = {
    origin: 'file',
    folder: file.folder,
    relativePath: file.relativePath,
    name: file.name,
    mediaType: document.mediaType,
    ...(file.mediaType === document.mediaType ? {} : { uploadedMediaType: file.mediaType }),
    size: file.size,
    sha256: file.sha256,
    location: file.location,
    ...facts,
    ...(document.pages === undefined || document.pages.length === document.metadata.pageCount
      ? {}
      : { pagesRead: document.pages.length }),
    characters: document.text.length,
    textBytes: bounded.fullBytes,
    textTruncated: bounded.truncated,
    invoice: { detected: assessment.invoice, score: assessment.score, signals: assessment.signals },
  };
  const caused = { source: SOURCE, causedBy: input, partitionKey: input.partitionkey, subject: file.relativePath };
  const events: FlowlineEvent[] = [
    createEvent(
      'document.processed',
      { kind: document.kind, text: bounded.text, metadata },
      { ...caused, id: derivedEventId(input.id, 'document.processed') },
    ),
  ];
  if (assessment.invoice) {
    events.push(
      createEvent(
        'invoice.received',
        {
          document: {
            location: file.location,
            name: file.name,
            mediaType: document.mediaType,
            size: file.size,
            sha256: file.sha256,
          },
          receivedVia: 'file',
        },
        { ...caused, id: derivedEventId(input.id, 'invoice.received') },
      ),
    );
  }
  return { events, kind: document.kind, assessment, truncated: bounded.truncated };
}

export interface FileDocumentReaderOptions {
  fetcher: DocumentFetcher;
  /** Bytes read into memory at most (DocumentTooLarge beyond). */
  maxBytes: number;
  /** PDF pages read at most. */
  maxPages: number;
}

/** The file's bytes by claim check, checked, then read by libs/documents (its errors are non-retryable). */
export async function readUploadedFile(
  file: FileUploaded,
  options: FileDocumentReaderOptions,
): Promise<ExtractedDocument> {
  const bytes = await options.fetcher.fetch(file.location, { sha256: file.sha256, size: file.size });
  return extractDocument(bytes, {
    mediaType: file.mediaType,
    name: file.name,
    maxBytes: options.maxBytes,
    maxPages: options.maxPages,
  });
}
