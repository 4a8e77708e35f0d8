/**
 * The route table of docs/api.md. Roles are checked from the table before a handler runs; each
 * handler then narrows to the caller's scope (a partner manager's regions, a distributor's own
 * reports): an explicit ID outside the scope is 404, worded as for one that does not exist, so an
 * answer never tells whether another territory's partner or another distributor's report exists;
 * a list is filtered.
 */
import { z } from 'zod';
import { canSeeDistributor, canSeePartner, type Principal } from '../../shared/auth/principal.js';
import { asWrittenIn } from '../../shared/domain/ids.js';
import { balance } from '../../shared/domain/points.js';
import { warningText, type Lang } from '../../shared/domain/render/index.js';
import { QuarterId } from '../../shared/domain/rules/schema.js';
import { ForbiddenError, NotFoundError } from '../../shared/errors.js';
import { readRejects } from '../../shared/export/rejects-csv.js';
import { heldLinesOfReport, LatestComputations, reportOutcome } from '../../shared/pipeline/held-lines.js';
import type { PayoutLine } from '../../shared/domain/types.js';
import { about, actorOf, recordAudit } from '../../shared/pipeline/audit.js';
import { effectiveLines, exportQuarter } from '../../shared/pipeline/quarters.js';
import { rejectsFileName } from '../../shared/pipeline/ingest.js';
import type { ReportRecord } from '../../shared/ports/index.js';
import {
  DistributorIdParam,
  jsonBody,
  money,
  optionalText,
  parseWith,
  partnerMap,
  PartnerIdParam,
  payoutLineJson,
  quarterOf,
  sumAmounts,
  type ApiRequest,
  type Reply,
  type Route,
} from './http.js';
import { languageOf } from './language.js';
import { earningJson, ledgerEntryJson, progressJson } from './payout-json.js';
import { previewQuarter } from './preview.js';
import { compareBy, matcher, pageOf, PagingQuery } from './paging.js';
import { getPaymentList } from './routes-payment-list.js';
import { PAYOUT_SORTS, payoutOrder } from './payout-order.js';
import { getProductExceptionList, getQuarterList } from './routes-more-lists.js';
import { getApprovalList, getAuditPage } from './routes-trail-lists.js';
import { getPartnerList, getRules } from './routes-lists.js';
import { closedPartnerJson, closedPayoutsJson, totalsApart, ViewParam, ViewQuery } from './routes-closed.js';
import { getAccruals, getRewards, postPayment, postRedemption } from './routes-finance.js';
import { getNames } from './routes-names.js';
import { UPLOAD_URL_SECONDS } from '../../shared/pipeline/uploader.js';
import { APPROVAL_ROUTES } from './routes-approvals.js';
import { putAcceptances, putCatalog, putDistributors, putPartners, putTrainings } from './reference.js';
import { safeUploadName } from './upload-name.js';
import { reportKey } from '../../shared/storage-contract.js';
import { getQuarterExceptions, getWatchlist } from './routes-workbench.js';
import { failureJson, rejectJson } from './reject-json.js';
import { uploaderJson } from './report-uploader.js';

const DOWNLOAD_URL_SECONDS = 15 * 60;
const REJECTS_SHOWN = 500;
const HELD_SHOWN = 500;

/** Distributor key → as written in the registry, for answers that carry only the key. */
const distributorsAsWritten = async (req: ApiRequest) =>
  asWrittenIn(await req.deps.reference.listDistributors());

/** The same answer for a partner that does not exist and one the caller may not see. */
function noSuchPartner(principal: Principal, id: string): NotFoundError {
  return new NotFoundError(
    principal.role === 'manager'
      ? `There is no partner ${id} in your territory (${principal.regions.join(', ')}).`
      : `There is no partner ${id} in the registry.`,
    principal.role === 'manager'
      ? { key: 'partner-unknown-territory', params: { partner: id, regions: principal.regions } }
      : { key: 'partner-unknown', params: { partner: id } },
  );
}

// ---------------------------------------------------------------- payouts and partners

const PayoutsQuery = z.object({
  partner: optionalText.pipe(PartnerIdParam.optional()),
  distributor: DistributorIdParam,
  program: optionalText,
  region: optionalText,
  ...PagingQuery,
  view: ViewParam,
  sort: optionalText.pipe(z.enum(PAYOUT_SORTS).optional()),
});

