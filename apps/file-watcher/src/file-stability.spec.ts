import { decideStability, type FileObservation } from './file-stability';

const seen: FileObservation = { size: 1000, mtimeMs: 5_000, ino: 7 };
const window = 2_000;

describe('decideStability', () => {
  it('publishes once size, time and inode stayed the same for the whole window without events', () => {
    const tracked = { observation: seen, observedAt: 10_000, lastEventAt: 9_900 };
    expect(decideStability(tracked, seen, 12_000, window)).toEqual({ stable: true });
  });

  it('waits a new window when the file grew', () => {
    const tracked = { observation: seen, observedAt: 10_000, lastEventAt: 10_000 };
    expect(decideStability(tracked, { ...seen, size: 2000, mtimeMs: 11_000 }, 12_000, window)).toEqual({
      stable: false,
      recheckAt: 14_000,
    });
  });

  it('waits when only the modification time moved (rewritten in place, same size)', () => {
    const tracked = { observation: seen, observedAt: 10_000, lastEventAt: 10_000 };
    expect(decideStability(tracked, { ...seen, mtimeMs: 11_500 }, 12_000, window).stable).toBe(false);
  });

  it('waits when the file was replaced by another of the same size and time', () => {
    const tracked = { observation: seen, observedAt: 10_000, lastEventAt: 10_000 };
    expect(decideStability(tracked, { ...seen, ino: 8 }, 12_000, window).stable).toBe(false);
  });

  it('waits until a window after the last change event, even when stat() saw nothing new', () => {
    const tracked = { observation: seen, observedAt: 10_000, lastEventAt: 11_500 };
    expect(decideStability(tracked, seen, 12_000, window)).toEqual({ stable: false, recheckAt: 13_500 });
  });

  it('does not take an old modification time as proof of stability (a network volume stamps its own clock)', () => {
    const tracked = { observation: { ...seen, mtimeMs: 0 }, observedAt: 10_000, lastEventAt: 10_000 };
    expect(decideStability(tracked, { ...seen, mtimeMs: 0 }, 10_500, window)).toEqual({
      stable: false,
      recheckAt: 12_000,
    });
  });
});
