/**
 * Content filters of outbound webhook subscriptions: a small, safe expression over one
 * event, e.g. `data.total > 1000 and data.currency == "EUR"`.
 *
 * Parsed by hand (recursive descent) into a tree that is only ever walked: no `eval`, no
 * `Function`, no property access beyond own properties of the event's JSON data, and bounds on
 * length, nesting and list size, so a hostile expression is refused with a position rather
 * than run. Evaluation never throws: a path that is missing reads as `null`, and a comparison
 * of values of different kinds is false.
 *
 * Grammar (keywords are lower case; `&&`, `||`, `!` are accepted for `and`, `or`, `not`):
 *
 *   expression := or
 *   or         := and ( "or" and )*
 *   and        := unary ( "and" unary )*
 *   unary      := "not" unary | comparison
 *   comparison := operand ( ("==" | "!=" | "<" | "<=" | ">" | ">=") operand
 *                         | "not"? "in" "[" literal ( "," literal )* "]" )?
 *   operand    := literal | path | "(" expression ")"
 *   literal    := "string" | 'string' | number | true | false | null
 *   path       := root ( "." name | "[" ( integer | "string" ) "]" )*
 *   root       := data | type | source | subject | id | time | correlationid
 *
 * Numbers: money and quantities travel as decimal strings ("1234.50"). When one side of a
 * comparison is a number and the other a number or a decimal string, they are compared as
 * exact decimals (no floats): `data.total > 1000` holds for "1234.50". Two strings compare as
 * text (code point order, which orders ISO dates), never as numbers.
 */
import { FlowlineError } from '@flowline/errors';
import { compareDecimal, isComparable } from '@flowline/routing-rules';

/** An expression that does not parse; `position` is the 1-based character where it goes wrong. */
export class ContentFilterInvalid extends FlowlineError {
  readonly code = 'CONTENT_FILTER_INVALID';
  override readonly retryable = false;

  constructor(
    readonly reason: string,
    readonly position: number,
    readonly expression: string,
  ) {
    super(`${reason} at position ${position}: ${excerpt(expression, position)}`);
  }
}

export const CONTENT_FILTER_LIMITS = { maxLength: 2_000, maxDepth: 32, maxListItems: 100 } as const;

/** The event attributes a path may start from. */
export const CONTENT_FILTER_ROOTS = ['data', 'type', 'source', 'subject', 'id', 'time', 'correlationid'] as const;
type Root = (typeof CONTENT_FILTER_ROOTS)[number];

type Literal = string | number | boolean | null;
type Comparator = '==' | '!=' | '<' | '<=' | '>' | '>=';

type Node =
  | { kind: 'literal'; value: Literal }
  | { kind: 'path'; root: Root; keys: readonly (string | number)[] }
  | { kind: 'compare'; op: Comparator; left: Node; right: Node }
  | { kind: 'in'; negated: boolean; value: Node; list: readonly Literal[] }
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node };

/** What a filter reads: the CloudEvent's attributes and its data. */
export interface FilterableEvent {
  readonly id: string;
  readonly type: string;
  readonly source: string;
  readonly subject?: string | undefined;
  readonly time?: string | Date | undefined;
  readonly correlationid?: string | undefined;
  readonly data: unknown;
}

export interface ContentFilter {
  /** The expression as written. */
  readonly text: string;
  matches(event: FilterableEvent): boolean;
}

/** Parses an expression once; throws `ContentFilterInvalid` with the position of the first problem. */
export function parseContentFilter(text: string): ContentFilter {
  if (text.length > CONTENT_FILTER_LIMITS.maxLength) {
    throw new ContentFilterInvalid(
      `an expression is at most ${CONTENT_FILTER_LIMITS.maxLength} characters`,
      CONTENT_FILTER_LIMITS.maxLength + 1,
      text,
    );
  }
  const tree = new Parser(text).parseAll();
  return { text, matches: (event) => evaluate(tree, event) === true };
}