async function getPayouts(req: ApiRequest): Promise<Reply> {
  const { principal } = req;
  const rules = await quarterOf(req);
  const filter = parseWith(PayoutsQuery, req.query, 'query');
  const [effective, partners] = await Promise.all([effectiveLines(req.deps, rules.quarter), partnerMap(req)]);

  // A named partner outside the territory is answered as one that does not exist; a region is the
  // caller's own word, so refusing it tells nothing about anyone's partners.
  if (filter.partner) {
    const p = partners.get(filter.partner);
    if (p && !canSeePartner(principal, p)) throw noSuchPartner(principal, filter.partner);
  }
  if (filter.region && principal.role === 'manager' && !principal.regions.includes(filter.region))
    throw new ForbiddenError(
      `Region ${filter.region} is outside your territory (${principal.regions.join(', ')}).`,
      { key: 'region-outside', params: { region: filter.region, regions: principal.regions } },
    );

  const found = matcher(filter.q);
  const shown = (l: PayoutLine) => {
    const p = partners.get(l.partnerId);
    return (
      (p ? canSeePartner(principal, p) : principal.role !== 'manager') &&
      (!filter.partner || l.partnerId === filter.partner) &&
      (!filter.distributor || l.distributorId === filter.distributor) &&
      (!filter.program || l.program === filter.program) &&
      (!filter.region || p?.region === filter.region) &&
      found(l.partnerDisplayId ?? l.partnerId, l.partnerId, p?.name)
    );
  };
  const arrange = payoutOrder(filter, partners);
  if (effective.status === 'closed')
    return { json: await closedPayoutsJson(req, rules.quarter, filter.view, shown, partners, filter, arrange) };
  const lines = effective.lines.filter(shown);
  // `total` is of every matching line; without `limit` every line is sent, as scripts expect.
  const { items, page } = pageOf(arrange(lines), filter, 'all');
  return {
    json: {
      quarter: rules.quarter,
      status: effective.status,
      lines: items.map((l) => payoutLineJson(l, partners.get(l.partnerId), languageOf(req), req.principal)),
      total: money(sumAmounts(lines)),
      page,
      totals: totalsApart(rules.quarter, lines),
    },
  };
}

async function getPartner(req: ApiRequest): Promise<Reply> {
  const { principal, deps } = req;
  const rules = await quarterOf(req);
  const id = parseWith(PartnerIdParam, req.params.id, 'partner ID in the path');
  const state = await deps.reference.partnerState(id);
  const partner = state.partner;
  if (!partner || !canSeePartner(principal, partner)) throw noSuchPartner(principal, id);

  const [effective, stored] = await Promise.all([
    effectiveLines(deps, rules.quarter),
    deps.payouts.get(rules.quarter, id),
  ]);
  if (effective.status === 'closed')
    return {
      json: await closedPartnerJson(req, rules.quarter, state, parseWith(ViewQuery, req.query, 'query').view, stored),
    };
  const lines = effective.lines.filter((l) => l.partnerId === id);
  const entries = [...state.ledger].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.entryId < b.entryId ? -1 : 1,
  );
  // IDs as written in the registry: the partner's, and the key in progress and ledger entries.
  const { id: _key, displayId, ...profile } = partner;
  const lang = languageOf(req);
  return {
    json: {
      partner: { id: displayId, ...profile },
      quarter: rules.quarter,
      status: effective.status,
      lines: lines.map((l) => payoutLineJson(l, partner, lang, req.principal)),
      progress: (stored?.result.progress ?? []).map((p) => progressJson(p, displayId, lang)),
      total: money(sumAmounts(lines)),
      points: {
        balance: balance(state.ledger),
        entries: entries.map((e) => ledgerEntryJson(e, displayId, lang)),
        // An open quarter's points wait in the payout result; closing the quarter credits them.
        pending: effective.status === 'open' ? (stored?.points ?? []).map((e) => earningJson(e, lang)) : [],
      },
      warnings: (stored?.result.warnings ?? []).map((w) => warningText(w, lang)),
    },
  };
}

// ---------------------------------------------------------------- quarters (the list: routes-more-lists.ts)

const ExportQuery = z.object({ format: z.enum(['csv', 'xlsx']).default('csv') });

async function getExport(req: ApiRequest): Promise<Reply> {
  const rules = await quarterOf(req);
  const { format } = parseWith(ExportQuery, req.query, 'query');
  // Finance and program only, who may read a direct S3 writer's address: the causes keep it.
  const lang = languageOf(req);
  const file = await exportQuarter(req.deps, rules.quarter, format, lang);
  await recordAudit(req.deps, {
    kind: 'export',
    actor: actorOf(req.principal),
    ...about({ code: 'export', params: { quarter: rules.quarter, format } }),
    quarters: [rules.quarter],
    partners: [],
    // The language is part of what was given: it changes the bytes, not the figures.
    after: { fileName: file.fileName, sha256: file.sha256, language: lang },
  });
  return { file: { body: file.body, contentType: file.contentType, fileName: file.fileName, language: lang } };
}

