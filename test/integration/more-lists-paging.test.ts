/**
 * The rest of the lists in pages (issue #15 point 5), through the HTTP API on the real emulators:
 * sort of /payouts, /quarters, the product queue of /exceptions, /rewards, the accrual rows, the
 * payments' partner and distributor filters, the approvals' kind filter and sorts, and the audit
 * trail's search, kind filter and oldest-first order. Each list is read whole and page by page, and
 * the pages must add up to it; a manager sees only the territory.
 *
 * Six partners, Central and Volga alternating, buy at two distributors: notebooks (client program)
 * at alfa, monitors at kvant, and products nobody mapped (held as unclassified) at both.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi, type Caller } from '../support/api-client.js';
import { allPages, withCursor } from '../support/paging.js';
import { renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const MONITOR = 'Dell P2417H 23.8" monitor'; // monitors/24-25
const N = 6;
const id = (i: number) => `RU9301${String(i).padStart(2, '0')}`;
const regionOf = (i: number) => (i % 2 ? 'Central' : 'Volga');
const CENTRAL = Array.from({ length: N }, (_, k) => k + 1)
  .filter((i) => regionOf(i) === 'Central')
  .map(id);
const GADGETS = ['Гаджет Альфа', 'Гаджет Бета', 'Гаджет Гамма', 'Гаджет Дельта', 'Гаджет Эпсилон'];
const CLOSE_REQUESTS = 4;

const env = useLocalRuntime();
const api = useTestApi(env);

interface Page {
  total: number | null;
  limit: number;
  offset: number;
  nextCursor: string | null;
}

async function get(who: Caller, path: string) {
  const res = await api.call(who, 'GET', path);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

/** Every page of `path` (which has a `limit`), following `nextCursor`; items under `list`. */
async function listAll<T>(who: Caller, path: string, list: string): Promise<{ items: T[]; pages: Page[] }> {
  const bodies = await allPages(
    (cursor): Promise<Record<string, unknown> & { page: Page }> => get(who, withCursor(path, cursor)),
  );
  return { items: bodies.flatMap((b) => b[list] as T[]), pages: bodies.map((b) => b.page) };
}

const sortedCopy = <T>(xs: T[], cmp: (a: T, b: T) => number) => [...xs].sort(cmp);

beforeAll(async () => {
  await env.importReference({
    partners: Array.from({ length: N }, (_, k) => ({
      id: id(k + 1),
      name: `ООО «Ромашка ${k + 1}»`,
      region: regionOf(k + 1),
    })),
    distributors: [
      { id: 'alfa', name: 'Альфа Дистрибуция' },
      { id: 'kvant', name: 'Квант' },
    ],
    acceptances: Array.from({ length: N }, (_, k) => [
      { partnerId: id(k + 1), program: 'client' },
      { partnerId: id(k + 1), program: 'monitors' },
    ]).flat(),
  });
  const line = (invoice: string, partnerId: string, description: string, qty: number, sku?: string) => ({
    date: '2016-02-10',
    invoice,
    partnerId,
    description,
    qty,
    ...(sku ? { sku } : {}),
  });
  await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'feb.csv',
      content: renderReport([
        ...Array.from({ length: N }, (_, k) => line(`A-${k}`, id(k + 1), VOSTRO, 7 * (k + 1))),
        // Gadget i: held for i + 1 lines, so the product queue has a count order to check.
        ...GADGETS.flatMap((g, i) =>
          Array.from({ length: i + 1 }, (_, j) => line(`G-${i}-${j}`, id(1 + (j % N)), g, 1, `GAD-${i}`)),
        ),
      ]),
    },
    {
      distributorId: 'kvant',
      name: 'feb.csv',
      content: renderReport([
        ...Array.from({ length: N }, (_, k) => line(`K-${k}`, id(k + 1), MONITOR, 3 * (N - k))),
        line('KG-1', id(2), GADGETS[0]!, 1, 'GAD-0'),
      ]),
    },
  ]);
  for (let i = 0; i < CLOSE_REQUESTS; i++)
    expect((await api.call(i % 2 ? 'finance2' : 'finance', 'POST', `/api/quarters/${Q1}/close`)).status).toBe(
      202,
    );
  // The second request is rejected: one approval decided, the others still waiting.
  const waiting = (await get('finance', '/api/approvals?order=asc&limit=500')).approvals as { id: string }[];
  expect(
    (await api.call('finance', 'POST', `/api/approvals/${waiting[1]!.id}/reject`, { comment: 'не сейчас' }))
      .status,
  ).toBe(200);
  // Trail entries about partners of both regions.
  for (const k of [1, 2, 3, 4])
    expect(
      (
        await api.call('program', 'PUT', '/api/reference/trainings', {
          rows: [
            { partnerId: id(k), courseCode: 'NO-SUCH-COURSE', completedAt: '2016-02-01T10:00:00+03:00' },
          ],
        })
      ).status,
    ).toBe(202);
  await env.rt.idle();
}, 180_000);

