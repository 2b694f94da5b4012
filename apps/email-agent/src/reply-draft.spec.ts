import type { ParsedEmail } from './email-message';
import { caseReference, draftReply, orderNumberOf, replySubject } from './reply-draft';

const email = (overrides: Partial<ParsedEmail> = {}): ParsedEmail => ({
  references: [],
  threadId: 'root@kunde.example',
  from: { address: 'anna@kunde.example', name: 'Anna Schmitt' },
  to: [{ address: 'support@acme.example' }],
  cc: [],
  replyTo: [],
  subject: 'Login funktioniert nicht',
  text: 'Ich kann mich nicht anmelden.',
  attachments: [],
  headers: {},
  ...overrides,
});
const options = { reference: 'FL-1234ABCD', signature: 'Acme Kundenservice' };

describe('draftReply', () => {
  it('answers a support mail in German, to the sender, with the case reference', () => {
    const reply = draftReply(email(), 'support', 'de', options);
    expect(reply?.subject).toBe('Re: Login funktioniert nicht');
    expect(reply?.to).toEqual([{ address: 'anna@kunde.example', name: 'Anna Schmitt' }]);
    expect(reply?.text).toMatch(/^Guten Tag Anna Schmitt,\n\nvielen Dank für Ihre Nachricht\./);
    expect(reply?.text).toContain('FL-1234ABCD');
    expect(reply?.text).toMatch(/Mit freundlichen Grüßen\nAcme Kundenservice\n$/);
  });

  it('answers an order in English with the order number it found, to Reply-To when given', () => {
    const order = email({
      subject: 'RE: Re: New order',
      text: 'Please send us 20 boxes of paper, order no. 77120.',
      replyTo: [{ address: 'purchasing@client.example' }],
    });
    const reply = draftReply(order, 'order', 'en', options);
    expect(reply?.subject).toBe('Re: New order');
    expect(reply?.to).toEqual([{ address: 'purchasing@client.example' }]);
    expect(reply?.text).toMatch(/^Hello,\n\nthank you for your order 77120\./);
  });

  it('falls back to English for a language without templates, and drafts nothing for other categories', () => {
    expect(draftReply(email(), 'support', 'nl', options)?.text).toMatch(/thank you for your message/);
    expect(draftReply(email(), 'support', undefined, options)?.text).toMatch(/thank you for your message/);
    for (const category of ['invoice', 'spam', 'other'] as const) {
      expect(draftReply(email(), category, 'de', options)).toBeUndefined();
    }
  });

  it('writes French and Spanish too', () => {
    expect(draftReply(email(), 'support', 'fr', options)?.text).toMatch(
      /^Bonjour Anna Schmitt,\n\nmerci pour votre message/,
    );
    expect(draftReply(email(), 'order', 'es', options)?.text).toMatch(/gracias por su pedido/);
  });
});

describe('reply helpers', () => {
  it.each([
    ['Question', 'Re: Question'],
    ['Re: Question', 'Re: Question'],
    ['AW: Re: Frage', 'Re: Frage'],
    ['RE[2]: Question', 'Re: Question'],
    ['', 'Re: (no subject)'],
  ])('replySubject(%j) = %j', (subject, expected) => {
    expect(replySubject(subject)).toBe(expected);
  });

  it.each([
    ['Change to order 77120', '77120'],
    ['Bestellung Nr. 45-2201', '45-2201'],
    ['our purchase order PO-2024-311', 'PO-2024-311'],
    ['commande n° 30555', '30555'],
    ['Pedido n.º 4410', '4410'],
    ['I would like to order three chairs', undefined],
  ])('orderNumberOf(%j) = %j', (text, expected) => {
    expect(orderNumberOf(text)).toBe(expected);
  });

  it('gives one case reference per thread', () => {
    expect(caseReference({ threadId: 't@x' }, 'event-1')).toBe(
      caseReference({ threadId: 't@x', messageId: 'm@x' }, 'event-2'),
    );
    expect(caseReference({}, 'event-1')).toMatch(/^FL-[0-9A-F]{8}$/);
  });
});
