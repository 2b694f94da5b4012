/**
 * Kafka with authentication: the local broker's SASL_PLAINTEXT listener (deploy/local, port
 * 9094) with its dev user. SCRAM-SHA-512 is what production should use (over TLS); PLAIN is
 * what managed Kafka services often offer. KAFKA_SASL_BROKERS points the test elsewhere.
 */
import { createEvent, FlowlineEvent } from '@flowline/event-schemas';
import { localKafkaSaslUser } from '@flowline/local-infra';
import { createLogger } from '@flowline/telemetry';
import { uniqueName, waitFor } from '@flowline/testing';
import type { KafkaSaslMechanism } from './kafka-connection';
import { MessagingClient } from './messaging-client';

const logger = createLogger({ service: 'kafka-security-test', level: 'silent' });
const brokers = (process.env['KAFKA_SASL_BROKERS'] ?? localKafkaSaslUser.brokers).split(',');
const { username, password } = localKafkaSaslUser;

function clientWith(mechanism: KafkaSaslMechanism, secret: string): MessagingClient {
  // connectTimeoutMs: a refused login must fail the test at once, not after a service's long retries.
  return new MessagingClient({
    brokers,
    clientId: 'kafka-security-test',
    logger,
    sasl: { mechanism, username, password: secret },
    connectTimeoutMs: 5_000,
  });
}

describe('Kafka over SASL (the local broker’s SASL listener)', () => {
  it.each(['scram-sha-512', 'plain'] as const)(
    'creates a topic, publishes and consumes an event when authenticated with %s',
    async (mechanism) => {
      const messaging = clientWith(mechanism, password);
      const topic = uniqueName(`sasl-${mechanism}`);
      await messaging.ensureTopics([{ name: topic, partitions: 1 }]);
      const publisher = messaging.createPublisher();
      await publisher.start();
      const received: FlowlineEvent[] = [];
      const consumer = messaging.createConsumer({
        groupId: uniqueName('sasl-group'),
        topics: [topic],
        publisher,
        handle: (event) => {
          received.push(event);
          return Promise.resolve();
        },
      });
      try {
        await consumer.start();
        const sent = createEvent('webhook.received', { source: 'sasl', payload: { mechanism } }, { source: '/sasl' });
        await publisher.publish(topic, sent);
        const [got] = await waitFor(() => (received.length > 0 ? received : undefined), { timeoutMs: 20_000 });
        expect(got?.id).toBe(sent.id);
      } finally {
        await consumer.stop();
        await publisher.stop();
      }
    },
  );

  it.each(['scram-sha-512', 'plain'] as const)(
    'refuses a wrong password with %s, saying authentication failed',
    async (mechanism) => {
      const messaging = clientWith(mechanism, 'not-the-password');
      await expect(messaging.clusterReadiness().check()).rejects.toThrow(/SASL .*authentication failed/i);
    },
  );
});
