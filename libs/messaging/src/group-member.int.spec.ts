/**
 * Commits across a real rebalance: a commit requested before it, for a partition the member
 * lost in it, must not be sent in the new generation — the broker would accept it (it checks
 * generation and member id, not ownership) and move the new owner's position back.
 */
import { Kafka, logLevel } from 'kafkajs';
import { createLogger } from '@flowline/telemetry';
import { testInfra, uniqueName, waitFor } from '@flowline/testing';
import { GroupMember } from './group-member';
import { MessagingClient } from './messaging-client';
import { OffsetCommit, OffsetCommitter } from './offset-committer';

const logger = createLogger({ service: 'group-member-test', level: 'silent' });

describe('group member commits across a rebalance (real broker)', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const kafka = new Kafka({ clientId: 'group-member-test', brokers, logLevel: logLevel.NOTHING });
  const messaging = new MessagingClient({ brokers, clientId: 'group-member-test', logger });

  /** A member that consumes nothing, with the partitions of each of its joins. */
  async function startMember(groupId: string, topic: string) {
    const member = new GroupMember(kafka, { groupId, logger });
    const joins: number[][] = [];
    member.consumer.on(member.consumer.events.GROUP_JOIN, ({ payload }) =>
      joins.push(payload.memberAssignment[topic] ?? []),
    );
    await member.subscribe([topic], true);
    await member.consumer.run({ autoCommit: false, eachBatch: () => Promise.resolve() });
    return { member, joins };
  }

  async function committedOffsets(groupId: string, topic: string): Promise<Map<number, string>> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((offsets?.partitions ?? []).map(({ partition, offset }) => [partition, offset]));
    } finally {
      await admin.disconnect();
    }
  }

  it('drops a commit queued before a rebalance for the partition it lost, and still sends the one for the partition it kept', async () => {
    const topic = uniqueName('rebalance-commit');
    const groupId = uniqueName('rebalance-commit-group');
    await messaging.ensureTopics([{ name: topic, partitions: 2 }]);
    const first = await startMember(groupId, topic);
    expect(first.joins).toEqual([[0, 1]]);

    // Each partition's first commit is held "on the wire" until the test fails it (a lost
    // request); the next one queues behind it, requested while the member held both partitions.
    const onTheWire: ((error: Error) => void)[] = [];
    const sent: OffsetCommit[] = [];
    const dropped: OffsetCommit[] = [];
    const committer = new OffsetCommitter(
      (commit) => {
        sent.push(commit);
        if (commit.offset === '5') return new Promise<void>((_resolve, reject) => onTheWire.push(reject));
        return first.member.consumer.commitOffsets([commit]);
      },
      () => undefined,
      first.member.commitGuard(),
      (commit) => dropped.push(commit),
    );
    for (const partition of [0, 1]) void committer.commit({ topic, partition, offset: '5', metadata: null });
    for (const partition of [0, 1]) void committer.commit({ topic, partition, offset: '7', metadata: null });

    // A second member joins: the rebalance gives it one of the partitions.
    const second = await startMember(groupId, topic);
    await waitFor(() => first.joins.length === 2, { description: 'the first member to rejoin' });
    const [kept] = first.joins[1] as number[];
    const [lost] = second.joins.at(-1) as number[];
    expect([kept, lost].sort()).toEqual([0, 1]);
    // The new owner commits its own position.
    await second.member.consumer.commitOffsets([{ topic, partition: lost as number, offset: '100' }]);

    for (const fail of onTheWire) fail(new Error('request timed out'));
    await committer.idle();
    // Without the check, the queued commit goes out in the new generation and the broker takes it: lost = 7.
    const committed = await committedOffsets(groupId, topic);
    expect({ kept: committed.get(kept as number), lost: committed.get(lost as number) }).toEqual({
      kept: '7',
      lost: '100',
    });
    expect(dropped.map((c) => c.partition)).toEqual([lost]);
    expect(sent.filter((c) => c.offset === '7').map((c) => c.partition)).toEqual([kept]);
    await Promise.all([first.member.consumer.disconnect(), second.member.consumer.disconnect()]);
  });
});
