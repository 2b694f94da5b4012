/**
 * Invoices as JSON, whatever the producer called its keys: `invoice_number`, `invoiceNo`,
 * `number`; `vendor` or `supplier` as a name or an object; `lines`, `line_items` or `items`;
 * amounts as numbers, decimal strings, printed strings ("1.234,56 €") or objects
 * (`{ amount, currency }`, `{ amountMinor, currency }`). Keys are compared lower-case without
 * separators, one level of wrapping (`{ "invoice": { … } }`) and a `totals` object are
 * looked into. The same reader normalises a model's JSON answer (model-invoice-extractor.ts).
 *
 * A JSON number is read through its shortest decimal form (`1234.56` → "1234.56"), which is
 * exact for amounts written with at most 15 significant digits.
 */
import Decimal from 'decimal.js';
import { detectNumberStyle, parseAmount } from './amounts';
import { minorUnitExponent } from './currencies';
import { chooseDayOrder, findDates, parseDate } from './dates';
import {
  emptyInvoice,
  FIELD_NAMES,
  type ExtractedInvoice,
  type ExtractedLine,
  type ExtractedParty,
  type ExtractionMethod,
  type FieldName,
} from './extracted-invoice';
import { InvoiceFormatInvalid } from './invoice-errors';
import { isValidIban, taxIdOf, vatIdOf } from './tax-identifiers';

type Json = Record<string, unknown>;

const KEYS = {
  invoiceNumber: [
    'invoicenumber',
    'invoiceno',
    'invoicenr',
    'invoiceid',
    'number',
    'documentnumber',
    'id',
    'rechnungsnummer',
    'numero',
  ],
  issueDate: ['issuedate', 'invoicedate', 'dateofissue', 'dateissued', 'issued', 'date', 'documentdate'],
  dueDate: ['duedate', 'paymentduedate', 'due', 'dueby', 'payby'],
  currency: ['currency', 'currencycode', 'documentcurrencycode', 'documentcurrency'],
  supplier: [
    'supplier',
    'vendor',
    'seller',
    'issuer',
    'from',
    'biller',
    'merchant',
    'supplierparty',
    'vendorname',
    'suppliername',
  ],
  customer: ['customer', 'buyer', 'billto', 'client', 'to', 'recipient', 'customerparty', 'customername'],
  lines: ['lines', 'lineitems', 'items', 'invoicelines', 'positions', 'articles'],
  net: [
    'subtotal',
    'net',
    'netamount',
    'totalnet',
    'nettotal',
    'totalexcltax',
    'totalexclvat',
    'taxexclusiveamount',
    'amountexcltax',
  ],
  tax: ['tax', 'vat', 'taxamount', 'vatamount', 'totaltax', 'totalvat', 'salestax'],
  total: [
    'total',
    'grandtotal',
    'totalamount',
    'amountdue',
    'totalincltax',
    'totalinclvat',
    'taxinclusiveamount',
    'gross',
    'totaldue',
    'invoicetotal',
  ],
  payable: ['payable', 'payableamount', 'balancedue', 'amountpayable', 'outstanding'],
  paymentReference: ['paymentreference', 'reference', 'remittanceinformation'],
  vendorTaxId: ['vendortaxid', 'suppliertaxid', 'vendorvatid', 'suppliervatid', 'sellervatid'],
} as const;
const PARTY_KEYS = {
  name: ['name', 'companyname', 'legalname', 'registrationname', 'company', 'displayname'],
  vatId: ['vatid', 'vatnumber', 'vat', 'vatno', 'taxid', 'taxnumber', 'taxno', 'ustidnr', 'companyid'],
  address: ['address', 'postaladdress'],
  iban: ['iban', 'bankaccount', 'account'],
};
const LINE_KEYS = {
  description: ['description', 'name', 'item', 'title', 'product', 'service', 'text', 'label'],
  quantity: ['quantity', 'qty', 'units', 'count', 'hours'],
  unitPrice: ['unitprice', 'price', 'rate', 'unitcost', 'priceperunit', 'unitamount'],
  amount: ['amount', 'total', 'net', 'linetotal', 'netamount', 'lineextensionamount', 'subtotal', 'value'],
  taxRate: ['taxrate', 'vatrate', 'taxpercent', 'vatpercent', 'taxratepercent', 'rate_percent'],
};

const normaliseKey = (key: string): string => key.toLowerCase().replace(/[^a-z0-9]/g, '');

