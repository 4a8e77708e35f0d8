/**
 * The approvals, the audit trail and the payments page like the other lists (issue #15 point 5), on
 * the real emulators: more items than a page are made through the API, then read page by page.
 * Approvals and payments page by offset with a total; the trail by cursor only (no total), and a
 * page follows from where the previous one ended even when newer entries arrive between the two.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { readAuditPage } from '../../functions/api/routes-trail-lists.js';
import type { AuditEntry } from '../../shared/ports/approvals.js';
import { useTestApi, type Caller } from '../support/api-client.js';
import { allPages, withCursor } from '../support/paging.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';
const CLOSE_REQUESTS = 7;
const REJECTED = 3;

const env = useLocalRuntime();
const api = useTestApi(env);
const sale = salesOf(VOSTRO);

interface Page {
  total: number | null;
  limit: number;
  offset: number;
  nextCursor: string | null;
}

const CENTRAL = ['RU920001', 'RU920002', 'RU920003'];
const VOLGA = ['RU920101', 'RU920102'];

beforeAll(async () => {
  await env.importReference({
    partners: [
      ...CENTRAL.map((id, i) => ({ id, name: `ООО «Центр ${i}»`, region: 'Central' })),
      ...VOLGA.map((id, i) => ({ id, name: `ООО «Волга ${i}»`, region: 'Volga' })),
    ],
    distributors: ['alfa'],
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport(
      [...CENTRAL, ...VOLGA].map((partnerId, i) => sale({ invoice: `A-${i}`, partnerId, qty: 10 + i })),
    ),
  );
  // Close requests from two finance users; each of the first few is rejected by the other one.
  const asked: { id: string; by: Caller }[] = [];
  for (let i = 0; i < CLOSE_REQUESTS; i++) {
    const by: Caller = i % 2 ? 'finance2' : 'finance';
    const res = await api.call(by, 'POST', `/api/quarters/${Q1}/close`);
    expect(res.status).toBe(202);
    asked.push({ id: res.body.approval.id, by });
  }
  for (const { id, by } of asked.slice(0, REJECTED)) {
    const res = await api.call(
      by === 'finance' ? 'finance2' : 'finance',
      'POST',
      `/api/approvals/${id}/reject`,
      {},
    );
    expect(res.status).toBe(200);
  }
  // Reference changes about partners of both regions: what a manager may see of the trail.
  for (const partnerId of [...CENTRAL, ...VOLGA]) {
    const res = await api.call('program', 'PUT', '/api/reference/acceptances', {
      rows: [{ partnerId, program: 'client', plan: null, acceptedAt: '2016-02-01T10:00:00+03:00' }],
    });
    expect(res.status).toBe(202);
  }
});

/** Every page of a list, following `nextCursor` from the first page of `path`. */
const listPages = (who: Caller, path: string, list: 'approvals' | 'entries') =>
  allPages(async (cursor) => {
    const res = await api.call(who, 'GET', withCursor(path, cursor));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return { items: res.body[list] as { id: string }[], page: res.body.page as Page };
  });

const ids = (items: { id: string }[]) => items.map((x) => x.id);

