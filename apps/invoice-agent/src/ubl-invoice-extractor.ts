/**
 * UBL 2.1 invoices and credit notes (OASIS UBL, as Peppol BIS Billing 3.0 and XRechnung's UBL
 * syntax use it), read with a real XML parser. Namespace prefixes are dropped (documents use
 * `cbc:`, `cac:` or default namespaces alike). Amounts are xsd:decimal text, kept exact.
 *
 * - net: LegalMonetaryTotal/TaxExclusiveAmount; total: TaxInclusiveAmount; what is asked:
 *   PayableAmount (after prepaid amounts and rounding).
 * - tax: the TaxTotal in the document currency (a second TaxTotal may state the tax in the
 *   tax currency; it is not added).
 * - document-level allowances and charges are the difference between the lines' sum
 *   (LineExtensionAmount) and the net.
 * - a CreditNote's amounts are made negative: credit notes carry negative amounts here.
 */
import Decimal from 'decimal.js';
import { XMLParser } from 'fast-xml-parser';
import { emptyInvoice, type ExtractedInvoice, type ExtractedLine, type ExtractedParty } from './extracted-invoice';
import { InvoiceFormatInvalid, InvoiceFormatUnsupported } from './invoice-errors';
import { isValidIban } from './tax-identifiers';

type Node = Record<string, unknown>;

const ARRAYS = new Set([
  'InvoiceLine',
  'CreditNoteLine',
  'TaxTotal',
  'TaxSubtotal',
  'PartyTaxScheme',
  'PartyName',
  'PaymentMeans',
  'PartyIdentification',
  'AllowanceCharge',
  'Description',
  'Note',
]);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ARRAYS.has(name),
});

const asNode = (value: unknown): Node | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;
const first = (value: unknown): Node | undefined => asNode(Array.isArray(value) ? value[0] : value);
const all = (value: unknown): Node[] =>
  (Array.isArray(value) ? value : value === undefined ? [] : [value])
    .map(asNode)
    .filter((node): node is Node => node !== undefined);

function text(value: unknown): string | undefined {
  const node: unknown = Array.isArray(value) ? (value as unknown[])[0] : value;
  if (typeof node === 'string') return node.trim() === '' ? undefined : node.trim();
  const inner = asNode(node)?.['#text'];
  return typeof inner === 'string' && inner.trim() !== '' ? inner.trim() : undefined;
}

function decimal(value: unknown): Decimal | undefined {
  const raw = text(value);
  return raw !== undefined && /^[-+]?\d+(\.\d+)?$/.test(raw) ? new Decimal(raw) : undefined;
}

function currencyOf(value: unknown): string | undefined {
  const attribute = first(value)?.['@currencyID'];
  return typeof attribute === 'string' ? attribute : undefined;
}

function party(node: Node | undefined): ExtractedParty | undefined {
  const partyNode = first(node?.['Party']);
  if (partyNode === undefined) return undefined;
  const name =
    text(first(partyNode['PartyLegalEntity'])?.['RegistrationName']) ?? text(first(partyNode['PartyName'])?.['Name']);
  if (name === undefined) return undefined;
  const schemes = all(partyNode['PartyTaxScheme']);
  const vatScheme =
    schemes.find((scheme) => text(first(scheme['TaxScheme'])?.['ID'])?.toUpperCase() === 'VAT') ?? schemes[0];
  const taxNumber = text(vatScheme?.['CompanyID']);
  const address = first(partyNode['PostalAddress']);
  const addressText = [
    text(address?.['StreetName']),
    text(address?.['AdditionalStreetName']),
    [text(address?.['PostalZone']), text(address?.['CityName'])].filter(Boolean).join(' '),
    text(first(address?.['Country'])?.['IdentificationCode']),
  ]
    .filter((part): part is string => part !== undefined && part !== '')
    .join(', ');
  const isVat = taxNumber !== undefined && /^[A-Z]{2}[0-9A-Z]{2,13}$/.test(taxNumber.replace(/\s/g, ''));
  return {
    name,
    ...(taxNumber === undefined ? {} : isVat ? { vatId: taxNumber.replace(/\s/g, '') } : { taxId: taxNumber }),
    ...(addressText === '' ? {} : { address: addressText }),
  };
}

