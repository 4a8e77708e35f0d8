/**
 * The near-plan watchlist (issue #15, docs/program-rules.md "Watchlist"): a partner is on it when a
 * chosen plan not yet met, or the next threshold, is within reach: at most a fifth of it missing,
 * or the run rate reaching it by the quarter's end. Results come from the payout calculation on the
 * 2016-Q1 rules; amounts are worked out from the rules' own rates.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import type { PartnerReference, TallyRow } from '../../shared/domain/types.js';
import { projectUnits, watchlist, withinReach } from '../../shared/domain/watchlist.js';
import {
  aPartner,
  aReference,
  aTally,
  aTraining,
  anAcceptance,
  Q1_COURSES,
  quarterResults,
  sampleRules,
} from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const DAY = 24 * 60 * 60 * 1000;
/** After the quarter: the units are final, so only "a fifth or less missing" puts a partner on the list. */
const AFTER_Q1 = Date.parse('2016-05-10T12:00:00+03:00');

function listOf(partners: { id: string; ref: PartnerReference; tallies: TallyRow[] }[], now = AFTER_Q1) {
  const refs = new Map(partners.map((p) => [p.id, p.ref]));
  return watchlist({
    rules,
    results: quarterResults(rules, partners),
    referenceOf: (id) => refs.get(id),
    now,
  });
}

const rate = (program: string, row: string, plan: number) => rules.rate(program, row, plan);

describe('who is within reach', () => {
  test('a partner 4 units short of its chosen plan 150 is on the list with what the plan would pay', () => {
    const ref = aReference({ acceptances: [anAcceptance('client', 150)] });
    const tallies = [
      aTally('client', 'optiplex-dt-3xxx', 40),
      aTally('client', 'inspiron-nb-3xxx', 26, { distributorId: 'D2' }),
      aTally('client', 'premium', 80, { distributorId: 'D3' }),
    ];
    const [item, ...rest] = listOf([{ id: 'P1', ref, tallies }]);
    expect(rest).toEqual([]);
    const unlocked = rate('client', 'optiplex-dt-3xxx', 150)
      .times(40)
      .plus(rate('client', 'inspiron-nb-3xxx', 150).times(26))
      .plus(rate('client', 'premium', 150).times(80));
    expect(item).toMatchObject({
      partnerId: 'P1',
      program: 'client',
      units: 146,
      target: 150,
      targetBasis: 'chosen',
      missing: 4,
      projectedUnits: 146,
      blockers: [],
    });
    expect(item!.amountAtStakeRub.toFixed(2)).toBe(unlocked.toFixed(2));
  });

  test('a fifth of the target missing is within reach; one unit more is not', () => {
    expect(withinReach(50, 10, 40)).toBe(true);
    expect(withinReach(50, 11, 39)).toBe(false);
    const acceptedNoPlan = aReference({ acceptances: [anAcceptance('client')] });
    expect(
      listOf([{ id: 'P1', ref: acceptedNoPlan, tallies: [aTally('client', 'mainstream', 40)] }]),
    ).toHaveLength(1);
    expect(
      listOf([{ id: 'P1', ref: acceptedNoPlan, tallies: [aTally('client', 'mainstream', 39)] }]),
    ).toEqual([]);
  });

  test('without a chosen plan the next threshold is the target, and only the extra over today is at stake', () => {
    const ref = aReference({ acceptances: [anAcceptance('client')] });
    const [item] = listOf([{ id: 'P1', ref, tallies: [aTally('client', 'vostro-3xxx', 130)] }]);
    expect(item).toMatchObject({ target: 150, targetBasis: 'next-threshold', missing: 20, units: 130 });
    const extra = rate('client', 'vostro-3xxx', 150)
      .minus(rate('client', 'vostro-3xxx', 50))
      .times(130);
    expect(item!.amountAtStakeRub.toFixed(2)).toBe(extra.toFixed(2));
  });

  test('a met chosen plan, or the top threshold, leaves nothing to reach', () => {
    const chosenMet = aReference({ acceptances: [anAcceptance('client', 50)] });
    const noPlan = aReference({ acceptances: [anAcceptance('client')] });
    expect(
      listOf([
        { id: 'P1', ref: chosenMet, tallies: [aTally('client', 'premium', 145)] },
        { id: 'P2', ref: noPlan, tallies: [aTally('client', 'premium', 160)] },
      ]),
    ).toEqual([]);
  });

  test('mid-quarter, a partner far from the plan but selling fast enough is on the list', () => {
    const ref = aReference({ acceptances: [anAcceptance('client', 150)] });
    const tallies = [aTally('client', 'premium', 90)];
    // 2016-Q1 has 91 Moscow days; on day 46, 90 units run to 90 × 91 / 46 = 178 by its end.
    const day46 = rules.startsAt + 45 * DAY + 3600_000;
    const [item] = listOf([{ id: 'P1', ref, tallies }], day46);
    expect(item).toMatchObject({ units: 90, missing: 60, projectedUnits: Math.floor((90 * 91) / 46) });
    // The same units near the end of the quarter project short of the plan: off the list.
    expect(listOf([{ id: 'P1', ref, tallies }], rules.endsBefore - 2 * DAY)).toEqual([]);
  });
});

