import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, PartitionerArgs } from 'kafkajs';
import { KeyPartitioner, murmur2 } from './key-partitioner';

const partitionMetadata = (count: number, leaderless: number[] = []): PartitionerArgs['partitionMetadata'] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 1,
    partitionErrorCode: 0,
    replicas: [1],
    isr: [1],
  }));

describe('key partitioner', () => {
  // Values of org.apache.kafka.common.utils.Utils.murmur2 (Kafka's UtilsTest).
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('computes Kafka’s murmur2 of %j', (key, expected) => {
    expect(murmur2(key)).toBe(expected);
    expect(murmur2(Buffer.from(key))).toBe(expected);
  });

  it('puts every key on the partition kafkajs’s Java-compatible DefaultPartitioner picks', () => {
    const ours = KeyPartitioner();
    const theirs = Partitioners.DefaultPartitioner();
    const keys: (string | Buffer)[] = [
      ...Array.from({ length: 2_000 }, () => randomUUID()),
      ...Array.from({ length: 500 }, (_, i) => randomBytes(i % 67)),
      ...Array.from({ length: 500 }, (_, i) => `ключ-${i}-${'é'.repeat(i % 5)}-🙂`),
      '',
    ];
    for (const partitions of [1, 3, 7, 12]) {
      for (const key of keys) {
        const args = { topic: 't', partitionMetadata: partitionMetadata(partitions), message: { key, value: null } };
        expect(ours(args)).toBe(theirs(args));
      }
    }
  });

  it('keeps an explicit partition, and spreads keyless messages over partitions that have a leader', () => {
    const partition = KeyPartitioner();
    expect(
      partition({
        topic: 't',
        partitionMetadata: partitionMetadata(3),
        message: { key: 'k', value: null, partition: 2 },
      }),
    ).toBe(2);
    const chosen = new Set(
      Array.from({ length: 30 }, () =>
        partition({ topic: 't', partitionMetadata: partitionMetadata(4, [1]), message: { value: null } }),
      ),
    );
    expect([...chosen].sort()).toEqual([0, 2, 3]);
  });
});
