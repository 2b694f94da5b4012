/**
 * The words invoices put before their fields, in English, German, French, Dutch, Spanish,
 * Italian, Portuguese and the Nordic languages. Each label belongs to one kind; where labels
 * overlap in a line ("Total VAT" holds "Total" and "VAT"), the longest match wins, so
 * "Subtotal", "Total VAT" and "Total incl. VAT" each reach their own field.
 *
 * Kinds that are no extracted field (delivery date, customer number, …) are matched too, so
 * their words are not mistaken for a field's ("Order date" is not the invoice date).
 */

export type LabelKind =
  | 'invoiceNumber'
  | 'invoiceTitle'
  | 'issueDate'
  | 'dueDate'
  | 'otherDate'
  | 'net'
  | 'tax'
  | 'total'
  | 'payable'
  | 'customerBlock'
  | 'otherNumber'
  | 'supplierBlock'
  | 'paymentReference'
  | 'vatId'
  | 'currency'
  | 'paymentTerms';

export interface LabelSpec {
  kind: LabelKind;
  pattern: string;
  /** Higher is more specific ("Amount due" 3 over "Total" 1). */
  priority: number;
}

const spec = (kind: LabelKind, priority: number, ...patterns: string[]): LabelSpec[] =>
  patterns.map((pattern) => ({ kind, pattern, priority }));

// Shared pieces. `NO` is a number abbreviation: No., Nr., N°, Nº, n.
const NO = String.raw`(?:no\.?|nr\.?|n[°º]\.?|n\.|num(?:ber|mer)?\.?|#|number|nummer)`;
const TAX_WORD = String.raw`(?:vat|tax|gst|hst|mwst\.?|ust\.?|tva|btw|iva|moms)`;
/** After a tax word: not an identifier's label (VAT No., USt-IdNr.) nor "tax invoice". */
const NOT_AN_ID = String.raw`(?!\s*[-.]?\s*(?:reg(?:istration|\.)?|no\b|nr\b|n[°º]|number|nummer|id\b|idnr|identification|#|code|exempt|invoice|point|rate\s*$))`;

