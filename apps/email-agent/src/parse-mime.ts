/**
 * Raw MIME (RFC 5322 / 2045–2049) → ParsedEmail, with mailparser: encoded words in headers,
 * quoted-printable and base64 bodies, any charset iconv-lite knows (ISO-8859-*, Windows-125x,
 * Shift_JIS, …), nested multiparts, attachments with their bytes.
 *
 * mailparser reads almost anything without complaint, so what counts as malformed is decided
 * here: bytes without a header block are not a message, and a message without a From address
 * cannot be attributed or answered. Both are EmailMalformed (dead-lettered at once).
 */
import { createHash } from 'node:crypto';
import { simpleParser, type AddressObject, type EmailAddress, type ParsedMail } from 'mailparser';
import { EmailMalformed } from './email-errors';
import { bareMediaType, isMailAddress, type EmailAttachment, type Mailbox, type ParsedEmail } from './email-message';
import { htmlToText } from './html-text';
import { messageIdsOf, threadIdOf } from './thread-id';

const PARSER_OPTIONS = {
  // The agent needs neither an HTML rendering of the text nor data: URIs for inline images.
  skipTextToHtml: true,
  skipImageLinks: true,
  skipTextLinks: true,
  keepCidLinks: true,
  // Attachments' checksums as SHA-256: their claim-check identity, computed while parsing.
  checksumAlgo: 'sha256',
} as const;

export async function parseMimeMessage(bytes: Buffer): Promise<ParsedEmail> {
  let mail: ParsedMail;
  try {
    mail = await simpleParser(bytes, PARSER_OPTIONS);
  } catch (error) {
    throw new EmailMalformed(`the message cannot be parsed as MIME: ${(error as Error).message}`, { cause: error });
  }
  // mailparser reports text before the first blank line as one header without a name.
  if (!mail.headerLines.some((header) => header.key !== '' && header.line.includes(':'))) {
    throw new EmailMalformed(
      'not an RFC 5322 message: no header block (expected "Name: value" lines, then a blank line)',
    );
  }
  const from = mailboxesOf(mail.from)[0];
  if (from === undefined) {
    const header = headerValue(mail, 'from');
    throw new EmailMalformed(
      header === undefined
        ? 'the message has no From header'
        : `the From header holds no mail address: "${header.slice(0, 120)}"`,
    );
  }
  const messageId = messageIdsOf(mail.messageId)[0];
  const inReplyTo = messageIdsOf(mail.inReplyTo)[0];
  const references = messageIdsOf(mail.references);
  const html = typeof mail.html === 'string' ? mail.html : undefined;
  return {
    ...(messageId === undefined ? {} : { messageId }),
    ...(inReplyTo === undefined ? {} : { inReplyTo }),
    references,
    ...withThreadId({ messageId, inReplyTo, references }),
    from,
    to: mailboxesOf(mail.to),
    cc: mailboxesOf(mail.cc),
    replyTo: mailboxesOf(mail.replyTo),
    subject: mail.subject ?? '',
    ...(mail.date === undefined || Number.isNaN(mail.date.getTime()) ? {} : { sentAt: mail.date.toISOString() }),
    text: mail.text ?? (html === undefined ? '' : htmlToText(html)),
    ...(html === undefined ? {} : { html }),
    attachments: mail.attachments.map((attachment): EmailAttachment => ({
      ...(attachment.filename === undefined || attachment.filename === '' ? {} : { filename: attachment.filename }),
      mediaType: bareMediaType(attachment.contentType),
      size: attachment.content.length,
      sha256: /^[0-9a-f]{64}$/.test(attachment.checksum)
        ? attachment.checksum
        : createHash('sha256').update(attachment.content).digest('hex'),
      content: attachment.content,
      ...(attachment.related || attachment.contentDisposition === 'inline' ? { inline: true } : {}),
    })),
    headers: headersOf(mail),
  };
}

function withThreadId(fields: { messageId?: string; inReplyTo?: string; references: string[] }): { threadId?: string } {
  const threadId = threadIdOf(fields);
  return threadId === undefined ? {} : { threadId };
}

/** Every mailbox of an address header, group members included, with a usable address. */
export function mailboxesOf(header: AddressObject | AddressObject[] | undefined): Mailbox[] {
  const objects = header === undefined ? [] : Array.isArray(header) ? header : [header];
  const flat = (addresses: EmailAddress[]): EmailAddress[] =>
    addresses.flatMap((address) => (address.group === undefined ? [address] : flat(address.group)));
  return flat(objects.flatMap((object) => object.value))
    .filter((address) => address.address !== undefined && isMailAddress(address.address))
    .map((address) => ({
      address: address.address as string,
      ...(address.name.trim() === '' ? {} : { name: address.name.trim() }),
    }));
}

/** The raw value of the last header of that name (unfolded), as written. */
function headerValue(mail: ParsedMail, name: string): string | undefined {
  const line = mail.headerLines.findLast((header) => header.key === name)?.line;
  return line
    ?.slice(line.indexOf(':') + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

function headersOf(mail: ParsedMail): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { key } of mail.headerLines) if (key !== '') headers[key] = headerValue(mail, key) ?? '';
  return headers;
}
