/**
 * The AsyncAPI 3.0 description of Flowline's topics, built from the same sources the code
 * uses: topic names from topics.ts, messages from the event catalogue, examples from
 * event-examples.ts. Who writes and reads which topic mirrors docs/architecture.md "Topics";
 * keep the two in step.
 *
 * The result must be deterministic (no timestamps, stable key order): docs/asyncapi.yaml is
 * checked in and a test compares it with a fresh rendering.
 */
import { stringify } from 'yaml';
import { stableEventId } from './envelope';
import { DLQ_HEADER_DESCRIPTIONS, DLQ_HEADERS } from './dead-letter-headers';
import { EVENT_TYPES, eventCatalog, EventType } from './event-catalog';
import { eventExamples } from './event-examples';
import { allEventJsonSchemas } from './event-json-schemas';
import { AGENT_NAMES, AgentName, BASE_TOPICS } from './topics';

/** Version of the described API; follows this lib's package version. */
const DOCUMENT_VERSION = '0.1.0';
const KAFKA_BINDING_VERSION = '0.5.0';

type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };
type JsonObject = { readonly [key: string]: Json };

const INGRESS_TYPES: Readonly<Record<'ingressWebhook' | 'ingressFile' | 'ingressCdc', readonly EventType[]>> = {
  ingressWebhook: ['webhook.received', 'email.incoming'],
  ingressFile: ['file.uploaded'],
  ingressCdc: ['data.changed'],
};
const DOMAIN_TYPES: readonly EventType[] = [
  'invoice.received',
  'invoice.processed',
  'email.classified',
  'document.processed',
  'sync.completed',
  'subscription.disabled',
];

interface ChannelSpec {
  readonly id: string;
  readonly address: string;
  readonly description: string;
  readonly messages: readonly EventType[] | 'dead-letter';
  /** Present for the `<topic>.dlq` family, whose address has a `{topic}` parameter. */
  readonly perTopic?: true;
}

const agentChannelId = (agent: AgentName): string => `agent${capitalise(agent)}`;

/** Every topic of docs/architecture.md "Topics". */
const CHANNELS: readonly ChannelSpec[] = [
  {
    id: 'ingressWebhook',
    address: BASE_TOPICS.ingressWebhook,
    description: 'Verified webhooks and inbound mail from webhook-gateway.',
    messages: INGRESS_TYPES.ingressWebhook,
  },
  {
    id: 'ingressFile',
    address: BASE_TOPICS.ingressFile,
    description: 'Finished, new files from file-watcher.',
    messages: INGRESS_TYPES.ingressFile,
  },
  {
    id: 'ingressCdc',
    address: BASE_TOPICS.ingressCdc,
    description: 'Row and document changes from cdc-listener; partition key = the changed entity.',
    messages: INGRESS_TYPES.ingressCdc,
  },
  {
    id: 'eventsDomain',
    address: BASE_TOPICS.domainEvents,
    description: 'Events the agents emit.',
    messages: DOMAIN_TYPES,
  },
  ...AGENT_NAMES.map((agent) => ({
    id: agentChannelId(agent),
    address: `agent.${agent}`,
    description: `Work for the ${agent} agent, forwarded unchanged by the router. Which types arrive is the router's rule configuration, so any catalogue type may.`,
    messages: EVENT_TYPES,
  })),
  {
    id: 'eventsUnrouted',
    address: BASE_TOPICS.unrouted,
    description: 'Events no routing rule matched, for operators.',
    messages: EVENT_TYPES,
  },
  {
    id: 'deadLetter',
    address: '{topic}.dlq',
    description:
      'Records a consumer gave up on (undecodable, unknown schema, non-retryable failure, retries exhausted), for operators and `flowline dlq` redrive.',
    messages: 'dead-letter',
    perTopic: true,
  },
];

interface OperationSpec {
  readonly service: string;
  readonly action: 'send' | 'receive';
  readonly channel: string;
  /** The subset of the channel's messages; all of them when absent. */
  readonly messages?: readonly EventType[];
}

const sendsDomain = (service: string, messages: readonly EventType[]): OperationSpec => ({
  service,
  action: 'send',
  channel: 'eventsDomain',
  messages,
});

