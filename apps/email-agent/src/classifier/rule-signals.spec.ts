import type { ClassifiableEmail } from './email-classifier';
import { isDocumentAttachment, looksLikeInvoiceDocument, ruleSignals } from './rule-signals';

const email = (overrides: Partial<ClassifiableEmail>): ClassifiableEmail => ({
  from: { address: 'someone@example.com' },
  subject: '',
  text: '',
  attachments: [],
  headers: {},
  ...overrides,
});
const reasons = (overrides: Partial<ClassifiableEmail>) => ruleSignals(email(overrides)).map((signal) => signal.reason);

describe('rule signals', () => {
  it.each([
    'invoice-58213.pdf',
    'Rechnung_2024.PDF',
    'Factura 118.pdf',
    'facture.xml',
    'Fattura_45.pdf',
    'factuur.pdf',
  ])('takes %s for an invoice document', (filename) => {
    expect(looksLikeInvoiceDocument({ filename, mediaType: 'application/octet-stream' })).toBe(true);
  });

  it('does not take other documents, or invoice-named files that are no PDF or XML, for invoices', () => {
    expect(looksLikeInvoiceDocument({ filename: 'terms.pdf', mediaType: 'application/pdf' })).toBe(false);
    expect(looksLikeInvoiceDocument({ filename: 'invoice.docx', mediaType: 'application/msword' })).toBe(false);
    expect(isDocumentAttachment({ filename: 'scan.bin', mediaType: 'application/pdf' })).toBe(true);
  });

  it('reads XRechnung / CII and UBL credit notes by their root element', () => {
    const cii = Buffer.from(
      '<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">',
    );
    const creditNote = Buffer.from(
      '<?xml version="1.0"?><CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2">',
    );
    const other = Buffer.from('<?xml version="1.0"?><catalog/>');
    expect(looksLikeInvoiceDocument({ filename: 'x.xml', mediaType: 'application/xml', content: cii })).toBe(true);
    expect(looksLikeInvoiceDocument({ filename: 'x.xml', mediaType: 'text/xml', content: creditNote })).toBe(true);
    expect(looksLikeInvoiceDocument({ filename: 'x.xml', mediaType: 'application/xml', content: other })).toBe(false);
  });

  it('names spam markers in several languages', () => {
    expect(reasons({ text: 'Sie haben gewonnen! Hauptgewinn 50.000 Euro' })).toContain('lottery or prize');
    expect(reasons({ text: 'Gane dinero con criptomonedas' })).toContain('crypto or investment scheme');
    expect(reasons({ text: 'an inheritance from a client with no next of kin' })).toContain('advance-fee fraud');
    expect(reasons({ text: 'Votre compte a été suspendu' })).toContain('account-phishing wording');
    expect(reasons({ text: 'Newsletter abbestellen' })).toContain('unsubscribe link');
    expect(reasons({ headers: { 'x-spam-flag': 'YES' } })).toContain(
      'marked as spam by the receiving server (X-Spam-Flag)',
    );
    expect(
      reasons({ attachments: [{ filename: 'document.pdf.scr', mediaType: 'application/octet-stream' }] }),
    ).toContain('executable attachment: document.pdf.scr');
  });

  it('names order and support wording', () => {
    expect(reasons({ subject: 'Bestellung Nr. 45-2201' })).toContain('order number');
    expect(reasons({ text: 'we would like to order 3 laptops' })).toContain('wants to order');
    expect(reasons({ text: 'the app does not work since the update' })).toContain('a problem report');
  });

  it('fires nothing on a plain internal note', () => {
    expect(reasons({ subject: 'Lunch on Friday?', text: 'Are you free for lunch on Friday?' })).toEqual([]);
  });
});
