import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { core } from '@opentelemetry/sdk-node';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { startTelemetry } from './start-telemetry';
import { getTracer } from './trace-propagation';

const REPO_ROOT = resolve(__dirname, '../../..');

/** Runs a CommonJS script in a fresh Node process (sources through tsx) and parses its last line. */
async function runInNode<T>(script: string): Promise<T> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=flowline-source', '--import', 'tsx', '-e', script],
    {
      cwd: REPO_ROOT,
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? 'null') as T;
}

/** Keeps what it was given even after shutdown (an InMemorySpanExporter forgets). */
class RecordingExporter implements SpanExporter {
  readonly names: string[] = [];
  export(spans: ReadableSpan[], done: (result: { code: core.ExportResultCode }) => void): void {
    this.names.push(...spans.map((span) => span.name));
    done({ code: core.ExportResultCode.SUCCESS });
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

describe('startTelemetry', () => {
  it('can be called again in the same process: no throw, no second registration, each caller’s exporter sees each span once', async () => {
    const first = new RecordingExporter();
    const second = new RecordingExporter();
    const a = startTelemetry({ service: 'first', spanExporter: first });
    const b = startTelemetry({ service: 'second', spanExporter: second });

    getTracer().startSpan('one').end();
    await Promise.all([a.forceFlush(), b.forceFlush()]);
    expect(first.names).toEqual(['one']);
    expect(second.names).toEqual(['one']);

    await b.shutdown();
    getTracer().startSpan('two').end();
    await a.forceFlush();
    expect(first.names).toEqual(['one', 'two']);
    expect(second.names).toEqual(['one']); // detached by its shutdown
    await a.shutdown();
    await a.shutdown(); // idempotent
  });

  // The OTLP exporter loads its HTTP agent with a dynamic import, which Jest cannot run: this
  // and the next test run in a real Node process, as a service does.
  it('exports each span once to an OTLP endpoint named by two callers, until the last one shuts down', async () => {
    const result = await runInNode<{ afterFirstFlush: string[]; atEnd: string[] }>(`
      const { createServer } = require('node:http');
      const { startTelemetry, getTracer } = require(${JSON.stringify(join(__dirname, 'index.ts'))});
      const exported = [];
      const collector = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => (body += chunk));
        request.on('end', () => {
          for (const match of body.matchAll(/"name":"(otlp-[a-z]+)"/g)) exported.push(match[1]);
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
        });
      });
      collector.listen(0, '127.0.0.1', async () => {
        const endpoint = 'http://127.0.0.1:' + collector.address().port;
        const a = startTelemetry({ service: 's', otlpEndpoint: endpoint });
        const b = startTelemetry({ service: 's', otlpEndpoint: endpoint });
        getTracer().startSpan('otlp-one').end();
        await Promise.all([a.forceFlush(), b.forceFlush()]);
        const afterFirstFlush = [...exported];
        await a.shutdown();
        getTracer().startSpan('otlp-two').end();
        await b.shutdown();
        collector.close();
        console.log(JSON.stringify({ afterFirstFlush, atEnd: exported }));
      });`);
    expect(result).toEqual({ afterFirstFlush: ['otlp-one'], atEnd: ['otlp-one', 'otlp-two'] });
  }, 30_000);

  // Instrumentations patch through Node's own require, which Jest replaces.
  it('instruments express, http and pg when they load after it, and leaves kafkajs alone', async () => {
    const script = `
      const { InMemorySpanExporter } = require('@opentelemetry/sdk-trace-base');
      const { startTelemetry } = require(${JSON.stringify(join(__dirname, 'index.ts'))});
      const exporter = new InMemorySpanExporter();
      const telemetry = startTelemetry({ service: 'probe', spanExporter: exporter });
      const http = require('node:http');
      const express = require('express');
      const pg = require('pg');
      const { Kafka } = require('kafkajs');
      const app = express();
      app.get('/orders/:id', (_req, res) => res.send('ok'));
      app.get('/healthz', (_req, res) => res.send('ok'));
      const server = app.listen(0, '127.0.0.1', async () => {
        const get = (path) => new Promise((done) => http.get('http://127.0.0.1:' + server.address().port + path, (r) => { r.resume(); r.on('end', done); }));
        await get('/orders/7');
        await get('/healthz');
        server.close();
        await telemetry.forceFlush();
        console.log(JSON.stringify({
          spans: exporter.getFinishedSpans().map((span) => span.name),
          pg: Boolean(pg.Client.prototype.query.__wrapped),
          kafkajs: Boolean(Kafka.prototype.producer.__wrapped),
        }));
      });`;
    const result = await runInNode<{ spans: string[]; pg: boolean; kafkajs: boolean }>(script);
    expect(result.spans).toEqual(expect.arrayContaining(['GET /orders/:id', 'GET']));
    expect(result.spans.some((name) => name.includes('healthz'))).toBe(false);
    expect(result.spans.length).toBeGreaterThan(2); // express's own handler spans
    expect(result.pg).toBe(true);
    expect(result.kafkajs).toBe(false);
  }, 30_000);
});
