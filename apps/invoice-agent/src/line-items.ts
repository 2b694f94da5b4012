/**
 * An invoice's line items from laid-out text. The table is found by its header row (two or
 * more column words such as Description / Qty / Unit price / Amount, in any of the supported
 * languages); each row's cells are assigned to the header's columns by position (text is
 * left-aligned, numbers usually right-aligned, so a cell is matched by its start or end). Rows
 * end at the totals (Subtotal, Total, VAT …). A row without numbers continues the previous
 * line's description.
 *
 * Which number is the quantity and which the unit price is checked by arithmetic: when
 * quantity × unit price does not give the amount but another pair of the row's numbers does,
 * the pair that adds up wins. Without a header, only rows whose numbers add up that way are
 * taken (text, then quantity × price = amount).
 */
import Decimal from 'decimal.js';
import { findAmounts, type AmountToken, type NumberStyle } from './amounts';
import { isKnownCurrency } from './currencies';
import type { ExtractedLine } from './extracted-invoice';
import { findLabels } from './invoice-labels';
import type { Cell, TextLine } from './text-layout';

type ColumnType = 'position' | 'description' | 'quantity' | 'unitPrice' | 'taxRate' | 'amount' | 'unit' | 'other';

const COLUMN_WORDS: readonly [ColumnType, RegExp][] = [
  ['position', /^(pos\.?|position|#|no\.?|nr\.?|item\s*(no\.?|#)|art\.?\s*-?\s*nr\.?|sku|code|ref\.?)$/i],
  [
    'unitPrice',
    /^(unit\s*(price|cost|rate)|price(\s*each)?|rate|each|einzelpreis|e\.?\s*-?\s*preis|stückpreis|preis(\s*\/\s*einheit)?|prix(\s*unitaire)?(\s*ht)?|p\.?\s*u\.?(\s*ht)?|prijs|stukprijs|eenheidsprijs|precio(\s*unitario)?|prezzo(\s*unitario)?|preço(\s*unitário)?|[áa]\s*-?\s*pris|pris|unit\s*price\s*\(?[A-Z€$£]{1,3}\)?)$/i,
  ],
  [
    'quantity',
    /^(qty\.?|quantity|quantities|units?|hrs\.?|hours|days|menge|anzahl|stk\.?|stück|qté\.?|quantité|quantite|aantal|cantidad|cant\.?|quantità|qtà|quantidade|antal|ant\.?)$/i,
  ],
  ['unit', /^(unit|einheit|me|unité|eenheid|unidad|unità)$/i],
  ['taxRate', /^((vat|tax|gst|mwst\.?|ust\.?|tva|btw|iva|moms)\s*(%|rate|satz)?|%|steuersatz|taux(\s*tva)?)$/i],
  [
    'amount',
    /^((line\s*)?total|amount|net(\s*amount)?|sum|betrag|gesamt(preis|betrag)?|summe|netto(betrag)?|montant(\s*ht)?|total\s*ht|bedrag|totaal|importe|importo|totale|valor|belopp|summa|amount\s*\(?[A-Z€$£]{1,3}\)?|total\s*\(?[A-Z€$£]{1,3}\)?)$/i,
  ],
  [
    'other',
    /^(date|datum|activity|service\s*date|discount|disc\.?|rabatt|remise|korting|descuento|sconto|vat\s*amount|tax\s*amount|mwst\.?\s*betrag|delivery|lieferung|period|zeitraum|ref\.?|reference)$/i,
  ],
  [
    'description',
    /^(description|descr\.?|items?|article|product|services?|details|particulars|beschreibung|bezeichnung|artikel(bezeichnung)?|leistung(sbeschreibung)?|produkt|désignation|designation|libellé|prestation|omschrijving|descripción|concepto|descrizione|descrição|beskrivning|text|item\s*description|service\s*description)$/i,
  ],
];

interface HeaderColumn {
  type: ColumnType;
  start: number;
  end: number;
}

/** A currency after a column word: "Amount (USD)", "Preis CHF", "Total €", "Price in EUR". */
const CURRENCY_TAG = /(?:\s*\((?:[A-Z]{3}|[€$£¥])\)|\s+(?:in\s+)?[A-Z]{3}|\s*[€$£¥])$/;

function columnType(cell: string): ColumnType | undefined {
  const text = cell.trim().replace(/[:.]$/, '');
  const tag = CURRENCY_TAG.exec(text)?.[0];
  const code = tag?.replace(/[^A-Z€$£¥]/g, '');
  const untagged =
    tag !== undefined && (code === undefined || code.length !== 3 || isKnownCurrency(code))
      ? text.slice(0, -tag.length)
      : text;
  const type = COLUMN_WORDS.find(([, pattern]) => pattern.test(untagged))?.[0];
  // "Unit (USD)" is a price; a bare "Unit" is the unit of measure.
  return type === 'unit' && untagged !== text ? 'unitPrice' : type;
}

/** Lines inside a table that are no item: page-break notes and carried totals. */
const NOT_AN_ITEM =
  /\b(continued|carried forward|brought forward|übertrag|seite\s+\d+|page\s+\d+|suite\s+page|report)\b/i;

function headerColumns(line: TextLine): HeaderColumn[] | undefined {
  const columns: HeaderColumn[] = [];
  let unknown = 0;
  for (const cell of line.cells) {
    const type = columnType(cell.text);
    if (type === undefined) unknown += 1;
    columns.push({ type: type ?? 'other', start: cell.start, end: cell.end });
  }
  // A header row is column words, one unknown column at most (and never most of the row).
  if (unknown > 1 || unknown * 3 > line.cells.length) return undefined;
  const types = new Set(columns.map((column) => column.type));
  const core = ['description', 'quantity', 'unitPrice', 'amount'].filter((type) => types.has(type as ColumnType));
  return core.length >= 2 && (types.has('amount') || types.has('unitPrice')) ? columns : undefined;
}

/** Totals, payment and bank lines end a table. */
function endsTable(line: TextLine): boolean {
  const first = line.cells[0];
  if (first === undefined) return false;
  return (
    findLabels(line.text).some(
      (label) =>
        ['net', 'tax', 'total', 'payable', 'paymentTerms', 'paymentReference', 'vatId'].includes(label.kind) &&
        label.priority >= 2 &&
        Math.abs(label.start - first.start) <= 1,
    ) || /^(total|totaal|totale|summe|gesamt)\b/i.test(first.text)
  );
}

export interface LineItemTable {
  /** Line indexes the table occupies (header and rows), excluded from the label search. */
  lineIndexes: Set<number>;
  items: ExtractedLine[];
  /** 0..1: a header and rows that add up score high. */
  confidence: number;
}

export function extractLineItems(lines: readonly TextLine[], style: NumberStyle): LineItemTable {
  const lineIndexes = new Set<number>();
  const items: ExtractedLine[] = [];
  let consistentRows = 0;
  let headed = false;
  for (let index = 0; index < lines.length; index += 1) {
    const header = headerColumns(lines[index] as TextLine);
    if (header === undefined) continue;
    headed = true;
    lineIndexes.add(index);
    let blank = 0;
    let previous: ExtractedLine | undefined;
    for (index += 1; index < lines.length; index += 1) {
      const line = lines[index] as TextLine;
      if (line.pageBreak === true) break;
      if (line.cells.length === 0) {
        blank += 1;
        if (blank >= 2) break;
        continue;
      }
      if (NOT_AN_ITEM.test(line.text)) continue;
      if (endsTable(line) || headerColumns(line) !== undefined) {
        index -= 1; // let the outer loop see a repeated header (next page)
        break;
      }
      blank = 0;
      lineIndexes.add(index);
      const row = rowByHeader(line, header, style);
      if (row === 'continuation') {
        if (previous !== undefined) previous.description = `${previous.description} ${line.text.trim()}`.trim();
        continue;
      }
      if (row === undefined) continue;
      items.push(row.item);
      if (row.consistent) consistentRows += 1;
      previous = row.item;
    }
  }
  if (!headed) return headerlessItems(lines, style);
  const confidence = items.length === 0 ? 0 : 0.7 + 0.25 * (consistentRows / items.length);
  return { lineIndexes, items, confidence };
}

function nearestColumn(cell: Cell, header: readonly HeaderColumn[]): HeaderColumn | undefined {
  let best: { column: HeaderColumn; distance: number } | undefined;
  for (const column of header) {
    const overlap = Math.min(cell.end, column.end) - Math.max(cell.start, column.start);
    const distance = overlap > 0 ? 0 : Math.min(Math.abs(cell.start - column.start), Math.abs(cell.end - column.end));
    if (best === undefined || distance < best.distance) best = { column, distance };
  }
  return best?.column;
}

function numbersIn(text: string, style: NumberStyle): AmountToken[] {
  return findAmounts(text, style);
}

function rowByHeader(
  line: TextLine,
  header: readonly HeaderColumn[],
  style: NumberStyle,
): { item: ExtractedLine; consistent: boolean } | 'continuation' | undefined {
  const description: string[] = [];
  const byType = new Map<ColumnType, AmountToken>();
  const loose: AmountToken[] = [];
  const hasDescription = header.some((column) => column.type === 'description');
  for (const cell of line.cells) {
    const column = nearestColumn(cell, header);
    const numbers = numbersIn(cell.text, style);
    const numeric =
      numbers.length > 0 &&
      numbers.map((n) => n.text).join(' ').length >=
        cell.text.replace(/\s*(x|×|h|hrs?|std\.?|stk\.?|pcs?|pc|units?|days?|tage?|jours?|uur|stuks?|ea\.?|%)\s*$/i, '')
          .length -
          1;
    if (column?.type === 'description' || (!numeric && (column === undefined || !hasDescription))) {
      description.push(cell.text);
      continue;
    }
    if (!numeric) {
      if (column?.type === 'unit' || column?.type === 'other') continue;
      description.push(cell.text);
      continue;
    }
    const number = numbers.at(-1) as AmountToken;
    if (number.percent || column?.type === 'taxRate') byType.set('taxRate', number);
    else if (column?.type === 'position' || column?.type === 'unit' || column?.type === 'other') continue;
    else if (column !== undefined && !byType.has(column.type)) byType.set(column.type, number);
    else loose.push(number);
  }
  const amounts = [byType.get('quantity'), byType.get('unitPrice'), byType.get('amount'), ...loose].filter(
    (token): token is AmountToken => token !== undefined,
  );
  if (amounts.length === 0) return description.length > 0 ? 'continuation' : undefined;
  const assigned = assignRoles(
    byType.get('quantity')?.value,
    byType.get('unitPrice')?.value,
    byType.get('amount')?.value ?? loose.at(-1)?.value,
    amounts.map((token) => token.value),
  );
  if (assigned === undefined) return undefined;
  const taxRate = byType.get('taxRate');
  return {
    item: {
      description: description.join(' ').trim(),
      ...assigned.line,
      ...(taxRate === undefined ? {} : { taxRatePercent: taxRate.value.abs() }),
    },
    consistent: assigned.consistent,
  };
}

/**
 * Quantity, unit price and amount from what the columns said, corrected by arithmetic: the
 * columns' reading when quantity × price = amount (to the cent), else any pair of the row's
 * numbers whose product is the amount.
 */
function assignRoles(
  quantity: Decimal | undefined,
  unitPrice: Decimal | undefined,
  amount: Decimal | undefined,
  all: readonly Decimal[],
): { line: Omit<ExtractedLine, 'description'>; consistent: boolean } | undefined {
  const total = amount ?? all.at(-1);
  if (total === undefined) return undefined;
  const fits = (q: Decimal, p: Decimal): boolean => q.mul(p).minus(total).abs().lte(0.01);
  if (quantity !== undefined && unitPrice !== undefined && fits(quantity, unitPrice)) {
    return { line: { quantity, unitPrice, amount: total }, consistent: true };
  }
  const others = all.filter((value) => value !== total);
  for (let i = 0; i < others.length; i += 1) {
    for (let j = 0; j < others.length; j += 1) {
      if (i === j) continue;
      const q = others[i] as Decimal;
      const p = others[j] as Decimal;
      if (fits(q, p) && (q.isInteger() || !p.isInteger() || i < j)) {
        return { line: { quantity: q, unitPrice: p, amount: total }, consistent: true };
      }
    }
  }
  if (quantity !== undefined && unitPrice === undefined && !quantity.isZero()) {
    return { line: { quantity, unitPrice: total.div(quantity), amount: total }, consistent: false };
  }
  if (unitPrice !== undefined && quantity === undefined && unitPrice.eq(total)) {
    return { line: { quantity: new Decimal(1), unitPrice, amount: total }, consistent: true };
  }
  return {
    line: { quantity: quantity ?? new Decimal(1), ...(unitPrice === undefined ? {} : { unitPrice }), amount: total },
    consistent: unitPrice === undefined && quantity === undefined,
  };
}

/** No header row: rows of text followed by numbers where quantity × price = amount. */
function headerlessItems(lines: readonly TextLine[], style: NumberStyle): LineItemTable {
  const lineIndexes = new Set<number>();
  const items: ExtractedLine[] = [];
  for (const line of lines) {
    if (endsTable(line) && items.length > 0) break;
    const first = line.cells[0];
    if (first === undefined || line.cells.length < 2) continue;
    const numbers = findAmounts(line.text, style).filter((token) => !token.percent && token.start >= first.end);
    // A description first: a row that starts with a number only (a date, an amount) is not an item.
    if (numbers.length < 2 || !/\p{L}{2}/u.test(first.text)) continue;
    const amount = numbers.at(-1) as AmountToken;
    const others = numbers.slice(0, -1).map((token) => token.value);
    let found: ExtractedLine | undefined;
    for (let i = 0; i < others.length && found === undefined; i += 1) {
      for (let j = 0; j < others.length; j += 1) {
        const q = others[i] as Decimal;
        const p = others[j] as Decimal;
        if (i !== j && q.mul(p).minus(amount.value).abs().lte(0.01) && !p.isZero()) {
          found = { description: first.text, quantity: q, unitPrice: p, amount: amount.value };
          break;
        }
      }
    }
    if (found === undefined || findLabels(first.text).some((label) => label.kind !== 'invoiceTitle')) continue;
    items.push(found);
    lineIndexes.add(line.index);
  }
  return { lineIndexes, items, confidence: items.length === 0 ? 0 : 0.6 };
}
