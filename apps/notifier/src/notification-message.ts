/**
 * How an event becomes a RabbitMQ message: a pure function, so the mapping is tested
 * without a broker and the same event always gives the same message.
 *
 * - Body: the whole CloudEvent in the JSON event format's structured mode
 *   (`application/cloudevents+json`: the attributes and `data` in one object), so a receiver
 *   gets id, type, source, time, correlationid, causationid and data from the body alone, with
 *   any JSON parser or CloudEvents SDK.
 * - `messageId` is the CloudEvent id. A redelivered or replayed event (`flowline dlq redrive`,
 *   `flowline replay`) keeps its id, so it arrives with the same messageId and a receiver
 *   drops the duplicate by it: delivery to RabbitMQ is at-least-once, the effect once.
 * - Routing key = event type, so a queue binds to `invoice.*` or `invoice.processed`.
 * - `persistent: true` (delivery mode 2): stored to disk by durable queues.
 * - Headers repeat the attributes as `ce-<name>` (as the CloudEvents HTTP binding names them;
 *   structured mode allows copies of the attributes in headers), so a headers exchange or a
 *   receiver can filter without parsing the body. The publisher adds `traceparent`.
 */
import type { FlowlineEvent } from '@flowline/event-schemas';

export const NOTIFICATION_CONTENT_TYPE = 'application/cloudevents+json';

export interface NotificationMessage {
  routingKey: string;
  content: Buffer;
  /** amqplib's publish options (`Options.Publish`). */
  options: {
    persistent: true;
    contentType: typeof NOTIFICATION_CONTENT_TYPE;
    messageId: string;
    type: string;
    /** Seconds since the epoch (AMQP's timestamp): the event's time. */
    timestamp: number;
    correlationId: string;
    appId: 'flowline-notifier';
    headers: Record<string, string>;
  };
}

/** The event's CloudEvents attributes, the optional ones only when set. */
function attributes(event: FlowlineEvent): Record<string, string | number> {
  const attributes: Record<string, string | number> = {
    specversion: event.specversion,
    id: event.id,
    source: event.source,
    type: event.type,
    time: event.time,
    datacontenttype: event.datacontenttype,
  };
  if (event.subject !== undefined) attributes['subject'] = event.subject;
  attributes['correlationid'] = event.correlationid;
  if (event.causationid !== undefined) attributes['causationid'] = event.causationid;
  attributes['schemaversion'] = event.schemaversion;
  attributes['partitionkey'] = event.partitionkey;
  return attributes;
}

/**
 * The whole CloudEvent in the JSON event format's structured mode: the body of a RabbitMQ
 * notification and of an outbound webhook alike.
 */
export function structuredCloudEvent(event: FlowlineEvent): Buffer {
  return Buffer.from(JSON.stringify({ ...attributes(event), data: event.data }));
}

export function notificationMessage(event: FlowlineEvent): NotificationMessage {
  const envelope = attributes(event);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(envelope)) headers[`ce-${name}`] = String(value);
  return {
    routingKey: event.type,
    content: structuredCloudEvent(event),
    options: {
      persistent: true,
      contentType: NOTIFICATION_CONTENT_TYPE,
      messageId: event.id,
      type: event.type,
      timestamp: Math.floor(Date.parse(event.time) / 1_000),
      correlationId: event.correlationid,
      appId: 'flowline-notifier',
      headers,
    },
  };
}
