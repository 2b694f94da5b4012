/**
 * Amounts as invoices print them, to exact decimals: `1.234,56`, `1,234.56`, `1 234,56`,
 * `1'234.56`, `-12.00`, `12.00-`, `(12.00)`, `€ 12`, `12,00 EUR`, `USD 1,200`. Which of `.`
 * and `,` is the decimal separator is decided once per document (`detectNumberStyle`) from
 * the tokens that say it unambiguously (`1.234,56`, `12,50`), because a lone `1,234` could be
 * either; the document's own other amounts are the best evidence of its convention.
 */
import Decimal from 'decimal.js';
import { CURRENCY_SYMBOLS, UNPAYABLE_SYMBOLS } from './currencies';

export type DecimalSeparator = '.' | ',';

export interface NumberStyle {
  decimal: DecimalSeparator;
  /** Whether a plain space groups thousands (`1 234,56`); NBSP and narrow NBSP always do. */
  spaceGroups: boolean;
}

export interface AmountToken {
  value: Decimal;
  /** The token as written. */
  text: string;
  /** Offsets in the line searched. */
  start: number;
  end: number;
  /** A currency mark written next to the number (`€`, `EUR`, `US$`), as written. */
  currencyMark?: string;
  percent: boolean;
  /** Digits after the decimal separator (0 for an integer). */
  decimals: number;
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const MARKS = [...CURRENCY_SYMBOLS.map((symbol) => symbol.mark), ...UNPAYABLE_SYMBOLS]
  .sort((a, b) => b.length - a.length)
  .map(escape)
  .join('|');
const BODY_PLAIN = String.raw`\d(?:[\d.,'’\u00a0\u202f]*\d)?`;
const BODY_SPACED = String.raw`\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,4})?(?!\d)|${BODY_PLAIN}`;

function tokenPattern(spaceGroups: boolean): RegExp {
  const body = spaceGroups ? BODY_SPACED : BODY_PLAIN;
  return new RegExp(
    String.raw`(?<=^|[\s(=|;*@×]|(?<!\d):)(?<open>\()?(?<sign>[-−–])?\s?(?:(?<pre>[A-Z]{3}|${MARKS})\s?)?(?<sign2>[-−])?` +
      String.raw`(?<body>${body})(?<trail>-(?=\s|$|\)))?(?:\s?(?<post>(?:[A-Z]{3}|${MARKS})(?![A-Za-z])))?` +
      String.raw`(?<pct>\s?%)?(?<close>\))?(?=$|\s|[)|;*]|:(?!\d)|[.,](?:\s|$))`,
    'gu',
  );
}
const PATTERNS = { plain: tokenPattern(false), spaced: tokenPattern(true) };

/** A number body (`1.234,56`) to a decimal, or undefined when its separators make no number. */
export function interpretNumber(body: string, style: NumberStyle): { value: Decimal; decimals: number } | undefined {
  const compact = body.replace(/['’\u00a0\u202f ]/g, '');
  const dots = [...compact].filter((char) => char === '.').length;
  const commas = [...compact].filter((char) => char === ',').length;
  let decimal: DecimalSeparator | undefined;
  if (dots > 0 && commas > 0) {
    decimal = compact.lastIndexOf('.') > compact.lastIndexOf(',') ? '.' : ',';
    const group = decimal === '.' ? ',' : '.';
    if ((decimal === '.' ? dots : commas) !== 1) return undefined;
    if (!validGroups(compact.slice(0, compact.lastIndexOf(decimal)), group)) return undefined;
  } else if (dots + commas > 1) {
    // 1.234.567: one separator, several times, groups thousands.
    if (!validGroups(compact, dots > 0 ? '.' : ',')) return undefined;
  } else if (dots + commas === 1) {
    const separator: DecimalSeparator = dots === 1 ? '.' : ',';
    const [whole = '', fraction = ''] = compact.split(separator);
    const couldGroup = fraction.length === 3 && whole.length <= 3 && !whole.startsWith('0');
    decimal = couldGroup && style.decimal !== separator ? undefined : separator;
  }
  const grouped = decimal === undefined ? compact.replace(/[.,]/g, '') : compact;
  const [whole = '', fraction = ''] =
    decimal === undefined
      ? [grouped]
      : [grouped.slice(0, grouped.lastIndexOf(decimal)), grouped.slice(grouped.lastIndexOf(decimal) + 1)];
  const digits = whole.replace(/[.,]/g, '');
  if (!/^\d+$/.test(digits) || (fraction !== '' && !/^\d+$/.test(fraction))) return undefined;
  return { value: new Decimal(fraction === '' ? digits : `${digits}.${fraction}`), decimals: fraction.length };
}

function validGroups(text: string, group: string): boolean {
  const parts = text.split(group);
  return /^\d{1,3}$/.test(parts[0] ?? '') && parts.slice(1).every((part) => /^\d{3}$/.test(part));
}

/** Every amount-like token of a line, left to right. */
export function findAmounts(line: string, style: NumberStyle): AmountToken[] {
  const pattern = style.spaceGroups ? PATTERNS.spaced : PATTERNS.plain;
  const found: AmountToken[] = [];
  for (const match of line.matchAll(pattern)) {
    const groups = match.groups ?? {};
    const body = groups['body'] ?? '';
    const number = interpretNumber(body, style);
    if (number === undefined) continue;
    const negative =
      groups['sign'] !== undefined ||
      groups['sign2'] !== undefined ||
      groups['trail'] !== undefined ||
      (groups['open'] !== undefined && groups['close'] !== undefined);
    const mark = groups['pre'] ?? groups['post'];
    found.push({
      value: negative ? number.value.negated() : number.value,
      text: match[0].trim(),
      start: match.index,
      end: match.index + match[0].length,
      ...(mark === undefined ? {} : { currencyMark: mark }),
      percent: groups['pct'] !== undefined,
      decimals: number.decimals,
    });
  }
  return found;
}

/** A whole text (a table cell, a JSON string) as one amount, or undefined. */
export function parseAmount(text: string, style: NumberStyle): AmountToken | undefined {
  const trimmed = text.trim();
  const [token, ...rest] = findAmounts(trimmed, style);
  return token !== undefined && rest.length === 0 && token.start === 0 && token.end >= trimmed.length
    ? token
    : undefined;
}

const DATE_LIKE = /^\d{1,4}([./-])\d{1,2}\1\d{1,4}$/;
/** Words that say a document is written in a language whose numbers use a decimal comma. */
const COMMA_LANGUAGES =
  /\b(rechnung|rechnungsnummer|mwst|ust|betrag|summe|facture|montant|tva|factuur|btw|bedrag|factura|importe|iva|fattura|totale|faktura|netto|brutto)\b/i;

/**
 * The document's number convention, by votes of its unambiguous tokens: `1.234,56` and
 * `12,50` vote for a decimal comma, `1,234.56` and `12.50` for a point, `1.234.567` for the
 * other separator. No votes: a decimal comma when the text reads German, French, Dutch,
 * Spanish or Italian, else a point.
 */
export function detectNumberStyle(text: string): NumberStyle {
  let point = 0;
  let comma = 0;
  let spaced = 0;
  for (const match of text.matchAll(/(?<=^|[\s(:=€$£¥])\d(?:[\d.,'’\u00a0\u202f]*\d)?/gmu)) {
    const body = match[0];
    if (DATE_LIKE.test(body)) continue;
    const compact = body.replace(/['’\u00a0\u202f]/g, '');
    const lastDot = compact.lastIndexOf('.');
    const lastComma = compact.lastIndexOf(',');
    if (lastDot >= 0 && lastComma >= 0) {
      if (lastDot > lastComma) point += 2;
      else comma += 2;
    } else if (lastDot >= 0 || lastComma >= 0) {
      const separator = lastDot >= 0 ? '.' : ',';
      const occurrences = compact.split(separator).length - 1;
      const fraction = compact.length - Math.max(lastDot, lastComma) - 1;
      const weight = occurrences > 1 ? 1 : fraction === 2 ? 1 : fraction === 1 ? 0.5 : 0;
      // Several of one separator group thousands: the decimal is the other one.
      const votesPoint = occurrences > 1 ? separator === ',' : separator === '.';
      if (votesPoint) point += weight;
      else comma += weight;
    }
    if (/['’]\d{3}/.test(body)) point += 1;
  }
  for (const _ of text.matchAll(/(?<=^|[\s(:=€$£¥])\d{1,3}(?: \d{3})+[.,]\d{2}(?!\d)/gm)) spaced += 1;
  const decimal: DecimalSeparator =
    point === comma ? (COMMA_LANGUAGES.test(text) ? ',' : '.') : point > comma ? '.' : ',';
  return { decimal, spaceGroups: spaced > 0 };
}
