/**
 * A mail provider's inbound-parse form → ParsedEmail. The gateway carries such a form whole
 * when it holds no raw-MIME field (apps/webhook-gateway/src/email-intake.ts):
 * - SendGrid Inbound Parse: `headers` (the raw header block), `from`, `to`, `cc`, `subject`,
 *   `text`, `html`, `charsets` (JSON: field → charset), `attachment-info` (JSON), files
 *   `attachment1…`;
 * - Mailgun routes: `message-headers` (JSON `[[name, value], …]`), `sender`, `from`,
 *   `recipient`, `subject`, `body-plain`, `body-html`, `Message-Id`, files `attachment-1…`;
 *   urlencoded when there are no attachments.
 * A form that does hold raw MIME (`email`, `body-mime`) is parsed as that message.
 *
 * The identification and address headers are parsed by mailparser from a header block made
 * of the provider's headers plus the form's own fields, so encoded words, groups and
 * message-id lists are read exactly as in a raw message.
 */
import { createHash } from 'node:crypto';
import busboy from 'busboy';
import { EmailMalformed } from './email-errors';
import { bareMediaType, type EmailAttachment, type ParsedEmail } from './email-message';
import { htmlToText } from './html-text';
import { parseMimeMessage } from './parse-mime';

const RAW_MIME_FIELDS = ['email', 'body-mime'] as const;

interface FormPart {
  /** The field's text as the form parser decoded it (latin1 unless the part named a charset). */
  fields: Map<string, string>;
  files: { field: string; filename?: string; mediaType: string; content: Buffer }[];
}

/** Header fields taken from the form when the provider's header block lacks them. */
const HEADER_FIELDS: readonly (readonly [header: string, fields: readonly string[]])[] = [
  ['From', ['from', 'sender']],
  ['To', ['to', 'recipient']],
  ['Cc', ['cc']],
  ['Reply-To', ['reply-to', 'Reply-To']],
  ['Subject', ['subject']],
  ['Date', ['date', 'Date']],
  ['Message-ID', ['Message-Id', 'message-id', 'Message-ID']],
  ['In-Reply-To', ['In-Reply-To', 'in-reply-to']],
  ['References', ['References', 'references']],
];

export async function parseMailForm(body: Buffer, contentType: string): Promise<ParsedEmail> {
  const mediaType = bareMediaType(contentType);
  const form =
    mediaType === 'multipart/form-data'
      ? await readMultipart(body, contentType)
      : readUrlEncoded(body.toString('utf8'));
  for (const name of RAW_MIME_FIELDS) {
    const file = form.files.find((part) => part.field === name);
    if (file !== undefined) return parseMimeMessage(file.content);
    const field = form.fields.get(name);
    if (field !== undefined) return parseMimeMessage(fieldBytes(field));
  }
  const charsets = jsonRecord(form.fields.get('charsets'));
  const text = (names: readonly string[]): string | undefined => {
    const name = names.find((candidate) => form.fields.has(candidate));
    return name === undefined ? undefined : decodeField(form.fields.get(name) as string, charsets[name]);
  };

  const headerLines = providerHeaderLines(form, text);
  const present = new Set(headerLines.map((line) => line.slice(0, line.indexOf(':')).trim().toLowerCase()));
  for (const [header, names] of HEADER_FIELDS) {
    const value = text(names);
    if (value !== undefined && value.trim() !== '' && !present.has(header.toLowerCase())) {
      headerLines.push(`${header}: ${encodeHeaderValue(value)}`);
    }
  }
  if (headerLines.length === 0) {
    throw new EmailMalformed(
      `the form holds no email: none of the fields ${[...RAW_MIME_FIELDS, 'headers', 'message-headers', 'from'].join(', ')}`,
    );
  }
  const headersOnly = await parseMimeMessage(Buffer.from(`${headerLines.join('\r\n')}\r\n\r\n`, 'utf8'));
  const html = text(['html', 'body-html']);
  const plain = text(['text', 'body-plain']);
  return {
    ...headersOnly,
    text: plain ?? (html === undefined ? '' : htmlToText(html)),
    ...(html === undefined ? {} : { html }),
    attachments: attachmentsOf(form),
  };
}

