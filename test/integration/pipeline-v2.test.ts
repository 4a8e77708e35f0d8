/**
 * Pipeline v2 (issue #12) on the real emulators: reference changes release held lines at the next
 * quarter computation without reading any report again, computations of a quarter are coalesced,
 * and a reference API call answers before any computation runs.
 *
 * 2016-Q1 client program, no plan accepted: vostro-3xxx pays 154 RUB per unit at plan 50.
 */
import { describe, expect, it } from 'vitest';
import { putCatalog, putPartners } from '../../functions/api/reference.js';
import type { ApiRequest } from '../../functions/api/http.js';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { closeQuarter } from '../../shared/pipeline/quarters.js';
import type { ComputeRequest } from '../../shared/ports/index.js';
import { FaultInjector } from '../support/faults.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const CABLE = 'Кабель HDMI 2 м'; // unclassified until the catalog maps its SKU

const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });

const sale = salesOf(VOSTRO);

/** S3 GETs of raw reports (incoming/) from now on. */
function rawReads(): () => number {
  const before = faults.count('s3', 'GetObjectCommand', (i) => String(i.Key).startsWith('incoming/'));
  return () => faults.count('s3', 'GetObjectCommand', (i) => String(i.Key).startsWith('incoming/')) - before;
}

/** DynamoDB writes of the computation pointer from now on: one per completed computation. */
function computationsWritten(): () => number {
  const isPointer = (i: Record<string, unknown>) => (i.Item as { sk?: string } | undefined)?.sk === 'COMPUTATION';
  const before = faults.count('doc', 'PutCommand', isPointer);
  return () => faults.count('doc', 'PutCommand', isPointer) - before;
}

const apiRequest = (over: Partial<ApiRequest>): ApiRequest =>
  ({
    deps: env.rt.deps,
    principal: { sub: 'prog-1', role: 'program', regions: [], distributorId: null },
    method: 'PUT',
    path: '/',
    params: {},
    query: {},
    headers: { 'content-type': 'application/json' },
    body: null,
    ...over,
  }) as ApiRequest;

describe('reference changes release held lines without re-reading reports', () => {
  it('pays a partner registered after its report arrived at the next computation, with no raw report read', async () => {
    await env.importReference({ distributors: ['v2-reg'], partners: ['V2R1'] });
    const lines = [
      sale({ invoice: 'R-1', partnerId: 'V2R1', qty: 10 }),
      sale({ invoice: 'R-2', partnerId: 'V2R2', qty: 60 }),
      sale({ invoice: 'R-3', partnerId: 'v2r2 ', qty: 2 }),
    ];
    const key = await env.upload('v2-reg', 'late-partner.csv', renderReport(lines));
    const report = await env.report(key);
    expect(report.counts).toMatchObject({ read: 3, extracted: 3, rejected: 0 });
    expect(await env.payouts(Q1, 'V2R2')).toBeNull();
    const held = await env.held(key);
    expect(held.map((h) => [h.line, h.reason])).toEqual([
      [3, 'unknown-partner'],
      [4, 'unknown-partner'],
    ]);
    expect(held[0]!.message).toMatch(/V2R2.*not in the partner registry/);

    const reads = rawReads();
    await env.importReference({ partners: ['V2R2'], acceptances: [{ partnerId: 'V2R2', program: 'client' }] });
    expect(reads()).toBe(0);
    const paid = (await env.payouts(Q1, 'V2R2'))!;
    expect(paid.lines.map((l) => [l.rateRow, l.units])).toEqual([['vostro-3xxx', 62]]);
    expect(paid.total.toFixed(2)).toBe((62 * 154).toFixed(2));
    expect(await env.held(key)).toEqual([]);

    const { body } = (await latestComputation(env.rt.deps, Q1))!;
    expect(body.counts.extracted).toBe(body.counts.counted + body.counts.held);
    expect(body.causes.referenceChanges.map((c) => c.what)).toContainEqual(expect.stringMatching(/1 partner \(V2R2\), 1 acceptance/));
  });

  it('releases lines held for an unmapped product when the catalog maps its SKU, with no raw report read', async () => {
    await env.importReference({ distributors: ['v2-cat'], partners: ['V2C1'] });
    const key = await env.upload(
      'v2-cat',
      'cable.csv',
      renderReport([
        sale({ invoice: 'C-1', partnerId: 'V2C1', description: CABLE, sku: 'V2-HDMI-2M', qty: 5 }),
        sale({ invoice: 'C-2', partnerId: 'V2C1', qty: 1 }),
      ]),
    );
    expect((await env.held(key)).map((h) => [h.line, h.reason])).toEqual([[2, 'unclassified-product']]);
    expect((await env.payouts(Q1, 'V2C1'))!.lines.map((l) => [l.rateRow, l.units])).toEqual([['vostro-3xxx', 1]]);

    const reads = rawReads();
    await env.importReference({ catalog: [{ sku: 'v2-hdmi-2m', program: 'client', rateRow: 'vostro-3xxx' }] });
    expect(reads()).toBe(0);
    expect((await env.payouts(Q1, 'V2C1'))!.lines.map((l) => [l.rateRow, l.units])).toEqual([['vostro-3xxx', 6]]);
    expect(await env.held(key)).toEqual([]);
  });

  it('keeps a report from an unregistered distributor readable and counts it once the distributor is registered', async () => {
    await env.importReference({ partners: ['V2D1'] });
    const key = await env.upload('v2-newdist', 'first.csv', renderReport([sale({ invoice: 'D-1', partnerId: 'V2D1', qty: 3 })]));
    const report = await env.report(key);
    expect(report.status).toBe('processed');
    expect((await env.held(key)).map((h) => h.reason)).toEqual(['distributor-not-authorized']);
    expect(await env.payouts(Q1, 'V2D1')).toBeNull();

    const reads = rawReads();
    await env.importReference({ distributors: ['v2-newdist'] });
    expect(reads()).toBe(0);
    expect((await env.payouts(Q1, 'V2D1'))!.lines.map((l) => [l.distributorId, l.units])).toEqual([['v2-newdist', 3]]);
  });
});

