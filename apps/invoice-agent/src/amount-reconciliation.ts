/**
 * Net, tax and total chosen together. A document may print several candidates for each
 * ("Total" in a summary box and again at the bottom, one VAT line per rate), and a label can
 * mislead. The combination whose arithmetic holds (net + tax = total, the lines' sum = net) is
 * preferred over the one with the most confident labels; confidences of amounts that add up
 * are raised, since two independent readings agree.
 */
import Decimal from 'decimal.js';

export interface AmountCandidate {
  value: Decimal;
  confidence: number;
  /** Line index (later lines win ties: the final total is at the bottom). */
  line: number;
}

export interface ReconciledAmounts {
  net?: AmountCandidate;
  tax?: AmountCandidate;
  total?: AmountCandidate;
}

const TOP = 4;

function ranked(candidates: readonly AmountCandidate[]): AmountCandidate[] {
  // Same value twice (a summary box and the footer) is one candidate, more confident.
  const byValue = new Map<string, AmountCandidate>();
  for (const candidate of candidates) {
    const key = candidate.value.toString();
    const seen = byValue.get(key);
    if (seen === undefined) byValue.set(key, { ...candidate });
    else {
      seen.confidence = Math.min(0.99, Math.max(seen.confidence, candidate.confidence) + 0.03);
      seen.line = Math.max(seen.line, candidate.line);
    }
  }
  return [...byValue.values()].sort((a, b) => b.confidence - a.confidence || b.line - a.line).slice(0, TOP);
}

/** Several tax lines of different rates add up to the tax; offered as one more candidate. */
function withTaxSum(tax: readonly AmountCandidate[]): AmountCandidate[] {
  const distinctLines = new Map<number, AmountCandidate>();
  for (const candidate of tax) if (!distinctLines.has(candidate.line)) distinctLines.set(candidate.line, candidate);
  const parts = [...distinctLines.values()];
  if (parts.length < 2) return [...tax];
  const sum = parts.reduce((acc, part) => acc.plus(part.value), new Decimal(0));
  const confidence = Math.min(...parts.map((part) => part.confidence)) * 0.95;
  return [...tax, { value: sum, confidence, line: Math.max(...parts.map((part) => part.line)) }];
}

export function reconcileAmounts(
  net: readonly AmountCandidate[],
  tax: readonly AmountCandidate[],
  total: readonly AmountCandidate[],
  linesSum: Decimal | undefined,
): ReconciledAmounts {
  const nets: (AmountCandidate | undefined)[] = [...ranked(net), undefined];
  const taxes: (AmountCandidate | undefined)[] = [...ranked(withTaxSum(tax)), undefined];
  const totals: (AmountCandidate | undefined)[] = [...ranked(total), undefined];
  let best: { score: number; choice: ReconciledAmounts; adds: boolean; linesAdd: boolean } | undefined;
  for (const n of nets) {
    for (const t of taxes) {
      for (const g of totals) {
        // One printed amount is one field: a value taken as both net and total only when no tax.
        if (n !== undefined && g !== undefined && n.line === g.line && n.value.eq(g.value)) continue;
        const adds = n !== undefined && t !== undefined && g !== undefined && n.value.plus(t.value).eq(g.value);
        const linesAdd =
          linesSum !== undefined &&
          ((n !== undefined && linesSum.eq(n.value)) ||
            (n === undefined &&
              g !== undefined &&
              (linesSum.eq(g.value) || (t !== undefined && linesSum.plus(t.value).eq(g.value)))));
        const score =
          (n?.confidence ?? 0) +
          (t?.confidence ?? 0) +
          (g?.confidence ?? 0) * 1.5 +
          (adds ? 3 : 0) +
          (linesAdd ? 1.5 : 0);
        if (best === undefined || score > best.score) {
          best = {
            score,
            adds,
            linesAdd,
            choice: {
              ...(n === undefined ? {} : { net: { ...n } }),
              ...(t === undefined ? {} : { tax: { ...t } }),
              ...(g === undefined ? {} : { total: { ...g } }),
            },
          };
        }
      }
    }
  }
  if (best === undefined) return {};
  const { choice } = best;
  const raise = (candidate: AmountCandidate | undefined, to: number): void => {
    if (candidate !== undefined) candidate.confidence = Math.max(candidate.confidence, to);
  };
  if (best.adds) {
    raise(choice.net, 0.95);
    raise(choice.tax, 0.95);
    raise(choice.total, 0.97);
  }
  if (best.linesAdd) {
    raise(choice.net, 0.95);
    raise(choice.total, 0.9);
  }
  return choice;
}