describe('the run-rate projection', () => {
  test('units so far ÷ Moscow days begun × days in the quarter, rounded down', () => {
    const days = Math.round((rules.endsBefore - rules.startsAt) / DAY);
    expect(projectUnits(rules, 10, rules.startsAt + 1)).toBe(10 * days); // day 1 begun
    expect(projectUnits(rules, 10, rules.startsAt + 9 * DAY + 1)).toBe(Math.floor((10 * days) / 10));
  });

  test('a quarter that has ended, or not begun, projects its units as they are', () => {
    expect(projectUnits(rules, 37, rules.endsBefore)).toBe(37);
    expect(projectUnits(rules, 37, rules.startsAt - 1)).toBe(37);
  });

  test('Moscow midnight starts a day: 23:30 UTC on the first day is day 2 in Moscow', () => {
    // 2016-01-30T21:00Z is Moscow midnight of 31 January, the quarter's second day.
    const justAfter = Date.parse('2016-01-30T21:00:01Z');
    const days = Math.round((rules.endsBefore - rules.startsAt) / DAY);
    expect(projectUnits(rules, 10, justAfter)).toBe(Math.floor((10 * days) / 2));
  });
});

describe('blockers', () => {
  test('no acceptance: named, and the next threshold is still the target', () => {
    const [item] = listOf([{ id: 'P1', ref: aReference(), tallies: [aTally('client', 'mainstream', 45)] }]);
    expect(item!.blockers).toEqual([{ code: 'acceptance-missing' }]);
  });

  test('an acceptance made on the deadline is late, and its instant is given', () => {
    const late = '2016-04-01T00:00:00+03:00';
    const ref = aReference({ acceptances: [anAcceptance('client', null, { acceptedAt: late })] });
    const [item] = listOf([{ id: 'P1', ref, tallies: [aTally('client', 'mainstream', 45)] }]);
    expect(item!.blockers).toEqual([{ code: 'acceptance-late', acceptedAt: late }]);
  });

  test('a missing Precision training is named with the course codes still to do', () => {
    const ref = aReference({
      acceptances: [anAcceptance('client', 150)],
      trainings: [aTraining(Q1_COURSES.precision[0])], // the sales course only
    });
    const tallies = [
      aTally('client', 'workstation', 10, { gate: 'precision' }),
      aTally('client', 'premium', 130),
    ];
    const [item] = listOf([{ id: 'P1', ref, tallies }]);
    const gate = rules.trainings.get('precision')!;
    const unmet = gate.allOf.filter((g) => !g.oneOf.includes(Q1_COURSES.precision[0]));
    expect(item!.blockers).toEqual([
      { code: 'training-missing', gate: 'precision', courses: unmet.map((g) => [...g.oneOf]) },
    ]);
    expect(item!.blockers[0]).toMatchObject({ courses: [expect.arrayContaining([Q1_COURSES.precision[1]])] });
  });

  test('a partner missing from the registry is named as such', () => {
    const ref = aReference({ partner: null, acceptances: [anAcceptance('client', 50)] });
    const [item] = listOf([{ id: 'P9', ref, tallies: [aTally('client', 'mainstream', 45)] }]);
    expect(item!.blockers).toContainEqual({ code: 'partner-not-registered' });
  });
});

test('the list is sorted by RUB at stake, most first', () => {
  const accepted = (plan: number | null) => aReference({ acceptances: [anAcceptance('client', plan)] });
  const list = listOf([
    { id: 'P1', ref: accepted(50), tallies: [aTally('client', 'vostro-3xxx', 45)] },
    {
      id: 'P2',
      ref: { ...accepted(150), partner: aPartner({ id: 'P2' }) },
      tallies: [aTally('client', 'premium', 140)],
    },
    {
      id: 'P3',
      ref: { ...accepted(50), partner: aPartner({ id: 'P3' }) },
      tallies: [aTally('client', 'premium', 48)],
    },
  ]);
  expect(list.map((i) => i.partnerId)).toEqual(['P2', 'P3', 'P1']);
  const amounts = list.map((i) => i.amountAtStakeRub);
  for (let i = 1; i < amounts.length; i++) expect(amounts[i - 1]!.gte(amounts[i]!)).toBe(true);
  expect(amounts[2]!.equals(new Decimal(rate('client', 'vostro-3xxx', 50).times(45)))).toBe(true);
});
