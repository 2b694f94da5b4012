import { trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { getTracer } from './trace-propagation';

describe('getTracer', () => {
  afterEach(() => trace.disable());

  it('gives a tracer that records once a provider is registered, even when first asked before', () => {
    expect(getTracer().startSpan('before').isRecording()).toBe(false);
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    getTracer().startSpan('after').end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['after']);
  });

  it('follows a provider that replaced the one it was taken from', () => {
    const first = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(first)] }));
    getTracer().startSpan('one').end();
    trace.disable();
    const second = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(second)] }));
    getTracer().startSpan('two').end();
    expect(first.getFinishedSpans().map((span) => span.name)).toEqual(['one']);
    expect(second.getFinishedSpans().map((span) => span.name)).toEqual(['two']);
  });
});
