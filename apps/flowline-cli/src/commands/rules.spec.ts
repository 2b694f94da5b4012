import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CliDependencies, runCli } from '../cli';
import { NOW } from '../test-fixtures/cli-context';
import { parseStructuredEvent } from './rules';

const DEFAULT_RULES = resolve(__dirname, '../../../router/rules/default.yaml');
const directory = mkdtempSync(join(tmpdir(), 'flowline-rules-'));
let files = 0;

function file(name: string, text: string): string {
  files += 1;
  const path = join(directory, `${files}-${name}`);
  writeFileSync(path, text);
  return path;
}

/** Runs `flowline <argv>` as the process would, minus the process: files only, nothing connects. */
async function flowline(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  let connected = 0;
  const dependencies: CliDependencies = {
    env: {},
    connect: () => {
      connected += 1;
      throw new Error('rules commands must not connect');
    },
    signal: new AbortController().signal,
    now: () => NOW,
  };
  const code = await runCli(argv, { out: (t) => out.push(t), err: (t) => err.push(t) }, dependencies);
  return { code, out: out.join(''), err: err.join(''), connected };
}

const event = (attributes: Record<string, unknown>) =>
  file('event.json', JSON.stringify({ specversion: '1.0', id: 'e1', source: '/test', ...attributes }));

const twoRules = `
mode: all-match
rules:
  - name: pushes
    match: { type: github.**, data: { ref: { regex: "^refs/heads/" } } }
    transform: { pick: [ref, repository.full_name], rename: { repository.full_name: repo } }
    targets: [sync]
  - name: all-github
    match: { source: /webhook-gateway/github }
    targets: [document, sync]
`;

describe('flowline rules check', () => {
  it('exits 0 with a summary of a valid file (the router default rules)', async () => {
    const result = await flowline('rules', 'check', DEFAULT_RULES);
    expect(result).toMatchObject({ code: 0, err: '', connected: 0 });
    expect(result.out).toBe(
      `${DEFAULT_RULES}: valid, first-match, 5 rules, targets document, email, invoice, sync\n` +
        '  indexed: 5 exact types, 0 glob rules by first segment, 0 tried for every event\n',
    );
  });

  it('exits 1 listing every problem with its path and line', async () => {
    const bad = file(
      'bad.yaml',
      `mode: first-match
rules:
  - name: a
    match: { data: { total: { gt: lots } } }
    targets: [invoice, nobody]
`,
    );
    const result = await flowline('rules', 'check', bad);
    expect(result.code).toBe(1);
    expect(result.out).toBe('');
    expect(result.err).toBe(
      `${bad}: 2 problems:\n` +
        '  rules[0].match.data.total.gt: expected a number or a decimal string such as "12.50" (line 4)\n' +
        '  rules[0].targets[1]: expected an agent name: invoice, email, document, sync (line 5)\n' +
        `flowline: RULE_FILE_INVALID: ${bad} is not a valid rule file (2 problems, listed above)\n`,
    );
  });

  it('exits 1 naming a file that cannot be read', async () => {
    const result = await flowline('rules', 'check', join(directory, 'missing.yaml'));
    expect(result.code).toBe(1);
    expect(result.err).toMatch(/^flowline: RULE_FILE_UNREADABLE: .*missing\.yaml: cannot read the rule file: ENOENT/);
  });

  it('exits 2 without a file argument', async () => {
    expect(await flowline('rules', 'check')).toMatchObject({
      code: 2,
      err: expect.stringContaining("missing required argument 'file'"),
    });
  });
});

describe('flowline rules test', () => {
  it('prints each target with the rule that sent the event there, and transformed data', async () => {
    const rules = file('rules.yaml', twoRules);
    const push = event({
      type: 'github.push',
      source: '/webhook-gateway/github',
      data: { ref: 'refs/heads/main', repository: { full_name: 'acme/app', private: true } },
    });
    const result = await flowline('rules', 'test', rules, push);
    expect(result).toMatchObject({ code: 0, err: '' });
    expect(result.out).toBe(
      'github.push from /webhook-gateway/github (all-match, 2 rules)\n' +
        '  → sync      by rule "pushes", data transformed to {"ref":"refs/heads/main","repo":"acme/app"}\n' +
        '  → document  by rule "all-github"\n' +
        'matched: pushes, all-github\n',
    );
  });

  it('says "unrouted" when no rule matches', async () => {
    const result = await flowline('rules', 'test', DEFAULT_RULES, event({ type: 'document.processed', data: {} }));
    expect(result.code).toBe(0);
    expect(result.out).toContain('unrouted: no rule matches');
  });

  it('prints the decision as JSON with --json', async () => {
    const result = await flowline(
      'rules',
      'test',
      '--json',
      DEFAULT_RULES,
      event({ type: 'invoice.received', data: {} }),
    );
    expect(JSON.parse(result.out)).toEqual({
      matched: ['invoices'],
      routes: [{ target: 'invoice', rule: 'invoices' }],
      unrouted: false,
    });
  });

  it('shows that an event whose data a transform cannot take would be dead-lettered', async () => {
    const rules = file('rules.yaml', twoRules);
    const form = event({
      type: 'github.push',
      source: '/x',
      datacontenttype: 'application/x-www-form-urlencoded',
      data_base64: 'YT0x',
    });
    const result = await flowline('rules', 'test', rules, form);
    expect(result.code).toBe(0);
    // Form bytes have no `ref` field: the regex condition does not match, so no transform runs.
    expect(result.out).toContain('unrouted');
    const everything = file(
      'rules.yaml',
      'mode: first-match\nrules:\n  - { name: slim, match: {}, transform: { pick: [a] }, targets: [sync] }\n',
    );
    const dead = await flowline('rules', 'test', everything, form);
    expect(dead.out).toBe(
      'dead-lettered (<input topic>.dlq): the transform of rule "slim" cannot be applied: the event\'s data is opaque bytes (a non-JSON body), not a JSON object\n',
    );
  });

  it('exits 2 for an event file that is not a CloudEvent, 1 for one that is missing', async () => {
    const notJson = file('event.json', '{ nope');
    expect(await flowline('rules', 'test', DEFAULT_RULES, notJson)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/^flowline: USAGE: .*event\.json is not JSON: /),
    });
    const noType = event({ data: {} });
    expect((await flowline('rules', 'test', DEFAULT_RULES, noType)).err).toContain(
      'attribute "type" is missing or not a string',
    );
    const missing = await flowline('rules', 'test', DEFAULT_RULES, join(directory, 'none.json'));
    expect(missing).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^flowline: NOT_FOUND: cannot read the event file /),
    });
  });
});

describe('parseStructuredEvent', () => {
  it('reads attributes, JSON data and base64 data', () => {
    expect(parseStructuredEvent('{"type":"a.b","source":"/s","subject":"t","data":{"x":1}}', 'e.json')).toEqual({
      type: 'a.b',
      source: '/s',
      subject: 't',
      data: { x: 1 },
    });
    expect(parseStructuredEvent('{"type":"a.b","source":"/s","data_base64":"aGk="}', 'e.json').data).toEqual(
      Buffer.from('hi'),
    );
    expect(parseStructuredEvent('{"type":"a.b","source":"/s"}', 'e.json').data).toBeNull();
  });
});
