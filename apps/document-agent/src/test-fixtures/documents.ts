/**
 * Documents made in the tests: PDFs with pdfkit (a test-only dependency), a DOCX as a stored
 * ZIP of the three parts Word needs, text. Made here rather than committed, so each test says
 * what its document holds. (libs/documents has the same kind of makers for its own tests;
 * a lib's test helpers are not part of its public entry, hence this small copy.)
 */
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import PDFDocument from 'pdfkit';

export interface PdfOptions {
  userPassword?: string;
  title?: string;
  author?: string;
}

/** A PDF of the given lines (a line of cells: cells at fixed x positions, as a table row). */
export function makePdf(lines: readonly (string | readonly string[])[], options: PdfOptions = {}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    info: {
      Title: options.title ?? 'Test document',
      Author: options.author ?? 'Flowline tests',
      CreationDate: new Date(Date.UTC(2026, 2, 5, 9, 30)),
    },
    ...(options.userPassword === undefined ? {} : { userPassword: options.userPassword, pdfVersion: '1.7' }),
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  doc.font('Helvetica').fontSize(10);
  let y = 60;
  for (const line of lines) {
    if (typeof line === 'string') {
      doc.text(line, 50, y, { lineBreak: false });
    } else {
      line.forEach((cell, column) => doc.text(cell, 50 + column * 130, y, { lineBreak: false }));
    }
    y += 16;
  }
  doc.end();
  return done;
}

/** An English invoice: title, number, dates, VAT id, a table, totals, bank details. */
export function invoicePdf(number = 'INV-2026-0311'): Promise<Buffer> {
  return makePdf(
    [
      'Northwind Traders Ltd',
      'INVOICE',
      `Invoice No: ${number}`,
      'Invoice date: 05 March 2026',
      'Due date: 04 April 2026',
      'VAT Reg No: GB123456789',
      'Bill to: Contoso Outdoor Ltd',
      ['Description', 'Qty', 'Unit price', 'Amount'],
      ['Trail maps', '40', 'GBP 12.50', 'GBP 500.00'],
      ['Compasses', '10', 'GBP 25.00', 'GBP 250.00'],
      ['Subtotal', '', '', 'GBP 750.00'],
      ['VAT 20%', '', '', 'GBP 150.00'],
      ['Total due', '', '', 'GBP 900.00'],
      'IBAN GB29 NWBK 6016 1331 9268 19',
    ],
    { title: `Invoice ${number}`, author: 'Northwind Billing' },
  );
}

/** The same invoice, opened only with a password. */
export function encryptedInvoicePdf(): Promise<Buffer> {
  return makePdf(['INVOICE', 'Invoice No: SECRET-1', 'Total due GBP 10.00'], { userPassword: 'open sesame' });
}

/** A "PDF" whose body is garbage: a broken download or a damaged disk. */
export function corruptPdf(): Buffer {
  const junk = createHash('sha512').update('not a pdf body').digest();
  return Buffer.concat([Buffer.from('%PDF-1.7\n'), junk, junk, Buffer.from('\n%%EOF\n')]);
}

function makeZip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = Buffer.from(text, 'utf8');
    const fileName = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(fileName.length, 26);
    locals.push(local, fileName, data);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(fileName.length, 28);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, fileName);
    offset += local.length + fileName.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A DOCX of paragraphs. */
export function makeDocx(paragraphs: readonly string[]): Buffer {
  const body = paragraphs
    .map((text) => `<w:p><w:r><w:t xml:space="preserve">${escapeXml(text)}</w:t></w:r></w:p>`)
    .join('');
  return makeZip({
    '[Content_Types].xml':
      '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
      '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
      '<Default Extension="xml" ContentType="application/xml"/>' +
      '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
    '_rels/.rels':
      '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
      '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
    'word/document.xml': `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`,
  });
}

/** A letter to a customer: mentions an invoice, asks for nothing to be paid. */
export function letterDocx(): Buffer {
  return makeDocx([
    'Northwind Traders Ltd, 12 Harbour Street, Bristol',
    'Dear Ms Weber,',
    'thank you for your visit last week. As promised, the revised delivery schedule for the spring season is below;',
    'your invoice for the March shipment will follow separately.',
    'Week 12: trail maps. Week 14: compasses.',
    'Kind regards,',
    'Tom Baker',
  ]);
}

export const MEETING_NOTES = `Project sync — 5 March 2026
Attendees: Anna, Tom, Lena
- Spring catalogue: photos due Friday
- Lena to draft the supplier survey
- Next meeting: 12 March
`;
