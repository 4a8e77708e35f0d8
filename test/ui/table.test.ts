import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { formatRub, renderTable } from '../../local/ui/table.js';
import { displayWidth, truncateToWidth } from '../../local/ui/text.js';

const NNBSP = '\u202f';

describe('renderTable', () => {
  it('aligns Cyrillic text by characters, not bytes, with a header rule', () => {
    const out = renderTable(
      [{ header: 'Partner' }, { header: 'Program' }, { header: 'Amount', align: 'right' }],
      [
        ['ООО «Ромашка»', 'client', '1155.00'],
        ['Acme', 'мониторы', '5.00'],
      ],
    );
    expect(out).toBe(
      'Partner        Program    Amount\n' +
        '-------------  --------  -------\n' +
        'ООО «Ромашка»  client    1155.00\n' +
        'Acme           мониторы     5.00\n',
    );
  });

  it('puts every column at the same terminal column on every line', () => {
    const rows = [
      ['е\u0301ж', 'x'], // е + combining acute: one column
      ['東京', 'x'], // wide: two columns each
      ['ok👍', 'x'],
      ['Санкт-Петербург', 'x'],
    ];
    const lines = renderTable([{ header: 'Город' }, { header: 'M' }], rows)
      .trimEnd()
      .split('\n');
    const starts = lines.map((l) =>
      displayWidth(l.slice(0, l.lastIndexOf(l.endsWith('x') ? 'x' : l.at(-1)!))),
    );
    expect(new Set(starts).size).toBe(1);
    expect(starts[0]).toBe(displayWidth('Санкт-Петербург') + 2);
  });

  it('blanks missing cells, refuses extra ones, and strips control characters', () => {
    expect(renderTable([{ header: 'A' }, { header: 'B' }], [['x']])).toBe('A  B\n-  -\nx\n');
    expect(() => renderTable([{ header: 'A' }], [['x', 'y']])).toThrow(RangeError);
    expect(renderTable([{ header: 'A' }], [['a\x1b[31mb\tc']])).toBe('A\n---------\na [31mb c\n');
  });
});

describe('displayWidth / truncateToWidth', () => {
  it('counts columns a terminal draws', () => {
    expect(displayWidth('Привет')).toBe(6);
    expect(displayWidth('е\u0301')).toBe(1);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('👍')).toBe(2);
    expect(displayWidth('a\u200bb')).toBe(2);
    expect(displayWidth(`12${NNBSP}345`)).toBe(6);
  });

  it('cuts to a width with an ellipsis', () => {
    expect(truncateToWidth('Привет, мир', 7)).toBe('Привет…');
    expect(truncateToWidth('日本語', 4)).toBe('日…');
    expect(truncateToWidth('short', 10)).toBe('short');
  });
});

describe('formatRub', () => {
  it.each([
    ['0', '0.00 RUB'],
    ['5', '5.00 RUB'],
    ['999.9', '999.90 RUB'],
    ['1155', `1${NNBSP}155.00 RUB`],
    ['12345.5', `12${NNBSP}345.50 RUB`],
    ['1234567.891', `1${NNBSP}234${NNBSP}567.89 RUB`],
    ['0.005', '0.01 RUB'],
    ['-0.001', '0.00 RUB'],
    ['-1234.5', `-1${NNBSP}234.50 RUB`],
  ])('%s -> %j', (value, expected) => {
    expect(formatRub(new Decimal(value))).toBe(expected);
  });
});
