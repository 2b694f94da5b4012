import { renderPgHba, renderPostgresConf } from './postgres-config';

describe('renderPostgresConf', () => {
  const conf = renderPostgresConf({ host: '127.0.0.1', port: 55432, socketDir: '/repo/.flowline/postgres/run' });

  it('enables logical decoding with room for replication slots', () => {
    expect(conf).toMatch(/^wal_level = logical$/m);
    expect(conf).toMatch(/^max_replication_slots = 10$/m);
    expect(conf).toMatch(/^max_wal_senders = 10$/m);
  });

  it('listens on loopback and its own port and socket directory only', () => {
    expect(conf).toMatch(/^listen_addresses = '127.0.0.1'$/m);
    expect(conf).toMatch(/^port = 55432$/m);
    expect(conf).toMatch(/^unix_socket_directories = '\/repo\/.flowline\/postgres\/run'$/m);
  });
});

describe('renderPgHba', () => {
  it('trusts replication connections from loopback, which CDC needs', () => {
    expect(renderPgHba('127.0.0.1')).toMatch(/^host\s+replication\s+all\s+127\.0\.0\.1\/32\s+trust$/m);
  });

  it('accepts no address other than loopback', () => {
    const addresses = renderPgHba('127.0.0.1')
      .split('\n')
      .filter((line) => line.startsWith('host'))
      .map((line) => line.split(/\s+/)[3]);
    expect(new Set(addresses)).toEqual(new Set(['127.0.0.1/32']));
  });
});