/** Writers and readers per docs/architecture.md "Topics" and "Event catalogue" ("emitted by"). */
const OPERATIONS: readonly OperationSpec[] = [
  { service: 'webhook-gateway', action: 'send', channel: 'ingressWebhook' },
  { service: 'file-watcher', action: 'send', channel: 'ingressFile' },
  { service: 'cdc-listener', action: 'send', channel: 'ingressCdc' },
  { service: 'router', action: 'receive', channel: 'ingressWebhook' },
  { service: 'router', action: 'receive', channel: 'ingressFile' },
  { service: 'router', action: 'receive', channel: 'ingressCdc' },
  { service: 'router', action: 'receive', channel: 'eventsDomain' },
  ...AGENT_NAMES.map((agent): OperationSpec => ({ service: 'router', action: 'send', channel: agentChannelId(agent) })),
  { service: 'router', action: 'send', channel: 'eventsUnrouted' },
  ...AGENT_NAMES.map((agent): OperationSpec => ({
    service: `${agent}-agent`,
    action: 'receive',
    channel: agentChannelId(agent),
  })),
  sendsDomain('invoice-agent', ['invoice.processed']),
  sendsDomain('email-agent', ['email.classified', 'invoice.received']),
  sendsDomain('document-agent', ['document.processed', 'invoice.received']),
  sendsDomain('sync-agent', ['sync.completed']),
  { service: 'notifier', action: 'receive', channel: 'eventsDomain' },
  sendsDomain('notifier', ['subscription.disabled']),
  ...CHANNELS.map((channel): OperationSpec => ({ service: 'event-archiver', action: 'receive', channel: channel.id })),
  { service: 'messaging', action: 'send', channel: 'deadLetter' },
  { service: 'flowline-cli', action: 'receive', channel: 'deadLetter' },
  { service: 'flowline-cli', action: 'receive', channel: 'eventsUnrouted' },
];

const SERVICE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  messaging:
    'libs/messaging inside every consumer: dead letters (retries happen in place, by pausing the partition: there are no retry topics).',
  'flowline-cli': 'Operators, through the flowline CLI (dlq, redrive, tail).',
};

