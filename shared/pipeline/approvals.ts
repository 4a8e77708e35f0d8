/**
 * Two-person approval (maker-checker, issue #14 point 3):
 * - closing a quarter is requested by one finance user and approved by another; the request shows
 *   the total to be frozen, open exceptions, rejected and held lines. Approving after the figures
 *   changed is refused: the total shown is what the approver agrees to freeze.
 * - a reference change that would alter a closed quarter's figures is not written: it waits, with
 *   its RUB effect per partner (computed as the what-if, writing nothing), until a program manager
 *   or finance user other than its author approves it. A change that alters no closed quarter is
 *   written at once. The effect is worked out off the request (evaluate-change.ts).
 * Rejected requests stay on record. Every step appends an audit entry.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Decimal } from 'decimal.js';
import type { EffectiveLine } from '../domain/adjustments.js';
import { normaliseSku } from '../domain/classify.js';
import { courseKey } from '../domain/ids.js';
import { askedBySubject, rowGroups, type AuditSubject, type RequestSubject } from '../domain/render/audit.js';
import type { Acceptance, Training } from '../domain/types.js';
import {
  ApprovalDecidedError,
  ForbiddenError,
  NotFoundError,
  QuarterClosedError,
  StaleApprovalError,
} from '../errors.js';
import type {
  Actor,
  Approval,
  CloseApproval,
  PartnerEffect,
} from '../ports/approvals.js';
import type { AppDeps } from '../wiring.js';
import { about, boundedRows, recordAudit } from './audit.js';
import { computeQuarter, type QuarterReference } from './compute-quarter.js';
import { latestComputation, loadExtracts, loadQuarterInputs } from './compute.js';
import { closeExceptions } from './close-exceptions.js';
import { LatestComputations } from './held-lines.js';
import {
  closeQuarter,
  effectiveLines,
  getSnapshot,
  listQuarters,
  type QuarterSnapshot,
} from './quarters.js';
import { importReference, type ReferenceChange, type ReferenceImportResult } from './reference-import.js';

export type ApprovalDeps = AppDeps;


export const newId = () => `apr_${randomBytes(10).toString('hex')}`;
export const rub = (d: Decimal) => d.toFixed(2);
const who = (a: Actor) => `${a.role} ${a.sub}`;

// ---------------------------------------------------------------- close

/** Of the figures a close would freeze: partner, distributor, program, rate row, units, amounts. */
function fingerprintOf(lines: readonly EffectiveLine[]): string {
  const rows = lines
    .map((l) =>
      [
        l.partnerId,
        l.distributorId,
        l.program,
        l.rateRow,
        l.units,
        l.paidUnits,
        l.rate.toFixed(2),
        l.amount.toFixed(2),
        l.adjustmentOf ?? '',
      ].join('|'),
    )
    .sort();
  return createHash('sha256').update(rows.join('\n')).digest('hex');
}

async function closeFigures(deps: ApprovalDeps, quarter: string) {
  const effective = await effectiveLines(deps, quarter);
  if (effective.status === 'closed') {
    const s = effective.snapshot!;
    throw new QuarterClosedError(
      `Quarter ${quarter} is already closed on ${s.closedAt} by ${s.closedBy}; its figures are frozen.`,
      { key: 'quarter-closed', params: { quarter, closedAt: s.closedAt, closedBy: s.closedBy } },
    );
  }
  return { total: effective.total, fingerprint: fingerprintOf(effective.lines), lines: effective.lines };
}

export async function requestClose(deps: ApprovalDeps, quarter: string, by: Actor): Promise<CloseApproval> {
  const figures = await closeFigures(deps, quarter);
  const latest = new LatestComputations(deps);
  const [body, reports] = await Promise.all([latest.body(quarter), deps.reports.activeInQuarter(quarter)]);
  const exceptions = await closeExceptions(deps, quarter, body);
  const approval: CloseApproval = {
    id: newId(),
    kind: 'close',
    status: 'pending',
    quarter,
    requestedBy: by,
    requestedAt: deps.clock.now().toISOString(),
    total: rub(figures.total),
    fingerprint: figures.fingerprint,
    openExceptions: exceptions.total,
    exceptionGroups: exceptions.groups,
    // The file's own rejects of the reports with lines in the quarter, and the lines the computation held.
    rejectedLines: reports.reduce((n, r) => n + (r.counts?.rejected ?? 0), 0),
    heldLines: body?.counts.held ?? 0,
    partners: [...new Set(figures.lines.map((l) => l.partnerId))].sort(),
  };
  await deps.approvals.create(approval);
  await recordAudit(deps, {
    kind: 'close-request',
    actor: by,
    ...about({ code: 'close', params: { quarter } }),
    quarters: [quarter],
    partners: [],
    after: {
      total: approval.total,
      openExceptions: approval.openExceptions,
      exceptionGroups: approval.exceptionGroups,
      rejectedLines: approval.rejectedLines,
      heldLines: approval.heldLines,
    },
    approvalId: approval.id,
  });
  return approval;
}

