/**
 * Starts the OpenTelemetry Node SDK; call it before anything else loads. Traces are
 * exported over OTLP/HTTP only when an endpoint is configured (OTEL_EXPORTER_OTLP_ENDPOINT);
 * without one, spans are still recorded — trace ids in logs, context over Kafka headers —
 * but exported nowhere, so a local run needs no collector and logs no export failures.
 */
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { BatchSpanProcessor, NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Telemetry {
  shutdown(): Promise<void>;
}

export interface TelemetryOptions {
  service: string;
  /** OTLP/HTTP base URL, e.g. http://otel-collector:4318. */
  otlpEndpoint?: string | undefined;
}

export function startTelemetry(options: TelemetryOptions): Telemetry {
  const spanProcessor =
    options.otlpEndpoint === undefined
      ? new NoopSpanProcessor()
      : new BatchSpanProcessor(new OTLPTraceExporter({ url: new URL('/v1/traces', options.otlpEndpoint).toString() }));
  const sdk = new NodeSDK({
    serviceName: options.service,
    spanProcessors: [spanProcessor],
    // Logs go to stdout through pino; the SDK must not pick an exporter from the environment.
    logRecordProcessors: [],
    instrumentations: [],
  });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
