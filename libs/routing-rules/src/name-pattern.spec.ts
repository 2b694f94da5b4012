import { compileNamePattern, firstSegment, PatternInvalid } from './name-pattern';

const typePattern = (text: string) => compileNamePattern(text, '.');
const matching = (text: string, names: string[]) => names.filter((name) => typePattern(text).matches(name));

describe('name patterns', () => {
  it('compares a name without wildcards exactly', () => {
    const pattern = typePattern('invoice.received');
    expect(pattern.exact).toBe('invoice.received');
    expect(pattern.matches('invoice.received')).toBe(true);
    expect(pattern.matches('invoice.receivedx')).toBe(false);
  });

  it('lets * match within one segment only', () => {
    expect(
      matching('invoice.*', ['invoice.received', 'invoice.processed', 'invoice.a.b', 'invoicex.received']),
    ).toEqual(['invoice.received', 'invoice.processed']);
    expect(matching('*.created', ['customer.created', 'stripe.customer.created'])).toEqual(['customer.created']);
    expect(matching('stripe.inv*', ['stripe.invoice', 'stripe.inv', 'stripe.invoice.paid'])).toEqual([
      'stripe.invoice',
      'stripe.inv',
    ]);
  });

  it('lets ** match any number of segments, none included', () => {
    expect(matching('github.**', ['github.push', 'github.pull_request.opened', 'gitlab.push', 'githubx.push'])).toEqual(
      ['github.push', 'github.pull_request.opened'],
    );
    expect(matching('**.created', ['created', 'stripe.customer.created', 'stripe.customer.createdx'])).toEqual([
      'created',
      'stripe.customer.created',
    ]);
    expect(matching('a.**.b', ['a.b', 'a.x.b', 'a.x.y.b', 'a.x.y', 'ab'])).toEqual(['a.b', 'a.x.b', 'a.x.y.b']);
    expect(matching('**', ['a', 'a.b.c'])).toEqual(['a', 'a.b.c']);
  });

  it('treats regex characters as themselves', () => {
    expect(matching('a+b.*', ['a+b.c', 'aab.c'])).toEqual(['a+b.c']);
  });

  it('splits a source at / and a subject at . or /', () => {
    const source = compileNamePattern('/webhook-gateway/*', '/');
    expect(source.matches('/webhook-gateway/github')).toBe(true);
    expect(source.matches('/webhook-gateway/github/extra')).toBe(false);
    // A dot is an ordinary character in a source.
    expect(source.matches('/webhook-gateway/git.hub')).toBe(true);
    const subject = compileNamePattern('public.*', './');
    expect(subject.matches('public.invoices')).toBe(true);
    expect(subject.matches('public.invoices/2026')).toBe(false);
  });

  it('names the literal first segment a glob is anchored to', () => {
    expect(typePattern('github.**').literalFirstSegment).toBe('github');
    expect(typePattern('*.created').literalFirstSegment).toBeUndefined();
    expect(firstSegment('github.push', '.')).toBe('github');
    expect(firstSegment('plain', '.')).toBe('plain');
  });

  it('refuses ** inside a segment and an empty pattern', () => {
    expect(() => typePattern('github**')).toThrow(PatternInvalid);
    expect(() => typePattern('github**')).toThrow('"**" must be a whole segment');
    expect(() => typePattern('')).toThrow('must not be empty');
  });
});
