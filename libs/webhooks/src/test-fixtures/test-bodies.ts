/** Bodies the verifier specs sign: JSON text, and bytes that are not UTF-8 at all. */
export const JSON_BODY = Buffer.from('{"id":"evt_1","type":"invoice.paid","amount":1250,"note":"grüße"}');

/** Latin-1 text with a stray 0xff: decoding it as UTF-8 replaces bytes, so it must be verified as bytes. */
export const NOT_UTF8_BODY = Buffer.from([
  0x6e, 0x61, 0x6d, 0x65, 0x3d, 0x4a, 0xfc, 0x72, 0x67, 0x65, 0x6e, 0xff, 0x00, 0x80,
]);

/** The same body with one byte changed. */
export function tampered(body: Buffer): Buffer {
  const copy = Buffer.from(body);
  copy[copy.length - 2] = (copy[copy.length - 2] ?? 0) ^ 0x01;
  return copy;
}

/** What a verifier that decoded the body as UTF-8 text would sign instead of the bytes. */
export function decodedAsText(body: Buffer): string {
  return body.toString('utf8');
}
