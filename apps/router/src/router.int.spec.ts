import { mkdtemp, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AGENT_NAMES, createEvent, FlowlineEvent, topicNames } from '@flowline/event-schemas';
import { startServiceUnderTest, ServiceUnderTest, waitFor } from '@flowline/testing';
import { router } from './service';

const outputs = (prefix: string) => {
  const topics = topicNames(prefix);
  return [
    ...AGENT_NAMES.map((agent) => topics.agent(agent)),
    topics.unrouted,
    topics.deadLetter(topics.ingressWebhook),
  ];
};

const webhook = (payload: Record<string, unknown> = {}) =>
  createEvent('webhook.received', { source: 'sample', payload }, { source: '/test' });

const invoiceReceived = () =>
  createEvent(
    'invoice.received',
    {
      document: { location: 's3://mail/inv.pdf', mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) },
      receivedVia: 'email',
    },
    { source: '/email-agent' },
  );

/** The value of one sample of a metric on /metrics, 0 when it has none yet. */
async function metricValue(running: ServiceUnderTest, name: string, labels: string): Promise<number> {
  const text = await (await fetch(running.url('/metrics'))).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? 0 : Number(line.split(' ').at(-1));
}

describe('router with the default rules (in process, real broker)', () => {
  let running: ServiceUnderTest;

  beforeAll(async () => {
    running = await startServiceUnderTest(router, { outputs });
  });
  afterAll(() => running?.stop());

  it('forwards a received webhook unchanged to the document agent, keeping its id and key', async () => {
    const topics = topicNames(running.prefix);
    const event = webhook({ n: 1 });
    await running.publish(topics.ingressWebhook, event);
    const forwarded = await running.probe!.waitFor((m) => m.event?.id === event.id);
    expect(forwarded.topic).toBe(topics.agent('document'));
    expect(forwarded.key).toBe(event.partitionkey);
    expect(forwarded.event).toMatchObject({
      type: 'webhook.received',
      correlationid: event.id,
      data: { payload: { n: 1 } },
    });
  });

  it('sends an ingress event no rule matches to events.unrouted', async () => {
    const topics = topicNames(running.prefix);
    const event = createEvent('document.processed', { kind: 'text', text: 'x', metadata: {} }, { source: '/test' });
    await running.publish(topics.ingressFile, event);
    const unrouted = await running.probe!.waitFor((m) => m.event?.id === event.id);
    expect(unrouted.topic).toBe(topics.unrouted);
  });

  it('routes a domain event (invoice.received on events.domain) to its agent, and drops a domain event no rule matches', async () => {
    const topics = topicNames(running.prefix);
    const result = createEvent(
      'document.processed',
      { kind: 'text', text: 'x', metadata: {} },
      { source: '/document-agent', partitionKey: 'same-partition' },
    );
    const invoice = { ...invoiceReceived(), partitionkey: 'same-partition' } as FlowlineEvent;
    // Same key, same partition: once the invoice is routed, the result before it was handled too.
    await running.publish(topics.domainEvents, result, invoice);
    const routed = await running.probe!.waitFor((m) => m.event?.id === invoice.id);
    expect(routed.topic).toBe(topics.agent('invoice'));
    expect(running.probe!.messages.filter((m) => m.event?.id === result.id)).toEqual([]);
    await waitFor(
      async () => (await metricValue(running, 'flowline_router_unmatched_total', 'outcome="dropped"')) === 1,
      { description: 'the dropped domain event counted' },
    );
    expect(await metricValue(running, 'flowline_router_routed_total', 'rule="invoices",target="invoice"')).toBe(1);
  });

  it('dead-letters an event whose data does not fit its schema, with the reason', async () => {
    const topics = topicNames(running.prefix);
    const invalid = { ...webhook(), data: { payload: 1 } } as unknown as FlowlineEvent; // `source` is missing
    await running.publish(topics.ingressWebhook, invalid);
    const dead = await running.probe!.waitFor((m) => m.headers['ce_id'] === invalid.id);
    expect(dead.topic).toBe(topics.deadLetter(topics.ingressWebhook));
    expect(dead.headers['flowline-dlq-error-class']).toBe('EventDataInvalid');
    expect(dead.headers['flowline-dlq-reason']).toMatch(/source/);
  });
});