// ---------------------------------------------------------------- reference changes

function withRows<T extends { partnerId: string }>(
  stored: ReadonlyMap<string, readonly T[]>,
  added: readonly T[] | undefined,
) {
  if (!added?.length) return stored;
  const out = new Map(stored);
  for (const row of added) out.set(row.partnerId, [...(out.get(row.partnerId) ?? []), row]);
  return out;
}

/** The reference data as it would be after the change (a copy; the stored data is not touched). */
export function applyToReference(reference: QuarterReference, change: ReferenceChange): QuarterReference {
  const set = <K, V>(map: ReadonlyMap<K, V>, rows: readonly V[] | undefined, key: (v: V) => K) => {
    if (!rows?.length) return map;
    const out = new Map(map);
    for (const r of rows) out.set(key(r), r);
    return out;
  };
  return {
    ...reference,
    partners: set(reference.partners, change.partners, (p) => p.id),
    distributors: set(reference.distributors, change.distributors, (d) => d.id),
    catalog: set(reference.catalog, change.catalog, (c) => normaliseSku(c.sku)),
    acceptances: withRows(reference.acceptances, change.acceptances),
    trainings: withRows(reference.trainings, change.trainings),
  };
}

/**
 * The RUB effect of the change on each closed quarter, per partner: the quarter computed from its
 * extracts with today's reference data, and with the change applied. Writes nothing.
 */
export async function closedQuarterEffect(
  deps: ApprovalDeps,
  change: ReferenceChange,
): Promise<{ quarters: string[]; partners: PartnerEffect[]; total: Decimal }> {
  const closed = (await listQuarters(deps)).filter((q) => q.status === 'closed').map((q) => q.quarter);
  const partners: PartnerEffect[] = [];
  const onlyPartnerRows = !change.partners?.length && !change.distributors?.length && !change.catalog?.length;
  for (const quarter of closed) {
    const inputs = await loadQuarterInputs(deps, quarter);
    if (!inputs) continue;
    // The latest computation, when it is of today's inputs, gives the totals before the change
    // without computing them again (the request path computes the quarter once, not twice).
    const latest = await latestComputation(deps, quarter);
    const fresh = latest?.pointer.inputsHash === inputs.inputsHash ? latest.body : null;
    // Acceptances and trainings change nothing for a partner with no counted line in the quarter.
    if (fresh && onlyPartnerRows) {
      const counted = new Set(fresh.partners.map((p) => p.partnerId));
      if (!partnersOf(change).some((id) => counted.has(id))) continue;
    }
    const extracts = await loadExtracts(deps, inputs.records);
    const totals = (reference: QuarterReference) =>
      new Map(
        computeQuarter({ rules: inputs.rules, reference, extracts }).partners.map((p) => [
          p.partnerId,
          p.result.total,
        ]),
      );
    const before = fresh
      ? new Map(fresh.partners.map((p) => [p.partnerId, new Decimal(p.total)]))
      : totals(inputs.reference);
    const after = totals(applyToReference(inputs.reference, change));
    for (const partnerId of [...new Set([...before.keys(), ...after.keys()])].sort()) {
      const b = before.get(partnerId) ?? new Decimal(0);
      const a = after.get(partnerId) ?? new Decimal(0);
      if (!a.minus(b).isZero())
        partners.push({ quarter, partnerId, before: rub(b), after: rub(a), delta: rub(a.minus(b)) });
    }
  }
  const total = partners.reduce((s, p) => s.plus(p.delta), new Decimal(0));
  return { quarters: [...new Set(partners.map((p) => p.quarter))], partners, total };
}

export const KINDS = ['partners', 'distributors', 'acceptances', 'trainings', 'catalog'] as const;

export function partnersOf(change: ReferenceChange): string[] {
  const ids = [
    ...(change.partners ?? []).map((p) => p.id),
    ...(change.acceptances ?? []).map((a) => a.partnerId),
    ...(change.trainings ?? []).map((t) => t.partnerId),
  ];
  return [...new Set(ids)].sort();
}

/** What a change is about: the identifiers of its rows, as written, by kind. */
export function subjectOf(change: ReferenceChange): RequestSubject {
  return {
    code: 'rows',
    params: {
      groups: rowGroups({
        partners: change.partners?.map((p) => p.displayId),
        distributors: change.distributors?.map((d) => d.displayId),
        acceptances: change.acceptances?.map((a) => a.partnerId),
        trainings: change.trainings?.map((t) => t.partnerId),
        catalog: change.catalog?.map((c) => c.sku),
      }),
    },
  };
}