export function extractFromUbl(xml: string): ExtractedInvoice {
  if (/<!DOCTYPE/i.test(xml.slice(0, 4096))) {
    throw new InvoiceFormatInvalid('the XML has a DOCTYPE: UBL documents have none, and entity expansion is refused');
  }
  let parsed: Node;
  try {
    parsed = parser.parse(xml, true) as Node;
  } catch (error) {
    throw new InvoiceFormatInvalid(
      `the XML does not parse: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    );
  }
  const rootName = Object.keys(parsed).find((key) => key !== '?xml' && !key.startsWith('#'));
  const root = rootName === undefined ? undefined : asNode(parsed[rootName]);
  if (root === undefined || (rootName !== 'Invoice' && rootName !== 'CreditNote')) {
    throw new InvoiceFormatUnsupported(
      `XML root element <${rootName ?? '?'}> is not a UBL 2.1 Invoice or CreditNote (other XML invoice formats are not read)`,
    );
  }
  const credit = rootName === 'CreditNote';
  const sign = (value: Decimal | undefined): Decimal | undefined =>
    value === undefined || !credit ? value : value.negated();
  const invoice = emptyInvoice('ubl');
  const confident = 0.99;
  const set = <K extends 'invoiceNumber' | 'issueDate' | 'dueDate' | 'currency' | 'paymentReference'>(
    field: K,
    value: string | undefined,
  ): void => {
    if (value === undefined) return;
    invoice[field] = value;
    invoice.confidence[field] = confident;
  };
  set('invoiceNumber', text(root['ID']));
  set('issueDate', text(root['IssueDate']));
  const paymentMeans = all(root['PaymentMeans']);
  set('dueDate', text(root['DueDate']) ?? paymentMeans.map((means) => text(means['PaymentDueDate'])).find(Boolean));
  set('currency', text(root['DocumentCurrencyCode'])?.toUpperCase());
  set('paymentReference', paymentMeans.map((means) => text(means['PaymentID'])).find(Boolean));

  const supplier = party(first(root['AccountingSupplierParty']));
  if (supplier !== undefined) {
    const iban = paymentMeans
      .map((means) => text(first(means['PayeeFinancialAccount'])?.['ID'])?.replace(/\s/g, ''))
      .find((id) => id !== undefined && isValidIban(id));
    invoice.supplier = { ...supplier, ...(iban === undefined ? {} : { iban }) };
    invoice.confidence.supplier = confident;
    if (supplier.vatId !== undefined || supplier.taxId !== undefined) invoice.confidence.supplierVatId = confident;
  }
  const customer = party(first(root['AccountingCustomerParty']));
  if (customer !== undefined) {
    invoice.customer = customer;
    invoice.confidence.customer = confident;
  }

  const lineNodes = all(root[credit ? 'CreditNoteLine' : 'InvoiceLine']);
  invoice.lines = lineNodes.flatMap((line): ExtractedLine[] => {
    const amount = sign(decimal(line['LineExtensionAmount']));
    if (amount === undefined) return [];
    const item = first(line['Item']);
    const price = first(line['Price']);
    const baseQuantity = decimal(price?.['BaseQuantity']);
    const priceAmount = decimal(price?.['PriceAmount']);
    const unitPrice =
      priceAmount === undefined
        ? undefined
        : baseQuantity !== undefined && !baseQuantity.isZero()
          ? priceAmount.div(baseQuantity)
          : priceAmount;
    const rate = decimal(first(item?.['ClassifiedTaxCategory'])?.['Percent']);
    const description = text(item?.['Name']) ?? text(item?.['Description']) ?? text(line['Note']) ?? '';
    return [
      {
        description,
        quantity: decimal(line[credit ? 'CreditedQuantity' : 'InvoicedQuantity']) ?? new Decimal(1),
        ...(unitPrice === undefined ? {} : { unitPrice: sign(unitPrice) }),
        amount,
        ...(rate === undefined ? {} : { taxRatePercent: rate }),
      },
    ];
  });
  if (invoice.lines.length > 0) invoice.confidence.lines = confident;

  const totals = first(root['LegalMonetaryTotal']);
  const net = sign(decimal(totals?.['TaxExclusiveAmount']));
  const total = sign(decimal(totals?.['TaxInclusiveAmount']) ?? decimal(totals?.['PayableAmount']));
  const payable = sign(decimal(totals?.['PayableAmount']));
  const lineTotal = sign(decimal(totals?.['LineExtensionAmount']));
  const taxTotals = all(root['TaxTotal']);
  const taxNode = taxTotals.find((node) => currencyOf(node['TaxAmount']) === invoice.currency) ?? taxTotals[0];
  const tax = sign(decimal(taxNode?.['TaxAmount']));
  for (const [field, value] of [
    ['net', net],
    ['tax', tax],
    ['total', total],
  ] as const) {
    if (value === undefined) continue;
    invoice[field] = value;
    invoice.confidence[field] = confident;
  }
  if (payable !== undefined && total !== undefined && !payable.eq(total)) invoice.payable = payable;
  if (lineTotal !== undefined && net !== undefined && !lineTotal.eq(net)) invoice.netAdjustment = net.minus(lineTotal);
  const foreign = [totals?.['PayableAmount'], totals?.['TaxInclusiveAmount']]
    .map(currencyOf)
    .find((code) => code !== undefined && code !== invoice.currency);
  if (foreign !== undefined) {
    invoice.notes.push({
      code: 'amount_currency_differs',
      field: 'currency',
      message: `amounts are given in ${foreign}, the document currency is ${invoice.currency ?? 'not stated'}`,
    });
  }
  if (credit) invoice.creditNote = true;
  return invoice;
}
