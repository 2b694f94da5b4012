import { createHash } from 'node:crypto';
import { parseMimeMessage } from './parse-mime';
import {
  composeMime,
  INVOICE_PDF,
  invoiceMail,
  LATIN1_QUOTED_PRINTABLE,
  supportMail,
  WINDOWS1252_BASE64,
} from './test-fixtures/mime-messages';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

describe('parseMimeMessage', () => {
  it('reads headers, both bodies and the attachments with their bytes and SHA-256', async () => {
    const email = await parseMimeMessage(await invoiceMail());
    expect(email).toMatchObject({
      messageId: 'inv-2024-0117@northwind.example',
      threadId: 'inv-2024-0117@northwind.example',
      references: [],
      from: { address: 'billing@northwind.example', name: 'Northwind Billing' },
      to: [{ address: 'ap@acme.example' }],
      subject: 'Invoice 2024-0117',
      sentAt: '2024-05-02T07:14:03.000Z',
    });
    expect(email.text).toContain('please find attached invoice 2024-0117');
    expect(email.html).toContain('<p>Dear customer,</p>');
    expect(email.attachments.map(({ filename, mediaType }) => ({ filename, mediaType }))).toEqual([
      { filename: 'Invoice_2024-0117.pdf', mediaType: 'application/pdf' },
      { filename: 'terms-and-conditions.pdf', mediaType: 'application/pdf' },
    ]);
    const invoice = email.attachments[0];
    expect(invoice?.content?.equals(INVOICE_PDF)).toBe(true);
    expect(invoice).toMatchObject({ size: INVOICE_PDF.length, sha256: sha256(INVOICE_PDF) });
  });

  it('decodes an ISO-8859-1 encoded-word subject and a quoted-printable body', async () => {
    const email = await parseMimeMessage(LATIN1_QUOTED_PRINTABLE);
    expect(email.from).toEqual({ address: 'joerg@lieferant.example', name: 'Jörg Müller' });
    expect(email.subject).toBe('Bestellung für Bürostühle');
    expect(email.text).toContain('hiermit bestellen wir 4 Bürostühle, Bestellnummer 45-2201. Grüße aus München.');
    expect(email.sentAt).toBe('2024-05-02T07:14:03.000Z');
  });

  it('decodes a base64 Windows-1252 text part, its euro sign and dash included', async () => {
    const email = await parseMimeMessage(WINDOWS1252_BASE64);
    expect(email.subject).toBe('Question sur ma facture');
    expect(email.text).toContain('le montant de ma facture est erroné – pouvez-vous vérifier ? 12 € de trop.');
    expect(email.html).toBe('<p>Bonjour</p>');
  });

  it('takes the thread id from the first References entry, else In-Reply-To, else its own Message-ID', async () => {
    expect((await parseMimeMessage(await supportMail())).threadId).toBe('root-0@kunde.example');
    const replyWithoutReferences = await supportMail({ references: [] });
    expect(await parseMimeMessage(replyWithoutReferences)).toMatchObject({
      inReplyTo: 'first-1@acme.example',
      references: [],
      threadId: 'first-1@acme.example',
    });
  });

  it('gives the HTML text when a message has only an HTML body', async () => {
    const email = await parseMimeMessage(
      await composeMime({
        from: 'a@x.example',
        to: 'b@y.example',
        subject: 'Hi',
        html: '<p>Order no. 4711 &amp; 4712</p>',
      }),
    );
    expect(email.text.trim()).toBe('Order no. 4711 & 4712');
  });

  it('keeps the headers rules read, and marks inline images as inline', async () => {
    const email = await parseMimeMessage(
      await composeMime({
        from: 'news@shop.example',
        to: 'b@y.example',
        subject: 'Deals',
        headers: { 'List-Unsubscribe': '<https://shop.example/unsubscribe>', 'X-Spam-Flag': 'YES' },
        html: '<img src="cid:logo@shop">',
        attachments: [{ filename: 'logo.png', content: Buffer.from('png'), cid: 'logo@shop' }],
      }),
    );
    expect(email.headers['list-unsubscribe']).toBe('<https://shop.example/unsubscribe>');
    expect(email.headers['x-spam-flag']).toBe('YES');
    expect(email.attachments[0]).toMatchObject({ filename: 'logo.png', inline: true });
  });

  it.each([
    ['bytes without a header block', Buffer.from('this is not an email at all\n'), /no header block/],
    ['an empty message', Buffer.alloc(0), /no header block/],
    ['a message without From', Buffer.from('To: a@x.example\r\nSubject: hi\r\n\r\nbody'), /no From header/],
    [
      'a From without an address',
      Buffer.from('From: undisclosed sender\r\nSubject: hi\r\n\r\nbody'),
      /From header holds no mail address: "undisclosed sender"/,
    ],
  ])('refuses %s as EMAIL_MALFORMED, saying why', async (_case, bytes, reason) => {
    const refused = parseMimeMessage(bytes);
    await expect(refused).rejects.toMatchObject({ code: 'EMAIL_MALFORMED', retryable: false });
    await expect(refused).rejects.toThrow(reason);
  });
});
