/**
 * What the watchlist and the exceptions are worked out from, kept per warm process (issue #15
 * point 5). They are kept under the key of the latest computation (inputs hash and body), as the
 * partners list keeps its rows (partner-rows.ts): a computation that ran, which every reference
 * edit and report asks for, is a new key.
 *
 * A computation stores them beside its body, last (shared/pipeline/workbench-part.ts), so the first
 * request after it reads the pointer, the body and that object. The quarter's payout items and the
 * reference snapshot are read (seconds for 10,000 partners) only where the object cannot tell: a
 * computation that has not stored it yet, or whose write failed, or stored none, and an unfinished
 * computation, whose items are being written (nothing is kept then).
 *
 * The exceptions groups are kept too, per language, for every partner; a partner manager's are
 * grouped again from the territory's items (`groupItems`), so each total is of what they may see.
 */
import type { Lang } from '../../shared/domain/render/index.js';
import type { Rules } from '../../shared/domain/rules/load.js';
import type { Partner } from '../../shared/domain/types.js';
import { cachedComputationBody } from '../../shared/pipeline/body-cache.js';
import { unfinishedBodyKey, type ComputationBody } from '../../shared/pipeline/compute.js';
import { groupItems, sayItem, type WorkbenchGroup } from '../../shared/pipeline/workbench.js';
import type { WorkbenchBody, WorkbenchSource } from '../../shared/pipeline/workbench-body.js';
import { storedWorkbench } from '../../shared/pipeline/close-exceptions.js';
import { readWorkbenchPart } from '../../shared/pipeline/workbench-part.js';
import type { ApiDeps } from './http.js';

export interface WorkbenchInputs extends WorkbenchSource {
  body: ComputationBody | null;
  /** Every partner's groups, by language and rules version, worked out on first use. */
  groups: Map<string, WorkbenchGroup[]>;
}

const KEPT = 4;
const caches = new WeakMap<ApiDeps, Map<string, Promise<WorkbenchInputs>>>();

async function read(
  deps: ApiDeps,
  rules: Rules,
  body: Promise<ComputationBody | null>,
  part: Promise<WorkbenchBody | null>,
): Promise<WorkbenchInputs> {
  const [held, workbench] = await Promise.all([body, part]);
  return { ...(await storedWorkbench(deps, rules, held, workbench)), body: held, groups: new Map() };
}

/** The quarter's watchlist candidates and workbench items, worked out again only after a computation. */
export async function workbenchInputs(deps: ApiDeps, rules: Rules): Promise<WorkbenchInputs> {
  const { quarter } = rules;
  const pointer = await deps.computations.latest(quarter);
  const none = Promise.resolve(null);
  if (!pointer) return read(deps, rules, none, none);
  const body = cachedComputationBody(deps.objects, pointer);
  if (await unfinishedBodyKey(deps, quarter, pointer)) return read(deps, rules, body, none);
  let cache = caches.get(deps);
  if (!cache) caches.set(deps, (cache = new Map()));
  // The rules version too: read from items, the candidates are valued at the rules of the request.
  const key = `${quarter}#${pointer.inputsHash}#${pointer.bodyKey}#${rules.version}`;
  let inputs = cache.get(key);
  if (!inputs) {
    inputs = read(deps, rules, body, readWorkbenchPart(deps.objects, pointer));
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
  const key = `${lang}#${rules.version}`;
  let all = inputs.groups.get(key);
  if (!all) {
    all = groupItems(inputs.facts.map((f) => sayItem(f, lang)));
    inputs.groups.set(key, all);
  }
  if (seesAll) return all;
  return groupItems(all.flatMap((g) => g.items).filter((i) => visible(inputs.partners.get(i.partnerKey) ?? null)));
}
