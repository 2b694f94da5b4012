/**
 * The router as a real process: SIGKILLed while it forwards and restarted, it neither loses
 * nor duplicates a forward — its forwards and input offsets commit in one Kafka transaction,
 * and the restarted process's producer fences the dead one's open transaction (aborted, so a
 * read_committed reader never sees its records). And SIGHUP reloads its rule file.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { createEvent, encodeEvent, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { testInfra, TopicProbe, uniqueTopicPrefix, waitFor } from '@flowline/testing';
import { ServiceProcess, spawnService, terminate, waitUntilReady } from './service-process';

const { KAFKA_BROKERS } = testInfra();
const kafka = new Kafka({
  clientId: 'router-crash-test',
  brokers: KAFKA_BROKERS.split(','),
  logLevel: logLevel.NOTHING,
});

async function ruleFile(text: string): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'router-crash-')), 'rules.yaml');
  await writeFile(file, text);
  return file;
}

function routerEnv(prefix: string, rules: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    KAFKA_BROKERS,
    FLOWLINE_TOPIC_PREFIX: prefix,
    ROUTER_RULES_FILE: rules,
    // A killed router's partitions move to the restarted one after this, not after 30 s.
    ROUTER_SESSION_TIMEOUT_MS: '6000',
    LOG_LEVEL: 'warn',
    ...extra,
  };
}

async function startRouter(env: Record<string, string>): Promise<ServiceProcess> {
  const router = await spawnService('router', env);
  await waitUntilReady(router);
  return router;
}

async function createTopics(names: readonly string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ waitForLeaders: true, topics: names.map((topic) => ({ topic, numPartitions: 3 })) });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Appends a sentinel to every partition of the topics and waits until the (read_committed)
 * probe has read them all: it has then read every committed record before them.
 */
async function readToTheEnd(probe: TopicProbe, topics: readonly string[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const sentinels: string[] = [];
  try {
    for (const topic of topics) {
      const messages = [0, 1, 2].map((partition) => {
        const sentinel = createEvent(
          'document.processed',
          { kind: 'sentinel', text: topic, metadata: {} },
          { source: '/test' },
        );
        sentinels.push(sentinel.id);
        return { ...encodeEvent(sentinel), partition };
      });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
  const wanted = new Set(sentinels);
  await waitFor(
    () => probe.messages.filter((m) => m.event !== undefined && wanted.has(m.event.id)).length === wanted.size,
    {
      timeoutMs: 30_000,
      description: 'a sentinel in every partition of the output topics',
    },
  );
}

describe('router process', () => {
  it('SIGKILLed while forwarding and restarted, delivers every input exactly once to each of its targets', async () => {
    const prefix = uniqueTopicPrefix('router-crash');
    const topics = topicNames(prefix);
    const outputs = [topics.agent('document'), topics.agent('sync'), topics.unrouted];
    await createTopics([topics.ingressWebhook, ...outputs]);
    // Two targets for every third event: its outputs go to two topics in one transaction.
    const rules = await ruleFile(`
mode: all-match
rules:
  - { name: every-webhook, match: { type: webhook.received }, targets: [document] }
  - { name: some-to-sync, match: { type: webhook.received, data: { payload.both: true } }, targets: [sync] }
`);
    const events: FlowlineEvent[] = Array.from({ length: 5_000 }, (_, i) =>
      createEvent(
        'webhook.received',
        { source: 'crash', payload: { i, both: i % 3 === 0 } },
        { source: '/test', partitionKey: `k${i % 11}` },
      ),
    );
    const expected = new Map<string, string[]>([
      [topics.agent('document'), events.map((event) => event.id)],
      [topics.agent('sync'), events.filter((_, i) => i % 3 === 0).map((event) => event.id)],
    ]);
    const expectedTotal = [...expected.values()].reduce((sum, ids) => sum + ids.length, 0);

    const producer = kafka.producer();
    await producer.connect();
    const feed = (batch: readonly FlowlineEvent[]) =>
      producer.send({ topic: topics.ingressWebhook, acks: -1, messages: batch.map((event) => encodeEvent(event)) });
    // A backlog the router works through without a pause, killed a little way in; the last
    // events are fed only after the kill, so some outputs cannot exist yet whatever the timing.
    const backlog = events.length - 200;
    for (let fed = 0; fed < backlog; fed += 500) await feed(events.slice(fed, Math.min(fed + 500, backlog)));
    const probe = await TopicProbe.start(KAFKA_BROKERS, outputs); // read_committed (kafkajs's default)
    const env = routerEnv(prefix, rules);
    let router = await startRouter(env);
    try {
      await waitFor(() => probe.messages.length >= 300, { timeoutMs: 30_000, description: 'the router forwarding' });
      router.signal('SIGKILL');
      await router.exited;
      expect(probe.messages.length).toBeLessThan(expectedTotal);
      await feed(events.slice(backlog));

      router = await startRouter(env);
      // A deadline for a loaded CI machine (the restarted router rejoins and works off the backlog).
      await waitFor(() => probe.messages.length >= expectedTotal, {
        timeoutMs: 120_000,
        description: `${expectedTotal} forwarded events`,
      });
      expect(await terminate(router)).toBe(0);
      await readToTheEnd(probe, outputs);
    } finally {
      router.signal('SIGKILL');
      await producer.disconnect();
      await probe.stop();
    }

    const forwarded = probe.messages.filter((m) => m.event?.type === 'webhook.received');
    for (const [topic, ids] of expected) {
      const seen = forwarded.filter((m) => m.topic === topic).map((m) => m.event?.id as string);
      expect({ topic, count: seen.length, distinct: new Set(seen).size }).toEqual({
        topic,
        count: ids.length,
        distinct: ids.length,
      });
      expect(new Set(seen)).toEqual(new Set(ids));
    }
    expect(forwarded.filter((m) => m.topic === topics.unrouted)).toEqual([]);
  }, 300_000);

  it('reloads its rule file on SIGHUP', async () => {
    const prefix = uniqueTopicPrefix('router-hup');
    const topics = topicNames(prefix);
    const rulesTo = (target: string) =>
      `mode: first-match\nrules:\n  - { name: to-${target}, match: { type: webhook.received }, targets: [${target}] }\n`;
    const rules = await ruleFile(rulesTo('document'));
    // The file watch would wait an hour: only SIGHUP can make the router see the change in time.
    const router = await startRouter(
      routerEnv(prefix, rules, { ROUTER_RULES_RELOAD_DEBOUNCE_MS: '3600000', LOG_LEVEL: 'info' }),
    );
    const probe = await TopicProbe.start(KAFKA_BROKERS, [topics.agent('document'), topics.agent('email')]);
    const producer = kafka.producer();
    await producer.connect();
    try {
      await writeFile(rules, rulesTo('email'));
      router.signal('SIGHUP');
      await waitFor(() => router.output().includes('routing rules reloaded'), { description: 'the reload log line' });
      const event = createEvent('webhook.received', { source: 'hup', payload: {} }, { source: '/test' });
      await producer.send({ topic: topics.ingressWebhook, acks: -1, messages: [encodeEvent(event)] });
      const routed = await probe.waitFor((m) => m.event?.id === event.id);
      expect(routed.topic).toBe(topics.agent('email'));
      expect(await terminate(router)).toBe(0);
    } finally {
      router.signal('SIGKILL');
      await producer.disconnect();
      await probe.stop();
    }
  });
});
