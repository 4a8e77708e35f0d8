/**
 * TextMemo, the partner-ID memo of a line's checks: the same answers as a plain Map would give,
 * each value computed once while the memo holds it, and bounded.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextMemo } from '../../shared/pipeline/text-memo.js';

describe('TextMemo', () => {
  it('answers every key with its own value, computing it once while it fits', () => {
    // Short alphabets, so keys share prefixes, lengths and often hash slots; some over the short-key length.
    const key = fc.oneof(
      fc.string({ unit: fc.constantFrom('R', 'U', '1', '2', ' ', 'Ё', '\uD800'), maxLength: 12 }),
      fc.string({ unit: fc.constantFrom('a', 'b'), minLength: 30, maxLength: 40 }),
    );
    fc.assert(
      fc.property(fc.array(key, { maxLength: 300 }), fc.integer({ min: 1, max: 40 }), (keys, capacity) => {
        const memo = new TextMemo<{ key: string }>(capacity);
        const computed = new Map<string, number>();
        for (const k of keys) {
          // A fresh string each time, as the reader gives: equal text, another object.
          const fresh = (' ' + k).slice(1);
          const value = memo.get(fresh, (s) => {
            computed.set(s, (computed.get(s) ?? 0) + 1);
            return { key: s };
          });
          expect(value.key).toBe(k);
        }
        // Never more computations than distinct keys unless the memo was full.
        const distinct = new Set(keys).size;
        if (distinct <= capacity) for (const n of computed.values()) expect(n).toBe(1);
      }),
      { numRuns: 300 },
    );
  });

  it('empties itself when full, so hostile input costs time, not memory', () => {
    const memo = new TextMemo<number>(3);
    let calls = 0;
    const len = (s: string) => (calls++, s.length);
    expect([memo.get('a', len), memo.get('bb', len), memo.get('a', len)]).toEqual([1, 2, 1]);
    expect(calls).toBe(2);
    memo.get('ccc', len);
    memo.get('dddd', len); // full: emptied, then 'dddd' stored
    expect(memo.get('a', len)).toBe(1);
    expect(calls).toBe(5);
    for (let i = 0; i < 10_000; i++) memo.get(`P${i}`, len);
    expect(calls).toBe(5 + 10_000);
  });

  it('remembers undefined and null results too', () => {
    const memo = new TextMemo<null | undefined>(10);
    let calls = 0;
    memo.get('x', () => (calls++, null));
    memo.get('y', () => (calls++, undefined));
    memo.get('x', () => (calls++, null));
    memo.get('y', () => (calls++, undefined));
    expect(calls).toBe(2);
  });
});
