/**
 * What the watchlist and the exceptions are worked out from, kept per warm process (issue #15
 * point 5). Reading a quarter's payout items and the reference snapshot takes seconds for 10,000
 * partners, every request; a page of either list must answer within a second. They are kept under
 * the key of the latest computation (inputs hash and body), as the partners list keeps its rows
 * (partner-rows.ts): a computation that ran, which every reference edit and report asks for, is a
 * new key. While a computation is unfinished its items are being written: nothing is kept then.
 *
 * The exceptions groups are kept too, per language, for every partner; a partner manager's are
 * grouped again from the territory's items (`groupItems`), so each total is of what they may see.
 */
import type { Lang } from '../../shared/domain/render/index.js';
import type { Rules } from '../../shared/domain/rules/load.js';
import type { Partner } from '../../shared/domain/types.js';
import { cachedComputationBody } from '../../shared/pipeline/body-cache.js';
import { unfinishedBodyKey, type ComputationBody } from '../../shared/pipeline/compute.js';
import { asWrittenIn } from '../../shared/domain/ids.js';
import { groupItems, workbenchGroups, type WorkbenchGroup } from '../../shared/pipeline/workbench.js';
import type { ApiDeps } from './http.js';

type Stored = Awaited<ReturnType<ApiDeps['payouts']['listQuarter']>>;
type Snapshot = Awaited<ReturnType<ApiDeps['reference']['loadSnapshot']>>;

export interface WorkbenchInputs {
  stored: Stored;
  snapshot: Snapshot;
  body: ComputationBody | null;
  /** Every partner's groups, by language and rules version, worked out on first use. */
  groups: Map<string, WorkbenchGroup[]>;
}

const KEPT = 4;
const caches = new WeakMap<ApiDeps, Map<string, Promise<WorkbenchInputs>>>();

async function read(deps: ApiDeps, quarter: string, body: Promise<ComputationBody | null>): Promise<WorkbenchInputs> {
  const [held, stored, snapshot] = await Promise.all([body, deps.payouts.listQuarter(quarter), deps.reference.loadSnapshot()]);
  return { stored, snapshot, body: held, groups: new Map() };
}

/** The quarter's payout items, reference snapshot and latest body, read again only after a computation. */
export async function workbenchInputs(deps: ApiDeps, quarter: string): Promise<WorkbenchInputs> {
  const pointer = await deps.computations.latest(quarter);
  if (!pointer) return read(deps, quarter, Promise.resolve(null));
  const body = cachedComputationBody(deps.objects, pointer);
  if (await unfinishedBodyKey(deps, quarter, pointer)) return read(deps, quarter, body);
  let cache = caches.get(deps);
  if (!cache) caches.set(deps, (cache = new Map()));
  const key = `${quarter}#${pointer.inputsHash}#${pointer.bodyKey}`;
  let inputs = cache.get(key);
  if (!inputs) {
    inputs = read(deps, quarter, body);
    cache.set(key, inputs);
    // A failed read is not kept: the next request tries again.
    inputs.catch(() => cache.delete(key));
    while (cache.size > KEPT) cache.delete(cache.keys().next().value!);
  }
  return inputs;
}

/** The exceptions groups of the partners `visible` lets through, every group's totals of those. */
export function visibleGroups(
  inputs: WorkbenchInputs,
  rules: Rules,
  lang: Lang,
  visible: (partner: Partner | null) => boolean,
  seesAll: boolean,
): WorkbenchGroup[] {
  const { snapshot } = inputs;
  const key = `${lang}#${rules.version}`;
  let all = inputs.groups.get(key);
  if (!all) {
    all = workbenchGroups({
      rules,
      held: inputs.body?.exceptions ?? {},
      results: inputs.stored.map((s) => s.result),
      partners: snapshot.partners,
      distributorShown: asWrittenIn(snapshot.distributors.values()),
      catalog: snapshot.catalog,
      trainings: snapshot.trainings,
      visible: () => true,
      lang,
    });
    inputs.groups.set(key, all);
  }
  if (seesAll) return all;
  return groupItems(all.flatMap((g) => g.items).filter((i) => visible(snapshot.partners.get(i.partnerKey) ?? null)));
}
