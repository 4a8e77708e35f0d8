/**
 * Lists that scale (issue #15 point 5) for the approvals and the audit trail: `GET /approvals`
 * pages like the partners list (`limit`, `offset` or `cursor`, `page.total`); `GET /audit` pages
 * by cursor only, since counting a year of entries would mean reading them all (docs/api.md,
 * "Lists: paging, sort, search").
 */
import { z } from 'zod';
import { canSeePartner } from '../../shared/auth/principal.js';
import { QuarterId } from '../../shared/domain/rules/schema.js';
import { ForbiddenError, InputValidationError } from '../../shared/errors.js';
import {
  APPROVAL_STATUSES,
  AUDIT_KINDS,
  type Approval,
  type AuditEntry,
  type AuditQuery,
  type AuditRepository,
} from '../../shared/ports/approvals.js';
import {
  optionalText,
  parseWith,
  partnerMap as registry,
  PartnerIdParam,
  type ApiRequest,
  type Reply,
} from './http.js';
import { compareBy, DEFAULT_LIMIT, matcher, pageOf, PagingQuery } from './paging.js';
import { approvalJson, auditEntryJson, seesAbout, shownId } from './routes-approvals.js';
import { languageOf } from './language.js';
import { targetSaid } from '../../shared/domain/render/audit.js';

const DAY_MS = 86_400_000;

/** One value of `values` or several, comma-separated. */
function listOf<T extends string>(values: readonly [T, ...T[]]) {
  return optionalText.pipe(
    z
      .string()
      .transform((s) =>
        s
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .pipe(z.array(z.enum(values, { message: `is not one of ${values.join(', ')}` })))
      .optional(),
  );
}

const StatusList = listOf(APPROVAL_STATUSES);

export const APPROVAL_SORTS = ['requested', 'decided', 'quarter'] as const;

const ApprovalListQuery = z.object({
  ...PagingQuery,
  /** One status or several, comma-separated: the dashboard asks for waiting and decided apart. */
  status: StatusList,
  kind: listOf(['close', 'reference-change']),
  sort: optionalText.pipe(z.enum(APPROVAL_SORTS).default('requested')),
});

async function getApprovalList(req: ApiRequest): Promise<Reply> {
  const query = parseWith(ApprovalListQuery, req.query, 'query');
  const statuses = query.status?.length ? new Set(query.status) : null;
  const [approvals, known] = await Promise.all([
    // One status is one index partition; several are read whole and filtered here.
    req.deps.approvals.list(statuses?.size === 1 ? [...statuses][0] : undefined),
    registry(req),
  ]);
  const found = matcher(query.q);
  const kinds = query.kind?.length ? new Set<string>(query.kind) : null;
  const lang = languageOf(req);
  const matched = approvals
    .filter((a) => !statuses || statuses.has(a.status))
    .filter((a) => !kinds || kinds.has(a.kind))
    .filter((a) => seesAbout(req.principal, a.partners, known))
    .filter((a) => req.principal.role !== 'manager' || a.kind !== 'close')
    .filter((a) =>
      found(
        a.id,
        a.requestedBy.sub,
        a.decidedBy?.sub,
        a.comment,
        ...(a.kind === 'close' ? [a.quarter] : [a.what, ...a.quarters]),
      ),
    );
  // Newest first by default; the id settles requests of the same millisecond the same way every time.
  const order = query.order ?? (query.sort === 'quarter' ? 'asc' : 'desc');
  const byTime = compareBy<Approval>((a) => a.requestedAt, order);
  const byId = compareBy<Approval>((a) => a.id, order);
  // Undecided ones (no decidedAt) and those about no quarter come last in either order.
  const bySort =
    query.sort === 'decided'
      ? compareBy<Approval>((a) => a.decidedAt ?? null, order)
      : query.sort === 'quarter'
        ? compareBy<Approval>((a) => (a.kind === 'close' ? a.quarter : ([...a.quarters].sort()[0] ?? null)), order)
        : () => 0;
  const { items, page } = pageOf(
    matched.sort((a, b) => bySort(a, b) || byTime(a, b) || byId(a, b)),
    query,
    DEFAULT_LIMIT,
  );
  return { json: { approvals: items.map((a) => approvalJson(a, req.principal, known, lang)), page } };
}

const DateParam = optionalText.pipe(
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'is not a date like 2016-04-30')
    .optional(),
);

const AuditQuery = z.object({
  quarter: optionalText.pipe(QuarterId.optional()),
  partner: optionalText.pipe(PartnerIdParam.optional()),
  actor: optionalText,
  from: DateParam,
  to: DateParam,
  limit: PagingQuery.limit,
  offset: PagingQuery.offset,
  cursor: optionalText.pipe(z.string().max(200, 'is not a cursor this list gave').optional()),
  order: PagingQuery.order,
  q: PagingQuery.q,
  /** One kind or several, comma-separated. */
  kind: listOf(AUDIT_KINDS),
});

/** Dates of the range are Moscow calendar days (UTC+3). */
const moscowDayStart = (d: string) => new Date(`${d}T00:00:00+03:00`).toISOString();
const moscowDayEnd = (d: string) =>
  new Date(new Date(`${d}T00:00:00+03:00`).getTime() + DAY_MS - 1).toISOString();

/**
 * A page of the trail ends at an entry: the next starts just older than it. The cursor carries that
 * entry's id (ids sort by time) and how many entries came before, so a page knows where it stands.
 */
interface AuditCursor {
  offset: number;
  /** The id of the entry the previous page ended with. */
  before: string;
  /** Oldest first: the next page is the entries newer than `before`. */
  ascending?: boolean;
}

const AUDIT_ID = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z#[0-9a-z]{1,40}$/;

