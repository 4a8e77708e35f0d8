/**
 * What the watchlist and the exceptions workbench are worked out from, which the computation stores
 * beside its body (issue #15 point 5; the object: workbench-part.ts). Without it
 * the first request after a computation reads every payout item and the reference snapshot:
 * seconds for 10,000 partners. The computation has both in hand, so it keeps:
 * - the watchlist's candidates: every partner × program with a target not yet met, all but the
 *   run-rate projection, which moves with the clock and is worked out per request;
 * - the workbench's items without their messages, which are written in the reader's language per
 *   request: a held item names its lines by index in the body's `exceptions`, a payout item keeps
 *   the line its sentence is written from;
 * - the registry entries those name, to scope a partner manager's view and show names.
 * Items are kept for every partner: a reader's view is filtered, and its totals grouped again.
 * Pure: no ports, no I/O.
 */
import { Decimal } from 'decimal.js';
import { asWrittenIn } from '../domain/ids.js';
import type { Rules } from '../domain/rules/load.js';
import type { ExplainedLine, Partner, PartnerQuarterResult, PartnerReference } from '../domain/types.js';
import { watchCandidates, type WatchCandidate } from '../domain/watchlist.js';
import { HELD_REASONS, type HeldLines, type HeldReason, type QuarterReference } from './compute-quarter.js';
import {
  heldFacts,
  payoutFacts,
  workbenchFacts,
  type HeldItem,
  type PayoutItem,
  type WorkbenchFact,
  type WorkbenchInput,
} from './workbench.js';

type Said = 'message' | 'messageLang' | 'amountAtStakeRub' | 'fix';
type StoredAmount = { amountAtStakeRub: string | null; fix: HeldItem['fix'] };
/** A held item keeps only what its lines in the body's `exceptions` do not say. */
type StoredHeld = Pick<HeldItem, 'source' | 'reason' | 'distributorId' | 'program' | 'rateRow'> & StoredAmount & { hx: number };
type StoredPayout = Omit<PayoutItem, Said> & StoredAmount & { line: ExplainedLine };

export interface WorkbenchBody {
  /** Registry entries the lists name: key → [ID as written, name, region, status]. */
  p: Record<string, [string, string, string, Partner['status']]>;
  /** Watchlist candidates, amounts as strings. */
  w: (Omit<WatchCandidate, 'amountAtStakeRub'> & { amountAtStakeRub: string })[];
  /** Workbench items in the order found (groupItems sorts them), amounts as strings. */
  i: (StoredHeld | StoredPayout)[];
}

export interface WorkbenchSource {
  partners: ReadonlyMap<string, Partner>;
  watch: WatchCandidate[];
  facts: WorkbenchFact[];
}

/** The reference data a quarter's workbench is built from: what its computation was computed with. */
export type WorkbenchReference = Pick<QuarterReference, 'partners' | 'distributors' | 'catalog' | 'trainings'>;

/** What the watchlist's blockers read of a partner's reference data. */
const referenceOf =
  (reference: Pick<QuarterReference, 'partners' | 'trainings'>) =>
  (id: string): PartnerReference => ({
    partner: reference.partners.get(id) ?? null,
    acceptances: [],
    trainings: [...(reference.trainings.get(id) ?? [])],
  });

/** What workbenchFacts reads, every partner visible: the stored object holds them all. */
function workbenchInput(
  rules: Rules,
  results: readonly PartnerQuarterResult[],
  held: Partial<Record<HeldReason, HeldLines[]>>,
  reference: WorkbenchReference,
): WorkbenchInput {
  return {
    rules,
    held,
    results,
    partners: reference.partners,
    distributorShown: asWrittenIn(reference.distributors.values()),
    catalog: reference.catalog,
    trainings: reference.trainings,
    visible: () => true,
  };
}

/** Candidates and items for every partner, from the results and the reference data they were computed with. */
export function workbenchSource(
  rules: Rules,
  results: readonly PartnerQuarterResult[],
  held: Partial<Record<HeldReason, HeldLines[]>>,
  reference: WorkbenchReference,
): WorkbenchSource {
  const watch = watchCandidates({ rules, results, referenceOf: referenceOf(reference) });
  const facts = workbenchFacts(workbenchInput(rules, results, held, reference));
  return { partners: reference.partners, watch, facts };
}

/** The workbench object's content: `workbenchSource` in JSON, each held line named by its index in the body. */
export function workbenchBody(
  rules: Rules,
  results: readonly PartnerQuarterResult[],
  held: Partial<Record<HeldReason, HeldLines[]>>,
  reference: WorkbenchReference,
): WorkbenchBody {
  const built = workbenchBodyBuilt(rules, results, held, reference, results.length);
  for (;;) {
    const step = built.next();
    if (step.done) return step.value;
  }
}

/** Partners whose items workbenchBodyInTurns builds between two turns: tens of milliseconds of work. */
const PARTNERS_PER_TURN = 250;

/**
 * workbenchBody, the same object, built a slice of partners at a time with `turn` awaited between
 * slices: the computation builds it while its payout writes, body and pointer are still to be
 * stored, and a whole build in one go (a second for 5,000 partners) would hold all of them up.
 */
export async function workbenchBodyInTurns(
  rules: Rules,
  results: readonly PartnerQuarterResult[],
  held: Partial<Record<HeldReason, HeldLines[]>>,
  reference: WorkbenchReference,
  turn: () => Promise<unknown>,
  partnersPerTurn = PARTNERS_PER_TURN,
): Promise<WorkbenchBody> {
  const built = workbenchBodyBuilt(rules, results, held, reference, Math.max(1, partnersPerTurn));
  for (;;) {
    const step = built.next();
    if (step.done) return step.value;
    await turn();
  }
}

