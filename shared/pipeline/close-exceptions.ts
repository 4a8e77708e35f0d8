/**
 * The open exceptions a close request shows (issue #14 point 3): every group of the exceptions
 * workbench — held lines (unknown partner, product not recognised or rated, distributor not
 * authorised, duplicate claim) and payout lines that pay less than their units (eligibility) —
 * counted as the workbench counts them, so the request and the Exceptions page agree.
 */
import type { Lang } from '../domain/render/index.js';
import { RulesBook, type Rules } from '../domain/rules/load.js';
import type { Partner } from '../domain/types.js';
import type { CloseExceptionGroup } from '../ports/approvals.js';
import type { AppDeps } from '../wiring.js';
import type { ComputationBody } from './compute.js';
import { groupItems, sayItem } from './workbench.js';
import { workbenchFromBody, workbenchSource, type WorkbenchBody, type WorkbenchSource } from './workbench-body.js';
import { readWorkbenchPart } from './workbench-part.js';

export interface CloseExceptions {
  total: number;
  groups: CloseExceptionGroup[];
}

type Body = ComputationBody | null;

/**
 * The exceptions workbench of a quarter from what is stored: the items its latest computation
 * stored beside the body (workbench-part.ts), or, when there are none, the body's held lines, the
 * payout items and the reference snapshot. A close request reads it fresh; the Exceptions route works out the
 * same groups from inputs it keeps between requests (functions/api/workbench-cache.ts). `body` may
 * still be on its way.
 */
export async function quarterWorkbench(
  deps: AppDeps,
  rules: Rules,
  body: Body | Promise<Body>,
  visible: (partner: Partner | null) => boolean,
  lang?: Lang,
) {
  const held = await body;
  const part = held && (await readWorkbenchPart(deps.objects, { quarter: rules.quarter, inputsHash: held.inputsHash, resultHash: held.record.resultHash }));
  const source = await storedWorkbench(deps, rules, held, part);
  const items = source.facts.filter((f) => visible(source.partners.get(f.partnerKey) ?? null));
  return { groups: groupItems(items.map((f) => sayItem(f, lang ?? 'en'))), body: held };
}

/**
 * The candidates and items of the quarter's latest computation: from the workbench object stored
 * beside its body when there is one, else worked out from the body's held lines, the payout items
 * and the reference snapshot. The one reader for a close request and the Exceptions and watchlist
 * routes (functions/api/workbench-cache.ts).
 */
export async function storedWorkbench(
  deps: Pick<AppDeps, 'payouts' | 'reference'>,
  rules: Rules,
  held: Body,
  part: WorkbenchBody | null,
): Promise<WorkbenchSource> {
  const kept = held && part ? workbenchFromBody(part, held.exceptions) : null;
  if (kept) return kept;
  const [stored, snapshot] = await Promise.all([deps.payouts.listQuarter(rules.quarter), deps.reference.loadSnapshot()]);
  return workbenchSource(
    rules,
    stored.map((s) => s.result),
    held?.exceptions ?? {},
    snapshot,
  );
}

export async function closeExceptions(deps: AppDeps, quarter: string, body: Body): Promise<CloseExceptions> {
  const rules = new RulesBook(await deps.rules.loadAll()).get(quarter);
  if (!rules) return { total: 0, groups: [] };
  // Finance closes the whole quarter: every partner counts, known or not.
  const { groups: all } = await quarterWorkbench(deps, rules, body, () => true);
  const groups = all.map((g) => ({ reason: g.reason, source: g.source, count: g.count, units: g.units }));
  return { total: groups.reduce((n, g) => n + g.count, 0), groups };
}
