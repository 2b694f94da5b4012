import { RuleFileInvalid } from './rule-errors';
import { parseRuleFile } from './rule-file';

function issuesOf(text: string) {
  try {
    parseRuleFile(text, 'rules.yaml');
  } catch (error) {
    if (error instanceof RuleFileInvalid) return error.issues;
    throw error;
  }
  throw new Error('the file was accepted');
}

const valid = `
mode: first-match
rules:
  - name: invoices
    description: invoices to the invoice agent
    match:
      type: invoice.received
      source: [/email-agent, /document-agent]
      data:
        total.amountMinor: { gte: 100, lt: "1000000.5" }
        total.currency: EUR
        number: { regex: "^INV-" }
        status: { in: [open, due] }
        note: { exists: false }
    transform:
      pick: [number, total]
      rename: { number: invoiceNumber }
      set: { routed: true }
    targets: [invoice]
  - name: github
    match: { type: github.** }
    targets: [document, sync]
`;

describe('parseRuleFile', () => {
  it('reads a valid file into compiled rules', () => {
    const ruleSet = parseRuleFile(valid);
    expect(ruleSet.mode).toBe('first-match');
    expect(ruleSet.rules.map((rule) => rule.name)).toEqual(['invoices', 'github']);
    const [invoices] = ruleSet.rules;
    expect(invoices?.match.type?.map((pattern) => pattern.text)).toEqual(['invoice.received']);
    expect(invoices?.match.source?.map((pattern) => pattern.text)).toEqual(['/email-agent', '/document-agent']);
    expect(invoices?.match.data.map((condition) => condition.path)).toEqual([
      'total.amountMinor',
      'total.currency',
      'number',
      'status',
      'note',
    ]);
    expect(invoices?.transform?.spec).toEqual({
      pick: ['number', 'total'],
      rename: { number: 'invoiceNumber' },
      set: { routed: true },
    });
    expect(ruleSet.rules[1]?.targets).toEqual(['document', 'sync']);
  });

  it('names the path and line of a bad data condition', () => {
    const text = `mode: all-match
rules:
  - { name: a, match: {}, targets: [email] }
  - { name: b, match: {}, targets: [email] }
  - { name: c, match: {}, targets: [email] }
  - name: d
    match:
      data:
        total: { gt: lots }
    targets: [invoice]
`;
    expect(issuesOf(text)).toEqual([
      {
        path: 'rules[3].match.data.total.gt',
        message: 'expected a number or a decimal string such as "12.50"',
        line: 9,
      },
    ]);
  });

  it('lists every problem at once', () => {
    const text = `
rules:
  - name: one
    match: { type: "github**", data: { amount: { more: 3 } } }
    targets: [invoice, nobody]
  - name: one
    match: { data: { title: { regex: "(" } } }
    targets: []
    extra: 1
`;
    const messages = issuesOf(text).map((issue) => `${issue.path}: ${issue.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mode: required: first-match .* or all-match/),
        expect.stringMatching(/^rules\[0\]\.match\.type: pattern "github\*\*": "\*\*" must be a whole segment/),
        expect.stringMatching(/^rules\[0\]\.match\.data\.amount: unknown operator "more": operators are eq, exists/),
        'rules[0].targets[1]: expected an agent name: invoice, email, document, sync',
        expect.stringMatching(/^rules\[1\]\.match\.data\.title\.regex: regex: Invalid regular expression/),
        'rules[1].targets: a rule needs at least one target',
        'rules[1]: Unrecognized key: "extra"',
        'rules[1].name: duplicate name: rules[0] is also "one"',
      ]),
    );
  });

  it('refuses a list where a single value is compared, and contradicting operators', () => {
    const text = `mode: first-match
rules:
  - name: a
    match: { data: { status: [open, due], note: { exists: false, eq: 1 }, empty: {} } }
    targets: [email]
`;
    expect(issuesOf(text).map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'rules[0].match.data.status: a list is ambiguous here: write { in: [...] } for "any of"',
      'rules[0].match.data.note: exists: false cannot be combined with other operators',
      'rules[0].match.data.empty: no operator: use one or more of eq, exists, gt, gte, lt, lte, regex, in',
    ]);
  });

  it('refuses bad paths, an empty transform and duplicate targets', () => {
    const text = `mode: first-match
rules:
  - name: a
    match: { data: { "total..x": 1, __proto__.x: 1 } }
    transform: {}
    targets: [email, email]
  - name: b
    match: {}
    transform: { set: { constructor: 1 } }
    targets: [sync]
`;
    expect(issuesOf(text).map((issue) => `${issue.path}: ${issue.message}`)).toEqual([
      'rules[0].match.data.total..x: data path "total..x" has an empty segment (keys are joined by single dots)',
      'rules[0].match.data.__proto__.x: data path "__proto__.x" uses the reserved key "__proto__"',
      'rules[0].transform: an empty transform: use pick, rename and/or set',
      'rules[0].targets[1]: "email" is listed twice',
      'rules[1].transform: data path "constructor" uses the reserved key "constructor"',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    const issues = issuesOf('mode: first-match\nrules:\n  - name: [unclosed\n');
    expect(issues[0]).toMatchObject({ path: '', message: expect.stringMatching(/^YAML: /) });
    expect(issues[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('refuses a duplicate key rather than keeping the last one', () => {
    expect(issuesOf('mode: first-match\nmode: all-match\nrules: []\n')[0]?.message).toMatch(/unique/i);
  });

  it('refuses an empty file and a wrong mode', () => {
    expect(issuesOf('').map((issue) => issue.path)).toEqual(['mode', 'rules']);
    expect(issuesOf('mode: any\nrules: []')).toEqual([
      { path: 'mode', message: 'expected first-match or all-match', line: 1 },
    ]);
  });

  it('names the file in the error message', () => {
    expect(() => parseRuleFile('mode: x\nrules: []', 'apps/router/rules/bad.yaml')).toThrow(
      'apps/router/rules/bad.yaml: invalid rule file: mode: expected first-match or all-match (line 1)',
    );
  });
});
