/**
 * A Word (DOCX) document's text through mammoth: converted to its clean HTML, then laid out
 * by html-text.ts so table rows stay on one line with their cells apart (mammoth's raw text
 * puts every cell on a line of its own, which loses an invoice's line items). Images are not
 * decoded, and external files a document links to are never read.
 */
import mammoth from 'mammoth';
import { DocumentUnreadable } from './document-errors';
import { htmlToText } from './html-text';

const skipImages = mammoth.images.imgElement(() => Promise.resolve({ src: '' }));

export async function extractDocxText(bytes: Uint8Array): Promise<string> {
  try {
    const { value } = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      { convertImage: skipImages, externalFileAccess: false, ignoreEmptyParagraphs: true },
    );
    return htmlToText(value);
  } catch (error) {
    throw new DocumentUnreadable(`the DOCX cannot be read: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
}
