/**
 * Who sent the invoice and to whom, from laid-out text.
 *
 * - The customer block follows a label such as "Bill to", "Rechnungsempfänger", "Facturé à",
 *   "Klant": its first line is the customer's name, and everything in its column until a
 *   blank line belongs to the customer (so the customer's VAT id and IBAN are never taken for
 *   the supplier's).
 * - The supplier is named by a label ("From", "Supplier", "Lieferant", "Fournisseur") when
 *   there is one; else it is the best-scoring line of the letterhead (the first lines) or the
 *   footer: a legal form (GmbH, Ltd, Inc., SARL, B.V., …) scores high, an address, a phone
 *   number or an email low, and the sender of the email (its display name or domain) breaks
 *   ties.
 * - VAT ids and IBANs outside the customer block are the supplier's; labelled ones first.
 */
import type { ExtractedParty } from './extracted-invoice';
import type { InvoiceHints } from './extracted-invoice';
import { findLabels, type LabelKind } from './invoice-labels';
import { valueAfter, type LabelHit } from './labelled-values';
import { findIbans, findVatIds, taxIdOf, vatIdOf } from './tax-identifiers';
import type { TextLine } from './text-layout';

export const LEGAL_FORM =
  /(?<![\p{L}])(GmbH(?:\s*&\s*Co\.?\s*KG)?|AG|KG|OHG|UG(?:\s*\(haftungsbeschränkt\))?|e\.\s?K\.|GbR|mbH|SE|Ltd\.?|Limited|LLC|L\.L\.C\.|Inc\.?|Incorporated|Corp\.?|Corporation|Co\.|PLC|plc|LLP|S\.A\.S\.?|S\.A\.|SA|SAS|SASU|SARL|S\.à\s?r\.l\.|EURL|B\.V\.|BV|N\.V\.|NV|V\.O\.F\.|S\.L\.|SL|S\.R\.L\.|S\.r\.l\.|Srl|SRL|S\.p\.A\.|SpA|Oy|Oyj|AB|ASA|AS|A\/S|ApS|Pty\.?\s*Ltd\.?|K\.K\.|Sp\.\s*z\s*o\.o\.|s\.r\.o\.|a\.s\.|Kft\.?|Zrt\.?|GesmbH|Ges\.m\.b\.H\.)(?![\p{L}])/u;
const ADDRESS =
  /(\d+\s*\p{L}*\s*(str\.|straße|strasse|street|st\.|road|rd\.|avenue|ave\.|lane|ln\.|drive|dr\.|way|weg|platz|allee|gasse|ring|damm|ufer)|(str\.|straße|strasse|street|road|avenue|weg|platz|allee|gasse|rue|boulevard|bd\.?|chemin|avenue|laan|straat|plein|gracht|calle|avda\.?|via|viale|rua|piazza)\s+\p{L}*\s*\d+|\b\d{4,5}\s+\p{Lu}\p{L}+|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b|\b(suite|floor|p\.?o\.? box|postfach|bp|cedex)\b|,\s*[A-Z]{2}\s+\d{5}\b)/iu;
const CONTACT = /(@|www\.|https?:|\btel\b|\bfon\b|\bphone\b|\bfax\b|\bmobile?\b|\+\d{2}|\(\d{3}\)\s*\d{3})/i;
/** "Your VAT number", "Kunden-USt-IdNr.": a label of the customer's id. */
const CUSTOMER_ID_WORDS = /\b(your|customer|client|buyer|ihre|kunden|votre|uw|su|vostro)\b/i;

/** Labels that start something else; a customer's VAT id, tax line or customer number stays in the block. */
const ENDS_BLOCK: ReadonlySet<LabelKind> = new Set([
  'invoiceNumber',
  'issueDate',
  'dueDate',
  'otherDate',
  'net',
  'total',
  'payable',
  'customerBlock',
  'supplierBlock',
  'paymentTerms',
]);

export interface CustomerZone {
  lines: Set<number>;
  /** Per line, the column range of the block (two-column letterheads keep the supplier on the left). */
  columns: Map<number, { start: number; end: number }>;
}

export interface Parties {
  supplier?: ExtractedParty;
  customer?: ExtractedParty;
  supplierConfidence: number;
  supplierVatConfidence: number;
  customerConfidence: number;
}

function blockLabel(hit: LabelHit): boolean {
  // A block label is followed by nothing, or a ':' then its first line.
  return /^\s*(:|$)/.test(hit.rest) || /^\s*:/.test(hit.rest);
}

function inZone(zone: CustomerZone, line: number, start: number, end: number): boolean {
  const columns = zone.columns.get(line);
  return columns !== undefined && start < columns.end + 2 && end > columns.start - 2;
}

