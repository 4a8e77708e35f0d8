/**
 * Two-person approvals and the audit trail over HTTP (docs/api.md, "Approvals and audit"):
 * POST /quarters/{q}/close asks for a close (202), POST /approvals/{id}/approve|reject decide it;
 * the lists GET /approvals and GET /audit are paged in routes-trail-lists.ts. A partner manager sees
 * only what is about partners of the territory.
 */
import { z } from 'zod';
import { canSeePartner, type Principal } from '../../shared/auth/principal.js';
import type { Partner } from '../../shared/domain/types.js';
import { approve, reject, requestClose, subjectOf } from '../../shared/pipeline/approvals.js';
import { actorOf } from '../../shared/pipeline/audit.js';
import {
  subjectFromTarget,
  subjectText,
  targetSaid,
  type AuditSubject,
} from '../../shared/domain/render/audit.js';
import type { Lang } from '../../shared/domain/render/format.js';
import { uploaderText } from '../../shared/domain/render/uploader.js';
import { ledgerEntryReason } from '../../shared/domain/render/index.js';
import type { LedgerEntry } from '../../shared/domain/points.js';
import {
  type Approval,
  type AuditEntry,
  type PartnerEffect,
} from '../../shared/ports/approvals.js';
import {
  jsonBody,
  money,
  parseWith,
  partnerMap as registry,
  payoutLineJson,
  quarterOf,
  type ApiRequest,
  type Reply,
} from './http.js';
import { languageOf } from './language.js';

/** Whether the caller may see something about these partners: a manager, only when one is in the territory. */
export function seesAbout(
  principal: Principal,
  partners: readonly string[],
  known: ReadonlyMap<string, Partner>,
): boolean {
  if (principal.role === 'finance' || principal.role === 'program') return true;
  return partners.some((id) => {
    const p = known.get(id);
    return p !== undefined && canSeePartner(principal, p);
  });
}

const closeSubject = (quarter: string): AuditSubject => ({ code: 'close', params: { quarter } });

export const shownId = (known: ReadonlyMap<string, Partner>) => (id: string) => known.get(id)?.displayId ?? id;

/**
 * `subject` says what the request is about as a code with parameters; `subjectText` is it in the
 * reader's language (`subjectLang`), identifiers as written.
 */
export function approvalJson(
  a: Approval,
  principal: Principal,
  known: ReadonlyMap<string, Partner>,
  lang: Lang = 'en',
) {
  const subject = a.kind === 'close' ? closeSubject(a.quarter) : subjectOf(a.change);
  const base = {
    id: a.id,
    kind: a.kind,
    status: a.status,
    subject,
    subjectText: subjectText(subject, lang),
    subjectLang: lang,
    requestedBy: a.requestedBy,
    requestedAt: a.requestedAt,
    ...(a.decidedBy ? { decidedBy: a.decidedBy, decidedAt: a.decidedAt } : {}),
    ...(a.comment ? { comment: a.comment } : {}),
  };
  if (a.kind === 'close')
    return {
      ...base,
      quarter: a.quarter,
      total: a.total,
      openExceptions: a.openExceptions,
      exceptionGroups: a.exceptionGroups ?? null,
      rejectedLines: a.rejectedLines,
      heldLines: a.heldLines,
    };
  const visible = (e: PartnerEffect) => {
    const p = known.get(e.partnerId);
    return p ? canSeePartner(principal, p) : principal.role !== 'manager';
  };
  const show = shownId(known);
  // Until it is evaluated there is no effect to show; once applied it had none.
  if (a.status === 'evaluating' || a.status === 'applied')
    return {
      ...base,
      what: a.what,
      change: a.change,
      ...(a.appliedAt
        ? { appliedAt: a.appliedAt, computationsRequested: a.computationsRequested ?? [] }
        : {}),
    };
  return {
    ...base,
    quarters: a.quarters,
    what: a.what,
    change: a.change,
    effect: {
      totalRub: a.effect.totalRub,
      partners: a.effect.partners.filter(visible).map((e) => ({ ...e, partnerId: show(e.partnerId) })),
      ...(a.effect.partnersNotListed ? { partnersNotListed: a.effect.partnersNotListed } : {}),
    },
  };
}

