/**
 * Why RU100103's RUB at stake is what its own 146 units would pay at plan 150, and not the issue's
 * figure (#15), which is 4 × the OptiPlex 3xxx rate more. The partner is 4 units short of its chosen
 * plan 150: a chosen plan not met pays nothing (docs/program-rules.md, section 4), so what it loses
 * is the pay of the units it bought. The 4 missing units were never bought: they are in no line, no
 * rate row can be known for them, and they earn only once sold. None of its sample lines is held
 * or unpayable (the spec's later corrections change nothing for it): all 146 count.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import type { TallyRow } from '../../shared/domain/types.js';
import { watchlist } from '../../shared/domain/watchlist.js';
import { aReference, aTally, anAcceptance, quarterResults, sampleRules } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const AFTER_Q1 = Date.parse('2016-05-10T12:00:00+03:00');
const plan150 = aReference({ acceptances: [anAcceptance('client', 150)] });

/** RU100103's counting lines in the samples (samples/data/README.md): 146 units at three distributors. */
const ru100103 = (optiplexUnits = 40): TallyRow[] => [
  aTally('client', 'optiplex-dt-3xxx', optiplexUnits, { distributorId: 'kvant' }),
  aTally('client', 'inspiron-nb-3xxx', 26, { distributorId: 'meridian' }),
  aTally('client', 'premium', 80, { distributorId: 'orbita' }),
];

const atStake = (tallies: TallyRow[]) => {
  const items = watchlist({
    rules,
    results: quarterResults(rules, [{ id: 'RU100103', ref: plan150, tallies }]),
    referenceOf: () => plan150,
    now: AFTER_Q1,
  });
  return items;
};

describe('RUB at stake for a chosen plan 4 units short (RU100103)', () => {
  test('is what the units bought would pay at plan 150; the missing units are not valued', () => {
    const [item] = atStake(ru100103());
    expect(item).toMatchObject({ units: 146, target: 150, missing: 4 });
    const ownUnits = ru100103().reduce(
      (sum, t) => sum.plus(rules.rate(t.program, t.rateRow, 150).times(t.units)),
      new Decimal(0),
    );
    expect(item!.amountAtStakeRub.toFixed(2)).toBe(ownUnits.toFixed(2));
    // The figure adds the 4 missing units at the OptiPlex 3xxx rate: units not bought.
    const withMissingValued = ownUnits.plus(rules.rate('client', 'optiplex-dt-3xxx', 150).times(4));
    expect(item!.amountAtStakeRub.lt(withMissingValued)).toBe(true);
  });

  test('the issue’s figure is the payout once 4 more OptiPlex 3xxx units are sold, not a loss today', () => {
    const [short] = atStake(ru100103());
    const met = calculatePartnerQuarter(
      rules,
      plan150,
      'RU100103',
      ru100103(44).map((t) => ({ ...t, partnerId: 'RU100103' })),
    );
    const paidWhenMet = met.lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
    expect(paidWhenMet.minus(short!.amountAtStakeRub).toFixed(2)).toBe(
      rules.rate('client', 'optiplex-dt-3xxx', 150).times(4).toFixed(2),
    );
    // Met, the partner leaves the watchlist: nothing is at stake any more.
    expect(atStake(ru100103(44))).toEqual([]);
  });
});
