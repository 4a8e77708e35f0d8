/**
 * A partner's total (sumLineAmounts in shared/domain/payout.ts) and the partners list's sums
 * (AmountSum) are added in whole kopecks (BigInt) when they can be: it must be exactly the sum of the lines' amounts as Decimals, whatever the amounts.
 */
import fc from 'fast-check';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { AmountSum, sumLineAmounts } from '../../shared/domain/payout.js';

const bySum = (amounts: Decimal[]) => amounts.reduce((t, a) => t.plus(a), new Decimal(0));

// Kopecks as the calculation makes them, a few shared Decimals as its cache gives them, and values
// it never makes (more places, beyond what a number holds exactly, negative zero).
const amount = fc.oneof(
  fc.integer({ min: -1e9, max: 1e12 }).map((k) => new Decimal(k).dividedBy(100)),
  fc.constantFrom(new Decimal('0'), new Decimal('-0'), new Decimal('539.00'), new Decimal('1155.5')),
  fc.constantFrom(new Decimal('0.005'), new Decimal('1e-9'), new Decimal('90071992547409.93'), new Decimal('1e30')),
);

describe('a partner total', () => {
  it('is the Decimal sum of its lines, to the last digit', () => {
    fc.assert(
      fc.property(fc.array(amount, { maxLength: 40 }), (amounts) => {
        const total = sumLineAmounts(amounts.map((a) => ({ amount: a })));
        expect(total.equals(bySum(amounts))).toBe(true);
        expect(total.toString()).toBe(bySum(amounts).toString());
        expect(total.toFixed(2)).toBe(bySum(amounts).toFixed(2));
        const sum = new AmountSum();
        for (const a of amounts) sum.add(a);
        expect(sum.value.toString()).toBe(bySum(amounts).toString());
      }),
      { numRuns: 500 },
    );
  });

  it('adds sums beyond a whole number of kopecks that a number holds as Decimals', () => {
    const big = new Decimal('90071992547409.91'); // 2^53 - 1 kopecks
    const total = sumLineAmounts([{ amount: big }, { amount: new Decimal('0.02') }]);
    expect(total.toString()).toBe('90071992547409.93');
    const sum = new AmountSum();
    for (const a of ['90071992547409.91', '0.02', '0.005', '1']) sum.add(new Decimal(a));
    expect(sum.value.toString()).toBe('90071992547410.935');
  });
});
