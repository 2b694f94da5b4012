import type { OutgoingMessage } from './event-publisher';
import { OutputStream, STREAM_CHUNK_OUTPUTS } from './output-stream';

function output(index: number): OutgoingMessage {
  return { topic: 'out', record: { key: `k${index}`, value: Buffer.from(String(index)), headers: {} }, type: 'test.event' };
}

/** A publisher whose sends are settled by the test. */
function fakePublisher() {
  const sends: { records: OutgoingMessage[]; resolve: () => void; reject: (error: Error) => void }[] = [];
  return {
    sends,
    publishRecords(records: readonly OutgoingMessage[]): Promise<void> {
      return new Promise<void>((resolve, reject) => sends.push({ records: [...records], resolve, reject }));
    },
  };
}

describe('OutputStream', () => {
  it('hands outputs to the publisher in chunks, in order, while more are added', () => {
    const publisher = fakePublisher();
    const stream = new OutputStream(publisher);
    const sentAt: number[] = [];
    for (let i = 0; i < STREAM_CHUNK_OUTPUTS * 2 + 10; i++) if (stream.add([output(i)])) sentAt.push(i);
    expect(sentAt).toEqual([STREAM_CHUNK_OUTPUTS - 1, STREAM_CHUNK_OUTPUTS * 2 - 1]);
    expect(publisher.sends.map((send) => send.records.length)).toEqual([STREAM_CHUNK_OUTPUTS, STREAM_CHUNK_OUTPUTS]);
    expect(publisher.sends[1]?.records[0]?.record.key).toBe(`k${STREAM_CHUNK_OUTPUTS}`);
  });

  it('resolves flushed only after every chunk, the last partial one included, was acknowledged', async () => {
    const publisher = fakePublisher();
    const stream = new OutputStream(publisher);
    for (let i = 0; i < STREAM_CHUNK_OUTPUTS + 3; i++) stream.add([output(i)]);
    let flushed = false;
    const done = stream.flushed().then(() => (flushed = true));
    expect(publisher.sends.map((send) => send.records.length)).toEqual([STREAM_CHUNK_OUTPUTS, 3]);
    publisher.sends[1]?.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(flushed).toBe(false);
    publisher.sends[0]?.resolve();
    await done;
    expect(flushed).toBe(true);
  });

  it('reports a chunk that failed before the batch settled at flushed, not as an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const publisher = fakePublisher();
      const stream = new OutputStream(publisher);
      for (let i = 0; i < STREAM_CHUNK_OUTPUTS; i++) stream.add([output(i)]);
      publisher.sends[0]?.reject(new Error('broker down'));
      await new Promise((resolve) => setImmediate(resolve));
      const flushed = stream.flushed();
      await expect(flushed).rejects.toThrow('broker down');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('starts over after flushed: a second flushed waits only for what was added since', async () => {
    const publisher = fakePublisher();
    const stream = new OutputStream(publisher);
    stream.add([output(1)]);
    const first = stream.flushed();
    publisher.sends[0]?.resolve();
    await first;
    await expect(stream.flushed()).resolves.toBeUndefined();
    expect(publisher.sends).toHaveLength(1);
  });
});
