import { decideFirstMessage, formatMarker, parseMarker } from './poison-guard';

describe('poison-pill guard', () => {
  it('handles normally when nothing crashed, marking the first start', () => {
    expect(decideFirstMessage(undefined, '10', 3)).toEqual({ kind: 'normal', marker: { offset: '10', starts: 1 } });
  });

  it('ignores a marker left at another offset (progress was made since)', () => {
    expect(decideFirstMessage({ offset: '7', starts: 2 }, '10', 3)).toEqual({
      kind: 'normal',
      marker: { offset: '10', starts: 1 },
    });
  });

  it('handles carefully when an earlier start of the same message never finished', () => {
    expect(decideFirstMessage({ offset: '10', starts: 1 }, '10', 3)).toEqual({
      kind: 'careful',
      marker: { offset: '10', starts: 2 },
    });
  });

  it('declares a poison pill after the allowed number of unfinished starts', () => {
    expect(decideFirstMessage({ offset: '10', starts: 3 }, '10', 3)).toEqual({ kind: 'poison', starts: 3 });
  });

  it('round-trips its marker and ignores metadata it did not write', () => {
    expect(parseMarker(formatMarker({ offset: '5', starts: 2 }))).toEqual({ offset: '5', starts: 2 });
    expect(parseMarker('')).toBeUndefined();
    expect(parseMarker(null)).toBeUndefined();
    expect(parseMarker('written by another tool')).toBeUndefined();
    expect(parseMarker('{"offset":5}')).toBeUndefined();
  });
});
