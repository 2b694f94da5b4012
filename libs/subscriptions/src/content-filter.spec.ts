import {
  CONTENT_FILTER_LIMITS,
  ContentFilterInvalid,
  parseContentFilter,
  type FilterableEvent,
} from './content-filter';

const invoice: FilterableEvent = {
  id: 'evt-1',
  type: 'invoice.processed',
  source: '/invoice-agent',
  subject: 'invoices/2026/0042',
  time: '2026-11-22T10:00:00.000Z',
  data: {
    total: '1234.50',
    currency: 'EUR',
    decision: 'approved',
    lines: [{ amount: '1000.00' }, { amount: '234.50' }],
    urgent: true,
    reviewer: null,
    'vat-id': 'DE123',
    count: 3,
  },
};

const matches = (expression: string, event: FilterableEvent = invoice): boolean =>
  parseContentFilter(expression).matches(event);

function refusal(expression: string): ContentFilterInvalid {
  try {
    parseContentFilter(expression);
  } catch (error) {
    if (error instanceof ContentFilterInvalid) return error;
    throw error;
  }
  throw new Error(`"${expression}" was accepted`);
}

describe('content filter: what it selects', () => {
  it('selects an invoice over 1000 EUR, with the total as a decimal string compared as a number', () => {
    expect(matches('data.total > 1000 and data.currency == "EUR"')).toBe(true);
    expect(matches('data.total > 1000 and data.currency == "USD"')).toBe(false);
    expect(matches('data.total > 1234.5')).toBe(false);
    expect(matches('data.total >= 1234.5')).toBe(true);
    expect(matches('data.total == 1234.5')).toBe(true);
    expect(matches('1000 < data.total')).toBe(true);
  });

  it('compares decimals exactly, where floats would round', () => {
    const event = { ...invoice, data: { total: '0.30000000000000001' } };
    expect(matches('data.total > 0.3', event)).toBe(true);
    expect(matches('data.total == 0.3', event)).toBe(false);
  });

  it('compares two strings as text, never as numbers (ISO dates order as text)', () => {
    expect(matches('data.total < "9"')).toBe(true); // "1234.50" < "9" as text
    expect(matches('time >= "2026-11-01" and time < "2026-12-01"')).toBe(true);
  });

  it('is false, not an error, for a comparison of different kinds or a missing path', () => {
    expect(matches('data.currency > 5')).toBe(false);
    expect(matches('data.missing.deeper > 5')).toBe(false);
    expect(matches('data.lines > 1')).toBe(false);
    expect(matches('data.urgent == 1')).toBe(false);
  });

  it('reads a missing field and a JSON null as null', () => {
    expect(matches('data.reviewer == null')).toBe(true);
    expect(matches('data.nobody == null')).toBe(true);
    expect(matches('data.currency != null')).toBe(true);
  });

  it('combines with and, or, not and parentheses, "and" binding tighter than "or"', () => {
    expect(matches('data.currency == "USD" or data.decision == "approved" and data.count == 3')).toBe(true);
    expect(matches('(data.currency == "USD" or data.decision == "approved") and data.count == 4')).toBe(false);
    expect(matches('not data.currency == "USD"')).toBe(true);
    expect(matches('!(data.count > 2) || data.urgent')).toBe(true);
    expect(matches('data.urgent && type == "invoice.processed"')).toBe(true);
  });

  it('takes a bare path as a condition only when it is the boolean true', () => {
    expect(matches('data.urgent')).toBe(true);
    expect(matches('data.count')).toBe(false);
    expect(matches('data.currency')).toBe(false);
  });

  it('tests membership with in and not in', () => {
    expect(matches('data.currency in ["EUR", "CHF"]')).toBe(true);
    expect(matches('data.currency not in ["EUR", "CHF"]')).toBe(false);
    expect(matches('data.count in [1, 2, 3]')).toBe(true);
    expect(matches('data.total in [1234.5]')).toBe(true);
  });

  it('reads attributes, array items and fields with odd names', () => {
    expect(matches('source == "/invoice-agent" and subject == "invoices/2026/0042" and id == "evt-1"')).toBe(true);
    expect(matches('data.lines[1].amount == "234.50"')).toBe(true);
    expect(matches('data.lines[5].amount == null')).toBe(true);
    expect(matches(`data["vat-id"] == 'DE123'`)).toBe(true);
    expect(matches('data.currency == "\\u0045UR"')).toBe(true);
  });

  it('reads a Date time as its ISO text', () => {
    expect(matches('time == "2026-11-22T10:00:00.000Z"', { ...invoice, time: new Date('2026-11-22T10:00:00Z') })).toBe(
      true,
    );
  });
});

