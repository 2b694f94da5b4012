/**
 * A document's text cut to what an event may carry. The bound is on the bytes of the text
 * as a JSON string (UTF-8, escapes included), since that is what the Kafka message holds: a
 * text of control characters or quotes takes more room than its length says. The cut never
 * splits a surrogate pair, and ends at the last line break of the kept part when there is one
 * in its last tenth, so a reader does not see half a line.
 */
export interface BoundedText {
  text: string;
  truncated: boolean;
  /** Bytes of the whole text as a JSON string. */
  fullBytes: number;
}

const jsonBytes = (text: string): number => Buffer.byteLength(JSON.stringify(text), 'utf8');

export function boundText(text: string, maxBytes: number): BoundedText {
  const fullBytes = jsonBytes(text);
  if (fullBytes <= maxBytes) return { text, truncated: false, fullBytes };
  let kept = text;
  // Each step keeps the share of characters that fits, so a few steps settle it.
  while (kept.length > 0 && jsonBytes(kept) > maxBytes) {
    const share = maxBytes / jsonBytes(kept);
    kept = withoutLoneHighSurrogate(kept.slice(0, Math.max(0, Math.floor(kept.length * share) - 1)));
  }
  const lastBreak = kept.lastIndexOf('\n');
  if (lastBreak > kept.length * 0.9) kept = kept.slice(0, lastBreak);
  return { text: kept, truncated: true, fullBytes };
}

function withoutLoneHighSurrogate(text: string): string {
  const last = text.charCodeAt(text.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? text.slice(0, -1) : text;
}
