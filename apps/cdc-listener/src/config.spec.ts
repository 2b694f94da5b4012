import { loadConfig } from '@flowline/service-runtime';
import { cdcListenerConfig, qualifyTable } from './config';

describe('cdc-listener config', () => {
  it('is idle by default: no tables, the local database, heartbeat every 10 s, no gap accepted', () => {
    const config = loadConfig(cdcListenerConfig, {});
    expect(config).toMatchObject({
      CDC_TABLES: [],
      DATABASE_URL: 'postgres://postgres@127.0.0.1:55432/flowline',
      CDC_SLOT: 'flowline_cdc',
      CDC_HEARTBEAT_INTERVAL_MS: 10_000,
      CDC_ALLOW_NEW_SLOT: false,
      CDC_SNAPSHOT: false,
      CDC_MANAGE_PUBLICATION: true,
    });
  });

  it('reads tables from a comma list or a YAML list', () => {
    expect(loadConfig(cdcListenerConfig, { CDC_TABLES: 'public.orders, customers' }).CDC_TABLES).toEqual([
      'public.orders',
      'customers',
    ]);
    expect(qualifyTable('customers')).toBe('public.customers');
  });

  it('names the key and gives an example for a bad slot name or flag', () => {
    expect(() => loadConfig(cdcListenerConfig, { CDC_SLOT: 'Bad-Slot' })).toThrow(
      /CDC_SLOT: .*example: CDC_SLOT=flowline_cdc/,
    );
    expect(() => loadConfig(cdcListenerConfig, { CDC_ALLOW_NEW_SLOT: 'maybe' })).toThrow(/CDC_ALLOW_NEW_SLOT/);
    expect(() => loadConfig(cdcListenerConfig, { CDC_TABLES: 'a.b.c' })).toThrow(/CDC_TABLES: .*schema\.table/);
    expect(() => loadConfig(cdcListenerConfig, { CDC_HEARTBEAT_TABLE: 'heartbeat' })).toThrow(/CDC_HEARTBEAT_TABLE/);
  });

  it('turns the heartbeat off with 0', () => {
    expect(loadConfig(cdcListenerConfig, { CDC_HEARTBEAT_INTERVAL_MS: '0' }).CDC_HEARTBEAT_INTERVAL_MS).toBe(0);
  });

  it('reads MongoDB targets, and refuses one inside the database holding the resume tokens', () => {
    expect(
      loadConfig(cdcListenerConfig, { CDC_MONGO_COLLECTIONS: 'shop.orders,billing.*' }).CDC_MONGO_COLLECTIONS,
    ).toEqual(['shop.orders', 'billing.*']);
    expect(() => loadConfig(cdcListenerConfig, { CDC_MONGO_COLLECTIONS: 'flowline_cdc.*' })).toThrow(
      /CDC_MONGO_COLLECTIONS: flowline_cdc\.\* is in CDC_MONGO_STATE_DATABASE/,
    );
    expect(() => loadConfig(cdcListenerConfig, { CDC_MONGO_COLLECTIONS: 'orders' })).toThrow(
      /db\.collection or db\.\*/,
    );
  });
});
