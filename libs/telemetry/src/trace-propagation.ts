/**
 * W3C trace context on Kafka message headers, done here rather than by the kafkajs
 * instrumentation (which stays off): libs/messaging injects on send and extracts on receive,
 * so a trace runs from the webhook through every hop. Header values arrive from kafkajs as
 * Buffers; a missing or malformed `traceparent` yields a context without a remote parent
 * (the consumer then starts a new trace), never an exception in the consumer.
 */
import {
  context as contextApi,
  Context,
  propagation,
  TextMapGetter,
  trace,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';

/** The instrumentation scope of the spans Flowline creates itself (send/process). */
export const FLOWLINE_TRACER_NAME = '@flowline/messaging';

type IncomingHeaders = Readonly<Record<string, string | Buffer | (string | Buffer)[] | undefined>>;

const headerGetter: TextMapGetter<IncomingHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get(carrier, key) {
    const value = carrier[key] ?? carrier[key.toLowerCase()];
    if (value === undefined) return undefined;
    // kafkajs gives Buffers; a repeated header arrives as an array.
    const decode = (item: string | Buffer): string => (typeof item === 'string' ? item : item.toString('utf8'));
    return Array.isArray(value) ? value.map(decode) : decode(value);
  },
};

/**
 * Writes `traceparent` (and `tracestate`, `baggage` when present) for `context` — by default
 * the active one — into `headers`, and returns them. Outside any recording span nothing is
 * written.
 */
export function injectTraceHeaders(headers: Record<string, string>, context?: Context): Record<string, string>;
export function injectTraceHeaders<H extends Record<string, string | Buffer | undefined>>(
  headers: H,
  context?: Context,
): H;
export function injectTraceHeaders(
  headers: Record<string, string | Buffer | undefined>,
  context: Context = contextApi.active(),
): Record<string, string | Buffer | undefined> {
  propagation.inject(context, headers);
  return headers;
}

/**
 * The context carried by a message's headers, as a parent for the consumer's span:
 * `tracer.startActiveSpan('process <topic>', { kind: SpanKind.CONSUMER }, extractTraceContext(headers), …)`.
 */
export function extractTraceContext(
  headers: IncomingHeaders | undefined,
  base: Context = contextApi.active(),
): Context {
  if (headers === undefined) return base;
  try {
    return propagation.extract(base, headers, headerGetter);
  } catch {
    return base;
  }
}

let cachedTracer: { provider: TracerProvider; tracer: Tracer } | undefined;

/**
 * The tracer for Flowline's own spans; a no-op tracer until `startTelemetry` ran. Kept per
 * global provider: asking the provider builds a key and looks it up, twice per consumed
 * event. A tracer taken before the SDK started is a proxy that finds the SDK's tracer once
 * it is registered; a provider replaced later (`trace.disable()`, then a new one) is asked again.
 */
export function getTracer(): Tracer {
  const provider = trace.getTracerProvider();
  if (cachedTracer?.provider !== provider)
    cachedTracer = { provider, tracer: provider.getTracer(FLOWLINE_TRACER_NAME) };
  return cachedTracer.tracer;
}
