/**
 * The watchlist's and exceptions' paging helpers (functions/api/workbench-lists.ts), without a
 * server: searching partner IDs as distributors write them, unknown amounts last in either order,
 * the blocker filter, and `more` counting what follows the page.
 */
import { describe, expect, it } from 'vitest';
import {
  exceptionPage,
  ExceptionsQuery,
  searcher,
  watchPage,
  WatchlistQuery,
} from '../../functions/api/workbench-lists.js';

const watchRow = (partnerKey: string, amount: string, missing: number, codes: string[] = []) => ({
  partnerKey,
  partnerId: partnerKey.toLowerCase(),
  partnerName: `ООО «${partnerKey}»`,
  program: partnerKey.endsWith('9') ? 'enterprise' : 'client',
  units: 50 - missing,
  missing,
  amountAtStakeRub: amount,
  blockers: codes.map((code) => ({ code }) as never),
});
const item = (partnerKey: string, amount: string | null, units: number) => ({
  partnerKey,
  partnerId: partnerKey,
  partnerName: null,
  distributorId: 'D-MERL',
  reportId: `r-${partnerKey}`,
  units,
  amountAtStakeRub: amount,
});

describe('searcher', () => {
  it('finds a partner ID written with a prefix and spaces, and names ignoring case', () => {
    const found = searcher('id ru 100 103');
    expect(found('RU100103')).toBe(true);
    expect(found('RU100104')).toBe(false);
    expect(searcher('№RU100103')('RU100103')).toBe(true);
    expect(searcher('партнёр')('RU1', 'ООО «Партнёр»')).toBe(true);
    expect(searcher(undefined)('RU1')).toBe(true);
  });
});

describe('watchPage', () => {
  const rows = [
    watchRow('RU3', '900.00', 9, ['training-missing']),
    watchRow('RU1', '500.00', 2),
    watchRow('RU9', '100.00', 5, ['acceptance-late']),
  ];
  const page = (query: Record<string, string>) => watchPage(rows, WatchlistQuery.parse(query));

  it('keeps the given order by RUB at stake and turns it on request', () => {
    expect(page({}).items.map((r) => r.partnerKey)).toEqual(['RU3', 'RU1', 'RU9']);
    expect(page({ order: 'asc' }).items.map((r) => r.partnerKey)).toEqual(['RU9', 'RU1', 'RU3']);
    expect(page({ sort: 'missing' }).items.map((r) => r.partnerKey)).toEqual(['RU1', 'RU9', 'RU3']);
  });

  it('filters by blocker kind and program, and pages only with a limit', () => {
    expect(page({ blocker: 'acceptance' }).items.map((r) => r.partnerKey)).toEqual(['RU9']);
    expect(page({ blocker: 'none' }).items.map((r) => r.partnerKey)).toEqual(['RU1']);
    expect(page({ program: 'enterprise' }).page.total).toBe(1);
    expect(page({}).page).toEqual({ total: 3, limit: 3, offset: 0, nextCursor: null });
    expect(page({ limit: '2' }).page.nextCursor).not.toBeNull();
    expect(() => WatchlistQuery.parse({ blocker: 'weather' })).toThrow();
  });
});

describe('exceptionPage', () => {
  const items = [item('RU1', '300.00', 3), item('RU2', '100.00', 9), item('RU3', null, 1), item('RU4', null, 5)];
  const page = (query: Record<string, string>) => exceptionPage(items, ExceptionsQuery.parse(query));

  it('puts unknown amounts last in either order', () => {
    expect(page({ order: 'asc' }).items.map((i) => i.partnerKey)).toEqual(['RU2', 'RU1', 'RU3', 'RU4']);
    expect(page({}).items.map((i) => i.partnerKey)).toEqual(['RU1', 'RU2', 'RU3', 'RU4']);
  });

  it('sorts by units, searches the report, and counts what follows the page', () => {
    expect(page({ sort: 'units' }).items.map((i) => i.units)).toEqual([9, 5, 3, 1]);
    expect(page({ q: 'r-RU3' }).items.map((i) => i.partnerKey)).toEqual(['RU3']);
    const first = page({ limit: '1', offset: '1' });
    expect(first.page).toMatchObject({ total: 4, limit: 1, offset: 1 });
    expect(first.more).toBe(2);
    expect(page({}).page.limit).toBe(50);
  });
});
