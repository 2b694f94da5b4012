import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from './cli-error';
import { databaseAddress, loadCliConfig } from './config';

describe('loadCliConfig', () => {
  it('defaults to the local infrastructure', () => {
    expect(loadCliConfig({})).toEqual({
      brokers: ['127.0.0.1:9092'],
      kafkaSecurity: {},
      databaseUrl: 'postgres://postgres@127.0.0.1:55432/flowline',
      topicPrefix: '',
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadCliConfig({ KAFKA_BROKERS: '' }).brokers).toEqual(['127.0.0.1:9092']);
  });

  it('reads a broker list and a prefix', () => {
    expect(loadCliConfig({ KAFKA_BROKERS: 'k1:9092, k2:9093', FLOWLINE_TOPIC_PREFIX: 'acme.' })).toMatchObject({
      brokers: ['k1:9092', 'k2:9093'],
      topicPrefix: 'acme.',
    });
  });

  it('rejects a bad value as a usage error naming the key and an example', () => {
    expect(() => loadCliConfig({ FLOWLINE_TOPIC_PREFIX: 'a b' })).toThrow(UsageError);
    expect(() => loadCliConfig({ FLOWLINE_TOPIC_PREFIX: 'a b' })).toThrow(
      /^FLOWLINE_TOPIC_PREFIX: .*example: FLOWLINE_TOPIC_PREFIX=acme\.$/,
    );
  });

  it('accepts the services’ Kafka TLS and SASL keys, the password from a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowline-cli-config-'));
    writeFileSync(join(dir, 'ca.crt'), 'CA-PEM');
    writeFileSync(join(dir, 'password'), 's3cr3t\n');
    const config = loadCliConfig({
      KAFKA_SSL: 'true',
      KAFKA_SSL_CA_FILE: join(dir, 'ca.crt'),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'flowline',
      KAFKA_SASL_PASSWORD_FILE: join(dir, 'password'),
    });
    expect(config.kafkaSecurity).toEqual({
      tls: { ca: 'CA-PEM' },
      sasl: { mechanism: 'scram-sha-512', username: 'flowline', password: 's3cr3t' },
    });
  });

  it('rejects a SASL mechanism without credentials as a usage error naming the missing keys', () => {
    expect(() => loadCliConfig({ KAFKA_SASL_MECHANISM: 'plain' })).toThrow(
      /^KAFKA_SASL_USERNAME: required when KAFKA_SASL_MECHANISM is set \(plain\); KAFKA_SASL_PASSWORD: /,
    );
  });

  it('names DATABASE_URL_FILE when its file cannot be read', () => {
    expect(() => loadCliConfig({ DATABASE_URL_FILE: '/nonexistent/url' })).toThrow(
      'DATABASE_URL_FILE: cannot read /nonexistent/url (ENOENT)',
    );
  });
});

describe('databaseAddress', () => {
  it('names host, port and database, never the password', () => {
    expect(databaseAddress('postgres://u:secret@db.internal/flowline')).toBe('db.internal:5432/flowline');
  });
});
