/**
 * A PDF's text layer through PDF.js (the serverless build unpdf ships: no worker, no canvas),
 * laid out by pdf-layout.ts. Only text a PDF carries is read: a scanned page has none, and
 * no OCR runs here.
 *
 * unpdf and PDF.js are ES modules. Node 24 loads them from our CommonJS output (unpdf's
 * CommonJS entry imports PDF.js dynamically); Jest needs them transformed, see
 * jest.esm-packages.js beside this lib's package.json.
 */
import { getDocumentProxy, getMeta } from 'unpdf';
import { DocumentEncrypted, DocumentUnreadable } from './document-errors';
import { layoutLines, type PositionedText } from './pdf-layout';

export interface PdfText {
  /** Each page's lines joined by "\n". */
  pages: string[];
  /** Pages in the document (may exceed pages read when capped by maxPages). */
  pageCount: number;
  info: PdfInfo;
}

export interface PdfInfo {
  title?: string;
  author?: string;
  subject?: string;
  creator?: string;
  producer?: string;
  /** RFC 3339, from the PDF's CreationDate. */
  createdAt?: string;
  modifiedAt?: string;
}

export interface PdfReadOptions {
  /** Pages read at most (the first ones): bounds the work a huge document can cause. Default 100. */
  maxPages?: number;
}

export async function extractPdfText(bytes: Uint8Array, options: PdfReadOptions = {}): Promise<PdfText> {
  const maxPages = options.maxPages ?? 100;
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  try {
    // A copy: PDF.js transfers (detaches) the buffer it is given.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: 0 });
  } catch (error) {
    throw pdfError(error);
  }
  try {
    const pages: string[] = [];
    for (let number = 1; number <= Math.min(pdf.numPages, maxPages); number += 1) {
      const page = await pdf.getPage(number);
      const content = await page.getTextContent();
      const items: PositionedText[] = [];
      for (const item of content.items) {
        if (!('str' in item)) continue;
        const [a = 0, b = 0, c = 0, d = 0, x = 0, y = 0] = item.transform as number[];
        // Rotated text (a vertical margin note) would scramble the lines: left out.
        if (Math.abs(b) > Math.abs(a) * 0.1 || Math.abs(c) > Math.abs(d) * 0.1) continue;
        items.push({ str: item.str, x, y, width: item.width, fontSize: Math.hypot(c, d) || item.height || 10 });
      }
      pages.push(layoutLines(items).join('\n'));
      page.cleanup();
    }
    return { pages, pageCount: pdf.numPages, info: await pdfInfo(pdf) };
  } catch (error) {
    throw pdfError(error);
  } finally {
    await pdf.loadingTask.destroy();
  }
}

async function pdfInfo(pdf: Parameters<typeof getMeta>[0]): Promise<PdfInfo> {
  let info: Record<string, unknown> = {};
  try {
    info = (await getMeta(pdf, { parseDates: true })).info;
  } catch {
    // A PDF without a readable info dictionary: its text is still worth having.
  }
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
  const date = (value: unknown): string | undefined =>
    value instanceof Date && !Number.isNaN(value.getTime()) ? value.toISOString() : undefined;
  const fields: PdfInfo = {
    title: text(info['Title']),
    author: text(info['Author']),
    subject: text(info['Subject']),
    creator: text(info['Creator']),
    producer: text(info['Producer']),
    createdAt: date(info['CreationDate']),
    modifiedAt: date(info['ModDate']),
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** PDF.js's exceptions by name (they are plain classes of its own module): encrypted vs broken. */
function pdfError(error: unknown): Error {
  if (error instanceof DocumentEncrypted || error instanceof DocumentUnreadable) return error;
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'PasswordException') {
    return new DocumentEncrypted(`the PDF is password-protected (${message})`, { cause: error });
  }
  return new DocumentUnreadable(`the PDF cannot be read: ${message}`, { cause: error });
}