describe('content filter: hostile and broken input', () => {
  it('never reaches prototype properties', () => {
    expect(matches('data.__proto__ != null')).toBe(false);
    expect(matches('data.constructor != null')).toBe(false);
    expect(matches('data.lines.length > 0')).toBe(false);
    expect(matches('data.currency.length == 3')).toBe(false);
    expect(matches('data["__proto__"]["polluted"] == null')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('has no function calls, assignment or code', () => {
    expect(refusal('process.exit(1)').message).toMatch(
      /^unknown name "process": a path starts with data, .* at position 1/,
    );
    expect(refusal('data.total = 5').message).toMatch(/unexpected character "=" \(equality is "=="\) at position 12/);
    expect(refusal('data.total > 5; drop table').message).toMatch(/unexpected character ";" at position 15/);
    expect(refusal('data.x == `y`').position).toBe(11);
    expect(refusal('data.toString() == "x"').position).toBe(14);
  });

  it('names the position of the first problem', () => {
    expect(refusal('data.total >').message).toBe(
      'expected a value, a path or "(", found the end at position 13: data.total >⟶',
    );
    expect(refusal('data.total > 1000 and').position).toBe(22);
    expect(refusal('(data.total > 1').position).toBe(16);
    expect(refusal('data.total > 1)').position).toBe(15);
    expect(refusal('data.currency == "EUR').message).toMatch(/string not closed at position 18/);
    expect(refusal('data..total').position).toBe(6);
    expect(refusal('data.currency in ["EUR" "USD"]').position).toBe(25);
    expect(refusal('data.currency in [data.x]').position).toBe(19);
  });

  it('refuses what cannot mean anything', () => {
    expect(refusal('').message).toMatch(/an empty expression at position 1/);
    expect(refusal('1 == 1').message).toMatch(/a path on at least one side/);
    expect(refusal('"yes"').message).toMatch(/a literal alone is not a condition/);
    expect(refusal('data.urgent > true').message).toMatch(/compares numbers or strings, not true/);
    expect(refusal('type.name == "x"').message).toMatch(/"type" is a text attribute without fields/);
    expect(refusal('data.x == 12abc').message).toMatch(/a number must not run into a name/);
    expect(refusal('data.x == 1e999').message).toMatch(/number out of range/);
    expect(refusal('data.x == "\\q"').message).toMatch(/unknown escape/);
  });

  it('refuses deep nesting instead of overflowing the stack', () => {
    const depth = CONTENT_FILTER_LIMITS.maxDepth + 1;
    const nested = `${'('.repeat(depth)}data.x == 1${')'.repeat(depth)}`;
    expect(refusal(nested).message).toMatch(/nested deeper than 32 levels at position 33/);
    expect(refusal(`${'not '.repeat(depth)}data.x`).message).toMatch(/nested deeper than 32 levels/);
    expect(matches(`${'('.repeat(10)}data.count == 3${')'.repeat(10)}`)).toBe(true);
  });

  it('refuses an overlong expression and an overlong list', () => {
    expect(refusal(`data.x == "${'a'.repeat(CONTENT_FILTER_LIMITS.maxLength)}"`).message).toMatch(
      /at most 2000 characters/,
    );
    const items = Array.from({ length: CONTENT_FILTER_LIMITS.maxListItems + 1 }, (_, i) => String(i)).join(',');
    expect(refusal(`data.count in [${items}]`).message).toMatch(/at most 100 items/);
  });

  it('evaluates a long flat chain without deep recursion trouble', () => {
    const chain = Array.from({ length: 100 }, () => 'data.count == 3').join(' and ');
    expect(chain.length).toBeLessThan(CONTENT_FILTER_LIMITS.maxLength + 1);
    expect(matches(chain)).toBe(true);
  });

  it('carries a stable code and is not retryable', () => {
    const error = refusal('data.x ==');
    expect(error.code).toBe('CONTENT_FILTER_INVALID');
    expect(error.retryable).toBe(false);
    expect(error.expression).toBe('data.x ==');
  });
});
