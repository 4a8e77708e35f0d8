/**
 * Every cell of the three rate tables of program rules §3, transcribed here from the program text,
 * paid through the calculation: the rules data file must agree with the program text.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { aReference, aTally, anAcceptance, sampleRules, trainedFor } from '../support/domain-fixtures.js';

// program, rate row, plan, RUB per unit — as written in §3.
const RATE_TABLE: [string, string, number, string][] = [
  ['client', 'vostro-3xxx', 50, '154'],
  ['client', 'vostro-3xxx', 150, '231'],
  ['client', 'optiplex-dt-3xxx', 50, '231'],
  ['client', 'optiplex-dt-3xxx', 150, '385'],
  ['client', 'inspiron-nb-3xxx', 50, '154'],
  ['client', 'inspiron-nb-3xxx', 150, '308'],
  ['client', 'mainstream', 50, '539'],
  ['client', 'mainstream', 150, '539'],
  ['client', 'premium', 50, '1155'],
  ['client', 'premium', 150, '1155'],
  ['client', 'workstation', 50, '1925'],
  ['client', 'workstation', 150, '1925'],
  ['monitors', '17-20', 100, '0'],
  ['monitors', '17-20', 300, '77'],
  ['monitors', '22-23', 100, '0'],
  ['monitors', '22-23', 300, '154'],
  ['monitors', '24-25', 100, '231'],
  ['monitors', '24-25', 300, '385'],
  ['monitors', '27-29', 100, '308'],
  ['monitors', '27-29', 300, '462'],
  ['monitors', '30-55', 100, '770'],
  ['monitors', '30-55', 300, '1155'],
  ['enterprise', 't20-t1xx', 5, '770'],
  ['enterprise', '2xx-3xx', 5, '1540'],
  ['enterprise', '4xx-5xx', 5, '3080'],
  ['enterprise', '6xx-9xx', 5, '4620'],
];

const rules = sampleRules('2016-Q1');

describe('§3 rate tables (2016-Q1)', () => {
  test('the rules file has exactly the cells of the program text', () => {
    const cells = [...rules.programs.values()].flatMap((p) =>
      p.rateRows.flatMap((r) => p.plans.map((plan) => `${p.id}/${r.id}/${plan}`)),
    );
    expect(cells.sort()).toEqual(RATE_TABLE.map(([p, r, plan]) => `${p}/${r}/${plan}`).sort());
  });

  describe.each(RATE_TABLE)('%s / %s at plan %i pays %s RUB per unit', (program, rateRow, plan, rate) => {
    // Enterprise is training-gated as a whole; give the partner the trainings so only the rate matters.
    const trainings = program === 'enterprise' ? trainedFor('enterprise') : [];

    test.each([
      ['chosen at acceptance', plan],
      ['not chosen, threshold reached', null],
    ])('plan %s', (_basis, chosen) => {
      const ref = aReference({ acceptances: [anAcceptance(program, chosen)], trainings });
      // Exactly the threshold, all of it in this rate row at one distributor.
      const result = calculatePartnerQuarter(rules, ref, 'P1', [aTally(program, rateRow, plan)]);

      expect(result.lines).toHaveLength(1);
      const line = result.lines[0]!;
      expect(line.rate.toFixed(2)).toBe(new Decimal(rate).toFixed(2));
      expect(line.explanation.plan).toBe(plan);
      expect(line.explanation.planBasis).toBe(chosen === null ? 'highest-reached' : 'chosen');
      expect(line.amount.toFixed(2)).toBe(new Decimal(rate).times(plan).toFixed(2));
      expect(line.paidUnits).toBe(rate === '0' ? 0 : plan);
      expect(line.explanation.reason).toBe(rate === '0' ? 'zero-rate' : null);
      expect(result.total.toFixed(2)).toBe(line.amount.toFixed(2));
    });
  });
});
