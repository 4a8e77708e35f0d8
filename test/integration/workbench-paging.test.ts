/**
 * Paging, sort, filter and search of `GET /quarters/{q}/watchlist` and `GET /quarters/{q}/exceptions`
 * (issue #15 point 5) over the local API server, on the real emulators, with a partner manager's
 * territory, and a close request still counting every exception whatever the page.
 *
 * 2016-Q1 (it has ended, so the run-rate projection is the units): client plans 50 and 150. Six
 * partners near a plan, Central and Volga: four chose plan 50 and miss it by a few units, one has
 * not accepted the program, one chose 150 and lacks the workstation training. Three unknown
 * partners' lines are held, at two distributors.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api-client.js';
import { eachPage } from '../support/paging.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const PRECISION = 'Dell Precision T3620 MT workstation E3-1225v5 8GB 1TB'; // client/workstation, gated

const env = useLocalRuntime();
const { call } = useTestApi(env);
const sale = salesOf(VOSTRO);

type Who = 'finance' | 'program' | 'central' | 'volga';
interface PageJson {
  total: number;
  limit: number;
  offset: number;
  nextCursor: string | null;
}
interface WatchJson {
  partnerId: string;
  partnerName: string | null;
  region: string | null;
  program: string;
  units: number;
  missing: number;
  amountAtStakeRub: string;
  blockers: { code: string }[];
}
interface Watchlist {
  partners: WatchJson[];
  page: PageJson;
  programs: string[];
}
interface ItemJson {
  partnerId: string;
  partnerName: string | null;
  region: string | null;
  distributorId: string;
  reportId?: string;
  sku?: string;
  units: number;
  unpaidUnits?: number;
  amountAtStakeRub: string | null;
}
interface GroupJson {
  reason: string;
  source: string;
  count: number;
  units: number;
  amountAtStakeRub: string | null;
  items: ItemJson[];
  page: PageJson;
  more: number;
}

const PARTNERS = [
  { id: 'RU930101', name: 'ООО «Север Один»', region: 'Central' },
  { id: 'RU930102', name: 'ООО «Север Два»', region: 'Central' },
  { id: 'RU930103', name: 'ООО «Волга Три»', region: 'Volga' },
  { id: 'RU930104', name: 'ООО «Волга Четыре»', region: 'Volga' },
  { id: 'RU930105', name: 'ООО «Без Принятия»', region: 'Central' },
  { id: 'RU930106', name: 'ООО «Без Курса»', region: 'Volga' },
];
const regionOf = new Map(PARTNERS.map((p) => [p.id, p.region]));

async function get<T>(who: Who, path: string): Promise<T> {
  const res = await call(who, 'GET', `/api/quarters/${Q1}/${path}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as T;
}
const watch = (who: Who, query = '') => get<Watchlist>(who, `watchlist${query ? `?${query}` : ''}`);
const groupsOf = async (who: Who, query = '') =>
  (await get<{ groups: GroupJson[] }>(who, `exceptions${query ? `?${query}` : ''}`)).groups;

/** Follows `nextCursor` from the first page to the last; each page's items in turn. */
async function readAll<T>(first: string, read: (query: string) => Promise<{ items: T[]; page: PageJson }>) {
  const seen: T[] = [];
  for await (const { items, page } of eachPage((cursor) => read(cursor ? `${first}&cursor=${cursor}` : first), 50)) {
    expect(page.offset).toBe(seen.length);
    seen.push(...items);
  }
  return seen;
}

const ids = (rows: { partnerId: string }[]) => rows.map((r) => r.partnerId);
const sortedBy = <T>(rows: T[], key: (r: T) => number, order: 'asc' | 'desc') =>
  rows.every((r, k) => k === 0 || (order === 'asc' ? key(rows[k - 1]!) <= key(r) : key(rows[k - 1]!) >= key(r)));

beforeAll(async () => {
  await env.importReference({
    partners: PARTNERS,
    distributors: ['alfa', 'beta'],
    acceptances: [
      ...['RU930101', 'RU930102', 'RU930103', 'RU930104'].map((partnerId) => ({ partnerId, program: 'client', plan: 50 })),
      { partnerId: 'RU930106', program: 'client', plan: 150 },
    ],
  });
  await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'feb.csv',
      content: renderReport([
        sale({ invoice: 'A-1', partnerId: 'RU930101', qty: 41 }),
        sale({ invoice: 'A-2', partnerId: 'RU930102', qty: 45 }),
        sale({ invoice: 'A-3', partnerId: 'RU930103', qty: 48 }),
        sale({ invoice: 'A-4', partnerId: 'RU930104', qty: 43 }),
        sale({ invoice: 'A-5', partnerId: 'RU930105', qty: 46 }),
        sale({ invoice: 'A-6', partnerId: 'RU930106', qty: 130 }),
        sale({ invoice: 'A-7', partnerId: 'RU930106', description: PRECISION, sku: '3620-8741', qty: 2 }),
        sale({ invoice: 'A-8', partnerId: 'RU999901', qty: 3 }), // not in the registry
        sale({ invoice: 'A-9', partnerId: 'RU999902', qty: 4 }),
      ]),
    },
    {
      distributorId: 'beta',
      name: 'feb-beta.csv',
      content: renderReport([sale({ invoice: 'B-1', partnerId: 'RU999903', qty: 5 })]),
    },
  ]);
}, 120_000);