// ---- Tokens ----

type TokenKind = 'string' | 'number' | 'name' | 'op' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  /** A string's or number's value. */
  value?: string | number;
  /** 1-based. */
  position: number;
}

const OPERATORS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!'] as const;
const PUNCTUATION = new Set(['(', ')', '[', ']', ',', '.']);
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const char = text[at] as string;
    if (/\s/.test(char)) {
      at += 1;
      continue;
    }
    const position = at + 1;
    if (char === '"' || char === "'") {
      const { value, end } = readString(text, at);
      tokens.push({ kind: 'string', text: text.slice(at, end), value, position });
      at = end;
      continue;
    }
    NUMBER.lastIndex = at;
    const number = /[-0-9]/.test(char) ? NUMBER.exec(text) : null;
    if (number !== null) {
      const value = Number(number[0]);
      if (!Number.isFinite(value)) throw new ContentFilterInvalid('number out of range', position, text);
      if (/[A-Za-z_]/.test(text[at + number[0].length] ?? ''))
        throw new ContentFilterInvalid('a number must not run into a name', position, text);
      tokens.push({ kind: 'number', text: number[0], value, position });
      at += number[0].length;
      continue;
    }
    NAME.lastIndex = at;
    const name = NAME.exec(text);
    if (name !== null) {
      tokens.push({ kind: 'name', text: name[0], position });
      at += name[0].length;
      continue;
    }
    const operator = OPERATORS.find((op) => text.startsWith(op, at));
    if (operator !== undefined) {
      tokens.push({ kind: 'op', text: operator, position });
      at += operator.length;
      continue;
    }
    if (PUNCTUATION.has(char)) {
      tokens.push({ kind: 'punct', text: char, position });
      at += 1;
      continue;
    }
    const hint = char === '=' ? ' (equality is "==")' : '';
    throw new ContentFilterInvalid(`unexpected character ${JSON.stringify(char)}${hint}`, position, text);
  }
  tokens.push({ kind: 'end', text: 'end of expression', position: text.length + 1 });
  return tokens;
}

const ESCAPES: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', '/': '/', n: '\n', t: '\t', r: '\r' };

function readString(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  let at = start + 1;
  while (at < text.length) {
    const char = text[at] as string;
    if (char === quote) return { value, end: at + 1 };
    if (char === '\\') {
      const next = text[at + 1];
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(at + 2, at + 6))) {
        value += String.fromCharCode(parseInt(text.slice(at + 2, at + 6), 16));
        at += 6;
        continue;
      }
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) throw new ContentFilterInvalid('unknown escape in a string', at + 1, text);
      value += escaped;
      at += 2;
      continue;
    }
    value += char;
    at += 1;
  }
  throw new ContentFilterInvalid('string not closed', start + 1, text);
}

// ---- Parser ----

const COMPARATORS = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);
const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'true', 'false', 'null']);

