/**
 * Every service, run as its own process against the real broker, shows the operator face
 * docs/architecture.md ("Services' outside faces") promises: /healthz, /readyz, Prometheus
 * /metrics, a clean exit 0 on SIGTERM, and a non-zero exit naming the key when its
 * configuration is bad.
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { testInfra, uniqueTopicPrefix } from '@flowline/testing';
import { REPO_ROOT, spawnService, terminate, waitUntilReady } from './service-process';

const SERVICES = readdirSync(join(REPO_ROOT, 'apps')).filter(
  (app) => app !== 'flowline-cli' && existsSync(join(REPO_ROOT, 'apps', app, 'src', 'main.ts')),
);

describe('every service', () => {
  it('is found in apps/ (all ten of the layout)', () => {
    expect(SERVICES.sort()).toEqual([
      'cdc-listener',
      'document-agent',
      'email-agent',
      'event-archiver',
      'file-watcher',
      'invoice-agent',
      'notifier',
      'router',
      'sync-agent',
      'webhook-gateway',
    ]);
  });

  it.each(SERVICES)('%s serves /healthz, /readyz and /metrics, then drains and exits 0 on SIGTERM', async (app) => {
    const { KAFKA_BROKERS } = testInfra();
    const service = await spawnService(app, { KAFKA_BROKERS, FLOWLINE_TOPIC_PREFIX: uniqueTopicPrefix(app) });
    try {
      await waitUntilReady(service);
      const health = await fetch(service.url('/healthz'));
      expect(health.status).toBe(200);
      const ready = (await (await fetch(service.url('/readyz'))).json()) as { checks: { name: string; ok: boolean }[] };
      expect(ready.checks.map((check) => check.name)).toContain('kafka-cluster');
      const metrics = await fetch(service.url('/metrics'));
      expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);
      const body = await metrics.text();
      expect(body).toMatch(new RegExp(`^flowline_process_cpu_seconds_total\\{[^}]*service="${app}"`, 'm'));
      expect(body).toContain('flowline_http_request_duration_seconds_bucket');
    } finally {
      const code = await terminate(service);
      expect({ app, code, output: code === 0 ? '' : service.output() }).toEqual({ app, code: 0, output: '' });
    }
    const lines = service.output().trim().split('\n');
    expect(lines.filter((line) => !line.startsWith('{'))).toEqual([]);
    expect(lines.map((line) => (JSON.parse(line) as { msg?: string }).msg)).toContain('stopped');
  });

  it.each(SERVICES)('%s exits non-zero and names the key when PORT=abc', async (app) => {
    const service = await spawnService(app, { PORT: 'abc' });
    const code = await service.exited;
    expect(code).not.toBe(0);
    expect(service.output()).toContain('PORT');
    expect(service.output()).toContain('"abc"');
    expect(service.output()).not.toMatch(/\n\s+at /); // a message, not a stack trace
  });
});
