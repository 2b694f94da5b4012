/**
 * Inbound mail (`kind: email` sources) → `email.incoming`, carrying the message's exact bytes:
 * - `message/rfc822`: the raw MIME message as posted;
 * - `multipart/form-data` (how mail providers post inbound mail): the raw MIME message from
 *   the first of the source's MIME fields present (SendGrid's `email`, Mailgun's
 *   `body-mime`), as `message/rfc822`; a form without one (a provider's parsed fields and
 *   attachments) is carried whole, with its content type;
 * - `application/x-www-form-urlencoded`: carried whole.
 * Parsing the message (addresses, bodies, attachments) is the email agent's work; the
 * gateway only keeps it intact and finds an id for deduplication: the delivery-id headers
 * of the source, else the message's own Message-ID.
 *
 * A form field's bytes: busboy decodes field values as text, so fields are read as latin1
 * (one character per byte) and turned back into the same bytes. A part that declares a
 * UTF-8 charset is decoded by busboy as UTF-8 and re-encoded as UTF-8 (exact for valid UTF-8).
 */
import busboy from 'busboy';
import { createBinaryEvent, stableEventId } from '@flowline/event-schemas';
import { deliveryIdOf, WebhookMalformed, type AcceptedWebhook, type WebhookRequest } from './webhook-event';
import type { WebhookSource } from './webhook-sources';

const RFC822 = 'message/rfc822';

function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The bytes a busboy field value was decoded from (see the top of this file). */
function fieldBytes(value: string): Buffer {
  return /[\u0100-\u{10ffff}]/u.test(value) ? Buffer.from(value, 'utf8') : Buffer.from(value, 'latin1');
}

/** The raw MIME message in a multipart form: the first of `fields` present (a text field or a file part). */
export function mimeFromForm(
  body: Buffer,
  contentType: string,
  fields: readonly string[],
): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: { 'content-type': contentType }, defCharset: 'latin1' });
    } catch (error) {
      reject(new WebhookMalformed(`the form cannot be read: ${(error as Error).message}`));
      return;
    }
    const found = new Map<string, Promise<Buffer>>();
    parser.on('field', (name, value) => {
      if (fields.includes(name) && !found.has(name)) found.set(name, Promise.resolve(fieldBytes(value)));
    });
    parser.on('file', (name, stream) => {
      if (!fields.includes(name) || found.has(name)) {
        stream.resume();
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      found.set(name, new Promise((done) => stream.on('close', () => done(Buffer.concat(chunks)))));
    });
    parser.on('error', (error: Error) => reject(new WebhookMalformed(`the form cannot be read: ${error.message}`)));
    parser.on('close', () => {
      const first = fields.map((name) => found.get(name)).find((bytes) => bytes !== undefined);
      resolve(first);
    });
    parser.end(body);
  });
}

/** The Message-ID of a raw message (its header block only; folded lines unfolded), without angle brackets. */
export function messageIdOf(mime: Buffer): string | undefined {
  const end = mime.indexOf('\r\n\r\n') === -1 ? mime.indexOf('\n\n') : mime.indexOf('\r\n\r\n');
  const headerBlock = mime
    .subarray(0, end === -1 ? Math.min(mime.length, 65_536) : end)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:[ \t]*<?([^\s<>]+)>?[ \t]*$/im.exec(headerBlock);
  const id = match?.[1];
  return id !== undefined && id.length <= 256 ? id : undefined;
}

export async function emailToEvent(source: WebhookSource, request: WebhookRequest): Promise<AcceptedWebhook> {
  const mediaType = mediaTypeOf(request.contentType);
  if (request.body.length === 0) throw new WebhookMalformed('empty body: an email source needs a message or a form');
  let bytes: Buffer;
  let contentType: string;
  if (mediaType === RFC822) {
    [bytes, contentType] = [request.body, RFC822];
  } else if (mediaType === 'multipart/form-data') {
    const mime = await mimeFromForm(request.body, request.contentType ?? '', source.mimeFields);
    [bytes, contentType] = mime === undefined ? [request.body, request.contentType ?? ''] : [mime, RFC822];
  } else if (mediaType === 'application/x-www-form-urlencoded') {
    [bytes, contentType] = [request.body, request.contentType ?? ''];
  } else {
    throw new WebhookMalformed(
      `an email source takes message/rfc822 or a multipart/form-data or urlencoded form, not "${mediaType || 'no content type'}"`,
    );
  }
  const deliveryId =
    deliveryIdOf(source.deliveryId, request.headers, undefined) ??
    (contentType === RFC822 ? messageIdOf(bytes) : undefined);
  const event = createBinaryEvent('email.incoming', bytes, contentType, {
    source: `/webhook-gateway/${source.name}`,
    ...(deliveryId === undefined ? {} : { id: stableEventId('webhook', source.name, deliveryId) }),
  });
  return { event, deliveryId };
}