/**
 * Builds the workbench object, pausing (a `yield`) after the held items and after every slice of
 * `perSlice` partners. Candidates and payout items are each partner's own, in partner order, so the
 * slices together give what one pass over all partners gives (workbenchSource).
 */
function* workbenchBodyBuilt(
  rules: Rules,
  results: readonly PartnerQuarterResult[],
  held: Partial<Record<HeldReason, HeldLines[]>>,
  reference: WorkbenchReference,
  perSlice: number,
): Generator<void, WorkbenchBody> {
  const input = workbenchInput(rules, results, held, reference);
  const index = new Map<object, number>();
  for (const reason of HELD_REASONS) (held[reason] ?? []).forEach((h, i) => index.set(h, i));
  const named = new Set<string>();
  const w: WorkbenchBody['w'] = [];
  const i: WorkbenchBody['i'] = [];
  const keep = (facts: WorkbenchFact[]) => {
    for (const f of facts) {
      named.add(f.partnerKey);
      i.push(storedFact(f, index));
    }
  };
  keep(heldFacts(input));
  for (let at = 0; at < results.length; at += perSlice) {
    yield;
    const slice = results.slice(at, at + perSlice);
    for (const c of watchCandidates({ rules, results: slice, referenceOf: referenceOf(reference) })) {
      named.add(c.partnerKey);
      w.push({ ...c, amountAtStakeRub: c.amountAtStakeRub.toFixed(2) });
    }
    keep(payoutFacts(input, slice));
  }
  const p: WorkbenchBody['p'] = {};
  for (const key of [...named].sort()) {
    const partner = reference.partners.get(key);
    if (partner) p[key] = [partner.displayId, partner.name, partner.region, partner.status];
  }
  return { p, w, i };
}

/** A workbench item as the object keeps it. */
function storedFact(f: WorkbenchFact, index: ReadonlyMap<object, number>): StoredHeld | StoredPayout {
  const amountAtStakeRub = f.amountAtStakeRub === null ? null : f.amountAtStakeRub.toFixed(2);
  if (f.source === 'held') {
    const { source, reason, distributorId, program, rateRow, fix } = f;
    return { source, reason, hx: index.get(f.held)!, distributorId, program, rateRow, amountAtStakeRub, fix };
  }
  const line = f.line;
  // Key by key, not by rest and spread (most of this function's time for 40,000 items); the keys
  // in the order workbenchFacts writes them, which workbenchFromBody gives back.
  const kept: ExplainedLine = { partnerId: line.partnerId } as ExplainedLine;
  if (line.partnerDisplayId !== undefined) kept.partnerDisplayId = line.partnerDisplayId;
  kept.distributorId = line.distributorId;
  if (line.distributorDisplayId !== undefined) kept.distributorDisplayId = line.distributorDisplayId;
  kept.program = line.program;
  kept.rateRow = line.rateRow;
  kept.units = line.units;
  kept.paidUnits = line.paidUnits;
  kept.rate = String(line.rate);
  kept.amount = String(line.amount);
  kept.explanation = line.explanation;
  const stored: StoredPayout = {
    source: f.source,
    reason: f.reason,
    partnerId: f.partnerId,
    partnerKey: f.partnerKey,
    distributorId: f.distributorId,
    program: f.program,
    rateRow: f.rateRow,
    units: f.units,
    unpaidUnits: f.unpaidUnits,
    missingUnits: f.missingUnits,
    courses: f.courses,
    amountAtStakeRub,
    fix: f.fix,
    line: kept,
  };
  return stored;
}

/**
 * `workbenchSource` back from the workbench object: held items find their lines in the body's `exceptions`.
 * Null when a held item names lines the body does not hold: the caller reads the stored items.
 */
export function workbenchFromBody(
  stored: WorkbenchBody,
  held: Partial<Record<HeldReason, HeldLines[]>>,
): WorkbenchSource | null {
  const partners = new Map<string, Partner>();
  for (const [id, [displayId, name, region, status]] of Object.entries(stored.p))
    partners.set(id, { id, displayId, name, region, status });
  const watch = stored.w.map((c) => ({ ...c, amountAtStakeRub: new Decimal(c.amountAtStakeRub) }));
  const decimal = (a: string | null) => (a === null ? null : new Decimal(a));
  const facts: WorkbenchFact[] = [];
  for (const f of stored.i) {
    // The keys in the order workbenchFacts writes them: the JSON of a reply is the same.
    const said = { message: '', messageLang: 'en' as const, amountAtStakeRub: decimal(f.amountAtStakeRub), fix: f.fix };
    if (f.source === 'held') {
      const h = held[f.reason]?.[f.hx];
      if (!h) return null;
      facts.push({
        source: 'held',
        reason: f.reason,
        reportId: h.reportId,
        distributorId: f.distributorId,
        lines: h.lines,
        units: h.units,
        partnerId: h.partnerWritten,
        partnerKey: h.partnerId,
        sku: h.product.sku,
        description: h.product.description,
        program: f.program,
        rateRow: f.rateRow,
        ...said,
        held: h,
      });
      continue;
    }
    const { line, amountAtStakeRub: _a, fix: _f, ...item } = f;
    facts.push({ ...item, ...said, line });
  }
  return { partners, watch, facts };
}
