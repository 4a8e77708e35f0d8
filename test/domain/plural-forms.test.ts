import { describe, expect, it } from 'vitest';
import { pick } from '../../shared/domain/render/format.js';

const ru = { one: 'единица', few: 'единицы', many: 'единиц', other: 'единицы' };
const en = { one: 'unit', other: 'units' };

describe('pick', () => {
  it('chooses the same form when asked about a count again, in each language apart', () => {
    // Asked twice: the second answer comes from what was remembered of the first.
    for (let round = 0; round < 2; round++) {
      expect([1, 2, 5, 11, 21, 22, 25, 101, 1.5].map((n) => pick(n, 'ru', ru))).toEqual([
        'единица',
        'единицы',
        'единиц',
        'единиц',
        'единица',
        'единицы',
        'единиц',
        'единица',
        'единицы',
      ]);
      expect([1, 2, 5, 21, 0, 1.5].map((n) => pick(n, 'en', en))).toEqual(['unit', 'units', 'units', 'units', 'units', 'units']);
    }
  });

  it('reads a negative count as its size and falls back to `other` for a missing form', () => {
    expect(pick(-1, 'en', en)).toBe('unit');
    expect(pick(-21, 'ru', ru)).toBe('единица');
    expect(pick(3, 'ru', { other: 'шт.' })).toBe('шт.');
  });
});
