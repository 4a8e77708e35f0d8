/**
 * sameJson (shared/pipeline/same-json.ts) answers what comparing the two JSON texts would, key order
 * included: the payout's stored text leaves a field out only when the texts would be equal.
 */
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { sameJson } from '../../shared/pipeline/same-json.js';

const byText = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

// Few distinct leaves and keys, so equal texts are common and not only by identity.
const leaf = fc.oneof(
  fc.constantFrom(null, undefined, 0, -0, 1, 2.5, NaN, Infinity, '', '1', 'a', true, false),
  fc.constantFrom('1.00', '2.50').map((s) => new Decimal(s)),
);
const value = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 3 }),
  object: fc.dictionary(fc.constantFrom('a', 'b', 'plan'), tie('node'), { maxKeys: 3 }),
})).node;

/** The same value rebuilt with its keys in another order (equal data, different text unless sorted alike). */
function reordered(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reordered);
  if (v === null || typeof v !== 'object' || v instanceof Decimal) return v;
  return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)]));
}

describe('sameJson', () => {
  it('agrees with comparing JSON.stringify texts on any two values', () => {
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(sameJson(a, b)).toBe(byText(a, b));
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees on a value and the same value with its keys in another order', () => {
    fc.assert(
      fc.property(value, (a) => {
        const b = reordered(a);
        expect(sameJson(a, b)).toBe(byText(a, b));
      }),
      { numRuns: 1000 },
    );
  });

  it('tells apart what the texts tell apart, and not what they do not', () => {
    expect(sameJson({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(false);
    expect(sameJson({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(sameJson([undefined], [null])).toBe(true);
    expect(sameJson(new Decimal('1.50'), '1.5')).toBe(true);
    expect(sameJson(new Decimal('1.50'), new Decimal('1.5'))).toBe(true);
    expect(sameJson(NaN, null)).toBe(true);
    expect(sameJson(1, '1')).toBe(false);
    expect(sameJson(null, undefined)).toBe(false);
  });
});
