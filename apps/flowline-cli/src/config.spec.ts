import { UsageError } from './cli-error';
import { databaseAddress, loadCliConfig } from './config';

describe('loadCliConfig', () => {
  it('defaults to the local infrastructure', () => {
    expect(loadCliConfig({})).toEqual({
      brokers: ['127.0.0.1:9092'],
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
});

describe('databaseAddress', () => {
  it('names host, port and database, never the password', () => {
    expect(databaseAddress('postgres://u:secret@db.internal/flowline')).toBe('db.internal:5432/flowline');
  });
});