/** The lines and columns of the customer block under (or after) a "Bill to"-like label. */
export function customerZone(
  lines: readonly TextLine[],
  hits: readonly LabelHit[],
): { zone: CustomerZone; name?: { text: string; line: number } } {
  const zone: CustomerZone = { lines: new Set(), columns: new Map() };
  let name: { text: string; line: number } | undefined;
  for (const hit of hits) {
    if (hit.label.kind !== 'customerBlock' || !blockLabel(hit)) continue;
    const start = hit.cell.start;
    const sameLine =
      hit.rest
        .replace(/^\s*:?\s*/, '')
        .split(/\s{2,}/)[0]
        ?.trim() ?? '';
    let end = hit.cell.end;
    zone.lines.add(hit.line.index);
    zone.columns.set(hit.line.index, { start, end: start + Math.max(hit.cell.end - start, 30) });
    if (sameLine !== '' && /\p{L}{2}/u.test(sameLine)) name ??= { text: sameLine, line: hit.line.index };
    let misses = 0;
    for (let index = hit.line.index + 1; index < Math.min(lines.length, hit.line.index + 9); index += 1) {
      const line = lines[index] as TextLine;
      // A blank line ends the block; a line with nothing in its column (the other column's
      // text on a line of its own) is passed over once.
      if (line.cells.length === 0) break;
      // The block is left-aligned under its label: cells starting there, or spanning over it.
      const cells = line.cells.filter(
        (cell) => Math.abs(cell.start - start) <= 3 || (cell.start < start && cell.end > start + 1),
      );
      const first = cells[0];
      if (first === undefined) {
        misses += 1;
        if (misses > 1) break;
        continue;
      }
      misses = 0;
      if (first.start < start - 2 && line.cells.length > 1) break;
      if (
        findLabels(first.text).some((label) => label.start === 0 && label.priority >= 3 && ENDS_BLOCK.has(label.kind))
      )
        break;
      end = Math.max(end, ...cells.map((cell) => cell.end));
      zone.lines.add(index);
      zone.columns.set(index, { start: first.start, end: Math.max(first.end, start + 30) });
      if (name === undefined && /\p{L}{2}/u.test(first.text)) name = { text: first.text, line: index };
    }
  }
  return { zone, ...(name === undefined ? {} : { name }) };
}

function senderWords(hints: InvoiceHints): string[] {
  const words: string[] = [];
  const name = hints.sender?.name;
  if (name !== undefined)
    words.push(
      ...name
        .toLowerCase()
        .split(/[^\p{L}\d]+/u)
        .filter((word) => word.length >= 3),
    );
  const domain = hints.sender?.address.split('@')[1]?.toLowerCase().split('.');
  if (domain !== undefined && domain.length >= 2) {
    const organisation = domain[domain.length - 2] as string;
    if (!['gmail', 'outlook', 'hotmail', 'yahoo', 'gmx', 'web', 'icloud', 'mail', 'proton'].includes(organisation))
      words.push(organisation);
  }
  return words.filter(
    (word) =>
      !['billing', 'invoice', 'invoices', 'accounts', 'noreply', 'buchhaltung', 'rechnung', 'factures'].includes(word),
  );
}

function candidateScore(
  text: string,
  lineIndex: number,
  topLines: number,
  footer: boolean,
  hints: readonly string[],
): number {
  if (text.length < 2 || text.length > 70 || !/\p{L}{2}/u.test(text)) return -Infinity;
  if (findLabels(text).some((label) => label.start <= 1 && label.kind !== 'supplierBlock')) return -Infinity;
  let score = 0;
  if (LEGAL_FORM.test(text)) score += 4;
  if (lineIndex < topLines) score += lineIndex === 0 ? 3 : lineIndex < 3 ? 2 : 1;
  if (footer) score += 1;
  if (CONTACT.test(text)) score -= 5;
  if (ADDRESS.test(text)) score -= 4;
  if (/\d/.test(text) && !LEGAL_FORM.test(text)) score -= 2;
  if (/[:]$/.test(text)) score -= 3;
  if (text.split(/\s+/).length > 7) score -= 2;
  const compact = text.toLowerCase().replace(/[^\p{L}\d]/gu, '');
  if (hints.some((word) => compact.includes(word))) score += 3;
  return score;
}

/** A name as it should be kept: a footer's "ACME GmbH, Hauptstr. 1" gives "ACME GmbH". */
function cleanName(text: string): string {
  const legal = LEGAL_FORM.exec(text);
  const cut =
    legal !== null ? text.slice(0, legal.index + legal[0].length) : (text.split(/\s[-–|·•,]\s|,\s/)[0] ?? text);
  return cut.replace(/^[\s\-–:·•|]+|[\s\-–:,·•|]+$/g, '').trim();
}

