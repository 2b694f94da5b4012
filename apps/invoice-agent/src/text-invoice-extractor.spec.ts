/**
 * Layouts the fixtures do not have, written the way other tools lay their invoices out
 * (a Stripe-style receipt, a QuickBooks-style form, a German DIN 5008 letter, Spanish and
 * Italian invoices, a plain email). They guard against tuning the rules to the fixtures.
 */
import Decimal from 'decimal.js';
import { extractFromText } from './text-invoice-extractor';

const amount = (value: Decimal | undefined): string | undefined => value?.toFixed(2);

describe('extractFromText on layouts it was not tuned to', () => {
  it('reads a Stripe-style invoice: labels left of values, "Date due", the amount due in words', () => {
    const invoice = extractFromText(`Invoice
Invoice number     ABCD1234-0001
Date of issue      March 5, 2026
Date due           April 4, 2026

Acme, Inc.                                   Bill to
123 Main Street                              Jane Doe
San Francisco, California 94105              jane@example.com
United States

$119.00 USD due April 4, 2026

Description                          Qty        Unit price          Amount
Pro plan                               1           $99.00          $99.00
Mar 5 – Apr 5, 2026
Extra seat                             2           $10.00          $20.00

Subtotal                                                          $119.00
Total                                                             $119.00
Amount due                                                    $119.00 USD`);
    expect(invoice).toMatchObject({
      invoiceNumber: 'ABCD1234-0001',
      issueDate: '2026-03-05',
      dueDate: '2026-04-04',
      currency: 'USD',
      supplier: { name: 'Acme, Inc.' },
      customer: { name: 'Jane Doe' },
    });
    expect(invoice.lines.map((line) => [line.description, line.quantity.toFixed(), amount(line.amount)])).toEqual([
      ['Pro plan Mar 5 – Apr 5, 2026', '1', '99.00'],
      ['Extra seat', '2', '20.00'],
    ]);
    expect([amount(invoice.net), amount(invoice.total)]).toEqual(['119.00', '119.00']);
  });

  it('reads a QuickBooks-style form: upper-case labels, a date column, balance due', () => {
    const invoice = extractFromText(`Northwind Plumbing LLC
42 Elm Street, Austin, TX 78701

INVOICE

BILL TO                                INVOICE #   1042
Sam Smith                              DATE        03/02/2026
12 Oak Road                            DUE DATE    04/01/2026
                                       TERMS       Net 30

DATE         ACTIVITY       DESCRIPTION             QTY      RATE      AMOUNT
03/01/2026   Labor          Fix kitchen sink          2     85.00      170.00
03/01/2026   Parts          Faucet, chrome            1    120.00      120.00

SUBTOTAL                                                               290.00
TAX (8.25%)                                                             23.93
TOTAL                                                                  313.93
BALANCE DUE                                                           $313.93`);
    expect(invoice).toMatchObject({
      invoiceNumber: '1042',
      issueDate: '2026-03-02',
      dueDate: '2026-04-01',
      currency: 'USD',
      supplier: { name: 'Northwind Plumbing LLC' },
      customer: { name: 'Sam Smith' },
    });
    expect(invoice.lines.map((line) => [line.quantity.toFixed(), amount(line.unitPrice), amount(line.amount)])).toEqual(
      [
        ['2', '85.00', '170.00'],
        ['1', '120.00', '120.00'],
      ],
    );
    expect([amount(invoice.net), amount(invoice.tax), amount(invoice.total)]).toEqual(['290.00', '23.93', '313.93']);
  });

  it('reads a German DIN 5008 letter: return-address line, "netto"/"brutto" qualifiers, "zzgl."', () => {
    const invoice = extractFromText(`Muster Technik GmbH · Musterstr. 1 · 12345 Musterstadt
Firma
Beispiel Bau GmbH
Herr Klaus Berg
Baustraße 9
54321 Neustadt
                                          Rechnungsnr.      RE1001
                                          Rechnungsdatum    05.03.2026
                                          Lieferdatum       04.03.2026
Rechnung

Pos.  Bezeichnung            Menge   Einheit    Einzelpreis     Gesamtpreis
1     Wartung Heizung            2   Stunden       65,00 €        130,00 €
2     Ersatzteil Pumpe           1   Stück         70,00 €         70,00 €

Gesamtbetrag netto                                                200,00 €
zzgl. Umsatzsteuer 19 %                                            38,00 €
Gesamtbetrag brutto                                               238,00 €

Zahlungsbedingungen: Zahlung innerhalb von 14 Tagen ab Rechnungseingang ohne Abzug.
Muster Technik GmbH · USt-IdNr.: DE123456789 · IBAN DE02 1203 0000 0000 2020 51`);
    expect(invoice).toMatchObject({
      invoiceNumber: 'RE1001',
      issueDate: '2026-03-05',
      dueDate: '2026-03-19',
      currency: 'EUR',
      supplier: { name: 'Muster Technik GmbH', vatId: 'DE123456789', iban: 'DE02120300000000202051' },
    });
    expect([amount(invoice.net), amount(invoice.tax), amount(invoice.total)]).toEqual(['200.00', '38.00', '238.00']);
    expect(invoice.lines).toHaveLength(2);
    expect(invoice.notes.map((note) => note.code)).toContain('due_date_from_terms');
  });

  it('reads a Spanish invoice: "Factura nº", base imponible, IVA', () => {
    const invoice = extractFromText(`Distribuciones Levante S.L.
CIF: B12345678 · Calle Mayor 10, 46001 Valencia

Factura nº: 2026/0158                       Fecha: 05/03/2026
Cliente: Restaurante El Puerto              Vencimiento: 04/04/2026

Concepto                         Cantidad      Precio        Importe
Aceite de oliva 5 l                    10       32,50         325,00
Vino tinto crianza (caja)               4       58,00         232,00

Base imponible                                                557,00 €
IVA 21%                                                       116,97 €
Total factura                                                 673,97 €`);
    expect(invoice).toMatchObject({
      invoiceNumber: '2026/0158',
      issueDate: '2026-03-05',
      dueDate: '2026-04-04',
      currency: 'EUR',
      supplier: { name: 'Distribuciones Levante S.L.' },
    });
    expect([amount(invoice.net), amount(invoice.tax), amount(invoice.total)]).toEqual(['557.00', '116.97', '673.97']);
    expect(invoice.lines.map((line) => amount(line.amount))).toEqual(['325.00', '232.00']);
  });

  it('reads an Italian invoice: "Fattura n.", imponibile, "Totale documento"', () => {
    const invoice = extractFromText(`Tipografia Rossi S.r.l.
P.IVA IT01234567890 - Via Roma 5, 20121 Milano

FATTURA n. 45/2026 del 5 marzo 2026
Scadenza: 4 aprile 2026

Descrizione                      Quantità     Prezzo unitario      Importo
Biglietti da visita (500)               3               45,00       135,00
Volantini A5 (1000)                     2               89,90       179,80

Imponibile                                                          314,80
IVA 22%                                                              69,26
Totale documento                                                 € 384,06`);
    expect(invoice).toMatchObject({
      invoiceNumber: '45/2026',
      issueDate: '2026-03-05',
      dueDate: '2026-04-04',
      currency: 'EUR',
      supplier: { name: 'Tipografia Rossi S.r.l.', vatId: 'IT01234567890' },
    });
    expect([amount(invoice.net), amount(invoice.tax), amount(invoice.total)]).toEqual(['314.80', '69.26', '384.06']);
  });

  it('reads a short plain email without a table: total only, currency as a code', () => {
    const invoice = extractFromText(`Hi,

please find our invoice for February below.

Invoice no. 2026-02-17
Invoice date: 28 February 2026
Amount: 480.00 EUR (VAT reverse charge)
Payment within 30 days.

Best regards,
Jonas Weber
Weber IT-Services`);
    expect(invoice).toMatchObject({
      invoiceNumber: '2026-02-17',
      issueDate: '2026-02-28',
      dueDate: '2026-03-30',
      currency: 'EUR',
    });
    expect(amount(invoice.total)).toBe('480.00');
    expect(invoice.lines).toEqual([]);
  });

  it('reads negative amounts of a credit note, in every form', () => {
    const invoice = extractFromText(`Credit Note
Credit note no. CN-77          Date: 2026-03-09
Supplier: Harbour Books Ltd

Description                     Qty      Price       Amount
Returned: atlas, damaged          1      45.00       -45.00

Net total                                           (45.00)
VAT 0%                                                 0.00
Total                                            GBP 45.00-`);
    expect(invoice.creditNote).toBe(true);
    expect([amount(invoice.net), amount(invoice.total)]).toEqual(['-45.00', '-45.00']);
    expect(invoice.supplier?.name).toBe('Harbour Books Ltd');
    expect(invoice.currency).toBe('GBP');
  });

  it('assumes the configured currency when none is written, and says so', () => {
    const invoice = extractFromText('Invoice No. 7\nDate: 2026-03-01\nTotal: 100.00', { defaultCurrency: 'EUR' });
    expect(invoice.currency).toBe('EUR');
    expect(invoice.confidence.currency).toBeLessThan(0.8);
    expect(invoice.notes.map((note) => note.code)).toEqual(['currency_assumed']);
  });

  it('keeps an unknown currency as written', () => {
    const invoice = extractFromText('Invoice No: SAT-21\nInvoice date: 2026-03-01\nTotal due:   0.0420 XBT');
    expect(invoice.currency).toBe('XBT');
    expect(invoice.currencyAsWritten).toBe('XBT');
  });

  it('reads the other day order when the first would put the due date before the issue date', () => {
    const invoice = extractFromText('Invoice # 9\nInvoice date: 04/03/2026\nDue date: 03/04/2026\nTotal: $10.00 USD');
    // Month first (US dollars) gives 3 April → 4 March, backwards; day first gives 4 March → 3 April.
    expect([invoice.issueDate, invoice.dueDate]).toEqual(['2026-03-04', '2026-04-03']);
  });
});
