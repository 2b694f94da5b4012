/**
 * The text of an HTML document, laid out for a reader that looks for labels and columns:
 * each block (paragraph, heading, list item, table row) on its own line (no blank lines), a table's cells
 * separated by at least two spaces (as the PDF reader separates columns), entities decoded,
 * scripts and styles dropped. Enough for mammoth's clean output and for HTML mail bodies; not
 * a renderer (no CSS, no layout).
 */

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  euro: '€',
  pound: '£',
  yen: '¥',
  copy: '©',
  reg: '®',
  ndash: '–',
  mdash: '—',
  hellip: '…',
  auml: 'ä',
  ouml: 'ö',
  uuml: 'ü',
  Auml: 'Ä',
  Ouml: 'Ö',
  Uuml: 'Ü',
  szlig: 'ß',
  eacute: 'é',
  egrave: 'è',
  agrave: 'à',
  ccedil: 'ç',
  deg: '°',
};

export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return safeCodePoint(Number.parseInt(name.slice(2), 16), whole);
    if (name.startsWith('#')) return safeCodePoint(Number.parseInt(name.slice(1), 10), whole);
    return NAMED_ENTITIES[name] ?? whole;
  });
}

function safeCodePoint(codePoint: number, fallback: string): string {
  return Number.isInteger(codePoint) && codePoint > 0 && codePoint <= 0x10ffff
    ? String.fromCodePoint(codePoint)
    : fallback;
}

export function htmlToText(html: string): string {
  const text = html
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/\s+/g, ' ')
    // A cell's paragraphs stay on the row's line (mammoth wraps every cell's text in <p>).
    .replace(
      /<(td|th)\b[^>]*>([\s\S]*?)<\/\1\s*>/gi,
      (_cell, _tag, inner: string) => `${inner.replace(/<\/?(p|div|br|h[1-6]|li|ul|ol)\b[^>]*>/gi, ' ')}\u0001`,
    )
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(
      /<\/?(p|div|h[1-6]|li|tr|table|thead|tbody|tfoot|ul|ol|section|article|header|footer|blockquote|pre)\b[^>]*>/gi,
      '\n',
    )
    .replace(/<[^>]*>/g, '');
  return decodeHtmlEntities(text)
    .split('\n')
    .map((line) =>
      line
        .split('\u0001')
        .map((cell) => cell.trim())
        .filter((cell, index, cells) => cell !== '' || index < cells.length - 1)
        .join('  ')
        .trim(),
    )
    .filter((line) => line !== '')
    .join('\n');
}
