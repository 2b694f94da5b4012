/**
 * Starts the OpenTelemetry Node SDK with the instrumentations every service needs: http,
 * express, pg, mongodb, amqplib. NOT kafkajs: libs/messaging puts trace context on Kafka
 * headers itself (trace-propagation.ts), and a second injected `traceparent` would fork traces.
 *
 * Load order matters. An instrumentation patches a module when it is required *after*
 * `startTelemetry` ran; express, pg, mongodb or amqplib loaded earlier stay unpatched. So an
 * app's `main.ts` imports nothing but `runService` (libs/service-runtime), which starts
 * telemetry and only then loads the service definition (and with it those modules).
 *
 * Traces are exported over OTLP/HTTP only when an endpoint is configured; without one, spans
 * are still recorded — trace ids in logs, W3C trace context over Kafka headers — but exported
 * nowhere, so a local run needs no collector and logs no export failures.
 *
 * One SDK per process. The first call starts it (instrumentations, W3C propagator, context
 * manager, `service.name` = that call's service). Later calls — tests start several services
 * in one Jest worker — do not start or register anything again: they only attach their own
 * exporters to the running SDK, and their `shutdown()` flushes and detaches those exporters
 * again. An OTLP endpoint attached by several callers is exported to once. The SDK itself
 * (globals, patches) stays for the life of the process.
 */
import type { Context } from '@opentelemetry/api';
import { AmqplibInstrumentation } from '@opentelemetry/instrumentation-amqplib';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MongoDBInstrumentation } from '@opentelemetry/instrumentation-mongodb';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { core, NodeSDK } from '@opentelemetry/sdk-node';
import {
  BatchSpanProcessor,
  ReadableSpan,
  SimpleSpanProcessor,
  Span,
  SpanExporter,
  SpanProcessor,
} from '@opentelemetry/sdk-trace-base';

export interface Telemetry {
  /**
   * Resolves once the spans ended so far reached this caller's exporters (export waits for
   * resource detection, so even an InMemorySpanExporter receives spans a moment after they end).
   */
  forceFlush(): Promise<void>;
  /** Flushes and detaches this caller's exporters; safe to call more than once. */
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  service: string;
  /** OTLP/HTTP base URL, e.g. http://otel-collector:4318; unset: spans are exported nowhere. */
  otlpEndpoint?: string | undefined;
  /** An extra exporter, e.g. an InMemorySpanExporter in tests; spans reach it as each one ends. */
  spanExporter?: SpanExporter | undefined;
}

/** Paths whose requests are operators' probes and scrapes, not work worth a trace. */
const UNTRACED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The one span processor the SDK is started with; it forwards to whatever processors the
 * callers attached. The SDK's own processor list is fixed at start, and later callers
 * (another service in the same test worker) still need their exporters to see spans.
 */
class AttachableSpanProcessor implements SpanProcessor {
  private readonly processors = new Set<SpanProcessor>();

  attach(processor: SpanProcessor): void {
    this.processors.add(processor);
  }

  async detach(processor: SpanProcessor): Promise<void> {
    this.processors.delete(processor);
    await processor.shutdown();
  }

  onStart(span: Span, parentContext: Context): void {
    for (const processor of this.processors) processor.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    for (const processor of this.processors) processor.onEnd(span);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.processors].map((processor) => processor.forceFlush()));
  }

  async shutdown(): Promise<void> {
    await Promise.all([...this.processors].map((processor) => this.detach(processor)));
  }
}

interface RunningSdk {
  readonly spans: AttachableSpanProcessor;
  /** One batch processor per OTLP endpoint, shared by the callers that named it. */
  readonly otlp: Map<string, { processor: SpanProcessor; users: number }>;
}

let running: RunningSdk | undefined;

function startSdk(service: string): RunningSdk {
  const spans = new AttachableSpanProcessor();
  const sdk = new NodeSDK({
    serviceName: service,
    spanProcessors: [spans],
    // Explicit, so the W3C propagator is global whatever OTEL_PROPAGATORS says: libs/messaging
    // relies on it for Kafka headers.
    textMapPropagator: new core.CompositePropagator({
      propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()],
    }),
    // Logs go to stdout through pino and metrics to /metrics through prom-client: the SDK must
    // not pick log or metric exporters from the environment.
    logRecordProcessors: [],
    metricReaders: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.has((request.url ?? '').split('?')[0] ?? ''),
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation(),
      new MongoDBInstrumentation(),
      new AmqplibInstrumentation(),
    ],
  });
  sdk.start();
  return { spans, otlp: new Map() };
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  running ??= startSdk(options.service);
  const sdk = running;
  const release: (() => Promise<void>)[] = [];
  const flush: (() => Promise<void>)[] = [];

  if (options.otlpEndpoint !== undefined) {
    const url = new URL('/v1/traces', options.otlpEndpoint).toString();
    let shared = sdk.otlp.get(url);
    if (shared === undefined) {
      shared = { processor: new BatchSpanProcessor(new OTLPTraceExporter({ url })), users: 0 };
      sdk.otlp.set(url, shared);
      sdk.spans.attach(shared.processor);
    }
    shared.users += 1;
    const entry = shared;
    flush.push(() => entry.processor.forceFlush());
    release.push(async () => {
      entry.users -= 1;
      if (entry.users > 0) {
        await entry.processor.forceFlush();
        return;
      }
      sdk.otlp.delete(url);
      await sdk.spans.detach(entry.processor);
    });
  }
  if (options.spanExporter !== undefined) {
    const processor = new SimpleSpanProcessor(options.spanExporter);
    sdk.spans.attach(processor);
    flush.push(() => processor.forceFlush());
    release.push(() => sdk.spans.detach(processor));
  }

  let stopping: Promise<void> | undefined;
  return {
    async forceFlush() {
      if (stopping === undefined) await Promise.all(flush.map((step) => step()));
    },
    shutdown() {
      stopping ??= Promise.all(release.map((step) => step())).then(() => undefined);
      return stopping;
    },
  };
}
