/**
 * Calendar dates as invoices print them, to ISO `YYYY-MM-DD`: `2026-03-05`, `05.03.2026`,
 * `03/05/2026`, `5/3/26`, `5 March 2026`, `5. März 2026`, `1er mars 2026`, `March 5, 2026`,
 * `05-Mar-2026`, with month names in English, German, French, Dutch, Spanish, Italian and
 * Portuguese.
 *
 * `03/05/2026` is 3 May in Europe and 5 March in the US. `chooseDayOrder` decides once per
 * document: a part above 12 settles it (`13/05/2026`); else a US dollar document reads
 * month first and any other day first; dots and dashes are always day first.
 */

export type DayOrder = 'DMY' | 'MDY';

export interface DateToken {
  /** ISO `YYYY-MM-DD`. */
  iso: string;
  start: number;
  end: number;
  /** Whether the day/month order had to be chosen (both parts ≤ 12, slash form). */
  ambiguous: boolean;
}

const MONTHS: Readonly<Record<string, number>> = Object.fromEntries(
  (
    [
      [1, 'january jan januar jänner jän janvier janv januari enero ene gennaio gen janeiro'],
      [2, 'february feb februar février fevrier févr fevr februari febrero febbraio fevereiro fev'],
      [3, 'march mar märz maerz mär mrz mars maart mrt marzo março marco'],
      [4, 'april apr avril avr abril aprile abr'],
      [5, 'may mai mei mayo maggio mag maio'],
      [6, 'june jun juni juin junio giugno giu junho'],
      [7, 'july jul juli juillet juil julio luglio lug julho'],
      [8, 'august aug août aout augustus agosto ago'],
      [9, 'september sep sept septembre septiembre setiembre settembre set setembro'],
      [10, 'october oct oktober okt octobre octubre ottobre ott outubro out'],
      [11, 'november nov novembre noviembre novembro'],
      [12, 'december dec dezember dez décembre decembre déc diciembre dic dicembre dezembro'],
    ] as const
  ).flatMap(([month, names]) => names.split(' ').map((name) => [name, month])),
);

const MONTH_WORD = String.raw`\p{L}{3,10}`;
const PATTERNS = {
  iso: /(?<![\d.])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\d])/gu,
  numeric: /(?<![\d.])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d]|[./-]\d)/gu,
  dayMonthName: new RegExp(
    String.raw`(?<![\p{L}\d])(\d{1,2})(?:st|nd|rd|th|er|\.|º)?(?:\s*(?:of|de|di)\s+|[\s./-]+)(${MONTH_WORD})\.?(?:\s+(?:de|del)\s+|[\s,./-]+)(\d{4}|\d{2})(?!\d)`,
    'gu',
  ),
  monthNameDay: new RegExp(
    String.raw`(?<![\p{L}\d])(${MONTH_WORD})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)`,
    'gu',
  ),
};

export function isoDate(year: number, month: number, day: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || year < 1900 || year > 2200) return undefined;
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return undefined;
  return date.toISOString().slice(0, 10);
}

function fullYear(text: string): number {
  const year = Number(text);
  return text.length === 2 ? (year < 70 ? 2000 + year : 1900 + year) : year;
}

function monthNumber(word: string): number | undefined {
  return MONTHS[word.toLowerCase().replace(/\.$/, '')];
}

/** The numeric slash/dot/dash dates of a text, as [first, second] parts, for `chooseDayOrder`. */
export function numericDateParts(text: string): { first: number; second: number; separator: string }[] {
  return [...text.matchAll(PATTERNS.numeric)].map((match) => ({
    first: Number(match[1]),
    second: Number(match[3]),
    separator: match[2] ?? '/',
  }));
}

/**
 * Day or month first, for a document's slash dates: the parts themselves when one is above
 * 12, else the currency: US dollars (and no other evidence) read month first.
 */
