import { CommitGuard, CommitVerdict, OffsetCommit, OffsetCommitter } from './offset-committer';

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

  describe('with a membership guard', () => {
    /** A guard whose membership the test moves: `stamp` is what requests are stamped with, `verdicts` what each stamp earns now. */
    function controllableGuard() {
      const state = { stamp: 1, verdicts: new Map<number, CommitVerdict>() };
      let wake: (() => void)[] = [];
      const guard: CommitGuard = {
        stamp: () => state.stamp,
        verdict: (_topic, _partition, stamp) => state.verdicts.get(stamp) ?? 'send',
        changed: () => new Promise<void>((resolve) => wake.push(resolve)),
      };
      const change = async (): Promise<void> => {
        for (const resolve of wake.splice(0)) resolve();
        wake = [];
        await new Promise((resolve) => setImmediate(resolve));
      };
      return { state, guard, change };
    }

    it('drops, with a report, a request waiting behind a commit when its partition was lost meanwhile', async () => {
      const { sent, send, answerNext } = controllableSend();
      const { state, guard } = controllableGuard();
      const dropped: string[] = [];
      const committer = new OffsetCommitter(
        send,
        () => undefined,
        guard,
        (commit) => dropped.push(commit.offset),
      );
      void committer.commit(at('1'));
      const stale = committer.commit(at('2'));
      // A rebalance gave the partition to another member before the first commit returned.
      state.verdicts.set(1, 'drop');
      await answerNext();
      await expect(stale).resolves.toBeUndefined();
      expect(sent.map((c) => c.offset)).toEqual(['1']);
      expect(dropped).toEqual(['2']);
      await committer.idle();
    });

    it('holds requests during a rebalance and sends only the newest once the partition is still held', async () => {
      const { sent, send, answerNext } = controllableSend();
      const { state, guard, change } = controllableGuard();
      const committer = new OffsetCommitter(send, () => undefined, guard);
      state.verdicts.set(1, 'wait');
      const first = committer.commit(at('3'));
      void committer.commit(at('4'));
      expect(sent).toEqual([]);
      state.verdicts.set(1, 'send');
      await change();
      expect(sent.map((c) => c.offset)).toEqual(['4']);
      await answerNext();
      await expect(first).resolves.toBeUndefined();
      await committer.idle();
    });

    it('drops a request held during a rebalance after which the partition belongs to another member', async () => {
      const { sent, send } = controllableSend();
      const { state, guard, change } = controllableGuard();
      const dropped: string[] = [];
      const committer = new OffsetCommitter(
        send,
        () => undefined,
        guard,
        (commit) => dropped.push(commit.offset),
      );
      state.verdicts.set(1, 'wait');
      const held = committer.commit(at('5'));
      state.verdicts.set(1, 'drop');
      await change();
      await expect(held).resolves.toBeUndefined();
      expect(sent).toEqual([]);
      expect(dropped).toEqual(['5']);
      await committer.idle();
    });

    it('stamps each request with the membership it was made under, so a newer request is judged on its own', async () => {
      const { sent, send, answerNext } = controllableSend();
      const { state, guard } = controllableGuard();
      const committer = new OffsetCommitter(send, () => undefined, guard);
      void committer.commit(at('6'));
      // The partition came back in a later generation (stamp 2); a request made then is this member's to send.
      state.stamp = 2;
      state.verdicts.set(1, 'drop');
      void committer.commit(at('9'));
      await answerNext();
      expect(sent.map((c) => c.offset)).toEqual(['6', '9']);
    });
  });
});
