import { loadConfig } from '@flowline/service-runtime';
import { syncAgentConfig } from './config';

describe('sync agent config', () => {
  it('defaults to the MongoDB read model of the local infrastructure, one collection per schema.table', () => {
    const config = loadConfig(syncAgentConfig, {});
    expect(config).toMatchObject({
      PORT: 8087,
      SYNC_TARGET: 'mongodb',
      SYNC_READ_MODEL_NAME: '{schema}.{table}',
      MONGODB_URL: 'mongodb://127.0.0.1:27017/?directConnection=true',
      SYNC_MONGODB_DATABASE: 'flowline_read_model',
      SYNC_MONGODB_META_FIELD: '_flowline',
      SYNC_POSTGRES_TABLE: 'sync_read_model',
    });
  });

  it('names the key, the problem and an example for a bad value', () => {
    expect(() => loadConfig(syncAgentConfig, { SYNC_TARGET: 'redis' })).toThrow(
      /SYNC_TARGET: .*example: SYNC_TARGET=postgres/,
    );
    expect(() => loadConfig(syncAgentConfig, { SYNC_READ_MODEL_NAME: '{schema}' })).toThrow(
      /SYNC_READ_MODEL_NAME: must contain \{table\}/,
    );
    expect(() => loadConfig(syncAgentConfig, { SYNC_READ_MODEL_NAME: '{owner}.{table}' })).toThrow(
      /unknown placeholder \{owner\}/,
    );
    expect(() => loadConfig(syncAgentConfig, { SYNC_POSTGRES_TABLE: 'Read-Model' })).toThrow(/SYNC_POSTGRES_TABLE/);
    expect(() => loadConfig(syncAgentConfig, { SYNC_MONGODB_META_FIELD: '_id' })).toThrow(/must not be _id/);
    expect(() => loadConfig(syncAgentConfig, { SYNC_MONGODB_DATABASE: 'a.b' })).toThrow(/SYNC_MONGODB_DATABASE/);
  });
});