// ---------------------------------------------------------------- reports and uploads

const ReportsQuery = z.object({
  distributor: DistributorIdParam,
  quarter: optionalText.pipe(QuarterId.optional()),
  ...PagingQuery,
  sort: z.enum(['received', 'name', 'distributor', 'status']).default('received'),
  status: optionalText.pipe(z.enum(['received', 'processing', 'processed', 'failed']).optional()),
});

async function getReports(req: ApiRequest): Promise<Reply> {
  const { principal } = req;
  const q = parseWith(ReportsQuery, req.query, 'query');
  const shown = await distributorsAsWritten(req);
  if (q.distributor && !canSeeDistributor(principal, q.distributor))
    throw new ForbiddenError(
      `You can see only the reports of distributor ${shown(principal.distributorId!)}.`,
      { key: 'distributor-reports-only', params: { distributor: shown(principal.distributorId!) } },
    );
  const distributorId = principal.role === 'distributor' ? principal.distributorId! : q.distributor;
  const found = matcher(q.q);
  const sortKey = { received: 'receivedAt', name: 'name', distributor: 'distributorId', status: 'status' } as const;
  const reports = (await req.deps.reports.list(distributorId ? { distributorId } : {}))
    .filter((r) => (!q.quarter || r.quarters?.includes(q.quarter)) && (!q.status || r.status === q.status))
    .filter((r) => found(r.name, r.reportId, shown(r.distributorId)))
    .sort(
      (a, b) =>
        compareBy<ReportRecord>((r) => r[sortKey[q.sort]], q.order)(a, b) ||
        compareBy<ReportRecord>((r) => r.receivedAt)(a, b) ||
        compareBy<ReportRecord>((r) => r.reportId)(a, b),
    );
  // Without `limit` every report, as scripts have always read them; the dashboard asks for a page.
  const { items, page } = pageOf(reports, q, 'all');
  const latest = new LatestComputations(req.deps);
  const lang = languageOf(req);
  return { json: { reports: await Promise.all(items.map((r) => reportJson(r, latest, shown, lang, principal))), page } };
}

/** The record with the distributor as written, the uploader as the reader may see it, and what the latest computations made of its lines. */
async function reportJson(
  record: ReportRecord,
  latest: LatestComputations,
  shown: (id: string) => string,
  lang: Lang,
  principal: Principal,
) {
  // The version's audit entry is the trail's (GET /audit): it names the uploader unfiltered.
  const { entry: _entry, ...fields } = record;
  return {
    ...fields,
    ...(record.error ? { error: failureJson(record.error, lang) } : {}),
    uploader: uploaderJson(record.uploader, principal, lang),
    distributorId: shown(record.distributorId),
    computed: await reportOutcome(latest, record),
  };
}

async function getReport(req: ApiRequest): Promise<Reply> {
  const { principal, deps } = req;
  const reportId = parseWith(
    z.string().regex(/^rpt_[0-9a-f]{20}$/, 'is not a report ID'),
    req.params.reportId,
    'report ID',
  );
  const report = await deps.reports.get(reportId);
  // Another distributor's report is answered as a missing one: a distributor learns no one else's IDs.
  if (!report || !canSeeDistributor(principal, report.distributorId))
    throw new NotFoundError(`There is no report ${reportId}.`, { key: 'report-unknown', params: { report: reportId } });
  const latest = new LatestComputations(deps);
  const reader = principal.role === 'distributor' ? { distributorId: principal.distributorId! } : ('vendor' as const);
  const lang = languageOf(req);
  const [rejects, rejectsUrl, held, shown] = await Promise.all([
    report.rejectsKey ? readRejects(deps.objects, report.rejectsKey, REJECTS_SHOWN) : null,
    report.rejectsKey
      ? deps.urls.presignGet(report.rejectsKey, DOWNLOAD_URL_SECONDS, rejectsFileName(report.name).split('/').pop())
      : null,
    heldLinesOfReport(latest, report, reader, HELD_SHOWN, lang),
    distributorsAsWritten(req),
  ]);
  return {
    json: {
      report: await reportJson(report, latest, shown, lang, principal),
      rejects: (rejects?.rows ?? []).map((r) => rejectJson(r, lang)),
      rejectsColumns: rejects?.columns ?? [],
      rejectsMore: rejects?.more ?? false,
      rejectsUrl,
      held: held.entries,
      heldLines: held.total,
      heldPending: held.pending,
    },
  };
}

