/** PDFs made in the test with pdfkit (a test-only dependency): text at known positions. */
import PDFDocument from 'pdfkit';

export interface PdfOptions {
  userPassword?: string;
  title?: string;
}

export function makePdf(draw: (doc: PDFKit.PDFDocument) => void, options: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: { Title: options.title ?? 'Test document', Author: 'Flowline tests' },
    ...(options.userPassword === undefined ? {} : { userPassword: options.userPassword, pdfVersion: '1.7' }),
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  draw(doc);
  doc.end();
  return done;
}