export const LABELS: readonly LabelSpec[] = [
  ...spec(
    'invoiceNumber',
    3,
    String.raw`invoice\s*${NO}`,
    String.raw`inv\.?\s*${NO}`,
    String.raw`invoice\s*id`,
    String.raw`bill\s*${NO}`,
    String.raw`rechnungs?\s*-?\s*${NO}`,
    String.raw`rechnungsnummer`,
    String.raw`(?:re|rg)\.?\s*-?\s*nr\.?`,
    String.raw`beleg\s*-?\s*${NO}`,
    String.raw`belegnummer`,
    String.raw`(?:n[°º]|no\.?|numéro|num\.?)\s*(?:de\s+)?(?:la\s+)?facture`,
    String.raw`facture\s*${NO}`,
    String.raw`factuur\s*${NO}`,
    String.raw`factuurnummer`,
    String.raw`(?:n[°º]\.?|número|num\.?)\s*(?:de\s+)?factura`,
    String.raw`factura\s*${NO}`,
    String.raw`(?:n\.|numero)\s*(?:di\s+)?fattura`,
    String.raw`fattura\s*${NO}`,
    String.raw`(?:n\.?[°º]|número)\s*(?:da\s+)?fatura`,
    String.raw`fatura\s*${NO}`,
    String.raw`faktura\s*${NO}`,
    String.raw`fakturanummer`,
    String.raw`nr\.?\s*faktury`,
  ),
  ...spec('otherNumber', 2, String.raw`document\s*${NO}`),
  // A bare title word: its value only on the same line ("Invoice INV-42", "Rechnung 2026-7").
  ...spec(
    'invoiceTitle',
    1,
    'tax\\s*invoice',
    'invoice',
    'rechnung',
    'facture',
    'factuur',
    'factura',
    'fattura',
    'fatura',
    'faktura',
    'credit\\s*note',
    'gutschrift',
    'avoir',
  ),
  ...spec(
    'issueDate',
    3,
    'invoice\\s*date',
    'date\\s*of\\s*(?:issue|invoice)',
    'issue\\s*date',
    'issued(?:\\s*on)?',
    'billing\\s*date',
    'rechnungsdatum',
    'ausstellungsdatum',
    'belegdatum',
    'datum\\s*der\\s*rechnung',
    'date\\s*(?:de\\s+)?(?:la\\s+)?facture',
    "date\\s*d['’]émission",
    'émise?\\s*le',
    'factuurdatum',
    'fecha\\s*(?:de\\s+)?(?:la\\s+)?factura',
    'fecha\\s*de\\s*emisión',
    'data\\s*(?:della\\s+)?fattura',
    'data\\s*(?:de\\s+)?emissão',
    'fakturadatum',
    'data\\s*wystawienia',
  ),
  ...spec('issueDate', 1, 'date', 'datum', 'fecha', 'data', 'dated'),
  // After the number on its line: "Rechnung Nr. 5 vom 05.03.2026", "Fattura n. 45 del 5 marzo 2026".
  ...spec('issueDate', 1, 'vom', 'del', 'du', 'd\\.d\\.'),
  ...spec(
    'dueDate',
    3,
    'due\\s*date',
    'date\\s*due',
    'payment\\s*due(?:\\s*date)?',
    'due\\s*(?:on|by)',
    'due',
    'pay\\s*by',
    'payable\\s*(?:by|until|before)',
    'fällig(?:keitsdatum|keit|\\s*am|\\s*bis)?',
    'zahlbar\\s*bis(?:\\s*zum)?',
    'zahlungsfrist',
    "date\\s*d['’]échéance",
    'échéance',
    'à\\s*payer\\s*avant\\s*le',
    'vervaldatum',
    'vervaldag',
    'uiterste\\s*betaaldatum',
    'te\\s*betalen\\s*vóór',
    'te\\s*betalen\\s*voor',
    'fecha\\s*de\\s*vencimiento',
    'vencimiento',
    'data\\s*di\\s*scadenza',
    'scadenza',
    'data\\s*de\\s*vencimento',
    'vencimento',
    'förfallodatum',
    'forfaldsdato',
    'forfallsdato',
    'termin\\s*płatności',
  ),
  ...spec(
    'otherDate',
    3,
    'delivery\\s*date',
    'service\\s*date',
    'order\\s*date',
    'ship(?:ping|ment)?\\s*date',
    'date\\s*of\\s*(?:supply|service|delivery)',
    'tax\\s*point(?:\\s*date)?',
    'period',
    'lieferdatum',
    'leistungsdatum',
    'leistungszeitraum',
    'bestelldatum',
    'auftragsdatum',
    'date\\s*de\\s*(?:livraison|commande|prestation)',
    'leverdatum',
    'leveringsdatum',
    'besteldatum',
    'fecha\\s*de\\s*(?:entrega|pedido)',
    'data\\s*(?:di\\s+)?consegna',
  ),
  ...spec(
    'otherNumber',
    2,
    `customer\\s*(?:${NO}|id|account)`,
    `account\\s*${NO}`,
    `order\\s*${NO}`,
    `purchase\\s*order(?:\\s*${NO})?`,
    `p\\.?o\\.?\\s*${NO}`,
    `client\\s*${NO}`,
    `kunden\\s*-?\\s*${NO}`,
    'kundennummer',
    `auftrags?\\s*-?\\s*${NO}`,
    'auftragsnummer',
    `bestell\\s*-?\\s*${NO}`,
    'bestellnummer',
    `lieferschein\\s*-?\\s*${NO}`,
    `(?:n[°º]|numéro)\\s*(?:de\\s+)?(?:client|commande)`,
    'klantnummer',
    `klant\\s*${NO}`,
    'ordernummer',
    `(?:n[°º]|número)\\s*de\\s*(?:cliente|pedido)`,
    'iban',
    'bic',
    'swift',
    'siret',
    'siren',
    'tel\\.?',
    'phone',
    'fax',
    'telefon',
  ),
  ...spec(
    'net',
    3,
    'sub\\s*-?\\s*total',
    'net\\s*(?:amount|total|value)',
    'total\\s*net',
    `total\\s*(?:excl\\.?|excluding|before|ex\\.?|w/o|without)\\s*${TAX_WORD}`,
    `amount\\s*(?:excl\\.?|excluding|before|ex\\.?)\\s*${TAX_WORD}`,
    'taxable\\s*amount',
    'zwischensumme',
    'nettobetrag',
    'netto\\s*-?\\s*(?:betrag|summe)',
    'summe\\s*\\(?netto\\)?',
    'gesamt\\s*\\(?netto\\)?',
    'rechnungsbetrag\\s*netto',
    'betrag\\s*netto',
    'warenwert',
    'total\\s*h\\.?t\\.?',
    'montant\\s*h\\.?t\\.?',
    'sous\\s*-?\\s*total',
    'total\\s*hors\\s*taxes?',
    'subtotaal',
    `totaal\\s*excl\\.?\\s*${TAX_WORD}`,
    `bedrag\\s*excl\\.?\\s*${TAX_WORD}`,
    'base\\s*imponible',
    'totale\\s*imponibile',
    'imponibile',
    'valor\\s*líquido',
    'nettobelopp',
  ),
  ...spec('net', 1, 'netto'),
  ...spec(
    'tax',
    3,
    `total\\s*${TAX_WORD}${NOT_AN_ID}`,
    `${TAX_WORD}\\s*(?:amount|total|betrag)${NOT_AN_ID}`,
    `summe\\s*${TAX_WORD}`,
    `montant\\s*(?:de\\s+(?:la\\s+)?)?${TAX_WORD}`,
    `totaal\\s*${TAX_WORD}`,
    `importe\\s*${TAX_WORD}`,
    `(?:sales\\s*)?tax${NOT_AN_ID}`,
    `${TAX_WORD}${NOT_AN_ID}`,
    `umsatzsteuer${NOT_AN_ID}`,
    `mehrwertsteuer${NOT_AN_ID}`,
    'imposta',
    'consumption\\s*tax',
    'steuer',
  ),
  ...spec(
    'total',
    3,
    'total\\s*due',
    'amount\\s*due',
    'balance\\s*due',
    'grand\\s*total',
    'total\\s*amount(?:\\s*due)?',
    'amount\\s*payable',
    'total\\s*payable',
    'invoice\\s*(?:total|amount)',
    `total\\s*(?:incl\\.?|including|inc\\.?|with)\\s*${TAX_WORD}`,
    'total\\s*to\\s*pay',
    'please\\s*pay',
    'gesamtbetrag',
    'rechnungsbetrag',
    'endbetrag',
    'gesamtsumme',
    'zu\\s*zahlen(?:der\\s*betrag)?',
    'zahlbetrag',
    'bruttobetrag',
    'summe\\s*\\(?brutto\\)?',
    'gesamt\\s*\\(?brutto\\)?',
    'rechnungssumme',
    'total\\s*t\\.?t\\.?c\\.?',
    'montant\\s*t\\.?t\\.?c\\.?',
    'net\\s*à\\s*payer',
    'montant\\s*total',
    'total\\s*à\\s*payer',
    `totaal\\s*incl\\.?\\s*${TAX_WORD}`,
    'totaal\\s*te\\s*betalen',
    'te\\s*betalen',
    'totaalbedrag',
    'factuurbedrag',
    'importe\\s*total',
    'total\\s*a\\s*pagar',
    'totale\\s*(?:fattura|documento|da\\s*pagare)',
    'att\\s*betala',
    'totalt\\s*att\\s*betala',
  ),
  ...spec('total', 2, 'brutto', 'betrag'),
  ...spec('total', 1, 'total', 'totaal', 'totale', 'totalt', 'summe', 'gesamt', 'summa', 'amount'),
  ...spec(
    'payable',
    3,
    'amount\\s*(?:still\\s*)?outstanding',
    'remaining\\s*balance',
    'restbetrag',
    'offener\\s*betrag',
    'reste\\s*à\\s*payer',
    'openstaand\\s*bedrag',
  ),
  ...spec(
    'customerBlock',
    3,
    'bill(?:ed)?\\s*to',
    'invoice\\s*to',
    'invoiced\\s*to',
    'sold\\s*to',
    'ship(?:ped)?\\s*to',
    'deliver(?:ed)?\\s*to',
    'customer',
    'client',
    'recipient',
    'buyer',
    'rechnungsempfänger',
    'rechnungsadresse',
    'leistungsempfänger',
    'lieferanschrift',
    'lieferadresse',
    'kunde',
    'empfänger',
    'factur[ée]\\s*à',
    'adresse\\s*de\\s*facturation',
    'destinataire',
    'klant',
    'factuuradres',
    'afnemer',
    'cliente',
    'destinatario',
    'facturar\\s*a',
    'kund',
    'to',
    'an',
  ),
  ...spec(
    'supplierBlock',
    3,
    'from',
    'supplier',
    'vendor',
    'seller',
    'sold\\s*by',
    'issued\\s*by',
    'bill\\s*from',
    'invoice\\s*from',
    'lieferant',
    'verkäufer',
    'rechnungssteller',
    'absender',
    'leistungserbringer',
    'fournisseur',
    'émetteur',
    'vendeur',
    'leverancier',
    'verkoper',
    'proveedor',
    'emisor',
    'fornitore',
    'cedente',
  ),
  ...spec(
    'paymentReference',
    2,
    'payment\\s*reference',
    'remittance\\s*reference',
    'verwendungszweck',
    'zahlungsreferenz',
    'référence\\s*(?:de\\s*)?paiement',
    'betalingskenmerk',
    'referencia\\s*(?:de\\s*)?pago',
    'causale',
  ),
  ...spec(
    'vatId',
    3,
    `vat\\s*(?:reg(?:istration|\\.)?\\s*)?(?:${NO}|id)`,
    'vat\\s*reg(?:istration|\\.)?',
    'ust\\.?\\s*-?\\s*id(?:\\s*-?\\s*nr\\.?|\\.)?',
    'ust\\.?\\s*-?\\s*idnr\\.?',
    'umsatzsteuer\\s*-?\\s*id(?:entifikationsnummer)?',
    'mwst\\.?\\s*-?\\s*nr\\.?',
    'uid(?:\\s*-?\\s*nr\\.?)?',
    'steuer\\s*-?\\s*nr\\.?',
    'steuernummer',
    'st\\.?\\s*-?\\s*nr\\.?',
    'tva\\s*intra(?:communautaire|com\\.?)?',
    '(?:n[°º]|numéro)\\s*(?:de\\s*)?tva',
    'btw\\s*-?\\s*(?:nummer|nr\\.?|id|identificatienummer)',
    'partita\\s*iva',
    'p\\.?\\s*iva',
    'nif',
    'cif',
    'tax\\s*id',
    `tax\\s*(?:reg(?:istration|\\.)?\\s*)?${NO}`,
    'ein',
    'abn',
    `gst\\s*(?:reg(?:istration|\\.)?\\s*)?${NO}`,
    'gstin',
    'org\\.?\\s*nr\\.?',
  ),
  ...spec('currency', 3, 'currency', 'währung', 'devise', 'valuta', 'moneda', 'moeda'),
  ...spec(
    'paymentTerms',
    3,
    'payment\\s*terms',
    'terms',
    'zahlungsbedingungen',
    'zahlungsziel',
    'conditions\\s*de\\s*paiement',
    'betalingstermijn',
    'betalingsvoorwaarden',
    'condiciones\\s*de\\s*pago',
  ),
];

