/**
 * `verify` of a closed quarter (issue #14): its figures are the snapshot frozen at close, so it is
 * checked against that, not against a recomputation — the snapshot's body still gives its recorded
 * sha256 (readSnapshot checks the canonical CSV of its lines), the frozen total is the sum of its
 * lines, and the quarter record's total is the snapshot's. Corrections found since are listed as
 * information: they are booked as adjustments of the next open quarter, never in this one.
 */
import { Decimal } from 'decimal.js';
import { totalOf } from '../domain/adjustments.js';
import { AppError } from '../errors.js';
import { errorRu } from '../domain/render/errors-ru.js';
import { difference, type Difference } from './verify.js';
import { closedQuarterView, type QuarterDeps } from './quarters.js';

export interface ClosedVerifyResult {
  quarter: string;
  closedAt: string;
  closedBy: string;
  sha256: string;
  lines: number;
  total: Decimal;
  /** Corrections of the quarter found since the close, and their sum (information, not differences). */
  pendingAdjustments: number;
  pendingAmount: Decimal;
  differences: Difference[];
}

/** Null when the quarter is open (verify it against a recomputation instead). */
export async function verifyClosedQuarter(deps: QuarterDeps, quarter: string): Promise<ClosedVerifyResult | null> {
  const record = await deps.quarters.get(quarter);
  if (record?.status !== 'closed') return null;
  const base = { quarter, closedAt: record.closedAt, closedBy: record.closedBy, sha256: record.sha256 };
  let view;
  try {
    view = await closedQuarterView(deps, quarter);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    return {
      ...base,
      lines: 0,
      total: new Decimal(0),
      pendingAdjustments: 0,
      pendingAmount: new Decimal(0),
      differences: [difference('computation', quarter, { code: 'error', params: { en: err.message, ru: errorRu(err).message } })],
    };
  }
  const differences: Difference[] = [];
  const s = view!.snapshot;
  const sum = totalOf(s.lines);
  if (!sum.equals(s.total))
    differences.push(
      difference('computation', quarter, {
        code: 'snapshot-sum',
        params: { total: s.total.toFixed(2), lines: s.lines.length, sum: sum.toFixed(2) },
      }),
    );
  if (record.total !== s.total.toFixed(2))
    differences.push(
      difference('computation', quarter, {
        code: 'record-total',
        params: { record: record.total, snapshot: s.total.toFixed(2) },
      }),
    );
  return {
    ...base,
    lines: s.lines.length,
    total: s.total,
    pendingAdjustments: view!.pendingAdjustments.length,
    pendingAmount: totalOf(view!.pendingAdjustments),
    differences,
  };
}
