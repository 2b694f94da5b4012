/**
 * Bytes to text, choosing the character set the way a careful reader would:
 *   1. a byte-order mark (UTF-8, UTF-16 LE/BE) wins: it is part of the content;
 *   2. else a declared charset (a Content-Type parameter, an XML encoding declaration);
 *   3. else UTF-16 without a mark when every other byte is zero (Windows "Unicode" exports);
 *   4. else UTF-8 when the bytes are valid UTF-8 (ASCII is);
 *   5. else windows-1252, the superset of ISO-8859-1 that Western legacy files are written in.
 * Node's full ICU gives TextDecoder every WHATWG encoding (Shift_JIS, GBK, ISO-8859-x, …).
 * Line ends are normalised to "\n".
 */

export interface DecodedText {
  text: string;
  /** The WHATWG name of the encoding used, e.g. utf-8, windows-1252, utf-16le. */
  charset: string;
}

/** The encoding an XML declaration names (`<?xml version="1.0" encoding="ISO-8859-1"?>`), if any. */
export function xmlDeclaredCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, 200)).toString('latin1');
  return /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(head)?.[1];
}

export function decodeText(bytes: Uint8Array, declaredCharset?: string): DecodedText {
  const bom = byteOrderMark(bytes);
  if (bom !== undefined) return decodeAs(bytes.subarray(bom.length), bom.charset);
  const declared = declaredCharset === undefined ? undefined : supportedCharset(declaredCharset);
  if (declared !== undefined) return decodeAs(bytes, declared);
  // Before UTF-8: zero bytes are valid UTF-8, so UTF-16 text would pass for it.
  const utf16 = unmarkedUtf16(bytes);
  if (utf16 !== undefined) return decodeAs(bytes, utf16);
  try {
    return { text: normaliseLineEnds(new TextDecoder('utf-8', { fatal: true }).decode(bytes)), charset: 'utf-8' };
  } catch {
    return decodeAs(bytes, 'windows-1252');
  }
}

function decodeAs(bytes: Uint8Array, charset: string): DecodedText {
  const decoder = new TextDecoder(charset);
  // TextDecoder drops a leading BOM of its own encoding; strip a stray U+FEFF anyway.
  return { text: normaliseLineEnds(decoder.decode(bytes)).replace(/^\uFEFF/, ''), charset: decoder.encoding };
}

function byteOrderMark(bytes: Uint8Array): { length: number; charset: string } | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { length: 3, charset: 'utf-8' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { length: 2, charset: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { length: 2, charset: 'utf-16be' };
  return undefined;
}

/** The WHATWG encoding for a label, or undefined when TextDecoder does not know it. */
export function supportedCharset(label: string): string | undefined {
  try {
    return new TextDecoder(label.trim()).encoding;
  } catch {
    return undefined;
  }
}

/** UTF-16 without a BOM: in mostly-Latin text every high (or low) byte of a pair is zero. */
function unmarkedUtf16(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  const sample = bytes.subarray(0, Math.min(bytes.length, 4096) & ~1);
  if (sample.length < 4) return undefined;
  let evenZeros = 0;
  let oddZeros = 0;
  for (let index = 0; index < sample.length; index += 2) {
    if (sample[index] === 0) evenZeros += 1;
    if (sample[index + 1] === 0) oddZeros += 1;
  }
  const pairs = sample.length / 2;
  if (oddZeros > pairs * 0.7 && evenZeros < pairs * 0.1) return 'utf-16le';
  if (evenZeros > pairs * 0.7 && oddZeros < pairs * 0.1) return 'utf-16be';
  return undefined;
}

function normaliseLineEnds(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}
