import { addDays, chooseDayOrder, findDates, parseDate, paymentTermDays } from './dates';

const iso = (text: string, order: 'DMY' | 'MDY' = 'DMY'): string | undefined => parseDate(text, order)?.iso;

describe('dates', () => {
  it.each([
    ['2026-03-05', '2026-03-05'],
    ['2026/03/05', '2026-03-05'],
    ['05.03.2026', '2026-03-05'],
    ['5.3.26', '2026-03-05'],
    ['05-03-2026', '2026-03-05'],
    ['5 March 2026', '2026-03-05'],
    ['5th March 2026', '2026-03-05'],
    ['5. März 2026', '2026-03-05'],
    ['1er mars 2026', '2026-03-01'],
    ['5 maart 2026', '2026-03-05'],
    ['5 de marzo de 2026', '2026-03-05'],
    ['5 marzo 2026', '2026-03-05'],
    ['March 5, 2026', '2026-03-05'],
    ['Mar 5 2026', '2026-03-05'],
    ['05-Mar-2026', '2026-03-05'],
    ['4 avril 2026', '2026-04-04'],
    ['17 décembre 2025', '2025-12-17'],
  ])('reads %s', (text, expected) => {
    expect(iso(text)).toBe(expected);
  });

  it('reads slash dates in the chosen order, and dots always day first', () => {
    expect(iso('03/05/2026', 'DMY')).toBe('2026-05-03');
    expect(iso('03/05/2026', 'MDY')).toBe('2026-03-05');
    expect(iso('13/05/2026', 'MDY')).toBe('2026-05-13');
    expect(iso('03.05.2026', 'MDY')).toBe('2026-05-03');
  });

  it('refuses impossible dates', () => {
    expect(iso('31.02.2026')).toBeUndefined();
    expect(iso('2026-13-01')).toBeUndefined();
  });

  it('chooses the day order from the document’s dates, else from the currency', () => {
    expect(chooseDayOrder('Date 03/14/2026, due 04/13/2026', 'EUR')).toEqual({ order: 'MDY', evidence: true });
    expect(chooseDayOrder('Date 14/03/2026', 'USD')).toEqual({ order: 'DMY', evidence: true });
    expect(chooseDayOrder('Date 03/04/2026', 'USD')).toEqual({ order: 'MDY', evidence: false });
    expect(chooseDayOrder('Date 03/04/2026', 'GBP')).toEqual({ order: 'DMY', evidence: false });
  });

  it('finds every date of a line and marks the ambiguous ones', () => {
    expect(findDates('from 03/04/2026 to 2026-04-30', 'DMY')).toEqual([
      { iso: '2026-04-03', start: 5, end: 15, ambiguous: true },
      { iso: '2026-04-30', start: 19, end: 29, ambiguous: false },
    ]);
  });

  it.each([
    ['Payment terms: Net 30', 30],
    ['Payable within 14 days of the invoice date', 14],
    ['Zahlbar innerhalb von 14 Tagen ohne Abzug', 14],
    ['Zahlungsziel: 30 Tage', 30],
    ['Paiement à 45 jours', 45],
    ['Te betalen binnen 30 dagen', 30],
    ['Pago a 60 días', 60],
  ])('reads payment terms: %s', (text, days) => {
    expect(paymentTermDays(text)).toBe(days);
  });

  it('adds days across months and years', () => {
    expect(addDays('2026-12-20', 14)).toBe('2027-01-03');
  });
});
