/**
 * The near-plan watchlist (issue #15): partners within reach of a plan, with what reaching it is
 * worth. Pure: it reads a quarter's computed results and the partners' reference data.
 *
 * A partner's program is on the list when it has a target, that is a chosen plan not yet met or,
 * without a chosen plan, the next threshold above its units, and the target is within reach:
 * - the units missing are at most a fifth of the target (REACH_SHARE), or
 * - the run-rate projection to the quarter's end reaches the target.
 *
 * RUB at stake is what the program's lines would pay at the target's rates once it is met and the
 * blockers listed are cleared, less what they pay now. Returns (a negative net) pay nothing.
 */
import { Decimal } from 'decimal.js';
import { missingTrainings } from './eligibility.js';
import type { Rules } from './rules/load.js';
import type { PartnerQuarterResult, PartnerReference, TierProgress } from './types.js';

/** Within reach when the units missing are at most this share of the target. */
export const REACH_SHARE = new Decimal('0.2');

const DAY_MS = 24 * 60 * 60 * 1000;

/** What stands between the partner and the money, besides the units. */
export type WatchBlocker =
  | { code: 'partner-not-registered' }
  | { code: 'acceptance-missing' }
  | { code: 'acceptance-late'; acceptedAt: string }
  | {
      code: 'training-missing';
      gate: string;
      /** One entry per unmet group: any one of its courses will do. */
      courses: string[][];
    };

export interface WatchItem {
  /** The partner's key (normalised), and its ID as written in the registry. */
  partnerKey: string;
  partnerId: string;
  program: string;
  units: number;
  target: number;
  /** A chosen plan must be met; otherwise the target is the next threshold. */
  targetBasis: 'chosen' | 'next-threshold';
  missing: number;
  amountAtStakeRub: Decimal;
  projectedUnits: number;
  blockers: WatchBlocker[];
}

/**
 * Units at the quarter's end if they keep coming at the rate so far: units ÷ Moscow days begun ×
 * days in the quarter, rounded down. Before the quarter starts or once it has ended: the units.
 */
export function projectUnits(rules: Rules, units: number, now: number): number {
  if (now < rules.startsAt || now >= rules.endsBefore || units <= 0) return units;
  const elapsedDays = Math.ceil((now - rules.startsAt) / DAY_MS) || 1;
  const quarterDays = Math.round((rules.endsBefore - rules.startsAt) / DAY_MS);
  return Math.floor((units * quarterDays) / elapsedDays);
}

/** Within reach: a fifth of the target or less is missing, or the run rate gets there. */
export function withinReach(target: number, missing: number, projected: number): boolean {
  return missing > 0 && (new Decimal(missing).lte(REACH_SHARE.times(target)) || projected >= target);
}

function blockersOf(rules: Rules, p: TierProgress, ref: PartnerReference | undefined): WatchBlocker[] {
  const out: WatchBlocker[] = [];
  const status = ref?.partner?.status;
  if (status !== 'Registered' && status !== 'Preferred') out.push({ code: 'partner-not-registered' });
  if (!p.accepted) {
    const late = (p.acceptance?.ignored ?? []).filter((a) => a.why === 'late');
    const latest = late
      .map((a) => a.acceptedAt)
      .sort((a, b) => Date.parse(a) - Date.parse(b))
      .at(-1);
    out.push(latest ? { code: 'acceptance-late', acceptedAt: latest } : { code: 'acceptance-missing' });
  }
  for (const gate of p.unmetGates ?? []) {
    const groups = missingTrainings(rules, gate, ref?.trainings ?? []);
    if (groups.length)
      out.push({ code: 'training-missing', gate, courses: groups.map((g) => [...g.courses]) });
  }
  return out;
}

export interface WatchlistInput {
  rules: Rules;
  results: readonly PartnerQuarterResult[];
  referenceOf: (partnerKey: string) => PartnerReference | undefined;
  /** Epoch ms: where in the quarter we are. */
  now: number;
}

/** A partner × program with a target not yet met: a watch item but for the projection, which moves with the clock. */
export type WatchCandidate = Omit<WatchItem, 'projectedUnits'>;

/**
 * Everything of the watchlist that does not depend on when it is asked: the computation keeps
 * these in its body, and the list is worked out from them at the time of the request.
 */
export function watchCandidates({ rules, results, referenceOf }: Omit<WatchlistInput, 'now'>): WatchCandidate[] {
  const out: WatchCandidate[] = [];
  for (const result of results) {
    const ref = referenceOf(result.partnerId);
    for (const p of result.progress) {
      const target = p.nextThreshold;
      if (target === null || !rules.programs.has(p.program)) continue;
      const missing = target - p.units;
      // withinReach needs units missing whatever the projection.
      if (missing <= 0) continue;

      const lines = result.lines.filter((l) => l.program === p.program);
      const atTarget = lines.reduce(
        (sum, l) => (l.units > 0 ? sum.plus(rules.rate(l.program, l.rateRow, target).times(l.units)) : sum),
        new Decimal(0),
      );
      const paidNow = lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
      out.push({
        partnerKey: result.partnerId,
        partnerId: ref?.partner?.displayId ?? lines[0]?.partnerDisplayId ?? result.partnerId,
        program: p.program,
        units: p.units,
        target,
        targetBasis: p.chosenPlan !== null ? 'chosen' : 'next-threshold',
        missing,
        amountAtStakeRub: Decimal.max(atTarget.minus(paidNow), 0).toDecimalPlaces(2),
        blockers: blockersOf(rules, p, ref),
      });
    }
  }
  return out;
}

/** The candidates within reach at `now` (epoch ms), most RUB at stake first. */
export function watchWithin(rules: Rules, candidates: readonly WatchCandidate[], now: number): WatchItem[] {
  const items: WatchItem[] = [];
  for (const c of candidates) {
    const projectedUnits = projectUnits(rules, c.units, now);
    if (!withinReach(c.target, c.missing, projectedUnits)) continue;
    const { blockers, ...head } = c;
    items.push({ ...head, projectedUnits, blockers });
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return items.sort(
    (a, b) =>
      b.amountAtStakeRub.comparedTo(a.amountAtStakeRub) ||
      cmp(a.partnerKey, b.partnerKey) ||
      cmp(a.program, b.program),
  );
}

/** Partners × programs within reach of a plan, most RUB at stake first. */
export function watchlist(input: WatchlistInput): WatchItem[] {
  return watchWithin(input.rules, watchCandidates(input), input.now);
}
