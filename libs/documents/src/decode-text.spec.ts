import { decodeText, xmlDeclaredCharset } from './decode-text';

describe('decodeText', () => {
  it('reads UTF-8 and normalises line ends', () => {
    expect(decodeText(Buffer.from('Café\r\nMüller\r€', 'utf8'))).toEqual({ text: 'Café\nMüller\n€', charset: 'utf-8' });
  });

  it('honours a byte-order mark over a declared charset', () => {
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Größe 12,50 €', 'utf16le')]);
    expect(decodeText(bytes, 'iso-8859-1')).toEqual({ text: 'Größe 12,50 €', charset: 'utf-16le' });
    expect(decodeText(Buffer.from('\uFEFFTotal', 'utf8')).text).toBe('Total');
  });

  it('uses a declared charset when there is no mark', () => {
    // "€" is 0xA4 in ISO-8859-15 and 0x80 in windows-1252.
    expect(decodeText(Buffer.from([0x31, 0x30, 0x20, 0xa4]), 'ISO-8859-15')).toEqual({
      text: '10 €',
      charset: 'iso-8859-15',
    });
  });

  it('falls back to windows-1252 for bytes that are not UTF-8', () => {
    expect(decodeText(Buffer.from([0x4d, 0xfc, 0x6c, 0x6c, 0x65, 0x72, 0x20, 0x80]))).toEqual({
      text: 'Müller €',
      charset: 'windows-1252',
    });
  });

  it('recognises UTF-16 without a mark', () => {
    expect(decodeText(Buffer.from('Invoice 42', 'utf16le'))).toEqual({ text: 'Invoice 42', charset: 'utf-16le' });
    const bigEndian = Buffer.from('Invoice 42', 'utf16le').swap16();
    expect(decodeText(bigEndian)).toEqual({ text: 'Invoice 42', charset: 'utf-16be' });
  });

  it('ignores a declared charset it does not know', () => {
    expect(decodeText(Buffer.from('plain'), 'x-klingon')).toEqual({ text: 'plain', charset: 'utf-8' });
  });

  it('reads the encoding of an XML declaration', () => {
    expect(xmlDeclaredCharset(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a/>'))).toBe('ISO-8859-1');
    expect(xmlDeclaredCharset(Buffer.from('<?xml version="1.0"?><a/>'))).toBeUndefined();
  });
});