describe('GET /approvals in pages', () => {
  it('gives every approval once, newest first, with the total on every page', async () => {
    const whole = await api.call('finance', 'GET', '/api/approvals?limit=500');
    const everything = whole.body.approvals as { id: string; requestedAt: string }[];
    expect(everything).toHaveLength(CLOSE_REQUESTS);
    expect(everything.map((a) => a.requestedAt)).toEqual(
      everything
        .map((a) => a.requestedAt)
        .sort()
        .reverse(),
    );

    const pages = await listPages('finance', '/api/approvals?limit=3', 'approvals');
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.page.offset)).toEqual([0, 3, 6]);
    expect(pages.every((p) => p.page.total === CLOSE_REQUESTS && p.page.limit === 3)).toBe(true);
    const paged = pages.flatMap((p) => ids(p.items));
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(ids(everything));

    // One approval found by its ID, wherever it is in the list (the dashboard follows a change so).
    const oldest = everything.at(-1)!;
    const byId = await api.call('finance', 'GET', `/api/approvals?limit=1&q=${oldest.id}`);
    expect(byId.body.page.total).toBe(1);
    expect(ids(byId.body.approvals)).toEqual([oldest.id]);

    // An offset reaches the same page as the cursor did.
    const second = await api.call('finance', 'GET', '/api/approvals?limit=3&offset=3');
    expect(ids(second.body.approvals)).toEqual(ids(pages[1]!.items));
    const oldestFirst = await api.call('finance', 'GET', '/api/approvals?limit=500&order=asc');
    expect(ids(oldestFirst.body.approvals)).toEqual(ids(everything).reverse());
  });

  it('answers the first page of the default size without parameters, as before', async () => {
    const res = await api.call('program', 'GET', '/api/approvals');
    expect(res.status).toBe(200);
    expect(res.body.page).toEqual({ total: CLOSE_REQUESTS, limit: 50, offset: 0, nextCursor: null });
    expect(res.body.approvals).toHaveLength(CLOSE_REQUESTS);
  });

  it('pages each status, or several statuses at once, with their own totals', async () => {
    const pending = await listPages('finance', '/api/approvals?status=pending&limit=2', 'approvals');
    expect(pending.every((p) => p.page.total === CLOSE_REQUESTS - REJECTED)).toBe(true);
    const rejected = await listPages('finance', '/api/approvals?status=rejected&limit=2', 'approvals');
    expect(rejected.every((p) => p.page.total === REJECTED)).toBe(true);
    const both = await listPages('finance', '/api/approvals?status=pending,rejected&limit=2', 'approvals');
    const bothIds = both.flatMap((p) => ids(p.items));
    expect(new Set(bothIds)).toEqual(new Set([...pending, ...rejected].flatMap((p) => ids(p.items))));
    expect(bothIds).toHaveLength(CLOSE_REQUESTS);
    // Searched by who asked or decided: fin-2 asked three and rejected two of fin-1's.
    const byFin2 = await listPages('finance', '/api/approvals?q=FIN-2&limit=2', 'approvals');
    expect(byFin2[0]!.page.total).toBe(5);
    expect(byFin2.flatMap((p) => p.items)).toHaveLength(5);
    const wrong = await api.call('finance', 'GET', '/api/approvals?status=pending,someday');
    expect(wrong.status).toBe(400);
  });
});

describe('GET /audit in pages', () => {
  const unpaged = async (who: Caller, query = '') => {
    const res = await api.call(who, 'GET', `/api/audit?limit=500${query}`);
    expect(res.status).toBe(200);
    expect(res.body.page.nextCursor).toBeNull();
    return res.body.entries as AuditEntry[];
  };

  it('follows the cursor through the whole trail, newest first, with nothing lost or repeated', async () => {
    const everything = await unpaged('finance');
    expect(everything.length).toBeGreaterThan(CLOSE_REQUESTS + REJECTED);
    const pages = await listPages('finance', '/api/audit?limit=4', 'entries');
    expect(pages.length).toBe(Math.ceil(everything.length / 4));
    // No total (counting would read the whole trail); the offset says where each page stands.
    expect(pages.every((p) => p.page.total === null && p.page.limit === 4)).toBe(true);
    expect(pages.map((p) => p.page.offset)).toEqual(pages.map((_, i) => i * 4));
    const paged = pages.flatMap((p) => ids(p.items));
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(ids(everything));
    expect(paged).toEqual([...paged].sort().reverse());
  });

  it('pages the filtered trail the same way: by quarter, and by user', async () => {
    for (const [who, query] of [
      ['finance', `&quarter=${Q1}`],
      ['program', '&actor=fin-2'],
    ] as const) {
      const everything = await unpaged(who, query);
      expect(everything.length).toBeGreaterThan(2);
      const paged = (await listPages(who, `/api/audit?limit=2${query}`, 'entries')).flatMap((p) =>
        ids(p.items),
      );
      expect(paged).toEqual(ids(everything));
    }
  });

  it("pages a manager's part of the trail: only the territory's entries, each once", async () => {
    const everything = await unpaged('central');
    expect(
      everything
        .filter((e) => e.kind === 'reference')
        .flatMap((e) => e.partners)
        .sort(),
    ).toEqual(CENTRAL);
    expect(everything.some((e) => e.kind.startsWith('close'))).toBe(false);
    expect(everything.every((e) => e.partners.every((p) => CENTRAL.includes(p)))).toBe(true);
    const paged = (await listPages('central', '/api/audit?limit=2', 'entries')).flatMap((p) => ids(p.items));
    expect(paged).toEqual(ids(everything));
  });

  it('goes on from where a page ended even when newer entries arrive in between', async () => {
    const before = await unpaged('finance');
    const first = await api.call('finance', 'GET', '/api/audit?limit=5');
    expect(ids(first.body.entries)).toEqual(ids(before.slice(0, 5)));
    expect((await api.call('finance', 'POST', `/api/quarters/${Q1}/close`)).status).toBe(202);
    const next = await api.call(
      'finance',
      'GET',
      `/api/audit?limit=5&cursor=${encodeURIComponent(first.body.page.nextCursor)}`,
    );
    expect(ids(next.body.entries)).toEqual(ids(before.slice(5, 10)));
    expect(next.body.page.offset).toBe(5);
    // The first page now starts with the new entry.
    const fresh = await api.call('finance', 'GET', '/api/audit?limit=5');
    expect(fresh.body.entries[0].kind).toBe('close-request');
    expect(ids(fresh.body.entries).slice(1)).toEqual(ids(before.slice(0, 4)));
  });

  it('answers the first page of the default size without parameters, and refuses what it cannot do', async () => {
    const res = await api.call('finance', 'GET', '/api/audit');
    expect(res.status).toBe(200);
    expect(res.body.page).toMatchObject({ total: null, limit: 50, offset: 0 });
    const offset = await api.call('finance', 'GET', '/api/audit?offset=10');
    expect(offset.status).toBe(400);
    expect(JSON.stringify(offset.body)).toMatch(/nextCursor/);
    const bad = await api.call('finance', 'GET', '/api/audit?cursor=bm9uc2Vuc2U');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/start again from the first page/);
  });
});

