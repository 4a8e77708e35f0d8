/**
 * The exceptions workbench's grouping (issue #15): every reason a unit does not pay, with the RUB
 * the units would earn if that blocker were removed, or null where no rate can be known. Payout
 * results come from the calculation on the 2016-Q1 rules; held lines are as a computation body
 * stores them.
 */
import { describe, expect, test } from 'vitest';
import type { Partner, PartnerReference, TallyRow } from '../../shared/domain/types.js';
import type { HeldLines, HeldReason } from '../../shared/pipeline/compute-quarter.js';
import { workbenchGroups, type WorkbenchInput } from '../../shared/pipeline/workbench.js';
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
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';
const rate = (program: string, row: string, plan: number) => rules.rate(program, row, plan);

const central = aPartner({ id: 'P1', region: 'Central' });
const volga = aPartner({ id: 'P2', displayId: 'p-2', region: 'Volga' });

function held(reason: HeldReason, over: Partial<HeldLines> = {}): HeldLines {
  return {
    reason,
    reportId: 'rpt_00000000000000000001',
    version: 'v1',
    distributorId: 'd1',
    partnerId: 'P1',
    partnerWritten: 'P1',
    product: { sku: 'SKU-1', description: VOSTRO },
    units: 3,
    lines: [4, 7],
    message: `held: ${reason}`,
    ...over,
  };
}

function input(
  partners: { p: Partner; ref: PartnerReference; tallies: TallyRow[] }[],
  heldLines: HeldLines[] = [],
  visible: WorkbenchInput['visible'] = () => true,
): WorkbenchInput {
  const byReason: WorkbenchInput['held'] = {};
  for (const h of heldLines) (byReason[h.reason] ??= []).push(h);
  return {
    rules,
    held: byReason,
    results: quarterResults(
      rules,
      partners.map(({ p, ref, tallies }) => ({ id: p.id, ref: { ...ref, partner: p }, tallies })),
    ),
    partners: new Map(partners.map(({ p }) => [p.id, p])),
    distributorShown: (k) => k.toUpperCase(),
    catalog: new Map(),
    trainings: new Map(partners.map(({ p, ref }) => [p.id, ref.trainings])),
    visible,
  };
}

describe('eligibility: lines a partner is paid less for', () => {
  test('a chosen plan not met: every unit is at stake at that plan’s rate', () => {
    const ref = aReference({ acceptances: [anAcceptance('client', 150)] });
    const groups = workbenchGroups(
      input([{ p: central, ref, tallies: [aTally('client', 'vostro-3xxx', 146)] }]),
    );
    expect(groups.map((g) => g.reason)).toEqual(['plan-not-met']);
    const [g] = groups;
    expect(g).toMatchObject({ source: 'payout', count: 1, units: 146, amountUnknown: 0 });
    expect(g!.amountAtStakeRub!.toFixed(2)).toBe(rate('client', 'vostro-3xxx', 150).times(146).toFixed(2));
    expect(g!.items[0]).toMatchObject({ partnerId: 'P1', missingUnits: 4, fix: null });
  });

  test('a missing training: the untrained units at the applied rate, with the courses that fix it', () => {
    const ref = aReference({
      acceptances: [anAcceptance('client', 50)],
      trainings: [aTraining(Q1_COURSES.precision[0])],
    });
    const tallies = [
      aTally('client', 'workstation', 8, { gate: 'precision' }),
      aTally('client', 'premium', 60),
    ];
    const [g] = workbenchGroups(input([{ p: central, ref, tallies }]));
    expect(g).toMatchObject({ reason: 'training-missing', count: 1, units: 8 });
    expect(g!.amountAtStakeRub!.toFixed(2)).toBe(rate('client', 'workstation', 50).times(8).toFixed(2));
    const item = g!.items[0]!;
    expect(item).toMatchObject({ fix: 'record-training', rateRow: 'workstation', unpaidUnits: 8 });
    expect(item.source === 'payout' && item.courses!.flat()).toContain(Q1_COURSES.precision[1]);
  });

  test('a late acceptance: the units at the highest threshold they reach, as with no plan chosen', () => {
    const ref = aReference({
      acceptances: [anAcceptance('client', null, { acceptedAt: '2016-04-01T00:00:00+03:00' })],
    });
    const [g] = workbenchGroups(input([{ p: central, ref, tallies: [aTally('client', 'mainstream', 70)] }]));
    expect(g).toMatchObject({ reason: 'accepted-late', units: 70 });
    expect(g!.amountAtStakeRub!.toFixed(2)).toBe(rate('client', 'mainstream', 50).times(70).toFixed(2));
    expect(g!.items[0]!.fix).toBe('record-acceptance');
  });

  test('lines that pay in full are not exceptions', () => {
    const ref = aReference({ acceptances: [anAcceptance('client', 50)] });
    expect(workbenchGroups(input([{ p: central, ref, tallies: [aTally('client', 'premium', 60)] }]))).toEqual(
      [],
    );
  });
});

