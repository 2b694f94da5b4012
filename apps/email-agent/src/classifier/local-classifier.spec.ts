import type { ClassifiableEmail } from './email-classifier';
import { LocalEmailClassifier } from './local-classifier';
import { shippedModel } from './shipped-model';

const classifier = new LocalEmailClassifier(shippedModel);
const email = (overrides: Partial<ClassifiableEmail>): ClassifiableEmail => ({
  from: { address: 'someone@example.com' },
  subject: '',
  text: '',
  attachments: [],
  headers: {},
  ...overrides,
});

describe('LocalEmailClassifier with the shipped model', () => {
  it('names the model version it used', async () => {
    const verdict = await classifier.classify(email({ subject: 'Hello' }));
    expect(verdict.classifier).toBe(`rules+naive-bayes/${shippedModel.version}`);
  });

  it('calls a mail with an invoice PDF attached an invoice, confidently, and says why', async () => {
    const verdict = await classifier.classify(
      email({
        subject: 'Documents',
        text: 'Please see attached.',
        attachments: [{ filename: 'Rechnung_2024-118.pdf', mediaType: 'application/pdf' }],
      }),
    );
    expect(verdict).toMatchObject({
      category: 'invoice',
      signals: ['invoice document attached: Rechnung_2024-118.pdf'],
    });
    expect(verdict.confidence).toBeGreaterThan(0.9);
  });

  it('recognises a UBL invoice by its XML root, whatever its name', async () => {
    const ubl = Buffer.from(
      '<?xml version="1.0"?>\n<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">',
    );
    const verdict = await classifier.classify(
      email({
        subject: 'Documents',
        attachments: [{ filename: 'doc-17.xml', mediaType: 'application/xml', content: ubl }],
      }),
    );
    expect(verdict.category).toBe('invoice');
  });

  it.each([
    [
      'support',
      'Cannot log in',
      'Hi, since this morning I cannot log in to the portal, it says my password is wrong. Can you help?',
    ],
    [
      'support',
      'Gerät funktioniert nicht',
      'Hallo, unser Drucker funktioniert nicht mehr und zeigt einen Fehler. Was sollen wir tun?',
    ],
    [
      'order',
      'New order',
      'Hello, we would like to order 20 boxes of A4 paper and 5 toner cartridges. Please confirm the delivery date.',
    ],
    ['order', 'Bestellung', 'Guten Tag, hiermit bestellen wir 50 Stück Artikel 4410. Liefertermin KW 20.'],
    ['spam', 'You have won!', 'Congratulations, you have won the lottery! Send your bank details to claim your prize.'],
    ['spam', 'Bitcoin', 'Double your money with our crypto trading bot. Guaranteed returns!'],
    ['other', 'Team meeting moved', 'Hi all, the weekly team meeting moves to Thursday 10:00. Same room.'],
  ] as const)('calls it %s: %s', async (category, subject, text) => {
    expect((await classifier.classify(email({ subject, text }))).category).toBe(category);
  });

  it('calls a mail carrying a program spam, even when it says invoice', async () => {
    const verdict = await classifier.classify(
      email({
        subject: 'Invoice overdue',
        text: 'Your invoice is overdue, open the attached file.',
        attachments: [{ filename: 'Invoice.pdf.exe', mediaType: 'application/octet-stream' }],
      }),
    );
    expect(verdict.category).toBe('spam');
  });

  it('refuses a model with categories the agent does not know', () => {
    expect(() => new LocalEmailClassifier({ ...shippedModel, categories: ['invoice', 'newsletter'] })).toThrow(
      /newsletter/,
    );
  });
});
