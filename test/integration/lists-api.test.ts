/**
 * Lists that scale and the what-if inputs (issue #15), through the HTTP API on the real emulators:
 * paging, sort, filters and search of GET /quarters/{q}/partners, /reports and /payouts; the list
 * after a reference change; preview with other plan thresholds and extra units.
 *
 * Twelve partners, Central and Volga alternating; partner i buys 5·i Vostro units at one distributor,
 * so some meet plan 50 of the client program and the others miss it by different amounts.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api-client.js';
import { eachPage } from '../support/paging.js';
import { renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const N = 12;
const id = (i: number) => `RU9101${String(i).padStart(2, '0')}`;
const regionOf = (i: number) => (i % 2 ? 'Central' : 'Volga');

const env = useLocalRuntime();
const api = useTestApi(env);

interface Row {
  partnerId: string;
  name: string;
  region: string;
  amount: string;
  units: number;
  unitsToPlan: { program: string; plan: number; units: number } | null;
}
interface Listing {
  partners: Row[];
  page: { total: number; limit: number; offset: number; nextCursor: string | null };
  totals: { amount: string; partners: number };
  matchedAmount: string;
}

const list = async (who: 'finance' | 'central', query: string): Promise<Listing> => {
  const res = await api.call(who, 'GET', `/api/quarters/${Q1}/partners?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Listing;
};

/** Amount per partner as the payouts route gives it (the lines finance sees). */
async function amountsByPartner(): Promise<Map<string, Decimal>> {
  const { lines } = (await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body as {
    lines: { partnerId: string; amount: string }[];
  };
  const out = new Map<string, Decimal>();
  for (const l of lines) out.set(l.partnerId, (out.get(l.partnerId) ?? new Decimal(0)).plus(l.amount));
  return out;
}

let vostroRate50: Decimal;

beforeAll(async () => {
  await env.importReference({
    partners: Array.from({ length: N }, (_, k) => ({
      id: id(k + 1),
      name: `ООО «Альфа ${k + 1}»`,
      region: regionOf(k + 1),
    })),
    distributors: ['alfa'],
    acceptances: Array.from({ length: N }, (_, k) => ({ partnerId: id(k + 1), program: 'client' })),
  });
  await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'feb.csv',
      content: renderReport(
        Array.from({ length: N }, (_, k) => ({
          date: '2016-02-10',
          invoice: `A-${k + 1}`,
          partnerId: id(k + 1),
          description: VOSTRO,
          qty: 5 * (k + 1),
        })),
      ),
    },
    {
      distributorId: 'alfa',
      name: 'mar.csv',
      content: renderReport([{ date: '2016-03-10', invoice: 'A-99', partnerId: id(1), description: VOSTRO, qty: 1 }]),
    },
    // No partner column: the whole file fails on its header.
    { distributorId: 'alfa', name: 'broken.csv', content: 'invoice_date,invoice_number\n2016-02-10,X-1\n' },
  ]);
  const rules = (await api.call('finance', 'GET', `/api/quarters/${Q1}/rules`)).body as {
    programs: { id: string; rateRows: { id: string; rates: Record<string, string> }[] }[];
  };
  vostroRate50 = new Decimal(
    rules.programs.find((p) => p.id === 'client')!.rateRows.find((r) => r.id === 'vostro-3xxx')!.rates['50']!,
  );
}, 120_000);