describe('held lines', () => {
  test('an unknown partner or an unclassified product: amount unknown (null), never a guess', () => {
    const groups = workbenchGroups(
      input(
        [],
        [
          held('unknown-partner', { partnerId: 'RU999', partnerWritten: 'ru 999' }),
          held('unclassified-product', { product: { sku: 'CBL-1', description: 'Кабель HDMI' } }),
          held('unclassified-product', {
            product: { sku: '', description: 'Кабель без артикула' },
            lines: [9],
          }),
        ],
      ),
    );
    expect(groups.map((g) => [g.reason, g.count, g.amountAtStakeRub, g.amountUnknown])).toEqual([
      ['unknown-partner', 1, null, 1],
      ['unclassified-product', 2, null, 2],
    ]);
    expect(groups[0]!.items[0]).toMatchObject({
      partnerId: 'ru 999',
      lines: [4, 7],
      fix: 'register-partner',
      reportId: 'rpt_00000000000000000001',
    });
    // A mapping is keyed by SKU: a line without one cannot be mapped on screen.
    expect(groups[1]!.items.map((i) => i.fix).sort()).toEqual(['map-product', null]);
  });

  test('a distributor not authorised: the units at the rate of the plan the partner has', () => {
    const ref = aReference({ acceptances: [anAcceptance('client', 50)] });
    const groups = workbenchGroups(
      input(
        [{ p: central, ref, tallies: [aTally('client', 'premium', 60)] }],
        [held('distributor-not-authorized')],
      ),
    );
    const [g] = groups;
    expect(g).toMatchObject({ reason: 'distributor-not-authorized', count: 1, units: 3, amountUnknown: 0 });
    expect(g!.items[0]).toMatchObject({ program: 'client', rateRow: 'vostro-3xxx', distributorId: 'D1' });
    expect(g!.amountAtStakeRub!.toFixed(2)).toBe(rate('client', 'vostro-3xxx', 50).times(3).toFixed(2));
  });
});

test('a partner manager’s view: partners of the territory only, and no unknown partner', () => {
  const notAccepted = aReference();
  const partners = [
    { p: central, ref: notAccepted, tallies: [aTally('client', 'premium', 60)] },
    { p: volga, ref: notAccepted, tallies: [aTally('client', 'premium', 60)] },
  ];
  const heldLines = [
    held('unknown-partner', { partnerId: 'RU999', partnerWritten: 'RU999' }),
    held('unrated-product', { partnerId: 'P2', partnerWritten: 'p-2' }),
    held('unrated-product', { partnerId: 'P1' }),
  ];
  const volgaOnly = (p: Partner | null) => p?.region === 'Volga';
  const groups = workbenchGroups(input(partners, heldLines, volgaOnly));
  expect(groups.map((g) => g.reason)).toEqual(['unrated-product', 'program-not-accepted']);
  for (const g of groups) expect(g.items.map((i) => i.partnerKey)).toEqual(['P2']);
  expect(groups[1]!.items[0]!.partnerId).toBe('p-2');
});