/** A decision's subject: the request's, with who asked. */
export function decisionSubject(approval: Approval): AuditSubject {
  const asked = approval.kind === 'close'
    ? ({ code: 'close', params: { quarter: approval.quarter } } as const)
    : subjectOf(approval.change);
  return askedBySubject(asked, approval.requestedBy.sub);
}

/** The stored rows the change replaces or adds to, for the audit entry's "before". */
export async function rowsBefore(deps: ApprovalDeps, change: ReferenceChange) {
  const ref = await deps.reference.loadSnapshot();
  const before: Record<string, unknown[]> = {};
  if (change.partners?.length) before.partners = change.partners.flatMap((p) => ref.partners.get(p.id) ?? []);
  if (change.distributors?.length)
    before.distributors = change.distributors.flatMap((d) => ref.distributors.get(d.id) ?? []);
  if (change.catalog?.length)
    before.catalog = change.catalog.flatMap((c) => ref.catalog.get(normaliseSku(c.sku)) ?? []);
  if (change.acceptances?.length) {
    const programs = new Set(change.acceptances.map((a) => `${a.partnerId}|${a.program}`));
    before.acceptances = [...new Set(change.acceptances.map((a) => a.partnerId))].flatMap((id) =>
      (ref.acceptances.get(id) ?? []).filter((a: Acceptance) => programs.has(`${a.partnerId}|${a.program}`)),
    );
  }
  if (change.trainings?.length) {
    const courses = new Set(change.trainings.map((t) => `${t.partnerId}|${courseKey(t.courseCode)}`));
    before.trainings = [...new Set(change.trainings.map((t) => t.partnerId))].flatMap((id) =>
      (ref.trainings.get(id) ?? []).filter((t: Training) =>
        courses.has(`${t.partnerId}|${courseKey(t.courseCode)}`),
      ),
    );
  }
  return before;
}

export function bounded(rows: Record<string, unknown[]>) {
  return Object.fromEntries(
    Object.entries(rows).map(([k, list]) => {
      const b = boundedRows(list);
      return [k, b.more ? { rows: b.rows, more: b.more } : b.rows];
    }),
  );
}

/** Writes the change (as `importReference`) and records it, rows before and after, in the audit trail. */
export async function applyReferenceChange(
  deps: ApprovalDeps,
  change: ReferenceChange,
  author: Actor,
  approval?: { id: string; by: Actor },
): Promise<ReferenceImportResult> {
  const before = await rowsBefore(deps, change);
  const by = approval ? `${who(author)}, approved by ${who(approval.by)}` : who(author);
  const result = await importReference(deps, change, { by });
  const after = Object.fromEntries(KINDS.filter((k) => change[k]?.length).map((k) => [k, change[k]!]));
  await recordAudit(deps, {
    kind: 'reference',
    actor: author,
    ...about(subjectOf(change)),
    quarters: result.computationsRequested,
    partners: partnersOf(change),
    before: bounded(before),
    after: bounded(after),
    ...(approval ? { approvalId: approval.id } : {}),
  });
  return result;
}

// ---------------------------------------------------------------- decisions

async function pendingApproval(deps: ApprovalDeps, id: string): Promise<Approval> {
  const approval = await deps.approvals.get(id);
  if (!approval) throw new NotFoundError(`There is no approval request ${id}.`, { key: 'approval-unknown', params: { id } });
  if (approval.status !== 'pending') throw decidedError(approval);
  return approval;
}

function decidedError(a: Approval): ApprovalDecidedError {
  if (a.status === 'evaluating')
    return new ApprovalDecidedError(
      'This change is still being evaluated: its effect on the closed quarters is not known yet. Try again in a moment; nothing was changed.',
      { key: 'approval-evaluating' },
    );
  if (a.status === 'applied') {
    const at = a.kind === 'reference-change' && a.appliedAt ? a.appliedAt : null;
    return new ApprovalDecidedError(
      `This change altered no closed quarter, so it was saved without approval${at ? ` on ${at}` : ''}; nothing was changed.`,
      { key: 'approval-applied', params: { at } },
    );
  }
  const by = a.decidedBy ? ` by ${a.decidedBy.sub}` : '';
  const at = a.decidedAt ? ` on ${a.decidedAt}` : '';
  return new ApprovalDecidedError(`This request was already ${a.status}${by}${at}; nothing was changed.`, {
    key: 'approval-decided',
    params: { status: a.status, by: a.decidedBy?.sub ?? null, at: a.decidedAt ?? null },
  });
}

