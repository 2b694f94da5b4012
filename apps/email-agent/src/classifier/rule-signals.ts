/**
 * Rules: what a person sorting mail sees at a glance, as weighted evidence for a category.
 * Each signal adds its weight (in log-odds) to that category's score from the naive Bayes
 * model (local-classifier.ts), so a strong rule — an attachment named "Rechnung_2024-118.pdf",
 * a UBL invoice, a lottery win — decides, and weak ones only tip a close call.
 *
 * Words cover English, German, French, Spanish, Italian and Dutch, the languages of the
 * labelled set.
 */
import { extensionOf } from '../email-message';
import type { ClassifiableEmail, EmailCategory } from './email-classifier';

export interface Signal {
  category: EmailCategory;
  /** Log-odds added to the category's score. */
  weight: number;
  /** Why, for the audit trail (`email.classified` data `signals`). */
  reason: string;
}

/** Invoice in the languages of the labelled set (and a few neighbours). */
const INVOICE_WORD =
  /(invoice|rechnung|factura|facture|fattura|faktura|factuur|fatura|nota fiscal|gutschrift|credit[ -]?note|avoir|abono)/i;
const INVOICE_DOCUMENT_EXTENSIONS = new Set(['pdf', 'xml']);
const INVOICE_DOCUMENT_TYPES = new Set(['application/pdf', 'application/xml', 'text/xml']);
/** Root elements of UBL 2.1 invoices and credit notes and of UN/CEFACT CII (XRechnung, ZUGFeRD, Factur-X). */
const INVOICE_XML_ROOT = /<(?:[A-Za-z0-9_-]+:)?(Invoice|CreditNote|CrossIndustryInvoice)[\s>]/;
const EXECUTABLE_EXTENSIONS = new Set([
  'exe',
  'scr',
  'js',
  'vbs',
  'bat',
  'cmd',
  'com',
  'jar',
  'msi',
  'iso',
  'lnk',
  'hta',
]);

