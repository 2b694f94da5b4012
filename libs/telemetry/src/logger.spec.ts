import { Writable } from 'node:stream';
import { trace, context } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { createLogger } from './logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return { stream, lines: () => chunks.join('').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes JSON lines with the service name and a textual level', () => {
    const out = capture();
    createLogger({ service: 'router', destination: out.stream }).info({ topic: 't' }, 'hello');
    expect(out.lines()[0]).toMatchObject({ service: 'router', level: 'info', msg: 'hello', topic: 't' });
  });

  it('stamps the active trace and span ids on lines written inside a span', () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    const tracer = new BasicTracerProvider().getTracer('test');
    const out = capture();
    const logger = createLogger({ service: 'router', destination: out.stream });
    const span = tracer.startSpan('work');
    context.with(trace.setSpan(context.active(), span), () => logger.info('inside'));
    span.end();
    expect(out.lines()[0]).toMatchObject({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
    context.disable();
  });
});
