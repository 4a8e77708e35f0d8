/**
 * The workbench object (shared/pipeline/workbench-body.ts) built a slice of partners at a time
 * (workbenchBodyInTurns, as the computation builds it) is the object built in one go: the same
 * JSON, its candidates and items those of workbenchSource in the same order.
 */
import { describe, expect, test } from 'vitest';
import type { Distributor, Partner, Training } from '../../shared/domain/types.js';
import type { HeldLines, HeldReason, QuarterReference } from '../../shared/pipeline/compute-quarter.js';
import { workbenchBody, workbenchBodyInTurns, workbenchSource } from '../../shared/pipeline/workbench-body.js';
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

/** Seven partners: plans met and not, a chosen plan missed, a training missing, a late acceptance, none at all. */
function quarter() {
  const ids = ['P1', 'P2', 'P3', 'P4', 'P5', 'P6', 'P7'];
  const partners = ids.map((id, n) => aPartner({ id, displayId: `p-${n + 1}`, name: `Partner ${n + 1}` }));
  const trainings = new Map<string, Training[]>(ids.map((id) => [id, [aTraining(Q1_COURSES.precision[0], { partnerId: id })]]));
  const results = quarterResults(
    rules,
    ids.map((id, n) => ({
      id,
      ref: aReference({
        partner: partners[n]!,
        acceptances:
          n === 4
            ? [anAcceptance('client', null, { partnerId: id, acceptedAt: '2016-04-01T00:00:00+03:00' })]
            : [anAcceptance('client', n % 2 ? 150 : 50, { partnerId: id })],
        trainings: trainings.get(id)!,
      }),
      tallies: [
        aTally('client', 'premium', 30 + 25 * n, { partnerId: id }),
        aTally('client', 'workstation', 3 + n, { partnerId: id, gate: 'precision' }),
        ...(n === 6 ? [aTally('client', 'mainstream', -4, { partnerId: id, distributorId: 'D2' })] : []),
      ],
    })),
  );
  const held: Partial<Record<HeldReason, HeldLines[]>> = {};
  const hold = (reason: HeldReason, partnerId: string, lines: number[]) =>
    (held[reason] ??= []).push({
      reason,
      reportId: 'rpt_00000000000000000001',
      version: 'v1',
      distributorId: 'D1',
      partnerId,
      partnerWritten: partnerId.toLowerCase(),
      product: { sku: 'SKU-1', description: 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB' },
      units: lines.length,
      lines,
      message: `held: ${reason}`,
    });
  hold('unknown-partner', 'RU999', [4, 7]);
  hold('distributor-not-authorized', 'P3', [9]);
  hold('duplicate-claim', 'P2', [11]);
  const reference: Pick<QuarterReference, 'partners' | 'distributors' | 'catalog' | 'trainings'> = {
    partners: new Map<string, Partner>(partners.map((p) => [p.id, p])),
    distributors: new Map<string, Distributor>([['D1', { id: 'D1', displayId: 'd-1', name: 'Distributor One', segments: [] }]]),
    catalog: new Map(),
    trainings,
  };
  return { results, held, reference };
}

describe('workbenchBodyInTurns', () => {
  test.each([1, 2, 3, 7, 250])('%i partner(s) a turn: the object built in one go, a turn between slices', async (perTurn) => {
    const { results, held, reference } = quarter();
    let turns = 0;
    const sliced = await workbenchBodyInTurns(rules, results, held, reference, async () => void turns++, perTurn);
    const whole = workbenchBody(rules, results, held, reference);
    expect(JSON.stringify(sliced)).toBe(JSON.stringify(whole));
    expect(turns).toBe(Math.ceil(results.length / perTurn));

    // The object holds what one pass over every partner finds, in its order.
    const source = workbenchSource(rules, results, held, reference);
    expect(source.watch.length).toBeGreaterThan(0);
    expect(sliced.w.map((c) => [c.partnerKey, c.program, c.amountAtStakeRub])).toEqual(
      source.watch.map((c) => [c.partnerKey, c.program, c.amountAtStakeRub.toFixed(2)]),
    );
    expect(new Set(source.facts.map((f) => f.source))).toEqual(new Set(['held', 'payout']));
    expect(sliced.i.map((f) => [f.source, f.reason, 'hx' in f ? f.hx : f.partnerKey])).toEqual(
      source.facts.map((f) => [f.source, f.reason, f.source === 'held' ? held[f.reason]!.indexOf(f.held as HeldLines) : f.partnerKey]),
    );
    expect(Object.keys(sliced.p)).toEqual([...new Set([...source.watch, ...source.facts].map((x) => x.partnerKey))].filter((k) => k !== 'RU999').sort());
  });

  test('no partners: the held items alone, and no turn', async () => {
    const { held, reference } = quarter();
    let turns = 0;
    const sliced = await workbenchBodyInTurns(rules, [], held, reference, async () => void turns++);
    expect(turns).toBe(0);
    expect(sliced.w).toEqual([]);
    expect(sliced.i.map((f) => f.reason)).toEqual(['unknown-partner', 'distributor-not-authorized', 'duplicate-claim']);
  });
});