/** `invoice.received` → `invoiceReceived`: AsyncAPI component and channel-message ids. */
export function messageId(type: EventType): string {
  return type.replace(/[._-]([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

function camelCase(words: string): string {
  return words
    .split(/[^a-zA-Z0-9]+/)
    .map((word, index) => (index === 0 ? word : capitalise(word)))
    .join('');
}

/** The CloudEvents Kafka binary-mode headers (docs/architecture.md "Event envelope"). */
function cloudEventHeadersSchema(): JsonObject {
  return {
    type: 'object',
    description:
      'CloudEvents 1.0, Kafka protocol binding, binary content mode: attributes as ce_* headers, W3C trace context alongside.',
    required: [
      'ce_id',
      'ce_source',
      'ce_type',
      'ce_specversion',
      'ce_time',
      'content-type',
      'ce_correlationid',
      'ce_schemaversion',
      'ce_partitionkey',
    ],
    properties: {
      ce_id: { type: 'string', description: 'Event id; a retried or duplicated input keeps it.' },
      ce_source: {
        type: 'string',
        format: 'uri-reference',
        description: 'Producing service and origin, e.g. /webhook-gateway/github.',
      },
      ce_type: { type: 'string', description: 'Event type, e.g. invoice.received.' },
      ce_specversion: { type: 'string', const: '1.0' },
      ce_time: { type: 'string', format: 'date-time' },
      'content-type': {
        type: 'string',
        const: 'application/json',
        description: 'The datacontenttype attribute; the value is JSON.',
      },
      ce_subject: { type: 'string', description: 'Optional; e.g. schema.table or db.collection for data.changed.' },
      ce_correlationid: {
        type: 'string',
        description: 'Id of the first event of the chain; copied to every event it causes.',
      },
      ce_causationid: {
        type: 'string',
        description: 'Id of the event that directly caused this one; absent on the first event.',
      },
      ce_schemaversion: {
        type: 'string',
        pattern: '^[1-9][0-9]*$',
        description: 'Version of the data schema. Consumers upcast older versions and dead-letter unknown ones.',
      },
      ce_partitionkey: {
        type: 'string',
        description: 'Also the Kafka message key: events of one business entity share it and stay in order.',
      },
      traceparent: {
        type: 'string',
        pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
        description: 'W3C Trace Context.',
      },
      tracestate: { type: 'string', description: 'W3C Trace Context.' },
    },
  };
}

function messageFor(type: EventType): JsonObject {
  const history = eventCatalog[type];
  const version = history.latestVersion;
  const description = history.latest.meta()?.description;
  const exampleId = stableEventId('asyncapi-example', type);
  return {
    name: type,
    title: type,
    ...(description === undefined ? {} : { summary: description }),
    contentType: 'application/json',
    headers: {
      allOf: [
        { $ref: '#/components/schemas/cloudEventHeaders' },
        { type: 'object', properties: { ce_type: { const: type }, ce_schemaversion: { const: String(version) } } },
      ],
    },
    payload: { $ref: `#/components/schemas/${type}.v${version}` },
    bindings: {
      kafka: {
        key: { type: 'string', description: 'The partitionkey extension (ce_partitionkey).' },
        bindingVersion: KAFKA_BINDING_VERSION,
      },
    },
    examples: [
      {
        name: 'example',
        headers: {
          ce_id: exampleId,
          ce_source: '/example',
          ce_type: type,
          ce_specversion: '1.0',
          ce_time: '2024-05-02T07:21:00.000Z',
          'content-type': 'application/json',
          ce_correlationid: exampleId,
          ce_schemaversion: String(version),
          ce_partitionkey: exampleId,
        },
        payload: eventExamples[type] as Json,
      },
    ],
  };
}

const deadLetterMessage: JsonObject = {
  name: 'dead-letter',
  title: 'Dead letter',
  summary: 'The original record, key, value and headers unchanged, plus the reason headers libs/messaging adds.',
  description:
    'May hold anything that reached the guarded topic, including records that are not CloudEvents, so the payload is unconstrained.',
  headers: {
    type: 'object',
    required: Object.values(DLQ_HEADERS).filter((name) => name !== DLQ_HEADERS.stack),
    properties: Object.fromEntries(
      (Object.keys(DLQ_HEADERS) as (keyof typeof DLQ_HEADERS)[]).map((key) => [
        DLQ_HEADERS[key],
        { type: 'string', description: DLQ_HEADER_DESCRIPTIONS[key] },
      ]),
    ),
  },
  payload: {},
};

function channelFor(spec: ChannelSpec): JsonObject {
  const types = spec.messages === 'dead-letter' ? [] : spec.messages;
  const messages: Record<string, Json> =
    spec.messages === 'dead-letter'
      ? { deadLetter: { $ref: '#/components/messages/deadLetter' } }
      : Object.fromEntries(
          types.map((type) => [messageId(type), { $ref: `#/components/messages/${messageId(type)}` }]),
        );
  return {
    address: spec.address,
    description: spec.description,
    messages,
    ...(spec.perTopic
      ? {
          parameters: {
            topic: {
              description: 'The topic the dead-letter topic belongs to (with its FLOWLINE_TOPIC_PREFIX).',
              enum: [...Object.values(BASE_TOPICS), ...AGENT_NAMES.map((agent) => `agent.${agent}`)].sort(),
            },
          },
        }
      : { bindings: { kafka: { topic: spec.address, bindingVersion: KAFKA_BINDING_VERSION } } }),
  };
}

function operationFor(spec: OperationSpec): [string, JsonObject] {
  const id = camelCase(`${spec.service} ${spec.action} ${spec.channel}`);
  const channel = CHANNELS.find((candidate) => candidate.id === spec.channel);
  if (channel === undefined) throw new Error(`operation ${id} names unknown channel ${spec.channel}`);
  return [
    id,
    {
      action: spec.action,
      channel: { $ref: `#/channels/${spec.channel}` },
      summary: `${spec.service} ${spec.action === 'send' ? 'writes to' : 'reads'} ${channel.address}`,
      tags: [{ name: spec.service }],
      ...(spec.messages === undefined
        ? {}
        : {
            messages: spec.messages.map((type) => ({ $ref: `#/channels/${spec.channel}/messages/${messageId(type)}` })),
          }),
    },
  ];
}

/** The AsyncAPI 3.0 document as a plain object. */
export function asyncApiDocument(): JsonObject {
  const services = [...new Set(OPERATIONS.map((operation) => operation.service))];
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Flowline events',
      version: DOCUMENT_VERSION,
      description: [
        "Every Flowline topic and event. Each message is a CloudEvents 1.0 event in the Kafka binding's binary content mode.",
        'Addresses are shown without FLOWLINE_TOPIC_PREFIX, which is prepended to every topic when set.',
        'Generated by `npm run docs:events` from libs/event-schemas; do not edit by hand.',
      ].join('\n'),
      tags: services.map((service) => ({
        name: service,
        ...(SERVICE_DESCRIPTIONS[service] === undefined ? {} : { description: SERVICE_DESCRIPTIONS[service] }),
      })),
    },
    defaultContentType: 'application/json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'deploy/local: one Kafka node (KAFKA_BROKERS).',
      },
    },
    channels: Object.fromEntries(CHANNELS.map((spec) => [spec.id, channelFor(spec)])),
    operations: Object.fromEntries(OPERATIONS.map(operationFor)),
    components: {
      schemas: {
        cloudEventHeaders: cloudEventHeadersSchema(),
        ...Object.fromEntries(
          allEventJsonSchemas('draft-7').map(({ type, version, schema }) => {
            // `$schema` is the document's business in AsyncAPI, not each schema's.
            const { $schema: _dialect, ...rest } = schema;
            return [`${type}.v${version}`, rest as Json];
          }),
        ),
      },
      messages: {
        ...Object.fromEntries(EVENT_TYPES.map((type) => [messageId(type), messageFor(type)])),
        deadLetter: deadLetterMessage,
      },
    },
  };
}

/** The document as YAML, byte-for-byte stable for the same catalogue. */
export function asyncApiYaml(): string {
  // No anchors/aliases for repeated objects: plain YAML reads better and every tool accepts it.
  // YAML 1.1 quoting, so 1.1 readers (PyYAML, older tools) keep example dates as strings.
  return stringify(asyncApiDocument(), { lineWidth: 0, aliasDuplicateObjects: false, version: '1.1' });
}
