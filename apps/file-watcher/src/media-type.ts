/**
 * A file's media type: from its content (file-type reads the magic numbers in the first
 * bytes), else from its extension, else application/octet-stream. The content wins over the
 * name (an `invoice.pdf` that is really a PNG is `image/png`), except where the content only
 * shows the container: a .docx, .xlsx or .odt is a ZIP inside, an old .doc or .xls a
 * Compound File, and the extension says which document it is.
 */
import { fileTypeFromBuffer } from 'file-type';

export const OCTET_STREAM = 'application/octet-stream';

const BY_EXTENSION: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.tsv': 'text/tab-separated-values',
  '.md': 'text/markdown',
  '.html': 'text/html',
  '.htm': 'text/html',
  '.xml': 'application/xml',
  '.json': 'application/json',
  '.eml': 'message/rfc822',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.pptx': 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
  '.doc': 'application/msword',
  '.xls': 'application/vnd.ms-excel',
  '.msg': 'application/vnd.ms-outlook',
  '.zip': 'application/zip',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
};

/** Containers whose content alone does not say which document format they hold. */
const CONTAINERS: Readonly<Record<string, readonly string[]>> = {
  'application/zip': ['.docx', '.xlsx', '.pptx', '.odt', '.ods'],
  'application/x-cfb': ['.doc', '.xls', '.msg'],
};

export function mediaTypeOfExtension(name: string): string | undefined {
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? undefined : BY_EXTENSION[name.slice(dot).toLowerCase()];
}

/** Pure: the content's type (if any was detected) and the name decide. */
export function chooseMediaType(detected: string | undefined, name: string): string {
  const byName = mediaTypeOfExtension(name);
  if (detected === undefined) return byName ?? OCTET_STREAM;
  const dot = name.lastIndexOf('.');
  const extension = dot <= 0 ? '' : name.slice(dot).toLowerCase();
  if (byName !== undefined && CONTAINERS[detected]?.includes(extension) === true) return byName;
  return detected;
}

/** From the first bytes of the file (64 KiB is plenty for every format file-type knows at its start). */
export async function detectMediaType(head: Buffer, name: string): Promise<string> {
  // A truncated container or an odd file must not fail the publish: the name still tells.
  const detected = await fileTypeFromBuffer(head).catch(() => undefined);
  return chooseMediaType(detected?.mime, name);
}
