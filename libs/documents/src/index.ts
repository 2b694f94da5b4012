export {
  DOCUMENT_ERROR_CODES,
  DocumentEncrypted,
  DocumentError,
  DocumentTooLarge,
  DocumentTypeUnsupported,
  DocumentUnreadable,
} from './document-errors';
export type { DocumentErrorCode } from './document-errors';
export { baseMediaType, charsetParameter, DOCX_MEDIA_TYPE, sniffDocumentType } from './sniff-document-type';
export type { DocumentHint, DocumentKind, DocumentType } from './sniff-document-type';
export { decodeText, supportedCharset, xmlDeclaredCharset } from './decode-text';
export type { DecodedText } from './decode-text';
export { extractPdfText } from './extract-pdf-text';
export type { PdfInfo, PdfReadOptions, PdfText } from './extract-pdf-text';
export { layoutLines } from './pdf-layout';
export type { PositionedText } from './pdf-layout';
export { extractDocxText } from './extract-docx-text';
export { decodeHtmlEntities, htmlToText } from './html-text';
export { extractDocument } from './extract-document';
export type { DocumentMetadata, ExtractedDocument, ExtractOptions } from './extract-document';
