/**
 * One trace follows an event across services: the gateway's HTTP request, its send to
 * ingress.webhook, the router's processing, the document agent's processing — parent and
 * child across each Kafka hop. The services are real processes exporting OTLP/HTTP (JSON)
 * to a collector held in memory by this test.
 */
import { createServer, IncomingMessage, Server } from 'node:http';
import { topicNames } from '@flowline/event-schemas';
import { testInfra, TopicProbe, uniqueTopicPrefix, waitFor } from '@flowline/testing';
import { freePort, ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

interface ExportedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
}

const SPAN_KIND = { server: 2, producer: 4, consumer: 5 } as const;

interface OtlpJson {
  resourceSpans?: {
    resource?: { attributes?: { key: string; value: Record<string, unknown> }[] };
    scopeSpans?: {
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: { key: string; value: Record<string, unknown> }[];
      }[];
    }[];
  }[];
}

function attributeMap(
  attributes: { key: string; value: Record<string, unknown> }[] | undefined,
): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map(({ key, value }) => [key, Object.values(value)[0]]));
}

/** A collector that keeps every span it is sent. */
function startCollector(port: number): Promise<{ spans: ExportedSpan[]; server: Server }> {
  const spans: ExportedSpan[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const payload = JSON.parse(body) as OtlpJson;
      for (const resourceSpans of payload.resourceSpans ?? []) {
        const service = String(attributeMap(resourceSpans.resource?.attributes)['service.name']);
        for (const scope of resourceSpans.scopeSpans ?? []) {
          for (const span of scope.spans ?? []) {
            spans.push({
              service,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              attributes: attributeMap(span.attributes),
            });
          }
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ spans, server })));
}

describe('one trace across services', () => {
  it('links gateway → router → document-agent as parent and child across each Kafka hop', async () => {
    const { KAFKA_BROKERS } = testInfra();
    const prefix = uniqueTopicPrefix('trace');
    const topics = topicNames(prefix);
    const collector = await startCollector(await freePort());
    const address = collector.server.address();
    const endpoint = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
    const env = { KAFKA_BROKERS, FLOWLINE_TOPIC_PREFIX: prefix, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint };
    let services: ServiceProcess[] = [];
    try {
      services = await Promise.all(
        ['webhook-gateway', 'router', 'document-agent'].map((app) => spawnService(app, env)),
      );
      await Promise.all(services.map((service) => waitUntilReady(service)));
      const probe = await TopicProbe.start(KAFKA_BROKERS, [topics.domainEvents]);
      const response = await fetch((services[0] as ServiceProcess).url('/webhooks/sample'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"traced":true}',
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };
      await probe.waitFor((m) => m.event?.correlationid === id);
      await probe.stop();
      // Spans are exported in batches; a clean stop flushes them.
      expect(await Promise.all(services.map((service) => terminate(service)))).toEqual([0, 0, 0]);

      const find = (predicate: (span: ExportedSpan) => boolean, what: string) =>
        waitFor(() => collector.spans.find(predicate), { description: what, timeoutMs: 10_000 });
      const send = await find(
        (s) =>
          s.service === 'webhook-gateway' &&
          s.kind === SPAN_KIND.producer &&
          s.attributes['messaging.message.id'] === id,
        'the gateway send span',
      );
      // The HTTP server span is the root of the trace (express middleware spans sit between).
      const http = await find(
        (s) => s.service === 'webhook-gateway' && s.kind === SPAN_KIND.server && s.traceId === send.traceId,
        'the HTTP span the trace starts with',
      );
      expect(http.parentSpanId).toBeUndefined();
      expect(http.attributes['http.route'] ?? http.name).toMatch(/webhooks/);
      const routed = await find(
        (s) => s.service === 'router' && s.kind === SPAN_KIND.consumer && s.attributes['messaging.message.id'] === id,
        'the router process span',
      );
      const processed = await find(
        (s) =>
          s.service === 'document-agent' &&
          s.kind === SPAN_KIND.consumer &&
          s.attributes['messaging.message.id'] === id,
        'the document-agent process span',
      );

      expect(new Set([http.traceId, send.traceId, routed.traceId, processed.traceId]).size).toBe(1);
      expect(send.name).toBe(`send ${topics.ingressWebhook}`);
      expect(routed).toMatchObject({ name: `process ${topics.ingressWebhook}`, parentSpanId: send.spanId });
      expect(routed.attributes).toMatchObject({
        'messaging.system': 'kafka',
        'messaging.destination.name': topics.ingressWebhook,
        'messaging.consumer.group.name': `${prefix}router`,
        'messaging.operation.type': 'process',
      });
      expect(routed.attributes['messaging.destination.partition.id']).toMatch(/^\d+$/);
      expect(processed).toMatchObject({ name: `process ${topics.agent('document')}`, parentSpanId: routed.spanId });
    } finally {
      await Promise.all(services.map((service) => terminate(service)));
      collector.server.close();
    }
  });
});
