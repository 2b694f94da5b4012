/**
 * Values next to their labels in laid-out text: on the same line after the label ("Invoice
 * No.: 42", "Total   1.234,56"), in the next cell of the line, or under the label in the
 * next line ("Invoice date" above "05.03.2026", a header row of labels above a row of values).
 * A value's confidence says where it was found and how specific the label was.
 */
import { findLabels, type LabelKind, type LabelMatch } from './invoice-labels';
import { cellAt, cellUnder, type Cell, type TextLine } from './text-layout';

export interface LabelHit {
  line: TextLine;
  label: LabelMatch;
  cell: Cell;
  /** The text from the label's end to the next label on the line (or the line's end). */
  rest: string;
  restStart: number;
}

export interface FoundValue<T> {
  value: T;
  confidence: number;
  line: number;
  /** Offsets of the value in its line. */
  start: number;
}

/**
 * What may stand before a label at the start of its cell: bullets, "zzgl." / "plus" / "inkl."
 * ("zzgl. USt 7 %", "incl. VAT"), and a rate ("19 % MwSt").
 */
const LEAD_IN =
  /^[\s\-*•·>|]*(?:(?:zzgl\.?|zuzüglich|plus|\+|add|inkl\.?|incl\.?|inclusive|including|davon|enthaltene|darin enthalten)\s*)?(?:\d+(?:[.,]\d+)?\s*%\s*)?$/i;

/** Kinds whose label may stand inside a cell ("ACME GmbH, VAT No. DE…"); others must start it. */
const INLINE_KINDS: ReadonlySet<LabelKind> = new Set(['vatId', 'invoiceNumber', 'paymentTerms', 'issueDate']);

export function labelHits(lines: readonly TextLine[], excludedLines: ReadonlySet<number>): LabelHit[] {
  const hits: LabelHit[] = [];
  for (const line of lines) {
    if (excludedLines.has(line.index) || line.cells.length === 0) continue;
    const labels = findLabels(line.text);
    labels.forEach((label, position) => {
      const cell = cellAt(line, label.start);
      if (cell === undefined) return;
      const atCellStart = LEAD_IN.test(line.text.slice(cell.start, label.start));
      if (!atCellStart && !INLINE_KINDS.has(label.kind)) return;
      const next = labels[position + 1];
      const restEnd = next?.start ?? line.text.length;
      hits.push({ line, label, cell, rest: line.text.slice(label.end, restEnd), restStart: label.end });
    });
  }
  return hits;
}

/**
 * What stands between a label and its value (": ", " # ", " - ", "(EUR):"), stripped; a
 * "(" or "-" right before a number is the number's sign and stays: "(45.00)", "-12.00".
 */
function stripSeparators(text: string): string {
  let start = 0;
  while (start < text.length && /[\s:#=.\-–—)(\]/]/.test(text[start] as string)) {
    if (/[(\-−]/.test(text[start] as string) && /^[(\-−]\s?[\d€$£¥]/.test(text.slice(start))) break;
    start += 1;
  }
  return text.slice(start);
}

/**
 * The first value a parser accepts after a label: in the rest of its line (cell by cell),
 * else, when nothing but separators follows the label, under it in the next lines.
 */
export function valueAfter<T>(
  lines: readonly TextLine[],
  hit: LabelHit,
  parse: (text: string) => T | undefined,
  options: { sameLineOnly?: boolean; whole?: boolean } = {},
): FoundValue<T> | undefined {
  const specificity = hit.label.priority >= 3 ? 1 : hit.label.priority === 2 ? 0.92 : 0.82;
  const stripped = stripSeparators(hit.rest);
  const offset = hit.restStart + (hit.rest.length - stripped.length);
  if (stripped.trim() !== '') {
    // The rest of the label's cell first, then each following cell of the rest.
    const pieces = options.whole === true ? [stripped] : stripped.split(/\s{2,}|\s[|·•]\s/);
    let consumed = 0;
    for (const [index, piece] of pieces.entries()) {
      const at = stripped.indexOf(piece, consumed);
      consumed = at + piece.length;
      const value = parse(stripSeparators(piece).trim());
      if (value !== undefined) {
        return {
          value,
          confidence: (index === 0 ? 0.92 : 0.88) * specificity,
          line: hit.line.index,
          start: offset + at,
        };
      }
    }
    return undefined;
  }
  if (options.sameLineOnly === true) return undefined;
  let skippedBlank = false;
  for (let index = hit.line.index + 1; index < Math.min(lines.length, hit.line.index + 4); index += 1) {
    const line = lines[index] as TextLine;
    if (line.cells.length === 0) {
      if (skippedBlank) return undefined;
      skippedBlank = true;
      continue;
    }
    const cell = cellUnder(line, hit.cell.start, Math.max(hit.cell.end, hit.label.end));
    if (cell === undefined) return undefined;
    // A label under a label: a list of labels whose values are in another column.
    if (findLabels(cell.text).some((label) => label.start === 0 && label.priority >= 2)) return undefined;
    const value = parse(cell.text.trim());
    return value === undefined ? undefined : { value, confidence: 0.8 * specificity, line: index, start: cell.start };
  }
  return undefined;
}
