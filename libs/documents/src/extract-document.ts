/**
 * One call from bytes to text: the kind is sniffed from the content (sniff-document-type.ts),
 * then each kind is read by its reader. XML and JSON come back as their decoded text, for a
 * caller that parses their structure itself.
 */
import { decodeText, xmlDeclaredCharset } from './decode-text';
import { DocumentTooLarge } from './document-errors';
import { extractDocxText } from './extract-docx-text';
import { extractPdfText, type PdfInfo } from './extract-pdf-text';
import { htmlToText } from './html-text';
import { charsetParameter, sniffDocumentType, type DocumentHint, type DocumentKind } from './sniff-document-type';

export interface ExtractedDocument {
  kind: DocumentKind;
  /** The content's media type (from the content, not the hint). */
  mediaType: string;
  /** The text: a PDF's pages separated by a form feed, a DOCX's or HTML's laid out, XML/JSON/text as decoded. */
  text: string;
  /** A PDF's text per page. */
  pages?: string[];
  metadata: DocumentMetadata;
}

export interface DocumentMetadata extends PdfInfo {
  bytes: number;
  /** PDF: pages in the document. */
  pageCount?: number;
  /** The character set text content was decoded with (XML, JSON, HTML, text). */
  charset?: string;
}

export interface ExtractOptions extends DocumentHint {
  /** A charset to try when the content has no byte-order mark (else the hint's charset parameter). */
  charset?: string;
  /** PDF pages read at most (default 100). */
  maxPages?: number;
  /** Refuse content larger than this (DocumentTooLarge). Default: no limit. */
  maxBytes?: number;
}

export async function extractDocument(bytes: Uint8Array, options: ExtractOptions = {}): Promise<ExtractedDocument> {
  if (options.maxBytes !== undefined && bytes.byteLength > options.maxBytes) {
    throw new DocumentTooLarge(`the document has ${bytes.byteLength} bytes, more than the ${options.maxBytes} allowed`);
  }
  const { kind, mediaType } = sniffDocumentType(bytes, options);
  const base = { bytes: bytes.byteLength };
  switch (kind) {
    case 'pdf': {
      const pdf = await extractPdfText(bytes, options.maxPages === undefined ? {} : { maxPages: options.maxPages });
      return {
        kind,
        mediaType,
        text: pdf.pages.join('\f'),
        pages: pdf.pages,
        metadata: { ...base, ...pdf.info, pageCount: pdf.pageCount },
      };
    }
    case 'docx':
      return { kind, mediaType, text: await extractDocxText(bytes), metadata: base };
    default: {
      const declared = options.charset ?? charsetParameter(options.mediaType) ?? declaredIn(kind, bytes);
      const { text, charset } = decodeText(bytes, declared);
      return { kind, mediaType, text: kind === 'html' ? htmlToText(text) : text, metadata: { ...base, charset } };
    }
  }
}

function declaredIn(kind: DocumentKind, bytes: Uint8Array): string | undefined {
  if (kind === 'xml') return xmlDeclaredCharset(bytes);
  if (kind === 'html') {
    const head = Buffer.from(bytes.subarray(0, 2048)).toString('latin1');
    return /<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)/i.exec(head)?.[1];
  }
  return undefined;
}
