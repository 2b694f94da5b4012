import { Writable } from 'node:stream';
import { trace, context } from '@opentelemetry/api';
import { BasicTracerProvider } from '@opentelemetry/sdk-trace-base';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { FlowlineError } from '@flowline/errors';
import { withLogContext } from './log-context';
import { createLogger } from './logger';

function capture(): { lines: () => Record<string, unknown>[]; stream: Writable } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return {
    stream,
    lines: () =>
      chunks
        .join('')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
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

  it('carries the correlationid and event_id bound with withLogContext on every line inside', async () => {
    const out = capture();
    const logger = createLogger({ service: 'router', destination: out.stream });
    await withLogContext({ correlationid: 'corr-1', event_id: 'evt-1' }, async () => {
      logger.info('received');
      await Promise.resolve();
      logger.warn('retrying');
    });
    logger.info('idle');
    const [received, retrying, idle] = out.lines();
    expect(received).toMatchObject({ correlationid: 'corr-1', event_id: 'evt-1', msg: 'received' });
    expect(retrying).toMatchObject({ correlationid: 'corr-1', event_id: 'evt-1', msg: 'retrying' });
    expect(idle).not.toHaveProperty('event_id');
  });

  it('never writes a secret: secret fields redacted, URL passwords masked in errors and messages', () => {
    const out = capture();
    const logger = createLogger({ service: 'router', destination: out.stream });
    const error = new Error('connect failed for postgres://flowline:p4ssw0rd@db:5432/flowline');
    logger.error({ err: error }, 'start failed');
    logger.info(
      { password: 'hunter2', options: { token: 'tok-123' }, headers: { authorization: 'Bearer abc' } },
      'connecting',
    );
    logger.info('connecting to amqp://guest:rabbit-pass@rabbitmq:5672');
    const text = out
      .lines()
      .map((line) => JSON.stringify(line))
      .join('\n');
    for (const secret of ['p4ssw0rd', 'hunter2', 'tok-123', 'Bearer abc', 'rabbit-pass'])
      expect(text).not.toContain(secret);
    expect(out.lines()[0]).toMatchObject({
      err: { message: 'connect failed for postgres://flowline:[redacted]@db:5432/flowline' },
    });
    expect(out.lines()[1]).toMatchObject({ password: '[redacted]', options: { token: '[redacted]' } });
    expect(out.lines()[2]).toMatchObject({ msg: 'connecting to amqp://guest:[redacted]@rabbitmq:5672' });
  });

  it('logs a FlowlineError with its code, its retry flag and its causes as data, secrets masked', () => {
    class StoreDown extends FlowlineError {
      readonly code = 'STORE_DOWN';
      override readonly retryable = true;
    }
    const out = capture();
    const refused = Object.assign(new Error('cannot connect to postgres://flowline:p4ssw0rd@db:5432/flowline'), {
      code: 'ECONNREFUSED',
    });
    createLogger({ service: 'archiver', destination: out.stream }).error(
      { err: new StoreDown('cannot store the batch', { cause: refused }) },
      'store failed',
    );
    expect(out.lines()[0]).toMatchObject({
      err: {
        type: 'StoreDown',
        code: 'STORE_DOWN',
        retryable: true,
        message: expect.stringContaining('cannot store the batch'),
        cause: { code: 'ECONNREFUSED', message: 'cannot connect to postgres://flowline:[redacted]@db:5432/flowline' },
      },
    });
    expect(JSON.stringify(out.lines())).not.toContain('p4ssw0rd');
  });

  it('keeps webhook signatures, credentials and cookies out of headers logged anywhere in a line', () => {
    const secrets = {
      authorization: 'Bearer tok-header',
      cookie: 'session=cookie-value',
      'x-hub-signature': 'sha1=hub0one',
      'x-hub-signature-256': 'sha256=hub0two',
      'stripe-signature': 't=1,v1=s7r1pe0value',
      'webhook-signature': 'v1,st4ndard0value',
      'svix-signature': 'v1,sv1x0value',
      'x-api-key': 'api-key-value',
      'X-Custom-Signature': 'cu5tom0value',
    };
    const out = capture();
    const logger = createLogger({ service: 'webhook-gateway', destination: out.stream });
    logger.info({ headers: { ...secrets, 'x-github-event': 'push' } }, 'request');
    logger.info({ req: { headers: secrets } }, 'request');
    logger.info({ delivery: { request: { headers: secrets } } }, 'nested');
    logger.warn({ err: Object.assign(new Error('refused'), { headers: secrets }) }, 'failed');
    const text = JSON.stringify(out.lines());
    for (const value of Object.values(secrets)) expect(text).not.toContain(value.split(/[=,]/).at(-1));
    expect(out.lines()[0]).toMatchObject({ headers: { 'x-github-event': 'push', 'stripe-signature': '[redacted]' } });
  });
});
