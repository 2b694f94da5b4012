import { coordinatorPartitionOf, keysCoveringEveryPartition, renderServerProperties } from './kafka-config';

function parse(properties: string): Map<string, string> {
  return new Map(
    properties
      .split('\n')
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as [string, string]),
  );
}

const properties = parse(
  renderServerProperties({ host: '127.0.0.1', port: 9092, controllerPort: 9093, dataDir: '/d' }),
);

describe('renderServerProperties', () => {
  it('runs one node as broker and controller on loopback only', () => {
    expect(properties.get('process.roles')).toBe('broker,controller');
    expect(properties.get('controller.quorum.voters')).toBe('1@127.0.0.1:9093');
    expect(properties.get('listeners')).toBe('PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093');
    expect(properties.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9092');
  });

  it('lets transactions and groups work with a single replica', () => {
    expect(properties.get('offsets.topic.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.replication.factor')).toBe('1');
    expect(properties.get('transaction.state.log.min.isr')).toBe('1');
    expect(properties.get('group.initial.rebalance.delay.ms')).toBe('0');
  });

  it('makes services create their topics instead of auto-creating on first use', () => {
    expect(properties.get('auto.create.topics.enable')).toBe('false');
    expect(properties.get('num.partitions')).toBe('3');
  });
});

describe('coordinatorPartitionOf', () => {
  // Expected values printed by Java 17: "key".hashCode() and (hashCode & 0x7fffffff) % 50.
  it.each([
    ['test-group', 12], // hashCode 627841412
    ['__flowline_ready-group-0', 27], // hashCode -1272938821: the sign bit must be masked, not negated
    ['Ünïcode-gröup', 13], // hashCode -805546685: UTF-16 code units, like Java
  ])("places %s on the partition Kafka's coordinator uses", (key, partition) => {
    expect(coordinatorPartitionOf(key, 50)).toBe(partition);
  });

  it('finds one key for every partition', () => {
    const keys = keysCoveringEveryPartition('probe', 5);
    expect(keys.map((key) => coordinatorPartitionOf(key, 5))).toEqual([0, 1, 2, 3, 4]);
  });
});
