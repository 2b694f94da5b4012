import { reconnectDelayMs } from './rabbitmq-publisher';

describe('reconnectDelayMs', () => {
  it('doubles from 200 ms and never exceeds the configured maximum', () => {
    const highest = (attempt: number): number => reconnectDelayMs(attempt, 5_000, () => 1);
    expect([1, 2, 3, 4, 5, 6, 7, 20].map(highest)).toEqual([200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
  });

  it('waits at least half the step, so no reconnection runs in a tight loop', () => {
    expect(reconnectDelayMs(1, 5_000, () => 0)).toBe(100);
    expect(reconnectDelayMs(10, 5_000, () => 0)).toBe(2_500);
  });

  it('spreads the delay over the upper half of the step (jitter)', () => {
    expect(reconnectDelayMs(3, 5_000, () => 0.5)).toBe(600);
  });
});
