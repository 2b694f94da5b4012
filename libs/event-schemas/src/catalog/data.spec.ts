import { dataChangedV1 } from './data';

const update = {
  op: 'update',
  source: {
    kind: 'postgres',
    database: 'shop',
    schema: 'public',
    table: 'customers',
    lsn: '0/16B3748',
    changeLsn: '0/16B3600',
    transactionId: 771,
  },
  key: { id: 42 },
  before: null,
  after: { id: 42, email: 'ada@example.com' },
  commitTime: '2024-05-02T07:21:00.120Z',
};

function problems(data: unknown): string[] {
  const result = dataChangedV1.safeParse(data);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe('data.changed v1', () => {
  it('accepts a truncate with an empty key and no images', () => {
    expect(problems({ ...update, op: 'truncate', key: {}, after: null })).toEqual([]);
  });

  it('rejects a truncate that names a row or carries one', () => {
    expect(problems({ ...update, op: 'truncate', after: null })).toEqual([
      'truncate concerns the whole table: "key" must be {}',
    ]);
    expect(problems({ ...update, op: 'truncate', key: {} })).toEqual(['truncate must have "after": null']);
    expect(problems({ ...update, op: 'truncate', key: {}, after: null, before: { id: 1 } })).toEqual([
      'truncate must have "before": null',
    ]);
  });

  it('accepts an update that names its unchanged TOASTed columns unavailable, leaving them out of "after"', () => {
    expect(problems({ ...update, unavailable: ['notes'] })).toEqual([]);
  });

  it('rejects a column named unavailable that still has a value, and unavailable columns outside an update', () => {
    expect(problems({ ...update, unavailable: ['email'] })).toEqual([
      '"email" is named unavailable but has a value in "after"',
    ]);
    expect(problems({ ...update, op: 'insert', unavailable: ['notes'] })).toEqual([
      'only an update can leave values out',
    ]);
  });

  it('accepts the old key of an update that changed the key', () => {
    expect(problems({ ...update, previousKey: { id: 41 } })).toEqual([]);
  });

  it('rejects a change position that is not an LSN', () => {
    expect(problems({ ...update, source: { ...update.source, changeLsn: '16B3600' } })).toHaveLength(1);
  });
});
