import fc from 'fast-check';
import {
  isSecretHeader,
  isSecretKey,
  maskSecretsInText,
  REDACTED,
  redactHeaders,
  redactSecrets,
} from './secret-redaction';

describe('secret redaction', () => {
  it.each([
    'WEBHOOK_SECRET',
    'WEBHOOK_SECRETS',
    'DB_PASSWORD',
    'GITHUB_TOKEN',
    'API_KEY',
    'SIGNING_KEYS',
    'AWS_CREDENTIALS',
    'privateKey',
    'clientSecret',
  ])('treats %s as a secret key', (key) => expect(isSecretKey(key)).toBe(true));

  it.each([
    'PORT',
    'KAFKA_BROKERS',
    'DATABASE_URL',
    'LOG_LEVEL',
    'KAFKA_TOPIC_PARTITIONS',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
  ])('treats %s as an ordinary key', (key) => expect(isSecretKey(key)).toBe(false));

  it('masks the password inside URLs, keeping scheme, user and host', () => {
    expect(maskSecretsInText('amqp://guest:guest@rabbitmq:5672')).toBe(`amqp://guest:${REDACTED}@rabbitmq:5672`);
    expect(maskSecretsInText('connect to postgres://u:p@ss:w0rd@db:5432/flowline failed')).toBe(
      `connect to postgres://u:${REDACTED}@db:5432/flowline failed`,
    );
    expect(maskSecretsInText('redis://:only-password@cache/0')).toBe(`redis://:${REDACTED}@cache/0`);
  });

  it('masks secret query parameters and leaves URLs without credentials alone', () => {
    expect(maskSecretsInText('https://hooks.example/x?token=abc&channel=ops')).toBe(
      `https://hooks.example/x?token=${REDACTED}&channel=ops`,
    );
    expect(maskSecretsInText('http://otel-collector:4318 and 127.0.0.1:9092')).toBe(
      'http://otel-collector:4318 and 127.0.0.1:9092',
    );
  });

  it('redacts secret-named keys at any depth and masks URL passwords in other values', () => {
    const config = {
      PORT: 8080,
      WEBHOOK_SECRET: 's3cr3t-value',
      DATABASE_URL: 'postgres://u:p4ssw0rd@h/db',
      NOT_SET_TOKEN: undefined,
      SOURCES: { github: { secrets: ['one', 'two'], scheme: 'github' } },
      BROKERS: ['amqp://a:b@h1', 'h2:9092'],
    };
    expect(redactSecrets(config)).toEqual({
      PORT: 8080,
      WEBHOOK_SECRET: REDACTED,
      DATABASE_URL: `postgres://u:${REDACTED}@h/db`,
      NOT_SET_TOKEN: undefined,
      SOURCES: { github: { secrets: REDACTED, scheme: 'github' } },
      BROKERS: [`amqp://a:${REDACTED}@h1`, 'h2:9092'],
    });
    expect(config.WEBHOOK_SECRET).toBe('s3cr3t-value'); // a copy; the config itself is untouched
  });

  it.each([
    'authorization',
    'Proxy-Authorization',
    'cookie',
    'set-cookie',
    'x-hub-signature',
    'X-Hub-Signature-256',
    'stripe-signature',
    'webhook-signature',
    'svix-signature',
    'x-signature',
    'x-api-key',
    'x-auth-token',
    'x-webhook-secret',
    'X-Authorization',
    'x-session-cookie',
    'refresh-token',
    'apikey',
  ])('treats the header %s as a secret', (name) => expect(isSecretHeader(name)).toBe(true));

  it.each([
    'content-type',
    'ce_id',
    'ce_partitionkey',
    'traceparent',
    'x-github-event',
    'x-github-delivery',
    'webhook-id',
    'webhook-timestamp',
    'svix-id',
    'WEBHOOK_SIGNATURE_HEADER',
  ])('treats the header %s as an ordinary one', (name) => expect(isSecretHeader(name)).toBe(false));

  it('redacts secret headers and masks URL passwords in the others, keeping the rest', () => {
    expect(
      redactHeaders({
        'content-type': 'application/json',
        'x-hub-signature-256': 'sha256=abc',
        Authorization: 'Bearer t',
        cookie: ['a=1', 'b=2'],
        referer: 'https://u:pw@example.com/hook?api_key=k1&x=1',
      }),
    ).toEqual({
      'content-type': 'application/json',
      'x-hub-signature-256': REDACTED,
      Authorization: REDACTED,
      cookie: REDACTED,
      referer: `https://u:${REDACTED}@example.com/hook?api_key=${REDACTED}&x=1`,
    });
    expect(redactSecrets({ err: { headers: { 'stripe-signature': 't=1,v1=abc' } } })).toEqual({
      err: { headers: { 'stripe-signature': REDACTED } },
    });
  });

  // Dead-letter reasons quote hostile headers of any size: the masking must stay linear.
  it('masks megabyte texts shaped to make a regex backtrack without stalling (they took minutes)', () => {
    const hostile = [
      '?' + 'token'.repeat(200_000),
      '?'.repeat(1_000_000),
      '&token'.repeat(200_000),
      'a.'.repeat(500_000),
    ];
    for (const text of hostile) expect(maskSecretsInText(text)).toBe(text);
    expect(maskSecretsInText('a://x:' + 'y@'.repeat(500_000))).toBe(`a://x:${REDACTED}@`);
  });

  it('masks any password in a URL and any secret-named query parameter', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{6,20}$/);
    fc.assert(
      fc.property(fc.webUrl(), secret, secret, (url, password, token) => {
        const parsed = new URL(url);
        parsed.username = 'user';
        parsed.password = password;
        parsed.searchParams.set('api_key', token);
        const masked = maskSecretsInText(`failed: ${parsed.toString()} (retrying)`);
        expect(masked).not.toContain(`:${password}@`);
        expect(masked).not.toContain(`api_key=${token}`);
      }),
      { numRuns: 200 },
    );
  });
});
