import { createHmac } from 'node:crypto';
import { sign, verify } from '@octokit/webhooks-methods';
import { SignatureInvalid, SignatureMalformed, SignatureMissing } from './signature-errors';
import { JSON_BODY, NOT_UTF8_BODY, tampered } from './test-fixtures/test-bodies';
import { verifyGithubSignature } from './verify-github-signature';

// Signatures come from GitHub's own reference code, @octokit/webhooks-methods.
const SECRET = "It's a Secret to Everybody";
const OLD_SECRET = 'the secret before the rotation';

const headersFor = (signature: string) => ({ 'x-hub-signature-256': signature });

describe('verifyGithubSignature', () => {
  it('accepts the signature GitHub computes over the body', async () => {
    const signature = await sign(SECRET, JSON_BODY.toString('utf8'));
    expect(verifyGithubSignature(JSON_BODY, headersFor(signature), { secrets: [SECRET] })).toEqual({ secretIndex: 0 });
  });

  it("matches GitHub's documented test vector", () => {
    // docs.github.com "Validating webhook deliveries": secret and payload below give this signature.
    const signature = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    expect(() =>
      verifyGithubSignature(Buffer.from('Hello, World!'), headersFor(signature), { secrets: [SECRET] }),
    ).not.toThrow();
  });

  it('rejects a body signed with another secret', async () => {
    const signature = await sign('not the configured secret', JSON_BODY.toString('utf8'));
    expect(() => verifyGithubSignature(JSON_BODY, headersFor(signature), { secrets: [SECRET] })).toThrow(
      SignatureInvalid,
    );
  });

  it('rejects a body changed in one byte after signing', async () => {
    const signature = await sign(SECRET, JSON_BODY.toString('utf8'));
    expect(() => verifyGithubSignature(tampered(JSON_BODY), headersFor(signature), { secrets: [SECRET] })).toThrow(
      SignatureInvalid,
    );
  });

  it('reports a missing header as missing and a malformed one as malformed', async () => {
    const signature = await sign(SECRET, JSON_BODY.toString('utf8'));
    expect(() => verifyGithubSignature(JSON_BODY, {}, { secrets: [SECRET] })).toThrow(SignatureMissing);
    expect(() => verifyGithubSignature(JSON_BODY, headersFor('  '), { secrets: [SECRET] })).toThrow(SignatureMissing);
    for (const malformed of [
      signature.slice('sha256='.length),
      signature.replace('sha256=', 'sha1='),
      signature.slice(0, -2),
      `${signature}, ${signature}`,
      'sha256=not-hex-at-all-not-hex-at-all-not-hex-at-all-not-hex-at-all',
    ]) {
      expect(() => verifyGithubSignature(JSON_BODY, headersFor(malformed), { secrets: [SECRET] })).toThrow(
        SignatureMalformed,
      );
    }
  });

  it('accepts either secret during a rotation and says which one matched', async () => {
    const signedWithOld = await sign(OLD_SECRET, JSON_BODY.toString('utf8'));
    const signedWithNew = await sign(SECRET, JSON_BODY.toString('utf8'));
    const secrets = [SECRET, OLD_SECRET];
    expect(verifyGithubSignature(JSON_BODY, headersFor(signedWithOld), { secrets })).toEqual({ secretIndex: 1 });
    expect(verifyGithubSignature(JSON_BODY, headersFor(signedWithNew), { secrets })).toEqual({ secretIndex: 0 });
  });

  it('finds the header whatever its spelling', async () => {
    const signature = await sign(SECRET, JSON_BODY.toString('utf8'));
    expect(() =>
      verifyGithubSignature(JSON_BODY, { 'X-Hub-Signature-256': signature }, { secrets: [SECRET] }),
    ).not.toThrow();
  });

  it('verifies a body that is not UTF-8 over its exact bytes', async () => {
    // @octokit/webhooks-methods signs strings only (as UTF-8), so it cannot sign these bytes;
    // they are signed here the way GitHub signs every body (HMAC-SHA256 of the raw bytes),
    // which the reference's own verify confirms for a UTF-8 body below.
    const overBytes = `sha256=${createHmac('sha256', SECRET).update(NOT_UTF8_BODY).digest('hex')}`;
    expect(
      await verify(
        SECRET,
        JSON_BODY.toString('utf8'),
        `sha256=${createHmac('sha256', SECRET).update(JSON_BODY).digest('hex')}`,
      ),
    ).toBe(true);
    expect(() => verifyGithubSignature(NOT_UTF8_BODY, headersFor(overBytes), { secrets: [SECRET] })).not.toThrow();
    // Had the body been decoded as text first, the bytes signed would differ.
    const overDecodedText = await sign(SECRET, NOT_UTF8_BODY.toString('utf8'));
    expect(overDecodedText).not.toBe(overBytes);
    expect(() => verifyGithubSignature(NOT_UTF8_BODY, headersFor(overDecodedText), { secrets: [SECRET] })).toThrow(
      SignatureInvalid,
    );
  });
});
