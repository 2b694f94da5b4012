/**
 * Third-party producers often write CloudEvents in structured mode (the whole event as JSON,
 * `content-type: application/cloudevents+json`). The runtime reads them like any event, and a
 * stage that forwards one passes it on in binary mode, as every Flowline record is.
 */
import { Kafka, logLevel } from 'kafkajs';
import { DLQ_HEADERS, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { createLogger } from '@flowline/telemetry';
import { testInfra, TopicProbe, uniqueName } from '@flowline/testing';
import { MessagingClient } from './messaging-client';

const logger = createLogger({ service: 'messaging-test', level: 'silent' });

describe('structured-mode CloudEvents on the real broker', () => {
  const { KAFKA_BROKERS } = testInfra();
  const brokers = KAFKA_BROKERS.split(',');
  const messaging = new MessagingClient({ brokers, clientId: 'messaging-test', logger });

  it('handles a structured-mode event and forwards it normalised to binary mode; a broken one is dead-lettered', async () => {
    const input = uniqueName('structured-in');
    const output = uniqueName('structured-out');
    await messaging.ensureTopics([
      { name: input, partitions: 1 },
      { name: output, partitions: 1 },
    ]);
    const publisher = messaging.createPublisher();
    await publisher.start();
    const handled: FlowlineEvent[] = [];
    const consumer = messaging.createConsumer({
      groupId: uniqueName('group'),
      topics: [input],
      publisher,
      transactional: true,
      handle: (event, context) => {
        handled.push(event);
        context.forward(output);
        return Promise.resolve();
      },
    });
    await consumer.start();
    const probe = await TopicProbe.start(KAFKA_BROKERS, [output, topicNames().deadLetter(input)]);
    const producer = new Kafka({ clientId: 'third-party', brokers, logLevel: logLevel.NOTHING }).producer();
    await producer.connect();
    try {
      const structured = {
        specversion: '1.0',
        id: 'third-party-1',
        source: 'urn:crm:contacts',
        type: 'webhook.received',
        time: '2026-12-05T08:00:00+01:00',
        datacontenttype: 'application/json',
        data: { source: 'crm', payload: { contact: 7 } },
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      };
      await producer.send({
        topic: input,
        messages: [
          {
            key: 'c-7',
            value: JSON.stringify(structured),
            headers: { 'content-type': 'application/cloudevents+json' },
          },
          { key: 'c-8', value: '{"specversion":"1.0"}', headers: { 'content-type': 'application/cloudevents+json' } },
        ],
      });
      const forwarded = await probe.waitFor((m) => m.topic === output);
      expect(forwarded.headers['content-type']).toBe('application/json');
      expect(forwarded.headers['ce_id']).toBe('third-party-1');
      expect(forwarded.headers['ce_source']).toBe('urn:crm:contacts');
      expect(forwarded.event?.time).toBe('2026-12-05T07:00:00.000Z');
      expect(JSON.parse(forwarded.value ?? '')).toEqual({ source: 'crm', payload: { contact: 7 } });
      // The producer's trace goes on: same trace id, a new span (the stage's).
      expect(forwarded.headers['traceparent']).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-/);
      expect(handled.map((event) => event.id)).toEqual(['third-party-1']);

      const deadLetter = await probe.waitFor((m) => m.topic === topicNames().deadLetter(input));
      expect(deadLetter.headers[DLQ_HEADERS.errorClass]).toBe('NotACloudEvent');
      expect(deadLetter.headers[DLQ_HEADERS.reason]).toMatch(/attribute "id" is missing/);
    } finally {
      await producer.disconnect();
      await probe.stop();
      await consumer.stop();
      await publisher.stop();
    }
  });
});
