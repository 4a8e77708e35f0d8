/**
 * Recalculate one partner's payouts, tier progress and points for one quarter from the tallies of
 * the current report versions and the partner's reference data. Deterministic: running it twice
 * writes the same payout item and appends no ledger entries the second time.
 */
import { calculatePartnerQuarter } from '../domain/payout.js';
import { earningsFor, reconcileLedger } from '../domain/points.js';
import { RulesBook } from '../domain/rules/load.js';
import type { PartnerQuarterResult } from '../domain/types.js';
import type { Clock, LedgerRepository, PayoutsRepository, ReferenceRepository, ReportsRepository, RulesRepository } from '../ports/index.js';

export interface RecalcDeps {
  reports: ReportsRepository;
  reference: ReferenceRepository;
  payouts: PayoutsRepository;
  ledger: LedgerRepository;
  rules: RulesRepository;
  clock: Clock;
}

export async function recalcPartner(deps: RecalcDeps, quarter: string, partnerId: string): Promise<PartnerQuarterResult> {
  const book = new RulesBook(await deps.rules.loadAll());
  const rules = book.require(quarter);
  const [state, tallies] = await Promise.all([
    deps.reference.partnerState(partnerId),
    deps.reports.currentTallies(quarter, partnerId),
  ]);
  const result = calculatePartnerQuarter(
    rules,
    { partner: state.partner, acceptances: state.acceptances, trainings: state.trainings },
    partnerId,
    tallies,
  );
  const at = deps.clock.now().toISOString();
  await deps.payouts.put(result, at);
  const target = earningsFor(rules, result, state.trainings);
  const entries = reconcileLedger(state.ledger, partnerId, quarter, target, at);
  if (entries.length) await deps.ledger.append(entries);
  return result;
}
