/**
 * The decision, as accounts payable would make it:
 *   - rejected: a duplicate of an invoice already approved (never pay twice);
 *   - needs_review: any validation error (a duplicate of one not approved included, an
 *     unknown currency, sums that do not add up), a field a payment needs read with low
 *     confidence, a credit note, no auto-approve limit in the invoice's currency, or a total
 *     at or above that limit;
 *   - approved: none of these, total under the limit.
 * Every reason is a stable code in `reasons`; the policy's own reasons are also added to the
 * issues (warnings, or the duplicate's error), so a reviewer sees one list.
 */
import type Decimal from 'decimal.js';
import type { ExtractedInvoice, FieldName } from './extracted-invoice';
import { formatAmount, type ValidationIssue } from './validate-invoice';

export type Decision = 'approved' | 'needs_review' | 'rejected';

export interface AutoApproveLimit {
  currency: string;
  /** Totals strictly below are approved automatically. */
  amount: Decimal;
}

export interface DecisionPolicy {
  limits: readonly AutoApproveLimit[];
  /** Fields a payment rests on must have been read at least this confidently. */
  minConfidence: number;
}

export interface EarlierInvoice {
  eventId: string;
  documentSha256: string;
  decision: Decision;
}

export interface DecisionOutcome {
  decision: Decision;
  reasons: string[];
  /** One sentence for people. */
  reason: string;
  issues: ValidationIssue[];
}

/** What a payment rests on: who, which invoice, how much, in what money. */
const PAYMENT_FIELDS: readonly FieldName[] = ['invoiceNumber', 'supplier', 'currency', 'total'];

export function decideInvoice(
  invoice: ExtractedInvoice,
  validation: readonly ValidationIssue[],
  policy: DecisionPolicy,
  duplicateOf?: EarlierInvoice,
): DecisionOutcome {
  const issues = [...validation];
  if (duplicateOf !== undefined) {
    issues.push({
      code: 'duplicate_invoice',
      severity: 'error',
      field: 'invoiceNumber',
      message: `invoice ${invoice.invoiceNumber ?? ''} of ${invoice.supplier?.name ?? ''} was already processed (event ${duplicateOf.eventId}, ${duplicateOf.decision})`,
    });
  }
  const policyWarning = (code: string, message: string, field?: string): void => {
    issues.push({ code, severity: 'warning', message, ...(field === undefined ? {} : { field }) });
  };
  const errors = [...new Set(issues.filter((issue) => issue.severity === 'error').map((issue) => issue.code))];
  const reasons = [...errors];

  if (errors.length === 0) {
    const unsure = PAYMENT_FIELDS.filter((field) => (invoice.confidence[field] ?? 0) < policy.minConfidence);
    if (unsure.length > 0) {
      reasons.push('low_confidence');
      policyWarning(
        'low_confidence',
        `read with low confidence: ${unsure.map((field) => `${field} ${(invoice.confidence[field] ?? 0).toFixed(2)}`).join(', ')} (minimum ${policy.minConfidence})`,
      );
    }
    if (invoice.creditNote === true) {
      reasons.push('credit_note');
      policyWarning('credit_note', 'a credit note: booked against its invoice by a person', 'total');
    }
    const { currency, total } = invoice;
    const limit = policy.limits.find((entry) => entry.currency === currency);
    if (currency !== undefined && total !== undefined) {
      if (limit === undefined) {
        reasons.push('no_auto_approve_limit');
        policyWarning(
          'no_auto_approve_limit',
          `no auto-approve limit is set for ${currency} (INVOICE_AUTO_APPROVE_LIMIT has ${policy.limits.map((entry) => entry.currency).join(', ') || 'none'})`,
          'total',
        );
      } else if (total.gte(limit.amount)) {
        reasons.push('above_auto_approve_limit');
        policyWarning(
          'above_auto_approve_limit',
          `the total ${formatAmount(total, currency)} is not under the auto-approve limit of ${formatAmount(limit.amount, currency)}`,
          'total',
        );
      }
    }
  }

  const decision: Decision =
    duplicateOf?.decision === 'approved' ? 'rejected' : reasons.length === 0 ? 'approved' : 'needs_review';
  const reason =
    decision === 'approved'
      ? `approved: valid, and ${formatAmount(invoice.total as Decimal, invoice.currency)} is under the auto-approve limit`
      : decision === 'rejected'
        ? `rejected: a duplicate of invoice ${invoice.invoiceNumber ?? ''} already approved (event ${duplicateOf?.eventId ?? ''})`
        : `needs review: ${reasons.join(', ')}`;
  return { decision, reasons: decision === 'approved' ? [] : reasons, reason, issues };
}