describe('one computation at a time per quarter, coalesced', () => {
  it('runs two computations requested together once, and one that finds nothing changed writes nothing', async () => {
    await env.importReference({ distributors: ['v2-co'], partners: ['V2K1'] });
    await env.upload('v2-co', 'k.csv', renderReport([sale({ invoice: 'K-1', partnerId: 'V2K1', qty: 4 })]));

    // A reference write changes the inputs; then three requests arrive together.
    const written = computationsWritten();
    await env.rt.deps.reference.bumpRevision({ what: 'test: nothing that changes a payout', by: 'test', at: new Date().toISOString() });
    const payoutWrites = faults.count('doc', 'BatchWriteCommand');
    await env.rt.deps.compute.publish([
      { quarter: Q1, cause: 'first' },
      { quarter: Q1, cause: 'second' },
      { quarter: Q1, cause: 'third' },
    ]);
    await env.rt.idle();
    expect(written()).toBe(1);
    // Nothing a partner gets changed, so no payout item was written either.
    expect(faults.count('doc', 'BatchWriteCommand') - payoutWrites).toBe(0);

    const again = computationsWritten();
    await env.rt.deps.compute.publish([{ quarter: Q1, cause: 'nothing new' }]);
    await env.rt.idle();
    expect(again()).toBe(0);
  });
});

describe('reference edits through the API', () => {
  it('answers before any computation runs; the computation then pays the partner', async () => {
    await env.importReference({ distributors: ['v2-api'] });
    await env.upload('v2-api', 'api.csv', renderReport([sale({ invoice: 'A-1', partnerId: 'V2A1', qty: 7 })]));
    expect(await env.payouts(Q1, 'V2A1')).toBeNull();

    // Requests are held back until the API has answered, to prove it did not wait for them.
    const real = env.rt.deps.compute;
    const queued: ComputeRequest[] = [];
    env.rt.deps.compute = { publish: async (rs) => void queued.push(...rs) };
    const written = computationsWritten();
    let reply;
    try {
      reply = await putPartners(
        apiRequest({
          body: Buffer.from(JSON.stringify({ rows: [{ id: 'V2A1', name: 'API partner', status: 'Registered', region: 'Central' }] })),
        }),
      );
    } finally {
      env.rt.deps.compute = real;
    }
    expect(reply).toMatchObject({ status: 202, json: { written: 1, computationsRequested: expect.arrayContaining([Q1]) } });
    expect((reply as { json: { note: string } }).json.note).toMatch(/being recomputed/);
    expect(written()).toBe(0);
    expect(await env.payouts(Q1, 'V2A1')).toBeNull();
    expect(queued.map((q) => q.quarter)).toContain(Q1);

    await real.publish(queued);
    await env.rt.idle();
    expect((await env.payouts(Q1, 'V2A1'))!.lines.map((l) => l.units)).toEqual([7]);
  });

  it('refuses a catalog row naming no rate row, writing nothing and requesting nothing', async () => {
    const written = computationsWritten();
    await expect(
      putCatalog(apiRequest({ body: Buffer.from(JSON.stringify({ rows: [{ sku: 'X', program: 'client', rateRow: 'nope' }] })) })),
    ).rejects.toThrow(/rate row/);
    await env.rt.idle();
    expect(written()).toBe(0);
  });
});

// Last in the file: it closes 2016-Q1.
describe('points follow the timing ruling', () => {
  it('keeps points pending while the quarter is open, credits them in one entry per partner at close, and adjusts after', async () => {
    await env.importReference({
      distributors: ['v2-pts'],
      partners: ['V2P1'],
      acceptances: [{ partnerId: 'V2P1', program: 'client' }],
    });
    await env.upload('v2-pts', 'points.csv', renderReport([sale({ invoice: 'P-1', partnerId: 'V2P1', qty: 60 })]));
    const pending = (await env.rt.deps.payouts.get(Q1, 'V2P1'))!.points;
    const sum = pending.reduce((n, p) => n + p.points, 0);
    expect(sum).toBeGreaterThan(0);
    expect((await env.rt.deps.reference.partnerState('V2P1')).ledger).toEqual([]);

    await closeQuarter(env.rt.deps, Q1, 'fin-1', '2016-05-02T10:00:00+03:00');
    // The close credits nothing itself: the computation it requests does.
    expect((await env.rt.deps.reference.partnerState('V2P1')).ledger).toEqual([]);
    await env.rt.idle();
    let ledger = (await env.rt.deps.reference.partnerState('V2P1')).ledger;
    expect(ledger).toEqual([
      expect.objectContaining({ kind: 'earn', quarter: Q1, points: sum, breakdown: pending }),
    ]);

    // A corrected report after the close: the difference is booked, once.
    await env.upload('v2-pts', 'points.csv', renderReport([sale({ invoice: 'P-1', partnerId: 'V2P1', qty: 55 })]));
    const after = (await env.rt.deps.payouts.get(Q1, 'V2P1'))!.points.reduce((n, p) => n + p.points, 0);
    expect(after).toBeLessThan(sum);
    ledger = (await env.rt.deps.reference.partnerState('V2P1')).ledger;
    expect(ledger.map((e) => [e.kind, e.points])).toEqual([
      ['earn', sum],
      ['adjust', after - sum],
    ]);
    expect(ledger.reduce((n, e) => n + e.points, 0)).toBe(after);
  });
});
