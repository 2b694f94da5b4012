import { boundText } from './bounded-text';

const jsonBytes = (text: string) => Buffer.byteLength(JSON.stringify(text), 'utf8');

describe('boundText', () => {
  it('keeps a text that fits as it is', () => {
    expect(boundText('Invoice 42\nTotal 10.00', 1000)).toEqual({
      text: 'Invoice 42\nTotal 10.00',
      truncated: false,
      fullBytes: jsonBytes('Invoice 42\nTotal 10.00'),
    });
  });

  it('cuts a long text to the bound, at a line break, and says how long the whole was', () => {
    const text = Array.from({ length: 2000 }, (_, line) => `line ${line}: Überweisung €`).join('\n');
    const bounded = boundText(text, 4096);
    expect(bounded.truncated).toBe(true);
    expect(bounded.fullBytes).toBe(jsonBytes(text));
    expect(jsonBytes(bounded.text)).toBeLessThanOrEqual(4096);
    expect(jsonBytes(bounded.text)).toBeGreaterThan(4096 * 0.8);
    expect(text.startsWith(bounded.text)).toBe(true);
    expect(text[bounded.text.length]).toBe('\n');
  });

  it('counts escapes: a text of control characters takes six bytes a character', () => {
    const bounded = boundText('\u0001'.repeat(10_000), 600);
    expect(jsonBytes(bounded.text)).toBeLessThanOrEqual(600);
    expect(bounded.text.length).toBeGreaterThan(80);
  });

  it('never splits a character outside the basic plane', () => {
    const bounded = boundText('😀'.repeat(5000), 1001);
    expect(bounded.text.length % 2).toBe(0);
    expect(bounded.text).toBe('😀'.repeat(bounded.text.length / 2));
  });
});
