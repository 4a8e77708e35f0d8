/**
 * Adjustments of closed quarters (program rules: payouts of a closed quarter are final; a later
 * correction is paid as the difference, in the next open quarter).
 *
 * Closing a quarter freezes its lines. Recalculation still updates the quarter's live lines, so
 * the first open quarter after a run of closed ones books, for each of them, the live figures
 * minus what has been paid for it so far: its frozen lines plus the corrections of it already
 * frozen in later closed quarters. A second correction therefore books only the new difference,
 * and an unchanged quarter books nothing. Amounts are exact decimals; nothing here rounds.
 *
 * Pure: the caller reads snapshots, live lines and reports, and stores what comes back.
 */
import { Decimal } from 'decimal.js';
import type { RecordedCause } from './causes.js';
import type { ChangeCause, ExplainedLine, PayoutLine } from './types.js';

/**
 * A payout line; with `adjustmentOf`, a signed correction of that closed quarter, with the causes
 * recorded by the computations that changed it (absent on corrections frozen before they were kept).
 */
export type EffectiveLine = PayoutLine & { adjustmentOf?: string; causes?: RecordedCause[] };

/** What the causes of a change need to know of a report (a ReportRecord fits). */
export interface ReportState {
  reportId: string;
  distributorId: string;
  name: string;
  /** The version whose extract counts now; null when none does. */
  activeVersion: string | null;
  /** Quarters the active version contributed tallies to. */
  quarters?: readonly string[];
}

/** A closed quarter as frozen at close, next to its live recalculation. */
export interface ClosedQuarter {
  quarter: string;
  /** Frozen lines: its own, plus corrections of earlier quarters that were booked in it. */
  lines: readonly EffectiveLine[];
  live: readonly PayoutLine[];
}

interface Figures {
  units: number;
  paidUnits: number;
  amount: Decimal;
}

export interface AdjustmentDelta {
  /** The line as it is now, or (when it is gone) as it was last paid: its keys, rate and explanation. */
  ref: PayoutLine;
  live: PayoutLine | null;
  before: Figures;
  after: Figures;
}

export const totalOf = (lines: readonly PayoutLine[]): Decimal =>
  lines.reduce((t, l) => t.plus(l.amount), new Decimal(0));

/** Reports whose active version contributed tallies to the quarter. */
export function contributing<R extends ReportState>(
  reports: readonly R[],
  quarter: string,
): Map<string, R & { activeVersion: string }> {
  const out = new Map<string, R & { activeVersion: string }>();
  for (const r of reports)
    if (r.activeVersion !== null && r.quarters?.includes(quarter))
      out.set(r.reportId, r as R & { activeVersion: string });
  return out;
}

/**
 * For a run of consecutive closed quarters (oldest first) right before an open quarter: the ones
 * whose live figures differ from what has been paid for them, with those differences.
 */
export function pendingCorrections<C extends ClosedQuarter>(
  run: readonly C[],
): { closed: C; deltas: AdjustmentDelta[] }[] {
  const out: { closed: C; deltas: AdjustmentDelta[] }[] = [];
  for (const [k, closed] of run.entries()) {
    const c = closed.quarter;
    // Corrections of c can only have been frozen in the closed quarters after it.
    const paid = [
      ...closed.lines.filter((l) => l.adjustmentOf === undefined),
      ...run.slice(k + 1).flatMap((s) => s.lines.filter((l) => l.adjustmentOf === c)),
    ];
    const deltas = adjustmentDeltas(paid, closed.live);
    if (deltas.length) out.push({ closed, deltas });
  }
  return out;
}

/**
 * Per partner × distributor × program × rate row: the live figures against what was paid, where
 * units or amount differ. Sorted by those keys, so the result never depends on storage order.
 */
export function adjustmentDeltas(
  paid: readonly PayoutLine[],
  live: readonly PayoutLine[],
): AdjustmentDelta[] {
  const keyOf = (l: PayoutLine) => JSON.stringify([l.partnerId, l.distributorId, l.program, l.rateRow]);
  const totals = (lines: readonly PayoutLine[]) => {
    const m = new Map<string, Figures & { last: PayoutLine }>();
    for (const l of lines) {
      const t = m.get(keyOf(l)) ?? { units: 0, paidUnits: 0, amount: new Decimal(0), last: l };
      m.set(keyOf(l), {
        units: t.units + l.units,
        paidUnits: t.paidUnits + l.paidUnits,
        amount: t.amount.plus(l.amount),
        last: l,
      });
    }
    return m;
  };
  const before = totals(paid);
  const after = totals(live);
  const zero: Figures = { units: 0, paidUnits: 0, amount: new Decimal(0) };
  const out: AdjustmentDelta[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(key);
    const a = after.get(key);
    const [from, to] = [b ?? zero, a ?? zero];
    if (from.units === to.units && from.amount.equals(to.amount)) continue;
    out.push({ ref: (a ?? b)!.last, live: a?.last ?? null, before: from, after: to });
  }
  return out;
}

/** The figures a sentence names: the line as it is now, money as two-decimal strings. */
function lineFactsOf(l: PayoutLine): ExplainedLine {
  return {
    partnerId: l.partnerId,
    ...(l.partnerDisplayId ? { partnerDisplayId: l.partnerDisplayId } : {}),
    distributorId: l.distributorId,
    ...(l.distributorDisplayId ? { distributorDisplayId: l.distributorDisplayId } : {}),
    program: l.program,
    rateRow: l.rateRow,
    units: l.units,
    paidUnits: l.paidUnits,
    rate: l.rate.toFixed(2),
    amount: l.amount.toFixed(2),
    explanation: l.explanation,
  };
}

/** A signed correction of closed quarter `of`, booked in `quarter`; `because` empty: reference data. */
export function adjustmentLine(
  quarter: string,
  of: string,
  d: AdjustmentDelta,
  because: ChangeCause[],
  causes?: RecordedCause[],
): EffectiveLine {
  const { before: b, after: a } = d;
  const amount = a.amount.minus(b.amount);
  return {
    quarter,
    partnerId: d.ref.partnerId,
    distributorId: d.ref.distributorId,
    partnerDisplayId: d.ref.partnerDisplayId,
    distributorDisplayId: d.ref.distributorDisplayId,
    program: d.ref.program,
    rateRow: d.ref.rateRow,
    units: a.units - b.units,
    paidUnits: a.paidUnits - b.paidUnits,
    rate: d.ref.rate,
    amount,
    explanation: {
      ...d.ref.explanation,
      code: 'adjustment',
      params: {
        of,
        before: { units: b.units, amount: b.amount.toFixed(2) },
        after: { units: a.units, amount: a.amount.toFixed(2) },
        causes: because,
        ...(d.live ? { now: lineFactsOf(d.live) } : {}),
      },
    },
    warnings: [],
    adjustmentOf: of,
    ...(causes ? { causes } : {}),
  };
}