// `a:` pages newest first, `b:` oldest first: a cursor of one order is refused in the other.
export const encodeAuditCursor = (c: AuditCursor) =>
  Buffer.from(`${c.ascending ? 'b' : 'a'}:${c.offset}:${c.before}`, 'utf8').toString('base64url');

function decodeAuditCursor(cursor: string, ascending: boolean): AuditCursor {
  const m = /^([ab]):(\d{1,9}):(.+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m || !AUDIT_ID.test(m[3]!) || (m[1] === 'b') !== ascending)
    throw new InputValidationError(
      'The cursor is not one this list gave; start again from the first page.',
      [],
      {
        key: 'cursor-invalid',
      },
    );
  return { offset: Number(m[2]), before: m[3]!, ascending };
}

/**
 * At most this many entries are read for one page of a manager, whose territory may be a small
 * part of the trail: a page can then come back short, with a cursor to read on from where it stopped.
 */
const AUDIT_READ = 2000;

/**
 * Up to `limit` entries the caller may see, older than `before` (newer, with `order: 'asc'`), and where the next page starts
 * (`end`, the id to read on from; undefined at the end of the trail). A full page ends at its last
 * entry; one cut short by `readCap` at the last entry read, so entries nobody may see are not read
 * twice.
 */
export async function readAuditPage(
  audit: AuditRepository,
  query: Omit<AuditQuery, 'limit' | 'before' | 'after'>,
  visible: (e: AuditEntry) => boolean,
  limit: number,
  before: string | undefined,
  { chunk = limit + 1, readCap = AUDIT_READ }: { chunk?: number; readCap?: number } = {},
): Promise<{ items: AuditEntry[]; end: string | undefined }> {
  // One entry more than the page tells whether another page follows.
  const shown: AuditEntry[] = [];
  let last = before;
  let read = 0;
  while (read < readCap) {
    const want = Math.min(chunk, readCap - read);
    const bound = last ? (query.order === 'asc' ? { after: last } : { before: last }) : {};
    const entries = await audit.query({ ...query, limit: want, ...bound });
    read += entries.length;
    for (const e of entries) {
      if (visible(e)) shown.push(e);
      if (shown.length > limit) return { items: shown.slice(0, limit), end: shown[limit - 1]?.id };
      last = e.id;
    }
    if (entries.length < want) return { items: shown, end: undefined };
  }
  return { items: shown, end: last };
}

async function getAuditPage(req: ApiRequest): Promise<Reply> {
  const q = parseWith(AuditQuery, req.query, 'query');
  if (q.offset)
    throw new InputValidationError(
      'The audit trail is read page by page: pass the nextCursor of the page before instead of an offset.',
      [],
      { key: 'audit-offset' },
    );
  const limit = q.limit ?? DEFAULT_LIMIT;
  const ascending = q.order === 'asc';
  const start = q.cursor ? decodeAuditCursor(q.cursor, ascending) : null;
  const now = req.deps.clock.now();
  const to = q.to ? moscowDayEnd(q.to) : now.toISOString();
  // Without a start, the last year: a bounded read of twelve monthly partitions.
  const from = q.from ? moscowDayStart(q.from) : new Date(Date.parse(to) - 365 * DAY_MS).toISOString();
  if (from > to)
    throw new InputValidationError(`The range starts (${q.from}) after it ends (${q.to ?? 'today'}).`, [], {
      key: 'range-reversed',
      params: { from: q.from ?? null, to: q.to ?? null },
    });
  const known = await registry(req);
  if (q.partner && req.principal.role === 'manager') {
    const p = known.get(q.partner);
    if (!p || !canSeePartner(req.principal, p))
      throw new ForbiddenError(
        `Partner ${q.partner} is not in your territory (${req.principal.regions.join(', ')}).`,
        { key: 'partner-outside', params: { partner: q.partner, regions: req.principal.regions } },
      );
  }

  const show = shownId(known);
  const kinds = q.kind?.length ? new Set<string>(q.kind) : null;
  const found = matcher(q.q);
  // The search reads what the reader sees of an entry: who, what (in either language), partners, quarters.
  const searched = (e: AuditEntry) =>
    found(
      e.actor.sub,
      e.kind,
      e.target,
      targetSaid(e, 'en').text,
      targetSaid(e, 'ru').text,
      e.approvalId,
      e.comment,
      ...e.quarters,
      // Only partners the caller may see: a search must not tell a manager who else an entry names.
      ...e.partners.filter((p) => seesAbout(req.principal, [p], known)).flatMap((p) => [p, show(p)]),
    );
  // Filters applied here, not by the table, read more entries for each one shown.
  const sparse = req.principal.role === 'manager' || kinds !== null || q.q !== undefined;
  const { items, end } = await readAuditPage(
    req.deps.audit,
    {
      from,
      to,
      ...(q.actor ? { actor: q.actor } : {}),
      ...(q.quarter ? { quarter: q.quarter } : {}),
      ...(q.partner ? { partner: q.partner } : {}),
      ...(ascending ? { order: 'asc' as const } : {}),
    },
    (e) => seesAbout(req.principal, e.partners, known) && (!kinds || kinds.has(e.kind)) && searched(e),
    limit,
    start?.before,
    { chunk: sparse ? (limit + 1) * 4 : limit + 1 },
  );
  const offset = start?.offset ?? 0;
  return {
    json: {
      from,
      to,
      entries: items.map((e) => auditEntryJson(e, req.principal, known, show, languageOf(req))),
      page: {
        total: null,
        limit,
        offset,
        nextCursor: end ? encodeAuditCursor({ offset: offset + items.length, before: end, ascending }) : null,
      },
    },
  };
}

export { getApprovalList, getAuditPage };
