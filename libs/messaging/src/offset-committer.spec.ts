import { OffsetCommit, OffsetCommitter } from './offset-committer';

function controllableSend() {
  const sent: OffsetCommit[] = [];
  const answers: ((error?: Error) => void)[] = [];
  const send = (commit: OffsetCommit): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      sent.push(commit);
      answers.push((error) => (error === undefined ? resolve() : reject(error)));
    });
  const answerNext = async (error?: Error): Promise<void> => {
    answers.shift()?.(error);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sent, send, answerNext };
}

const at = (offset: string, partition = 0, metadata: string | null = null): OffsetCommit => ({
  topic: 't',
  partition,
  offset,
  metadata,
});

describe('offset committer', () => {
  it('sends only the newest request of a partition once the commit on the wire returns', async () => {
    const { sent, send, answerNext } = controllableSend();
    const committer = new OffsetCommitter(send, () => undefined);
    const resolved: string[] = [];
    for (const offset of ['1', '2', '3', '4']) void committer.commit(at(offset)).then(() => resolved.push(offset));
    expect(sent.map((c) => c.offset)).toEqual(['1']);
    await answerNext();
    expect(resolved).toEqual(['1']);
    expect(sent.map((c) => c.offset)).toEqual(['1', '4']);
    await answerNext();
    expect(resolved.sort()).toEqual(['1', '2', '3', '4']);
    await committer.idle();
  });

  it('commits partitions independently', () => {
    const { sent, send } = controllableSend();
    const committer = new OffsetCommitter(send, () => undefined);
    void committer.commit(at('5', 0));
    void committer.commit(at('9', 1));
    expect(sent.map((c) => `${c.partition}@${c.offset}`)).toEqual(['0@5', '1@9']);
  });

  it('keeps a marker’s metadata when it is the newest request', async () => {
    const { sent, send, answerNext } = controllableSend();
    const committer = new OffsetCommitter(send, () => undefined);
    void committer.commit(at('10'));
    void committer.commit(at('11'));
    const marker = committer.commit(at('11', 0, 'crash-marker'));
    await answerNext();
    expect(sent.at(-1)).toEqual(at('11', 0, 'crash-marker'));
    await answerNext();
    await expect(marker).resolves.toBeUndefined();
  });

  it('reports a failed commit, resolves its callers and goes on with the next', async () => {
    const { sent, send, answerNext } = controllableSend();
    const failures: string[] = [];
    const committer = new OffsetCommitter(send, (error, commit) =>
      failures.push(`${commit.offset}: ${(error as Error).message}`),
    );
    const first = committer.commit(at('1'));
    void committer.commit(at('2'));
    await answerNext(new Error('rebalance in progress'));
    await expect(first).resolves.toBeUndefined();
    expect(failures).toEqual(['1: rebalance in progress']);
    expect(sent.map((c) => c.offset)).toEqual(['1', '2']);
  });

  it('is idle only when nothing waits and nothing is on the wire', async () => {
    const { send, answerNext } = controllableSend();
    const committer = new OffsetCommitter(send, () => undefined);
    await committer.idle();
    void committer.commit(at('1'));
    void committer.commit(at('2'));
    let idle = false;
    void committer.idle().then(() => (idle = true));
    await answerNext();
    expect(idle).toBe(false);
    await answerNext();
    expect(idle).toBe(true);
  });

  it('tells when one partition’s commits have been sent, whatever the others do', async () => {
    const { send, answerNext } = controllableSend();
    const committer = new OffsetCommitter(send, () => undefined);
    await committer.settled('t', 0);
    void committer.commit(at('1', 0));
    void committer.commit(at('2', 0));
    void committer.commit(at('7', 1));
    let settled = false;
    void committer.settled('t', 0).then(() => (settled = true));
    await answerNext(); // 0@1
    expect(settled).toBe(false);
    await answerNext(); // 1@7
    await answerNext(); // 0@2
    expect(settled).toBe(true);
  });
});
