/**
 * A service tag claimed twice in a quarter earns once (issue: duplicate-claim detection), on the
 * real emulators: within a report, across reports and distributors, after corrections, and when
 * two reports race; a claim that does not count is held by the quarter computation and shown on its
 * report. Then `verify` re-reads everything this file stored and proves it, or names every difference.
 */
import { describe, expect, it } from 'vitest';
import { Decimal } from 'decimal.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const Q1 = '2016-Q1';
const LATITUDE = 'Dell Latitude 5480 14" notebook'; // client/premium, 1155 RUB at plan 50
const PREMIUM = 1155;
const env = useLocalRuntime();

async function setUp(partners: string[], distributors: string[]) {
  await env.importReference({
    distributors,
    partners,
    acceptances: partners.map((partnerId) => ({ partnerId, program: 'client', plan: null })),
  });
}

/** `n` units of one Latitude each with its own tag `<prefix>0001…`, plus the given extra lines. */
function lines(partnerId: string, prefix: string, n: number, extra: Partial<SaleLine>[] = []): SaleLine[] {
  const base = { date: '2016-02-10', partnerId, description: LATITUDE, qty: 1 };
  return [
    ...Array.from({ length: n }, (_, i) => ({
      ...base,
      invoice: `${prefix}-${i}`,
      serviceTag: `${prefix}${String(i).padStart(4, '0')}`,
    })),
    ...extra.map((e, i) => ({ ...base, invoice: `${prefix}-X${i}`, ...e })),
  ];
}

const units = async (partnerId: string) =>
  ((await env.payouts(Q1, partnerId))?.lines ?? []).reduce((s, l) => s + l.paidUnits, 0);

describe('a service tag claimed twice in a quarter earns once', () => {
  it('rejects the later claim in one report with a pointer to the first line', async () => {
    await setUp(['DC101'], ['dc-a']);
    const key = await env.upload(
      'dc-a',
      'one.csv',
      renderReport(lines('DC101', 'DCA', 50, [{ serviceTag: 'dca0003' }])),
    );
    expect(await env.rejects(key)).toEqual([]);
    const held = await env.held(key);
    expect(held.map((r) => [r.line, r.reason])).toEqual([[52, 'duplicate-claim']]);
    expect(held[0]!.message).toMatch(/DCA0003.*line 5 of this report/);
    expect(await units('DC101')).toBe(50);
  });

  it('rejects a claim already made in another distributor’s report, naming that report and line', async () => {
    await setUp(['DC201', 'DC202'], ['dc-b', 'dc-c']);
    const first = await env.upload('dc-b', 'first.csv', renderReport(lines('DC201', 'DCB', 50)));
    const second = await env.upload(
      'dc-c',
      'second.csv',
      renderReport(lines('DC202', 'DCC', 50, [{ serviceTag: 'DCB0007' }, { serviceTag: 'DCB0008' }])),
    );
    const rejects = await env.held(second);
    expect(rejects.map((r) => r.reason)).toEqual(['duplicate-claim', 'duplicate-claim']);
    expect(rejects[0]!.message).toContain(reportIdOf(first));
    expect(rejects[0]!.message).toMatch(/distributor dc-b\), line 9/);
    expect(await units('DC201')).toBe(50);
    expect(await units('DC202')).toBe(50);
    expect((await env.payouts(Q1, 'DC202'))!.total.toFixed(2)).toBe((50 * PREMIUM).toFixed(2));
  });

  it('does not flag a report’s own tags when it is processed again', async () => {
    await setUp(['DC301'], ['dc-d']);
    const key = await env.upload('dc-d', 'again.csv', renderReport(lines('DC301', 'DCD', 55)));
    await env.upload('dc-d', 'again.csv', renderReport(lines('DC301', 'DCD', 55)));
    await env.importReference({ catalog: [{ sku: 'DC-NONE', program: 'client', rateRow: 'premium' }] });
    expect((await env.report(key)).counts).toMatchObject({ read: 55, extracted: 55, rejected: 0 });
    expect(await env.held(key)).toEqual([]);
    expect(await units('DC301')).toBe(55);
  });

  it('gives the units back to the later report when the earlier one is corrected without them', async () => {
    await setUp(['DC401', 'DC402'], ['dc-e', 'dc-f']);
    await env.upload('dc-e', 'early.csv', renderReport(lines('DC401', 'DCE', 60)));
    // The later report claims ten of the early report's tags: they earn nothing for DC402 yet.
    const stolen = Array.from({ length: 10 }, (_, i) => ({ serviceTag: `DCE${String(i).padStart(4, '0')}` }));
    const later = await env.upload('dc-f', 'later.csv', renderReport(lines('DC402', 'DCF', 50, stolen)));
    expect(await units('DC402')).toBe(50);

    // The early report is corrected: those ten units were not its sales after all.
    await env.upload('dc-e', 'early.csv', renderReport(lines('DC401', 'DCE', 60).slice(10)));
    expect(await units('DC401')).toBe(50);
    expect(await units('DC402')).toBe(60);
    expect((await env.report(later)).counts).toMatchObject({ extracted: 60, rejected: 0 });
    expect(await env.held(later)).toEqual([]);
    expect(env.rt.deadLetters()).toEqual([]);
  });

  it('counts a tag once when two reports that claim it are processed at the same time', async () => {
    await setUp(['DC501', 'DC502'], ['dc-g', 'dc-h']);
    const shared = [{ serviceTag: 'RACE001' }, { serviceTag: 'RACE002' }];
    const [a, b] = await env.uploadAll([
      { distributorId: 'dc-g', name: 'race-a.csv', content: renderReport(lines('DC501', 'DCG', 50, shared)) },
      { distributorId: 'dc-h', name: 'race-b.csv', content: renderReport(lines('DC502', 'DCH', 50, shared)) },
    ]);
    const claimed = (await units('DC501')) + (await units('DC502'));
    expect(claimed).toBe(102);
    const held = [...(await env.held(a!)), ...(await env.held(b!))];
    expect(held.map((r) => r.reason)).toEqual(['duplicate-claim', 'duplicate-claim']);
  });
});

