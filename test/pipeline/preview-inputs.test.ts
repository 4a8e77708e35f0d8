/**
 * The what-if's extra inputs (shared/pipeline/preview-inputs.ts) in memory: moved plan thresholds
 * and extra units go through the real computeQuarter, and the paging helpers of list routes.
 */
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { compareBy, matcher, pageOf } from '../../functions/api/paging.js';
import { computeQuarter, type QuarterReference } from '../../shared/pipeline/compute-quarter.js';
import {
  acceptancesWithPlans,
  extrasExtract,
  referenceWithExtras,
  withPlans,
  type ExtraUnits,
} from '../../shared/pipeline/preview-inputs.js';
import { InputValidationError } from '../../shared/errors.js';
import { aPartner, anAcceptance, sampleRules } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const client = rules.file.programs.find((p) => p.id === 'client')!;
const vostro = client.rateRows.find((r) => r.id === 'vostro-3xxx')!;
const [low, high] = client.plans as [number, number];

function reference(acceptances = [anAcceptance('client', null, { partnerId: 'P1' })]): QuarterReference {
  return {
    partners: new Map(['P1', 'P2'].map((id) => [id, aPartner({ id })])),
    distributors: new Map(),
    catalog: new Map(),
    acceptances: new Map([['P1', acceptances]]),
    trainings: new Map(),
    revision: 'r1',
  };
}

/** P1's total with only `extras` as its sales. */
function totalWith(extras: ExtraUnits[], r = rules, ref = reference()) {
  const extract = extrasExtract(r, extras);
  const computation = computeQuarter({ rules: r, reference: referenceWithExtras(r, ref, extras), extracts: extract ? [extract] : [] });
  return computation.partners.find((p) => p.partnerId === 'P1')?.result.total ?? new Decimal(0);
}

describe('extra units', () => {
  it('count like a distributor’s lines: below the lowest plan nothing, at it the plan’s rate', () => {
    const units = (n: number): ExtraUnits[] => [{ partnerId: 'P1', program: 'client', rateRow: 'vostro-3xxx', units: n }];
    expect(totalWith(units(low - 1)).toFixed(2)).toBe('0.00');
    expect(totalWith(units(low)).toFixed(2)).toBe(new Decimal(vostro.rates[String(low)]!).times(low).toFixed(2));
  });

  it('refuse a rate row the quarter does not have', () => {
    expect(() => extrasExtract(rules, [{ partnerId: 'P1', program: 'client', rateRow: 'nope', units: 1 }])).toThrow(
      InputValidationError,
    );
  });
});

describe('plan thresholds', () => {
  it('a lowered threshold pays units between the new and the old one, at the old plan’s rate', () => {
    const moved = withPlans(rules, { [`client/${low}`]: low - 10 });
    const units: ExtraUnits[] = [{ partnerId: 'P1', program: 'client', rateRow: 'vostro-3xxx', units: low - 5 }];
    expect(totalWith(units).toFixed(2)).toBe('0.00');
    expect(totalWith(units, moved).toFixed(2)).toBe(new Decimal(vostro.rates[String(low)]!).times(low - 5).toFixed(2));
    expect(rules.file.programs.find((p) => p.id === 'client')!.plans).toEqual([low, high]); // the original is untouched
  });

  it('moves the acceptances that chose the plan with it', () => {
    const chosen = new Map([['P1', [anAcceptance('client', high, { partnerId: 'P1' })]]]);
    expect(acceptancesWithPlans(chosen, { [`client/${high}`]: high + 20 }).get('P1')![0]!.plan).toBe(high + 20);
    expect(acceptancesWithPlans(chosen, { [`monitors/${high}`]: 1 }).get('P1')![0]!.plan).toBe(high);
  });

  it('refuses a plan the program does not have, or thresholds out of order', () => {
    expect(() => withPlans(rules, { 'client/77': 10 })).toThrow(InputValidationError);
    const issues = (() => {
      try {
        withPlans(rules, { [`client/${low}`]: high + 1 });
        return [];
      } catch (err) {
        return (err as InputValidationError).issues;
      }
    })();
    expect(issues).toEqual([expect.stringMatching(/rising order/)]);
  });
});

describe('paging helpers', () => {
  const items = Array.from({ length: 7 }, (_, i) => i);

  it('walks a list by cursor without repeats or gaps', () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const { items: page, page: info } = pageOf(items, { limit: 3, cursor });
      expect(info.total).toBe(7);
      seen.push(...page);
      cursor = info.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual(items);
    expect(pageOf(items, {}, 'all').items).toEqual(items);
    expect(() => pageOf(items, { cursor: 'garbage' })).toThrow(InputValidationError);
  });

  it('sorts missing values last in either order, and searches ignoring case and spaces', () => {
    const rows = [{ v: 2 }, { v: null }, { v: 1 }];
    expect([...rows].sort(compareBy((r) => r.v, 'asc')).map((r) => r.v)).toEqual([1, 2, null]);
    expect([...rows].sort(compareBy((r) => r.v, 'desc')).map((r) => r.v)).toEqual([2, 1, null]);
    expect(matcher('ru 1001')('RU100103')).toBe(true);
    expect(matcher('АЛЬФА')('ООО «Альфа»')).toBe(true);
    expect(matcher('beta')('alfa', null)).toBe(false);
  });
});
