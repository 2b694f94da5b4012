import { chooseMediaType, detectMediaType } from './media-type';

describe('media type', () => {
  it('comes from the content first', async () => {
    expect(await detectMediaType(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n'), 'invoice.PDF')).toBe('application/pdf');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    expect(await detectMediaType(png, 'invoice.pdf')).toBe('image/png');
  });

  it('falls back to the extension when the content says nothing (plain text), else octet-stream', async () => {
    expect(await detectMediaType(Buffer.from('Invoice 2024-0117\nTotal 12.50 EUR\n'), 'notes.TXT')).toBe('text/plain');
    expect(await detectMediaType(Buffer.from('???'), 'data.bin')).toBe('application/octet-stream');
    expect(await detectMediaType(Buffer.alloc(0), 'empty')).toBe('application/octet-stream');
  });

  it('lets the extension name the document inside a ZIP or Compound File container', () => {
    expect(chooseMediaType('application/zip', 'report.docx')).toBe(
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    );
    expect(chooseMediaType('application/x-cfb', 'old.doc')).toBe('application/msword');
    expect(chooseMediaType('application/zip', 'archive.zip')).toBe('application/zip');
    expect(chooseMediaType('application/zip', 'renamed.pdf')).toBe('application/zip');
  });
});
