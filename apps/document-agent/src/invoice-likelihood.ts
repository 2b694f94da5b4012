/**
 * Does a document look like an invoice? A score over what invoices everywhere carry, so that
 * layouts and wordings never seen before are recognised, not a match on known templates:
 *
 * - An invoice names itself: a title cell ("INVOICE", "Rechnung Nr. 42", "Facture / Invoice",
 *   "Tax invoice", "Credit note") or a labelled number or date ("Invoice No.", "Inv #",
 *   "Rechnungsnummer", "N° de facture", "Factuurdatum"). One of these is required (the
 *   anchor): a letter that only mentions "your invoice" is not one.
 * - It asks for money: a total label with an amount on its line or the next ("Total due",
 *   "Gesamtbetrag", "Total TTC", "Importe total", "Totale documento"), or amounts written
 *   with a currency. One of these is required too.
 * - It usually carries more, each adding to the score: tax (VAT, MwSt, TVA, IVA, BTW, GST),
 *   a tax or VAT id, a due date or payment terms, bank details (IBAN), a table header of
 *   line items, a billed-to party.
 * - Documents that look alike but ask for nothing to be booked are pushed down by their own
 *   title: quotes, pro-forma invoices, order confirmations, delivery notes, payment
 *   reminders, receipts, statements; and a letter's salutation.
 *
 * Words in English, German, French, Spanish, Italian, Dutch, the Scandinavian languages,
 * Polish, Portuguese and Japanese. Structured invoices are recognised by their namespace:
 * UBL 2.1 (Invoice, CreditNote) and UN/CEFACT CII (Factur-X, ZUGFeRD, XRechnung CII); other
 * XML is not announced (the invoice agent reads UBL, not arbitrary XML). JSON is read with
 * its keys split into words (`invoice_number` → "invoice number").
 */

export const INVOICE_SIGNALS = [
  'ubl',
  'cii',
  'invoice_title',
  'credit_note_title',
  'invoice_number',
  'invoice_date',
  'invoice_word',
  'total_amount',
  'currency_amounts',
  'tax',
  'tax_id',
  'due_date',
  'payment_details',
  'line_items',
  'bill_to',
  'other_document_title',
  'letter',
] as const;
export type InvoiceSignal = (typeof INVOICE_SIGNALS)[number];

export interface InvoiceAssessment {
  /** Whether the document is announced as invoice.received. */
  invoice: boolean;
  /** The sum of the signals' weights (a structured invoice scores STRUCTURED_SCORE). */
  score: number;
  /** What was found, in the order of INVOICE_SIGNALS. */
  signals: InvoiceSignal[];
}

export interface AssessedDocument {
  /** libs/documents' kind: pdf, docx, xml, json, html or text. */
  kind: string;
  text: string;
}

export const DEFAULT_MIN_SCORE = 7;
const STRUCTURED_SCORE = 20;

const WEIGHTS: Record<Exclude<InvoiceSignal, 'ubl' | 'cii' | 'currency_amounts'>, number> = {
  invoice_title: 4,
  credit_note_title: 4,
  invoice_number: 3,
  invoice_date: 2,
  invoice_word: 1,
  total_amount: 2,
  tax: 1,
  tax_id: 2,
  due_date: 2,
  payment_details: 1,
  line_items: 1,
  bill_to: 1,
  other_document_title: -6,
  letter: -2,
};

const ANCHORS: readonly InvoiceSignal[] = ['invoice_title', 'credit_note_title', 'invoice_number', 'invoice_date'];
const MONEY: readonly InvoiceSignal[] = ['total_amount', 'currency_amounts'];

/** Text scanned at most: an invoice says what it is on its first pages. */
const SCANNED_CHARS = 100_000;
/** Lines (non-empty, from the top) where a title or a salutation is looked for. */
const HEAD_LINES = 25;

export function assessInvoice(document: AssessedDocument, minScore = DEFAULT_MIN_SCORE): InvoiceAssessment {
  if (document.kind === 'xml') return assessXml(document.text);
  const text = document.kind === 'json' ? jsonKeysAsWords(document.text) : document.text;
  return assessText(text.slice(0, SCANNED_CHARS), minScore);
}

