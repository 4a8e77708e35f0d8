/**
 * Recalculate one partner's payouts, tier progress and points for one quarter from the tallies of
 * the current report versions and the partner's reference data. Deterministic: running it twice
 * writes the same payout item and appends no ledger entries the second time.
 */
import { calculatePartnerQuarter } from '../domain/payout.js';
import { earningsFor, reconcileLedger } from '../domain/points.js';
import { RulesBook } from '../domain/rules/load.js';
import type { PartnerQuarterResult } from '../domain/types.js';
import type { Clock, PayoutsRepository, ReferenceRepository, ReportsRepository, RulesRepository } from '../ports/index.js';

export interface RecalcDeps {
  reports: ReportsRepository;
  reference: ReferenceRepository;
  payouts: PayoutsRepository;
  rules: RulesRepository;
  clock: Clock;
}

export async function recalcPartner(deps: RecalcDeps, quarter: string, partnerId: string): Promise<PartnerQuarterResult> {
  // The rules are cached, so the reads need not wait for them.
  const [all, state, tallies] = await Promise.all([
    deps.rules.loadAll(),
    deps.reference.partnerState(partnerId),
    deps.reports.currentTallies(quarter, partnerId),
  ]);
  const rules = new RulesBook(all).require(quarter);
  const result = calculatePartnerQuarter(
    rules,
    { partner: state.partner, acceptances: state.acceptances, trainings: state.trainings },
    partnerId,
    tallies,
  );
  const at = deps.clock.now().toISOString();
  const target = earningsFor(rules, result, state.trainings);
  const entries = reconcileLedger(state.ledger, partnerId, quarter, target, at);
  // The payout and its new points in one write (beyond 99 entries, the points first): a stored
  // payout's points are always in the ledger. A failed run is retried and appends what is missing.
  await deps.payouts.put(result, at, entries);
  return result;
}
