import { copyField, copyText, EVENTS_COPY_COLUMNS } from './copy-text';
import { recordColumns } from './record-columns';

describe('COPY text', () => {
  it('escapes backslash, tab, newline and carriage return, and writes null as \\N', () => {
    expect(copyField('a\\b\tc\nd\re')).toBe('a\\\\b\\tc\\nd\\re');
    expect(copyField('plain')).toBe('plain');
    expect(copyField(null)).toBe('\\N');
  });

  it('writes one line per row with one field per column, in the column list order', () => {
    const row = recordColumns({
      topic: 'copy.topic',
      partition: 2,
      offset: '41',
      timestamp: new Date('2025-03-01T10:00:00.123Z'),
      key: null,
      value: Buffer.from('{\n\t"note": "tab\\there"\n}'),
      headers: { ce_id: 'e-1', ce_type: 'test.copy', note: 'two\tfields?' },
    });
    const lines = copyText([row, row]).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toBe('');
    const fields = (lines[0] as string).split('\t');
    expect(fields).toHaveLength(EVENTS_COPY_COLUMNS.split(',').length);
    expect(fields.slice(0, 2)).toEqual(['e-1', 'test.copy']);
    expect(fields.slice(8, 12)).toEqual(['copy.topic', '2', '41', '2025-03-01T10:00:00.123Z']);
    // The raw newline and tab become \n and \t; the JSON escape's backslash is doubled.
    expect(fields[14]).toBe('{\\n\\t"note": "tab\\\\there"\\n}');
  });
});