describe('GET /audit in pages across months', () => {
  it('reads on into older monthly partitions, skipping empty months, and splits entries of one instant', async () => {
    // Entries of a past range, written as recordAudit writes them (the API cannot backdate one).
    const instants = [
      '2020-01-05T08:00:00.000Z',
      '2020-01-31T20:59:59.999Z',
      '2020-01-31T21:00:00.000Z', // 1 February in Moscow, January in UTC: the partition is UTC's
      '2020-03-01T00:00:00.000Z',
      '2020-03-01T00:00:00.000Z',
      '2020-03-01T00:00:00.000Z',
      '2020-03-30T12:00:00.000Z',
    ];
    const written: AuditEntry[] = instants.map((at, i) => ({
      id: `${at}#${(0xa00000000000 + i).toString(16)}`,
      at,
      actor: { sub: 'past-user', role: 'program' },
      kind: 'reference',
      target: `entry ${i}`,
      quarters: [],
      partners: [],
    }));
    for (const e of written) await env.rt.deps.audit.append(e);
    const newestFirst = ids(written).sort().reverse();

    for (const query of ['from=2019-12-01&to=2020-04-30', 'from=2019-12-01&to=2020-04-30&actor=past-user']) {
      for (const limit of [1, 2, 3]) {
        const pages = await listPages('finance', `/api/audit?${query}&limit=${limit}`, 'entries');
        expect(
          pages.flatMap((p) => ids(p.items)),
          `${query}, ${limit} a page`,
        ).toEqual(newestFirst);
      }
    }
  });
});

