/**
 * Patterns for event types, sources and subjects: an exact name, or a glob whose segments
 * are separated by the attribute's separator (`.` in a type, `/` in a source, either in a
 * subject):
 *
 * - `*` matches any characters within one segment (`invoice.*`, `*.created`, `stripe.inv*`);
 * - `**` as a whole segment matches any number of segments, none included
 *   (`github.**` matches `github.push` and `github.pull_request.opened`; `**.created`
 *   matches `stripe.customer.created`; `**` alone matches every name);
 * - every other character is itself (no `?`, no `[...]`, no braces).
 *
 * This is picomatch's `*`/`**` with the separator of the attribute in place of `/`.
 */

export type Separators = '.' | '/' | './';

export interface NamePattern {
  /** The pattern as written. */
  readonly text: string;
  /** Set when the pattern has no wildcard: the name it equals. */
  readonly exact: string | undefined;
  /** A glob's first segment when it is literal (`invoice` of `invoice.*`): names outside it never match. */
  readonly literalFirstSegment: string | undefined;
  matches(name: string): boolean;
}

export class PatternInvalid extends Error {
  override readonly name = 'PatternInvalid';
}

/** Compiles a pattern once; throws `PatternInvalid` naming the problem. */
export function compileNamePattern(text: string, separators: Separators): NamePattern {
  if (text === '') throw new PatternInvalid('a pattern must not be empty');
  if (!text.includes('*')) {
    return { text, exact: text, literalFirstSegment: undefined, matches: (name) => name === text };
  }
  const { segments, between } = splitSegments(text, separators);
  for (const segment of segments) {
    if (segment.includes('**') && segment !== '**') {
      throw new PatternInvalid(
        `"**" must be a whole segment (between separators "${separators.split('').join('" or "')}"), as in "github.**"`,
      );
    }
  }
  const regex = new RegExp(`^${globSource(segments, between, separators)}$`, 'su');
  const first = segments[0] as string;
  const literalFirstSegment = segments.length > 1 && !first.includes('*') ? first : undefined;
  return { text, exact: undefined, literalFirstSegment, matches: (name) => regex.test(name) };
}

/** The first segment of a name (what `literalFirstSegment` is compared with). */
export function firstSegment(name: string, separators: Separators): string {
  let end = name.length;
  for (const separator of separators) {
    const at = name.indexOf(separator);
    if (at !== -1 && at < end) end = at;
  }
  return name.slice(0, end);
}

function splitSegments(text: string, separators: Separators): { segments: string[]; between: string[] } {
  const segments: string[] = [];
  const between: string[] = [];
  let current = '';
  for (const char of text) {
    if (separators.includes(char)) {
      segments.push(current);
      between.push(char);
      current = '';
    } else {
      current += char;
    }
  }
  segments.push(current);
  // `**.**` is `**`.
  for (let i = segments.length - 1; i > 0; i -= 1) {
    if (segments[i] === '**' && segments[i - 1] === '**') {
      segments.splice(i, 1);
      between.splice(i - 1, 1);
    }
  }
  return { segments, between };
}

function globSource(segments: readonly string[], between: readonly string[], separators: Separators): string {
  const separatorClass = `[${separators.split('').map(escapeInClass).join('')}]`;
  const withinSegment = `[^${separators.split('').map(escapeInClass).join('')}]*`;
  if (segments.length === 1 && segments[0] === '**') return '.*';
  let source = '';
  segments.forEach((segment, i) => {
    if (segment === '**') {
      // Its separators are inside the optional group, so "none" leaves no doubled separator.
      source += i === 0 ? `(?:.+${separatorClass})?` : `(?:${separatorClass}.+)?`;
      return;
    }
    const afterLeadingGlobstar = i === 1 && segments[0] === '**';
    if (i > 0 && !afterLeadingGlobstar) source += escapeRegex(between[i - 1] as string);
    source += segment.split('*').map(escapeRegex).join(withinSegment);
  });
  return source;
}

function escapeRegex(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');
}

function escapeInClass(char: string): string {
  return char === '/' || char === '.' ? `\\${char}` : char;
}
