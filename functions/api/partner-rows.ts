/**
 * One row per partner of a quarter (payout, units, units to the next plan), for the partners list.
 *
 * Reading a quarter's payout items is one BatchGetItem per 100 partners: seconds for 10,000. The
 * rows are therefore kept in memory (per warm process, per deps) under a key of what they are made
 * of: each quarter's status and snapshot up to this one (closed quarters book adjustments into the
 * next open one), the latest computation's inputs (rules, report versions, reference revision) and
 * any unfinished computation. A few small reads tell whether the key changed; only then are the
 * items read again. A reference edit shows once its computation has run (seconds), as payouts do.
 */
import { Decimal } from 'decimal.js';
import type { Partner, TierProgress } from '../../shared/domain/types.js';
import { unfinishedBodyKey } from '../../shared/pipeline/compute.js';
import { effectiveLines, listQuarters } from '../../shared/pipeline/quarters.js';
import type { ApiDeps } from './http.js';

export interface PartnerRow {
  /** The registry key. */
  key: string;
  partnerId: string;
  name: string | null;
  region: string | null;
  status: string | null;
  programs: string[];
  lines: number;
  /** Net units counted this quarter (adjustment lines of earlier quarters left out). */
  units: number;
  amount: Decimal;
  byProgram: Map<string, Decimal>;
  byDistributor: Map<string, Decimal>;
  /** The program nearest to its next plan (a chosen plan not yet met included). */
  toPlan: { program: string; plan: number; units: number } | null;
}

export interface QuarterRows {
  status: 'open' | 'closed';
  rows: PartnerRow[];
  /** The registry, for scoping partners the rows name. */
  partners: Map<string, Partner>;
}

const KEPT = 4;
const caches = new WeakMap<ApiDeps, Map<string, Promise<QuarterRows>>>();

function nearestPlan(progress: readonly TierProgress[]): PartnerRow['toPlan'] {
  let best: PartnerRow['toPlan'] = null;
  for (const p of progress)
    if (p.nextThreshold !== null && p.unitsToNext !== null && (!best || p.unitsToNext < best.units))
      best = { program: p.program, plan: p.nextThreshold, units: p.unitsToNext };
  return best;
}

async function versionKey(deps: ApiDeps, quarter: string): Promise<string> {
  const quarters = (await listQuarters(deps)).filter((q) => q.quarter <= quarter);
  const parts = await Promise.all(
    quarters.map(async (q) => {
      const pointer = await deps.computations.latest(q.quarter);
      const unfinished = await unfinishedBodyKey(deps, q.quarter, pointer);
      return [q.quarter, q.status, q.snapshotSha256 ?? '', pointer?.inputsHash ?? '', pointer?.bodyKey ?? '', unfinished ?? ''].join('|');
    }),
  );
  return parts.join(';');
}

async function build(deps: ApiDeps, quarter: string): Promise<QuarterRows> {
  // effectiveLines reads the quarter's items too: one read serves both.
  const once = new Map<string, ReturnType<ApiDeps['payouts']['listQuarter']>>();
  const listQuarter = (q: string) => {
    if (!once.has(q)) once.set(q, deps.payouts.listQuarter(q));
    return once.get(q)!;
  };
  const payouts: ApiDeps['payouts'] = Object.assign(Object.create(deps.payouts) as ApiDeps['payouts'], { listQuarter });
  const [effective, stored, registry] = await Promise.all([
    effectiveLines({ ...deps, payouts }, quarter),
    listQuarter(quarter),
    deps.reference.listPartners(),
  ]);
  const partners = new Map(registry.map((p) => [p.id, p]));
  const rows = new Map<string, PartnerRow>();
  const add = (m: Map<string, Decimal>, k: string, amount: Decimal) => m.set(k, (m.get(k) ?? new Decimal(0)).plus(amount));
  for (const l of effective.lines) {
    let row = rows.get(l.partnerId);
    if (!row) {
      const p = partners.get(l.partnerId);
      row = {
        key: l.partnerId,
        partnerId: p?.displayId ?? l.partnerDisplayId ?? l.partnerId,
        name: p?.name ?? null,
        region: p?.region ?? null,
        status: p?.status ?? null,
        programs: [],
        lines: 0,
        units: 0,
        amount: new Decimal(0),
        byProgram: new Map(),
        byDistributor: new Map(),
        toPlan: null,
      };
      rows.set(l.partnerId, row);
    }
    if (!row.programs.includes(l.program)) row.programs.push(l.program);
    row.lines += 1;
    if (!l.adjustmentOf) row.units += l.units;
    row.amount = row.amount.plus(l.amount);
    add(row.byProgram, l.program, l.amount);
    add(row.byDistributor, l.distributorDisplayId ?? l.distributorId, l.amount);
  }
  for (const s of stored) {
    const row = rows.get(s.result.partnerId);
    if (row) row.toPlan = nearestPlan(s.result.progress);
  }
  for (const row of rows.values()) row.programs.sort();
  return { status: effective.status, rows: [...rows.values()], partners };
}

/** The quarter's partner rows, read again only when what they are made of has changed. */
export async function quarterRows(deps: ApiDeps, quarter: string): Promise<QuarterRows> {
  let cache = caches.get(deps);
  if (!cache) caches.set(deps, (cache = new Map()));
  const key = `${quarter}#${await versionKey(deps, quarter)}`;
  let rows = cache.get(key);
  if (!rows) {
    rows = build(deps, quarter);
    cache.set(key, rows);
    // A failed read is not kept: the next request tries again.
    rows.catch(() => cache.delete(key));
    while (cache.size > KEPT) cache.delete(cache.keys().next().value!);
  }
  return rows;
}