// ---------------------------------------------------------------------------------------
// Structured invoices

const UBL = /urn:oasis:names:specification:ubl:schema:xsd:(Invoice|CreditNote)-2/;
const CII = /urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:\d+/;

function assessXml(text: string): InvoiceAssessment {
  const root = rootElement(text);
  if (root === undefined) return { invoice: false, score: 0, signals: [] };
  const ubl = UBL.exec(root.namespaces);
  if (ubl !== null && root.localName === ubl[1]) return { invoice: true, score: STRUCTURED_SCORE, signals: ['ubl'] };
  if (CII.test(root.namespaces) && root.localName === 'CrossIndustryInvoice') {
    return { invoice: true, score: STRUCTURED_SCORE, signals: ['cii'] };
  }
  return { invoice: false, score: 0, signals: [] };
}

/** The document element's local name and its start tag (where its namespaces are declared). */
function rootElement(text: string): { localName: string; namespaces: string } | undefined {
  const head = text.slice(0, 8192).replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/g, '');
  const match = /<(?:[\w.-]+:)?([\w.-]+)([^>]*)>/.exec(head);
  return match === null ? undefined : { localName: match[1] as string, namespaces: match[2] ?? '' };
}

/** `"invoice_number": …` → `"invoice number": …`, `"dueDate"` → `"due Date"`: keys read as labels. */
function jsonKeysAsWords(text: string): string {
  return text.replace(/"([^"\n]{1,80})"\s*:/g, (_all, key: string) => {
    const words = key.replace(/([\p{Ll}\d])(\p{Lu})/gu, '$1 $2').replace(/[_.-]+/g, ' ');
    return `"${words}":`;
  });
}

// ---------------------------------------------------------------------------------------
// Text

/** Unicode-aware word edges (JavaScript's \b knows only ASCII letters). */
const B = '(?<![\\p{L}\\p{N}])';
const E = '(?![\\p{L}])';
const words = (alternatives: string, flags = 'iu'): RegExp => new RegExp(`${B}(?:${alternatives})${E}`, flags);

const INVOICE_NOUN = 'invoice|inv|rechnungs?|facture|factura|fattura|factuur|faktura|fatura';
const NUMBER_WORD = 'no|nr|n[°º]|n|#|number|nummer|num|numero|numéro|número|id';
const INVOICE_NUMBER = new RegExp(
  `${B}(?:(?:${INVOICE_NOUN})\\s*[-.]?\\s*(?:${NUMBER_WORD})(?![\\p{L}])|` +
    `(?:n[°º]|num[ée]ro|número|numero|nr|no)\\.?\\s*(?:de\\s+(?:la\\s+)?|di\\s+|del(?:la)?\\s+)?(?:facture|factura|fattura|faktury|fatura)${E}|` +
    `請求(?:書)?(?:番号|No))`,
  'iu',
);
const INVOICE_DATE = words(
  'invoice\\s*date|date\\s+of\\s+invoice|rechnungsdatum|date\\s+de\\s+(?:la\\s+)?factur(?:e|ation)|' +
    'fecha\\s+(?:de\\s+)?(?:la\\s+)?factura|fecha\\s+de\\s+emisi[óo]n|data\\s+(?:della\\s+)?fattura|factuurdatum|' +
    'fakturadato|fakturadatum|data\\s+(?:faktury|wystawienia)|data\\s+(?:da\\s+)?fatura|請求日',
);
const INVOICE_WORD = words(
  'invoices?|invoiced|rechnung(?:en)?|factures?|facturas?|fattur[ae]|factuur|faktura|fatura|請求書|credit\\s+note|gutschrift',
);

