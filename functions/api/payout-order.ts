/**
 * `sort` and `order` of `GET /quarters/{q}/payouts` (issue #15 point 5). Without either, the lines
 * keep the order they always had (the export's: regular lines, then adjustments), as scripts read it.
 */
import type { Partner, PayoutLine } from '../../shared/domain/types.js';
import { compareBy } from './paging.js';

export const PAYOUT_SORTS = [
  'partner',
  'name',
  'region',
  'distributor',
  'program',
  'units',
  'amount',
] as const;
export type PayoutSort = (typeof PAYOUT_SORTS)[number];

/** Sorts a copy of the lines; ties keep the stored order, so a page boundary never moves. */
export function payoutOrder(
  query: { sort?: PayoutSort | undefined; order?: 'asc' | 'desc' | undefined },
  partners: ReadonlyMap<string, Partner>,
): <L extends PayoutLine>(lines: L[]) => L[] {
  if (!query.sort && !query.order) return (lines) => lines;
  const sort = query.sort ?? 'partner';
  // Figures biggest first, words from A, unless `order` says otherwise.
  const order = query.order ?? (sort === 'units' || sort === 'amount' ? 'desc' : 'asc');
  const key: Record<PayoutSort, (l: PayoutLine) => string | number | null> = {
    partner: (l) => l.partnerId,
    name: (l) => partners.get(l.partnerId)?.name?.toLocaleLowerCase('ru-RU') ?? null,
    region: (l) => partners.get(l.partnerId)?.region ?? null,
    distributor: (l) => l.distributorId,
    program: (l) => l.program,
    units: (l) => l.units,
    amount: (l) => l.amount.toNumber(),
  };
  const bySort = compareBy(key[sort], order);
  // The sort is stable: ties keep the stored order.
  return (lines) => [...lines].sort(bySort);
}
