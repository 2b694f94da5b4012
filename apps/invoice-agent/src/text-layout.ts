/**
 * A document's text as lines of cells. Columns in laid-out text (libs/documents keeps a PDF's
 * columns two spaces or more apart) and in plain-text invoices are separated by two or more
 * spaces or a tab; footers separate their parts with ` | `, ` · ` or ` • `. Each cell keeps
 * its column offsets, so a value can be looked up under its label.
 */

export interface Cell {
  text: string;
  start: number;
  end: number;
}

export interface TextLine {
  index: number;
  text: string;
  cells: Cell[];
  /** A page ends here (a form feed in the text: libs/documents separates PDF pages with one). */
  pageBreak?: boolean;
}

export function textLines(text: string): TextLine[] {
  return text
    .replace(/\f/g, '\n\f\n')
    .split('\n')
    .map((raw, index) => {
      if (raw === '\f') return { index, text: '', cells: [], pageBreak: true };
      const line = raw.replace(/\t/g, '    ').replace(/\s+$/, '');
      return { index, text: line, cells: splitCells(line) };
    });
}

export function splitCells(line: string): Cell[] {
  const cells: Cell[] = [];
  for (const match of line.matchAll(/\S(?:.*?\S)??(?=\s{2,}|\s[|·•]\s|$)/g)) {
    // Footer separators at a cell's edge are not part of it.
    const text = match[0].replace(/^[|·•]\s*/, '');
    if (text === '') continue;
    const start = match.index + (match[0].length - text.length);
    cells.push({ text, start, end: start + text.length });
  }
  return cells;
}

/** The cell holding an offset of the line. */
export function cellAt(line: TextLine, offset: number): Cell | undefined {
  return line.cells.find((cell) => offset >= cell.start && offset < cell.end);
}

/** The cell of a line under a column range: overlapping it, or aligned with its start or end. */
export function cellUnder(line: TextLine, start: number, end: number): Cell | undefined {
  let best: { cell: Cell; distance: number } | undefined;
  for (const cell of line.cells) {
    const overlap = Math.min(end, cell.end) - Math.max(start, cell.start);
    const distance = overlap > 0 ? 0 : Math.min(Math.abs(cell.start - start), Math.abs(cell.end - end));
    if (distance <= 3 && (best === undefined || distance < best.distance)) best = { cell, distance };
  }
  return best?.cell;
}
