/**
 * The language of an email, from its most common short words: enough to answer in the
 * sender's language, not a general language identifier. Undefined when no language's words
 * stand out (a two-word message, a language not listed).
 */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'it', 'nl'] as const;
export type Language = (typeof LANGUAGES)[number];

const FUNCTION_WORDS: Record<Language, ReadonlySet<string>> = {
  en: new Set(
    'the and you your for with this that have please from are our not can will would thanks regards hello dear is it we of to in on'.split(
      ' ',
    ),
  ),
  de: new Set(
    'der die das und ist nicht ich sie wir mit für bitte auf den dem des ein eine einen zu von uns ihr ihre ihnen grüße gruß hallo sehr geehrte vielen dank'.split(
      ' ',
    ),
  ),
  fr: new Set(
    'le la les et est pas je vous nous avec pour une des du sur merci bonjour cordialement votre vos dans au aux ce cette'.split(
      ' ',
    ),
  ),
  es: new Set(
    'el la los las y es no yo usted nosotros con para una del por gracias hola saludos su sus que en al este esta'.split(
      ' ',
    ),
  ),
  it: new Set(
    'il lo la gli le e è non io voi noi con per una del della grazie buongiorno saluti cordiali che di in al questo'.split(
      ' ',
    ),
  ),
  nl: new Set(
    'de het een en is niet ik u wij we met voor van op dank bedankt groet hallo uw jullie dat in te'.split(' '),
  ),
};

export function detectLanguage(text: string): Language | undefined {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const counts = LANGUAGES.map((language) => ({
    language,
    hits: words.filter((word) => FUNCTION_WORDS[language].has(word)).length,
  })).sort((a, b) => b.hits - a.hits);
  const [best, second] = counts;
  if (best === undefined || best.hits < 2) return undefined;
  // A tie says nothing: "in", "die", "la" are words of several languages.
  return second !== undefined && second.hits === best.hits ? undefined : best.language;
}