const TEXT_RULES: readonly { category: EmailCategory; weight: number; pattern: RegExp; reason: string }[] = [
  {
    category: 'spam',
    weight: 3,
    reason: 'lottery or prize',
    pattern:
      /(lottery|lotto|jackpot|you have won|you('| ha)ve been selected|claim your (prize|reward)|gewinnspiel|sie haben gewonnen|hauptgewinn|vous avez gagné|ha ganado|hai vinto|sorteo|loterie)/i,
  },
  {
    category: 'spam',
    weight: 2.5,
    reason: 'crypto or investment scheme',
    pattern:
      /(bitcoin|crypto ?currenc|kryptow|cryptomonnaie|criptomoneda|\bbtc\b|ethereum|double your (money|investment)|guaranteed (returns?|profit)|passive income|trading bot)/i,
  },
  {
    category: 'spam',
    weight: 3,
    reason: 'advance-fee fraud',
    pattern:
      /(inheritance|next of kin|beneficiary of|transfer fee|western union|moneygram|million (us )?(dollars|usd)|erbschaft|herencia|héritage)/i,
  },
  {
    category: 'spam',
    weight: 2.5,
    reason: 'account-phishing wording',
    pattern:
      /(verify your (account|identity) (now|immediately|within)|your account (has been|will be) (suspended|locked|closed)|confirm your password|konto (wurde )?gesperrt|compte (a été )?suspendu|cuenta (ha sido )?suspendida)/i,
  },
  {
    category: 'spam',
    weight: 3,
    reason: 'pharmacy, casino or dating spam',
    pattern:
      /(viagra|cialis|online casino|casino bonus|free spins|weight loss pills|singles in your area|hot singles)/i,
  },
  {
    category: 'spam',
    weight: 1,
    reason: 'unsubscribe link',
    pattern: /(unsubscribe|abmelden|abbestellen|se désabonner|désinscri|darse de baja|cancella l'iscrizione|afmelden)/i,
  },
  {
    category: 'order',
    weight: 2,
    reason: 'order number',
    pattern:
      /(purchase order|\bP\.?O\.?\s*(no\.?|number|#)|order\s*(no\.?|number|#|nr\.?)\s*:?\s*[A-Z0-9-]{3,}|bestell(ung|nummer)\s*(nr\.?|nummer|#)?\s*:?\s*[A-Z0-9-]{3,}|commande\s*(n°|no\.?|numéro)\s*:?\s*[A-Z0-9-]{3,}|pedido\s*(n[º°o]\.?|número)\s*:?\s*[A-Z0-9-]{3,})/i,
  },
  {
    category: 'order',
    weight: 1,
    reason: 'wants to order',
    pattern:
      /(we would like to order|i would like to order|please (send|ship) us|wir (möchten|moechten) (bestellen|folgendes bestellen)|hiermit bestellen wir|nous souhaitons commander|quisiéramos pedir|queremos pedir|vorremmo ordinare|wij willen bestellen)/i,
  },
  {
    category: 'support',
    weight: 1,
    reason: 'a problem report',
    pattern:
      /(does not work|doesn't work|not working|cannot log ?in|can't log ?in|error message|funktioniert nicht|fehlermeldung|kann mich nicht anmelden|ne fonctionne pas|no funciona|non funziona|werkt niet|support ticket|ticket #)/i,
  },
];

/** Whether an attachment is a PDF or XML document (by media type or name). */
export function isDocumentAttachment(
  attachment: Pick<ClassifiableEmail['attachments'][number], 'filename' | 'mediaType'>,
): boolean {
  return (
    INVOICE_DOCUMENT_TYPES.has(attachment.mediaType) ||
    INVOICE_DOCUMENT_EXTENSIONS.has(extensionOf(attachment.filename)) ||
    attachment.mediaType.endsWith('+xml')
  );
}

/** Whether a PDF or XML attachment is an invoice by its name, or (XML) by its root element. */
export function looksLikeInvoiceDocument(attachment: ClassifiableEmail['attachments'][number]): boolean {
  if (!isDocumentAttachment(attachment)) return false;
  if (INVOICE_WORD.test(attachment.filename ?? '')) return true;
  const isXml = extensionOf(attachment.filename) === 'xml' || attachment.mediaType.includes('xml');
  return (
    isXml &&
    attachment.content !== undefined &&
    INVOICE_XML_ROOT.test(attachment.content.subarray(0, 4096).toString('utf8'))
  );
}

export function ruleSignals(email: ClassifiableEmail): Signal[] {
  const signals: Signal[] = [];
  for (const attachment of email.attachments) {
    const name = attachment.filename ?? attachment.mediaType;
    if (looksLikeInvoiceDocument(attachment)) {
      signals.push({ category: 'invoice', weight: 6, reason: `invoice document attached: ${name}` });
    }
    // Decisive: whatever the text says, mail carrying a program is not business mail to act on.
    if (EXECUTABLE_EXTENSIONS.has(extensionOf(attachment.filename))) {
      signals.push({ category: 'spam', weight: 15, reason: `executable attachment: ${name}` });
    }
  }
  if (INVOICE_WORD.test(email.subject))
    signals.push({ category: 'invoice', weight: 2, reason: 'invoice named in the subject' });
  const text = `${email.subject}\n${email.text.slice(0, 4_000)}`;
  for (const rule of TEXT_RULES) {
    if (rule.pattern.test(text)) signals.push({ category: rule.category, weight: rule.weight, reason: rule.reason });
  }
  if (/^yes\b/i.test(email.headers['x-spam-flag'] ?? '')) {
    signals.push({ category: 'spam', weight: 4, reason: 'marked as spam by the receiving server (X-Spam-Flag)' });
  }
  if (email.headers['list-unsubscribe'] !== undefined) {
    signals.push({ category: 'spam', weight: 0.5, reason: 'bulk mail (List-Unsubscribe)' });
  }
  return signals;
}
