import { HandlerGate } from './handler-gate';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HandlerGate', () => {
  it('lets shared work run side by side', async () => {
    const gate = new HandlerGate();
    const running: string[] = [];
    const a = deferred();
    const b = deferred();
    const first = gate.shared(async () => {
      running.push('a');
      await a.promise;
    });
    const second = gate.shared(async () => {
      running.push('b');
      await b.promise;
    });
    await tick();
    expect(running).toEqual(['a', 'b']);
    a.resolve();
    b.resolve();
    await Promise.all([first, second]);
  });

  it('starts exclusive work only when no shared work runs, and queues new shared work behind it', async () => {
    const gate = new HandlerGate();
    const log: string[] = [];
    const shared = deferred();
    const exclusive = deferred();
    const s1 = gate.shared(async () => {
      log.push('shared-1 start');
      await shared.promise;
      log.push('shared-1 end');
    });
    await tick();
    const x = gate.exclusive(async () => {
      log.push('exclusive start');
      await exclusive.promise;
      log.push('exclusive end');
    });
    const s2 = gate.shared(() => {
      log.push('shared-2');
      return Promise.resolve();
    });
    await tick();
    expect(log).toEqual(['shared-1 start']);
    shared.resolve();
    await s1;
    await tick();
    expect(log).toEqual(['shared-1 start', 'shared-1 end', 'exclusive start']);
    exclusive.resolve();
    await Promise.all([x, s2]);
    expect(log).toEqual(['shared-1 start', 'shared-1 end', 'exclusive start', 'exclusive end', 'shared-2']);
  });

  it('frees the shared slot when shared work throws before returning a promise, so exclusive work can still start', async () => {
    const gate = new HandlerGate();
    await expect(
      gate.shared(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    await expect(gate.exclusive(() => Promise.resolve('ran'))).resolves.toBe('ran');
  });

  it('keeps going after exclusive work fails', async () => {
    const gate = new HandlerGate();
    await expect(gate.exclusive(() => Promise.reject(new Error('crash')))).rejects.toThrow('crash');
    await expect(gate.exclusive(() => Promise.resolve(7))).resolves.toBe(7);
    await expect(gate.shared(() => Promise.resolve(8))).resolves.toBe(8);
  });
});
