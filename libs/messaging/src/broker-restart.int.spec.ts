/**
 * A consumer rides out its broker going away: on a throwaway broker of its own (deploy/local
 * kafkaInstance, so the shared one is not disturbed), stopped long enough for kafkajs to give
 * up on the group coordinator, the consumer rejoins once the broker is back and handles what
 * was published after, without the service failing (exiting) in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEvent, FlowlineEvent } from '@flowline/event-schemas';
import { kafkaInstance, type KafkaInstance } from '@flowline/local-infra';
import { createLogger } from '@flowline/telemetry';
import { freePort, uniqueName, waitFor } from '@flowline/testing';
import type { EventPublisher } from './event-publisher';
import { MessagingClient } from './messaging-client';

const logger = createLogger({ service: 'broker-restart-test', level: 'silent' });

function sample(label: string): FlowlineEvent {
  return createEvent('webhook.received', { source: 'test', payload: { label } }, { source: '/messaging-test' });
}

describe('a consumer whose broker restarts', () => {
  let dir: string;
  let broker: KafkaInstance;
  let messaging: MessagingClient;
  let publisher: EventPublisher | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowline-broker-restart-'));
    broker = kafkaInstance({ dir, port: await freePort(), controllerPort: await freePort(), heap: '384m' });
    await broker.start();
    messaging = new MessagingClient({ brokers: [broker.brokers], clientId: 'broker-restart-test', logger });
  }, 150_000);

  afterAll(async () => {
    await publisher?.stop().catch(() => undefined);
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('rejoins its group once the broker is back and handles what came after, without failing', async () => {
    const topic = uniqueName('restart-test');
    await messaging.ensureTopics([{ name: topic, partitions: 2 }]);
    publisher = messaging.createPublisher();
    await publisher.start();
    const handled: string[] = [];
    const consumer = messaging.createConsumer({
      groupId: uniqueName('group'),
      topics: [topic],
      publisher,
      handle: (event) => {
        handled.push(event.id);
        return Promise.resolve();
      },
    });
    let failure: Error | undefined;
    void consumer.failed.then((error) => (failure = error));
    await consumer.start();

    const before = sample('before the restart');
    await publisher.publish(topic, before);
    await waitFor(() => handled.includes(before.id), {
      description: 'the event before the restart',
      timeoutMs: 30_000,
    });

    // Down for longer than kafkajs's own retries of the group coordinator last.
    await broker.stop();
    await new Promise((resolve) => setTimeout(resolve, 12_000));
    await broker.start();

    const after = sample('after the restart');
    await publisher.publish(topic, after);
    await waitFor(() => handled.includes(after.id), { description: 'the event after the restart', timeoutMs: 60_000 });
    await consumer.stop();
    expect(failure).toBeUndefined();
  }, 150_000);
});
