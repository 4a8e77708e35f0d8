/**
 * Server-side paging of list routes (docs/api.md, "Lists: paging, sort, search"): `limit`,
 * `offset` or the opaque `cursor` of the previous page, `order`. Lists are sorted and filtered in
 * memory over the quarter's results (10,000 partners sort in milliseconds); only the page is sent.
 */
import { z } from 'zod';
import { InputValidationError } from '../../shared/errors.js';

export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 500;

const Count = (name: string, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,9}$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n <= max, `${name} must be at most ${max}`);

/** The paging part of a list route's query (merge it into the route's own schema). */
export const PagingQuery = {
  limit: Count('limit', MAX_LIMIT)
    .refine((n) => n >= 1, 'limit must be at least 1')
    .optional(),
  offset: Count('offset', 1_000_000_000).optional(),
  cursor: z.string().trim().max(40).optional(),
  order: z.enum(['asc', 'desc']).optional(),
  /** Search text: empty means none. */
  q: z
    .string()
    .trim()
    .max(100, 'q must be at most 100 characters')
    .optional()
    .transform((v) => v || undefined),
};

export interface Page {
  /** Items matched by the filters and search, over all pages. */
  total: number;
  limit: number;
  offset: number;
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

// The cursor names the next offset: a list is re-sorted on every call, so a position is all it needs.
const encodeCursor = (offset: number) => Buffer.from(`o:${offset}`, 'utf8').toString('base64url');

function decodeCursor(cursor: string): number {
  const m = /^o:(\d{1,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m)
    throw new InputValidationError('The cursor is not one this list gave; start again from the first page.', [], {
      key: 'cursor-invalid',
    });
  return Number(m[1]);
}

/** One page of `items` (already filtered and sorted); without `limit` the whole list. */
export function pageOf<T>(
  items: readonly T[],
  query: { limit?: number | undefined; offset?: number | undefined; cursor?: string | undefined },
  defaultLimit: number | 'all' = DEFAULT_LIMIT,
): { items: T[]; page: Page } {
  const offset = query.cursor !== undefined ? decodeCursor(query.cursor) : (query.offset ?? 0);
  const limit = query.limit ?? (defaultLimit === 'all' ? Math.max(items.length - offset, 0) : defaultLimit);
  const slice = items.slice(offset, offset + limit);
  const next = offset + limit;
  return {
    items: slice,
    page: { total: items.length, limit, offset, nextCursor: next < items.length && limit > 0 ? encodeCursor(next) : null },
  };
}

/** Ascending comparison of numbers or strings; null and undefined sort last in either order. */
export function compareBy<T>(key: (x: T) => string | number | null | undefined, order: 'asc' | 'desc' = 'asc') {
  const sign = order === 'desc' ? -1 : 1;
  return (a: T, b: T): number => {
    const x = key(a);
    const y = key(b);
    if (x === y) return 0;
    if (x === null || x === undefined) return 1;
    if (y === null || y === undefined) return -1;
    return (x < y ? -1 : 1) * sign;
  };
}

/**
 * A list in the order asked: sorted by `compare` (stable, so ties keep the stored order), or, with
 * no comparison, the stored order itself, reversed for `desc`.
 */
export function inOrder<T>(items: readonly T[], compare: ((a: T, b: T) => number) | null, order: 'asc' | 'desc'): T[] {
  if (compare) return [...items].sort(compare);
  return order === 'asc' ? [...items] : [...items].reverse();
}

/** Case- and space-insensitive containment, for search boxes. */
export function matcher(q: string | undefined): (...fields: (string | null | undefined)[]) => boolean {
  if (!q) return () => true;
  const norm = (s: string) => s.toLocaleLowerCase('ru-RU').replace(/\s+/g, '');
  const needle = norm(q);
  return (...fields) => fields.some((f) => f != null && norm(f).includes(needle));
}
