/**
 * Tier progress: where a partner stands against a program's plans so far this quarter, in figures
 * from which the renderer writes one line a partner manager can read mid-quarter.
 */
import { formatMoscow } from './calendar.js';
import type { Standing } from './eligibility.js';
import type { Rules } from './rules/load.js';
import type { TierProgress } from './types.js';

/**
 * The threshold to aim for next. A chosen plan is the only target until it is met; once met its
 * column applies whatever more is sold, so there is nothing further to reach. Without a chosen
 * plan (or without a valid acceptance) it is the next threshold above the units.
 */
function nextThreshold(plans: readonly number[], programUnits: number, chosen: number | null): number | null {
  if (chosen !== null) return programUnits >= chosen ? null : chosen;
  return plans.find((p) => p > programUnits) ?? null;
}

export function tierProgress(rules: Rules, partnerId: string, s: Standing): TierProgress {
  const plans = s.program.plans;
  const chosenPlan = s.plan.chosen;
  const next = nextThreshold(plans, s.units, chosenPlan);
  const unitsToNext = next === null ? null : next - s.units;

  return {
    partnerId,
    program: s.program.id,
    units: s.units,
    thresholds: [...plans],
    chosenPlan,
    appliedPlan: s.appliedPlan,
    nextThreshold: next,
    unitsToNext,
    accepted: s.acceptance.valid,
    acceptance: s.acceptance.use,
    registered: s.registered,
    // The watchlist names these as blockers, the status line too; the tallies that tell which family gates apply are not stored.
    unmetGates: [...s.unmetGates.keys()].sort(),
    ...(s.registered && !s.acceptance.valid
      ? { acceptanceDeadline: formatMoscow(rules.acceptanceDeadline) }
      : {}),
  };
}