const TOTAL_LABEL = words(
  [
    'total(?:\\s+(?:due|amount|payable|ttc|ht|factura|a\\s+pagar|incl\\.?))?',
    'grand\\s+total|sub-?total|amount\\s+(?:due|payable|owing)|balance\\s+due',
    'gesamt\\p{L}*|rechnungsbetrag|endbetrag|summe|zu\\s+zahlen(?:der\\s+betrag)?|zahlbetrag|brutto\\p{L}*|netto\\p{L}*',
    'montant\\s+(?:ttc|ht|total|d[ûu])|net\\s+[àa]\\s+payer',
    'importe(?:\\s+total)?|base\\s+imponible',
    'totale(?:\\s+(?:documento|fattura|da\\s+pagare))?|imponibile|importo(?:\\s+totale)?',
    'totaal(?:\\s+(?:excl|incl)\\.?)?|te\\s+betalen|bedrag',
    'att\\s+betala|summa|totalt|[aå]\\s+betale|i\\s+alt',
    'razem|do\\s+zap[łl]aty|valor\\s+total',
    '合計|請求金額|総額',
  ].join('|'),
);

const CURRENCY =
  '(?:[€$£¥₹₽₩₪₺₫฿]|(?<![\\p{L}])(?:EUR|USD|GBP|CHF|JPY|CNY|SEK|NOK|DKK|PLN|CZK|HUF|CAD|AUD|NZD|INR|BRL|MXN|ZAR|SGD|HKD|RON|BGN|TRY|ILS|AED|SAR|KRW|kr|Fr\\.)(?![\\p{L}]))';
const AMOUNT = "\\d{1,3}(?:[.,'’\\u00a0\\u202f ]\\d{3})+(?:[.,]\\d{1,2})?|\\d+(?:[.,]\\d{1,2})?";
/** Three capitals after an amount that are no currency: a tax or unit column. */
const NOT_CURRENCY = 'VAT|TAX|TVA|IVA|BTW|GST|HST|PST|QTY|PCS|STK|PAX';
const MONEY_AMOUNT = new RegExp(
  `${CURRENCY}\\s?-?(?:${AMOUNT})(?!\\d)|(?<![\\d.,])(?:${AMOUNT})\\s?${CURRENCY}|` +
    // An amount followed by a code of the ISO 4217 shape that is none of the above (XBT, a
    // new currency): still money; the invoice agent decides what an unknown currency means.
    `(?<![\\d.,])\\d+[.,]\\d{2,4}\\s(?!(?:${NOT_CURRENCY})(?![A-Z]))[A-Z]{3}(?![\\p{L}])`,
  'gu',
);
/** MONEY_AMOUNT without the global flag, for a stateless test() of one line. */
const MONEY_AMOUNT_IN_LINE = new RegExp(MONEY_AMOUNT.source, 'u');
/** An amount written with two to four decimals: what a total shows. */
const DECIMAL_AMOUNT = new RegExp(
  `(?<![\\p{L}\\d.,])-?\\d{1,3}(?:[.,'’\\u00a0\\u202f ]\\d{3})*[.,]\\d{2,4}(?!\\d|[.,]\\d)`,
  'u',
);

const TAX = words(
  'vat|mwst|ust|umsatzsteuer|mehrwertsteuer|tva|iva|btw|moms|mva|gst|hst|pst|sales\\s+tax|tax|impuesto|imposta|igic|podatek|消費税',
);
const TAX_ID_LABEL = words(
  [
    'vat\\s*(?:reg(?:istration)?\\.?\\s*)?(?:no|nr|number|id|#)\\.?',
    'ust[-\\s]?id(?:[-.]?nr)?\\.?|ust-?idnr\\.?|umsatzsteuer-?id\\p{L}*|steuer-?nr\\.?|steuernummer|st\\.?-?nr\\.?|mwst[-\\s]?nr\\.?|uid(?:-?nr)?',
    'n[°º]\\s*(?:de\\s+)?tva|tva\\s+intracom\\p{L}*|num[ée]ro\\s+de\\s+tva|siret|siren',
    'nif|cif|partita\\s+iva|p\\.\\s?iva|codice\\s+fiscale',
    'btw[-\\s]?(?:nummer|nr|id)\\.?|kvk(?:-?nummer)?',
    'org\\.?\\s*nr\\.?|momsreg\\p{L}*|cvr(?:-?nr)?|nip',
    'tax\\s*(?:id|no|number|reg\\p{L}*)\\.?|ein|tin|abn|gst\\s*(?:no|reg\\p{L}*|number)\\.?',
    '登録番号',
  ].join('|'),
);
/** Compact VAT ids as printed without a label (case-sensitive: country codes are capitals). */
const VAT_ID =
  /(?<![A-Za-z0-9])(?:ATU\d{8}|DE\d{9}|FR[0-9A-Z]{2}\d{9}|NL\d{9}B\d{2}|IT\d{11}|ES[0-9A-Z]\d{7}[0-9A-Z]|BE0\d{9}|GB\d{9}|CHE-?\d{3}\.?\d{3}\.?\d{3}|SE\d{12}|DK\d{8}|PL\d{10})(?![A-Za-z0-9])/;

