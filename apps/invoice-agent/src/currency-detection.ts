/**
 * The invoice's currency, by weighted votes: a "Currency: EUR" label (strongest), the marks
 * written next to amounts (`€ 12,00`, `12.00 USD`; the total's counts double), and codes or
 * symbols elsewhere in the text. A code that is no ISO 4217 currency (`XBT`) or a crypto sign
 * (`₿`) is kept as written and reported unknown, so the invoice goes to a person rather than
 * being paid in the wrong money.
 */
import { findAmounts, type NumberStyle } from './amounts';
import { CURRENCY_SYMBOLS, isKnownCurrency, UNPAYABLE_SYMBOLS } from './currencies';
import type { TextLine } from './text-layout';

export interface DetectedCurrency {
  code?: string;
  /** As written, when it is no ISO 4217 currency. */
  unknown?: string;
  confidence: number;
}

/** Codes common enough to count when they stand alone in the text ("Amount (EUR)"). */
const COMMON_CODES = new Set(
  'EUR USD GBP CHF JPY CNY CAD AUD NZD SEK NOK DKK ISK PLN CZK HUF RON BGN HRK TRY INR SGD HKD ZAR BRL MXN KRW AED SAR ILS THB MYR IDR PHP'.split(
    ' ',
  ),
);

/** Where a shared sign ("$", "¥") is written, the addresses name the country and so the currency. */
const COUNTRY_HINTS: readonly { symbolOf: string; code: string; pattern: RegExp }[] = [
  {
    symbolOf: 'USD',
    code: 'USD',
    pattern:
      /\b(?:AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC)\s+\d{5}(?:-\d{4})?\b|\b(?:USA|U\.S\.A\.|United States)\b/,
  },
  { symbolOf: 'USD', code: 'CAD', pattern: /\b(?:Canada|GST\/HST|HST)\b|\b[A-Z]\d[A-Z]\s?\d[A-Z]\d\b/ },
  { symbolOf: 'USD', code: 'AUD', pattern: /\b(?:Australia|ABN|NSW|QLD)\b/ },
  { symbolOf: 'USD', code: 'NZD', pattern: /\bNew Zealand\b/ },
  { symbolOf: 'USD', code: 'SGD', pattern: /\bSingapore\b/ },
  { symbolOf: 'USD', code: 'HKD', pattern: /\bHong Kong\b/ },
  { symbolOf: 'USD', code: 'MXN', pattern: /\b(?:México|Mexico)\b/ },
  { symbolOf: 'JPY', code: 'JPY', pattern: /\b(?:Japan|Tokyo|Osaka)\b|日本|東京/ },
  { symbolOf: 'JPY', code: 'CNY', pattern: /\b(?:China|Beijing|Shanghai|Shenzhen)\b|中国/ },
];

function markToCode(mark: string): { code?: string; unknown?: string; ambiguous: boolean } {
  if (/^[A-Z]{3}$/.test(mark))
    return isKnownCurrency(mark) ? { code: mark, ambiguous: false } : { unknown: mark, ambiguous: false };
  if (UNPAYABLE_SYMBOLS.includes(mark)) return { unknown: mark, ambiguous: false };
  const symbol = CURRENCY_SYMBOLS.find((entry) => entry.mark === mark);
  return symbol === undefined
    ? { unknown: mark, ambiguous: false }
    : { code: symbol.code, ambiguous: symbol.ambiguous === true };
}

export function detectCurrency(
  lines: readonly TextLine[],
  style: NumberStyle,
  labelled: string | undefined,
  totalLine: number | undefined,
): DetectedCurrency {
  const votes = new Map<string, number>();
  const unknown = new Map<string, number>();
  let ambiguousOnly = true;
  const vote = (mark: string, weight: number): void => {
    const { code, unknown: strange, ambiguous } = markToCode(mark);
    if (code !== undefined) {
      votes.set(code, (votes.get(code) ?? 0) + (ambiguous ? weight / 2 : weight));
      if (!ambiguous) ambiguousOnly = false;
    } else if (strange !== undefined) unknown.set(strange, (unknown.get(strange) ?? 0) + weight);
  };
  if (labelled !== undefined) {
    const mark = /^[A-Za-z]{3}\b/.exec(labelled.trim())?.[0].toUpperCase() ?? labelled.trim();
    vote(mark, 6);
  }
  for (const line of lines) {
    for (const token of findAmounts(line.text, style)) {
      if (token.currencyMark !== undefined) vote(token.currencyMark, line.index === totalLine ? 4 : 2);
    }
    for (const match of line.text.matchAll(/(?<![A-Za-z])([A-Z]{3})(?![A-Za-z])/g)) {
      if (COMMON_CODES.has(match[1] as string)) vote(match[1] as string, 1);
    }
    for (const symbol of ['€', '£', '₹', '₩', '₽', '₺', '₴', '₪', '₫', '฿', '₱', '₦', '₿']) {
      if (line.text.includes(symbol)) vote(symbol, 0.5);
    }
    // The yen sign is shared with the yuan: Chinese marks decide.
    if (/\b(RMB|CNY)\b|元/.test(line.text)) votes.set('CNY', (votes.get('CNY') ?? 0) + 1);
  }
  // "¥" read as JPY but "RMB"/"元" present: the yuan.
  if ((votes.get('CNY') ?? 0) > 0 && votes.has('JPY') && !lines.some((line) => /\bJPY\b|円/.test(line.text))) {
    votes.set('CNY', (votes.get('CNY') ?? 0) + (votes.get('JPY') ?? 0));
    votes.delete('JPY');
  }
  const [best] = [...votes.entries()].sort((a, b) => b[1] - a[1]);
  const [strange] = [...unknown.entries()].sort((a, b) => b[1] - a[1]);
  if (strange !== undefined && (best === undefined || strange[1] >= best[1])) {
    return { unknown: strange[0], confidence: 0.9 };
  }
  if (best === undefined) return { confidence: 0 };
  if (ambiguousOnly) {
    // "$" and "¥" alone: the country of the addresses decides, else a lower confidence.
    const text = lines.map((line) => line.text).join('\n');
    const country = COUNTRY_HINTS.find((hint) => hint.symbolOf === best[0] && hint.pattern.test(text));
    if (country !== undefined) return { code: country.code, confidence: 0.9 };
  }
  const confidence = best[1] >= 4 && !ambiguousOnly ? 0.97 : best[1] >= 2 && !ambiguousOnly ? 0.9 : 0.65;
  return { code: best[0], confidence };
}