class Parser {
  private readonly tokens: Token[];
  private next = 0;
  private depth = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parseAll(): Node {
    if (this.peek().kind === 'end') throw this.error('an empty expression', this.peek());
    const tree = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'end') throw this.error(`expected "and", "or" or the end, found ${describe(rest)}`, rest);
    return tree;
  }

  private parseOr(): Node {
    let left = this.parseAnd();
    while (this.isWord('or') || this.isOp('||')) {
      this.take();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Node {
    let left = this.parseUnary();
    while (this.isWord('and') || this.isOp('&&')) {
      this.take();
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Node {
    if (this.isWord('not') || this.isOp('!')) {
      const token = this.take();
      return this.nested(token, () => ({ kind: 'not', operand: this.parseUnary() }));
    }
    return this.parseComparison();
  }

  private parseComparison(): Node {
    const left = this.parseOperand();
    const token = this.peek();
    if (token.kind === 'op' && COMPARATORS.has(token.text)) {
      this.take();
      const right = this.parseOperand();
      if (left.kind === 'literal' && right.kind === 'literal')
        throw this.error('a comparison needs a path on at least one side', token);
      const op = token.text as Comparator;
      if (op !== '==' && op !== '!=') {
        for (const side of [left, right]) {
          if (side.kind === 'literal' && (typeof side.value === 'boolean' || side.value === null))
            throw this.error(`"${op}" compares numbers or strings, not ${String(side.value)}`, token);
        }
      }
      return { kind: 'compare', op, left, right };
    }
    const negated = this.isWord('not') && this.peek(1).kind === 'name' && this.peek(1).text === 'in';
    if (negated || this.isWord('in')) {
      if (negated) this.take();
      this.take();
      return { kind: 'in', negated, value: left, list: this.parseList() };
    }
    if (left.kind === 'literal') throw this.error('a literal alone is not a condition', token);
    return left;
  }

  private parseList(): Literal[] {
    this.expect('[');
    const list: Literal[] = [];
    for (;;) {
      const token = this.peek();
      const literal = this.literalOf(token);
      if (literal === undefined) throw this.error(`expected a literal in the list, found ${describe(token)}`, token);
      this.take();
      list.push(literal.value);
      if (list.length > CONTENT_FILTER_LIMITS.maxListItems)
        throw this.error(`a list holds at most ${CONTENT_FILTER_LIMITS.maxListItems} items`, token);
      if (this.isPunct(']')) {
        this.take();
        return list;
      }
      this.expect(',');
    }
  }

  private parseOperand(): Node {
    const token = this.peek();
    if (this.isPunct('(')) {
      this.take();
      const inner = this.nested(token, () => this.parseOr());
      this.expect(')');
      return inner;
    }
    const literal = this.literalOf(token);
    if (literal !== undefined) {
      this.take();
      return literal;
    }
    if (token.kind === 'name' && !KEYWORDS.has(token.text)) return this.parsePath();
    throw this.error(`expected a value, a path or "(", found ${describe(token)}`, token);
  }

  private parsePath(): Node {
    const rootToken = this.take();
    if (!(CONTENT_FILTER_ROOTS as readonly string[]).includes(rootToken.text)) {
      throw this.error(
        `unknown name "${rootToken.text}": a path starts with ${CONTENT_FILTER_ROOTS.join(', ')}`,
        rootToken,
      );
    }
    const root = rootToken.text as Root;
    const keys: (string | number)[] = [];
    for (;;) {
      if (this.isPunct('.')) {
        this.take();
        const name = this.peek();
        if (name.kind !== 'name') throw this.error(`expected a field name after ".", found ${describe(name)}`, name);
        this.take();
        keys.push(name.text);
      } else if (this.isPunct('[')) {
        this.take();
        const key = this.peek();
        if (key.kind === 'string') keys.push(key.value as string);
        else if (key.kind === 'number' && Number.isSafeInteger(key.value) && (key.value as number) >= 0)
          keys.push(key.value as number);
        else throw this.error(`expected an index or a quoted field name, found ${describe(key)}`, key);
        this.take();
        this.expect(']');
      } else {
        break;
      }
    }
    if (root !== 'data' && keys.length > 0) throw this.error(`"${root}" is a text attribute without fields`, rootToken);
    return { kind: 'path', root, keys };
  }

  private literalOf(token: Token): { kind: 'literal'; value: Literal } | undefined {
    if (token.kind === 'string' || token.kind === 'number') return { kind: 'literal', value: token.value as Literal };
    if (token.kind !== 'name') return undefined;
    if (token.text === 'true') return { kind: 'literal', value: true };
    if (token.text === 'false') return { kind: 'literal', value: false };
    if (token.text === 'null') return { kind: 'literal', value: null };
    return undefined;
  }

  /** Bounds nesting, so a hostile `((((…` or `not not not …` is refused, not a stack overflow. */
  private nested<T>(token: Token, parse: () => T): T {
    this.depth += 1;
    if (this.depth > CONTENT_FILTER_LIMITS.maxDepth)
      throw this.error(`nested deeper than ${CONTENT_FILTER_LIMITS.maxDepth} levels`, token);
    try {
      return parse();
    } finally {
      this.depth -= 1;
    }
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.next + ahead, this.tokens.length - 1)] as Token;
  }
  private take(): Token {
    const token = this.peek();
    if (this.next < this.tokens.length - 1) this.next += 1;
    return token;
  }
  private isWord(word: string): boolean {
    const token = this.peek();
    return token.kind === 'name' && token.text === word;
  }
  private isOp(op: string): boolean {
    const token = this.peek();
    return token.kind === 'op' && token.text === op;
  }
  private isPunct(punct: string): boolean {
    const token = this.peek();
    return token.kind === 'punct' && token.text === punct;
  }
  private expect(punct: string): void {
    const token = this.peek();
    if (!this.isPunct(punct)) throw this.error(`expected "${punct}", found ${describe(token)}`, token);
    this.take();
  }
  private error(reason: string, token: Token): ContentFilterInvalid {
    return new ContentFilterInvalid(reason, token.position, this.text);
  }
}

function describe(token: Token): string {
  return token.kind === 'end' ? 'the end' : `"${token.text}"`;
}

function excerpt(text: string, position: number): string {
  const start = Math.max(0, position - 31);
  const before = (start > 0 ? '…' : '') + text.slice(start, position - 1);
  const after = text.slice(position - 1, position + 19) + (position + 19 < text.length ? '…' : '');
  return `${before}⟶${after}`;
}

// ---- Evaluation ----

type Value = unknown;

function evaluate(node: Node, event: FilterableEvent): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'path':
      return readPath(event, node.root, node.keys);
    case 'and':
      return evaluate(node.left, event) === true && evaluate(node.right, event) === true;
    case 'or':
      return evaluate(node.left, event) === true || evaluate(node.right, event) === true;
    case 'not':
      return evaluate(node.operand, event) !== true;
    case 'in': {
      const value = evaluate(node.value, event);
      const found = node.list.some((item) => equals(value, item));
      return node.negated ? !found : found;
    }
    case 'compare':
      return compare(node.op, evaluate(node.left, event), evaluate(node.right, event));
  }
}

