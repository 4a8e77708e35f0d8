/**
 * Tier progress: where a partner stands against a program's plans so far this quarter, in figures
 * and in one line a partner manager can read mid-quarter.
 */
import { formatMoscow } from './calendar.js';
import { units, type Standing } from './eligibility.js';
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

  const parts = [`${s.program.id}: ${units(s.units)}`];
  if (!s.registered) parts.push('partner not registered, nothing is paid');
  else {
    if (!s.acceptance.valid) {
      const deadline = formatMoscow(rules.acceptanceDeadline);
      parts.push(
        s.acceptance.reason === 'accepted-late'
          ? `accepted after the deadline ${deadline}, nothing is paid`
          : `no valid acceptance before the deadline ${deadline}`,
      );
    }
    if (chosenPlan !== null && next === null) parts.push(`chosen plan ${chosenPlan} met`);
    else if (next === null) parts.push(`top plan ${s.plan.reached} reached`);
    else {
      if (s.plan.reached !== null) parts.push(`plan ${s.plan.reached} reached`);
      parts.push(`${unitsToNext} more to reach ${chosenPlan !== null ? 'chosen ' : ''}plan ${next}`);
    }
    const { used, ignored } = s.acceptance.use;
    // Only when there was a choice: one acceptance needs no mention in a short status line.
    if (s.acceptance.valid && used && ignored.length)
      parts.push(
        `acceptance of ${formatMoscow(Date.parse(used.acceptedAt))} counts (ignored: ${ignored
          .map((a) => `${formatMoscow(Date.parse(a.acceptedAt))} ${a.why}`)
          .join(', ')})`,
      );
    if (s.unmetGates.size) parts.push(`trainings missing: ${[...s.unmetGates.keys()].sort().join(', ')}`);
  }

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
    summary: parts.join('; '),
    // The watchlist names these as blockers; the tallies that tell which family gates apply are not stored.
    unmetGates: [...s.unmetGates.keys()].sort(),
  };
}
