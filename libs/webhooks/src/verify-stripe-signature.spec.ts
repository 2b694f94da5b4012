import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { SignatureInvalid, SignatureMalformed, SignatureMissing, TimestampOutOfTolerance } from './signature-errors';
import { JSON_BODY, NOT_UTF8_BODY, tampered } from './test-fixtures/test-bodies';
import { verifyStripeSignature } from './verify-stripe-signature';

// Headers come from Stripe's own reference code: stripe-node's webhooks.generateTestHeaderString.
const stripe = new Stripe('sk_test_not_used_for_any_request');
const SECRET = 'whsec_test_endpoint_secret_1';
const OLD_SECRET = 'whsec_test_endpoint_secret_0';
const NOW = new Date('2026-03-01T12:00:00Z');
const nowSeconds = NOW.getTime() / 1000;

function stripeHeader(body: Buffer, secret: string, timestamp = nowSeconds): { 'stripe-signature': string } {
  return {
    'stripe-signature': stripe.webhooks.generateTestHeaderString({ payload: body.toString('utf8'), secret, timestamp }),
  };
}

const verify = (body: Buffer, headers: Record<string, string>, secrets = [SECRET], toleranceSeconds?: number) =>
  verifyStripeSignature(body, headers, {
    secrets,
    now: NOW,
    ...(toleranceSeconds === undefined ? {} : { toleranceSeconds }),
  });

describe('verifyStripeSignature', () => {
  it('accepts the header Stripe generates and returns the signed time', () => {
    expect(verify(JSON_BODY, stripeHeader(JSON_BODY, SECRET))).toEqual({ secretIndex: 0, timestamp: NOW });
  });

  it('rejects a body signed with another secret', () => {
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, 'whsec_someone_else'))).toThrow(SignatureInvalid);
  });

  it('rejects a body changed in one byte after signing', () => {
    expect(() => verify(tampered(JSON_BODY), stripeHeader(JSON_BODY, SECRET))).toThrow(SignatureInvalid);
  });

  it('rejects a correctly signed timestamp older than the tolerance, and one as far in the future', () => {
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, SECRET, nowSeconds - 301))).toThrow(/301 s old/);
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, SECRET, nowSeconds + 301))).toThrow(TimestampOutOfTolerance);
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, SECRET, nowSeconds + 301))).toThrow(/in the future/);
    // The edges of the window are inside it.
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, SECRET, nowSeconds - 300))).not.toThrow();
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, SECRET, nowSeconds + 300))).not.toThrow();
  });

  it('takes the tolerance it is given', () => {
    const header = stripeHeader(JSON_BODY, SECRET, nowSeconds - 60);
    expect(() => verify(JSON_BODY, header, [SECRET], 30)).toThrow(TimestampOutOfTolerance);
    expect(() => verify(JSON_BODY, header, [SECRET], 90)).not.toThrow();
  });

  it('reports a stale timestamp with a wrong signature as a wrong signature (an unsigned time proves nothing)', () => {
    expect(() => verify(JSON_BODY, stripeHeader(JSON_BODY, 'whsec_other', nowSeconds - 3600))).toThrow(
      SignatureInvalid,
    );
  });

  it('reports a missing header as missing and a malformed one as malformed', () => {
    const valid = stripeHeader(JSON_BODY, SECRET)['stripe-signature'];
    expect(() => verify(JSON_BODY, {})).toThrow(SignatureMissing);
    for (const malformed of [
      valid.replace(/^t=\d+,/, ''),
      valid.replace(/,v1=.*$/, ''),
      valid.replace('t=', 't=yesterday'),
      `${valid},t=${nowSeconds}`,
      valid.replace(/v1=([0-9a-f]+)/, 'v1=$1aa'),
      'v1',
    ]) {
      expect(() => verify(JSON_BODY, { 'stripe-signature': malformed })).toThrow(SignatureMalformed);
    }
  });

  it('ignores v0 entries and accepts any of several v1 entries (Stripe rolling an endpoint secret)', () => {
    const withOld = stripeHeader(JSON_BODY, OLD_SECRET)['stripe-signature'];
    const withNew = stripeHeader(JSON_BODY, SECRET)['stripe-signature'];
    const both = `${withOld},v1=${withNew.split('v1=')[1]},v0=${'0'.repeat(64)}`;
    expect(verify(JSON_BODY, { 'stripe-signature': both }).secretIndex).toBe(0);
  });

  it('accepts either configured secret during a rotation', () => {
    expect(verify(JSON_BODY, stripeHeader(JSON_BODY, OLD_SECRET), [SECRET, OLD_SECRET]).secretIndex).toBe(1);
  });

  it('verifies a body that is not UTF-8 over its exact bytes', () => {
    // stripe-node signs `${timestamp}.${payload}` as a UTF-8 string, so it cannot sign these
    // bytes; the test signs the bytes as Stripe's servers do and passes the result to the
    // reference as a precomputed `signature` to build the header.
    const overBytes = createHmac('sha256', SECRET).update(`${nowSeconds}.`).update(NOT_UTF8_BODY).digest('hex');
    const header = stripe.webhooks.generateTestHeaderString({
      payload: '',
      secret: SECRET,
      timestamp: nowSeconds,
      signature: overBytes,
    });
    expect(() => verify(NOT_UTF8_BODY, { 'stripe-signature': header })).not.toThrow();
    // The reference's signature over the body decoded as text does not match the bytes.
    expect(() => verify(NOT_UTF8_BODY, stripeHeader(NOT_UTF8_BODY, SECRET))).toThrow(SignatureInvalid);
  });
});
