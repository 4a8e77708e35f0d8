/**
 * The workbench object (shared/pipeline/workbench-body.ts) built a slice of partners at a time
 * (workbenchBodyInTurns, as the computation builds it) is the object built in one go: the same
 * JSON, its candidates and items those of workbenchSource in the same order; on 600 random
 * partners, the same JSON as a one-pass build over workbenchSource kept here (not the slicing code).
 */
import { describe, expect, test } from 'vitest';
import type { Distributor, ExplainedLine, Partner, PartnerReference, Training } from '../../shared/domain/types.js';
import { HELD_REASONS, type HeldLines, type HeldReason } from '../../shared/pipeline/compute-quarter.js';
import {
  workbenchBody,
  workbenchBodyInTurns,
  workbenchSource,
  type WorkbenchBody,
  type WorkbenchReference,
} from '../../shared/pipeline/workbench-body.js';
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
  const reference: WorkbenchReference = {
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


/**
 * The object as one pass over every partner builds it (the computation's code before it was built
 * in slices), from workbenchSource's candidates and items: what the sliced build must equal.
 */
function onePass(results: Parameters<typeof workbenchSource>[1], held: Partial<Record<HeldReason, HeldLines[]>>, reference: WorkbenchReference): WorkbenchBody {
  const { watch, facts } = workbenchSource(rules, results, held, reference);
  const index = new Map<object, number>();
  for (const reason of HELD_REASONS) (held[reason] ?? []).forEach((h, i) => index.set(h, i));
  const named = new Set<string>();
  const w = watch.map((c) => {
    named.add(c.partnerKey);
    return { ...c, amountAtStakeRub: c.amountAtStakeRub.toFixed(2) };
  });
  const i = facts.map((f): WorkbenchBody['i'][number] => {
    named.add(f.partnerKey);
    const amountAtStakeRub = f.amountAtStakeRub === null ? null : f.amountAtStakeRub.toFixed(2);
    if (f.source === 'held') {
      const { source, reason, distributorId, program, rateRow, fix } = f;
      return { source, reason, hx: index.get(f.held)!, distributorId, program, rateRow, amountAtStakeRub, fix };
    }
    const { partnerId, partnerDisplayId, distributorId, distributorDisplayId, program, rateRow, units, paidUnits, rate, amount, explanation } = f.line;
    const line = {
      partnerId,
      ...(partnerDisplayId !== undefined ? { partnerDisplayId } : {}),
      distributorId,
      ...(distributorDisplayId !== undefined ? { distributorDisplayId } : {}),
      program,
      rateRow,
      units,
      paidUnits,
      rate: String(rate),
      amount: String(amount),
      explanation,
    } as ExplainedLine;
    return {
      source: f.source,
      reason: f.reason,
      partnerId: f.partnerId,
      partnerKey: f.partnerKey,
      distributorId: f.distributorId,
      program: f.program,
      rateRow: f.rateRow,
      units: f.units,
      unpaidUnits: f.unpaidUnits,
      missingUnits: f.missingUnits,
      courses: f.courses,
      amountAtStakeRub,
      fix: f.fix,
      line,
    };
  });
  const p: WorkbenchBody['p'] = {};
  for (const key of [...named].sort()) {
    const partner = reference.partners.get(key);
    if (partner) p[key] = [partner.displayId, partner.name, partner.region, partner.status];
  }
  return { p, w, i };
}

/** Partners drawn from a seeded xorshift: plans met, missed and unchosen, trainings or none, late acceptances, unregistered partners, held lines. */
function randomQuarter(seed: number, count: number) {
  let x = seed;
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const ids = Array.from({ length: count }, (_, n) => `R${String(n).padStart(4, '0')}`);
  const partners = new Map<string, Partner>();
  const trainings = new Map<string, Training[]>();
  const results = quarterResults(
    rules,
    ids.map((id, n) => {
      const partner = aPartner({
        id,
        displayId: next() < 0.5 ? id.toLowerCase() : id,
        name: `Partner ${n}`,
        status: next() < 0.3 ? 'Preferred' : 'Registered',
        region: pick(['Central', 'North-West', 'Siberia']),
      });
      const registered = next() >= 0.05;
      if (registered) partners.set(id, partner);
      const trained = pick([[], [Q1_COURSES.precision[0]], [...Q1_COURSES.precision]]).map((c) => aTraining(c, { partnerId: id }));
      if (trained.length) trainings.set(id, trained);
      const acceptance = pick<PartnerReference['acceptances']>([
        [],
        [anAcceptance('client', null, { partnerId: id })],
        [anAcceptance('client', 50, { partnerId: id })],
        [anAcceptance('client', 150, { partnerId: id })],
        [anAcceptance('client', null, { partnerId: id, acceptedAt: '2016-04-01T00:00:00+03:00' })],
      ]);
      return {
        id,
        ref: aReference({ partner: registered ? partner : null, acceptances: acceptance, trainings: trained }),
        tallies: [
          aTally('client', 'premium', Math.floor(next() * 200), { partnerId: id }),
          ...(next() < 0.6 ? [aTally('client', 'workstation', 1 + Math.floor(next() * 20), { partnerId: id, gate: 'precision' })] : []),
          ...(next() < 0.1 ? [aTally('client', 'mainstream', -1 - Math.floor(next() * 5), { partnerId: id, distributorId: 'D2' })] : []),
        ],
      };
    }),
  );
  const held: Partial<Record<HeldReason, HeldLines[]>> = {};
  for (let n = 0; n < count / 10; n++) {
    const reason = pick(HELD_REASONS);
    const partnerId = next() < 0.2 ? `RU${900 + n}` : pick(ids);
    const lines = Array.from({ length: 1 + Math.floor(next() * 3) }, () => Math.floor(next() * 5000));
    (held[reason] ??= []).push({
      reason,
      reportId: 'rpt_00000000000000000001',
      version: 'v1',
      distributorId: pick(['D1', 'D2']),
      partnerId,
      partnerWritten: partnerId.toLowerCase(),
      product: { sku: `SKU-${n}`, description: 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB' },
      units: lines.length,
      lines,
      message: `held: ${reason}`,
    });
  }
  const reference: WorkbenchReference = {
    partners,
    distributors: new Map<string, Distributor>([
      ['D1', { id: 'D1', displayId: 'd-1', name: 'Distributor One', segments: [] }],
      ['D2', { id: 'D2', displayId: 'D2', name: 'Distributor Two', segments: [] }],
    ]),
    catalog: new Map(),
    trainings,
  };
  return { results, held, reference };
}

describe('workbenchBodyInTurns on 600 random partners', () => {
  const { results, held, reference } = randomQuarter(0x9e3779b9, 600);
  const whole = JSON.stringify(onePass(results, held, reference));

  test('the fixture has candidates, held and payout items, and unregistered partners', () => {
    const parsed = JSON.parse(whole) as WorkbenchBody;
    expect(parsed.w.length).toBeGreaterThan(20);
    expect(parsed.i.filter((f) => f.source === 'held').length).toBeGreaterThan(20);
    expect(parsed.i.filter((f) => f.source === 'payout').length).toBeGreaterThan(100);
    expect(results.filter((r) => !reference.partners.has(r.partnerId)).length).toBeGreaterThan(5);
  });

  test.each([1, 3, 250, 599, 600, 1000])('%i partner(s) a turn: the JSON of the one-pass build', async (perTurn) => {
    let turns = 0;
    const sliced = await workbenchBodyInTurns(rules, results, held, reference, async () => void turns++, perTurn);
    expect(turns).toBe(Math.ceil(results.length / perTurn));
    expect(JSON.stringify(sliced)).toBe(whole);
    expect(JSON.stringify(workbenchBody(rules, results, held, reference))).toBe(whole);
  });

  test('stops at the turn that rejects: no slice after it', async () => {
    let turns = 0;
    const stop = new Error('stopped');
    const building = workbenchBodyInTurns(
      rules,
      results,
      held,
      reference,
      async () => {
        if (++turns === 2) throw stop;
      },
      250,
    );
    await expect(building).rejects.toBe(stop);
    expect(turns).toBe(2);
  });
});
