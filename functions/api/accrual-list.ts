/**
 * The accrual rows of `GET /quarters/{q}/accruals` as a list (issue #15 point 5): filtered by
 * program and distributor, searched, sorted and paged. Without `limit` every row, as before.
 */
import { z } from 'zod';
import { distributorKey } from '../../shared/domain/ids.js';
import type { AccrualRow } from '../../shared/domain/accruals.js';
import { optionalText, type ApiRequest } from './http.js';
import { compareBy, matcher, pageOf, PagingQuery, type Page } from './paging.js';

export const ACCRUAL_SORTS = [
  'program',
  'distributor',
  'units',
  'amount',
  'projectedUnits',
  'projectedAmount',
] as const;
type AccrualSort = (typeof ACCRUAL_SORTS)[number];

export const AccrualListQuery = {
  ...PagingQuery,
  sort: optionalText.pipe(z.enum(ACCRUAL_SORTS).default('program')),
  program: optionalText,
  distributor: optionalText,
};

export async function accrualPage(
  req: ApiRequest,
  rows: readonly AccrualRow[],
  query: {
    sort: AccrualSort;
    program?: string | undefined;
    distributor?: string | undefined;
    q?: string | undefined;
    order?: 'asc' | 'desc' | undefined;
    limit?: number | undefined;
    offset?: number | undefined;
    cursor?: string | undefined;
  },
): Promise<{ rows: AccrualRow[]; page: Page }> {
  const found = matcher(query.q);
  const wanted = query.distributor === undefined ? undefined : distributorKey(query.distributor);
  // A search by distributor name needs the registry; only read it when searching.
  const names = query.q
    ? new Map((await req.deps.reference.listDistributors()).map((d) => [d.id, d.name]))
    : new Map<string, string>();
  const matched = rows.filter(
    (r) =>
      (!query.program || r.program === query.program) &&
      (!wanted || distributorKey(r.distributorId) === wanted) &&
      found(r.program, r.distributorId, names.get(distributorKey(r.distributorId))),
  );
  const order = query.order ?? (query.sort === 'program' || query.sort === 'distributor' ? 'asc' : 'desc');
  const key: Record<AccrualSort, (r: AccrualRow) => string | number | null> = {
    program: (r) => r.program,
    distributor: (r) => distributorKey(r.distributorId),
    units: (r) => r.units,
    amount: (r) => r.amount.toNumber(),
    projectedUnits: (r) => r.projectedUnits,
    projectedAmount: (r) => r.projectedAmount?.toNumber() ?? null,
  };
  // The sort is stable: ties keep the rows' order, so a page boundary never moves.
  const { items, page } = pageOf([...matched].sort(compareBy(key[query.sort], order)), query, 'all');
  return { rows: items, page };
}
