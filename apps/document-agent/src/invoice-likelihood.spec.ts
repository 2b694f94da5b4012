import { assessInvoice, type InvoiceAssessment } from './invoice-likelihood';

const text = (body: string): InvoiceAssessment => assessInvoice({ kind: 'text', text: body });

describe('assessInvoice: documents that are invoices', () => {
  it.each([
    [
      'a US invoice with a title, a number, bill-to, a table and a total',
      `ACME Plumbing Supply Co.                         INVOICE
1200 Industrial Way, Denver, CO 80216
Invoice #: 10-4471          Date: 03/14/2026
Bill To: Contoso Outdoor Inc.
Description                 Qty      Unit Price        Amount
Copper pipe 3/4"             40          $12.50       $500.00
Labour (hours)                6          $95.00       $570.00
Subtotal                                           $1,070.00
Sales Tax 8.5%                                        $90.95
Total Due                                          $1,160.95
Payment terms: Net 30`,
    ],
    [
      'a German invoice (Rechnung) with VAT id, MwSt, IBAN and a payment date',
      `Kranich Beratung GmbH · Lindenstraße 4 · 10969 Berlin
Rechnung
Rechnungsnummer: RE-2026-0042
Rechnungsdatum: 05.03.2026
USt-IdNr.: DE123456789
Pos.  Bezeichnung              Menge   Einzelpreis      Betrag
1     Workshop Prozessanalyse      2    1.200,00 €   2.400,00 €
Nettobetrag                                          2.400,00 €
zzgl. 19 % MwSt.                                       456,00 €
Gesamtbetrag                                         2.856,00 €
Zahlbar bis 04.04.2026 ohne Abzug.
Bankverbindung: IBAN DE89 3704 0044 0532 0130 00`,
    ],
    [
      'a French facture with TVA and TTC totals',
      `Atelier Lumière SARL
FACTURE N° F-2026-118
Date de facture : 05/03/2026
N° TVA intracommunautaire : FR12345678901
Désignation                     Qté    Prix unitaire    Montant
Restauration de lustre            1       850,00 €     850,00 €
Total HT                                               850,00 €
TVA 20 %                                               170,00 €
Total TTC                                            1 020,00 €
Date d'échéance : 04/04/2026`,
    ],
    [
      'a Spanish factura with IVA and a due date',
      `Distribuciones Ibéricas S.L.   NIF: B12345678
FACTURA
Número de factura: A-2026/77     Fecha: 05/03/2026
Facturar a: Hotel Marítimo S.A.
Concepto                  Cantidad   Precio unitario    Importe
Toallas de baño               120           4,50 €     540,00 €
Base imponible                                          540,00 €
IVA (21%)                                               113,40 €
Total factura                                           653,40 €
Vencimiento: 04/04/2026`,
    ],
    [
      'an Italian fattura, title and number on one line',
      `Tipografia Rossi s.r.l. - Partita IVA IT12345678901
Fattura n. 2026/45 del 05/03/2026
Spett.le Studio Bianchi
Descrizione                         Quantità   Prezzo    Importo
Biglietti da visita                      500     0,12      60,00
Imponibile                                             € 60,00
IVA 22%                                                € 13,20
Totale documento                                       € 73,20
Scadenza pagamento: 04/04/2026`,
    ],
    [
      'a Dutch factuur',
      `Installatiebedrijf De Vries B.V.
Factuur
Factuurnummer: 2026-0031      Factuurdatum: 5 maart 2026
BTW-nummer: NL123456789B01
Omschrijving                Aantal     Prijs      Bedrag
CV-ketel onderhoud               1    120,00      120,00
Totaal excl. BTW                                 € 120,00
BTW 21%                                           € 25,20
Totaal te betalen                                € 145,20
Vervaldatum: 4 april 2026`,
    ],
    [
      'a Swedish faktura',
      `Nordisk Kontorsmaterial AB     Org.nr 556677-8899
FAKTURA
Fakturanummer: 88012     Fakturadatum: 2026-03-05
Beskrivning                      Antal      Pris      Belopp
Kopieringspapper A4                 10     49,00    490,00 kr
Moms 25%                                             122,50 kr
Att betala                                           612,50 kr
Förfallodatum: 2026-04-04       Bankgiro 123-4567`,
    ],
    [
      'a terse layout seen nowhere else: "Inv #", a total in pounds, a VAT number without a label',
      `Hollow Oak Joinery
GB123456789
Inv # 77 / 2 March 2026
Oak shelving, fitted — £1,950.00
VAT £390.00
Amount due £2,340.00 by 1 April 2026`,
    ],
    [
      'a bilingual title and a column layout from a PDF',
      `Bergbahn Technik AG                                      Rechnung / Invoice
                                                         Nr. / No. 2026-310
Leistung / Service                            Menge / Qty      Betrag / Amount
Seilprüfung                                          1         CHF 4'800.00
MWST 8.1 %                                                       CHF 388.80
Total                                                          CHF 5'188.80
Zahlbar innert 30 Tagen`,
    ],
    [
      'a tax invoice / receipt that cites the purchase order and the quote it follows',
      `TAX INVOICE / RECEIPT
Koala Catering Pty Ltd      ABN 51 824 753 556
Invoice number: 20931
Purchase order: PO-7781
As per quote Q-311
Catering, 40 guests                A$2,400.00
GST                                  A$240.00
Total (incl. GST)                  A$2,640.00`,
    ],
    [
      'a credit note',
      `Cloudline Hosting GmbH
Gutschrift Nr. GS-2026-004
zu Rechnung Nr. RE-2026-0301
Gutschriftsbetrag netto                                 -100,00 €
MwSt. 19 %                                               -19,00 €
Gesamtbetrag                                            -119,00 €`,
    ],
  ])('%s', (_case, body) => {
    const assessment = text(body);
    expect(assessment).toMatchObject({ invoice: true });
    expect(assessment.score).toBeGreaterThanOrEqual(7);
  });

  it('announces an invoice in a currency it does not know (the invoice agent decides what that means)', () => {
    const unknownCurrency = text(`Satoshi Supplies Ltd
Invoice No: SAT-21
Invoice date: 2026-03-01
Description          Qty     Price       Amount
Mining rig rental      1    0.0420 XBT  0.0420 XBT
Total due:                              0.0420 XBT`);
    expect(unknownCurrency).toMatchObject({ invoice: true });
    expect(unknownCurrency.signals).toEqual(expect.arrayContaining(['total_amount', 'currency_amounts']));
  });

  it('names the signals it found, so a reader sees why', () => {
    const { signals } = text(`INVOICE
Invoice No. 1001
Total due: USD 250.00
VAT 0%`);
    expect(signals).toEqual([
      'invoice_title',
      'invoice_number',
      'invoice_word',
      'total_amount',
      'currency_amounts',
      'tax',
    ]);
  });

  it('reads a JSON invoice export by its keys', () => {
    const json = JSON.stringify(
      {
        invoice_number: 'SO-88412',
        issue_date: '2026-02-27',
        dueDate: '2026-03-29',
        currency: 'EUR',
        vendor: { name: 'Cloudline Hosting GmbH', vat_id: 'DE 811 234 567' },
        totals: { subtotal: 109.97, tax: 20.89, total: 130.86 },
      },
      null,
      2,
    );
    expect(assessInvoice({ kind: 'json', text: json })).toMatchObject({ invoice: true });
  });

  it('recognises UBL 2.1 invoices and credit notes by namespace, whatever the prefix', () => {
    const ubl = `<?xml version="1.0" encoding="UTF-8"?>
<!-- exported -->
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"><cbc:ID>1</cbc:ID></ubl:Invoice>`;
    expect(assessInvoice({ kind: 'xml', text: ubl })).toEqual({ invoice: true, score: 20, signals: ['ubl'] });
    const credit = `<CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"><ID>7</ID></CreditNote>`;
    expect(assessInvoice({ kind: 'xml', text: credit })).toMatchObject({ invoice: true, signals: ['ubl'] });
  });

  it('recognises a UN/CEFACT Cross Industry Invoice (Factur-X, ZUGFeRD)', () => {
    const cii = `<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"></rsm:CrossIndustryInvoice>`;
    expect(assessInvoice({ kind: 'xml', text: cii })).toMatchObject({ invoice: true, signals: ['cii'] });
  });
});

