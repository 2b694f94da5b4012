import { context, trace, SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry, Telemetry } from './start-telemetry';
import { extractTraceContext, getTracer, injectTraceHeaders } from './trace-propagation';

describe('trace context over Kafka headers', () => {
  let telemetry: Telemetry;
  const exporter = new InMemorySpanExporter();

  // No OTLP endpoint: the path every local run and test takes.
  beforeAll(() => {
    telemetry = startTelemetry({ service: 'propagation-test', spanExporter: exporter });
  });
  afterAll(() => telemetry.shutdown());

  it('carries the trace id from an injected traceparent to the extracted context, with Buffer header values', () => {
    const headers: Record<string, string> = {};
    const span = getTracer().startSpan('send orders', { kind: SpanKind.PRODUCER });
    context.with(trace.setSpan(context.active(), span), () => injectTraceHeaders(headers));
    span.end();

    expect(headers['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const asKafkaDelivers = Object.fromEntries(
      Object.entries(headers).map(([key, value]) => [key, Buffer.from(value)]),
    );
    const parent = trace.getSpanContext(extractTraceContext(asKafkaDelivers));
    expect(parent).toMatchObject({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      isRemote: true,
    });
  });

  it('makes a consumer span started from the extracted context a child in the same trace', () => {
    const headers = injectTraceHeaders({}, trace.setSpan(context.active(), getTracer().startSpan('send orders')));
    const consumerSpan = getTracer().startSpan(
      'process orders',
      { kind: SpanKind.CONSUMER },
      extractTraceContext(headers),
    );
    consumerSpan.end();
    expect(consumerSpan.spanContext().traceId).toBe(headers['traceparent']?.split('-')[1]);
  });

  it('writes no traceparent outside a span', () => {
    expect(injectTraceHeaders({})).toEqual({});
  });

  it('yields a context without a parent for missing or malformed headers, without throwing', () => {
    expect(trace.getSpanContext(extractTraceContext(undefined))).toBeUndefined();
    expect(
      trace.getSpanContext(extractTraceContext({ traceparent: Buffer.from('not-a-traceparent') })),
    ).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ other: undefined }))).toBeUndefined();
  });

  it('gives spans made with getTracer to the exporter', async () => {
    exporter.reset();
    getTracer().startSpan('process invoices').end();
    await telemetry.forceFlush();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['process invoices']);
  });
});
