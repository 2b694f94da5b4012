import { DocumentEncrypted, DocumentTooLarge, DocumentTypeUnsupported, DocumentUnreadable } from './document-errors';
import { extractDocument } from './extract-document';
import { makeDocx, makeZip } from './test-fixtures/make-docx';
import { makePdf } from './test-fixtures/make-pdf';

describe('extractDocument', () => {
  it('reads a PDF line by line, keeping its columns two spaces or more apart', async () => {
    const pdf = await makePdf(
      (doc) => {
        doc.font('Helvetica').fontSize(10);
        doc.text('Rechnung Nr. 2026-0042', 50, 50);
        doc.text('Beschreibung', 50, 100).text('Menge', 300, 100).text('Betrag', 450, 100);
        doc.text('Beratung Müller', 50, 115).text('3', 300, 115).text('1.234,56 €', 450, 115);
        doc.addPage().text('Seite zwei', 50, 50);
      },
      { title: 'Rechnung 2026-0042' },
    );
    const document = await extractDocument(pdf, { name: 'rechnung.pdf' });
    expect(document).toMatchObject({
      kind: 'pdf',
      mediaType: 'application/pdf',
      metadata: { pageCount: 2, title: 'Rechnung 2026-0042', author: 'Flowline tests', bytes: pdf.length },
    });
    expect(document.pages).toHaveLength(2);
    const lines = document.pages![0]!.split('\n');
    expect(lines[0]).toBe('Rechnung Nr. 2026-0042');
    const header = lines.find((line) => line.startsWith('Beschreibung'))!;
    const row = lines.find((line) => line.startsWith('Beratung'))!;
    expect(header.split(/ {2,}/)).toEqual(['Beschreibung', 'Menge', 'Betrag']);
    expect(row.split(/ {2,}/)).toEqual(['Beratung Müller', '3', '1.234,56 €']);
    // Columns line up: the amount starts where its header does.
    expect(row.indexOf('1.234,56')).toBe(header.indexOf('Betrag'));
    expect(document.pages![1]).toBe('Seite zwei');
    expect(document.text.split('\f')).toEqual(document.pages);
  });

  it('refuses a password-protected PDF as encrypted', async () => {
    const pdf = await makePdf((doc) => doc.text('secret'), { userPassword: 'open sesame' });
    await expect(extractDocument(pdf)).rejects.toBeInstanceOf(DocumentEncrypted);
  });

  it('refuses a broken PDF as unreadable', async () => {
    await expect(extractDocument(Buffer.from('%PDF-1.7\nthis is no PDF body at all'))).rejects.toBeInstanceOf(
      DocumentUnreadable,
    );
  });

  it('reads a DOCX with its table rows on one line each', async () => {
    const docx = makeDocx(
      ['ACME Ltd', 'Invoice No. INV-7'],
      [
        ['Item', 'Qty', 'Amount'],
        ['Widget', '2', '20.00'],
      ],
    );
    const document = await extractDocument(docx);
    expect(document.kind).toBe('docx');
    expect(document.text.split('\n')).toEqual([
      'ACME Ltd',
      'Invoice No. INV-7',
      'Item  Qty  Amount',
      'Widget  2  20.00',
    ]);
  });

  it('refuses a DOCX-looking ZIP without a readable document as unreadable', async () => {
    await expect(extractDocument(makeZip({ 'word/document.xml': '<not-closed' }))).rejects.toBeInstanceOf(
      DocumentUnreadable,
    );
  });

  it('decodes XML in the encoding it declares', async () => {
    const xml = Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><Name>M\xfcller</Name>', 'latin1');
    expect(await extractDocument(xml)).toMatchObject({
      kind: 'xml',
      text: '<?xml version="1.0" encoding="ISO-8859-1"?><Name>Müller</Name>',
      metadata: { charset: 'windows-1252' },
    });
  });

  it('reads HTML as laid-out text and text in the charset of its media type', async () => {
    const html = await extractDocument(Buffer.from('<html><body><p>Total</p><p>10&nbsp;&euro;</p></body></html>'));
    expect(html).toMatchObject({ kind: 'html', text: 'Total\n10 €' });
    const text = await extractDocument(Buffer.from([0x31, 0x30, 0x20, 0xa4]), {
      mediaType: 'text/plain; charset=iso-8859-15',
    });
    expect(text).toMatchObject({ kind: 'text', text: '10 €', metadata: { charset: 'iso-8859-15' } });
  });

  it('refuses unsupported and oversized content with their own errors', async () => {
    await expect(extractDocument(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]))).rejects.toBeInstanceOf(
      DocumentTypeUnsupported,
    );
    await expect(extractDocument(Buffer.alloc(11, 0x41), { maxBytes: 10 })).rejects.toBeInstanceOf(DocumentTooLarge);
  });
});