export function extractParties(
  lines: readonly TextLine[],
  hits: readonly LabelHit[],
  tableLines: ReadonlySet<number>,
  hints: InvoiceHints,
): Parties {
  const { zone, name: customerName } = customerZone(lines, hits);
  const result: Parties = { supplierConfidence: 0, supplierVatConfidence: 0, customerConfidence: 0 };
  if (customerName !== undefined) {
    result.customer = { name: cleanName(customerName.text) };
    result.customerConfidence = 0.8;
  }

  // The supplier: a labelled block, else the best letterhead or footer line.
  let supplierName: { text: string; line: number; confidence: number } | undefined;
  for (const hit of hits) {
    if (hit.label.kind !== 'supplierBlock' || !blockLabel(hit)) continue;
    const found = valueAfter(lines, hit, (text) => (/\p{L}{2}/u.test(text) ? text : undefined));
    if (found !== undefined) {
      supplierName = { text: found.value, line: found.line, confidence: 0.9 };
      break;
    }
  }
  const firstTable = Math.min(...tableLines, lines.length);
  const nonEmpty = lines.filter((line) => line.cells.length > 0);
  const topLines = new Set(
    nonEmpty
      .filter((line) => line.index < firstTable)
      .slice(0, 12)
      .map((line) => line.index),
  );
  const footerLines = new Set(nonEmpty.slice(-8).map((line) => line.index));
  if (supplierName === undefined) {
    const senderHints = senderWords(hints);
    const topOrder = [...topLines];
    let best: { text: string; line: number; score: number } | undefined;
    for (const line of nonEmpty) {
      const top = topLines.has(line.index);
      const footer = footerLines.has(line.index) && !top;
      if ((!top && !footer) || tableLines.has(line.index)) continue;
      for (const cell of line.cells) {
        if (zone.lines.has(line.index) && inZone(zone, line.index, cell.start, cell.end)) continue;
        const pieces = footer ? cell.text.split(/\s[-–|·•,]\s|,\s/) : [cell.text];
        for (const piece of pieces) {
          const rank = top ? topOrder.indexOf(line.index) : 99;
          const score =
            candidateScore(piece.trim(), rank, 12, footer, senderHints) - (cell.start > 40 && top ? 0.5 : 0);
          if (score > (best?.score ?? 0.5)) best = { text: piece.trim(), line: line.index, score };
        }
      }
    }
    if (best !== undefined) {
      const confidence = best.score >= 6 ? 0.9 : best.score >= 4 ? 0.8 : best.score >= 2 ? 0.65 : 0.5;
      supplierName = { text: best.text, line: best.line, confidence };
    }
  }

  // VAT and tax ids: labelled first, outside the customer block; then any VAT id outside it.
  let vat: { id: string; kind: 'vat' | 'tax'; confidence: number; line: number } | undefined;
  let customerVat: string | undefined;
  for (const hit of hits) {
    if (hit.label.kind !== 'vatId') continue;
    const before = hit.line.text.slice(hit.cell.start, hit.label.start);
    const found = valueAfter(lines, hit, (text) => {
      const vatId = findVatIds(text).find((candidate) => candidate.start === 0)?.vatId;
      return vatId ?? vatIdOf(text) ?? taxIdOf(text);
    });
    if (found === undefined) continue;
    const forCustomer = CUSTOMER_ID_WORDS.test(before) || inZone(zone, found.line, found.start, found.start + 12);
    if (forCustomer) {
      customerVat ??= vatIdOf(found.value) ?? undefined;
      continue;
    }
    const isVat = vatIdOf(found.value) !== undefined;
    if (vat === undefined || (isVat && vat.kind === 'tax')) {
      vat = { id: found.value, kind: isVat ? 'vat' : 'tax', confidence: isVat ? 0.92 : 0.75, line: found.line };
    }
  }
  let iban: string | undefined;
  for (const line of lines) {
    for (const found of findVatIds(line.text)) {
      if (inZone(zone, line.index, found.start, found.end)) customerVat ??= found.vatId;
      else if (vat === undefined || vat.kind === 'tax')
        vat = { id: found.vatId, kind: 'vat', confidence: 0.8, line: line.index };
    }
    for (const found of findIbans(line.text)) {
      if (!inZone(zone, line.index, found.start, found.end)) iban ??= found.iban;
    }
  }

  if (supplierName !== undefined) {
    result.supplier = {
      name: cleanName(supplierName.text),
      ...(vat === undefined ? {} : vat.kind === 'vat' ? { vatId: vat.id } : { taxId: vat.id }),
      ...(iban === undefined ? {} : { iban }),
    };
    result.supplierConfidence = supplierName.confidence;
    result.supplierVatConfidence = vat?.confidence ?? 0;
  }
  if (result.customer !== undefined && customerVat !== undefined) result.customer.vatId = customerVat;
  return result;
}
