/**
 * Identifiers printed on invoices: VAT identification numbers (the EU's VIES formats, GB, CH,
 * NO), other tax numbers, and IBANs (ISO 13616, checked by their mod-97 digits, so a
 * customer number or phone number is never taken for one).
 */

/** Compact VAT id formats by country prefix (spaces, dots and dashes removed before matching). */
const VAT_FORMATS: Readonly<Record<string, RegExp>> = {
  AT: /^ATU\d{8}$/,
  BE: /^BE[01]\d{9}$/,
  BG: /^BG\d{9,10}$/,
  CY: /^CY\d{8}[A-Z]$/,
  CZ: /^CZ\d{8,10}$/,
  DE: /^DE\d{9}$/,
  DK: /^DK\d{8}$/,
  EE: /^EE\d{9}$/,
  EL: /^EL\d{9}$/,
  ES: /^ES[A-Z0-9]\d{7}[A-Z0-9]$/,
  FI: /^FI\d{8}$/,
  FR: /^FR[A-HJ-NP-Z0-9]{2}\d{9}$/,
  HR: /^HR\d{11}$/,
  HU: /^HU\d{8}$/,
  IE: /^IE(\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W])$/,
  IT: /^IT\d{11}$/,
  LT: /^LT(\d{9}|\d{12})$/,
  LU: /^LU\d{8}$/,
  LV: /^LV\d{11}$/,
  MT: /^MT\d{8}$/,
  NL: /^NL\d{9}B\d{2}$/,
  PL: /^PL\d{10}$/,
  PT: /^PT\d{9}$/,
  RO: /^RO\d{2,10}$/,
  SE: /^SE\d{12}$/,
  SI: /^SI\d{8}$/,
  SK: /^SK\d{10}$/,
  GB: /^GB(\d{9}|\d{12}|GD\d{3}|HA\d{3})$/,
  XI: /^XI(\d{9}|\d{12})$/,
  CH: /^CHE\d{9}(MWST|TVA|IVA)?$/,
  NO: /^NO\d{9}MVA$/,
};

/**
 * The compact VAT id a text holds when it is one (`DE 123 456 789` → `DE123456789`). A Swiss
 * UID's language suffix (MWST, TVA, IVA) is dropped: `CHE-123.456.789 MWST` → `CHE123456789`.
 */
export function vatIdOf(text: string): string | undefined {
  const compact = text.toUpperCase().replace(/[\s.\-–]/g, '');
  const format = VAT_FORMATS[compact.slice(0, 2)];
  if (format?.test(compact) !== true) return undefined;
  return compact.startsWith('CHE') ? compact.replace(/(MWST|TVA|IVA)$/, '') : compact;
}

/** VAT ids written anywhere in a line (compact or spaced), with their offsets. */
export function findVatIds(line: string): { vatId: string; start: number; end: number }[] {
  const found: { vatId: string; start: number; end: number }[] = [];
  for (const match of line.matchAll(
    /(?<![A-Z0-9])(?:[A-Z]{2}U?|CHE)[\s.-]?[0-9A-Z](?:[0-9A-Z]|[\s.-](?=[0-9A-Z])){5,16}(?:\s?(?:MWST|TVA|IVA|MVA))?/g,
  )) {
    // Shrink from the right until a format matches (the pattern may swallow a following word).
    const text = match[0];
    for (let end = text.length; end >= 8; end -= 1) {
      const vatId = vatIdOf(text.slice(0, end));
      if (vatId !== undefined) {
        found.push({ vatId, start: match.index, end: match.index + end });
        break;
      }
    }
  }
  return found;
}

/**
 * A tax number that is no VAT id, as printed after its label: a German Steuernummer
 * (`12/345/67890`), a US EIN (`12-3456789`), an Australian ABN (`51 824 753 556`), an Indian
 * GSTIN. Digits with their separators, at least 8 digits.
 */
export function taxIdOf(text: string): string | undefined {
  const candidate = /^[A-Z0-9][A-Z0-9 ./-]{6,24}[A-Z0-9]/i.exec(text.trim())?.[0].trim();
  if (candidate === undefined) return undefined;
  const digits = candidate.replace(/\D/g, '').length;
  return digits >= 8 && digits >= candidate.replace(/[\s./-]/g, '').length * 0.6 ? candidate : undefined;
}

/** IBANs in a line: country, check digits and 11–30 letters or digits, grouped by spaces or not, mod-97 valid. */
export function findIbans(line: string): { iban: string; start: number; end: number }[] {
  const found: { iban: string; start: number; end: number }[] = [];
  for (const match of line.matchAll(/(?<![A-Z0-9])[A-Z]{2}\d{2}(?:\s?[A-Z0-9]){11,30}(?![A-Z0-9])/g)) {
    const compact = match[0].replace(/\s/g, '');
    // A grouped IBAN may be followed by a word: shrink until the check digits hold.
    for (let length = compact.length; length >= 15; length -= 1) {
      if (isValidIban(compact.slice(0, length))) {
        found.push({ iban: compact.slice(0, length), start: match.index, end: match.index + match[0].length });
        break;
      }
    }
  }
  return found;
}

export function isValidIban(iban: string): boolean {
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = /\d/.test(char) ? char : String(char.charCodeAt(0) - 55);
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}
