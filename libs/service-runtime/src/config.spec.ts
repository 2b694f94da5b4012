import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { FlowlineError } from '@flowline/errors';
import { baseServiceConfig, configFields, ConfigError, kafkaSettings, loadConfig } from './config';

describe('loadConfig', () => {
  it('gives defaults that work with the local infrastructure', () => {
    const config = loadConfig(baseServiceConfig, {});
    expect(config).toMatchObject({
      PORT: 8080,
      KAFKA_BROKERS: ['127.0.0.1:9092'],
      LOG_LEVEL: 'info',
      FLOWLINE_TOPIC_PREFIX: '',
    });
  });

  it('names the key, the problem and an example when a value is bad', () => {
    let error: unknown;
    try {
      loadConfig(baseServiceConfig, { PORT: 'abc' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('PORT');
    expect(message).toContain('"abc"');
    expect(message).toContain('example: PORT=8080');
  });

  it('reports every bad key at once', () => {
    expect(() =>
      loadConfig(baseServiceConfig, { PORT: '70000', KAFKA_BROKERS: 'nohostport', LOG_LEVEL: 'loud' }),
    ).toThrow(
      expect.objectContaining({
        problems: expect.arrayContaining([
          expect.objectContaining({ key: 'PORT' }),
          expect.objectContaining({ key: 'KAFKA_BROKERS' }),
          expect.objectContaining({ key: 'LOG_LEVEL' }),
        ]),
      }),
    );
  });

  it('reads a YAML file named by FLOWLINE_CONFIG_FILE, with the environment taking precedence', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'flowline-config-')), 'service.yaml');
    writeFileSync(file, 'PORT: 9001\nLOG_LEVEL: debug\n');
    const config = loadConfig(baseServiceConfig, { FLOWLINE_CONFIG_FILE: file, LOG_LEVEL: 'warn' });
    expect(config.PORT).toBe(9001);
    expect(config.LOG_LEVEL).toBe('warn');
  });

  it('names FLOWLINE_CONFIG_FILE when the file cannot be read', () => {
    expect(() => loadConfig(baseServiceConfig, { FLOWLINE_CONFIG_FILE: '/nonexistent/flowline.yaml' })).toThrow(
      /FLOWLINE_CONFIG_FILE: cannot read/,
    );
  });

  it('fails with CONFIG_INVALID, not retryable, keeping why the file could not be read as the cause', () => {
    let error: unknown;
    try {
      loadConfig(baseServiceConfig, { FLOWLINE_CONFIG_FILE: '/nonexistent/flowline.yaml' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlowlineError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID', retryable: false, name: 'ConfigError' });
    expect((error as ConfigError).describe().cause).toMatchObject({ code: 'ENOENT' });
  });

  it('names a bad secret key without repeating its value, and masks a password in a bad URL', () => {
    const schema = baseServiceConfig.extend({
      WEBHOOK_SECRET: z.string().min(32),
      AMQP_URL: configFields.url('amqp://127.0.0.1:5672', ['amqp', 'amqps']),
    });
    let message = '';
    try {
      loadConfig(schema, { WEBHOOK_SECRET: 'short-s3cr3t', AMQP_URL: 'http://guest:rabbit-pass@rabbitmq:5672' });
    } catch (error) {
      message = (error as ConfigError).message;
    }
    expect(message).toContain('WEBHOOK_SECRET');
    expect(message).toContain('AMQP_URL');
    expect(message).toContain('http://guest:[redacted]@rabbitmq:5672');
    expect(message).not.toContain('short-s3cr3t');
    expect(message).not.toContain('rabbit-pass');
  });
});

function problemsOf(action: () => unknown): { key: string; problem: string }[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function fileWith(content: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'flowline-secret-')), 'value');
  writeFileSync(file, content);
  return file;
}

