import type { Kafka } from 'kafkajs';
import { createLogger } from '@flowline/telemetry';
import { GroupMember, heartbeatIntervalFor, positionAfter, SkippedRecords } from './group-member';

const EVENTS = {
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  CRASH: 'consumer.crash',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
};

/** A kafkajs consumer stand-in that lets the test fire its instrumentation events. */
function fakeKafka() {
  const listeners = new Map<string, ((event: { payload: unknown }) => void)[]>();
  const commits: unknown[] = [];
  const calls: string[] = [];
  let connectFailures = 0;
  const consumer = {
    events: EVENTS,
    connect() {
      calls.push('connect');
      if (connectFailures > 0) {
        connectFailures -= 1;
        return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9092'));
      }
      return Promise.resolve();
    },
    run() {
      calls.push('run');
      return Promise.resolve();
    },
    pause() {
      return undefined;
    },
    commitOffsets(offsets: unknown[]) {
      commits.push(...offsets);
      return Promise.resolve();
    },
    on(event: string, listener: (event: { payload: unknown }) => void) {
      listeners.set(event, [...(listeners.get(event) ?? []), listener]);
    },
  };
  const fire = (event: string, payload: unknown = {}) => {
    for (const listener of listeners.get(event) ?? []) listener({ payload });
  };
  const failConnects = (times: number) => (connectFailures = times);
  return { kafka: { consumer: () => consumer } as unknown as Kafka, fire, commits, calls, failConnects };
}

const logger = createLogger({ service: 'group-member-test', level: 'silent' });

describe('group member', () => {
  it('is ready while a member of its group, not after a crash or a disconnect', async () => {
    const { kafka, fire } = fakeKafka();
    const readiness = new GroupMember(kafka, { groupId: 'g', logger }).readiness('consumer:g');
    await expect(readiness.check()).rejects.toThrow('not a member of group g');
    fire(EVENTS.GROUP_JOIN);
    await expect(readiness.check()).resolves.toBeUndefined();
    fire(EVENTS.CRASH, { error: new Error('rebalance'), restart: true });
    await expect(readiness.check()).rejects.toThrow('not a member');
    fire(EVENTS.GROUP_JOIN);
    fire(EVENTS.DISCONNECT);
    await expect(readiness.check()).rejects.toThrow('not a member');
  });

  it('reports failure for good only when kafkajs will not restart the consumer', async () => {
    const { kafka, fire } = fakeKafka();
    const member = new GroupMember(kafka, { groupId: 'g', logger });
    let failure: Error | undefined;
    void member.failed.then((error) => (failure = error));
    fire(EVENTS.CRASH, { error: new Error('coordinator not available'), restart: true });
    await Promise.resolve();
    expect(failure).toBeUndefined();
    fire(EVENTS.CRASH, { error: new Error('group authorization failed'), restart: false });
    expect((await member.failed).message).toBe('group authorization failed');
  });

  it('rejoins, with backoff, after a crash kafkajs gives up on because the broker went away', async () => {
    jest.useFakeTimers();
    try {
      const { kafka, fire, calls, failConnects } = fakeKafka();
      const member = new GroupMember(kafka, { groupId: 'g', logger });
      let failure: Error | undefined;
      void member.failed.then((error) => (failure = error));
      await member.run({ eachBatch: () => Promise.resolve() });
      expect(calls).toEqual(['run']);
      // kafkajs's "Failed to find group coordinator" is non-retriable: it stops the consumer for good.
      const lost = Object.assign(new Error('Failed to find group coordinator'), {
        name: 'KafkaJSGroupCoordinatorNotFound',
      });
      failConnects(1);
      fire(EVENTS.CRASH, { error: lost, restart: false });
      await jest.advanceTimersByTimeAsync(500);
      expect(calls).toEqual(['run', 'connect']);
      await jest.advanceTimersByTimeAsync(1_000);
      expect(calls).toEqual(['run', 'connect', 'connect', 'run']);
      expect(failure).toBeUndefined();

      // Stopping while a rejoin waits cancels it.
      fire(EVENTS.CRASH, { error: lost, restart: false });
      member.stopFetching(['t']);
      await jest.advanceTimersByTimeAsync(10_000);
      expect(calls).toHaveLength(4);
      expect(failure).toBeUndefined();
    } finally {
      jest.useRealTimers();
    }
  });

  it('runs the on-join hook on every join (a new generation may bring other partitions)', () => {
    const { kafka, fire } = fakeKafka();
    let joins = 0;
    new GroupMember(kafka, { groupId: 'g', logger, onJoin: () => (joins += 1) }).readiness('x');
    fire(EVENTS.GROUP_JOIN);
    fire(EVENTS.GROUP_JOIN);
    expect(joins).toBe(2);
  });

  it('reports a batch kafkajs filtered down to nothing, with the offset after it, and no batch a handler saw', () => {
    const { kafka, fire } = fakeKafka();
    const skipped: SkippedRecords[] = [];
    new GroupMember(kafka, { groupId: 'g', logger, onSkipped: (records) => skipped.push(records) }).readiness('x');
    const batch = {
      topic: 't',
      partition: 1,
      highWatermark: '8',
      offsetLag: '0',
      offsetLagLow: '1',
      firstOffset: '6',
      lastOffset: '7',
      duration: 1,
    };
    fire(EVENTS.END_BATCH_PROCESS, { ...batch, batchSize: 2 });
    fire(EVENTS.END_BATCH_PROCESS, { ...batch, batchSize: 0 });
    expect(skipped).toEqual([{ topic: 't', partition: 1, next: '8', lag: 0 }]);
  });
});

