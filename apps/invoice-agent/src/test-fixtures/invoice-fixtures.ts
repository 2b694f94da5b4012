/** The committed invoice fixtures (apps/invoice-agent/fixtures) and their expected fields, for tests and the benchmark. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExtractedInvoice } from '../extracted-invoice';
import { minorUnitExponent } from '../currencies';

export const FIXTURES_DIR = join(__dirname, '..', '..', 'fixtures');

export interface InvoiceFixture {
  name: string;
  file: string;
  path: string;
  expected: ExpectedFields;
}

export interface ExpectedFields {
  invoiceNumber: string;
  issueDate: string;
  dueDate?: string;
  currency: string;
  supplier: { name: string; vatId?: string; taxId?: string; iban?: string };
  customer?: { name: string; vatId?: string };
  lines: { description: string; quantity: string; unitPrice: string; amount: string; taxRatePercent?: string }[];
  net: string;
  tax: string;
  total: string;
}

export function invoiceFixtures(): InvoiceFixture[] {
  const files = readdirSync(FIXTURES_DIR);
  return files
    .filter((file) => file.endsWith('.expected.json'))
    .map((expectedFile) => {
      const name = expectedFile.replace(/\.expected\.json$/, '');
      const file = files.find((candidate) => candidate.startsWith(`${name}.`) && candidate !== expectedFile) as string;
      return {
        name,
        file,
        path: join(FIXTURES_DIR, file),
        expected: JSON.parse(readFileSync(join(FIXTURES_DIR, expectedFile), 'utf8')) as ExpectedFields,
      };
    });
}

/** An extraction in the shape of the expected fields: decimals as text, only the fields fixtures state. */
export function comparable(invoice: ExtractedInvoice): Record<string, unknown> {
  const exponent = (invoice.currency === undefined ? undefined : minorUnitExponent(invoice.currency)) ?? 2;
  const fixed = (value: { toFixed(digits?: number): string } | undefined): string | undefined =>
    value?.toFixed(exponent);
  const { supplier, customer } = invoice;
  const defined = (object: Record<string, unknown>): Record<string, unknown> =>
    Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
  return defined({
    invoiceNumber: invoice.invoiceNumber,
    issueDate: invoice.issueDate,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    supplier:
      supplier === undefined
        ? undefined
        : defined({ name: supplier.name, vatId: supplier.vatId, taxId: supplier.taxId, iban: supplier.iban }),
    customer: customer === undefined ? undefined : defined({ name: customer.name, vatId: customer.vatId }),
    lines: invoice.lines.map((line) =>
      defined({
        description: line.description,
        quantity: line.quantity.toFixed(),
        unitPrice: line.unitPrice?.toFixed(),
        amount: fixed(line.amount),
        taxRatePercent: line.taxRatePercent?.toFixed(),
      }),
    ),
    net: fixed(invoice.net),
    tax: fixed(invoice.tax),
    total: fixed(invoice.total),
  });
}
