import { PossibleGap } from '../errors';
import { decideSlot } from './slot-decision';

const slot = (confirmedFlushLsn: bigint, walStatus: string | null = 'reserved') => ({ confirmedFlushLsn, walStatus });
const record = (confirmedLsn: bigint | null, snapshotPending = false) => ({ confirmedLsn, snapshotPending });

describe('deciding what to do with the slot at start', () => {
  it('creates the slot on a first start, and when a crash came before anything was streamed', () => {
    expect(decideSlot('s', undefined, undefined, false)).toEqual({ action: 'create' });
    expect(decideSlot('s', undefined, record(null), false)).toEqual({ action: 'create' });
  });

  it('resumes a slot at or behind the recorded position (the record is written before each confirmation)', () => {
    expect(decideSlot('s', slot(100n), record(100n), false)).toEqual({ action: 'resume' });
    expect(decideSlot('s', slot(80n), record(100n), false)).toEqual({ action: 'resume' });
    // A slot made by hand, never streamed by this listener.
    expect(decideSlot('s', slot(80n), undefined, false)).toEqual({ action: 'resume' });
  });

  it('reports a possible gap for a missing slot after confirmed changes, naming the position and the recovery', () => {
    expect(() => decideSlot('s', undefined, record(0x16b3748n), false)).toThrow(PossibleGap);
    expect(() => decideSlot('s', undefined, record(0x16b3748n), false)).toThrow(
      /slot "s" is gone.*0\/16B3748.*CDC_ALLOW_NEW_SLOT=true/,
    );
    expect(decideSlot('s', undefined, record(1n), true)).toMatchObject({ action: 'create', gap: expect.any(String) });
  });

  it('reports a possible gap for a slot past the recorded position (recreated) and for an invalidated one', () => {
    expect(() => decideSlot('s', slot(200n), record(100n), false)).toThrow(/recreated or moved/);
    expect(() => decideSlot('s', slot(100n, 'lost'), record(100n), false)).toThrow(/invalidated/);
    expect(decideSlot('s', slot(200n), record(100n), true)).toMatchObject({
      action: 'resume',
      gap: expect.any(String),
    });
    expect(decideSlot('s', slot(100n, 'lost'), record(100n), true)).toMatchObject({ action: 'recreate' });
  });

  it('starts a snapshot that did not finish again, with a new slot', () => {
    expect(decideSlot('s', slot(100n), record(null, true), false)).toMatchObject({ action: 'recreate' });
  });
});
