/**
 * A reference change off the API request (issue #12 point 5, issue #14 point 3). With no closed
 * quarter the change is written at once, as before. Otherwise working out its effect means
 * computing each closed quarter (too slow for an API request), so the change is stored as an
 * `evaluating` approval and the compute function evaluates it: `applied` when it alters no closed
 * quarter's figures, `pending` with its RUB effect when it does.
 */
import { Decimal } from 'decimal.js';
import { ConfigError, InputValidationError } from '../errors.js';
import type { Actor, ReferenceChangeApproval } from '../ports/approvals.js';
import {
  applyReferenceChange,
  bounded,
  closedQuarterEffect,
  KINDS,
  newId,
  partnersOf,
  rowsBefore,
  rub,
  subjectOf,
  type ApprovalDeps,
} from './approvals.js';
import { about, recordAudit } from './audit.js';
import { listQuarters } from './quarters.js';
import { refuseTooLongValues, type ReferenceChange, type ReferenceImportResult } from './reference-import.js';

/**
 * The change is kept in its approval item (DynamoDB's limit is 400 KB), with room left for the
 * effect added later; a larger one is refused rather than cut.
 */
const MAX_CHANGE_BYTES = 250_000;
/** Partners listed in an effect; the total always covers all of them. */
const EFFECT_PARTNERS_KEPT = 500;

export type SubmitOutcome = { applied: ReferenceImportResult } | { evaluating: ReferenceChangeApproval };

export async function submitReferenceChange(
  deps: ApprovalDeps,
  change: ReferenceChange,
  what: keyof ReferenceChange,
  author: Actor,
): Promise<SubmitOutcome> {
  const closed = (await listQuarters(deps)).some((q) => q.status === 'closed');
  if (!closed) return { applied: await applyReferenceChange(deps, change, author) };
  // What the write would refuse is refused now, not after the author has left.
  refuseTooLongValues(change);
  if (Buffer.byteLength(JSON.stringify(change)) > MAX_CHANGE_BYTES)
    throw new InputValidationError(
      'A quarter is closed, so this change is checked against its figures first and may need approval, ' +
        'but it is too large to keep while it waits; nothing was written. Send it in smaller parts.',
      [],
      { key: 'change-too-large' },
    );
  const evaluate = deps.compute.evaluate;
  if (!evaluate)
    throw new ConfigError('This process cannot queue the evaluation of a change to a closed quarter.', {
      key: 'evaluation-queue-missing',
    });
  const approval: ReferenceChangeApproval = {
    id: newId(),
    kind: 'reference-change',
    status: 'evaluating',
    requestedBy: author,
    requestedAt: deps.clock.now().toISOString(),
    quarters: [],
    what,
    change,
    effect: { totalRub: rub(new Decimal(0)), partners: [] },
    partners: partnersOf(change),
  };
  await deps.approvals.create(approval);
  await evaluate.call(deps.compute, approval.id);
  return { evaluating: approval };
}

export type EvaluationResult = 'applied' | 'pending' | 'already-settled' | 'missing';

/**
 * The compute function's part: the change's effect on each closed quarter, then `applied` or
 * `pending`. A redelivery after the change was settled does nothing; one after it was written but
 * before it was settled finds no effect left and writes the same rows again, which is safe.
 */
export async function evaluateReferenceChange(deps: ApprovalDeps, id: string): Promise<EvaluationResult> {
  const approval = await deps.approvals.get(id);
  if (!approval || approval.kind !== 'reference-change') return 'missing';
  if (approval.status !== 'evaluating') return 'already-settled';
  const { change, requestedBy: author } = approval;
  const effect = await closedQuarterEffect(deps, change);
  if (!effect.partners.length) {
    const applied = await applyReferenceChange(deps, change, author);
    const settled = await deps.approvals.settle(id, {
      status: 'applied',
      appliedAt: deps.clock.now().toISOString(),
      computationsRequested: applied.computationsRequested,
    });
    return settled ? 'applied' : 'already-settled';
  }
  // The largest effects are the ones to look at; a catalog mapping may move thousands of partners.
  const listed =
    effect.partners.length > EFFECT_PARTNERS_KEPT
      ? [...effect.partners]
          .sort((a, b) => new Decimal(b.delta).abs().cmp(new Decimal(a.delta).abs()))
          .slice(0, EFFECT_PARTNERS_KEPT)
      : effect.partners;
  const partners = [...new Set([...partnersOf(change), ...listed.map((p) => p.partnerId)])].sort();
  const settled = await deps.approvals.settle(id, {
    status: 'pending',
    quarters: effect.quarters,
    effect: {
      totalRub: rub(effect.total),
      partners: listed,
      ...(listed.length < effect.partners.length
        ? { partnersNotListed: effect.partners.length - listed.length }
        : {}),
    },
    partners,
  });
  if (!settled) return 'already-settled';
  await recordAudit(deps, {
    kind: 'change-request',
    actor: author,
    ...about(subjectOf(change)),
    quarters: effect.quarters,
    partners,
    before: bounded(await rowsBefore(deps, change)),
    after: bounded(Object.fromEntries(KINDS.filter((k) => change[k]?.length).map((k) => [k, change[k]!]))),
    approvalId: id,
  });
  return 'pending';
}