describe('GET /quarters/{q}/partners', () => {
  it('pages through every partner once by cursor, with the count and the whole quarter’s totals', async () => {
    const seen: string[] = [];
    for await (const page of eachPage((cursor) => list('finance', `limit=5${cursor ? `&cursor=${cursor}` : ''}`), 10)) {
      expect(page.page.total).toBe(N);
      expect(page.partners.length).toBeLessThanOrEqual(5);
      seen.push(...page.partners.map((p) => p.partnerId));
    }
    expect(seen).toEqual(Array.from({ length: N }, (_, k) => id(k + 1)));
    const amounts = await amountsByPartner();
    const all = [...amounts.values()].reduce((a, b) => a.plus(b), new Decimal(0));
    expect((await list('finance', 'limit=1')).totals).toMatchObject({ amount: all.toFixed(2), partners: N });
  });

  it('sorts by amount and by units to plan, matching the partner pages', async () => {
    const amounts = await amountsByPartner();
    const byTotal = (await list('finance', 'sort=total&limit=500')).partners;
    expect(byTotal.map((p) => p.amount)).toEqual(byTotal.map((p) => amounts.get(p.partnerId)!.toFixed(2)));
    for (let k = 1; k < byTotal.length; k++)
      expect(new Decimal(byTotal[k - 1]!.amount).gte(byTotal[k]!.amount)).toBe(true);

    const near = (await list('finance', 'sort=unitsToPlan&limit=500')).partners;
    const missing = near.map((p) => p.unitsToPlan?.units ?? Infinity);
    expect(missing).toEqual([...missing].sort((a, b) => a - b));
    expect(near[0]!.unitsToPlan!.units).toBeGreaterThan(0);
    for (const p of near.slice(0, 4)) {
      const detail = (await api.call('finance', 'GET', `/api/quarters/${Q1}/partners/${p.partnerId}`)).body as {
        progress: { program: string; unitsToNext: number | null; nextThreshold: number | null }[];
      };
      const client = detail.progress.find((x) => x.program === 'client')!;
      expect(p.unitsToPlan).toEqual({ program: 'client', plan: client.nextThreshold, units: client.unitsToNext });
    }
  });

  it('searches by name or ID and filters by region; a manager sees the territory only', async () => {
    const byName = await list('finance', `q=${encodeURIComponent('альфа 1')}`);
    expect(byName.partners.map((p) => p.name).sort()).toEqual(
      ['ООО «Альфа 1»', 'ООО «Альфа 10»', 'ООО «Альфа 11»', 'ООО «Альфа 12»'].sort(),
    );
    expect((await list('finance', `q=${id(5).toLowerCase()}`)).partners.map((p) => p.partnerId)).toEqual([id(5)]);
    const volga = await list('finance', 'region=Volga&limit=500');
    expect(volga.page.total).toBe(N / 2);
    expect(new Set(volga.partners.map((p) => p.region))).toEqual(new Set(['Volga']));

    const manager = await list('central', 'limit=500');
    expect(new Set(manager.partners.map((p) => p.region))).toEqual(new Set(['Central']));
    const amounts = await amountsByPartner();
    const central = [...amounts].filter(([pid]) => manager.partners.some((p) => p.partnerId === pid));
    expect(manager.totals.amount).toBe(central.reduce((s, [, a]) => s.plus(a), new Decimal(0)).toFixed(2));
    expect((await api.call('central', 'GET', `/api/quarters/${Q1}/partners?region=Volga`)).status).toBe(403);
  });

  it('refuses paging it cannot do, in plain words', async () => {
    for (const q of ['limit=0', 'limit=501', 'sort=colour', 'cursor=bm90LWEtY3Vyc29y', 'offset=-1']) {
      const res = await api.call('finance', 'GET', `/api/quarters/${Q1}/partners?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.message, q).toMatch(/not valid|cursor/);
    }
  });

  it('shows a reference change once its computation has run (the rows are not served stale)', async () => {
    expect((await list('finance', `q=${id(3)}`)).partners[0]!.name).toBe('ООО «Альфа 3»');
    await env.importReference({ partners: [{ id: id(3), name: 'ООО «Гамма»', region: 'Central' }] });
    expect((await list('finance', `q=${id(3)}`)).partners[0]!.name).toBe('ООО «Гамма»');
  });
});

describe('paging of /payouts and /reports', () => {
  it('/payouts sends every line without limit (as scripts read it), and a page with it', async () => {
    const all = (await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body;
    expect(all.lines.length).toBe(all.page.total);
    const page = (await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts?limit=3`)).body;
    expect(page.lines).toEqual(all.lines.slice(0, 3));
    expect(page.total).toBe(all.total); // the money total is of every matching line
  });

  it('/reports pages newest first, filters by status and searches by file name', async () => {
    const all = (await api.call('finance', 'GET', '/api/reports')).body.reports as { name: string; status: string }[];
    expect(all).toHaveLength(3);
    const first = (await api.call('finance', 'GET', '/api/reports?limit=2&order=desc')).body;
    expect(first.reports).toHaveLength(2);
    expect(first.page).toMatchObject({ total: 3, limit: 2 });
    const rest = (await api.call('finance', 'GET', `/api/reports?limit=2&order=desc&cursor=${first.page.nextCursor}`)).body;
    expect([...first.reports, ...rest.reports].map((r: { name: string }) => r.name).sort()).toEqual(
      all.map((r) => r.name).sort(),
    );
    const failed = (await api.call('finance', 'GET', '/api/reports?status=failed')).body.reports;
    expect(failed.map((r: { name: string; error: { code: string } }) => [r.name, r.error.code])).toEqual([
      ['broken.csv', 'header-missing-fields'],
    ]);
    expect((await api.call('alfa', 'GET', '/api/reports?q=MAR')).body.reports.map((r: { name: string }) => r.name)).toEqual([
      'mar.csv',
    ]);
  });
});

describe('preview with plan thresholds and extra units', () => {
  const preview = (body: unknown) => api.call('program', 'POST', `/api/quarters/${Q1}/preview`, body);

  it("extra units for a partner just short of plan 50 pay that partner, and nobody else's payout moves", async () => {
    const short = (await list('finance', 'sort=unitsToPlan&limit=1')).partners[0]!;
    const missing = short.unitsToPlan!.units;
    const res = await preview({
      units: [{ partnerId: short.partnerId, program: 'client', rateRow: 'vostro-3xxx', units: missing }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.changes).toEqual([
      {
        partnerId: short.partnerId,
        before: '0.00',
        after: vostroRate50.times(short.units + missing).toFixed(2),
        delta: vostroRate50.times(short.units + missing).toFixed(2),
      },
    ]);
  });

  it('a lower plan threshold pays the partners between the new and the old one', async () => {
    const before = (await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body.total;
    const res = await preview({ plans: { 'client/50': 40 } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rows = (await list('finance', 'limit=500')).partners;
    const between = rows.filter((p) => p.units >= 40 && p.units < 50);
    expect(between.length).toBeGreaterThan(0);
    expect(res.body.changes).toEqual(
      between.map((p) => ({
        partnerId: p.partnerId,
        before: '0.00',
        after: vostroRate50.times(p.units).toFixed(2),
        delta: vostroRate50.times(p.units).toFixed(2),
      })),
    );
    // Nothing was stored.
    expect((await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body.total).toBe(before);
  });

  it('refuses a threshold or rate row the quarter does not have', async () => {
    const res = await preview({
      plans: { 'client/77': 10 },
      units: [{ partnerId: id(1), program: 'client', rateRow: 'no-such-row', units: 1 }],
    });
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'input-invalid' } } });
    expect((await preview({ plans: { 'client/50': 200 } })).status).toBe(400); // above plan 150
  });
});
