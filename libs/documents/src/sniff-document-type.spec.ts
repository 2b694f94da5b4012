import { DocumentTypeUnsupported } from './document-errors';
import { DOCX_MEDIA_TYPE, sniffDocumentType } from './sniff-document-type';
import { makeDocx, makeZip } from './test-fixtures/make-docx';

function refusal(bytes: Uint8Array): DocumentTypeUnsupported {
  try {
    sniffDocumentType(bytes, { name: 'upload.bin' });
  } catch (error) {
    if (error instanceof DocumentTypeUnsupported) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('sniffDocumentType', () => {
  it('finds a PDF by its header, even after leading junk', () => {
    expect(sniffDocumentType(Buffer.from('%PDF-1.7\n...'))).toEqual({ kind: 'pdf', mediaType: 'application/pdf' });
    expect(sniffDocumentType(Buffer.from('\r\n\r\n%PDF-1.4\n')).kind).toBe('pdf');
  });

  it('tells a DOCX from other ZIP packages by its parts', () => {
    expect(sniffDocumentType(makeDocx(['Invoice']))).toEqual({ kind: 'docx', mediaType: DOCX_MEDIA_TYPE });
    expect(refusal(makeZip({ 'xl/workbook.xml': '<workbook/>' })).detectedType).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(refusal(makeZip({ 'readme.txt': 'hello' })).detectedType).toBe('application/zip');
  });

  it('refuses images and unknown binaries, naming what they are', () => {
    expect(refusal(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])).detectedType).toBe('image/png');
    expect(refusal(Buffer.from([0xff, 0xd8, 0xff, 0xe0])).detectedType).toBe('image/jpeg');
    expect(refusal(Buffer.from([0x01, 0x02, 0x00, 0x05])).detectedType).toBe('application/octet-stream');
    expect(refusal(Buffer.alloc(0)).message).toMatch(/"upload\.bin" is empty/);
  });

  it('reads XML, JSON, HTML and text from their first characters, whatever the hint says', () => {
    expect(
      sniffDocumentType(Buffer.from('\uFEFF<?xml version="1.0"?><Invoice/>'), { mediaType: 'application/pdf' }),
    ).toEqual({
      kind: 'xml',
      mediaType: 'application/xml',
    });
    expect(sniffDocumentType(Buffer.from('<Invoice xmlns="urn:x"/>'), { mediaType: 'text/xml' }).mediaType).toBe(
      'text/xml',
    );
    expect(sniffDocumentType(Buffer.from('  {"total": 1}')).kind).toBe('json');
    expect(sniffDocumentType(Buffer.from('<!DOCTYPE html><html><p>x</p></html>')).kind).toBe('html');
    expect(sniffDocumentType(Buffer.from('Invoice 42\nTotal 10.00'), { mediaType: 'text/csv; charset=utf-8' })).toEqual(
      {
        kind: 'text',
        mediaType: 'text/csv',
      },
    );
  });

  it('takes UTF-16 text for text, not for binary', () => {
    expect(sniffDocumentType(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Rechnung', 'utf16le')])).kind).toBe(
      'text',
    );
    expect(sniffDocumentType(Buffer.from('<?xml version="1.0"?><a/>', 'utf16le')).kind).toBe('xml');
  });
});