describe('GET /payments in pages', () => {
  it('pages, sorts and searches the quarter’s payments; without limit it answers them all, as before', async () => {
    const made = [...CENTRAL, ...VOLGA, CENTRAL[0]!, VOLGA[0]!].map((partnerId, i) => ({
      quarter: Q1,
      partnerId,
      distributorId: 'alfa',
      date: `2016-04-${String(10 + ((i * 3) % 7)).padStart(2, '0')}`,
      reference: `PP-${100 + i}`,
      amount: `${(i + 1) * 111}.${String(i * 7).padStart(2, '0')}`,
    }));
    for (const body of made)
      expect((await api.call('finance', 'POST', '/api/payments', body)).status).toBe(201);
    const sum = (amounts: string[]) => amounts.reduce((t, a) => t + Math.round(Number(a) * 100), 0);
    const cents = (rub: string) => Math.round(Number(rub) * 100);

    const whole = await api.call('program', 'GET', `/api/payments?quarter=${Q1}`);
    expect(whole.status).toBe(200);
    const all = whole.body.payments as {
      paymentId: string;
      amount: string;
      date: string;
      partnerId: string;
    }[];
    expect(all).toHaveLength(made.length);
    expect(whole.body.page).toEqual({ total: made.length, limit: made.length, offset: 0, nextCursor: null });
    expect(cents(whole.body.total)).toBe(sum(made.map((m) => m.amount)));

    const pages = await allPages(async (cursor) => {
      const res = await api.call('finance', 'GET', withCursor(`/api/payments?quarter=${Q1}&limit=3`, cursor));
      expect(res.status).toBe(200);
      return res.body as { payments: typeof all; page: Page; total: string };
    });
    expect(pages.map((p) => p.payments.length)).toEqual([3, 3, 1]);
    expect(pages.every((p) => p.page.total === made.length && p.total === whole.body.total)).toBe(true);
    const paged = pages.flatMap((p) => p.payments.map((x) => x.paymentId));
    expect(new Set(paged).size).toBe(paged.length);
    expect(paged).toEqual(all.map((x) => x.paymentId));

    const byAmount = await api.call('finance', 'GET', `/api/payments?quarter=${Q1}&sort=amount&limit=500`);
    const amounts = (byAmount.body.payments as typeof all).map((x) => cents(x.amount));
    expect(amounts).toEqual([...amounts].sort((a, b) => b - a));
    // By partner: the stored order (partner, distributor, date, ID), or its reverse.
    const byPartnerDesc = await api.call(
      'finance',
      'GET',
      `/api/payments?quarter=${Q1}&sort=partner&order=desc&limit=500`,
    );
    expect((byPartnerDesc.body.payments as typeof all).map((x) => x.paymentId)).toEqual(
      all.map((x) => x.paymentId).reverse(),
    );
    const byDate = await api.call(
      'finance',
      'GET',
      `/api/payments?quarter=${Q1}&sort=date&order=asc&limit=500`,
    );
    const dates = (byDate.body.payments as typeof all).map((x) => x.date);
    expect(dates).toEqual([...dates].sort());

    const one = await api.call('finance', 'GET', `/api/payments?quarter=${Q1}&q=${VOLGA[0]}`);
    const mine = made.filter((m) => m.partnerId === VOLGA[0]);
    expect((one.body.payments as typeof all).map((x) => x.partnerId)).toEqual(mine.map(() => VOLGA[0]));
    expect(one.body.page.total).toBe(mine.length);
    expect(cents(one.body.total)).toBe(sum(mine.map((m) => m.amount)));
  });
});

describe('a page of the trail for a caller who may see few of its entries', () => {
  it('stops after the entries it may read, comes back short, and reads on from there without loss', async () => {
    const written: AuditEntry[] = Array.from({ length: 12 }, (_, i) => {
      const at = new Date(Date.UTC(2021, 0, 1 + i * 5, 9)).toISOString();
      return {
        id: `${at}#${(0xb00000000000 + i).toString(16)}`,
        at,
        actor: { sub: 'sparse-user', role: 'program' },
        kind: 'reference',
        target: `entry ${i}`,
        quarters: [],
        partners: [i % 5 === 0 ? 'RU920001' : 'RU920101'],
      };
    });
    for (const e of written) await env.rt.deps.audit.append(e);
    const mine = (e: AuditEntry) => e.partners.includes('RU920001');
    const expected = ids(written.filter(mine)).sort().reverse();
    expect(expected).toHaveLength(3);

    const range = { from: '2021-01-01T00:00:00.000Z', to: '2021-03-31T00:00:00.000Z', actor: 'sparse-user' };
    const pages: AuditEntry[][] = [];
    let before: string | undefined;
    do {
      const { items, end } = await readAuditPage(env.rt.deps.audit, range, mine, 2, before, {
        chunk: 2,
        readCap: 4,
      });
      pages.push(items);
      before = end;
      expect(pages.length).toBeLessThan(20);
    } while (before);
    expect(pages.flatMap(ids)).toEqual(expected);
    // Four entries read at most per page: some pages hold fewer than two, yet the walk went on.
    expect(pages.some((p) => p.length < 2)).toBe(true);
    expect(pages.length).toBeGreaterThan(2);
  });
});
