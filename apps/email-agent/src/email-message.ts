/**
 * One inbound email as the agent works with it, whichever form it arrived in (raw MIME, a
 * mail provider's form post, or the parsed fields of `email.incoming` v1).
 */
export interface Mailbox {
  address: string;
  name?: string;
}

export interface EmailAttachment {
  filename?: string;
  /** Media type without parameters, lower case (`application/pdf`). */
  mediaType: string;
  size: number;
  /** SHA-256 of the content, lower-case hex: known when the content is here, or given upstream. */
  sha256?: string;
  /** The bytes, when the message carried them (raw MIME, a form's file part). */
  content?: Buffer;
  /** Where the content is already stored (a claim-check reference), when it came by reference. */
  location?: string;
  /** An inline part (an image the HTML body shows), not something the sender attached for its own sake. */
  inline?: boolean;
}

export interface ParsedEmail {
  /** RFC 5322 Message-ID, without angle brackets. */
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  /** The conversation this message belongs to (thread-id.ts). */
  threadId?: string;
  from: Mailbox;
  to: Mailbox[];
  cc: Mailbox[];
  replyTo: Mailbox[];
  subject: string;
  /** The Date header, RFC 3339. */
  sentAt?: string;
  /** The text body; for an HTML-only message, the HTML's text. */
  text: string;
  html?: string;
  attachments: EmailAttachment[];
  /** Header values by lower-case name (the last occurrence), as written: what rules read (List-Unsubscribe, X-Spam-Flag). */
  headers: Record<string, string>;
}

/** Deliberately loose, like the catalogue's `mailbox`: a deliverable but unusual address must not be refused. */
const ADDRESS = /^[^\s@]+@[^\s@]+$/;

export function isMailAddress(address: string): boolean {
  return ADDRESS.test(address);
}

/** The media type without parameters, lower case; `application/octet-stream` when there is none. */
export function bareMediaType(contentType: string | undefined): string {
  const bare = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  return /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/.test(bare) ? bare : 'application/octet-stream';
}

/** The attachment's file name extension, lower case, without the dot ('' when none). */
export function extensionOf(filename: string | undefined): string {
  const match = /\.([a-z0-9]{1,8})$/i.exec(filename ?? '');
  return match?.[1]?.toLowerCase() ?? '';
}