function readPath(event: FilterableEvent, root: Root, keys: readonly (string | number)[]): Value {
  if (root !== 'data') {
    const value = event[root];
    if (value instanceof Date) return value.toISOString();
    return value ?? null;
  }
  let current: Value = event.data;
  for (const key of keys) {
    if (typeof key === 'number') {
      if (!Array.isArray(current) || key >= current.length) return null;
      current = current[key] as Value;
    } else {
      // Own properties of plain JSON objects only: never `__proto__`, `constructor` or a getter.
      if (typeof current !== 'object' || current === null || Array.isArray(current)) return null;
      if (!Object.hasOwn(current, key)) return null;
      current = (current as Record<string, Value>)[key];
    }
  }
  return current ?? null;
}

function equals(left: Value, right: Value): boolean {
  if (typeof left === 'number' || typeof right === 'number') {
    return isComparable(left) && isComparable(right) && compareDecimal(left, right) === 0;
  }
  const scalar = (value: Value) =>
    value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined;
  return scalar(left) && scalar(right) && (left ?? null) === (right ?? null);
}

function compare(op: Comparator, left: Value, right: Value): boolean {
  if (op === '==') return equals(left, right);
  if (op === '!=') return !equals(left, right);
  let order: number;
  if (typeof left === 'number' || typeof right === 'number') {
    if (!isComparable(left) || !isComparable(right)) return false;
    order = compareDecimal(left, right);
  } else if (typeof left === 'string' && typeof right === 'string') {
    order = left < right ? -1 : left > right ? 1 : 0;
  } else {
    return false;
  }
  switch (op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
  }
}
