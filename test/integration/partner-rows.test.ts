/**
 * The partners list's rows from the computation body (issue #15 point 5), on the real emulators:
 * an open quarter's rows are read from the summary its computation stored, with no payout item
 * and no registry read, and they are the rows the payout items give (the path kept for bodies
 * written before the summary).
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { quarterRows, type QuarterRows } from '../../functions/api/partner-rows.js';
import type { AppDeps } from '../../shared/wiring.js';
import { cachedComputationBody } from '../../shared/pipeline/body-cache.js';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { closeQuarter } from '../../shared/pipeline/quarters.js';
import { renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const LATITUDE = 'LATITUDE 3480 NB 14 HD I5-7200U 4GB 500GB';
const N = 8;
const id = (i: number) => `RU9302${String(i).padStart(2, '0')}`;

const env = useLocalRuntime();

beforeAll(async () => {
  await env.importReference({
    partners: Array.from({ length: N }, (_, k) => ({
      id: id(k + 1),
      name: `ООО «Бета ${k + 1}»`,
      region: k % 2 ? 'Central' : 'Volga',
      status: k % 3 ? 'Registered' : 'Preferred',
    })),
    distributors: ['beta-a', 'beta-b'],
    acceptances: Array.from({ length: N }, (_, k) => ({ partnerId: id(k + 1), program: 'client', plan: k % 4 ? null : 150 })),
  });
  const lines = (distributor: number) =>
    Array.from({ length: N }, (_, k) => ({
      date: '2016-02-10',
      invoice: `B-${distributor}-${k + 1}`,
      partnerId: id(k + 1),
      description: k % 2 ? VOSTRO : LATITUDE,
      qty: 7 * (k + 1) + distributor,
    }));
  await env.uploadAll([
    { distributorId: 'beta-a', name: 'feb.csv', content: renderReport(lines(0)) },
    // Half the partners at a second distributor, and one line for a partner not in the registry.
    {
      distributorId: 'beta-b',
      name: 'feb.csv',
      content: renderReport([...lines(3).slice(0, N / 2), { ...lines(3)[0]!, invoice: 'B-X', partnerId: 'RU930299' }]),
    },
  ]);
});

/** Rows as plain data, by partner, with the registry fields the list scopes them by. */
function plain({ status, rows, partners }: QuarterRows) {
  return {
    status,
    rows: rows
      .map((r) => ({
        ...r,
        amount: r.amount.toFixed(2),
        byProgram: Object.fromEntries([...r.byProgram].map(([k, v]) => [k, v.toFixed(2)]).sort()),
        byDistributor: Object.fromEntries([...r.byDistributor].map(([k, v]) => [k, v.toFixed(2)]).sort()),
        scopedBy: partners.get(r.key)?.region ?? null,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : 1)),
  };
}

describe('partner rows from the computation body', () => {
  it('reads no payout item and no registry, and gives the rows the payout items give', async () => {
    const deps = env.rt.deps as AppDeps;
    const refuse = (what: string) => () => Promise.reject(new Error(`${what} was read`));
    const noItems: AppDeps = {
      ...deps,
      payouts: Object.assign(Object.create(deps.payouts) as AppDeps['payouts'], { listQuarter: refuse('the payout items') }),
      reference: Object.assign(Object.create(deps.reference) as AppDeps['reference'], { listPartners: refuse('the registry') }),
    };
    const summarised = plain(await quarterRows(noItems, Q1));
    expect(summarised.rows.map((r) => r.key)).toEqual(Array.from({ length: N }, (_, k) => id(k + 1)));

    // The same body without its rows, as bodies written before them are: read from payout items.
    const latest = (await latestComputation(deps, Q1))!;
    expect(latest.body.rows).toHaveLength(N);
    const { rows: _rows, ...old } = latest.body;
    await deps.objects.put(latest.pointer.bodyKey, gzipSync(JSON.stringify(old)), 'application/gzip');
    // Another store object: the parsed bodies kept in memory (by store) are not this one's.
    const fresh = () => Object.create(deps.objects) as AppDeps['objects'];
    try {
      await expect(quarterRows({ ...noItems, objects: fresh() }, Q1)).rejects.toThrow(/was read/);
      const fromItems = plain(await quarterRows({ ...deps, objects: fresh() }, Q1));
      expect(summarised).toEqual(fromItems);
      // Figures that can go wrong: two distributors, a plan to reach, both regions.
      expect(fromItems.rows.some((r) => Object.keys(r.byDistributor).length === 2)).toBe(true);
      expect(fromItems.rows.some((r) => r.toPlan !== null)).toBe(true);
      expect(new Set(fromItems.rows.map((r) => r.scopedBy))).toEqual(new Set(['Central', 'Volga']));
    } finally {
      await deps.objects.put(latest.pointer.bodyKey, gzipSync(JSON.stringify(latest.body)), 'application/gzip');
    }
  });
});

describe('computation bodies kept in memory', () => {
  it('parses a body once per pointer and reads it again for another computation of the same result', async () => {
    const deps = env.rt.deps as AppDeps;
    const { pointer, body } = (await latestComputation(deps, Q1))!;
    const first = await cachedComputationBody(deps.objects, pointer);
    expect(first).toEqual(body);
    expect(await cachedComputationBody(deps.objects, pointer)).toBe(first);

    // The same result computed from other inputs rewrites the body under the same key.
    const rewritten = { ...body, inputsHash: 'f'.repeat(64), computedAt: '2016-03-01T09:00:00.000Z' };
    await deps.objects.put(pointer.bodyKey, gzipSync(JSON.stringify(rewritten)), 'application/gzip');
    try {
      expect(await cachedComputationBody(deps.objects, pointer)).toBe(first);
      const other = await cachedComputationBody(deps.objects, { ...pointer, inputsHash: rewritten.inputsHash });
      expect(other?.computedAt).toBe(rewritten.computedAt);
      // A body that is not there is not remembered as missing.
      const gone = { ...pointer, bodyKey: `${pointer.bodyKey}.missing` };
      expect(await cachedComputationBody(deps.objects, gone)).toBeNull();
      await deps.objects.put(gone.bodyKey, gzipSync(JSON.stringify(rewritten)), 'application/gzip');
      expect((await cachedComputationBody(deps.objects, gone))?.computedAt).toBe(rewritten.computedAt);
    } finally {
      await deps.objects.put(pointer.bodyKey, gzipSync(JSON.stringify(body)), 'application/gzip');
    }
  });
});

// Last in the file: it closes the quarter.
describe('a closed quarter', () => {
  it('lists the figures frozen at its close, not the summary of an open quarter', async () => {
    const deps = env.rt.deps as AppDeps;
    const open = plain(await quarterRows({ ...deps }, Q1));
    expect(open.status).toBe('open');
    await closeQuarter(deps, Q1, 'test-finance', '2016-04-05T10:00:00+03:00');
    const closed = plain(await quarterRows({ ...deps }, Q1));
    expect(closed.status).toBe('closed');
    expect(closed.rows).toEqual(open.rows);
  });
});
