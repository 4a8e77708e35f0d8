/**
 * Paging, sort, filter and search of the workbench lists (issue #15 point 5): the watchlist's
 * partners and the items of each exceptions group, on the server as the partners list does
 * (paging.ts), so 10,000 partners answer one page, not all of them. Pure: the routes
 * (routes-workbench.ts) read the quarter and hand the lists here.
 */
import { z } from 'zod';
import { normalizePartnerId } from '../../shared/domain/partner-id.js';
import type { WatchBlocker } from '../../shared/domain/watchlist.js';
import { HELD_REASONS } from '../../shared/pipeline/compute-quarter.js';
import { ELIGIBILITY_REASONS } from '../../shared/pipeline/workbench.js';
import { optionalText } from './http.js';
import { compareBy, DEFAULT_LIMIT, matcher, pageOf, PagingQuery, type Page } from './paging.js';

export const WATCH_SORTS = ['amountAtStakeRub', 'missing', 'units', 'partnerId', 'name'] as const;
export const EXCEPTION_SORTS = ['amountAtStakeRub', 'units', 'partnerId', 'name'] as const;

/** Blocker kinds a watchlist filter names: `none` is a partner that needs only the units. */
export const BLOCKER_KINDS = ['registration', 'acceptance', 'training', 'none'] as const;
type BlockerKind = (typeof BLOCKER_KINDS)[number];
const KIND_OF: Record<WatchBlocker['code'], BlockerKind> = {
  'partner-not-registered': 'registration',
  'acceptance-missing': 'acceptance',
  'acceptance-late': 'acceptance',
  'training-missing': 'training',
};

export const WatchlistQuery = z
  .object({
    ...PagingQuery,
    sort: z.enum(WATCH_SORTS).default('amountAtStakeRub'),
    program: optionalText,
    blocker: z.enum(BLOCKER_KINDS).optional(),
  })
  .strict();
export type WatchlistQuery = z.infer<typeof WatchlistQuery>;

export const ExceptionsQuery = z
  .object({
    ...PagingQuery,
    reason: z.enum([...HELD_REASONS, ...ELIGIBILITY_REASONS]).optional(),
    sort: z.enum(EXCEPTION_SORTS).default('amountAtStakeRub'),
  })
  .strict();
export type ExceptionsQuery = z.infer<typeof ExceptionsQuery>;

/**
 * Search on partner IDs and names (and whatever else the list names): as text ignoring case and
 * spaces, and as a partner ID written the ways distributors write one ("id 900 201", "№900201").
 */
export function searcher(q: string | undefined) {
  const found = matcher(q);
  const asId = q ? normalizePartnerId(q) : '';
  return (partnerKey: string, ...fields: (string | null | undefined)[]) =>
    found(partnerKey, ...fields) || (asId !== '' && partnerKey.includes(asId));
}

// Numbers compare as numbers; an unknown amount (null) sorts last in either order.
const amountOf = (a: string | null) => (a === null ? null : Number(a));

interface WatchRow {
  partnerKey: string;
  partnerId: string;
  partnerName: string | null;
  program: string;
  units: number;
  missing: number;
  amountAtStakeRub: string;
  blockers: readonly WatchBlocker[];
}

/**
 * The watchlist's page. `rows` come most RUB at stake first (the domain's order); a sort is stable
 * on it, so ties keep that order. Without `limit`, every matching row, as scripts read it.
 */
export function watchPage<T extends WatchRow>(rows: readonly T[], query: WatchlistQuery): { items: T[]; page: Page } {
  const found = searcher(query.q);
  const matched = rows.filter(
    (r) =>
      (!query.program || r.program === query.program) &&
      (!query.blocker ||
        (query.blocker === 'none' ? r.blockers.length === 0 : r.blockers.some((b) => KIND_OF[b.code] === query.blocker))) &&
      found(r.partnerKey, r.partnerId, r.partnerName),
  );
  const key: Record<(typeof WATCH_SORTS)[number], (r: T) => string | number | null> = {
    amountAtStakeRub: (r) => amountOf(r.amountAtStakeRub),
    missing: (r) => r.missing,
    units: (r) => r.units,
    partnerId: (r) => r.partnerKey,
    name: (r) => r.partnerName,
  };
  const order = query.order ?? (query.sort === 'amountAtStakeRub' || query.sort === 'units' ? 'desc' : 'asc');
  const sorted =
    query.sort === 'amountAtStakeRub' && order === 'desc' ? matched : [...matched].sort(compareBy(key[query.sort], order));
  return pageOf(sorted, query, 'all');
}

interface ExceptionItem {
  partnerKey: string;
  partnerId: string;
  partnerName: string | null;
  distributorId: string;
  reportId?: string;
  sku?: string;
  description?: string;
  units: number;
  unpaidUnits?: number;
  amountAtStakeRub: string | null;
}

/** One page of an exceptions group's items (they come most RUB at stake first); 50 by default. */
export function exceptionPage<T extends ExceptionItem>(
  items: readonly T[],
  query: ExceptionsQuery,
): { items: T[]; page: Page; more: number } {
  const found = searcher(query.q);
  const matched = items.filter((i) =>
    found(i.partnerKey, i.partnerId, i.partnerName, i.distributorId, i.reportId, i.sku, i.description),
  );
  // The units that do not pay: a payout line's unpaid units, a held line's units (the group's sum).
  const key: Record<(typeof EXCEPTION_SORTS)[number], (i: T) => string | number | null> = {
    amountAtStakeRub: (i) => amountOf(i.amountAtStakeRub),
    units: (i) => i.unpaidUnits ?? i.units,
    partnerId: (i) => i.partnerKey,
    name: (i) => i.partnerName,
  };
  const order = query.order ?? (query.sort === 'amountAtStakeRub' || query.sort === 'units' ? 'desc' : 'asc');
  const sorted =
    query.sort === 'amountAtStakeRub' && order === 'desc' ? matched : [...matched].sort(compareBy(key[query.sort], order));
  const { items: shown, page } = pageOf(sorted, query, DEFAULT_LIMIT);
  return { items: shown, page, more: Math.max(page.total - page.offset - shown.length, 0) };
}
