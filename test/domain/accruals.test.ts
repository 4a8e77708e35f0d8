import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { accrualsOf, quarterDays } from '../../shared/domain/accruals.js';
import { aPayoutLine } from '../quarters/lines.js';

describe('quarterDays', () => {
  it('counts Moscow calendar days: 23:30 UTC on 31 March is already 1 April in Moscow', () => {
    expect(quarterDays('2016-04-01', '2016-06-30', new Date('2016-03-31T20:59:59Z'))).toEqual({ elapsed: 0, total: 91 });
    expect(quarterDays('2016-04-01', '2016-06-30', new Date('2016-03-31T21:00:00Z'))).toEqual({ elapsed: 1, total: 91 });
    expect(quarterDays('2016-04-01', '2016-06-30', new Date('2016-05-15T12:00:00+03:00'))).toEqual({ elapsed: 45, total: 91 });
    expect(quarterDays('2016-04-01', '2016-06-30', new Date('2016-09-01T00:00:00Z'))).toEqual({ elapsed: 91, total: 91 });
  });
});

describe('accrualsOf', () => {
  const lines = [
    aPayoutLine({ partnerId: 'P1', distributorId: 'd1', program: 'client', units: 10, rate: new Decimal('100') }),
    aPayoutLine({ partnerId: 'P2', distributorId: 'd1', program: 'client', units: 5, rate: new Decimal('100') }),
    aPayoutLine({ partnerId: 'P1', distributorId: 'd2', program: 'monitors', units: 3, rate: new Decimal('33.33') }),
  ];

  it('sums per program × distributor and projects so far ÷ elapsed × total days', () => {
    const a = accrualsOf(lines, { elapsed: 30, total: 91 });
    expect(a.rows.map((r) => [r.program, r.distributorId, r.units, r.amount.toFixed(2), r.projectedUnits, r.projectedAmount?.toFixed(2)])).toEqual([
      ['client', 'd1', 15, '1500.00', 46, '4550.00'],
      ['monitors', 'd2', 3, '99.99', 9, '303.30'],
    ]);
    expect(a.total.amount.toFixed(2)).toBe('1599.99');
    // 1599.99 / 30 × 91 = 4853.30 (half up), not the sum of rounded rows by accident.
    expect(a.total.projectedAmount?.toFixed(2)).toBe(new Decimal('1599.99').div(30).times(91).toDecimalPlaces(2).toFixed(2));
  });

  it('projects nothing before the first day, and the figures themselves once the quarter is over', () => {
    expect(accrualsOf(lines, { elapsed: 0, total: 91 }).total.projectedAmount).toBeNull();
    const done = accrualsOf(lines, { elapsed: 91, total: 91 });
    expect(done.total.projectedAmount?.toFixed(2)).toBe(done.total.amount.toFixed(2));
    expect(done.total.projectedUnits).toBe(done.total.units);
  });
});
