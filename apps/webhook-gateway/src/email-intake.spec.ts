import { encodeEvent, stableEventId } from '@flowline/event-schemas';
import { emailToEvent, messageIdOf, mimeFromForm } from './email-intake';
import { multipartForm, testSource } from './test-fixtures/test-sources';
import { WebhookMalformed } from './webhook-event';

const mail = testSource({ name: 'inbound-mail', kind: 'email', scheme: 'none', allowUnsigned: true });

// A message with a folded Message-ID header and a latin1 body byte (0xfc): its bytes must survive.
const RAW_MESSAGE = Buffer.concat([
  Buffer.from(
    'From: Ana <ana@example.com>\r\nTo: ap@acme.test\r\nSubject: Invoice 42\r\nMessage-ID:\r\n <CAF=42.invoice@mail.example.com>\r\n' +
      'Content-Type: text/plain; charset=iso-8859-1\r\n\r\nGr',
    'latin1',
  ),
  Buffer.from([0xfc]),
  Buffer.from('ße, the invoice is attached.\r\n'),
]);

describe('emailToEvent', () => {
  it('carries a posted message/rfc822 as its exact bytes, deduplicated by its Message-ID', async () => {
    const { event, deliveryId } = await emailToEvent(mail, {
      headers: {},
      contentType: 'message/rfc822',
      body: RAW_MESSAGE,
    });
    expect(event).toMatchObject({
      type: 'email.incoming',
      source: '/webhook-gateway/inbound-mail',
      datacontenttype: 'message/rfc822',
    });
    expect(Buffer.compare(encodeEvent(event).value, RAW_MESSAGE)).toBe(0);
    expect(deliveryId).toBe('CAF=42.invoice@mail.example.com');
    expect(event.id).toBe(stableEventId('webhook', 'inbound-mail', 'CAF=42.invoice@mail.example.com'));
  });

  it("takes the raw message from SendGrid's `email` field, byte for byte", async () => {
    const form = multipartForm([
      { name: 'to', value: 'ap@acme.test' },
      { name: 'email', value: RAW_MESSAGE },
      { name: 'charsets', value: '{"to":"UTF-8"}' },
    ]);
    const { event } = await emailToEvent(mail, { headers: {}, contentType: form.contentType, body: form.body });
    expect(event.datacontenttype).toBe('message/rfc822');
    expect(Buffer.compare(event.data as Buffer, RAW_MESSAGE)).toBe(0);
  });

  it("takes Mailgun's `body-mime`, also when it comes as a file part", async () => {
    const asField = multipartForm([{ name: 'body-mime', value: RAW_MESSAGE }]);
    const asFile = multipartForm([
      { name: 'body-mime', value: RAW_MESSAGE, filename: 'message.eml', contentType: 'message/rfc822' },
    ]);
    expect(await mimeFromForm(asField.body, asField.contentType, ['email', 'body-mime'])).toEqual(RAW_MESSAGE);
    expect(await mimeFromForm(asFile.body, asFile.contentType, ['email', 'body-mime'])).toEqual(RAW_MESSAGE);
  });

  it('carries a form without a raw message whole, with its content type, deduplicated by a delivery header', async () => {
    const form = multipartForm([
      { name: 'from', value: 'Ana <ana@example.com>' },
      { name: 'subject', value: 'Invoice 42' },
      {
        name: 'attachment1',
        value: Buffer.from('%PDF-1.7 …'),
        filename: 'invoice.pdf',
        contentType: 'application/pdf',
      },
    ]);
    const { event, deliveryId } = await emailToEvent(mail, {
      headers: { 'idempotency-key': 'mail-7' },
      contentType: form.contentType,
      body: form.body,
    });
    expect(event.datacontenttype).toBe(form.contentType);
    expect(event.data).toEqual(form.body);
    expect(deliveryId).toBe('mail-7');
  });

  it('refuses other content types, an empty body and a form it cannot read', async () => {
    const request = { headers: {}, body: Buffer.from('{}') };
    await expect(emailToEvent(mail, { ...request, contentType: 'application/json' })).rejects.toThrow(WebhookMalformed);
    await expect(
      emailToEvent(mail, { ...request, contentType: 'message/rfc822', body: Buffer.alloc(0) }),
    ).rejects.toThrow(/empty body/);
    await expect(emailToEvent(mail, { ...request, contentType: 'multipart/form-data' })).rejects.toThrow(
      /form cannot be read/,
    );
  });
});

describe('messageIdOf', () => {
  it('reads the header block only, without angle brackets', () => {
    expect(messageIdOf(Buffer.from('Subject: x\nMessage-Id: <a@b>\n\nMessage-ID: <body@x>'))).toBe('a@b');
    expect(messageIdOf(Buffer.from('Subject: x\r\n\r\nMessage-ID: <body@x>'))).toBeUndefined();
  });
});
