import {
  coordinatorPartitionOf,
  keysCoveringEveryPartition,
  renderServerProperties,
  scramCredentialArgument,
} from './kafka-config';

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

describe('renderServerProperties with a SASL listener', () => {
  const withSasl = parse(
    renderServerProperties({
      host: '127.0.0.1',
      port: 9092,
      controllerPort: 9093,
      dataDir: '/d',
      sasl: { port: 9094, plainUsers: { flowline: 'flowline-local' } },
    }),
  );

  it('adds SASL_PLAINTEXT beside the open listener, which brokers keep using among themselves', () => {
    expect(withSasl.get('listeners')).toBe(
      'PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093,SASL_PLAINTEXT://127.0.0.1:9094',
    );
    expect(withSasl.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:9092,SASL_PLAINTEXT://127.0.0.1:9094');
    expect(withSasl.get('listener.security.protocol.map')).toBe(
      'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT',
    );
    expect(withSasl.get('inter.broker.listener.name')).toBe('PLAINTEXT');
  });

  it('enables SCRAM-SHA-512 and PLAIN on that listener only, PLAIN users in its JAAS config', () => {
    expect(withSasl.get('listener.name.sasl_plaintext.sasl.enabled.mechanisms')).toBe('SCRAM-SHA-512,PLAIN');
    expect(withSasl.get('listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    );
    expect(withSasl.get('listener.name.sasl_plaintext.plain.sasl.jaas.config')).toBe(
      'org.apache.kafka.common.security.plain.PlainLoginModule required user_flowline="flowline-local";',
    );
    expect(withSasl.has('sasl.enabled.mechanisms')).toBe(false);
  });

  it('renders no SASL setting when no SASL listener is asked for', () => {
    expect([...properties.keys()].filter((key) => key.includes('sasl'))).toEqual([]);
  });

  it('formats storage with the SCRAM user in the StorageTool’s syntax', () => {
    expect(scramCredentialArgument('flowline', 'flowline-local')).toBe(
      'SCRAM-SHA-512=[name=flowline,password=flowline-local]',
    );
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