const UploadBody = z.object({ name: z.string() }).strict();

async function postUpload(req: ApiRequest): Promise<Reply> {
  const name = safeUploadName(jsonBody(req, UploadBody).name);
  // The key is built from the caller's own claim, never from the request: a distributor cannot aim at another's folder.
  const key = reportKey(req.principal.distributorId!, name);
  // Who asked, so a computation can name the uploader of a replaced report.
  await req.deps.uploads.record({ key, by: `${req.principal.role} ${req.principal.sub}`, at: req.deps.clock.now().toISOString() });
  const url = await req.deps.urls.presignPut(key, UPLOAD_URL_SECONDS);
  return { json: { url, method: 'PUT', key, expiresIn: UPLOAD_URL_SECONDS } };
}

// GET /exceptions, the product queue: routes-more-lists.ts.

// ---------------------------------------------------------------- the table

async function me(req: ApiRequest): Promise<Reply> {
  const p = req.principal;
  return {
    json: {
      sub: p.sub,
      role: p.role,
      ...(p.role === 'manager' ? { regions: p.regions } : {}),
      ...(p.role === 'distributor'
        ? { distributorId: (await distributorsAsWritten(req))(p.distributorId!) }
        : {}),
    },
  };
}

const ALL = ['finance', 'program', 'manager', 'distributor'] as const;
const STAFF = ['finance', 'program', 'manager'] as const;

export const ROUTES: readonly Route[] = [
  { method: 'GET', path: '/me', roles: ALL, handle: me },
  { method: 'GET', path: '/quarters', roles: STAFF, handle: getQuarterList },
  { method: 'GET', path: '/quarters/{q}/payouts', roles: STAFF, handle: getPayouts },
  { method: 'GET', path: '/quarters/{q}/partners', roles: STAFF, handle: getPartnerList },
  { method: 'GET', path: '/quarters/{q}/partners/{id}', roles: STAFF, handle: getPartner },
  { method: 'GET', path: '/quarters/{q}/rules', roles: STAFF, handle: getRules },
  { method: 'GET', path: '/quarters/{q}/watchlist', roles: STAFF, handle: getWatchlist },
  { method: 'GET', path: '/quarters/{q}/exceptions', roles: STAFF, handle: getQuarterExceptions },
  { method: 'POST', path: '/quarters/{q}/preview', roles: STAFF, handle: previewQuarter },
  { method: 'POST', path: '/quarters/{q}/close', roles: ['finance'], handle: APPROVAL_ROUTES.postCloseRequest },
  { method: 'GET', path: '/quarters/{q}/export', roles: ['finance', 'program'], handle: getExport },
  { method: 'GET', path: '/reports', roles: ALL, handle: getReports },
  { method: 'GET', path: '/reports/{reportId}', roles: ALL, handle: getReport },
  { method: 'POST', path: '/uploads', roles: ['distributor'], handle: postUpload },
  { method: 'PUT', path: '/reference/partners', roles: ['program'], handle: putPartners },
  { method: 'PUT', path: '/reference/distributors', roles: ['program'], handle: putDistributors },
  { method: 'PUT', path: '/reference/acceptances', roles: ['program', 'manager'], handle: putAcceptances },
  { method: 'PUT', path: '/reference/trainings', roles: ['program', 'manager'], handle: putTrainings },
  { method: 'PUT', path: '/reference/catalog', roles: ['program'], handle: putCatalog },
  { method: 'GET', path: '/exceptions', roles: STAFF, handle: getProductExceptionList },
  { method: 'GET', path: '/quarters/{q}/accruals', roles: ['finance', 'program'], handle: getAccruals },
  { method: 'POST', path: '/payments', roles: ['finance'], handle: postPayment },
  { method: 'GET', path: '/payments', roles: ['finance', 'program'], handle: getPaymentList },
  { method: 'POST', path: '/partners/{id}/redemptions', roles: ['finance', 'program'], handle: postRedemption },
  { method: 'GET', path: '/rewards', roles: ['finance', 'program'], handle: getRewards },
  { method: 'GET', path: '/names', roles: STAFF, handle: getNames },
  { method: 'GET', path: '/approvals', roles: STAFF, handle: getApprovalList },
  { method: 'POST', path: '/approvals/{id}/approve', roles: ['finance', 'program'], handle: APPROVAL_ROUTES.postApprove },
  { method: 'POST', path: '/approvals/{id}/reject', roles: ['finance', 'program'], handle: APPROVAL_ROUTES.postReject },
  { method: 'GET', path: '/audit', roles: STAFF, handle: getAuditPage },
];
