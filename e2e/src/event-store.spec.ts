/**
 * The event store and the on-call toolkit, end to end on real Kafka and PostgreSQL:
 * real services (gateway → router → document-agent) and the event archiver as processes,
 * a downstream stage that dead-letters the document.processed event, then the `flowline`
 * CLI as a process: `trace` shows the tree with the failed node and its reason, `dlq
 * redrive` brings it through. Separately, the archiver SIGKILLed mid-stream and restarted
 * leaves no gap and no duplicate row.
 */
import pg from 'pg';
import { createEvent, encodeEvent, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { MessagingClient, NonRetryableError } from '@flowline/messaging';
import { createLogger } from '@flowline/telemetry';
import { createScratchDatabase, ScratchDatabase, testInfra, uniqueTopicPrefix, waitFor } from '@flowline/testing';
import { runFlowline, TraceNodeJson, traceNodes } from './flowline-command';
import { ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

const logger = createLogger({ service: 'e2e-event-store', level: 'silent' });

describe('event store, trace and redrive', () => {
  const { KAFKA_BROKERS, DATABASE_URL } = testInfra();
  let database: ScratchDatabase;
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    database = await createScratchDatabase(DATABASE_URL, 'e2e_store');
  });
  afterAll(async () => {
    await Promise.all(services.map((service) => terminate(service)));
    await database.drop();
  });

  it('traces a chain across three topics to the dead-lettered node with its reason, and redrive brings it through', async () => {
    const prefix = uniqueTopicPrefix('store');
    const topics = topicNames(prefix);
    const env = { KAFKA_BROKERS, DATABASE_URL: database.url, FLOWLINE_TOPIC_PREFIX: prefix };
    services.push(
      ...(await Promise.all(
        ['event-archiver', 'webhook-gateway', 'router', 'document-agent'].map((app) => spawnService(app, env)),
      )),
    );
    await Promise.all(services.map((service) => waitUntilReady(service)));

    // A downstream stage (a real consumer on the real broker) that cannot handle documents until it is fixed.
    const messaging = new MessagingClient({ brokers: KAFKA_BROKERS.split(','), clientId: 'e2e-downstream', logger });
    const publisher = messaging.createPublisher();
    await publisher.start();
    let fixed = false;
    const downstream = messaging.createConsumer({
      groupId: `${prefix}downstream`,
      topics: [topics.domainEvents],
      publisher,
      handle(event, context) {
        if (event.type !== 'document.processed') return Promise.resolve();
        if (!fixed) return Promise.reject(new NonRetryableError('target system rejected the document: vendor unknown'));
        context.publish(
          topics.domainEvents,
          createEvent(
            'sync.completed',
            {
              target: { system: 'erp' },
              operation: 'create',
              entity: { type: 'document', key: event.id },
              result: { status: 'applied' },
            },
            { source: '/e2e-downstream', causedBy: event },
          ),
        );
        return Promise.resolve();
      },
    });
    await downstream.start();
    try {
      const gateway = services[1] as ServiceProcess;
      const response = await fetch(gateway.url('/webhooks/sample'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"invoice":"INV-7"}',
      });
      expect(response.status).toBe(202);
      const { id } = (await response.json()) as { id: string };

      const trace = (): Promise<TraceNodeJson[]> => traceNodes(id, env);
      const failed = await waitFor(
        async () => {
          const nodes = await trace();
          const document = nodes.find((node) => node.type === 'document.processed');
          return document?.status === 'dead-lettered' ? nodes : undefined;
        },
        { description: 'a trace with the dead-lettered document.processed', timeoutMs: 60_000, intervalMs: 1_000 },
      );
      const root = failed.find((node) => node.id === id);
      expect(root?.type).toBe('webhook.received');
      expect(root?.appearances.map((appearance) => appearance.topic).sort()).toEqual(
        [topics.agent('document'), topics.ingressWebhook].sort(),
      );
      const document = failed.find((node) => node.type === 'document.processed') as TraceNodeJson;
      expect(root?.children.map((child) => child.id)).toEqual([document.id]);
      expect(document.deadLetter?.reason).toBe('target system rejected the document: vendor unknown');
      expect(document.appearances.map((appearance) => appearance.topic).sort()).toEqual(
        [topics.domainEvents, topics.deadLetter(topics.domainEvents)].sort(),
      );

      // What an on-call engineer reads: the tree in text, with the reason where it stopped.
      const text = await runFlowline(['trace', id], env);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain('webhook.received');
      expect(text.stdout).toContain('vendor unknown');

      const listed = await runFlowline(['dlq', 'list', topics.domainEvents], env);
      expect(listed.code).toBe(0);
      expect(listed.stdout).toContain(document.id);

      fixed = true;
      const redriven = await runFlowline(['dlq', 'redrive', topics.domainEvents, '--id', document.id], env);
      expect(redriven).toMatchObject({ code: 0 });

      const through = await waitFor(
        async () => {
          const nodes = await trace();
          return nodes.some((node) => node.type === 'sync.completed') &&
            nodes.some((node) => node.status === 'redriven')
            ? nodes
            : undefined;
        },
        {
          description: 'the redriven document and the sync it caused in the trace',
          timeoutMs: 60_000,
          intervalMs: 1_000,
        },
      );
      const redrivenDocument = through.find((node) => node.id === document.id) as TraceNodeJson;
      expect(redrivenDocument.status).toBe('redriven');
      expect(redrivenDocument.children.map((child) => child.type)).toEqual(['sync.completed']);

      // A second redrive of the same record does nothing: it is marked in the store.
      const again = await runFlowline(['dlq', 'redrive', topics.domainEvents, '--id', document.id], env);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/redriven 0 dead letters from .*, 1 skipped \(already redriven\)/);
    } finally {
      await downstream.stop();
      await publisher.stop();
    }
  });

  it('loses no record and doubles none when the archiver is SIGKILLed mid-stream and restarted', async () => {
    const prefix = uniqueTopicPrefix('archiver-crash');
    const topics = topicNames(prefix);
    const crashDatabase = await createScratchDatabase(DATABASE_URL, 'e2e_crash');
    const env = {
      KAFKA_BROKERS,
      DATABASE_URL: crashDatabase.url,
      FLOWLINE_TOPIC_PREFIX: prefix,
      ARCHIVER_MAX_BATCH_RECORDS: '100',
      ARCHIVER_SESSION_TIMEOUT_MS: '6000',
    };
    const messaging = new MessagingClient({
      brokers: KAFKA_BROKERS.split(','),
      clientId: 'e2e-archiver-crash',
      logger,
    });
    await messaging.ensureTopics([{ name: topics.ingressWebhook, partitions: 3 }]);
    const publisher = messaging.createPublisher();
    await publisher.start();
    const total = 20_000;
    const events: FlowlineEvent[] = Array.from({ length: total }, (_, index) =>
      createEvent(
        'webhook.received',
        { source: 'crash-test', payload: { index } },
        { source: '/e2e', partitionKey: `k${index % 13}` },
      ),
    );
    await Promise.all(
      events.map((event) => publisher.publishRecord(topics.ingressWebhook, encodeEvent(event), event.type, event.id)),
    );
    await publisher.stop();

    const pool = new pg.Pool({ connectionString: crashDatabase.url });
    const rows = async (): Promise<number> => {
      try {
        const result = await pool.query<{ count: string }>('SELECT count(*) FROM event_store.events WHERE topic = $1', [
          topics.ingressWebhook,
        ]);
        return Number(result.rows[0]?.count ?? 0);
      } catch {
        return 0; // the archiver has not created the schema yet
      }
    };
    try {
      const first = await spawnService('event-archiver', env);
      await waitFor(async () => (await rows()) > 0, {
        description: 'the first rows stored',
        timeoutMs: 60_000,
        intervalMs: 20,
      });
      first.signal('SIGKILL');
      expect(await first.exited).toBeNull();
      const storedAtCrash = await rows();
      expect(storedAtCrash).toBeLessThan(total);

      const second = await spawnService('event-archiver', env);
      services.push(second);
      await waitFor(async () => (await rows()) >= total, {
        description: `all ${total} records stored after the restart`,
        timeoutMs: 90_000,
        intervalMs: 500,
      }).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; the restarted archiver said:\n${second.output().slice(-4_000)}`);
      });
      expect(await terminate(second)).toBe(0);

      const { rows: check } = await pool.query<{ rows: string; distinct_offsets: string; ids: string; gaps: string }>(
        `SELECT count(*) AS rows,
                count(DISTINCT (partition, "offset")) AS distinct_offsets,
                count(DISTINCT id) AS ids,
                (SELECT count(*) FROM (SELECT partition, max("offset") - min("offset") + 1 - count(*) AS missing
                   FROM event_store.events WHERE topic = $1 GROUP BY partition) p WHERE missing <> 0) AS gaps
           FROM event_store.events WHERE topic = $1`,
        [topics.ingressWebhook],
      );
      expect(check[0]).toEqual({ rows: String(total), distinct_offsets: String(total), ids: String(total), gaps: '0' });
    } finally {
      await pool.end();
      await crashDatabase.drop();
    }
  });
});
