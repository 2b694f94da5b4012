/** Request headers as Node gives them (lower-case names); other spellings are found too. */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The value of a header, looked up case-insensitively; undefined when absent or blank. A
 * header sent twice arrives as an array (or joined by Node with ", "): it is returned
 * joined, which no scheme's format accepts, so it is reported as malformed rather than
 * silently taking one of the two.
 */
export function headerValue(headers: WebhookHeaders, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value = headers[lower];
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower) {
        value = headers[key];
        break;
      }
    }
  }
  const text = typeof value === 'string' ? value : value?.join(', ');
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}