describe('assessInvoice: documents that are not invoices', () => {
  it.each([
    [
      'a letter that mentions an invoice',
      `Dear Ms Weber,
thank you for settling our invoice so quickly. We look forward to working with you again
on the spring campaign; the total budget of €12,000.00 we discussed still stands.
Kind regards,
Tom`,
    ],
    [
      'a quote (Angebot) with totals and VAT',
      `Kranich Beratung GmbH
Angebot Nr. AN-2026-17
Angebotsdatum: 01.03.2026
Bezeichnung                 Menge   Einzelpreis      Betrag
Workshop                        2    1.200,00 €   2.400,00 €
Nettobetrag                                       2.400,00 €
MwSt. 19 %                                          456,00 €
Gesamtbetrag                                      2.856,00 €
Gültig bis 31.03.2026. Die Rechnung folgt nach Leistungserbringung.`,
    ],
    [
      'a pro-forma invoice',
      `PRO FORMA INVOICE
Invoice No. PF-12
Total USD 980.00
Payment due before shipment`,
    ],
    [
      'a payment reminder quoting the invoice number',
      `Zahlungserinnerung
Rechnungsnummer RE-2026-0042 vom 05.03.2026
Offener Betrag: 2.856,00 €
Bitte überweisen Sie den Betrag bis 20.04.2026 auf IBAN DE89 3704 0044 0532 0130 00.`,
    ],
    [
      'an order confirmation that promises an invoice',
      `Order confirmation #55102
Thank you for your order. An invoice will follow with the shipment.
Item                         Qty        Price
Trail shoes                    1      $120.00
Total                                 $120.00
Sales tax                               $9.60`,
    ],
    [
      'a receipt',
      `Café Central
RECEIPT
2 Cappuccino            € 7,00
1 Croissant             € 2,50
Total                   € 9,50
incl. MwSt 10%          € 0,86
Thank you!`,
    ],
    [
      'a delivery note',
      `Lieferschein Nr. LS-8812
Artikel                    Menge
Kopierpapier A4             10
Lieferdatum 05.03.2026`,
    ],
    [
      'terms and conditions that speak about invoices',
      `General terms and conditions
1. Invoices are payable within 30 days of the invoice date without deduction.
2. VAT is charged at the statutory rate.
3. Late payment: interest of 9 percentage points above the base rate.`,
    ],
    [
      'meeting notes with money in them',
      `Project sync, 5 March
- budget for Q2 agreed at EUR 40,000.00
- Anna to send the slides
- next meeting 12 March`,
    ],
  ])('%s', (_case, body) => {
    expect(text(body).invoice).toBe(false);
  });

  it('does not announce XML of another kind, even with invoice-like element names', () => {
    const order = `<?xml version="1.0"?><Order xmlns="urn:oasis:names:specification:ubl:schema:xsd:Order-2"><InvoiceNumber>1</InvoiceNumber></Order>`;
    expect(assessInvoice({ kind: 'xml', text: order })).toEqual({ invoice: false, score: 0, signals: [] });
    expect(assessInvoice({ kind: 'xml', text: 'not xml at all' }).invoice).toBe(false);
  });

  it('lets the minimum score decide a borderline document', () => {
    const borderline = `Ref: invoice no. 5, for the repair
Total: 40.00`;
    expect(assessInvoice({ kind: 'text', text: borderline }, 7).invoice).toBe(false);
    expect(assessInvoice({ kind: 'text', text: borderline }, 5).invoice).toBe(true);
  });
});
