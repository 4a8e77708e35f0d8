/**
 * The remaining lists with the shared paging (issue #15 point 5): `GET /quarters` and the product
 * queue of `GET /exceptions`. Both answer the whole list without `limit`, as scripts and the
 * dashboard's quarter picker read them; with it, a page and `page` (docs/api.md, "Lists: paging,
 * sort, search").
 */
import { z } from 'zod';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { QuarterId } from '../../shared/domain/rules/schema.js';
import { NotFoundError } from '../../shared/errors.js';
import {
  LatestComputations,
  PRODUCT_EXCEPTIONS,
  productExceptions,
  type ProductException,
} from '../../shared/pipeline/held-lines.js';
import { listQuarters, type QuarterInfo } from '../../shared/pipeline/quarters.js';
import { withLineBalance } from './routes-quarters.js';
import { asWrittenIn } from '../../shared/domain/ids.js';
import { DistributorIdParam, optionalText, parseWith, type ApiRequest, type Reply } from './http.js';
import { compareBy, matcher, pageOf, PagingQuery } from './paging.js';

// ---------------------------------------------------------------- quarters

const QuarterListQuery = z.object({
  ...PagingQuery,
  status: optionalText.pipe(z.enum(['open', 'closed']).optional()),
});

export async function getQuarterList(req: ApiRequest): Promise<Reply> {
  const query = parseWith(QuarterListQuery, req.query, 'query');
  const found = matcher(query.q);
  const matched = (await listQuarters(req.deps))
    .filter((q) => (!query.status || q.status === query.status) && found(q.quarter, q.rulesVersion))
    // Quarter IDs sort by time: oldest first unless `order=desc`.
    .sort(compareBy<QuarterInfo>((q) => q.quarter, query.order ?? 'asc'));
  const { items, page } = pageOf(matched, query, 'all');
  return { json: { quarters: await withLineBalance(req, items), page } };
}

// ---------------------------------------------------------------- the product queue

export const PRODUCT_EXCEPTION_SORTS = ['count', 'sku', 'description', 'code'] as const;

const ExceptionListQuery = z.object({
  quarter: optionalText.pipe(QuarterId.optional()),
  ...PagingQuery,
  sort: optionalText.pipe(z.enum(PRODUCT_EXCEPTION_SORTS).default('count')),
  code: optionalText.pipe(z.enum(PRODUCT_EXCEPTIONS).optional()),
  distributor: DistributorIdParam,
});

export async function getProductExceptionList(req: ApiRequest): Promise<Reply> {
  const query = parseWith(ExceptionListQuery, req.query, 'query');
  const book = new RulesBook(await req.deps.rules.loadAll());
  if (query.quarter && !book.get(query.quarter))
    throw new NotFoundError(
      `There is no quarter ${query.quarter}; quarters with rules: ${book.quarters.join(', ')}.`,
      { key: 'quarter-unknown', params: { quarter: query.quarter, known: book.quarters } },
    );
  const [exceptions, distributors] = await Promise.all([
    productExceptions(new LatestComputations(req.deps), query.quarter ? [query.quarter] : book.quarters),
    req.deps.reference.listDistributors(),
  ]);
  const shown = asWrittenIn(distributors);
  const found = matcher(query.q);
  const matched = exceptions.filter(
    (x) =>
      (!query.code || x.code === query.code) &&
      (!query.distributor || x.distributors.includes(query.distributor)) &&
      found(x.sku, x.description, x.code),
  );
  // Without `sort`, as before: most lines first, then by description (the queue's order).
  const key: Record<(typeof PRODUCT_EXCEPTION_SORTS)[number], (x: ProductException) => string | number> = {
    count: (x) => x.count,
    sku: (x) => x.sku.toLowerCase(),
    description: (x) => x.description.toLowerCase(),
    code: (x) => x.code,
  };
  const byChosen = compareBy(key[query.sort], query.order ?? (query.sort === 'count' ? 'desc' : 'asc'));
  const byDescription = compareBy<ProductException>((x) => x.description);
  const bySku = compareBy<ProductException>((x) => x.sku);
  const sorted =
    query.sort === 'count' && query.order !== 'asc'
      ? matched
      : [...matched].sort((a, b) => byChosen(a, b) || byDescription(a, b) || bySku(a, b));
  const { items, page } = pageOf(sorted, query, 'all');
  return {
    json: { exceptions: items.map((x) => ({ ...x, distributors: x.distributors.map(shown) })), page },
  };
}
