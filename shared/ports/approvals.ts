/**
 * Ports of the audit trail and the two-person approvals (issue #14, points 3 and 4). Kept beside
 * ports/index.ts rather than in it, so the parts of that issue built in parallel do not collide.
 */
import type { Role } from '../auth/principal.js';
import type { AuditSubject } from '../domain/render/audit.js';
import type { ReferenceChange } from '../pipeline/reference-import.js';

/** Who did something: the user's `sub` and role from the principal, or the system for the pipeline. */
export interface Actor {
  sub: string;
  role: Role | 'system';
}

export const AUDIT_KINDS = [
  'reference',
  'rules',
  'report',
  'close-request',
  'close-approval',
  'close-rejection',
  'change-request',
  'change-approval',
  'change-rejection',
  'export',
  'payment',
  'redemption',
] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

/** One append-only entry of the audit trail. */
export interface AuditEntry {
  /** `<at>#<random>`: unique, and sorts by time. */
  id: string;
  /** UTC instant (ISO 8601 with `Z`). */
  at: string;
  actor: Actor;
  kind: AuditKind;
  /** What was acted on, in plain words: "quarter 2016-Q1", "acceptances of P1, P2". */
  target: string;
  /**
   * `target` as a code with parameters, rendered in the reader's language; absent on entries written
   * before it was recorded (their target is read back into one where a known form wrote it).
   */
  subject?: AuditSubject;
  /** Quarters the entry is about (for the quarter filter); empty when none in particular. */
  quarters: string[];
  /** Partner keys the entry is about (the partner filter and a manager's territory). */
  partners: string[];
  /** The rows or figures before and after; absent when there is nothing to show. */
  before?: unknown;
  after?: unknown;
  /** An approval the entry belongs to. */
  approvalId?: string;
  comment?: string;
}

export interface AuditQuery {
  /** UTC instants; the range read is [from, to]. */
  from: string;
  to: string;
  actor?: string;
  quarter?: string;
  partner?: string;
  /** At most this many entries, newest first (oldest first with `order: 'asc'`). */
  limit: number;
  /** Only entries older than this entry id (exclusive): where the previous page ended. */
  before?: string;
  /** `asc`: oldest first, and `after` bounds the read instead of `before`. */
  order?: 'asc' | 'desc';
  /** With `order: 'asc'`, only entries newer than this entry id (exclusive). */
  after?: string;
}

export interface AuditRepository {
  /** Writes the entry once; an entry with the same id is never overwritten. */
  append(entry: AuditEntry): Promise<void>;
  /**
   * Writes the entry unless an entry of the same `onceKey` was ever written (a retry of the work
   * that records it): true when written now.
   */
  appendOnce(entry: AuditEntry, onceKey: string): Promise<boolean>;
  /** Newest first, unless `q.order` is `asc`. */
  query(q: AuditQuery): Promise<AuditEntry[]>;
}

/**
 * `evaluating`: a reference change stored while the compute function works out its effect on the
 * closed quarters; it then becomes `pending` (with its effect) or `applied` (it altered none).
 */
export const APPROVAL_STATUSES = ['evaluating', 'pending', 'applied', 'approved', 'rejected'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A partner's RUB effect of a pending reference change in one closed quarter. */
export interface PartnerEffect {
  quarter: string;
  partnerId: string;
  /** Decimal strings, 2 places. */
  before: string;
  after: string;
  delta: string;
}

interface ApprovalBase {
  id: string;
  status: ApprovalStatus;
  requestedBy: Actor;
  requestedAt: string;
  decidedBy?: Actor;
  decidedAt?: string;
  comment?: string;
  /** Partner keys concerned: a manager sees only approvals about the territory. */
  partners: string[];
}

/** One group of the exceptions workbench, as counted when a close is requested. */
export interface CloseExceptionGroup {
  /** A held reason (unknown-partner, duplicate-claim, …) or an eligibility one (training-missing, …). */
  reason: string;
  source: 'held' | 'payout';
  count: number;
  units: number;
}

export interface CloseApproval extends ApprovalBase {
  kind: 'close';
  quarter: string;
  /** The total to be frozen, as at the request (decimal string). */
  total: string;
  /** Of the figures at the request: approving after they changed is refused (stale). */
  fingerprint: string;
  /** Items of every exceptions-workbench group at the request (the sum of `exceptionGroups`). */
  openExceptions: number;
  /** Per workbench group; absent on requests made before groups were counted (products only then). */
  exceptionGroups?: CloseExceptionGroup[];
  rejectedLines: number;
  heldLines: number;
}

export interface ReferenceChangeApproval extends ApprovalBase {
  kind: 'reference-change';
  /** Closed quarters whose figures the change would alter. */
  quarters: string[];
  /** Which kind of rows: partners, acceptances, …. */
  what: keyof ReferenceChange;
  change: ReferenceChange;
  /**
   * `partners`: the largest effects (at most 500); `partnersNotListed` counts the rest, which `totalRub`
   * includes. Empty (total 0.00) while the change is `evaluating` and once it is `applied`.
   */
  effect: { totalRub: string; partners: PartnerEffect[]; partnersNotListed?: number };
  /** Once `applied`: when, and the quarters whose computations it requested. */
  appliedAt?: string;
  computationsRequested?: string[];
}

export type Approval = CloseApproval | ReferenceChangeApproval;
export const APPROVAL_KINDS = ['close', 'reference-change'] as const satisfies readonly Approval['kind'][];

export interface ApprovalRepository {
  create(approval: Approval): Promise<void>;
  get(id: string): Promise<Approval | null>;
  /** Newest first. */
  list(status?: ApprovalStatus): Promise<Approval[]>;
  /**
   * Records the decision if the approval is still pending; false when someone decided it first.
   */
  decide(
    id: string,
    decision: { status: 'approved' | 'rejected'; decidedBy: Actor; decidedAt: string; comment?: string },
  ): Promise<boolean>;
  /**
   * Ends the evaluation of a reference change if it is still `evaluating`: `pending` with its closed
   * quarters and effect, or `applied` at `appliedAt`. False when it was settled already (a redelivery).
   */
  settle(id: string, outcome: EvaluationOutcome): Promise<boolean>;
}

export type EvaluationOutcome =
  | {
      status: 'pending';
      quarters: string[];
      effect: ReferenceChangeApproval['effect'];
      partners: string[];
    }
  | { status: 'applied'; appliedAt: string; computationsRequested: string[] };