const DUE_DATE = words(
  [
    'due\\s+(?:date|on|by)|payment\\s+due|pay(?:able)?\\s+(?:by|within)|payment\\s+terms|terms:?\\s*net|net\\s*\\d{1,3}(?:\\s*days)?',
    'fällig\\p{L}*|zahlbar\\s+(?:bis|innerhalb|sofort)|zahlungsziel|zahlungsbedingungen',
    '[ée]ch[ée]ance|date\\s+limite\\s+de\\s+(?:paiement|r[èe]glement)|[àa]\\s+payer\\s+avant|conditions\\s+de\\s+(?:paiement|r[èe]glement)',
    'vencimiento|fecha\\s+l[íi]mite\\s+de\\s+pago|condiciones\\s+de\\s+pago',
    'scadenza|pagamento\\s+entro|termini\\s+di\\s+pagamento',
    'vervaldatum|betalingstermijn|te\\s+betalen\\s+v[óo]{1,2}r',
    'f[öo]rfallo(?:datum|dag)|betalningsvillkor|forfaldsdato|forfallsdato',
    'termin\\s+p[łl]atno[śs]ci|data\\s+de\\s+vencimento',
    '支払期限|お支払期限',
  ].join('|'),
);
const IBAN = /(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?(?![A-Za-z0-9])/;
const BANK_LABEL = words(
  'iban|bic|swift|bank\\s*(?:details|account|transfer)|bankverbindung|kontoverbindung|coordonn[ée]es\\s+bancaires|rib|' +
    'datos\\s+bancarios|cuenta\\s+bancaria|coordinate\\s+bancarie|bonifico|rekeningnummer|bankgiro|plusgiro|' +
    'routing\\s+(?:number|no)|account\\s+(?:number|no)|sort\\s+code|振込先',
);
const COLUMN_WORD = new RegExp(
  `${B}(?:qty|quantity|menge|anzahl|stk|quantit[ée]|qt[ée]|cantidad|cant|quantità|q\\.tà|qtà|aantal|antal|ilość|` +
    'unit\\s*price|unit|price|preis|einzelpreis|e-?preis|prix(?:\\s+unitaire)?|p\\.u|precio(?:\\s+unitario)?|prezzo(?:\\s+unitario)?|' +
    'prijs|pris|amount|betrag|montant|importe|importo|bedrag|belopp|description|beschreibung|bezeichnung|artikel|' +
    `d[ée]signation|descripci[óo]n|concepto|descrizione|omschrijving|beskrivning|item|hours|stunden|heures|horas|ore|数量|単価|金額|品名)${E}`,
  'giu',
);
const BILL_TO = words(
  'bill(?:ed)?\\s+to|invoice\\s+to|sold\\s+to|customer\\s+(?:no|number|id)\\.?|rechnungs(?:empfänger|adresse|anschrift)|' +
    'kunden-?(?:nummer|nr)\\.?|factur[ée]\\s+[àa]|adresse\\s+de\\s+facturation|n[°º]\\s*client|facturar\\s+a|datos\\s+del\\s+cliente|' +
    'intestatario|spett\\.(?:le)?|factuuradres|klantnummer|kundnummer|請求先|御中',
);
const SALUTATION =
  /^(?:dear|hello|hi|sehr\s+geehrte|liebe[rs]?|hallo|guten\s+tag|madame|monsieur|cher|ch[èe]re|bonjour|estimad[oa]s?|hola|querid[oa]s?|gentile|egregi[oa]|car[oa]|geachte|beste|hej|k[æa]re)(?![\p{L}])/iu;

// Titles: a cell whose every word is one of these (and at least one names the document).
const INVOICE_TITLE_WORDS = new Set([
  'invoice',
  'rechnung',
  'facture',
  'factura',
  'fattura',
  'factuur',
  'faktura',
  'fatura',
  '請求書',
]);
const CREDIT_NOTE_WORDS = new Set([
  'creditnote',
  'gutschrift',
  'avoir',
  'notadecredito',
  'notadicredito',
  'creditnota',
  'kreditnota',
  'rechnungskorrektur',
  'korrekturrechnung',
  'stornorechnung',
]);
/** Documents that ask for nothing to be booked, whatever else their title says ("Pro forma invoice", "Reminder: invoice 42"). */
const NOT_A_BILL_WORDS = new Set([
  'quote',
  'quotation',
  'estimate',
  'offer',
  'proposal',
  'angebot',
  'kostenvoranschlag',
  'devis',
  'offre',
  'presupuesto',
  'cotización',
  'cotizacion',
  'oferta',
  'preventivo',
  'offerta',
  'offerte',
  'proforma',
  'reminder',
  'mahnung',
  'zahlungserinnerung',
  'relance',
  'rappel',
  'recordatorio',
  'sollecito',
  'aanmaning',
  'betalingsherinnering',
  'kontoauszug',
  'relevé',
  'releve',
  'statement',
  'orderconfirmation',
  'purchaseorder',
  'auftragsbestätigung',
  'bestellbestätigung',
  'bestellung',
  'bondecommande',
  'confirmationdecommande',
  'pedido',
  'ordendecompra',
  'ordine',
  'bestelling',
]);
/**
 * Documents that are no invoice alone but may share its title ("Rechnung / Lieferschein",
 * "Tax invoice / Receipt").
 */
const COMPANION_WORDS = new Set([
  'deliverynote',
  'packingslip',
  'lieferschein',
  'bondelivraison',
  'albarán',
  'albaran',
  'pakbon',
  'ddt',
  'receipt',
  'quittung',
  'reçu',
  'recu',
  'recibo',
  'ricevuta',
  'kvitto',
]);
const TITLE_FILLERS = new Set([
  'tax',
  'vat',
  'commercial',
  'final',
  'original',
  'copy',
  'duplicate',
  'e',
  'electronic',
  'simplified',
  'partial',
  'interim',
  'sales',
  'service',
  'payment',
  'first',
  'second',
  'third',
  'account',
  'steuer',
  'no',
  'nr',
  'n°',
  'nº',
  'n',
  '#',
  'number',
  'nummer',
  'num',
  'numéro',
  'numero',
  'número',
  'id',
  'of',
  'del',
  'du',
  'vom',
  'from',
  'dated',
  'de',
  'van',
  'for',
  'per',
  'and',
  'und',
  'et',
  'y',
  'e',
  '&',
  '-',
  '–',
]);
const PHRASES: readonly [RegExp, string][] = [
  [/credit\s+(?:note|memo)/g, 'creditnote'],
  [/nota\s+de\s+cr[ée]dito/g, 'notadecredito'],
  [/nota\s+di\s+credito/g, 'notadicredito'],
  [/pro[\s-]?forma/g, 'proforma'],
  [/order\s+confirmation/g, 'orderconfirmation'],
  [/purchase\s+order/g, 'purchaseorder'],
  [/bon\s+de\s+commande/g, 'bondecommande'],
  [/confirmation\s+de\s+commande/g, 'confirmationdecommande'],
  [/orden\s+de\s+compra/g, 'ordendecompra'],
  [/delivery\s+note/g, 'deliverynote'],
  [/packing\s+slip/g, 'packingslip'],
  [/bon\s+de\s+livraison/g, 'bondelivraison'],
  [/statement\s+of\s+account/g, 'statement'],
];

type Title = 'invoice' | 'credit_note' | 'other' | undefined;

function titleOf(cell: string): Title {
  let text = cell.toLowerCase();
  for (const [phrase, token] of PHRASES) text = text.replace(phrase, token);
  const tokens = text
    .split(/[\s/|:,;()]+/)
    .map((token) => token.replace(/^[.*]+|[.*]+$/g, ''))
    .filter((token) => token !== '');
  if (tokens.length === 0 || tokens.length > 7) return undefined;
  let invoice = false;
  let credit = false;
  let notABill = false;
  let companion = false;
  for (const token of tokens) {
    if (INVOICE_TITLE_WORDS.has(token)) invoice = true;
    else if (CREDIT_NOTE_WORDS.has(token)) credit = true;
    else if (NOT_A_BILL_WORDS.has(token)) notABill = true;
    else if (COMPANION_WORDS.has(token)) companion = true;
    else if (!TITLE_FILLERS.has(token) && !/\d/.test(token)) return undefined;
  }
  if (notABill) return 'other';
  if (credit) return 'credit_note';
  if (invoice) return 'invoice';
  return companion ? 'other' : undefined;
}

function assessText(text: string, minScore: number): InvoiceAssessment {
  const lines = text.split(/\r?\n|\f/);
  const found = new Set<InvoiceSignal>();

  // The title is the first title-like cell from the top; later ones are references
  // ("Purchase order: PO-7", "gemäß Angebot Nr. 17") or repeat it ("Invoice No. 5").
  let title: Title;
  const head = lines.filter((line) => line.trim() !== '').slice(0, HEAD_LINES);
  for (const line of head) {
    if (SALUTATION.test(line.trim())) found.add('letter');
    for (const cell of line.split(/\s{2,}|\t/)) title ??= titleOf(cell.trim());
  }
  if (title === 'invoice') found.add('invoice_title');
  else if (title === 'credit_note') found.add('credit_note_title');
  else if (title === 'other') found.add('other_document_title');
  if (INVOICE_NUMBER.test(text)) found.add('invoice_number');
  if (INVOICE_DATE.test(text)) found.add('invoice_date');
  if (INVOICE_WORD.test(text)) found.add('invoice_word');
  if (TAX.test(text)) found.add('tax');
  if (TAX_ID_LABEL.test(text) || VAT_ID.test(text)) found.add('tax_id');
  if (DUE_DATE.test(text)) found.add('due_date');
  if (IBAN.test(text) || BANK_LABEL.test(text)) found.add('payment_details');
  if (BILL_TO.test(text)) found.add('bill_to');

  const hasAmount = (line: string | undefined): boolean =>
    line !== undefined && (DECIMAL_AMOUNT.test(line) || MONEY_AMOUNT_IN_LINE.test(line));
  lines.forEach((line, index) => {
    if (!found.has('total_amount') && TOTAL_LABEL.test(line) && (hasAmount(line) || hasAmount(lines[index + 1]))) {
      found.add('total_amount');
    }
    if (!found.has('line_items')) {
      const columns = new Set((line.match(COLUMN_WORD) ?? []).map((word) => word.toLowerCase()));
      if (columns.size >= 2) found.add('line_items');
    }
  });
  const amounts = Math.min(text.match(MONEY_AMOUNT)?.length ?? 0, 3);
  if (amounts > 0) found.add('currency_amounts');

  let score = amounts >= 3 ? 2 : amounts > 0 ? 1 : 0;
  for (const signal of found) if (signal !== 'currency_amounts') score += WEIGHTS[signal as keyof typeof WEIGHTS] ?? 0;
  const invoice =
    score >= minScore &&
    ANCHORS.some((signal) => found.has(signal)) &&
    MONEY.some((signal) => found.has(signal)) &&
    !found.has('other_document_title');
  return { invoice, score, signals: INVOICE_SIGNALS.filter((signal) => found.has(signal)) };
}
