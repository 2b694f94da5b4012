import Decimal from 'decimal.js';
import { decideInvoice, type DecisionPolicy } from './decide-invoice';
import { emptyInvoice, type ExtractedInvoice } from './extracted-invoice';
import type { ValidationIssue } from './validate-invoice';

const POLICY: DecisionPolicy = { limits: [{ currency: 'EUR', amount: new Decimal('1000') }], minConfidence: 0.8 };
const sure = { invoiceNumber: 0.95, supplier: 0.9, currency: 0.97, total: 0.97 };

function invoice(total: string, overrides: Partial<ExtractedInvoice> = {}): ExtractedInvoice {
  return {
    ...emptyInvoice('text'),
    invoiceNumber: 'INV-1',
    supplier: { name: 'ACME GmbH' },
    currency: 'EUR',
    total: new Decimal(total),
    confidence: { ...sure },
    ...overrides,
  };
}

describe('decideInvoice', () => {
  it('approves a valid invoice under the limit, with no reasons', () => {
    expect(decideInvoice(invoice('999.99'), [], POLICY)).toMatchObject({ decision: 'approved', reasons: [] });
  });

  it('sends a total at or above the limit to review', () => {
    const outcome = decideInvoice(invoice('1000.00'), [], POLICY);
    expect(outcome).toMatchObject({ decision: 'needs_review', reasons: ['above_auto_approve_limit'] });
    expect(outcome.issues).toContainEqual(
      expect.objectContaining({ code: 'above_auto_approve_limit', severity: 'warning' }),
    );
  });

  it('reviews a currency without a limit (no exchange rates here)', () => {
    expect(decideInvoice(invoice('10', { currency: 'USD' }), [], POLICY).reasons).toEqual(['no_auto_approve_limit']);
  });

  it('reviews validation errors and low confidence, naming each', () => {
    const error: ValidationIssue = { code: 'total_mismatch', severity: 'error', message: 'x' };
    expect(decideInvoice(invoice('10'), [error], POLICY)).toMatchObject({
      decision: 'needs_review',
      reasons: ['total_mismatch'],
      reason: 'needs review: total_mismatch',
    });
    const unsure = invoice('10', { confidence: { ...sure, supplier: 0.5 } });
    expect(decideInvoice(unsure, [], POLICY).reasons).toEqual(['low_confidence']);
  });

  it('reviews credit notes', () => {
    expect(decideInvoice(invoice('-10', { creditNote: true }), [], POLICY).reasons).toEqual(['credit_note']);
  });

  it('rejects a duplicate of an approved invoice and reviews a duplicate of one not approved', () => {
    const earlier = { eventId: 'e1', documentSha256: 'a'.repeat(64) };
    const rejected = decideInvoice(invoice('10'), [], POLICY, { ...earlier, decision: 'approved' });
    expect(rejected).toMatchObject({ decision: 'rejected', reasons: ['duplicate_invoice'] });
    expect(rejected.issues).toContainEqual(expect.objectContaining({ code: 'duplicate_invoice', severity: 'error' }));
    expect(decideInvoice(invoice('10'), [], POLICY, { ...earlier, decision: 'needs_review' })).toMatchObject({
      decision: 'needs_review',
      reasons: ['duplicate_invoice'],
    });
  });
});
