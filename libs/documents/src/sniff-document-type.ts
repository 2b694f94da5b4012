/**
 * What a document is, from its bytes: the magic numbers of binary formats, the first
 * characters of text ones. The name or media type a sender gave is only a hint: a `.pdf`
 * attachment that is really HTML is read as HTML, and one that is really a PNG is refused as
 * an image, whatever it was called.
 */
import { DocumentTypeUnsupported } from './document-errors';

export type DocumentKind = 'pdf' | 'docx' | 'xml' | 'json' | 'html' | 'text';

export interface DocumentType {
  kind: DocumentKind;
  /** The media type of the content, e.g. application/pdf; for text, the hint's when it is a text type. */
  mediaType: string;
}

export interface DocumentHint {
  /** The media type the sender or an upstream stage gave (parameters are ignored). */
  mediaType?: string;
  /** The file name, for messages. */
  name?: string;
}

export const DOCX_MEDIA_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Binary formats named in the refusal, so an operator sees "image/png" rather than "binary". */
const KNOWN_BINARY: readonly { magic: readonly number[]; offset?: number; mediaType: string }[] = [
  { magic: [0x89, 0x50, 0x4e, 0x47], mediaType: 'image/png' },
  { magic: [0xff, 0xd8, 0xff], mediaType: 'image/jpeg' },
  { magic: [0x47, 0x49, 0x46, 0x38], mediaType: 'image/gif' },
  { magic: [0x49, 0x49, 0x2a, 0x00], mediaType: 'image/tiff' },
  { magic: [0x4d, 0x4d, 0x00, 0x2a], mediaType: 'image/tiff' },
  { magic: [0x57, 0x45, 0x42, 0x50], offset: 8, mediaType: 'image/webp' },
  { magic: [0x42, 0x4d], mediaType: 'image/bmp' },
  { magic: [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1], mediaType: 'application/x-ole-storage' },
  { magic: [0x1f, 0x8b], mediaType: 'application/gzip' },
  { magic: [0x7b, 0x5c, 0x72, 0x74, 0x66], mediaType: 'application/rtf' },
];

/** OOXML and OpenDocument packages, told apart by a part name in the ZIP's directory. */
const ZIP_PACKAGES: readonly { part: string; mediaType: string }[] = [
  { part: 'word/document.xml', mediaType: DOCX_MEDIA_TYPE },
  { part: 'xl/workbook.xml', mediaType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' },
  {
    part: 'ppt/presentation.xml',
    mediaType: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  },
  { part: 'application/vnd.oasis.opendocument.text', mediaType: 'application/vnd.oasis.opendocument.text' },
];

export function sniffDocumentType(bytes: Uint8Array, hint: DocumentHint = {}): DocumentType {
  const content = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const named = hint.name === undefined ? 'the document' : `"${hint.name}"`;
  const refuse = (detected: string, what: string): never => {
    throw new DocumentTypeUnsupported(
      detected,
      `${named} is ${what} (${detected}); readable are PDF, DOCX, XML, JSON, HTML and plain text`,
    );
  };
  if (content.length === 0) refuse('application/x-empty', 'empty');
  // PDF readers accept junk before the header within the first KiB (PDF 32000-1, annex H).
  if (content.subarray(0, 1024).includes('%PDF-')) return { kind: 'pdf', mediaType: 'application/pdf' };
  if (startsWith(content, [0x50, 0x4b, 0x03, 0x04])) {
    const found = ZIP_PACKAGES.find((entry) => content.includes(entry.part));
    if (found?.mediaType === DOCX_MEDIA_TYPE) return { kind: 'docx', mediaType: DOCX_MEDIA_TYPE };
    return refuse(found?.mediaType ?? 'application/zip', found === undefined ? 'a ZIP archive' : 'an office file');
  }
  const binary = KNOWN_BINARY.find((entry) => startsWith(content, entry.magic, entry.offset));
  if (binary !== undefined) refuse(binary.mediaType, `of type ${binary.mediaType}`);
  if (looksBinary(content)) refuse('application/octet-stream', 'binary content of an unknown format');
  return textType(content, baseMediaType(hint.mediaType));
}

function textType(content: Buffer, hinted: string | undefined): DocumentType {
  const head = content
    .subarray(0, 512)
    .toString(isUtf16(content) ? 'utf16le' : 'latin1')
    .replace(/^(\uFEFF|ï»¿|\u00FE\u00FF|\u00FF\u00FE)/, '')
    .replace(/\0/g, '')
    .trimStart();
  const lower = head.toLowerCase();
  if (lower.startsWith('<!doctype html') || lower.startsWith('<html') || /^<(head|body|div|p|table)[\s>]/.test(lower)) {
    return { kind: 'html', mediaType: 'text/html' };
  }
  if (/^<(\?xml|[A-Za-z_][\w.-]*(:[A-Za-z_][\w.-]*)?[\s>/])/.test(head)) {
    return { kind: 'xml', mediaType: hinted !== undefined && /[/+]xml$/.test(hinted) ? hinted : 'application/xml' };
  }
  if (head.startsWith('{') || head.startsWith('[')) {
    return { kind: 'json', mediaType: hinted !== undefined && /[/+]json$/.test(hinted) ? hinted : 'application/json' };
  }
  return { kind: 'text', mediaType: hinted !== undefined && hinted.startsWith('text/') ? hinted : 'text/plain' };
}

function startsWith(content: Buffer, magic: readonly number[], offset = 0): boolean {
  return magic.every((byte, index) => content[offset + index] === byte);
}

function isUtf16(content: Buffer): boolean {
  return (content[0] === 0xff && content[1] === 0xfe) || (content.length > 3 && content[1] === 0 && content[3] === 0);
}

/** NUL bytes (outside UTF-16) or many control characters: not text. */
function looksBinary(content: Buffer): boolean {
  const sample = content.subarray(0, 8192);
  if (isUtf16(content) || (sample[0] === 0xfe && sample[1] === 0xff) || (sample[0] === 0 && sample[2] === 0)) {
    return false;
  }
  let control = 0;
  for (const byte of sample) {
    if (byte === 0) return true;
    if (byte < 0x09 || (byte > 0x0d && byte < 0x20)) control += 1;
  }
  return control > sample.length * 0.1;
}

/** `text/plain; charset=utf-8` → `text/plain`. */
export function baseMediaType(mediaType: string | undefined): string | undefined {
  const base = mediaType?.split(';')[0]?.trim().toLowerCase();
  return base === '' ? undefined : base;
}

/** The `charset` parameter of a media type, if any. */
export function charsetParameter(mediaType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(mediaType ?? '')?.[1];
}