describe('secrets from files (K_FILE)', () => {
  const schema = baseServiceConfig.extend({
    DATABASE_URL: configFields.url('postgres://127.0.0.1/flowline', ['postgres']),
    WEBHOOK_SECRET: z.string().min(8).optional(),
  });

  it('takes the value of any key from the file K_FILE names, without the trailing newline', () => {
    const config = loadConfig(schema, {
      DATABASE_URL_FILE: fileWith('postgres://flowline:pw@db/flowline\n'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'flowline',
      KAFKA_SASL_PASSWORD_FILE: fileWith('s3cr3t-from-a-mounted-secret\n'),
    });
    expect(config.DATABASE_URL).toBe('postgres://flowline:pw@db/flowline');
    expect(config.KAFKA_SASL_PASSWORD).toBe('s3cr3t-from-a-mounted-secret');
  });

  it('refuses K and K_FILE together, naming both', () => {
    expect(
      problemsOf(() => loadConfig(schema, { WEBHOOK_SECRET: 'abcdefghij', WEBHOOK_SECRET_FILE: fileWith('x') })),
    ).toEqual([{ key: 'WEBHOOK_SECRET, WEBHOOK_SECRET_FILE', problem: expect.stringContaining('not both') }]);
  });

  it('names K_FILE when its file cannot be read or is empty', () => {
    expect(problemsOf(() => loadConfig(schema, { DATABASE_URL_FILE: '/nonexistent/db-url' }))).toEqual([
      { key: 'DATABASE_URL_FILE', problem: 'cannot read /nonexistent/db-url (ENOENT)' },
    ]);
    expect(problemsOf(() => loadConfig(schema, { DATABASE_URL_FILE: fileWith('\n') }))).toEqual([
      { key: 'DATABASE_URL_FILE', problem: expect.stringContaining('is empty') },
    ]);
  });

  it('never repeats a bad value read from a file', () => {
    const [problem] = problemsOf(() => loadConfig(schema, { DATABASE_URL_FILE: fileWith('http://u:hunter2@db/x') }));
    expect(problem?.key).toBe('DATABASE_URL');
    expect(problem?.problem).toContain('a value read from DATABASE_URL_FILE, not shown');
    expect(problem?.problem).not.toContain('hunter2');
  });

  it('leaves a key named K_FILE in the schema to its own meaning', () => {
    const withOwnFileKey = z.object({ TOKEN: z.string().optional(), TOKEN_FILE: z.string().optional() });
    expect(loadConfig(withOwnFileKey, { TOKEN_FILE: '/etc/tokens' })).toEqual({ TOKEN_FILE: '/etc/tokens' });
  });
});

describe('Kafka durability and security settings', () => {
  it('defaults to one replica, one in sync, plaintext and no SASL (the local broker)', () => {
    const settings = kafkaSettings(loadConfig(baseServiceConfig, {}));
    expect(settings.topicDefaults).toMatchObject({ replicationFactor: 1, minInsyncReplicas: 1 });
    expect(settings).not.toHaveProperty('tls');
    expect(settings).not.toHaveProperty('sasl');
  });

  it('passes the replication factor and min ISR to the topics a service creates', () => {
    const config = loadConfig(baseServiceConfig, { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '2' });
    expect(kafkaSettings(config).topicDefaults).toMatchObject({ replicationFactor: 3, minInsyncReplicas: 2 });
  });

  it('refuses a min ISR above the replication factor, naming KAFKA_MIN_INSYNC_REPLICAS', () => {
    expect(
      problemsOf(() =>
        loadConfig(baseServiceConfig, { KAFKA_REPLICATION_FACTOR: '2', KAFKA_MIN_INSYNC_REPLICAS: '3' }),
      ),
    ).toEqual([
      { key: 'KAFKA_MIN_INSYNC_REPLICAS', problem: expect.stringContaining('more than KAFKA_REPLICATION_FACTOR (2)') },
    ]);
  });

  it('requires a username and a password with a SASL mechanism, and a mechanism with credentials', () => {
    expect(
      problemsOf(() => loadConfig(baseServiceConfig, { KAFKA_SASL_MECHANISM: 'plain' })).map((p) => p.key),
    ).toEqual(['KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD']);
    expect(
      problemsOf(() => loadConfig(baseServiceConfig, { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' })).map(
        (p) => p.key,
      ),
    ).toEqual(['KAFKA_SASL_MECHANISM']);
    expect(problemsOf(() => loadConfig(baseServiceConfig, { KAFKA_SASL_MECHANISM: 'gssapi' }))[0]?.key).toBe(
      'KAFKA_SASL_MECHANISM',
    );
  });

  it('gives SASL credentials to the Kafka client, the password from a file', () => {
    const config = loadConfig(baseServiceConfig, {
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'flowline',
      KAFKA_SASL_PASSWORD_FILE: fileWith('pw\n'),
    });
    expect(kafkaSettings(config).sasl).toEqual({ mechanism: 'scram-sha-512', username: 'flowline', password: 'pw' });
  });

  it('reads the TLS PEM files at start and hands their text to the Kafka client', () => {
    const config = loadConfig(baseServiceConfig, {
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: fileWith('CA-PEM'),
      KAFKA_SSL_CERT_FILE: fileWith('CERT-PEM'),
      KAFKA_SSL_KEY_FILE: fileWith('KEY-PEM'),
    });
    expect(kafkaSettings(config).tls).toEqual({ ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM' });
    expect(kafkaSettings(loadConfig(baseServiceConfig, { KAFKA_SSL: 'true' })).tls).toEqual({});
  });

  it('names the PEM file key that cannot be read, and refuses half a client certificate or TLS files without KAFKA_SSL', () => {
    expect(
      problemsOf(() => loadConfig(baseServiceConfig, { KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: '/nonexistent/ca.crt' })),
    ).toEqual([{ key: 'KAFKA_SSL_CA_FILE', problem: expect.stringContaining('cannot be read') }]);
    expect(
      problemsOf(() => loadConfig(baseServiceConfig, { KAFKA_SSL: 'true', KAFKA_SSL_CERT_FILE: fileWith('CERT') })),
    ).toEqual([{ key: 'KAFKA_SSL_CERT_FILE, KAFKA_SSL_KEY_FILE', problem: expect.stringContaining('both') }]);
    expect(problemsOf(() => loadConfig(baseServiceConfig, { KAFKA_SSL_CA_FILE: fileWith('CA') }))).toEqual([
      { key: 'KAFKA_SSL_CA_FILE', problem: expect.stringContaining('KAFKA_SSL is false') },
    ]);
  });
});
