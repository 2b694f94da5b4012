import { createBinaryEvent, createEvent, type EmailIncoming } from '@flowline/event-schemas';
import { readIncomingEmail } from './read-incoming-email';
import { INVOICE_PDF, invoiceMail } from './test-fixtures/mime-messages';

const fields = (overrides: Partial<EmailIncoming> = {}): EmailIncoming => ({
  messageId: '<fields-1@supplier.example>',
  references: ['<root@acme.example>'],
  from: { address: 'billing@supplier.example', name: 'Supplier Billing' },
  to: [{ address: 'ap@acme.example' }],
  subject: 'Invoice 7',
  receivedAt: '2024-05-02T07:14:05Z',
  html: '<p>Invoice&nbsp;7 attached</p>',
  attachments: [
    {
      filename: 'invoice-7.pdf',
      mediaType: 'application/pdf',
      size: 10,
      sha256: 'a'.repeat(64),
      location: `claim:fs/sha256/${'a'.repeat(64)}`,
    },
  ],
  ...overrides,
});

describe('readIncomingEmail', () => {
  it('parses raw MIME carried as message/rfc822 bytes', async () => {
    const event = createBinaryEvent('email.incoming', await invoiceMail(), 'message/rfc822', { source: '/test' });
    const email = await readIncomingEmail(event);
    expect(email.subject).toBe('Invoice 2024-0117');
    expect(email.attachments[0]?.content?.equals(INVOICE_PDF)).toBe(true);
  });

  it('parses a provider form carried whole', async () => {
    const form = new URLSearchParams({
      from: 'a@x.example',
      subject: 'Order 4711',
      'body-plain': 'Please send 3 chairs.',
    });
    const event = createBinaryEvent(
      'email.incoming',
      Buffer.from(form.toString()),
      'application/x-www-form-urlencoded',
      {
        source: '/test',
      },
    );
    expect(await readIncomingEmail(event)).toMatchObject({ subject: 'Order 4711', text: 'Please send 3 chairs.' });
  });

  it('takes JSON fields as given, attachments by reference, the HTML text when there is no text', async () => {
    const email = await readIncomingEmail(createEvent('email.incoming', fields(), { source: '/test' }));
    expect(email).toMatchObject({
      messageId: 'fields-1@supplier.example',
      references: ['root@acme.example'],
      threadId: 'root@acme.example',
      from: { address: 'billing@supplier.example', name: 'Supplier Billing' },
      text: 'Invoice 7 attached',
      attachments: [
        {
          filename: 'invoice-7.pdf',
          mediaType: 'application/pdf',
          sha256: 'a'.repeat(64),
          location: `claim:fs/sha256/${'a'.repeat(64)}`,
        },
      ],
    });
    expect(email.attachments[0]?.content).toBeUndefined();
  });

  it('parses rawMime (base64) when the JSON fields carry it: the attachments then have their bytes', async () => {
    const rawMime = (await invoiceMail()).toString('base64');
    const email = await readIncomingEmail(
      createEvent('email.incoming', fields({ rawMime, attachments: [] }), { source: '/test' }),
    );
    expect(email.messageId).toBe('inv-2024-0117@northwind.example');
    expect(email.attachments[0]?.content?.equals(INVOICE_PDF)).toBe(true);
  });

  it('refuses bytes of another media type as EMAIL_CONTENT_UNSUPPORTED', async () => {
    const event = createBinaryEvent('email.incoming', Buffer.from('%PDF-1.4'), 'application/pdf', { source: '/test' });
    await expect(readIncomingEmail(event)).rejects.toMatchObject({
      code: 'EMAIL_CONTENT_UNSUPPORTED',
      retryable: false,
    });
  });
});
