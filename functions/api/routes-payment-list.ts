/**
 * `GET /payments` with the shared paging (issue #15 point 5): `limit`, `offset` or `cursor`,
 * `order`, `q` and `page`, as the partners list. Without `limit` it still answers every payment of
 * the quarter, as the payments page and scripts read it to work out what is outstanding.
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { asWrittenIn } from '../../shared/domain/ids.js';
import { QuarterId } from '../../shared/domain/rules/schema.js';
import type { Payment } from '../../shared/ports/finance.js';
import {
  DistributorIdParam,
  money,
  optionalText,
  parseWith,
  PartnerIdParam,
  type ApiRequest,
  type Reply,
} from './http.js';
import { compareBy, inOrder, matcher, pageOf, PagingQuery } from './paging.js';

export const PAYMENT_SORTS = ['partner', 'date', 'amount'] as const;

const PaymentListQuery = z.object({
  quarter: QuarterId,
  ...PagingQuery,
  sort: z.enum(PAYMENT_SORTS).default('partner'),
  partner: optionalText.pipe(PartnerIdParam.optional()),
  distributor: DistributorIdParam,
});

async function getPaymentList(req: ApiRequest): Promise<Reply> {
  const query = parseWith(PaymentListQuery, req.query, 'query');
  const [payments, partners, distributors] = await Promise.all([
    req.deps.payments.listQuarter(query.quarter),
    req.deps.reference.listPartners(),
    req.deps.reference.listDistributors(),
  ]);
  const [partner, distributor] = [asWrittenIn(partners), asWrittenIn(distributors)];
  const found = matcher(query.q);
  const matched = payments.filter(
    (p) =>
      (!query.partner || p.partnerId === query.partner) &&
      (!query.distributor || p.distributorId === query.distributor) &&
      found(
      p.partnerId,
      partner(p.partnerId),
      p.distributorId,
      distributor(p.distributorId),
      p.reference,
      p.paymentId,
    ),
  );
  const order = query.order ?? (query.sort === 'partner' ? 'asc' : 'desc');
  // The repository's order (partner, distributor, date, payment ID) is the partner sort, and settles
  // ties of the others the same way every time (the sort is stable).
  const sorted = inOrder(
    matched,
    query.sort === 'partner'
      ? null
      : query.sort === 'date'
        ? compareBy<Payment>((p) => p.date, order)
        : (a, b) => new Decimal(a.amount).comparedTo(b.amount) * (order === 'desc' ? -1 : 1),
    order,
  );
  const { items, page } = pageOf(sorted, query, 'all');
  return {
    json: {
      quarter: query.quarter,
      payments: items.map((p) => ({
        ...p,
        partnerId: partner(p.partnerId),
        distributorId: distributor(p.distributorId),
      })),
      page,
      // The money of every matching payment, whatever the page: as before, of the whole quarter without `q`.
      total: money(matched.reduce((t, p) => t.plus(p.amount), new Decimal(0))),
    },
  };
}

export { getPaymentList };
