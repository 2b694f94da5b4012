/**
 * `email.incoming` → ParsedEmail, for each form the event takes (docs/architecture.md
 * "Event envelope"; apps/webhook-gateway/src/email-intake.ts):
 * - binary data `message/rfc822`: the raw MIME message;
 * - binary data `multipart/form-data` or `application/x-www-form-urlencoded`: a mail
 *   provider's parsed fields (parse-mail-form.ts);
 * - JSON data (the v1 schema's fields): the raw MIME when `rawMime` is there (it holds the
 *   attachments' bytes), else the fields as given, attachments by reference.
 * Anything else is EmailContentUnsupported; a message that cannot be read, EmailMalformed.
 */
import type { EmailIncoming, FlowlineEvent } from '@flowline/event-schemas';
import { EmailContentUnsupported } from './email-errors';
import { bareMediaType, type ParsedEmail } from './email-message';
import { htmlToText } from './html-text';
import { parseMailForm } from './parse-mail-form';
import { parseMimeMessage } from './parse-mime';
import { threadIdOf } from './thread-id';

const FORM_TYPES = new Set(['multipart/form-data', 'application/x-www-form-urlencoded']);

export async function readIncomingEmail(event: FlowlineEvent<'email.incoming'>): Promise<ParsedEmail> {
  const data = event.data;
  if (!Buffer.isBuffer(data))
    return data.rawMime === undefined ? fromFields(data) : fromFieldsWithMime(data, data.rawMime);
  const mediaType = bareMediaType(event.datacontenttype);
  if (mediaType === 'message/rfc822') return parseMimeMessage(data);
  if (FORM_TYPES.has(mediaType)) return parseMailForm(data, event.datacontenttype);
  throw new EmailContentUnsupported(
    `email.incoming data of type "${event.datacontenttype}" is not an email: expected message/rfc822, a multipart/form-data or urlencoded form, or JSON fields`,
  );
}

/** The raw message is the source of truth; the fields' attachment locations are kept where hashes match. */
async function fromFieldsWithMime(data: EmailIncoming, rawMime: string): Promise<ParsedEmail> {
  const parsed = await parseMimeMessage(Buffer.from(rawMime, 'base64'));
  const locations = new Map(
    data.attachments.flatMap((attachment) =>
      attachment.location === undefined ? [] : [[attachment.sha256, attachment.location] as const],
    ),
  );
  return {
    ...parsed,
    attachments: parsed.attachments.map((attachment) => {
      const location = attachment.sha256 === undefined ? undefined : locations.get(attachment.sha256);
      return location === undefined ? attachment : { ...attachment, location };
    }),
  };
}

function fromFields(data: EmailIncoming): ParsedEmail {
  const messageId = withoutBrackets(data.messageId);
  const inReplyTo = withoutBrackets(data.inReplyTo);
  const references = (data.references ?? []).map((id) => withoutBrackets(id) as string);
  const threadId = threadIdOf({ messageId, inReplyTo, references });
  return {
    ...(messageId === undefined ? {} : { messageId }),
    ...(inReplyTo === undefined ? {} : { inReplyTo }),
    references,
    ...(threadId === undefined ? {} : { threadId }),
    from: data.from,
    to: data.to,
    cc: data.cc ?? [],
    replyTo: data.replyTo ?? [],
    subject: data.subject,
    ...(data.sentAt === undefined ? {} : { sentAt: new Date(data.sentAt).toISOString() }),
    text: data.text ?? (data.html === undefined ? '' : htmlToText(data.html)),
    ...(data.html === undefined ? {} : { html: data.html }),
    attachments: data.attachments.map((attachment) => ({
      ...(attachment.filename === undefined ? {} : { filename: attachment.filename }),
      mediaType: attachment.mediaType.toLowerCase(),
      size: attachment.size,
      sha256: attachment.sha256,
      ...(attachment.location === undefined ? {} : { location: attachment.location }),
    })),
    headers: {},
  };
}

function withoutBrackets(id: string | undefined): string | undefined {
  return id?.trim().replace(/^<(.*)>$/, '$1');
}
