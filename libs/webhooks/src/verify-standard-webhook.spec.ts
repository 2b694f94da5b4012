import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { SignatureInvalid, SignatureMalformed, SignatureMissing, TimestampOutOfTolerance } from './signature-errors';
import { signStandardWebhook } from './sign-standard-webhook';
import {
  generateStandardWebhookSecret,
  standardWebhookKey,
  StandardWebhookSecretInvalid,
} from './standard-webhook-secret';
import { JSON_BODY, NOT_UTF8_BODY, tampered } from './test-fixtures/test-bodies';
import { verifyStandardWebhook } from './verify-standard-webhook';

// Signatures come from the scheme's reference library, `standardwebhooks`.
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const OLD_SECRET = 'whsec_dGhlIHNlY3JldCBiZWZvcmUgdGhlIHJvdGF0aW9u';
const NOW = new Date('2026-03-01T12:00:00Z');
const MESSAGE_ID = 'msg_2KWPBgLlAfxdpx2AI54pPJ85f4W';

function referenceHeaders(body: Buffer, secret: string, timestamp = NOW, id = MESSAGE_ID): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body.toString('utf8')),
  };
}

const verify = (body: Buffer, headers: Record<string, string>, secrets = [SECRET]) =>
  verifyStandardWebhook(body, headers, { secrets, now: NOW });

