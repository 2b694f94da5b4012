/**
 * Every field of every committed fixture (apps/invoice-agent/fixtures, made by
 * fixtures/generate-fixtures.ts from invoice data, not from what the extractor reads), then
 * the decision each gets under one policy, and the failure cases.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Decimal from 'decimal.js';
import { DocumentEncrypted, DocumentUnreadable, extractDocument } from '@flowline/documents';
import { decideInvoice, type DecisionPolicy } from './decide-invoice';
import { extractByRules } from './rules-invoice-extractor';
import { comparable, FIXTURES_DIR, invoiceFixtures } from './test-fixtures/invoice-fixtures';
import { validateInvoice } from './validate-invoice';

const fixtures = invoiceFixtures();
const POLICY: DecisionPolicy = {
  limits: [
    ['5000', 'EUR'],
    ['5000', 'USD'],
    ['5000', 'GBP'],
    ['10000', 'CHF'],
    ['20000', 'SEK'],
    ['1000000', 'JPY'],
  ].map(([amount, currency]) => ({ amount: new Decimal(amount as string), currency: currency as string })),
  minConfidence: 0.8,
};

async function extract(path: string, name: string) {
  const document = await extractDocument(readFileSync(path), { name });
  return extractByRules({ document, hints: {} });
}

describe('invoice fixtures', () => {
  it('has a dozen and more, in every input kind', () => {
    const kinds = fixtures.map((fixture) => fixture.file.split('.').at(-1));
    expect(fixtures.length).toBeGreaterThanOrEqual(12);
    expect(kinds.filter((kind) => kind === 'pdf').length).toBeGreaterThanOrEqual(5);
    expect(kinds.filter((kind) => kind === 'xml').length).toBeGreaterThanOrEqual(3);
    expect(kinds.filter((kind) => kind === 'txt').length).toBeGreaterThanOrEqual(2);
    expect(kinds).toContain('json');
  });

  it.each(fixtures.map((fixture) => [fixture.name, fixture] as const))(
    '%s: every field as expected',
    async (_name, fixture) => {
      const invoice = await extract(fixture.path, fixture.file);
      expect(JSON.parse(JSON.stringify(comparable(invoice)))).toEqual(fixture.expected);
    },
  );

  it('decides each fixture as accounts payable would under the policy', async () => {
    const decisions: Record<string, string> = {};
    for (const fixture of fixtures) {
      const invoice = await extract(fixture.path, fixture.file);
      const outcome = decideInvoice(invoice, validateInvoice(invoice, '2026-03-31'), POLICY);
      decisions[fixture.name] = [outcome.decision, ...outcome.reasons].join(' ');
    }
    expect(decisions).toEqual({
      'ch-software': 'approved',
      'de-consulting': 'approved',
      'fr-atelier': 'approved',
      'jp-tea': 'approved',
      'json-hosting-export': 'approved',
      'nl-installatie': 'approved',
      'text-baeckerei-latin1': 'approved',
      'text-design-studio': 'approved',
      'ubl-credit-note': 'needs_review credit_note',
      'ubl-peppol-invoice': 'approved',
      'ubl-swedish-latin1': 'approved',
      'uk-stationery': 'approved',
      'us-services': 'approved',
    });
  });

  describe('failure cases', () => {
    const failure = (file: string): string => join(FIXTURES_DIR, 'failures', file);

    it('refuses an encrypted PDF and a corrupt one with their own errors', async () => {
      await expect(extract(failure('encrypted.pdf'), 'encrypted.pdf')).rejects.toBeInstanceOf(DocumentEncrypted);
      await expect(extract(failure('corrupt.pdf'), 'corrupt.pdf')).rejects.toBeInstanceOf(DocumentUnreadable);
    });

    it('leaves a PDF without text to a person, saying why', async () => {
      const invoice = await extract(failure('scanned-no-text.pdf'), 'scan.pdf');
      expect(invoice.notes.map((note) => note.code)).toEqual(['document_has_no_text']);
      const outcome = decideInvoice(invoice, validateInvoice(invoice, '2026-03-31'), POLICY);
      expect(outcome.decision).toBe('needs_review');
      expect(outcome.reasons).toContain('missing_field');
    });

    it('sends an invoice in an unknown currency to review', async () => {
      const invoice = await extract(failure('unknown-currency.txt'), 'unknown-currency.txt');
      const outcome = decideInvoice(invoice, validateInvoice(invoice, '2026-03-31'), POLICY);
      expect(outcome).toMatchObject({ decision: 'needs_review' });
      expect(outcome.reasons).toContain('unknown_currency');
    });

    it('reads the resent German invoice (another layout) as the same supplier and number', async () => {
      const original = await extract(join(FIXTURES_DIR, 'de-consulting.pdf'), 'de-consulting.pdf');
      const resend = await extract(failure('de-consulting-resend.pdf'), 'resend.pdf');
      expect([resend.supplier?.name, resend.invoiceNumber]).toEqual([original.supplier?.name, original.invoiceNumber]);
    });
  });
});
