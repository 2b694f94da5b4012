import { isSecretKey, maskSecretsInText, REDACTED, redactSecrets } from './secret-redaction';

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
});