describe('router rule reloads (in process, real broker)', () => {
  async function ruleFile(text: string): Promise<string> {
    const directory = await mkdtemp(join(tmpdir(), 'router-rules-'));
    const file = join(directory, 'rules.yaml');
    await writeFile(file, text);
    return file;
  }

  /** As an editor or kubectl does: write a new file beside it, then rename it over the old one. */
  async function replace(file: string, text: string): Promise<void> {
    await writeFile(`${file}.new`, text);
    await rename(`${file}.new`, file);
  }

  const rulesTo = (target: string, extra = '') =>
    `mode: first-match\nrules:\n  - { name: to-${target}, match: { type: webhook.received }, targets: [${target}]${extra} }\n`;

  async function routedTo(running: ServiceUnderTest, event: FlowlineEvent): Promise<string> {
    await running.publish(topicNames(running.prefix).ingressWebhook, event);
    return (await running.probe!.waitFor((m) => m.event?.id === event.id)).topic;
  }

  it('routes by the new rules once the file changed; keeps the old ones when the new file is invalid', async () => {
    const file = await ruleFile(rulesTo('document'));
    const running = await startServiceUnderTest(router, {
      outputs,
      env: { ROUTER_RULES_FILE: file, ROUTER_RULES_RELOAD_DEBOUNCE_MS: '50' },
    });
    try {
      const topics = topicNames(running.prefix);
      expect(await routedTo(running, webhook())).toBe(topics.agent('document'));

      await replace(file, rulesTo('sync', ', transform: { set: { payload.routedBy: router } }'));
      await running.waitForLog((line) => line['msg'] === 'routing rules reloaded');
      const transformed = webhook({ n: 2 });
      await running.publish(topics.ingressWebhook, transformed);
      const sent = await running.probe!.waitFor((m) => m.event?.id === transformed.id);
      expect(sent.topic).toBe(topics.agent('sync'));
      // The same event (id, attributes, key) with the transformed data.
      expect(sent.key).toBe(transformed.partitionkey);
      expect(sent.event).toEqual({ ...transformed, data: { source: 'sample', payload: { n: 2, routedBy: 'router' } } });

      await writeFile(
        file,
        'mode: first-match\nrules:\n  - { name: broken, match: { type: webhook.received }, targets: [nobody] }\n',
      );
      const rejected = await running.waitForLog((line) => String(line['msg']).startsWith('rule file rejected'));
      expect(rejected).toMatchObject({ level: 'error', file, code: 'RULE_FILE_INVALID' });
      expect(rejected['msg']).toContain(`${file}: invalid rule file: rules[0].targets[0]: expected an agent name`);
      expect(await metricValue(running, 'flowline_router_rule_reloads_total', 'outcome="failed"')).toBe(1);
      expect(await metricValue(running, 'flowline_router_rule_reloads_total', 'outcome="ok"')).toBe(1);
      expect(await metricValue(running, 'flowline_router_rules_loaded', '')).toBe(1);
      expect(await routedTo(running, webhook())).toBe(topics.agent('sync'));
    } finally {
      await running.stop();
    }
  });

  it('reloads on request (what SIGHUP does) without waiting for the file watch', async () => {
    const file = await ruleFile(rulesTo('document'));
    const running = await startServiceUnderTest(router, {
      outputs,
      // The watch would wait an hour: only the explicit reload can pick up the change.
      env: { ROUTER_RULES_FILE: file, ROUTER_RULES_RELOAD_DEBOUNCE_MS: '3600000' },
    });
    try {
      const topics = topicNames(running.prefix);
      await writeFile(file, rulesTo('email'));
      expect(running.service.reload).toBeDefined();
      await running.service.reload!();
      expect(await routedTo(running, webhook())).toBe(topics.agent('email'));
    } finally {
      await running.stop();
    }
  });

  it('refuses to start with an invalid rule file, naming the file and the problem', async () => {
    const file = await ruleFile('mode: sometimes\nrules: []\n');
    await expect(startServiceUnderTest(router, { env: { ROUTER_RULES_FILE: file } })).rejects.toThrow(
      `${file}: invalid rule file: mode: expected first-match or all-match (line 1)`,
    );
  });
});