function providerHeaderLines(form: FormPart, text: (names: readonly string[]) => string | undefined): string[] {
  const raw = text(['headers']);
  if (raw !== undefined) {
    // Unfold, so each entry is one header; a header block cannot contain a blank line.
    return raw
      .replace(/\r?\n[ \t]+/g, ' ')
      .split(/\r?\n/)
      .filter((line) => /^[!-9;-~]+:/.test(line));
  }
  const pairs = form.fields.get('message-headers');
  if (pairs === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(decodeField(pairs, 'utf-8'));
  } catch {
    throw new EmailMalformed('the form field message-headers is not JSON ([[name, value], …])');
  }
  if (!Array.isArray(parsed)) throw new EmailMalformed('the form field message-headers is not a list of [name, value]');
  return parsed
    .filter(
      (pair): pair is [string, string] =>
        Array.isArray(pair) &&
        typeof pair[0] === 'string' &&
        typeof pair[1] === 'string' &&
        /^[!-9;-~]+$/.test(pair[0]),
    )
    .map(([name, value]) => `${name}: ${encodeHeaderValue(value)}`);
}

function attachmentsOf(form: FormPart): EmailAttachment[] {
  const info = jsonRecord(form.fields.get('attachment-info'));
  return form.files
    .filter((file) => !(RAW_MIME_FIELDS as readonly string[]).includes(file.field))
    .map((file) => {
      const described = info[file.field];
      const details = typeof described === 'object' && described !== null ? (described as Record<string, unknown>) : {};
      const filename = stringOf(details['filename']) ?? file.filename;
      return {
        ...(filename === undefined || filename === '' ? {} : { filename }),
        mediaType: bareMediaType(stringOf(details['type']) ?? file.mediaType),
        size: file.content.length,
        sha256: createHash('sha256').update(file.content).digest('hex'),
        content: file.content,
      };
    });
}

function readMultipart(body: Buffer, contentType: string): Promise<FormPart> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // latin1: one character per byte, so a field's bytes can be recovered exactly (fieldBytes).
      parser = busboy({ headers: { 'content-type': contentType }, defCharset: 'latin1', defParamCharset: 'utf8' });
    } catch (error) {
      reject(new EmailMalformed(`the form cannot be read: ${(error as Error).message}`, { cause: error }));
      return;
    }
    const form: FormPart = { fields: new Map(), files: [] };
    const reading: Promise<void>[] = [];
    parser.on('field', (name, value) => {
      if (!form.fields.has(name)) form.fields.set(name, value);
    });
    parser.on('file', (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      reading.push(
        new Promise((done) =>
          stream.on('close', () => {
            form.files.push({
              field: name,
              ...(info.filename === undefined ? {} : { filename: info.filename }),
              mediaType: info.mimeType,
              content: Buffer.concat(chunks),
            });
            done();
          }),
        ),
      );
    });
    parser.on('error', (error: Error) =>
      reject(new EmailMalformed(`the form cannot be read: ${error.message}`, { cause: error })),
    );
    parser.on('close', () => {
      Promise.all(reading).then(() => resolve(form), reject);
    });
    parser.end(body);
  });
}

function readUrlEncoded(body: string): FormPart {
  const fields = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body)) {
    // URLSearchParams decodes as UTF-8; keep the text as latin1 code units of those bytes, as for multipart.
    if (!fields.has(name)) fields.set(name, Buffer.from(value, 'utf8').toString('latin1'));
  }
  return { fields, files: [] };
}

/** The bytes a form field was decoded from: latin1 gives one character per byte; a wider character means the part named its charset. */
function fieldBytes(value: string): Buffer {
  return /[\u0100-\u{10ffff}]/u.test(value) ? Buffer.from(value, 'utf8') : Buffer.from(value, 'latin1');
}

/** A field's text in the charset the provider reported for it (SendGrid's `charsets`), UTF-8 by default. */
function decodeField(value: string, charset: unknown): string {
  if (/[\u0100-\u{10ffff}]/u.test(value)) return value; // already decoded by its part's own charset
  const bytes = Buffer.from(value, 'latin1');
  const label = typeof charset === 'string' && charset.trim() !== '' ? charset.trim().toLowerCase() : 'utf-8';
  try {
    return new TextDecoder(label, { fatal: label === 'utf-8' || label === 'utf8' }).decode(bytes);
  } catch {
    return value; // not valid in that charset (or an unknown label): the bytes as latin1
  }
}

/** A header value safe in a header block: one line (a field must not add headers); UTF-8 as RFC 6532 allows. */
function encodeHeaderValue(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim();
}

function jsonRecord(text: string | undefined): Record<string, unknown> {
  if (text === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(decodeField(text, 'utf-8'));
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
