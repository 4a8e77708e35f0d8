/**
 * One compact row per partner of a computation, stored in its body: what the partners list shows
 * (issue #15 point 5). The computation has every figure and the reference snapshot in hand, so the
 * list's first request after it reads one body instead of every payout item and the registry.
 * Short keys and no defaults written: 10,000 partners stay a few hundred KB gzipped.
 */
import type { Decimal } from 'decimal.js';
import { AmountSum } from '../domain/payout.js';
import type { Partner, TierProgress } from '../domain/types.js';
import type { PartnerOutcome } from './compute-quarter.js';

export interface PartnerSummaryRow {
  /** The registry key. */
  k: string;
  /** The ID as written, when it differs from the key. */
  d?: string;
  /** Name, region and status; absent for a partner not in the registry. */
  n?: string;
  r?: string;
  s?: string;
  /** Lines and net units. */
  l: number;
  u: number;
  /** Amount, 2 places. */
  a: string;
  /** Amount by program and by distributor (its display ID). */
  p: Record<string, string>;
  b: Record<string, string>;
  /** The program nearest to its next plan: [program, plan, units missing]. */
  t?: [string, number, number];
}

/** The program nearest to its next plan (a chosen plan not yet met included). */
export function nearestPlan(progress: readonly TierProgress[]): { program: string; plan: number; units: number } | null {
  let best: { program: string; plan: number; units: number } | null = null;
  for (const p of progress)
    if (p.nextThreshold !== null && p.unitsToNext !== null && (!best || p.unitsToNext < best.units))
      best = { program: p.program, plan: p.nextThreshold, units: p.unitsToNext };
  return best;
}

function summaryRow(outcome: PartnerOutcome, partner: Partner | undefined): PartnerSummaryRow {
  const { result } = outcome;
  // Added as the partner's total is (AmountSum): a Decimal per sum, not one per line and sum.
  const byProgram = new Map<string, AmountSum>();
  const byDistributor = new Map<string, AmountSum>();
  const add = (m: Map<string, AmountSum>, k: string, amount: Decimal) => {
    let sum = m.get(k);
    if (!sum) m.set(k, (sum = new AmountSum()));
    sum.add(amount);
  };
  let units = 0;
  const amount = new AmountSum();
  let shown: string | undefined;
  for (const l of result.lines) {
    units += l.units;
    amount.add(l.amount);
    add(byProgram, l.program, l.amount);
    add(byDistributor, l.distributorDisplayId ?? l.distributorId, l.amount);
    shown ??= l.partnerDisplayId;
  }
  const fixed = (m: Map<string, AmountSum>) =>
    Object.fromEntries([...m].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([k, v]) => [k, v.value.toFixed(2)]));
  const row: PartnerSummaryRow = {
    k: outcome.partnerId,
    l: result.lines.length,
    u: units,
    a: amount.value.toFixed(2),
    p: fixed(byProgram),
    b: fixed(byDistributor),
  };
  const display = partner?.displayId ?? shown;
  if (display !== undefined && display !== outcome.partnerId) row.d = display;
  if (partner) Object.assign(row, { n: partner.name, r: partner.region, s: partner.status });
  const plan = nearestPlan(result.progress);
  if (plan) row.t = [plan.program, plan.plan, plan.units];
  return row;
}

/** The rows of a computation's partners, in its order. */
export function partnerSummaryRows(
  partners: readonly PartnerOutcome[],
  registry: ReadonlyMap<string, Partner>,
): PartnerSummaryRow[] {
  return partners.map((o) => summaryRow(o, registry.get(o.partnerId)));
}