describe('reference changes that alter line checks', () => {
  it('a partner registered after its lines were held earns at the next computation', async () => {
    await setUp([], ['dr-a']);
    const key = await env.upload('dr-a', 'early-sales.csv', renderReport(lines('DR101', 'DRA', 50)));
    expect((await env.report(key)).counts).toMatchObject({ extracted: 50, rejected: 0 });
    expect((await env.held(key)).filter((h) => h.reason === 'unknown-partner')).toHaveLength(50);

    const { result } = await env.importReference({
      partners: ['DR101'],
      acceptances: [{ partnerId: 'DR101', program: 'client', plan: null }],
    });
    expect(result.computationsRequested).toContain(Q1);
    expect(await env.held(key)).toEqual([]);
    expect(await units('DR101')).toBe(50);
  });

  it('takes a folder named in capitals as the lower-case distributor of the registry', async () => {
    await setUp(['DR201'], ['dr-caps']);
    const key = await env.upload('DR-CAPS', 'caps.csv', renderReport(lines('DR201', 'DRC', 50)));
    const report = await env.report(key);
    expect(report).toMatchObject({ status: 'processed', distributorId: 'dr-caps' });
    expect((await env.payouts(Q1, 'DR201'))!.lines.map((l) => l.distributorId)).toEqual(['dr-caps']);
  });
});

describe('verify recomputes the quarter from the raw reports', () => {
  it('proves the stored counts, tallies and payouts equal the recomputation', async () => {
    const result = await verifyQuarter(env.rt.deps, Q1);
    expect(result.differences).toEqual([]);
    expect(result.reportsChecked).toBeGreaterThanOrEqual(8);
    expect(result.recomputedTotal.toFixed(2)).toBe(result.storedTotal.toFixed(2));
    expect(result.recomputedTotal.greaterThan(0)).toBe(true);
  });

  it('lists every difference when a stored payout or the computation record was altered', async () => {
    await setUp(['DV101'], ['dv-a']);
    await env.upload('dv-a', 'verify.csv', renderReport(lines('DV101', 'DVA', 52)));
    const stored = (await env.rt.deps.payouts.get(Q1, 'DV101'))!;
    const line = stored.result.lines[0]!;
    await env.rt.deps.payouts.putMany(
      [
        {
          ...stored,
          result: { ...stored.result, lines: [{ ...line, amount: line.amount.plus(1) }], total: stored.result.total.plus(1) },
          hash: 'tampered',
        },
      ],
      new Date().toISOString(),
    );
    const pointer = (await env.rt.deps.computations.latest(Q1))!;
    await env.rt.deps.computations.put({ ...pointer, resultHash: 'f'.repeat(64) });

    const result = await verifyQuarter(env.rt.deps, Q1);
    expect(result.differences).toEqual([
      // Each difference also carries its code (`why`), from which verify words it in either language.
      expect.objectContaining({
        what: 'computation',
        subject: Q1,
        detail: expect.stringMatching(/recorded result hash is f{64}, recomputed [0-9a-f]{64}/),
        why: expect.objectContaining({ code: 'result-hash' }),
      }),
      expect.objectContaining({
        what: 'payout',
        subject: 'DV101',
        detail: expect.stringMatching(
          /stored 52 units, 52 paid × 1155.00 = 60061.00 RUB; recomputed 52 units, 52 paid × 1155.00 = 60060.00 RUB/,
        ),
        why: expect.objectContaining({ code: 'payout-line' }),
      }),
    ]);
    expect(result.storedTotal.minus(result.recomputedTotal).equals(new Decimal(1))).toBe(true);
  });
});
