import { decideRowWrite, type StoredRow } from './decide-row-write';
import { readModelChange, type RowChange } from './read-model-change';
import { postgresChange, type PostgresChangeOptions } from './test-fixtures/data-changes';

function rowChange(op: 'insert' | 'update' | 'delete', options: PostgresChangeOptions): RowChange {
  const change = readModelChange(postgresChange(op, options), '{schema}.{table}');
  if (change.kind !== 'row') throw new Error('a row change was expected');
  return change;
}

const stored = (position: string, document: Record<string, unknown> | null, missing: string[] = []): StoredRow => ({
  position,
  deleted: document === null,
  document,
  missing,
});

const at = (lsn: string) => `pg/${lsn.padStart(16, '0')}/${lsn.padStart(16, '0')}`;

describe('deciding a row write by source position', () => {
  it('writes a newer change in full, replacing the stored row', () => {
    const change = rowChange('update', { lsn: '0/200', key: { id: 1 }, after: { id: 1, status: 'paid' } });
    expect(decideRowWrite(stored(at('100'), { id: 1, status: 'open', note: 'x' }), change)).toEqual({
      kind: 'write',
      row: { position: at('200'), deleted: false, document: { id: 1, status: 'paid' }, missing: [] },
    });
  });

  it('does not apply a stale change, and names the newer position held', () => {
    const change = rowChange('update', { lsn: '0/100', key: { id: 1 } });
    expect(decideRowWrite(stored(at('200'), { id: 1 }), change)).toEqual({
      kind: 'stale',
      current: at('200'),
      reason: 'newer_change',
    });
  });

  it('recognises the change already applied (same position) as a repeat', () => {
    const change = rowChange('insert', { lsn: '0/100', key: { id: 1 } });
    expect(decideRowWrite(stored(at('100'), { id: 1 }), change)).toEqual({ kind: 'repeat' });
  });

  it('leaves a tombstone for a delete, which a late insert does not overwrite', () => {
    const deleted = decideRowWrite(stored(at('100'), { id: 1 }), rowChange('delete', { lsn: '0/200', key: { id: 1 } }));
    expect(deleted).toEqual({
      kind: 'write',
      row: { position: at('200'), deleted: true, document: null, missing: [] },
    });
    const lateInsert = rowChange('insert', { lsn: '0/100', key: { id: 1 } });
    expect(decideRowWrite(stored(at('200'), null), lateInsert)).toMatchObject({ kind: 'stale', current: at('200') });
  });

  it('treats a change at or before the read model truncation as stale', () => {
    const change = rowChange('insert', { lsn: '0/100', key: { id: 1 } });
    expect(decideRowWrite(undefined, change, at('150'))).toEqual({
      kind: 'stale',
      current: at('150'),
      reason: 'truncated',
    });
    expect(decideRowWrite(undefined, change, at('50'))).toMatchObject({ kind: 'write' });
  });

  it('keeps the stored value of an unavailable (TOASTed) column', () => {
    const change = rowChange('update', {
      lsn: '0/200',
      key: { id: 1 },
      after: { id: 1, status: 'paid' },
      unavailable: ['body'],
    });
    expect(decideRowWrite(stored(at('100'), { id: 1, status: 'open', body: 'long text' }), change)).toEqual({
      kind: 'write',
      row: {
        position: at('200'),
        deleted: false,
        document: { id: 1, status: 'paid', body: 'long text' },
        missing: [],
      },
    });
  });

  it('lists an unavailable column the read model never held as missing, until a change brings it', () => {
    const first = rowChange('update', { lsn: '0/200', key: { id: 1 }, after: { id: 1 }, unavailable: ['body'] });
    const decided = decideRowWrite(undefined, first);
    expect(decided).toEqual({
      kind: 'write',
      row: { position: at('200'), deleted: false, document: { id: 1 }, missing: ['body'] },
    });
    const later = rowChange('update', {
      lsn: '0/300',
      key: { id: 1 },
      after: { id: 1, body: 'new' },
      unavailable: ['title'],
    });
    expect(decideRowWrite(stored(at('200'), { id: 1, title: 't' }, ['body']), later)).toEqual({
      kind: 'write',
      row: { position: at('300'), deleted: false, document: { id: 1, title: 't', body: 'new' }, missing: [] },
    });
  });

  it('does not merge into a tombstone: a row re-inserted with unavailable columns has them missing', () => {
    const change = rowChange('update', { lsn: '0/300', key: { id: 1 }, after: { id: 1 }, unavailable: ['body'] });
    expect(decideRowWrite(stored(at('200'), null), change)).toMatchObject({
      kind: 'write',
      row: { document: { id: 1 }, missing: ['body'] },
    });
  });

  it('carries the columns of the row under the old key over to an update that changed the key', () => {
    const change = rowChange('update', {
      lsn: '0/300',
      key: { id: 2 },
      previousKey: { id: 1 },
      after: { id: 2, status: 'paid' },
      unavailable: ['body'],
    });
    const old = stored(at('200'), { id: 1, status: 'open', body: 'long text' });
    expect(decideRowWrite(undefined, change, undefined, old)).toEqual({
      kind: 'write',
      row: { position: at('300'), deleted: false, document: { id: 2, status: 'paid', body: 'long text' }, missing: [] },
    });
  });
});