describe('group member commits', () => {
  const join = (memberId: string, assignment: Record<string, number[]>) => ({
    memberId,
    memberAssignment: assignment,
  });
  const commit = (partition: number, offset: string) => ({ topic: 't', partition, offset, metadata: null });
  const settle = () => new Promise((resolve) => setImmediate(resolve));

  it('commits a partition it has held without a break since the request, across a rebalance that kept it', async () => {
    const { kafka, fire, commits } = fakeKafka();
    const committer = new GroupMember(kafka, { groupId: 'g', logger }).offsetCommitter();
    fire(EVENTS.GROUP_JOIN, join('m1', { t: [0, 1] }));
    fire(EVENTS.REBALANCING);
    const held = committer.commit(commit(0, '5'));
    await settle();
    expect(commits).toEqual([]);
    fire(EVENTS.GROUP_JOIN, join('m1', { t: [0] }));
    await held;
    expect(commits).toEqual([commit(0, '5')]);
  });

  it('never commits for a partition lost in a rebalance, even once it comes back in a later generation', async () => {
    const { kafka, fire, commits } = fakeKafka();
    const committer = new GroupMember(kafka, { groupId: 'g', logger }).offsetCommitter();
    fire(EVENTS.GROUP_JOIN, join('m1', { t: [0, 1] }));
    fire(EVENTS.REBALANCING);
    const lost = committer.commit(commit(1, '7'));
    fire(EVENTS.GROUP_JOIN, join('m1', { t: [0] }));
    await lost;
    // Another member held partition 1 in that generation; a request made before must not land now.
    fire(EVENTS.REBALANCING);
    const stale = committer.commit(commit(1, '8'));
    fire(EVENTS.GROUP_JOIN, join('m1', { t: [0, 1] }));
    await stale;
    expect(commits).toEqual([]);
    await committer.commit(commit(1, '9'));
    expect(commits).toEqual([commit(1, '9')]);
  });

  it('treats a join under a new member id (evicted, or the consumer restarted) as holding nothing from before', async () => {
    const { kafka, fire, commits } = fakeKafka();
    const committer = new GroupMember(kafka, { groupId: 'g', logger }).offsetCommitter();
    fire(EVENTS.GROUP_JOIN, join('m1', { t: [0] }));
    fire(EVENTS.REBALANCING);
    const beforeEviction = committer.commit(commit(0, '3'));
    fire(EVENTS.GROUP_JOIN, join('m2', { t: [0] }));
    await beforeEviction;
    fire(EVENTS.CRASH, { error: new Error('coordinator not available'), restart: true });
    await committer.commit(commit(0, '4'));
    expect(commits).toEqual([]);
  });
});

describe('heartbeatIntervalFor', () => {
  it('beats six times per session timeout, at most every 500 ms', () => {
    expect(heartbeatIntervalFor(6_000)).toBe(1_000);
    expect(heartbeatIntervalFor(30_000)).toBe(5_000);
    expect(heartbeatIntervalFor(1_000)).toBe(500);
  });
});

describe('positionAfter', () => {
  const batch = (offsets: string[], lastOffset: string) => ({
    messages: offsets.map((offset) => ({ offset })) as never,
    lastOffset: () => lastOffset,
  });

  it('moves past the records filtered out after the batch’s last message (a commit marker)', () => {
    expect(positionAfter(batch(['4', '6'], '7'), '6')).toBe('7');
  });

  it('keeps a message before the last one, and a batch without trailing records, as they are', () => {
    expect(positionAfter(batch(['4', '6'], '7'), '4')).toBe('4');
    expect(positionAfter(batch(['4', '6'], '6'), '6')).toBe('6');
  });
});