function lookup(object: Json, names: readonly string[]): unknown {
  const entries = Object.entries(object).map(([key, value]) => [normaliseKey(key), value] as const);
  for (const name of names) {
    const found = entries.find(([key]) => key === name);
    if (found !== undefined && found[1] !== null && found[1] !== '') return found[1];
  }
  return undefined;
}

const isObject = (value: unknown): value is Json =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

function unwrap(value: unknown): Json | undefined {
  if (Array.isArray(value)) return value.length === 1 ? unwrap(value[0]) : undefined;
  if (!isObject(value)) return undefined;
  const inner = lookup(value, ['invoice', 'data', 'document', 'result']);
  if (isObject(inner) && Object.keys(value).length <= 3) return inner;
  return value;
}

export interface JsonReadOptions {
  method?: ExtractionMethod;
  /** Confidence of a field found by key (a model answer has its own, per field, if it gave one). */
  confidence?: number;
}

/** JSON text to an invoice. InvoiceFormatInvalid when the text is no JSON. */
export function extractFromJson(json: string, options: JsonReadOptions = {}): ExtractedInvoice {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new InvoiceFormatInvalid(
      `the JSON does not parse: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  return invoiceFromObject(parsed, options);
}

export function invoiceFromObject(value: unknown, options: JsonReadOptions = {}): ExtractedInvoice {
  const invoice = emptyInvoice(options.method ?? 'json');
  const root = unwrap(value);
  if (root === undefined) return invoice;
  const totals = lookup(root, ['totals', 'amounts', 'summary', 'monetarytotal', 'legalmonetarytotal']);
  const source: Json = isObject(totals) ? { ...totals, ...root } : root;
  const confidence = options.confidence ?? 0.97;
  const given = lookup(root, ['confidence', 'confidences', 'fieldconfidence']);
  const confidenceOf = (field: FieldName): number => {
    const stated = isObject(given) ? given[field] : undefined;
    return typeof stated === 'number' && stated >= 0 && stated <= 1 ? stated : confidence;
  };

  const currencyValue = lookup(source, KEYS.currency);
  const moneyCurrency = (['total', 'net', 'tax'] as const)
    .map((field) => lookup(source, KEYS[field]))
    .map((money) => (isObject(money) ? lookup(money, ['currency', 'currencycode', 'currencyid']) : undefined))
    .find((code) => typeof code === 'string');
  const currency = (typeof currencyValue === 'string' ? currencyValue : moneyCurrency)?.toString().trim().toUpperCase();
  if (currency !== undefined && currency !== '') {
    invoice.currency = currency;
    invoice.confidence.currency = confidenceOf('currency');
    if (!/^[A-Z]{3}$/.test(currency)) {
      invoice.currencyAsWritten = currency;
      delete invoice.currency;
    }
  }
  const order = chooseDayOrder(JSON.stringify(root), invoice.currency).order;
  const date = (raw: unknown): string | undefined => {
    if (typeof raw !== 'string') return undefined;
    const iso = /^\d{4}-\d{2}-\d{2}/.exec(raw)?.[0];
    return iso ?? parseDate(raw, order)?.iso ?? findDates(raw, order)[0]?.iso;
  };
  const amount = (raw: unknown): Decimal | undefined => moneyOf(raw);

  const number = lookup(root, KEYS.invoiceNumber);
  if (typeof number === 'string' || typeof number === 'number') {
    invoice.invoiceNumber = String(number).trim();
    invoice.confidence.invoiceNumber = confidenceOf('invoiceNumber');
  }
  for (const field of ['issueDate', 'dueDate'] as const) {
    const parsedDate = date(lookup(root, KEYS[field]));
    if (parsedDate !== undefined) {
      invoice[field] = parsedDate;
      invoice.confidence[field] = confidenceOf(field);
    }
  }
  const supplier = partyOf(lookup(root, KEYS.supplier));
  if (supplier !== undefined) {
    const taxId = lookup(root, KEYS.vendorTaxId);
    if (typeof taxId === 'string' && supplier.vatId === undefined && supplier.taxId === undefined) {
      Object.assign(supplier, vatIdOf(taxId) !== undefined ? { vatId: vatIdOf(taxId) } : { taxId: taxId.trim() });
    }
    invoice.supplier = supplier;
    invoice.confidence.supplier = confidenceOf('supplier');
    if (supplier.vatId !== undefined || supplier.taxId !== undefined)
      invoice.confidence.supplierVatId = confidenceOf('supplierVatId');
  }
  const customer = partyOf(lookup(root, KEYS.customer));
  if (customer !== undefined) {
    invoice.customer = customer;
    invoice.confidence.customer = confidenceOf('customer');
  }
  const lines = lookup(root, KEYS.lines);
  if (Array.isArray(lines)) {
    invoice.lines = lines.flatMap((line): ExtractedLine[] => {
      if (!isObject(line)) return [];
      const quantity = amount(lookup(line, LINE_KEYS.quantity)) ?? new Decimal(1);
      const unitPrice = amount(lookup(line, LINE_KEYS.unitPrice));
      const lineAmount = amount(lookup(line, LINE_KEYS.amount)) ?? unitPrice?.mul(quantity);
      if (lineAmount === undefined) return [];
      const description = lookup(line, LINE_KEYS.description);
      const taxRate = amount(lookup(line, LINE_KEYS.taxRate));
      return [
        {
          description: typeof description === 'string' ? description : '',
          quantity,
          ...(unitPrice === undefined ? {} : { unitPrice }),
          amount: lineAmount,
          ...(taxRate === undefined ? {} : { taxRatePercent: taxRate }),
        },
      ];
    });
    if (invoice.lines.length > 0) invoice.confidence.lines = confidenceOf('lines');
  }
  for (const field of ['net', 'tax', 'total'] as const) {
    const value = amount(lookup(source, KEYS[field]));
    if (value !== undefined) {
      invoice[field] = value;
      invoice.confidence[field] = confidenceOf(field);
    }
  }
  const payable = amount(lookup(source, KEYS.payable));
  if (payable !== undefined && (invoice.total === undefined || !payable.eq(invoice.total))) invoice.payable = payable;
  const reference = lookup(root, KEYS.paymentReference);
  if (typeof reference === 'string') {
    invoice.paymentReference = reference;
    invoice.confidence.paymentReference = confidenceOf('paymentReference');
  }
  if (invoice.total?.isNegative() === true) invoice.creditNote = true;
  for (const field of Object.keys(invoice.confidence)) {
    if (!(FIELD_NAMES as readonly string[]).includes(field)) delete invoice.confidence[field as FieldName];
  }
  return invoice;
}

function partyOf(value: unknown): ExtractedParty | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : { name: value.trim() };
  if (!isObject(value)) return undefined;
  const name = lookup(value, PARTY_KEYS.name);
  if (typeof name !== 'string' || name.trim() === '') return undefined;
  const tax = lookup(value, PARTY_KEYS.vatId);
  const address = lookup(value, PARTY_KEYS.address);
  const iban = lookup(value, PARTY_KEYS.iban);
  const compactIban = typeof iban === 'string' ? iban.replace(/\s/g, '').toUpperCase() : undefined;
  const taxText = typeof tax === 'string' ? tax : undefined;
  const vatId = taxText === undefined ? undefined : vatIdOf(taxText);
  const addressText =
    typeof address === 'string'
      ? address
      : isObject(address)
        ? Object.values(address)
            .filter((part) => typeof part === 'string')
            .join(', ')
        : undefined;
  return {
    name: name.trim(),
    ...(vatId !== undefined
      ? { vatId }
      : taxText !== undefined && taxIdOf(taxText) !== undefined
        ? { taxId: taxText.trim() }
        : {}),
    ...(addressText === undefined || addressText === '' ? {} : { address: addressText }),
    ...(compactIban !== undefined && isValidIban(compactIban) ? { iban: compactIban } : {}),
  };
}

/** A JSON money value: a number, a decimal or printed string, or an object with an amount. */
function moneyOf(raw: unknown): Decimal | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? new Decimal(String(raw)) : undefined;
  if (typeof raw === 'string') {
    const trimmed = raw.trim();
    if (/^[-+]?\d+(\.\d+)?$/.test(trimmed)) return new Decimal(trimmed);
    return parseAmount(trimmed, detectNumberStyle(trimmed))?.value;
  }
  if (isObject(raw)) {
    const minor = lookup(raw, ['amountminor', 'minor', 'cents']);
    const currency = lookup(raw, ['currency', 'currencycode']);
    const exponent = typeof currency === 'string' ? minorUnitExponent(currency.toUpperCase()) : undefined;
    if (typeof minor === 'number' && Number.isInteger(minor) && exponent !== undefined) {
      return new Decimal(minor).div(new Decimal(10).pow(exponent));
    }
    return moneyOf(lookup(raw, ['amount', 'value', 'total']));
  }
  return undefined;
}