/** Who may decide: another user than the author; finance for a close, finance or program for a change. */
function checkDecider(a: Approval, by: Actor, verb: 'approve' | 'reject'): void {
  if (a.kind === 'close' && by.role !== 'finance')
    throw new ForbiddenError(`Only a finance user can ${verb} the close of a quarter.`, {
      key: 'finance-only',
      params: { verb },
    });
  if (a.kind === 'reference-change' && by.role !== 'finance' && by.role !== 'program')
    throw new ForbiddenError(
      `Only a program manager or a finance user can ${verb} a change to a closed quarter.`,
      { key: 'program-or-finance-only', params: { verb } },
    );
  if (verb === 'approve' && a.requestedBy.sub === by.sub)
    throw new ForbiddenError(
      'You asked for this yourself, so you cannot approve it: another user has to approve it (two-person rule).',
      { key: 'self-approval' },
    );
}

export type ApproveOutcome =
  { approval: Approval; snapshot: QuarterSnapshot } | { approval: Approval; applied: ReferenceImportResult };

export async function approve(deps: ApprovalDeps, id: string, by: Actor): Promise<ApproveOutcome> {
  const approval = await pendingApproval(deps, id);
  checkDecider(approval, by, 'approve');
  const decidedAt = deps.clock.now().toISOString();
  if (approval.kind === 'close') {
    const snapshot = (await closedBy(deps, approval)) ?? (await closeAsApproved(deps, approval, by, decidedAt));
    const decided = await decideOrExplain(deps, approval, { status: 'approved', decidedBy: by, decidedAt });
    await recordAudit(deps, {
      kind: 'close-approval',
      actor: by,
      ...about(decisionSubject(approval)),
      quarters: [approval.quarter],
      partners: [],
      before: { status: 'open', total: approval.total },
      after: { status: 'closed', total: rub(snapshot.total), sha256: snapshot.sha256 },
      approvalId: id,
    });
    return { approval: decided, snapshot };
  }
  const applied = await applyReferenceChange(deps, approval.change, approval.requestedBy, { id, by });
  const decided = await decideOrExplain(deps, approval, { status: 'approved', decidedBy: by, decidedAt });
  await recordAudit(deps, {
    kind: 'change-approval',
    actor: by,
    ...about(decisionSubject(approval)),
    quarters: approval.quarters,
    partners: approval.partners,
    after: approval.effect,
    approvalId: id,
  });
  return { approval: decided, applied };
}

async function closeAsApproved(
  deps: ApprovalDeps,
  approval: CloseApproval,
  by: Actor,
  decidedAt: string,
): Promise<QuarterSnapshot> {
  const now = await closeFigures(deps, approval.quarter);
  if (now.fingerprint !== approval.fingerprint)
    throw new StaleApprovalError(
      `The figures of ${approval.quarter} changed since the close was requested (the total was ${approval.total} RUB, ` +
        `now ${rub(now.total)} RUB), so this request cannot be approved. Ask for the close again.`,
      { key: 'approval-stale', params: { quarter: approval.quarter, was: approval.total, now: rub(now.total) } },
    );
  return closeQuarter(deps, approval.quarter, by.sub, decidedAt, { approvalId: approval.id });
}

/**
 * When this very approval already closed the quarter (an approve cut off after the close record),
 * returns the snapshot, so the retry completes it instead of failing. The cut may have come before
 * the close's computation request was sent: it is sent again (a computation that finds the credits
 * complete and its inputs unchanged does nothing).
 */
async function closedBy(deps: ApprovalDeps, approval: CloseApproval): Promise<QuarterSnapshot | null> {
  const record = await deps.quarters.get(approval.quarter);
  if (record?.status !== 'closed' || record.approvalId !== approval.id) return null;
  if (record.creditsComplete === false)
    await deps.compute.publish([
      { quarter: approval.quarter, cause: `close of ${approval.quarter} approved again: credit its points` },
    ]);
  return getSnapshot(deps, approval.quarter);
}

export async function reject(deps: ApprovalDeps, id: string, by: Actor, comment?: string): Promise<Approval> {
  const approval = await pendingApproval(deps, id);
  checkDecider(approval, by, 'reject');
  const decidedAt = deps.clock.now().toISOString();
  const decided = await decideOrExplain(deps, approval, {
    status: 'rejected',
    decidedBy: by,
    decidedAt,
    ...(comment ? { comment } : {}),
  });
  const close = approval.kind === 'close';
  await recordAudit(deps, {
    kind: close ? 'close-rejection' : 'change-rejection',
    actor: by,
    ...about(decisionSubject(approval)),
    quarters: close ? [approval.quarter] : approval.quarters,
    partners: close ? [] : approval.partners,
    approvalId: id,
    ...(comment ? { comment } : {}),
  });
  return decided;
}

async function decideOrExplain(
  deps: ApprovalDeps,
  approval: Approval,
  decision: Parameters<ApprovalDeps['approvals']['decide']>[1],
): Promise<Approval> {
  if (!(await deps.approvals.decide(approval.id, decision)))
    throw decidedError((await deps.approvals.get(approval.id)) ?? approval);
  return { ...approval, ...decision } as Approval;
}