const secondsFromNow = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('verifyStandardWebhook', () => {
  it('accepts what the reference library signs and returns the message id and time', () => {
    expect(verify(JSON_BODY, referenceHeaders(JSON_BODY, SECRET))).toEqual({
      id: MESSAGE_ID,
      secretIndex: 0,
      timestamp: NOW,
    });
  });

  it("matches the spec's example signature", () => {
    // standard-webhooks spec.md, "Signature scheme": this secret, id, timestamp and payload give this signature.
    const headers = {
      'webhook-id': 'msg_p5jXN8AQM9LWM0D4loKWxJek',
      'webhook-timestamp': '1614265330',
      'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    };
    const body = Buffer.from('{"test": 2432232314}');
    expect(() =>
      verifyStandardWebhook(body, headers, { secrets: [SECRET], now: new Date(1614265330 * 1000) }),
    ).not.toThrow();
  });

  it('rejects a body signed with another secret', () => {
    expect(() => verify(JSON_BODY, referenceHeaders(JSON_BODY, generateStandardWebhookSecret()))).toThrow(
      SignatureInvalid,
    );
  });

  it('rejects a body changed in one byte after signing, and a signature moved to another message id', () => {
    expect(() => verify(tampered(JSON_BODY), referenceHeaders(JSON_BODY, SECRET))).toThrow(SignatureInvalid);
    const headers = { ...referenceHeaders(JSON_BODY, SECRET), 'webhook-id': 'msg_another' };
    expect(() => verify(JSON_BODY, headers)).toThrow(SignatureInvalid);
  });

  it('rejects a correctly signed timestamp more than five minutes old or ahead', () => {
    expect(() => verify(JSON_BODY, referenceHeaders(JSON_BODY, SECRET, secondsFromNow(-301)))).toThrow(
      TimestampOutOfTolerance,
    );
    expect(() => verify(JSON_BODY, referenceHeaders(JSON_BODY, SECRET, secondsFromNow(301)))).toThrow(
      TimestampOutOfTolerance,
    );
    expect(() => verify(JSON_BODY, referenceHeaders(JSON_BODY, SECRET, secondsFromNow(-300)))).not.toThrow();
    expect(() => verify(JSON_BODY, referenceHeaders(JSON_BODY, SECRET, secondsFromNow(300)))).not.toThrow();
  });

  it('names each missing header, and reports malformed ones as malformed', () => {
    const valid = referenceHeaders(JSON_BODY, SECRET);
    expect(() => verify(JSON_BODY, {})).toThrow(
      new SignatureMissing('webhook-id, webhook-timestamp, webhook-signature missing'),
    );
    const { 'webhook-timestamp': _dropped, ...withoutTimestamp } = valid;
    expect(() => verify(JSON_BODY, withoutTimestamp)).toThrow(SignatureMissing);
    for (const [header, malformed] of [
      ['webhook-timestamp', '2026-03-01T12:00:00Z'],
      ['webhook-timestamp', '-1'],
      ['webhook-signature', valid['webhook-signature']!.slice(3)],
      ['webhook-signature', 'v1a,c2lnbmVkIHdpdGggZWQyNTUxOQ=='],
      ['webhook-signature', 'v1,bm90IGEgZGlnZXN0'],
      ['webhook-signature', 'v1,'],
    ] as const) {
      expect(() => verify(JSON_BODY, { ...valid, [header]: malformed })).toThrow(SignatureMalformed);
    }
  });

  it('accepts a list of signatures when any matches, skipping other versions', () => {
    const valid = referenceHeaders(JSON_BODY, SECRET);
    const signature = `v1a,c2lnbmVkIHdpdGggZWQyNTUxOQ== ${new Webhook(OLD_SECRET).sign(MESSAGE_ID, NOW, JSON_BODY.toString())} ${valid['webhook-signature']}`;
    expect(verify(JSON_BODY, { ...valid, 'webhook-signature': signature }).secretIndex).toBe(0);
  });

  it('accepts either configured secret during a rotation', () => {
    expect(verify(JSON_BODY, referenceHeaders(JSON_BODY, OLD_SECRET), [SECRET, OLD_SECRET]).secretIndex).toBe(1);
  });

  it('reads the svix- headers Svix sends when the webhook- ones are absent', () => {
    const headers = referenceHeaders(JSON_BODY, SECRET);
    const svix = {
      'svix-id': headers['webhook-id']!,
      'svix-timestamp': headers['webhook-timestamp']!,
      'svix-signature': headers['webhook-signature']!,
    };
    expect(verify(JSON_BODY, svix).id).toBe(MESSAGE_ID);
  });

  it('verifies a body that is not UTF-8 over its exact bytes', () => {
    // The reference library turns a Buffer into a UTF-8 string before signing (replacing the
    // bytes that are not UTF-8), so it cannot sign these bytes; they are signed here as the
    // spec says, over `<id>.<timestamp>.<raw body>`.
    const timestamp = String(NOW.getTime() / 1000);
    const overBytes = createHmac('sha256', standardWebhookKey(SECRET))
      .update(`${MESSAGE_ID}.${timestamp}.`)
      .update(NOT_UTF8_BODY)
      .digest('base64');
    const headers = {
      'webhook-id': MESSAGE_ID,
      'webhook-timestamp': timestamp,
      'webhook-signature': `v1,${overBytes}`,
    };
    expect(() => verify(NOT_UTF8_BODY, headers)).not.toThrow();
    expect(() => verify(NOT_UTF8_BODY, referenceHeaders(NOT_UTF8_BODY, SECRET))).toThrow(SignatureInvalid);
  });

  it('refuses a secret that is not whsec_<base64>, without repeating it', () => {
    expect(() => verify(JSON_BODY, referenceHeaders(JSON_BODY, SECRET), ['whsec_not base64!'])).toThrow(
      StandardWebhookSecretInvalid,
    );
    expect(() => standardWebhookKey('whsec_')).toThrow(/whsec_ followed by base64/);
    expect(() => standardWebhookKey('whsec_not base64!')).not.toThrow(/not base64!/);
  });
});

describe('signStandardWebhook', () => {
  it('signs what the reference library verifies', () => {
    const secret = generateStandardWebhookSecret();
    const headers = signStandardWebhook(JSON_BODY, { id: MESSAGE_ID, timestamp: new Date(), secrets: [secret] });
    expect(new Webhook(secret).verify(JSON_BODY.toString('utf8'), headers)).toEqual(JSON.parse(JSON_BODY.toString()));
  });

  it('signs once per secret, so a receiver with either accepts it', () => {
    const headers = signStandardWebhook(JSON_BODY, { id: MESSAGE_ID, timestamp: NOW, secrets: [SECRET, OLD_SECRET] });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(verify(JSON_BODY, headers, [OLD_SECRET]).secretIndex).toBe(0);
    expect(verify(JSON_BODY, headers, [SECRET]).secretIndex).toBe(0);
    expect(headers['webhook-signature']).toContain(new Webhook(SECRET).sign(MESSAGE_ID, NOW, JSON_BODY.toString()));
  });

  it('refuses an id with whitespace and signing without a secret', () => {
    expect(() => signStandardWebhook(JSON_BODY, { id: 'msg 1', timestamp: NOW, secrets: [SECRET] })).toThrow(TypeError);
    expect(() => signStandardWebhook(JSON_BODY, { id: 'msg_1', timestamp: NOW, secrets: [] })).toThrow(TypeError);
  });
});
