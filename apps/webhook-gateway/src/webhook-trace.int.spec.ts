/**
 * The trace of an accepted webhook starts at the HTTP server span and continues into Kafka.
 * The gateway runs as a real Node process here: OpenTelemetry's http instrumentation patches
 * Node's own module loader, which Jest replaces, so in-process services have no server span.
 * Its spans go over OTLP/HTTP (JSON) to a collector this test runs.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Server } from 'node:http';
import { join, resolve } from 'node:path';
import { topicNames } from '@flowline/event-schemas';
import { freePort, testInfra, TopicProbe, uniqueTopicPrefix, waitFor } from '@flowline/testing';

const REPO_ROOT = resolve(__dirname, '../../..');

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: { stringValue?: string } }[];
}

/** OTLP span kinds (opentelemetry-proto): 2 = SERVER, 4 = PRODUCER. */
const SERVER = 2;
const PRODUCER = 4;

describe('webhook-gateway tracing (real process)', () => {
  const prefix = uniqueTopicPrefix('gateway-trace');
  const received: OtlpSpan[] = [];
  let collector: Server;
  let gateway: ChildProcess | undefined;
  let output = '';
  let port: number;
  let probe: TopicProbe | undefined;

  beforeAll(async () => {
    collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        const payload = JSON.parse(body) as {
          resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[];
        };
        for (const resource of payload.resourceSpans ?? [])
          for (const scope of resource.scopeSpans ?? []) received.push(...(scope.spans ?? []));
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((listening) => collector.listen(0, '127.0.0.1', listening));
    const address = collector.address();
    const collectorPort = typeof address === 'object' && address !== null ? address.port : 0;
    port = await freePort();
    gateway = spawn(
      process.execPath,
      ['--conditions=flowline-source', '--import', 'tsx', join(REPO_ROOT, 'apps/webhook-gateway/src/main.ts')],
      {
        cwd: REPO_ROOT,
        env: {
          ...process.env,
          ...testInfra(),
          PORT: String(port),
          FLOWLINE_TOPIC_PREFIX: prefix,
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collectorPort}`,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    gateway.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    gateway.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(
      async () => {
        if (gateway?.exitCode !== null) throw new Error(`the gateway exited:\n${output}`);
        return (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => undefined))?.status === 200;
      },
      { timeoutMs: 60_000, intervalMs: 200, description: 'the gateway to be ready' },
    );
    probe = await TopicProbe.start(testInfra().KAFKA_BROKERS, [topicNames(prefix).ingressWebhook]);
  });

  afterAll(async () => {
    await probe?.stop();
    if (gateway !== undefined && gateway.exitCode === null) {
      const exited = new Promise((done) => gateway?.once('exit', done));
      gateway.kill('SIGTERM');
      await exited;
    }
    collector?.close();
  });

  it('carries the HTTP server span’s trace into the Kafka record of the accepted webhook', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/webhooks/sample`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ traced: true }),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const record = await probe!.waitFor((m) => m.event?.id === id);
    const [, traceId, parentSpanId] = (record.headers['traceparent'] ?? '').split('-');

    const server = await waitFor(() => received.find((span) => span.kind === SERVER && span.traceId === traceId), {
      timeoutMs: 30_000,
      description: `the HTTP server span of trace ${traceId} at the collector`,
    });
    // The request's handler span (express's, inside the server span) names the source.
    const tagged = await waitFor(
      () =>
        received.find(
          (span) =>
            span.traceId === traceId &&
            span.attributes?.some((a) => a.key === 'flowline.webhook.source' && a.value.stringValue === 'sample'),
        ),
      { timeoutMs: 30_000, description: 'a span of the trace naming the webhook source' },
    );
    expect(tagged.traceId).toBe(server.traceId);
    // The record's parent is the publisher's send span, inside the server span's trace.
    const send = await waitFor(() => received.find((span) => span.spanId === parentSpanId), {
      timeoutMs: 30_000,
      description: 'the send span the record names as its parent',
    });
    expect([send.kind, send.traceId]).toEqual([PRODUCER, server.traceId]);
  });
});
