/**
 * Emails for tests, built the way a mail client builds them (nodemailer's MailComposer), or
 * written out by hand where the test is about bytes a composer would never produce.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { minimalPdf } from '@flowline/testing';

export { minimalPdf };

export function composeMime(options: Mail.Options): Promise<Buffer> {
  return new MailComposer(options).compile().build();
}

export const INVOICE_PDF = minimalPdf([
  'Northwind Supplies GmbH',
  'Invoice 2024-0117',
  'Invoice date: 2024-05-02  Due date: 2024-06-01',
  'Office chairs  2 x 50.00 EUR = 100.00 EUR',
  'Subtotal 100.00 EUR  VAT 19% 19.00 EUR  Total 119.00 EUR',
]);

/** A supplier's invoice mail: text and HTML bodies, a PDF invoice and an unrelated PDF. */
export function invoiceMail(overrides: Partial<Mail.Options> = {}): Promise<Buffer> {
  return composeMime({
    from: '"Northwind Billing" <billing@northwind.example>',
    to: 'ap@acme.example',
    subject: 'Invoice 2024-0117',
    messageId: '<inv-2024-0117@northwind.example>',
    date: new Date('2024-05-02T07:14:03Z'),
    text: 'Dear customer,\nplease find attached invoice 2024-0117. The total of EUR 119.00 is due within 30 days.\nKind regards\nNorthwind Billing',
    html: '<p>Dear customer,</p><p>please find attached invoice 2024-0117. The total of EUR 119.00 is due within 30 days.</p>',
    attachments: [
      { filename: 'Invoice_2024-0117.pdf', content: INVOICE_PDF, contentType: 'application/pdf' },
      {
        filename: 'terms-and-conditions.pdf',
        content: minimalPdf(['Terms and conditions']),
        contentType: 'application/pdf',
      },
    ],
    ...overrides,
  });
}

/** A customer asking for help, in German, as a reply in an existing thread. */
export function supportMail(overrides: Partial<Mail.Options> = {}): Promise<Buffer> {
  return composeMime({
    from: '"Anna Schmitt" <anna.schmitt@kunde.example>',
    to: 'support@acme.example',
    subject: 'AW: Login funktioniert nicht',
    messageId: '<reply-2@kunde.example>',
    inReplyTo: '<first-1@acme.example>',
    references: ['<root-0@kunde.example>', '<first-1@acme.example>'],
    text: 'Hallo,\nseit heute kann ich mich nicht mehr im Kundenportal anmelden. Es kommt die Fehlermeldung "Sitzung abgelaufen". Können Sie mir bitte helfen?\nViele Grüße\nAnna Schmitt',
    ...overrides,
  });
}

/** A hand-written ISO-8859-1 message: an encoded-word subject and a quoted-printable body. */
export const LATIN1_QUOTED_PRINTABLE = Buffer.from(
  [
    'From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@lieferant.example>',
    'To: einkauf@acme.example',
    'Subject: =?ISO-8859-1?Q?Bestellung_f=FCr_B=FCrost=FChle?=',
    'Message-ID: <latin1-qp@lieferant.example>',
    'Date: Thu, 02 May 2024 09:14:03 +0200',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=ISO-8859-1',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'Guten Tag,',
    'hiermit bestellen wir 4 B=FCrost=FChle, Bestellnummer 45-2201. Gr=FC=DFe aus M=FCnchen.',
    '',
  ].join('\r\n'),
  'latin1',
);

/** Text in Windows-1252: Latin-1 plus the characters it puts at 0x80–0x9f (only those used here). */
function windows1252(text: string): Buffer {
  const extra: Record<string, number> = { '€': 0x80, '–': 0x96, '—': 0x97, '‘': 0x91, '’': 0x92 };
  return Buffer.from([...text].map((character) => extra[character] ?? (character.codePointAt(0) as number)));
}

/** A hand-written multipart/alternative message: a Windows-1252 base64 text part and an HTML part. */
export const WINDOWS1252_BASE64 = Buffer.from(
  [
    'From: Claire Martin <claire@client.example>',
    'To: support@acme.example',
    'Subject: =?UTF-8?B?UXVlc3Rpb24gc3VyIG1hIGZhY3R1cmU=?=',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=windows-1252',
    'Content-Transfer-Encoding: base64',
    '',
    windows1252('Bonjour, le montant de ma facture est erroné – pouvez-vous vérifier ? 12 € de trop.').toString(
      'base64',
    ),
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>Bonjour</p>',
    '--b1--',
    '',
  ].join('\r\n'),
  'latin1',
);
