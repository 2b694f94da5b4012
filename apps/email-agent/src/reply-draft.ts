/**
 * A reply for a person to review and send, for support and order mail (never sent by the
 * agent): "Re: <subject>", to the sender (Reply-To when given), in the sender's language
 * where there is a template for it (English, German, French, Spanish), else English. It
 * acknowledges the message, names the reference the sender can quote (the order number it
 * found, or the case reference of the thread), and says what happens next.
 */
import { createHash } from 'node:crypto';
import type { EmailCategory } from './classifier/email-classifier';
import type { Mailbox, ParsedEmail } from './email-message';
import type { Language } from './language';

export interface DraftedReply {
  subject: string;
  text: string;
  to: Mailbox[];
}

type TemplateLanguage = 'en' | 'de' | 'fr' | 'es';

interface ReplyTemplates {
  greeting(name: string | undefined): string;
  support(reference: string): string;
  order(orderNumber: string | undefined, reference: string): string;
  closing: string;
}

const TEMPLATES: Record<TemplateLanguage, ReplyTemplates> = {
  en: {
    greeting: (name) => (name === undefined ? 'Hello,' : `Dear ${name},`),
    support: (reference) =>
      `thank you for your message. We have received your request and opened case ${reference}. ` +
      'A member of our support team will look into it and get back to you within one business day. ' +
      `If you write to us again about this, please keep ${reference} in the subject.`,
    order: (orderNumber, reference) =>
      `thank you for your order${orderNumber === undefined ? '' : ` ${orderNumber}`}. ` +
      'We have received it and will confirm the items, prices and delivery date shortly. ' +
      `Our reference: ${reference}.`,
    closing: 'Kind regards',
  },
  de: {
    greeting: (name) => (name === undefined ? 'Guten Tag,' : `Guten Tag ${name},`),
    support: (reference) =>
      `vielen Dank für Ihre Nachricht. Wir haben Ihr Anliegen erhalten und unter ${reference} aufgenommen. ` +
      'Unser Support-Team kümmert sich darum und meldet sich innerhalb eines Werktags bei Ihnen. ' +
      `Bitte geben Sie bei Rückfragen ${reference} im Betreff an.`,
    order: (orderNumber, reference) =>
      `vielen Dank für Ihre Bestellung${orderNumber === undefined ? '' : ` ${orderNumber}`}. ` +
      'Wir haben sie erhalten und bestätigen Ihnen Artikel, Preise und Liefertermin in Kürze. ' +
      `Unser Zeichen: ${reference}.`,
    closing: 'Mit freundlichen Grüßen',
  },
  fr: {
    greeting: (name) => (name === undefined ? 'Bonjour,' : `Bonjour ${name},`),
    support: (reference) =>
      `merci pour votre message. Nous avons bien reçu votre demande et l'avons enregistrée sous la référence ${reference}. ` +
      'Notre équipe support vous répondra sous un jour ouvré. ' +
      `Merci de rappeler ${reference} dans l'objet de vos prochains messages.`,
    order: (orderNumber, reference) =>
      `merci pour votre commande${orderNumber === undefined ? '' : ` ${orderNumber}`}. ` +
      'Nous l’avons bien reçue et vous confirmerons rapidement les articles, les prix et la date de livraison. ' +
      `Notre référence : ${reference}.`,
    closing: 'Cordialement',
  },
  es: {
    greeting: (name) => (name === undefined ? 'Hola:' : `Estimado/a ${name}:`),
    support: (reference) =>
      `gracias por su mensaje. Hemos recibido su consulta y la hemos registrado con la referencia ${reference}. ` +
      'Nuestro equipo de soporte le responderá en un día laborable. ' +
      `Por favor, indique ${reference} en el asunto si nos vuelve a escribir.`,
    order: (orderNumber, reference) =>
      `gracias por su pedido${orderNumber === undefined ? '' : ` ${orderNumber}`}. ` +
      'Lo hemos recibido y en breve le confirmaremos artículos, precios y fecha de entrega. ' +
      `Nuestra referencia: ${reference}.`,
    closing: 'Atentamente',
  },
};

function isTemplateLanguage(language: Language | undefined): language is TemplateLanguage {
  return language === 'en' || language === 'de' || language === 'fr' || language === 'es';
}

/** The subject of a reply: "Re: " once, whatever prefix the sender's client used (Re, AW, SV, RE[2]). */
export function replySubject(subject: string): string {
  const bare = subject.replace(/^(\s*(re|aw|sv|antw|réf|rif|res|r)(\[\d+\])?\s*:\s*)+/i, '').trim();
  return `Re: ${bare === '' ? '(no subject)' : bare}`;
}

/** An order number the sender quoted (order 77120, Bestellung Nr. 45-2201, PO-2024-311, commande n° 30555). */
export function orderNumberOf(text: string): string | undefined {
  const match =
    /\b(?:purchase order|order|bestellung|bestellnummer|auftrag|auftragsnummer|commande|pedido|ordine|bestelling|po)\s*(?:no\.?|nr\.?|number|nummer|n[°º.]?|n\.º|#)?\s*[:#]?\s*([A-Z]{0,4}-?\d[\d-]{2,}[A-Z0-9]*)/i.exec(
      text,
    );
  return match?.[1];
}

/** A short, stable case reference for the thread: the same conversation, the same reference. */
export function caseReference(email: Pick<ParsedEmail, 'threadId' | 'messageId'>, fallback: string): string {
  const digest = createHash('sha256')
    .update(email.threadId ?? email.messageId ?? fallback)
    .digest('hex');
  return `FL-${digest.slice(0, 8).toUpperCase()}`;
}

export function draftReply(
  email: ParsedEmail,
  category: EmailCategory,
  language: Language | undefined,
  options: { reference: string; signature: string },
): DraftedReply | undefined {
  if (category !== 'support' && category !== 'order') return undefined;
  const to = email.replyTo.length > 0 ? email.replyTo : [email.from];
  const templates = TEMPLATES[isTemplateLanguage(language) ? language : 'en'];
  const name = to[0]?.name;
  const body =
    category === 'support'
      ? templates.support(options.reference)
      : templates.order(orderNumberOf(`${email.subject}\n${email.text}`), options.reference);
  return {
    subject: replySubject(email.subject),
    text: `${templates.greeting(name)}\n\n${body}\n\n${templates.closing}\n${options.signature}\n`,
    to,
  };
}
