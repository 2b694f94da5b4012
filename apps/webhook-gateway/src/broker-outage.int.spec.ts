/**
 * With the broker down the gateway answers 503, never 202, and writes no dedupe record; once
 * the broker is back, the same gateway (not restarted) answers 202 again. Runs against a
 * private broker this test stops and starts: never the shared one.
 */
import pg from 'pg';
import { topicNames } from '@flowline/event-schemas';
import {
  createScratchDatabase,
  ScratchDatabase,
  startServiceUnderTest,
  ServiceUnderTest,
  testInfra,
  TopicProbe,
  waitFor,
} from '@flowline/testing';
import { startPrivateKafka, type PrivateKafka } from './test-fixtures/private-kafka';
import { webhookGateway } from './service';

jest.setTimeout(300_000);

describe('webhook-gateway while Kafka is down (a private broker)', () => {
  let kafka: PrivateKafka;
  let database: ScratchDatabase;
  let gateway: ServiceUnderTest;

  beforeAll(async () => {
    [kafka, database] = await Promise.all([
      startPrivateKafka(),
      createScratchDatabase(testInfra().DATABASE_URL, 'gateway_outage'),
    ]);
    gateway = await startServiceUnderTest(webhookGateway, {
      env: { KAFKA_BROKERS: kafka.brokers, DATABASE_URL: database.url, PUBLISH_TIMEOUT_MS: '2000' },
    });
  });
  afterAll(async () => {
    await gateway?.stop();
    await kafka?.destroy();
    await database?.drop();
  });

  const post = (deliveryId?: string) =>
    fetch(gateway.url('/webhooks/sample'), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(deliveryId === undefined ? {} : { 'webhook-id': deliveryId }),
      },
      body: JSON.stringify({ deliveryId: deliveryId ?? null }),
    }).then(async (response) => ({
      status: response.status,
      retryAfter: response.headers.get('retry-after'),
      body: (await response.json()) as { id?: string; error?: string },
    }));

  async function recordedDeliveries(): Promise<string[]> {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      return (await client.query<{ delivery_id: string }>('SELECT delivery_id FROM webhook_deliveries')).rows.map(
        (row) => row.delivery_id,
      );
    } finally {
      await client.end();
    }
  }

  it('answers 503 while the broker is down and 202 again once it is back, without a restart', async () => {
    expect((await post('before-outage')).status).toBe(202);

    await kafka.stop();
    const during = [await post('during-outage'), await post(), await post('during-outage')];
    expect(during.map((answer) => [answer.status, answer.body.error, answer.retryAfter])).toEqual([
      [503, 'PUBLISH_FAILED', '5'],
      [503, 'PUBLISH_FAILED', '5'],
      [503, 'PUBLISH_FAILED', '5'],
    ]);
    // The failed write left no dedupe record: the sender's retry will be published, not skipped.
    expect(await recordedDeliveries()).toEqual(['before-outage']);
    const promisedId = during[0]?.body.id;
    expect(during[2]?.body.id).toBe(promisedId);

    await kafka.start();
    // The sender retries, as told by Retry-After, until the gateway (the same process) takes it.
    const retried = await waitFor(
      async () => {
        const answer = await post('during-outage');
        expect([202, 503]).toContain(answer.status);
        return answer.status === 202 ? answer : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 1_000, description: 'a 202 for the retried delivery' },
    );
    expect(retried.body.id).toBe(promisedId);
    expect(await recordedDeliveries()).toEqual(expect.arrayContaining(['before-outage', 'during-outage']));

    const probe = await TopicProbe.start(kafka.brokers, [topicNames(gateway.prefix).ingressWebhook]);
    try {
      await probe.waitFor((m) => m.event?.id === promisedId);
    } finally {
      await probe.stop();
    }
  });
});
