import { readFileSync } from 'node:fs';
import { createEvent, FlowlineEvent } from '@flowline/event-schemas';
import { compileRuleSet, parseRuleFile, TransformNotApplicable } from '@flowline/routing-rules';
import { DEFAULT_RULES_FILE } from './config';
import { emittingAgent, routeEvent } from './route-event';

const defaultRules = compileRuleSet(parseRuleFile(readFileSync(DEFAULT_RULES_FILE, 'utf8'), DEFAULT_RULES_FILE));
const rules = (text: string) => compileRuleSet(parseRuleFile(text));
const targetsOf = (event: FlowlineEvent, input: 'ingress' | 'domain' = 'ingress') =>
  routeEvent(defaultRules, event, input).outputs.map((output) => output.target);

const webhook = createEvent(
  'webhook.received',
  { source: 'sample', payload: { n: 1 } },
  { source: '/webhook-gateway/sample' },
);
const invoice = createEvent(
  'invoice.received',
  {
    document: { location: 's3://mail/inv.pdf', mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) },
    receivedVia: 'email',
  },
  { source: '/email-agent' },
);
const processed = createEvent(
  'document.processed',
  { kind: 'text', text: 'x', metadata: {} },
  { source: '/document-agent' },
);

describe('routeEvent with the default rules (apps/router/rules/default.yaml)', () => {
  it('routes the catalogue: webhook.received → document, invoice.received → invoice', () => {
    expect(targetsOf(webhook)).toEqual(['document']);
    expect(targetsOf(invoice, 'domain')).toEqual(['invoice']);
  });

  it('names the default file by type for every catalogue input', () => {
    const byType = Object.fromEntries(
      defaultRules.rules.map((rule) => [rule.match.type?.map((p) => p.text).join(','), rule.targets.join(',')]),
    );
    expect(byType).toEqual({
      'email.incoming': 'email',
      'file.uploaded': 'document',
      'invoice.received': 'invoice',
      'data.changed': 'sync',
      'webhook.received': 'document',
    });
    expect(defaultRules.mode).toBe('first-match');
  });

  it('sends an unmatched ingress event to events.unrouted, and drops an unmatched domain event', () => {
    expect(routeEvent(defaultRules, processed, 'ingress')).toEqual({
      outputs: [],
      unmatched: 'unrouted',
      loopsPrevented: [],
    });
    expect(routeEvent(defaultRules, processed, 'domain')).toEqual({
      outputs: [],
      unmatched: 'dropped',
      loopsPrevented: [],
    });
  });
});

describe('routeEvent', () => {
  it("never sends an agent's own event back to it", () => {
    const everything = rules('mode: all-match\nrules:\n  - { name: all, match: {}, targets: [document, sync] }');
    expect(routeEvent(everything, processed, 'domain')).toEqual({
      outputs: [{ target: 'sync', rule: 'all' }],
      loopsPrevented: [{ rule: 'all', target: 'document' }],
    });
    expect(emittingAgent('/document-agent')).toBe('document');
    expect(emittingAgent('/document-agent/worker-2')).toBe('document');
    expect(emittingAgent('/document-agents')).toBeUndefined();
    expect(emittingAgent('/webhook-gateway/github')).toBeUndefined();
  });

  it('gives a transformed event the same id and attributes with the new data, validated for its type', () => {
    const slim = rules(`
mode: first-match
rules:
  - name: slim
    match: { type: webhook.received }
    transform: { pick: [source, payload.n], set: { payload.routed: true } }
    targets: [document]
`);
    const [output] = routeEvent(slim, webhook, 'ingress').outputs;
    expect(output?.transformed).toEqual({ ...webhook, data: { source: 'sample', payload: { n: 1, routed: true } } });
  });

  it('refuses a transform whose result is not valid data of the type, naming the rule', () => {
    const broken = rules(`
mode: first-match
rules:
  - { name: broken, match: { type: webhook.received }, transform: { pick: [payload] }, targets: [document] }
`);
    expect(() => routeEvent(broken, webhook, 'ingress')).toThrow(TransformNotApplicable);
    expect(() => routeEvent(broken, webhook, 'ingress')).toThrow(
      /^the transform of rule "broken" cannot be applied: the transformed data is not valid webhook.received data: /,
    );
  });
});
