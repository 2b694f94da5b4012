import { detectLanguage } from './language';

describe('detectLanguage', () => {
  it.each([
    ['Hello, please find the invoice for your order attached. Thanks and regards', 'en'],
    ['Sehr geehrte Damen und Herren, bitte senden Sie uns die Rechnung. Mit freundlichen Grüßen', 'de'],
    ['Bonjour, merci pour votre commande. Cordialement', 'fr'],
    ['Hola, gracias por su pedido. Saludos', 'es'],
    ['Buongiorno, grazie per il vostro ordine. Cordiali saluti', 'it'],
    ['Hallo, bedankt voor uw bestelling. Met vriendelijke groet', 'nl'],
  ])('tells %j is %s', (text, language) => {
    expect(detectLanguage(text)).toBe(language);
  });

  it('says nothing about a text too short or without function words', () => {
    expect(detectLanguage('Invoice 4711')).toBeUndefined();
    expect(detectLanguage('')).toBeUndefined();
  });
});
