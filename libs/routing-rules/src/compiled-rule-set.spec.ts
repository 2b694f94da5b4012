import { compileRuleSet, RoutableEvent } from './compiled-rule-set';
import { loadRuleFile } from './load-rule-file';
import { RuleFileUnreadable, TransformNotApplicable } from './rule-errors';
import { parseRuleFile } from './rule-file';

const compile = (text: string, onPredicate?: () => void) =>
  compileRuleSet(parseRuleFile(text), onPredicate === undefined ? {} : { onPredicate });

const event = (type: string, data: unknown = {}, extra: Partial<RoutableEvent> = {}): RoutableEvent => ({
  type,
  source: '/test',
  data,
  ...extra,
});

const invoiceRules = (mode: string) => `
mode: ${mode}
rules:
  - name: big-invoices
    match: { type: invoice.received, data: { total.amountMinor: { gte: 1000000 } } }
    targets: [sync]
  - name: invoices
    match: { type: invoice.* }
    targets: [invoice]
  - name: everything-to-sync
    match: { type: "**" }
    targets: [sync, document]
`;

describe('CompiledRuleSet', () => {
  it('first-match: the first matching rule in file order decides', () => {
    const rules = compile(invoiceRules('first-match'));
    expect(rules.evaluate(event('invoice.received', { total: { amountMinor: 5_000_000 } }))).toEqual({
      matched: ['big-invoices'],
      routes: [{ target: 'sync', rule: 'big-invoices' }],
    });
    expect(rules.evaluate(event('invoice.received', { total: { amountMinor: 10 } })).matched).toEqual(['invoices']);
    expect(rules.evaluate(event('file.uploaded')).matched).toEqual(['everything-to-sync']);
  });

  it('all-match: every matching rule adds its targets, each target reached once (by the first rule naming it)', () => {
    const rules = compile(invoiceRules('all-match'));
    expect(rules.evaluate(event('invoice.received', { total: { amountMinor: 5_000_000 } }))).toEqual({
      matched: ['big-invoices', 'invoices', 'everything-to-sync'],
      routes: [
        { target: 'sync', rule: 'big-invoices' },
        { target: 'invoice', rule: 'invoices' },
        { target: 'document', rule: 'everything-to-sync' },
      ],
    });
  });

  it('matches nothing: no routes', () => {
    const rules = compile(
      'mode: first-match\nrules:\n  - { name: a, match: { type: email.incoming }, targets: [email] }',
    );
    expect(rules.evaluate(event('document.processed'))).toEqual({ matched: [], routes: [] });
  });

  it('matches any type of the list, and events of types outside the catalogue', () => {
    const rules = compile(`
mode: first-match
rules:
  - { name: pushes, match: { type: [github.push, gitlab.*] }, targets: [sync] }
`);
    expect(rules.evaluate(event('github.push')).matched).toEqual(['pushes']);
    expect(rules.evaluate(event('gitlab.merge')).matched).toEqual(['pushes']);
    expect(rules.evaluate(event('github.issue')).matched).toEqual([]);
  });

  it('matches source and subject, exactly or by glob; an event without a subject fails a subject condition', () => {
    const rules = compile(`
mode: first-match
rules:
  - { name: github, match: { source: /webhook-gateway/github }, targets: [document] }
  - { name: invoices-table, match: { subject: [public.invoices, billing.*] }, targets: [sync] }
  - { name: any-gateway, match: { source: /webhook-gateway/* }, targets: [email] }
`);
    expect(rules.evaluate(event('x.y', {}, { source: '/webhook-gateway/github' })).matched).toEqual(['github']);
    expect(rules.evaluate(event('x.y', {}, { subject: 'billing.lines' })).matched).toEqual(['invoices-table']);
    expect(rules.evaluate(event('x.y', {}, { source: '/webhook-gateway/stripe' })).matched).toEqual(['any-gateway']);
    expect(rules.evaluate(event('x.y', {}, { source: '/file-watcher' })).matched).toEqual([]);
  });

  describe('data conditions', () => {
    const rules = compile(`
mode: all-match
rules:
  - { name: eq, match: { data: { currency: EUR, lines.0.sku: A-1, meta: { eq: { a: [1] } } } }, targets: [email] }
  - { name: exists, match: { data: { po: { exists: true } } }, targets: [invoice] }
  - { name: absent, match: { data: { po: { exists: false } } }, targets: [sync] }
  - { name: range, match: { data: { amount: { gt: 10, lte: "99.99" } } }, targets: [document] }
`);
    const names = (data: unknown) => rules.evaluate(event('t.t', data)).matched;

    it('tests equality of scalars and, with eq, of objects', () => {
      expect(names({ currency: 'EUR', lines: [{ sku: 'A-1' }], meta: { a: [1] }, po: 1 })).toContain('eq');
      expect(names({ currency: 'EUR', lines: [{ sku: 'A-1' }], meta: { a: [2] }, po: 1 })).not.toContain('eq');
      expect(names({ currency: 'eur', lines: [{ sku: 'A-1' }], meta: { a: [1] }, po: 1 })).not.toContain('eq');
    });

    it('tests existence: null is present, a missing key is not', () => {
      expect(names({ po: null })).toEqual(expect.arrayContaining(['exists']));
      expect(names({})).toEqual(['absent']);
      expect(names('not an object')).toEqual(['absent']);
    });

    it('compares numbers and decimal strings exactly; other values never compare', () => {
      expect(names({ po: 1, amount: 50 })).toContain('range');
      expect(names({ po: 1, amount: '99.99' })).toContain('range');
      expect(names({ po: 1, amount: '99.991' })).not.toContain('range');
      expect(names({ po: 1, amount: 10 })).not.toContain('range');
      expect(names({ po: 1, amount: 'fifty' })).not.toContain('range');
      expect(names({ po: 1, amount: null })).not.toContain('range');
    });

    it('matches regex on strings only, and in on any of the values', () => {
      const more = compile(`
mode: all-match
rules:
  - { name: regex, match: { data: { number: { regex: "^INV-\\\\d+$" } } }, targets: [invoice] }
  - { name: in, match: { data: { status: { in: [open, 3, null] } } }, targets: [sync] }
`);
      const matched = (data: unknown) => more.evaluate(event('t.t', data)).matched;
      expect(matched({ number: 'INV-42', status: 'open' })).toEqual(['regex', 'in']);
      expect(matched({ number: 'INV-4x', status: 3 })).toEqual(['in']);
      expect(matched({ number: 42, status: null })).toEqual(['in']);
      expect(matched({ status: 'closed' })).toEqual([]);
    });
  });

  describe('transforms', () => {
    const rules = compile(`
mode: all-match
rules:
  - name: slim
    match: { type: a.b }
    transform:
      pick: [number, total.amountMinor, missing]
      rename: { number: invoice.number }
      set: { routed: true, meta.by: router }
    targets: [invoice]
  - name: plain
    match: { type: a.b }
    targets: [sync]
`);

    it('picks, renames and sets on a copy; a rule without a transform forwards the data as it is', () => {
      const data = { number: 'INV-1', total: { amountMinor: 1250, currency: 'EUR' }, extra: 'x' };
      const before = structuredClone(data);
      expect(rules.evaluate(event('a.b', data)).routes).toEqual([
        {
          target: 'invoice',
          rule: 'slim',
          transformedData: {
            total: { amountMinor: 1250 },
            invoice: { number: 'INV-1' },
            routed: true,
            meta: { by: 'router' },
          },
        },
        { target: 'sync', rule: 'plain' },
      ]);
      expect(data).toEqual(before);
    });

    it('transforms JSON objects of another realm (what structuredClone returns in a test sandbox)', () => {
      const data = structuredClone({ number: 'INV-2', total: { amountMinor: 1 } });
      expect(rules.evaluate(event('a.b', data)).routes[0]?.transformedData).toMatchObject({
        invoice: { number: 'INV-2' },
      });
    });

    it('leaves no empty object behind where rename moved the last value out', () => {
      const moving = compile(`
mode: first-match
rules:
  - { name: move, match: {}, transform: { rename: { a.b.c: c } }, targets: [sync] }
`);
      expect(moving.evaluate(event('x.y', { a: { b: { c: 1 } }, keep: {} })).routes[0]?.transformedData).toEqual({
        keep: {},
        c: 1,
      });
      expect(moving.evaluate(event('x.y', { a: { b: { c: 1, d: 2 } } })).routes[0]?.transformedData).toEqual({
        a: { b: { d: 2 } },
        c: 1,
      });
    });

    it('refuses data that is not a JSON object with a non-retryable error naming the rule', () => {
      let caught: unknown;
      try {
        rules.evaluate(event('a.b', Buffer.from('a=1')));
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TransformNotApplicable);
      expect(caught).toMatchObject({
        code: 'TRANSFORM_NOT_APPLICABLE',
        retryable: false,
        rule: 'slim',
        message:
          'the transform of rule "slim" cannot be applied: the event\'s data is opaque bytes (a non-JSON body), not a JSON object',
      });
    });

    it('refuses a path that crosses a value that is not an object', () => {
      const setOnly = compile(`
mode: first-match
rules:
  - { name: slim, match: {}, transform: { set: { meta.by: router } }, targets: [invoice] }
`);
      expect(() => setOnly.evaluate(event('a.b', { meta: 'flat' }))).toThrow(
        'the transform of rule "slim" cannot be applied: "meta.by" crosses "meta", which is a string',
      );
    });
  });

  describe('cost per event', () => {
    /** 1,000 rules: 994 on types of their own, 3 sharing the event's type, 2 globs elsewhere, 1 unanchored glob. */
    function manyRules(): string {
      const lines = ['mode: all-match', 'rules:'];
      for (let i = 0; i < 994; i += 1)
        lines.push(`  - { name: r${i}, match: { type: type${i}.happened, data: { n: ${i} } }, targets: [sync] }`);
      for (let i = 0; i < 3; i += 1)
        lines.push(
          `  - { name: shared${i}, match: { type: invoice.received, data: { n: { gte: ${i} } } }, targets: [invoice] }`,
        );
      lines.push('  - { name: github, match: { type: github.** }, targets: [document] }');
      lines.push('  - { name: stripe, match: { type: stripe.* }, targets: [document] }');
      lines.push('  - { name: created, match: { type: "*.created" }, targets: [email] }');
      return lines.join('\n');
    }

    it('checks only the rules that could match the event, not all 1,000', () => {
      let predicates = 0;
      const rules = compile(manyRules(), () => (predicates += 1));
      expect(rules.summary()).toMatchObject({
        rules: 1000,
        exactTypes: 995,
        anchoredGlobRules: 2,
        rulesForEveryEvent: 1,
      });
      const decision = rules.evaluate(event('invoice.received', { n: 1 }));
      expect(decision.matched).toEqual(['shared0', 'shared1']);
      // 3 data conditions of the rules sharing the type + the type check of the one unanchored glob.
      expect(predicates).toBe(4);
      predicates = 0;
      expect(rules.evaluate(event('github.push')).matched).toEqual(['github']);
      expect(predicates).toBe(2);
    });

    it('costs as many checks with 1,000 rules as with 10 when the extra rules are on other types', () => {
      const counts: number[] = [];
      for (const extra of [10, 1000]) {
        let predicates = 0;
        const lines = ['mode: first-match', 'rules:'];
        for (let i = 0; i < extra; i += 1) lines.push(`  - { name: r${i}, match: { type: t${i}.x }, targets: [sync] }`);
        lines.push('  - { name: hit, match: { type: invoice.received, source: /email-agent }, targets: [invoice] }');
        const rules = compile(lines.join('\n'), () => (predicates += 1));
        expect(rules.evaluate(event('invoice.received', {}, { source: '/email-agent' })).matched).toEqual(['hit']);
        counts.push(predicates);
      }
      expect(counts).toEqual([1, 1]);
    });
  });
});

describe('loadRuleFile', () => {
  it('names a file that cannot be read, with a stable code', async () => {
    await expect(loadRuleFile('/nonexistent/rules.yaml')).rejects.toThrow(RuleFileUnreadable);
    await expect(loadRuleFile('/nonexistent/rules.yaml')).rejects.toMatchObject({ code: 'RULE_FILE_UNREADABLE' });
    await expect(loadRuleFile('/nonexistent/rules.yaml')).rejects.toThrow(
      /^\/nonexistent\/rules\.yaml: cannot read the rule file: ENOENT: no such file/,
    );
  });
});
