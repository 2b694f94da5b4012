import { currentLogContext, withLogContext } from './log-context';

describe('withLogContext', () => {
  it('keeps the fields across awaits inside the call and drops them after it', async () => {
    const seen = await withLogContext({ correlationid: 'c-1', event_id: 'e-1' }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return currentLogContext();
    });
    expect(seen).toEqual({ correlationid: 'c-1', event_id: 'e-1' });
    expect(currentLogContext()).toEqual({});
  });

  it('adds to the outer fields when nested, and ignores undefined values', () => {
    const seen = withLogContext({ correlationid: 'c-1', event_id: 'e-1' }, () =>
      withLogContext({ event_id: 'e-2', correlationid: undefined, attempt: 2 }, () => currentLogContext()),
    );
    expect(seen).toEqual({ correlationid: 'c-1', event_id: 'e-2', attempt: 2 });
  });

  it('keeps two events handled at the same time apart', async () => {
    const handle = (id: string, delayMs: number) =>
      withLogContext({ event_id: id }, async () => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return currentLogContext().event_id;
      });
    await expect(Promise.all([handle('slow', 20), handle('fast', 1)])).resolves.toEqual(['slow', 'fast']);
  });
});