export function chooseDayOrder(text: string, currency: string | undefined): { order: DayOrder; evidence: boolean } {
  let dayFirst = 0;
  let monthFirst = 0;
  for (const { first, second } of numericDateParts(text)) {
    if (first > 12 && second <= 12) dayFirst += 1;
    if (second > 12 && first <= 12) monthFirst += 1;
  }
  if (dayFirst !== monthFirst) return { order: dayFirst > monthFirst ? 'DMY' : 'MDY', evidence: true };
  return { order: currency === 'USD' ? 'MDY' : 'DMY', evidence: false };
}

/** Every date in a text, left to right (overlaps resolved in favour of the earlier, longer match). */
export function findDates(text: string, order: DayOrder): DateToken[] {
  const found: DateToken[] = [];
  const add = (iso: string | undefined, start: number, length: number, ambiguous = false): void => {
    if (iso === undefined) return;
    const end = start + length;
    if (found.some((token) => start < token.end && end > token.start)) return;
    found.push({ iso, start, end, ambiguous });
  };
  for (const match of text.matchAll(PATTERNS.iso)) {
    add(isoDate(Number(match[1]), Number(match[3]), Number(match[4])), match.index, match[0].length);
  }
  for (const match of text.matchAll(PATTERNS.dayMonthName)) {
    const month = monthNumber(match[2] ?? '');
    if (month !== undefined)
      add(isoDate(fullYear(match[3] ?? ''), month, Number(match[1])), match.index, match[0].length);
  }
  for (const match of text.matchAll(PATTERNS.monthNameDay)) {
    const month = monthNumber(match[1] ?? '');
    if (month !== undefined) add(isoDate(Number(match[3]), month, Number(match[2])), match.index, match[0].length);
  }
  for (const match of text.matchAll(PATTERNS.numeric)) {
    const first = Number(match[1]);
    const second = Number(match[3]);
    const year = fullYear(match[4] ?? '');
    // Dots and dashes are written day first (DIN 5008, most of Europe); slashes follow the order.
    const monthFirst = match[2] === '/' && (order === 'MDY' ? first <= 12 : second > 12 && first <= 12);
    const iso = monthFirst ? isoDate(year, first, second) : isoDate(year, second, first);
    add(iso, match.index, match[0].length, match[2] === '/' && first <= 12 && second <= 12 && first !== second);
  }
  return found.sort((a, b) => a.start - b.start);
}

/** A whole text as one date, or undefined. */
export function parseDate(text: string, order: DayOrder): DateToken | undefined {
  const trimmed = text.trim();
  const [token] = findDates(trimmed, order);
  return token !== undefined && token.start === 0 && token.end >= trimmed.replace(/[.,]$/, '').length
    ? token
    : undefined;
}

/**
 * Due date from payment terms: "Net 30", "payable within 14 days", "zahlbar innerhalb von 14
 * Tagen", "Zahlungsziel 30 Tage", "à 30 jours", "binnen 30 dagen", "a 30 días".
 */
export function paymentTermDays(text: string): number | undefined {
  const patterns = [
    /\bnet\s*(\d{1,3})\b/i,
    /\b(?:within|in)\s+(\d{1,3})\s+days\b/i,
    /\b(\d{1,3})\s+days\s+(?:net|from|after)\b/i,
    /\b(?:innerhalb|binnen)\s+(?:von\s+)?(\d{1,3})\s+(?:tagen|dagen)\b/i,
    /\bzahlungsziel:?\s*(\d{1,3})\s+tage/i,
    /\b(\d{1,3})\s+tage\s+netto\b/i,
    /(?:^|\s)à\s+(\d{1,3})\s+jours\b/i,
    /\ba\s+(\d{1,3})\s+días\b/i,
  ];
  for (const pattern of patterns) {
    const days = pattern.exec(text)?.[1];
    if (days !== undefined) return Number(days);
  }
  return undefined;
}

export function addDays(iso: string, days: number): string {
  const date = new Date(`${iso}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
