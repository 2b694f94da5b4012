/**
 * Text items of a PDF page (each a run of glyphs at a position) back into lines of text that
 * keep the page's layout: items on one baseline form a line, left to right, and a wide gap
 * becomes two or more spaces, aligned to a column grid, like `pdftotext -layout`. Readers
 * that look for "label  value" pairs and table columns (split on two spaces) then work on
 * PDFs and on plain-text documents alike. PDF.js's own text joins a line's items with one
 * space and loses the columns.
 */

export interface PositionedText {
  str: string;
  /** Left edge, PDF units (origin bottom-left). */
  x: number;
  /** Baseline, PDF units. */
  y: number;
  /** Advance width of the run, PDF units. */
  width: number;
  fontSize: number;
}

/** A gap of at least this many average character widths separates columns (two spaces or more). */
const COLUMN_GAP = 1.3;
/** A gap below this (kerning, a run split mid-word) joins the items without a space. */
const WORD_GAP = 0.15;

export function layoutLines(items: readonly PositionedText[]): string[] {
  const runs = items.filter((item) => item.str.trim() !== '');
  if (runs.length === 0) return [];
  const unit = characterWidth(runs);
  const lines: { y: number; size: number; runs: PositionedText[] }[] = [];
  for (const run of [...runs].sort((a, b) => b.y - a.y || a.x - b.x)) {
    const line = lines.at(-1);
    // Same baseline within 40 % of the font size: superscripts and mixed fonts stay on their line.
    if (line !== undefined && Math.abs(line.y - run.y) <= Math.max(line.size, run.fontSize) * 0.4) line.runs.push(run);
    else lines.push({ y: run.y, size: run.fontSize, runs: [run] });
  }
  const left = Math.min(...runs.map((run) => run.x));
  const text: string[] = [];
  let previousY: number | undefined;
  let previousSize = 0;
  for (const line of lines) {
    // A blank line where the page leaves one (a paragraph or block break).
    if (previousY !== undefined && previousY - line.y > Math.max(previousSize, line.size) * 2.2) text.push('');
    text.push(renderLine(line.runs, left, unit));
    previousY = line.y;
    previousSize = line.size;
  }
  return text;
}

function renderLine(runs: PositionedText[], left: number, unit: number): string {
  let out = '';
  let end: number | undefined;
  for (const run of [...runs].sort((a, b) => a.x - b.x)) {
    const column = Math.max(0, Math.round((run.x - left) / unit));
    const str = run.str.replace(/\s+/g, ' ');
    if (end === undefined) {
      out = ' '.repeat(column) + str.trimStart();
    } else {
      const gap = (run.x - end) / unit;
      if (gap >= COLUMN_GAP)
        out = out.trimEnd() + ' '.repeat(Math.max(2, column - out.trimEnd().length)) + str.trimStart();
      else if (gap >= WORD_GAP && !out.endsWith(' ') && !str.startsWith(' ')) out += ' ' + str;
      else out += str;
    }
    end = Math.max(end ?? -Infinity, run.x + run.width);
  }
  return out.trimEnd();
}

/** The median width of one character over the page's runs (a robust grid unit). */
function characterWidth(runs: readonly PositionedText[]): number {
  const widths = runs
    .filter((run) => run.width > 0 && run.str.length > 0)
    .map((run) => run.width / run.str.length)
    .sort((a, b) => a - b);
  const median = widths[Math.floor(widths.length / 2)];
  return median !== undefined && median > 0 ? median : (runs[0]?.fontSize ?? 10) * 0.5;
}
