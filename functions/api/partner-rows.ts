/**
 * One row per partner of a quarter (payout, units, units to the next plan), for the partners list.
 *
 * Reading a quarter's payout items is one BatchGetItem per 100 partners: seconds for 10,000. The
 * rows are therefore kept in memory (per warm process, per deps) under a key of what they are made
 * of: each quarter's status and snapshot up to this one (closed quarters book adjustments into the
 * next open one), the latest computation's inputs (rules, report versions, reference revision) and
 * any unfinished computation. A few small reads tell whether the key changed; only then are the
 * rows built again. A reference edit shows once its computation has run (seconds), as payouts do.
 *
 * An open quarter's rows come from its latest computation body, which keeps one summary row per
 * partner (shared/pipeline/partner-summary.ts): one S3 read, no payout item nor registry read. The
 * payout items are read only where the body cannot tell: bodies written before the rows were kept,
 * an unfinished computation, a closed quarter (its snapshot) and an open quarter right after a
 * closed one (its corrections are worked out from lines).
 */
import { Decimal } from 'decimal.js';
import type { Partner } from '../../shared/domain/types.js';
import { cachedComputationBody } from '../../shared/pipeline/body-cache.js';
import { unfinishedBodyKey } from '../../shared/pipeline/compute.js';
import { nearestPlan, type PartnerSummaryRow } from '../../shared/pipeline/partner-summary.js';
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

const decimals = (o: Record<string, string>) => new Map(Object.entries(o).map(([k, v]) => [k, new Decimal(v)]));

function fromSummary(s: PartnerSummaryRow): { row: PartnerRow; partner: Partner | null } {
  const row: PartnerRow = {
    key: s.k,
    partnerId: s.d ?? s.k,
    name: s.n ?? null,
    region: s.r ?? null,
    status: s.s ?? null,
    programs: Object.keys(s.p).sort(),
    lines: s.l,
    units: s.u,
    amount: new Decimal(s.a),
    byProgram: decimals(s.p),
    byDistributor: decimals(s.b),
    toPlan: s.t ? { program: s.t[0], plan: s.t[1], units: s.t[2] } : null,
  };
  // Registry fields as the computation saw them: enough to scope the row by region.
  const partner =
    s.n !== undefined && s.r !== undefined && s.s !== undefined
      ? { id: s.k, displayId: row.partnerId, name: s.n, region: s.r, status: s.s as Partner['status'] }
      : null;
  return { row, partner };
}

/** The rows of an open quarter from its latest computation body; null where they must be read from lines. */
async function fromBody(deps: ApiDeps, quarter: string): Promise<QuarterRows | null> {
  const quarters = await listQuarters(deps);
  const at = quarters.findIndex((q) => q.quarter === quarter);
  // Seam: a closed quarter shows its snapshot; the open quarter after one books its corrections.
  if (at < 0 || quarters[at]!.status !== 'open' || quarters[at - 1]?.status === 'closed') return null;
  const pointer = await deps.computations.latest(quarter);
  if (!pointer || (await unfinishedBodyKey(deps, quarter, pointer))) return null;
  const body = await cachedComputationBody(deps.objects, pointer);
  if (!body?.rows) return null;
  const rows: PartnerRow[] = [];
  const partners = new Map<string, Partner>();
  for (const s of body.rows) {
    const { row, partner } = fromSummary(s);
    rows.push(row);
    if (partner) partners.set(partner.id, partner);
  }
  return { status: 'open', rows, partners };
}

async function build(deps: ApiDeps, quarter: string): Promise<QuarterRows> {
  const summarised = await fromBody(deps, quarter);
  if (summarised) return summarised;
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
