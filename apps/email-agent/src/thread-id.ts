/**
 * The thread an email belongs to, from its RFC 5322 identification fields (RFC 5322 §3.6.4):
 * `References` lists the thread's message ids oldest first, so its first entry is the
 * message that started the conversation; a reply with only `In-Reply-To` (older clients)
 * names its parent; a message with neither starts a thread of its own. Every message of a
 * conversation therefore gets the same id, as long as the clients kept `References`.
 */
export interface IdentificationFields {
  messageId?: string;
  inReplyTo?: string;
  references: readonly string[];
}

export function threadIdOf(fields: IdentificationFields): string | undefined {
  return fields.references[0] ?? fields.inReplyTo ?? fields.messageId;
}

/** Message ids from a header value (`<a@x> <b@y>`, or one bare id), without angle brackets. */
export function messageIdsOf(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const text = typeof value === 'string' ? value : value.join(' ');
  const bracketed = [...text.matchAll(/<([^<>\s]+)>/g)].map((match) => match[1] as string);
  if (bracketed.length > 0) return bracketed;
  return text.split(/[\s,]+/).filter((id) => id.includes('@') && id.length <= 998);
}
