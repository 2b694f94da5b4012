import { parseMailForm } from './parse-mail-form';
import { INVOICE_PDF, invoiceMail } from './test-fixtures/mime-messages';

type Part = { name: string; value: Buffer | string; filename?: string; contentType?: string };

/** A multipart/form-data body as a provider posts it: fields without a charset, files with their type. */
function multipart(parts: readonly Part[]): { body: Buffer; contentType: string } {
  const boundary = 'form-boundary-42';
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const headers = [`Content-Disposition: ${disposition}`];
    if (part.contentType !== undefined) headers.push(`Content-Type: ${part.contentType}`);
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'latin1'));
    chunks.push(typeof part.value === 'string' ? Buffer.from(part.value, 'utf8') : part.value);
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('parseMailForm', () => {
  it('reads a SendGrid Inbound Parse post: its header block, per-field charsets and attachments', async () => {
    const { body, contentType } = multipart([
      {
        name: 'headers',
        value:
          'Message-ID: <sg-1@lieferant.example>\r\nReferences: <root@acme.example>\r\nFrom: =?UTF-8?Q?J=C3=B6rg_M=C3=BCller?= <joerg@lieferant.example>\r\nTo: ap@acme.example\r\nSubject: Rechnung 2024-0815\r\n',
      },
      { name: 'from', value: 'Jörg Müller <joerg@lieferant.example>' },
      { name: 'to', value: 'ap@acme.example' },
      { name: 'subject', value: 'Rechnung 2024-0815' },
      // The body as the sender's ISO-8859-1 bytes, as SendGrid posts it with `charsets`.
      { name: 'text', value: Buffer.from('Anbei die Rechnung über 1.428,00 EUR.', 'latin1') },
      { name: 'charsets', value: '{"to":"UTF-8","subject":"UTF-8","from":"UTF-8","text":"iso-8859-1"}' },
      { name: 'attachments', value: '1' },
      {
        name: 'attachment-info',
        value: '{"attachment1":{"filename":"Rechnung_2024-0815.pdf","type":"application/pdf"}}',
      },
      {
        name: 'attachment1',
        value: INVOICE_PDF,
        filename: 'Rechnung_2024-0815.pdf',
        contentType: 'application/octet-stream',
      },
    ]);
    const email = await parseMailForm(body, contentType);
    expect(email).toMatchObject({
      messageId: 'sg-1@lieferant.example',
      threadId: 'root@acme.example',
      from: { address: 'joerg@lieferant.example', name: 'Jörg Müller' },
      to: [{ address: 'ap@acme.example' }],
      subject: 'Rechnung 2024-0815',
      text: 'Anbei die Rechnung über 1.428,00 EUR.',
    });
    expect(email.attachments).toHaveLength(1);
    expect(email.attachments[0]).toMatchObject({ filename: 'Rechnung_2024-0815.pdf', mediaType: 'application/pdf' });
    expect(email.attachments[0]?.content?.equals(INVOICE_PDF)).toBe(true);
  });

  it('reads a Mailgun urlencoded post: message-headers, sender and body-plain', async () => {
    const form = new URLSearchParams({
      sender: 'claire@client.example',
      from: 'Claire Martin <claire@client.example>',
      recipient: 'support@acme.example',
      subject: 'Question sur ma facture',
      'body-plain': 'Bonjour, le montant est erroné.',
      'message-headers': JSON.stringify([
        ['Message-Id', '<mg-7@client.example>'],
        ['In-Reply-To', '<case-3@acme.example>'],
        ['From', 'Claire Martin <claire@client.example>'],
      ]),
    });
    const email = await parseMailForm(Buffer.from(form.toString()), 'application/x-www-form-urlencoded');
    expect(email).toMatchObject({
      messageId: 'mg-7@client.example',
      inReplyTo: 'case-3@acme.example',
      threadId: 'case-3@acme.example',
      from: { address: 'claire@client.example', name: 'Claire Martin' },
      to: [{ address: 'support@acme.example' }],
      subject: 'Question sur ma facture',
      text: 'Bonjour, le montant est erroné.',
      attachments: [],
    });
  });

  it('parses the raw message when the form carries one (a file part named email)', async () => {
    const { body, contentType } = multipart([{ name: 'email', value: await invoiceMail(), filename: 'message.eml' }]);
    const email = await parseMailForm(body, contentType);
    expect(email.messageId).toBe('inv-2024-0117@northwind.example');
    expect(email.attachments).toHaveLength(2);
  });

  it('refuses a form that holds no email as EMAIL_MALFORMED', async () => {
    const { body, contentType } = multipart([{ name: 'comment', value: 'hello' }]);
    await expect(parseMailForm(body, contentType)).rejects.toMatchObject({ code: 'EMAIL_MALFORMED' });
  });

  it('refuses a form whose sender has no address as EMAIL_MALFORMED', async () => {
    const form = new URLSearchParams({ from: 'nobody', subject: 'x', 'body-plain': 'y' });
    await expect(parseMailForm(Buffer.from(form.toString()), 'application/x-www-form-urlencoded')).rejects.toThrow(
      /From header holds no mail address/,
    );
  });

  it('does not let a field add a header: line breaks in a field are flattened', async () => {
    const form = new URLSearchParams({
      from: 'a@x.example',
      subject: 'Hello\r\nX-Spam-Flag: YES',
      'body-plain': 'hi',
    });
    const email = await parseMailForm(Buffer.from(form.toString()), 'application/x-www-form-urlencoded');
    expect(email.subject).toBe('Hello X-Spam-Flag: YES');
    expect(email.headers['x-spam-flag']).toBeUndefined();
  });
});