describe('GET /quarters/{q}/payouts sorted', () => {
  interface Line {
    partnerId: string;
    distributorId: string;
    units: number;
    amount: string;
  }
  it('keeps the stored order without sort, and sorts, pages and scopes with it', async () => {
    const stored = (await get('finance', `/api/quarters/${Q1}/payouts`)).lines as Line[];
    expect(stored.length).toBe(2 * N);
    const byAmount = (await get('finance', `/api/quarters/${Q1}/payouts?sort=amount`)).lines as Line[];
    // Whole lines: equal amounts keep the stored order.
    expect(byAmount).toEqual(sortedCopy(stored, (a, b) => new Decimal(b.amount).comparedTo(a.amount)));
    expect(new Set(byAmount.map((l) => l.amount)).size).toBeLessThan(byAmount.length);
    const byUnitsAsc = (await get('finance', `/api/quarters/${Q1}/payouts?sort=units&order=asc`))
      .lines as Line[];
    expect(byUnitsAsc).toEqual(sortedCopy(stored, (a, b) => a.units - b.units));
    const byDistributor = (await get('finance', `/api/quarters/${Q1}/payouts?sort=distributor&order=desc`))
      .lines as Line[];
    expect(byDistributor.slice(0, N).every((l) => l.distributorId === 'kvant')).toBe(true);

    // Pages of a sorted list add up to the whole sorted list.
    const paged = await listAll<Line>('finance', `/api/quarters/${Q1}/payouts?sort=amount&limit=5`, 'lines');
    expect(paged.pages.map((p) => p.offset)).toEqual([0, 5, 10]);
    expect(paged.items).toEqual(byAmount);

    const central = (await get('central', `/api/quarters/${Q1}/payouts?sort=amount`)).lines as Line[];
    expect(new Set(central.map((l) => l.partnerId))).toEqual(new Set(CENTRAL));
    expect(central).toEqual(byAmount.filter((l) => CENTRAL.includes(l.partnerId)));
    expect((await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts?sort=colour`)).status).toBe(400);
  });
});

describe('GET /quarters', () => {
  it('answers every quarter without limit, and pages, filters and searches with it', async () => {
    const all = (await get('program', '/api/quarters')).quarters as { quarter: string; status: string }[];
    expect(all.map((q) => q.quarter)).toEqual(['2016-Q1', '2016-Q2', '2016-Q3', '2016-Q4']);
    const newest = await listAll<{ quarter: string }>(
      'program',
      '/api/quarters?order=desc&limit=3',
      'quarters',
    );
    expect(newest.items.map((q) => q.quarter)).toEqual(all.map((q) => q.quarter).reverse());
    expect(newest.pages.map((p) => p.total)).toEqual([4, 4]);
    expect(
      (await get('central', '/api/quarters?q=q3')).quarters.map((q: { quarter: string }) => q.quarter),
    ).toEqual(['2016-Q3']);
    expect((await get('finance', '/api/quarters?status=closed')).page.total).toBe(0);
    expect((await get('finance', '/api/quarters?status=open')).page.total).toBe(4);
    expect((await api.call('alfa', 'GET', '/api/quarters')).status).toBe(403);
  });
});

describe('GET /exceptions, the product queue', () => {
  interface Product {
    sku: string;
    description: string;
    count: number;
    distributors: string[];
  }
  it('pages the queue most lines first, and sorts, filters and searches it', async () => {
    const queue = (await get('finance', `/api/exceptions?quarter=${Q1}`)).exceptions as Product[];
    const gadgets = queue.filter((x) => x.sku.startsWith('GAD-'));
    expect(gadgets.map((x) => x.count)).toEqual([5, 4, 3, 2, 2]);
    const paged = await listAll<Product>('central', `/api/exceptions?quarter=${Q1}&limit=2`, 'exceptions');
    expect(paged.items).toEqual(queue);
    expect(paged.pages[0]!.total).toBe(queue.length);

    const bySku = (await get('program', `/api/exceptions?quarter=${Q1}&sort=sku&q=gad`))
      .exceptions as Product[];
    expect(bySku.map((x) => x.sku)).toEqual(['GAD-0', 'GAD-1', 'GAD-2', 'GAD-3', 'GAD-4']);
    const found = (
      await get('finance', `/api/exceptions?quarter=${Q1}&q=${encodeURIComponent('гаджет гамма')}`)
    ).exceptions as Product[];
    expect(found.map((x) => x.sku)).toEqual(['GAD-2']);
    const atKvant = (await get('finance', `/api/exceptions?quarter=${Q1}&distributor=KVANT`))
      .exceptions as Product[];
    expect(atKvant.map((x) => x.sku)).toEqual(['GAD-0']);
    expect(atKvant[0]!.distributors).toEqual(['alfa', 'kvant']);
    expect(
      (await get('finance', `/api/exceptions?quarter=${Q1}&code=unrated-product&q=gad`)).page.total,
    ).toBe(0);
    expect((await api.call('finance', 'GET', '/api/exceptions?sort=price')).status).toBe(400);
  });
});

describe('GET /rewards', () => {
  interface Reward {
    id: string;
    name: string;
    points: number | null;
  }
  it('keeps the catalog order without parameters, and sorts, filters, searches and pages', async () => {
    const catalog = (await get('program', `/api/rewards?quarter=${Q1}`)).rewards as Reward[];
    expect(catalog.length).toBeGreaterThan(2);
    const dearest = (await get('finance', `/api/rewards?quarter=${Q1}&sort=points&order=desc`))
      .rewards as Reward[];
    const priced = catalog.filter((r) => r.points !== null);
    expect(dearest.slice(0, priced.length).map((r) => r.points)).toEqual(
      priced.map((r) => r.points!).sort((a, b) => b - a),
    );
    // Priced on request: last in either order.
    expect(dearest.slice(priced.length).every((r) => r.points === null)).toBe(true);
    expect((await get('finance', `/api/rewards?quarter=${Q1}&order=desc`)).rewards).toEqual(
      [...catalog].reverse(),
    );
    expect((await get('finance', `/api/rewards?quarter=${Q1}&priced=true`)).rewards).toEqual(priced);
    const paged = await listAll<Reward>('finance', `/api/rewards?quarter=${Q1}&limit=1`, 'rewards');
    expect(paged.items).toEqual(catalog);
    const one = catalog[1]!;
    expect(
      (await get('finance', `/api/rewards?quarter=${Q1}&q=${encodeURIComponent(one.name.toUpperCase())}`))
        .rewards,
    ).toEqual([one]);
    expect((await api.call('central', 'GET', '/api/rewards')).status).toBe(403);
  });
});

describe('GET /quarters/{q}/accruals as a list', () => {
  interface Row {
    program: string;
    distributorId: string;
    units: number;
    amount: string;
  }
  it('sends every row without limit, and pages, sorts, filters and searches the JSON rows', async () => {
    const whole = await get('finance', `/api/quarters/${Q1}/accruals`);
    const rows = whole.rows as Row[];
    expect(rows.map((r) => `${r.program}/${r.distributorId}`).sort()).toEqual([
      'client/alfa',
      'monitors/kvant',
    ]);
    expect(whole.page).toMatchObject({ total: 2, offset: 0, nextCursor: null });
    const paged = await listAll<Row>('program', `/api/quarters/${Q1}/accruals?limit=1`, 'rows');
    expect(paged.items).toEqual(rows);
    const byAmount = (await get('finance', `/api/quarters/${Q1}/accruals?sort=amount`)).rows as Row[];
    expect(byAmount.map((r) => r.amount)).toEqual(
      rows.map((r) => r.amount).sort((a, b) => new Decimal(b).comparedTo(a)),
    );
    const monitors = await get('finance', `/api/quarters/${Q1}/accruals?program=monitors`);
    expect(monitors.rows.map((r: Row) => r.distributorId)).toEqual(['kvant']);
    // The quarter's total whatever the filter: the figure finance books.
    expect(monitors.total).toEqual(whole.total);
    const byName = await get('finance', `/api/quarters/${Q1}/accruals?q=${encodeURIComponent('квант')}`);
    expect(byName.rows.map((r: Row) => r.program)).toEqual(['monitors']);
    expect(
      (await get('finance', `/api/quarters/${Q1}/accruals?distributor=ALFA`)).rows.map((r: Row) => r.program),
    ).toEqual(['client']);
    expect((await api.call('central', 'GET', `/api/quarters/${Q1}/accruals`)).status).toBe(403);
  });
});

describe('GET /payments filtered', () => {
  it('filters by partner and distributor, with the money of the matching payments', async () => {
    const made = [
      { partnerId: id(1), distributorId: 'alfa', amount: '100.00' },
      { partnerId: id(1), distributorId: 'kvant', amount: '20.50' },
      { partnerId: id(2), distributorId: 'kvant', amount: '3.25' },
    ];
    for (const [i, m] of made.entries())
      expect(
        (
          await api.call('finance', 'POST', '/api/payments', {
            quarter: Q1,
            date: '2016-04-11',
            reference: `PP-${i}`,
            ...m,
          })
        ).status,
      ).toBe(201);
    const mine = await get('finance', `/api/payments?quarter=${Q1}&partner=${id(1).toLowerCase()}`);
    expect(mine.payments.map((p: { amount: string }) => p.amount)).toEqual(['100.00', '20.50']);
    expect(mine.total).toBe('120.50');
    const atKvant = await get('program', `/api/payments?quarter=${Q1}&distributor=Kvant&limit=1`);
    expect(atKvant.page).toMatchObject({ total: 2, limit: 1 });
    expect(atKvant.total).toBe('23.75');
    const both = await get('finance', `/api/payments?quarter=${Q1}&distributor=kvant&partner=${id(2)}`);
    expect(both.payments).toHaveLength(1);
  });
});

describe('GET /approvals by kind and sorted', () => {
  interface Approval {
    id: string;
    kind: string;
    status: string;
    requestedAt: string;
    decidedAt?: string;
  }
  it('filters by kind and sorts by decision, undecided last', async () => {
    const closes = (await get('finance', '/api/approvals?kind=close&limit=500')).approvals as Approval[];
    expect(closes).toHaveLength(CLOSE_REQUESTS);
    expect((await get('finance', '/api/approvals?kind=reference-change')).page.total).toBe(0);
    expect((await api.call('finance', 'GET', '/api/approvals?kind=close,coffee')).status).toBe(400);

    const byDecision = (await get('program', '/api/approvals?sort=decided&limit=500'))
      .approvals as Approval[];
    expect(byDecision[0]!.status).toBe('rejected');
    expect(byDecision.slice(1).every((a) => a.decidedAt === undefined)).toBe(true);
    // The undecided keep newest first among themselves.
    const rest = byDecision.slice(1).map((a) => a.requestedAt);
    expect(rest).toEqual([...rest].sort().reverse());
    const paged = await listAll<Approval>('finance', '/api/approvals?sort=decided&limit=3', 'approvals');
    expect(paged.items.map((a) => a.id)).toEqual(byDecision.map((a) => a.id));
    // The reason a request was rejected finds it.
    const byReason = (await get('finance', `/api/approvals?q=${encodeURIComponent('НЕ СЕЙЧАС')}`))
      .approvals as Approval[];
    expect(byReason.map((a) => a.status)).toEqual(['rejected']);
    // A manager never sees close requests, whatever the filter.
    expect((await get('central', '/api/approvals?kind=close')).page.total).toBe(0);
  });
});

describe('GET /audit searched, by kind and oldest first', () => {
  interface Entry {
    id: string;
    kind: string;
    partners: string[];
    actor: { sub: string };
  }
  it('reads the trail oldest first by its own cursor, the mirror of newest first', async () => {
    const newest = (await get('finance', '/api/audit?limit=500')).entries as Entry[];
    expect(newest.length).toBeGreaterThan(CLOSE_REQUESTS + 4);
    const oldest = await listAll<Entry>('finance', '/api/audit?order=asc&limit=3', 'entries');
    expect(oldest.items.map((e) => e.id)).toEqual(newest.map((e) => e.id).reverse());
    expect(oldest.pages.map((p) => p.offset)).toEqual(oldest.pages.map((_, i) => i * 3));
    // A cursor keeps to its order: one of newest first is refused oldest first.
    const first = await get('finance', '/api/audit?limit=2');
    const crossed = await api.call(
      'finance',
      'GET',
      `/api/audit?order=asc&limit=2&cursor=${first.page.nextCursor}`,
    );
    expect(crossed.status).toBe(400);
    const byUser = await listAll<Entry>('finance', '/api/audit?order=asc&actor=prog-1&limit=1', 'entries');
    expect(byUser.items.map((e) => e.id)).toEqual(
      newest
        .filter((e) => e.actor.sub === 'prog-1')
        .map((e) => e.id)
        .reverse(),
    );
  });

  it('filters by kind and searches what an entry says, page by page', async () => {
    const newest = (await get('finance', '/api/audit?limit=500')).entries as Entry[];
    const requests = await listAll<Entry>('finance', '/api/audit?kind=close-request&limit=2', 'entries');
    expect(requests.items.map((e) => e.id)).toEqual(
      newest.filter((e) => e.kind === 'close-request').map((e) => e.id),
    );
    expect(requests.items).toHaveLength(CLOSE_REQUESTS);
    const two = await get('finance', '/api/audit?kind=close-request,close-rejection&limit=500');
    expect(two.entries.filter((e: Entry) => e.kind === 'close-rejection')).toHaveLength(1);

    // A partner ID, and the Russian words of what was done, find the same entries as the partner filter.
    const aboutOne = await listAll<Entry>(
      'finance',
      `/api/audit?q=${id(3).toLowerCase()}&limit=1`,
      'entries',
    );
    expect(aboutOne.items.map((e) => e.id)).toEqual(
      newest.filter((e) => e.partners.includes(id(3))).map((e) => e.id),
    );
    expect(aboutOne.items.length).toBeGreaterThan(0);
    const rejected = await get('finance', `/api/audit?q=${encodeURIComponent('не сейчас')}&limit=500`);
    expect(rejected.entries.map((e: Entry) => e.kind)).toEqual(['close-rejection']);
    expect((await api.call('finance', 'GET', '/api/audit?kind=lunch')).status).toBe(400);
  });

  it("searches only a manager's own part of the trail", async () => {
    const volgaPartner = id(2);
    expect(CENTRAL).not.toContain(volgaPartner);
    const none = await get('central', `/api/audit?q=${volgaPartner}&limit=500`);
    expect(none.entries).toEqual([]);
    const own = await get('central', `/api/audit?q=${id(1)}&limit=500`);
    expect(own.entries.length).toBeGreaterThan(0);
    expect(own.entries.every((e: Entry) => e.partners.every((p) => CENTRAL.includes(p)))).toBe(true);
  });
});

describe('GET /audit oldest first across months', () => {
  it('reads the monthly partitions forward, skipping empty months, each entry once', async () => {
    // Entries of a past range, written as recordAudit writes them (the API cannot backdate one).
    const instants = [
      '2019-01-05T08:00:00.000Z',
      '2019-01-31T20:59:59.999Z',
      '2019-01-31T21:00:00.000Z',
      '2019-04-01T00:00:00.000Z',
      '2019-04-01T00:00:00.000Z',
      '2019-04-30T12:00:00.000Z',
    ];
    const written = instants.map((at, i) => ({
      id: `${at}#${(0xc00000000000 + i).toString(16)}`,
      at,
      actor: { sub: 'old-user', role: 'program' as const },
      kind: 'reference' as const,
      target: `old entry ${i}`,
      quarters: [],
      partners: [],
    }));
    for (const e of written) await env.rt.deps.audit.append(e);
    const oldestFirst = written.map((e) => e.id).sort();
    for (const query of ['from=2018-12-01&to=2019-05-31', 'from=2018-12-01&to=2019-05-31&actor=old-user'])
      for (const limit of [1, 2, 4]) {
        const { items } = await listAll<{ id: string }>(
          'finance',
          `/api/audit?${query}&order=asc&limit=${limit}`,
          'entries',
        );
        expect(
          items.map((e) => e.id),
          `${query}, ${limit} a page`,
        ).toEqual(oldestFirst);
      }
  });
});
