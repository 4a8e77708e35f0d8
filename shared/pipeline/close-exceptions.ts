/**
 * The open exceptions a close request shows (issue #14 point 3): every group of the exceptions
 * workbench — held lines (unknown partner, product not recognised or rated, distributor not
 * authorised, duplicate claim) and payout lines that pay less than their units (eligibility) —
 * counted as the workbench counts them, so the request and the Exceptions page agree.
 */
import { asWrittenIn } from '../domain/ids.js';
import { RulesBook } from '../domain/rules/load.js';
import type { CloseExceptionGroup } from '../ports/approvals.js';
import type { AppDeps } from '../wiring.js';
import type { ComputationBody } from './compute.js';
import { workbenchGroups } from './workbench.js';

export interface CloseExceptions {
  total: number;
  groups: CloseExceptionGroup[];
}

export async function closeExceptions(
  deps: AppDeps,
  quarter: string,
  body: ComputationBody | null,
): Promise<CloseExceptions> {
  const [book, stored, reference] = await Promise.all([
    deps.rules.loadAll(),
    deps.payouts.listQuarter(quarter),
    deps.reference.loadSnapshot(),
  ]);
  const rules = new RulesBook(book).get(quarter);
  if (!rules) return { total: 0, groups: [] };
  const groups = workbenchGroups({
    rules,
    held: body?.exceptions ?? {},
    results: stored.map((s) => s.result),
    partners: reference.partners,
    distributorShown: asWrittenIn(reference.distributors.values()),
    catalog: reference.catalog,
    trainings: reference.trainings,
    // Finance closes the whole quarter: every partner counts, known or not.
    visible: () => true,
  }).map((g) => ({ reason: g.reason, source: g.source, count: g.count, units: g.units }));
  return { total: groups.reduce((n, g) => n + g.count, 0), groups };
}
