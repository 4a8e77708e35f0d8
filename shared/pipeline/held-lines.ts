/**
 * What the latest quarter computations say about reports, read from their record bodies (never from
 * a raw report or a rejects file): how many of a report's lines count and how many are held, the
 * held lines of one report as a given reader may see them, and the product exceptions of a quarter
 * (the queue a catalog mapping fixes).
 *
 * A report's figures are "pending" while a computation covering its active version has not
 * completed yet (just uploaded, or a computation still queued): a count of an older version would
 * be wrong, so none is given.
 */
import type { ReportRecord } from '../ports/index.js';
import { cachedLatestComputation } from './body-cache.js';
import { type ComputationBody, type ComputeDeps } from './compute.js';
import type { Lang } from '../domain/render/format.js';
import { HELD_REASONS, heldMessage, type HeldLines, type HeldReason } from './compute-quarter.js';

type Deps = Pick<ComputeDeps, 'objects' | 'computations'>;

/** The latest computation bodies of some quarters, each read once per instance. */
export class LatestComputations {
  private readonly bodies = new Map<string, Promise<ComputationBody | null>>();

  constructor(private readonly deps: Deps) {}

  body(quarter: string): Promise<ComputationBody | null> {
    let body = this.bodies.get(quarter);
    if (!body) {
      body = cachedLatestComputation(this.deps, quarter).then((c) => c?.body ?? null);
      this.bodies.set(quarter, body);
    }
    return body;
  }
}

export interface ReportOutcome {
  /** Extracted lines that count toward payouts, over all the report's quarters. */
  counted: number;
  /** Extracted lines held by the computation (see HELD_REASONS). */
  held: number;
  heldByReason: Partial<Record<HeldReason, number>>;
}

/**
 * Counted and held lines of a report's active version, summed over its quarters; null when the
 * report has no active version or a quarter's computation does not cover that version yet.
 */
export async function reportOutcome(latest: LatestComputations, record: ReportRecord): Promise<ReportOutcome | null> {
  if (!record.activeVersion) return null;
  const out: ReportOutcome = { counted: 0, held: 0, heldByReason: {} };
  for (const quarter of record.quarters ?? []) {
    const body = await latest.body(quarter);
    const mine = body?.reports.find((r) => r.reportId === record.reportId);
    if (!mine || mine.version !== record.activeVersion) return null;
    out.counted += mine.counted;
    out.held += mine.held;
    for (const [reason, n] of Object.entries(mine.heldByReason) as [HeldReason, number][])
      out.heldByReason[reason] = (out.heldByReason[reason] ?? 0) + n;
  }
  return out;
}

/** Who reads: the vendor's staff see everything; a distributor sees its own reports only. */
export type HeldReader = 'vendor' | { distributorId: string };

/** One held entry as its reader may see it. */
export interface HeldView {
  quarter: string;
  reason: HeldReason;
  /** Line numbers in the report, ascending. */
  lines: number[];
  units: number;
  /** The partner ID as the report wrote it. */
  partnerId: string;
  sku: string;
  description: string;
  /** Why, in the reader's language when it can be (`messageLang` says which). */
  message: string;
  messageLang: Lang;
  tag?: string;
  /** Where the tag was claimed first; left out when that is another distributor's report and the reader is a distributor. */
  firstClaim?: { reportId: string; line: number };
}

/**
 * The held lines of a report's active version, in line order, up to `limit` lines (an entry is cut
 * short at the limit). `total` counts them all; `pending` says a computation is still to come.
 */
export async function heldLinesOfReport(
  latest: LatestComputations,
  record: ReportRecord,
  reader: HeldReader,
  limit: number,
  lang: Lang = 'en',
): Promise<{ entries: HeldView[]; total: number; pending: boolean }> {
  // A distributor asking about another's report gets nothing (the API refuses before this).
  if (reader !== 'vendor' && reader.distributorId !== record.distributorId)
    return { entries: [], total: 0, pending: false };
  if (!record.activeVersion) return { entries: [], total: 0, pending: false };
  const found: { quarter: string; entry: HeldLines }[] = [];
  let pending = false;
  for (const quarter of record.quarters ?? []) {
    const body = await latest.body(quarter);
    const mine = body?.reports.find((r) => r.reportId === record.reportId);
    if (!mine || mine.version !== record.activeVersion) {
      pending = true;
      continue;
    }
    for (const reason of HELD_REASONS)
      for (const entry of body!.exceptions[reason] ?? [])
        if (entry.reportId === record.reportId) found.push({ quarter, entry });
  }
  found.sort((a, b) => a.entry.lines[0]! - b.entry.lines[0]!);

  const entries: HeldView[] = [];
  let total = 0;
  let room = limit;
  for (const { quarter, entry } of found) {
    total += entry.lines.length;
    if (room <= 0) continue;
    const lines = entry.lines.slice(0, room);
    room -= lines.length;
    const first = entry.firstClaim;
    const showFirst = first && (reader === 'vendor' || first.distributorId === reader.distributorId);
    const said = heldMessage(entry, reader, lang);
    entries.push({
      quarter,
      reason: entry.reason,
      lines,
      units: entry.units,
      partnerId: entry.partnerWritten,
      sku: entry.product.sku,
      description: entry.product.description,
      message: said.text,
      messageLang: said.lang,
      ...(entry.tag ? { tag: entry.tag } : {}),
      ...(showFirst ? { firstClaim: { reportId: first.reportId, line: first.line } } : {}),
    });
  }
  return { entries, total, pending };
}

/** Held reasons a catalog mapping can release. */
export const PRODUCT_EXCEPTIONS = ['unclassified-product', 'unrated-product'] as const;

export interface ProductException {
  code: (typeof PRODUCT_EXCEPTIONS)[number];
  description: string;
  sku: string;
  /** Held lines. */
  count: number;
  /** Distributor keys. */
  distributors: string[];
  example: { reportId: string; line: number };
}

const oneSpace = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * Unclassified and unrated lines of the quarters' latest computations, grouped by code,
 * description and SKU, most frequent first.
 */
export async function productExceptions(latest: LatestComputations, quarters: readonly string[]): Promise<ProductException[]> {
  const groups = new Map<string, Omit<ProductException, 'distributors'> & { distributors: Set<string> }>();
  for (const quarter of quarters) {
    const body = await latest.body(quarter);
    for (const code of PRODUCT_EXCEPTIONS)
      for (const entry of body?.exceptions[code] ?? []) {
        const description = oneSpace(entry.product.description);
        const sku = oneSpace(entry.product.sku);
        const key = JSON.stringify([code, description.toLowerCase(), sku.toUpperCase()]);
        const group = groups.get(key);
        if (group) {
          group.count += entry.lines.length;
          group.distributors.add(entry.distributorId);
        } else
          groups.set(key, {
            code,
            description,
            sku,
            count: entry.lines.length,
            distributors: new Set([entry.distributorId]),
            example: { reportId: entry.reportId, line: entry.lines[0]! },
          });
      }
  }
  return [...groups.values()]
    .map((g) => ({ ...g, distributors: [...g.distributors].sort() }))
    .sort((a, b) => b.count - a.count || (a.description < b.description ? -1 : a.description > b.description ? 1 : 0));
}
