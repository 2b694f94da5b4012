/**
 * ISO 4217: the active alphabetic codes and their minor-unit exponents (cents for EUR, none
 * for JPY, three places for BHD), and the symbols invoices write instead of a code. Money
 * leaves this agent as integer minor units, so the exponent decides what an amount means.
 */

const EXPONENT_0 = 'BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF';
const EXPONENT_3 = 'BHD IQD JOD KWD LYD OMR TND';
const EXPONENT_4 = 'CLF UYW';
const EXPONENT_2 =
  'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF CHE CHF ' +
  'CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG ' +
  'HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR ' +
  'MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD ' +
  'SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG ' +
  'YER ZAR ZMW ZWG';

const EXPONENTS: ReadonlyMap<string, number> = new Map([
  ...EXPONENT_0.split(' ').map((code) => [code, 0] as const),
  ...EXPONENT_2.split(' ').map((code) => [code, 2] as const),
  ...EXPONENT_3.split(' ').map((code) => [code, 3] as const),
  ...EXPONENT_4.split(' ').map((code) => [code, 4] as const),
]);

/** Whether a code is an active ISO 4217 currency. */
export function isKnownCurrency(code: string): boolean {
  return EXPONENTS.has(code);
}

/** The number of decimal places of the currency's minor unit; undefined for an unknown code. */
export function minorUnitExponent(code: string): number | undefined {
  return EXPONENTS.get(code);
}

/**
 * Currency marks as invoices print them, longest first so `US$` wins over `$`. A mark shared
 * by several currencies names its most likely reading; `ambiguous` lowers the confidence.
 */
export const CURRENCY_SYMBOLS: readonly { mark: string; code: string; ambiguous?: boolean }[] = [
  { mark: 'US$', code: 'USD' },
  { mark: 'USD$', code: 'USD' },
  { mark: 'CA$', code: 'CAD' },
  { mark: 'C$', code: 'CAD' },
  { mark: 'AU$', code: 'AUD' },
  { mark: 'A$', code: 'AUD' },
  { mark: 'NZ$', code: 'NZD' },
  { mark: 'HK$', code: 'HKD' },
  { mark: 'SG$', code: 'SGD' },
  { mark: 'S$', code: 'SGD' },
  { mark: 'MX$', code: 'MXN' },
  { mark: 'Mex$', code: 'MXN' },
  { mark: 'R$', code: 'BRL' },
  { mark: 'SFr.', code: 'CHF' },
  { mark: 'Fr.', code: 'CHF', ambiguous: true },
  { mark: 'RMB', code: 'CNY' },
  { mark: '元', code: 'CNY' },
  { mark: '円', code: 'JPY' },
  { mark: 'zł', code: 'PLN' },
  { mark: 'Kč', code: 'CZK' },
  { mark: 'Ft', code: 'HUF', ambiguous: true },
  { mark: 'lei', code: 'RON', ambiguous: true },
  { mark: 'лв', code: 'BGN' },
  { mark: 'kr.', code: 'DKK', ambiguous: true },
  { mark: 'kr', code: 'SEK', ambiguous: true },
  { mark: '€', code: 'EUR' },
  { mark: '£', code: 'GBP' },
  { mark: '¥', code: 'JPY', ambiguous: true },
  { mark: '￥', code: 'JPY', ambiguous: true },
  { mark: '₹', code: 'INR' },
  { mark: '₩', code: 'KRW' },
  { mark: '₽', code: 'RUB' },
  { mark: '₺', code: 'TRY' },
  { mark: '₴', code: 'UAH' },
  { mark: '₪', code: 'ILS' },
  { mark: '₫', code: 'VND' },
  { mark: '฿', code: 'THB' },
  { mark: '₱', code: 'PHP' },
  { mark: '₦', code: 'NGN' },
  { mark: '₡', code: 'CRC' },
  { mark: '₲', code: 'PYG' },
  { mark: '₵', code: 'GHS' },
  { mark: '₸', code: 'KZT' },
  { mark: '₼', code: 'AZN' },
  { mark: '₾', code: 'GEL' },
  { mark: '$', code: 'USD', ambiguous: true },
];

/** Currency signs with no ISO 4217 code an invoice could be paid in (crypto, points). */
export const UNPAYABLE_SYMBOLS: readonly string[] = ['₿', 'Ξ', 'Ł'];