async function postCloseRequest(req: ApiRequest): Promise<Reply> {
  const rules = await quarterOf(req);
  const approval = await requestClose(req.deps, rules.quarter, actorOf(req.principal));
  return { status: 202, json: { approval: approvalJson(approval, req.principal, new Map(), languageOf(req)) } };
}

const ApprovalIdParam = z.string().regex(/^apr_[0-9a-f]{20}$/, 'is not an approval ID');
const RejectBody = z
  .object({ comment: z.string().trim().max(1000, 'is longer than 1000 characters').optional() })
  .strict();

async function postApprove(req: ApiRequest): Promise<Reply> {
  const id = parseWith(ApprovalIdParam, req.params.id, 'approval ID in the path');
  const outcome = await approve(req.deps, id, actorOf(req.principal));
  const known = await registry(req);
  if ('snapshot' in outcome) {
    const s = outcome.snapshot;
    return {
      json: {
        approval: approvalJson(outcome.approval, req.principal, known, languageOf(req)),
        snapshot: {
          ...s,
          lines: s.lines.map((l) => payoutLineJson(l, known.get(l.partnerId), languageOf(req), req.principal)),
          total: money(s.total),
        },
      },
    };
  }
  return {
    json: {
      approval: approvalJson(outcome.approval, req.principal, known, languageOf(req)),
      written: outcome.applied.written,
      computationsRequested: outcome.applied.computationsRequested,
    },
  };
}

async function postReject(req: ApiRequest): Promise<Reply> {
  const id = parseWith(ApprovalIdParam, req.params.id, 'approval ID in the path');
  const body = req.body?.length ? jsonBody(req, RejectBody) : {};
  const decided = await reject(req.deps, id, actorOf(req.principal), body.comment || undefined);
  return { json: { approval: approvalJson(decided, req.principal, await registry(req), languageOf(req)) } };
}

/**
 * A manager sees the rows of an entry only when every partner it names is in the territory.
 * `target` stays the recorded English; `targetText` is it in the reader's language (`targetLang`),
 * from the entry's subject or, for an older entry, its target read back into one.
 */
export function auditEntryJson(
  e: AuditEntry,
  principal: Principal,
  known: ReadonlyMap<string, Partner>,
  show: (id: string) => string,
  lang: Lang,
) {
  const subject = e.subject ?? subjectFromTarget(e.target);
  const said = targetSaid(e, lang);
  // Who: a user is a name as recorded; the rebates command is said in the reader's words.
  const actorText = uploaderText(e.actor.sub, lang);
  const words = {
    ...(subject ? { subject } : {}),
    targetText: said.text,
    targetLang: said.lang,
    ...(actorText === e.actor.sub ? {} : { actorText }),
  };
  const mine = (id: string) => {
    const p = known.get(id);
    return p !== undefined && canSeePartner(principal, p);
  };
  if (principal.role !== 'manager' || e.partners.every(mine))
    return { ...e, ...words, ...ledgerEntrySaid(e, lang), partners: e.partners.map(show) };
  const { before: _before, after: _after, ...rest } = e;
  return { ...rest, ...words, partners: e.partners.filter(mine).map(show), rowsHidden: true };
}

/** A redemption's ledger entry (in `after`) with its reason in the reader's language, from its code. */
function ledgerEntrySaid(e: AuditEntry, lang: Lang): { after?: Record<string, unknown> } {
  const after = e.after as { entry?: Pick<LedgerEntry, 'reason' | 'why'> } | undefined;
  const entry = after?.entry;
  if (!entry?.why || typeof entry.why !== 'object') return {};
  return { after: { ...after, entry: { ...entry, reason: ledgerEntryReason(entry, lang) } } };
}

export const APPROVAL_ROUTES = {
  postCloseRequest,
  postApprove,
  postReject,
};