describe('GET /quarters/{q}/watchlist in pages', () => {
  it('without limit answers the whole list, most RUB at stake first, with its page block', async () => {
    const all = await watch('finance');
    expect(ids(all.partners).sort()).toEqual(PARTNERS.map((p) => p.id));
    expect(all.page).toEqual({ total: 6, limit: 6, offset: 0, nextCursor: null });
    expect(sortedBy(all.partners, (p) => Number(p.amountAtStakeRub), 'desc')).toBe(true);
    expect(all.programs).toEqual(['client']);
  });

  it('pages through every partner once by cursor, in the order of the whole list', async () => {
    const whole = ids((await watch('finance')).partners);
    const seen = await readAll('limit=4', async (query) => {
      const w = await watch('finance', query);
      expect(w.page.total).toBe(6);
      expect(w.partners.length).toBeLessThanOrEqual(4);
      return { items: w.partners, page: w.page };
    });
    expect(ids(seen)).toEqual(whole);
  });

  it('sorts by units missing, units, partner ID and name', async () => {
    const missing = (await watch('finance', 'sort=missing')).partners;
    expect(sortedBy(missing, (p) => p.missing, 'asc')).toBe(true);
    expect(missing[0]!.partnerId).toBe('RU930103'); // 2 short of 50
    const units = (await watch('finance', 'sort=units&order=asc&limit=3')).partners;
    expect(ids(units)).toEqual(['RU930101', 'RU930104', 'RU930102']);
    expect(ids((await watch('finance', 'sort=partnerId&order=desc&limit=2')).partners)).toEqual(['RU930106', 'RU930105']);
    const byName = (await watch('finance', 'sort=name')).partners.map((p) => p.partnerName!);
    expect(byName).toEqual([...byName].sort());
  });

  it('filters by program and by blocker kind, counting the matches', async () => {
    expect((await watch('finance', 'program=client')).page.total).toBe(6);
    expect(await watch('finance', 'program=enterprise&limit=10')).toMatchObject({ partners: [], page: { total: 0 } });
    const training = await watch('finance', 'blocker=training');
    expect(ids(training.partners)).toEqual(['RU930106']);
    expect(training.partners[0]!.blockers.map((b) => b.code)).toContain('training-missing');
    expect(ids((await watch('finance', 'blocker=acceptance')).partners)).toEqual(['RU930105']);
    const none = await watch('finance', 'blocker=none&sort=partnerId');
    expect(ids(none.partners)).toEqual(['RU930101', 'RU930102', 'RU930103', 'RU930104']);
    const bad = await call('finance', 'GET', `/api/quarters/${Q1}/watchlist?blocker=weather`);
    expect(bad.status).toBe(400);
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/watchlist?sort=colour`)).status).toBe(400);
  });

  it('searches partner names and IDs, as written the ways distributors write them', async () => {
    expect(ids((await watch('finance', `q=${encodeURIComponent('север')}&sort=partnerId`)).partners)).toEqual([
      'RU930101',
      'RU930102',
    ]);
    expect(ids((await watch('finance', `q=${encodeURIComponent('id ru930 103')}`)).partners)).toEqual(['RU930103']);
    expect(ids((await watch('finance', `q=${encodeURIComponent('№RU930104')}`)).partners)).toEqual(['RU930104']);
    expect((await watch('finance', 'q=RU7777')).page.total).toBe(0);
  });

  it('pages a partner manager’s territory only', async () => {
    const central = await watch('central', 'limit=2&sort=partnerId');
    expect(central.page).toMatchObject({ total: 3, limit: 2, offset: 0 });
    expect(ids(central.partners)).toEqual(['RU930101', 'RU930102']);
    const next = await watch('central', `limit=2&sort=partnerId&cursor=${central.page.nextCursor}`);
    expect(ids(next.partners)).toEqual(['RU930105']);
    expect(next.page.nextCursor).toBeNull();
    // A partner of another territory is not found by searching for it.
    expect((await watch('central', 'q=RU930103')).page.total).toBe(0);
    for (const p of (await watch('volga')).partners) expect(regionOf.get(p.partnerId)).toBe('Volga');
  });
});

describe('GET /quarters/{q}/exceptions in pages', () => {
  it('without reason answers every group with its first page and its whole totals', async () => {
    const whole = await groupsOf('finance');
    expect(whole.map((g) => g.reason)).toEqual(
      expect.arrayContaining(['unknown-partner', 'program-not-accepted', 'plan-not-met']),
    );
    for (const g of whole) expect(g.page).toEqual({ total: g.count, limit: 50, offset: 0, nextCursor: null });

    const firsts = await groupsOf('finance', 'limit=1');
    expect(firsts.map(({ reason, count, units, amountAtStakeRub }) => ({ reason, count, units, amountAtStakeRub }))).toEqual(
      whole.map(({ reason, count, units, amountAtStakeRub }) => ({ reason, count, units, amountAtStakeRub })),
    );
    for (const g of firsts) {
      expect(g.items).toHaveLength(1);
      expect(g.page.total).toBe(g.count);
      expect(g.more).toBe(g.count - 1);
      expect(g.page.nextCursor === null).toBe(g.count === 1);
    }
  });

  it('pages one group by cursor: every item once, the group’s figures unchanged', async () => {
    const [whole] = await groupsOf('finance', 'reason=plan-not-met&limit=500');
    expect(whole!.count).toBeGreaterThanOrEqual(5);
    const seen = await readAll('reason=plan-not-met&limit=2', async (query) => {
      const groups = await groupsOf('finance', query);
      expect(groups.map((g) => g.reason)).toEqual(['plan-not-met']);
      const g = groups[0]!;
      expect({ count: g.count, units: g.units, amountAtStakeRub: g.amountAtStakeRub }).toEqual({
        count: whole!.count,
        units: whole!.units,
        amountAtStakeRub: whole!.amountAtStakeRub,
      });
      return { items: g.items, page: g.page };
    });
    expect(seen).toEqual(whole!.items);
    const atStake = seen.reduce((sum, i) => sum.plus(i.amountAtStakeRub ?? 0), new Decimal(0));
    expect(atStake.toFixed(2)).toBe(whole!.amountAtStakeRub);
    // A group nobody has is an empty answer, not an error.
    expect(await groupsOf('finance', 'reason=duplicate-claim')).toEqual([]);
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/exceptions?reason=bad-weather`)).status).toBe(400);
  });

  it('sorts a group’s items by units, partner ID and name', async () => {
    const units = (await groupsOf('finance', 'reason=plan-not-met&sort=units&order=asc'))[0]!.items;
    expect(sortedBy(units, (i) => i.unpaidUnits ?? i.units, 'asc')).toBe(true);
    // The 2 workstations of the partner that chose plan 150: the fewest units of the group.
    expect(units[0]).toMatchObject({ partnerId: 'RU930106', unpaidUnits: 2 });
    const byId = (await groupsOf('finance', 'reason=plan-not-met&sort=partnerId&order=desc'))[0]!.items;
    expect(ids(byId)).toEqual([...ids(byId)].sort().reverse());
    const byName = (await groupsOf('finance', 'reason=plan-not-met&sort=name'))[0]!.items.map((i) => i.partnerName!);
    expect(byName).toEqual([...byName].sort());
  });

  it('searches items by partner, product, report and distributor', async () => {
    const held = (q: string) => groupsOf('finance', `reason=unknown-partner&q=${encodeURIComponent(q)}`);
    const [beta] = await held('BETA');
    expect(ids(beta!.items)).toEqual(['RU999903']);
    expect(beta!.count).toBe(3); // the group's own count, whatever the search
    expect(beta!.page.total).toBe(1);
    const report = beta!.items[0]!.reportId!;
    expect(ids((await held(report))[0]!.items)).toEqual(['RU999903']);
    expect(ids((await held('№ RU999902'))[0]!.items)).toEqual(['RU999902']);
    expect((await held('vostro 3568'))[0]!.page.total).toBe(3);
    const [named] = await groupsOf('finance', `reason=plan-not-met&q=${encodeURIComponent('волга')}`);
    expect(ids(named!.items).sort()).toEqual(['RU930103', 'RU930104']);
    // Without a reason the search applies to every group's items; the groups stay.
    const searched = await groupsOf('finance', 'q=RU930105');
    expect(searched.find((g) => g.reason === 'program-not-accepted')!.page.total).toBe(1);
    expect(searched.find((g) => g.reason === 'plan-not-met')!.page.total).toBe(0);
  });

  it('pages a partner manager’s territory only', async () => {
    const groups = await groupsOf('volga', 'limit=1');
    expect(groups.map((g) => g.reason)).not.toContain('unknown-partner');
    const plan = groups.find((g) => g.reason === 'plan-not-met')!;
    const all = await readAll('reason=plan-not-met&limit=1', async (query) => {
      const g = (await groupsOf('volga', query))[0]!;
      return { items: g.items, page: g.page };
    });
    expect(all).toHaveLength(plan.count);
    for (const i of all) expect(regionOf.get(i.partnerId)).toBe('Volga');
    const [hidden] = await groupsOf('volga', 'reason=plan-not-met&q=RU930101');
    expect(hidden!.page.total).toBe(0);
  });

  it('a close request counts every item of every group, not a page of them', async () => {
    const whole = await groupsOf('finance', 'limit=1');
    const asked = await call('finance', 'POST', `/api/quarters/${Q1}/close`);
    expect(asked.status).toBe(202);
    const approval = asked.body.approval as { openExceptions: number; exceptionGroups: { reason: string; count: number; units: number }[] };
    expect(approval.exceptionGroups.map(({ reason, count, units }) => ({ reason, count, units }))).toEqual(
      whole.map(({ reason, count, units }) => ({ reason, count, units })),
    );
    expect(approval.openExceptions).toBe(whole.reduce((n, g) => n + g.count, 0));
    expect(approval.openExceptions).toBeGreaterThan(whole.length);
  });
});
