/** A payout line with only what a test is about; amount defaults to paidUnits × rate. */
import { Decimal } from 'decimal.js';
import type { PayoutLine } from '../../shared/domain/types.js';

export function aPayoutLine(p: Partial<PayoutLine> & Pick<PayoutLine, 'partnerId'>): PayoutLine {
  const units = p.units ?? 1;
  const paidUnits = p.paidUnits ?? Math.max(0, units);
  const rate = p.rate ?? new Decimal('1155');
  return {
    quarter: '2016-Q1',
    distributorId: 'D1',
    program: 'client',
    rateRow: 'premium',
    units,
    paidUnits,
    rate,
    amount: p.amount ?? rate.times(paidUnits),
    explanation: {
      code: 'stored-text',
      params: { text: `${paidUnits} units paid at ${rate.toFixed(2)} RUB.` },
      reason: null,
      plan: 50,
      planBasis: 'highest-reached',
      programUnits: units,
      missingUnits: null,
      missingCourses: null,
      lateCourses: null,
    },
    warnings: [],
    ...p,
  };
}
