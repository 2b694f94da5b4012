import { PublishWindow } from './publish-window';

describe('PublishWindow', () => {
  it('keeps at most its limit in flight and starts tasks in submission order', async () => {
    const started: number[] = [];
    const release: (() => void)[] = [];
    const window = new PublishWindow(2);
    const submitting = (async () => {
      for (let i = 0; i < 4; i += 1) {
        await window.submit(() => {
          started.push(i);
          return new Promise<void>((resolve) => release.push(resolve));
        });
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1]);
    release.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual([0, 1, 2]);
    while (release.length > 0 || started.length < 4) {
      release.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await submitting;
    await window.drain();
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('keeps the first failure, tells once, and starts nothing after it', async () => {
    const failures: unknown[] = [];
    const window = new PublishWindow(4, (error) => failures.push(error));
    await window.submit(() => Promise.reject(new Error('first')));
    await window.drain();
    await window.submit(() => Promise.reject(new Error('second')));
    await window.drain();
    expect(failures).toEqual([new Error('first')]);
    expect(window.failure).toEqual({ error: new Error('first') });
  });
});