/**
 * A total's label followed by a net or gross qualifier is that amount: "Gesamtbetrag netto",
 * "Summe (netto)", "Total excl. VAT" are the net; "Gesamtbetrag brutto", "Total TTC" the total.
 */
const NET_QUALIFIER =
  /^\s*\(?\s*(netto|net|h\.?\s?t\.?|excl\.?|exkl\.?|excluding|ohne|before\s+tax|hors\s+taxes?|sans\s+tva)\b/i;
const GROSS_QUALIFIER = /^\s*\(?\s*(brutto|gross|t\.?\s?t\.?\s?c\.?|incl\.?|inkl\.?|including|inklusive)\b/i;

export interface LabelMatch {
  readonly kind: LabelKind;
  readonly priority: number;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

type MutableLabelMatch = { -readonly [K in keyof LabelMatch]: LabelMatch[K] };

const COMPILED = LABELS.map((label) => ({
  ...label,
  regex: new RegExp(String.raw`(?<![\p{L}\d])(?:${label.pattern})(?![\p{L}])`, 'giu'),
}));
/** Any label at all: one scan that lets the many lines without a label skip the per-label scans. */
const ANY_LABEL = new RegExp(
  String.raw`(?<![\p{L}\d])(?:${LABELS.map((label) => label.pattern).join('|')})(?![\p{L}])`,
  'iu',
);

/**
 * Lines are asked for their labels many times (table ends, values under labels, party
 * candidates); the answer depends on the text alone, so it is kept, for a bounded number of
 * lines (cleared when full: a cache, not a store).
 */
const CACHE = new Map<string, readonly LabelMatch[]>();
const CACHE_LINES = 10_000;

/**
 * The labels of a line, non-overlapping: the longest match wins, then the more specific. A
 * label must be followed by the end of the line, a separator (`:` `#` `-` two spaces) or a
 * value, not by more words of a sentence; `requireSeparator` kinds (bare title words) need
 * their value on the same line.
 */
export function findLabels(line: string): readonly LabelMatch[] {
  const cached = CACHE.get(line);
  if (cached !== undefined) return cached;
  const found = ANY_LABEL.test(line) ? scanLabels(line) : [];
  if (CACHE.size >= CACHE_LINES) CACHE.clear();
  CACHE.set(line, found);
  return found;
}

function scanLabels(line: string): readonly LabelMatch[] {
  const all: MutableLabelMatch[] = [];
  for (const label of COMPILED) {
    label.regex.lastIndex = 0;
    for (const match of line.matchAll(label.regex)) {
      all.push({
        kind: label.kind,
        priority: label.priority,
        start: match.index,
        end: match.index + match[0].length,
        text: match[0],
      });
    }
  }
  all.sort((a, b) => b.end - b.start - (a.end - a.start) || b.priority - a.priority || a.start - b.start);
  const chosen: MutableLabelMatch[] = [];
  for (const match of all) {
    if (chosen.some((other) => match.start < other.end && match.end > other.start)) continue;
    chosen.push(match);
  }
  chosen.sort((a, b) => a.start - b.start);
  for (const match of chosen) {
    if (match.kind !== 'total' && match.kind !== 'net') continue;
    const after = line.slice(match.end);
    const qualifier =
      match.kind === 'total' ? NET_QUALIFIER.exec(after) : match.priority < 3 ? GROSS_QUALIFIER.exec(after) : null;
    if (qualifier === null) continue;
    // The qualifier belongs to the label ("Gesamtbetrag netto"), not to a label of its own.
    match.kind = match.kind === 'total' ? 'net' : 'total';
    match.end += qualifier[0].length;
    match.text = line.slice(match.start, match.end);
  }
  return chosen.filter(
    (match) => !chosen.some((other) => other !== match && match.start >= other.start && match.start < other.end),
  );
}
