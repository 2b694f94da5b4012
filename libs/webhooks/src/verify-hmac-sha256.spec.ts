import { createHmac } from 'node:crypto';
import { SignatureInvalid, SignatureMalformed, SignatureMissing } from './signature-errors';
import { JSON_BODY, NOT_UTF8_BODY, tampered } from './test-fixtures/test-bodies';
import { HmacSha256Options, verifyHmacSha256 } from './verify-hmac-sha256';

// No reference library for a generic scheme: the sender's side is node:crypto's HMAC, which
// the GitHub spec shows equal to @octokit/webhooks-methods for the hex, `sha256=` case.
const SECRET = 'shared-secret-2026';
const OLD_SECRET = 'shared-secret-2025';

const sign = (body: Buffer, secret: string, encoding: 'hex' | 'base64') =>
  createHmac('sha256', secret).update(body).digest(encoding);

const HEX: Omit<HmacSha256Options, 'secrets'> = { header: 'X-Signature', prefix: 'sha256=', encoding: 'hex' };
const BASE64: Omit<HmacSha256Options, 'secrets'> = { header: 'X-Shopify-Hmac-Sha256', encoding: 'base64' };

describe('verifyHmacSha256', () => {
  it('accepts a hex signature after its prefix, and a bare base64 one, in the configured header', () => {
    const hex = { 'x-signature': `sha256=${sign(JSON_BODY, SECRET, 'hex')}` };
    const base64 = { 'x-shopify-hmac-sha256': sign(JSON_BODY, SECRET, 'base64') };
    expect(verifyHmacSha256(JSON_BODY, hex, { ...HEX, secrets: [SECRET] })).toEqual({ secretIndex: 0 });
    expect(verifyHmacSha256(JSON_BODY, base64, { ...BASE64, secrets: [SECRET] })).toEqual({ secretIndex: 0 });
  });

  it('rejects another secret and a body changed in one byte', () => {
    const headers = { 'x-signature': `sha256=${sign(JSON_BODY, SECRET, 'hex')}` };
    expect(() => verifyHmacSha256(JSON_BODY, headers, { ...HEX, secrets: ['other'] })).toThrow(SignatureInvalid);
    expect(() => verifyHmacSha256(tampered(JSON_BODY), headers, { ...HEX, secrets: [SECRET] })).toThrow(
      SignatureInvalid,
    );
  });

  it('reports a missing header as missing, and a wrong prefix or encoding as malformed', () => {
    expect(() => verifyHmacSha256(JSON_BODY, {}, { ...HEX, secrets: [SECRET] })).toThrow(
      new SignatureMissing('X-Signature is missing'),
    );
    for (const malformed of [
      sign(JSON_BODY, SECRET, 'hex'),
      `sha256=${sign(JSON_BODY, SECRET, 'base64')}`,
      `sha1=${sign(JSON_BODY, SECRET, 'hex')}`,
      'sha256=',
    ]) {
      expect(() => verifyHmacSha256(JSON_BODY, { 'x-signature': malformed }, { ...HEX, secrets: [SECRET] })).toThrow(
        SignatureMalformed,
      );
    }
    expect(() =>
      verifyHmacSha256(
        JSON_BODY,
        { 'x-shopify-hmac-sha256': sign(JSON_BODY, SECRET, 'hex') },
        { ...BASE64, secrets: [SECRET] },
      ),
    ).toThrow(SignatureMalformed);
  });

  it('accepts either secret during a rotation', () => {
    const headers = { 'x-signature': `sha256=${sign(JSON_BODY, OLD_SECRET, 'hex')}` };
    expect(verifyHmacSha256(JSON_BODY, headers, { ...HEX, secrets: [SECRET, OLD_SECRET] })).toEqual({ secretIndex: 1 });
  });

  it('verifies a body that is not UTF-8 over its exact bytes', () => {
    const overBytes = { 'x-signature': `sha256=${sign(NOT_UTF8_BODY, SECRET, 'hex')}` };
    const overText = {
      'x-signature': `sha256=${createHmac('sha256', SECRET).update(NOT_UTF8_BODY.toString('utf8')).digest('hex')}`,
    };
    expect(() => verifyHmacSha256(NOT_UTF8_BODY, overBytes, { ...HEX, secrets: [SECRET] })).not.toThrow();
    expect(() => verifyHmacSha256(NOT_UTF8_BODY, overText, { ...HEX, secrets: [SECRET] })).toThrow(SignatureInvalid);
  });
});
