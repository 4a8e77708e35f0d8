/**
 * Pipeline v2 (issue #12), step 2: one quarter computed in one pass over the extracts of its active
 * report versions (extract.ts). Everything that depends on reference data or rules is decided here:
 * partner matching, classification (once per distinct product across all extracts), distributor
 * authorisation by segment, service-tag claims across reports (first received wins), then payouts
 * and tier progress (calculatePartnerQuarter) and pending points (earningsFor) per partner.
 *
 * Lines that do not count are the quarter's exceptions, each traceable to its report and lines:
 * unknown partner, unclassified / unrated / not-eligible product, distributor not authorised,
 * duplicate claim. A reference change (registering the partner, a catalog mapping, a distributor's
 * segments) releases them at the next computation, from the same extracts. Counts: per quarter
 * and per report, extracted = counted + held.
 *
 * It lives in shared/pipeline, not shared/domain: it consumes the extract, a pipeline artefact, and
 * hashes results for change detection; it still knows no ports and does no I/O.
 */
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { classify } from '../domain/classify.js';
import { calculatePartnerQuarter } from '../domain/payout.js';
import { earningsFor, type PointsEarning } from '../domain/points.js';
import type { Rules } from '../domain/rules/load.js';
import type {
  Acceptance,
  CatalogEntry,
  Classification,
  Distributor,
  Partner,
  PartnerQuarterResult,
  TallyRow,
  Training,
} from '../domain/types.js';
import { InputValidationError } from '../errors.js';
import type { ExtractProduct, ReportExtract } from './extract.js';

export interface QuarterReference {
  /** By registry ID (the normalised form extracts match on). */
  partners: ReadonlyMap<string, Partner>;
  distributors: ReadonlyMap<string, Distributor>;
  /** By normalised SKU (`catalogIndex`). */
  catalog: ReadonlyMap<string, CatalogEntry>;
  acceptances: ReadonlyMap<string, readonly Acceptance[]>;
  trainings: ReadonlyMap<string, readonly Training[]>;
  /** Names this state of the reference data, for the computation record. */
  revision: string;
}

/** One active report version of the quarter. */
export interface ActiveExtract {
  reportId: string;
  version: string;
  /** The upload folder's distributor. */
  distributorId: string;
  /** When the report key was first received: claim order. */
  receivedAt: string;
  /** The extract's content address (sha256 of its stored bytes). */
  sha256: string;
  extract: ReportExtract;
}

export const HELD_REASONS = [
  'unknown-partner',
  'unclassified-product',
  'unrated-product',
  'not-eligible-product',
  'distributor-not-authorized',
  'duplicate-claim',
] as const;
export type HeldReason = (typeof HELD_REASONS)[number];

/** Where a service tag was claimed first. Structured, so a renderer can hide another distributor's report. */
export interface ClaimPointer {
  reportId: string;
  distributorId: string;
  line: number;
}

/** Lines of one report held for one reason: one partner and product, or one tagged line for a duplicate claim. */
export interface HeldLines {
  reason: HeldReason;
  reportId: string;
  version: string;
  distributorId: string;
  /** The normalised partner ID, and the form the report wrote it in. */
  partnerId: string;
  partnerWritten: string;
  product: ExtractProduct;
  /** Net units of these lines. */
  units: number;
  /** Line numbers in the report, ascending. */
  lines: number[];
  /** Why, in plain words; for a duplicate claim see `describeHeld`, which respects who is reading. */
  message: string;
  /** Duplicate claims only. */
  tag?: string;
  firstClaim?: ClaimPointer;
}

export interface LineCounts {
  extracted: number;
  counted: number;
  held: number;
  heldByReason: Partial<Record<HeldReason, number>>;
}

export interface ReportQuarterCounts extends LineCounts {
  reportId: string;
  version: string;
  distributorId: string;
}

export interface PartnerOutcome {
  partnerId: string;
  result: PartnerQuarterResult;
  /** Pending points of the quarter (earningsFor); the ledger is reconciled elsewhere. */
  points: PointsEarning[];
  /** sha256 of the canonical JSON of result and points: equal hashes, nothing to write. */
  hash: string;
}

export interface ComputationRecord {
  quarter: string;
  rulesVersion: string;
  referenceRevision: string;
  reports: { reportId: string; version: string; extractSha256: string }[];
  resultHash: string;
}

export interface QuarterComputation {
  quarter: string;
  rulesVersion: string;
  /** Partners with at least one counted line, by ID. */
  partners: PartnerOutcome[];
  total: Decimal;
  /** Lines that do not count, by reason; in claim order of reports, then line order. */
  exceptions: Partial<Record<HeldReason, HeldLines[]>>;
  counts: LineCounts;
  /** In claim order. */
  reports: ReportQuarterCounts[];
  record: ComputationRecord;
}

export interface ComputeQuarterInput {
  rules: Rules;
  reference: QuarterReference;
  extracts: readonly ActiveExtract[];
}

const PRODUCT_HELD = {
  unclassified: 'unclassified-product',
  unrated: 'unrated-product',
  'not-eligible': 'not-eligible-product',
} as const satisfies Record<string, HeldReason>;

/** What a product means at one distributor: a tally row, or why it is held. */
type Verdict =
  | { counts: true; row: Omit<TallyRow, 'partnerId' | 'units'>; key: string }
  | { counts: false; reason: HeldReason; message: string };

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Received first claims first; the report ID breaks a tie, as claims.ts orders them. */
const claimOrder = (a: ActiveExtract, b: ActiveExtract) =>
  compare(a.receivedAt, b.receivedAt) || compare(a.reportId, b.reportId);

export function computeQuarter({ rules, reference, extracts }: ComputeQuarterInput): QuarterComputation {
  const quarter = rules.quarter;
  const ordered = [...extracts].sort(claimOrder);
  for (let i = 1; i < ordered.length; i++)
    if (ordered[i]!.reportId === ordered[i - 1]!.reportId)
      throw new InputValidationError(
        `Report ${ordered[i]!.reportId} is given twice (versions ${ordered[i - 1]!.version} and ${ordered[i]!.version}); only its active version may take part.`,
      );

  // Classification depends on the product alone: once per distinct SKU and description, all reports.
  const classified = new Map<string, Map<string, Classification>>();
  const classifyOnce = (p: ExtractProduct): Classification => {
    let byDescription = classified.get(p.sku);
    if (!byDescription) classified.set(p.sku, (byDescription = new Map()));
    let c = byDescription.get(p.description);
    if (!c) {
      c = classify(
        rules,
        { description: p.description, ...(p.sku ? { sku: p.sku } : {}) },
        reference.catalog,
      );
      byDescription.set(p.description, c);
    }
    return c;
  };

  const verdictOf = (distributorId: string, p: ExtractProduct): Verdict => {
    const c = classifyOnce(p);
    if (c.outcome !== 'rated') return { counts: false, reason: PRODUCT_HELD[c.outcome], message: c.reason };
    const distributor = reference.distributors.get(distributorId);
    if (!distributor)
      return {
        counts: false,
        reason: 'distributor-not-authorized',
        message: `Distributor "${distributorId}" is not in the distributor registry, so none of its lines earn a rebate until it is registered.`,
      };
    if (!distributor.segments.includes(c.segment))
      return {
        counts: false,
        reason: 'distributor-not-authorized',
        message: `Distributor "${distributorId}" is not authorised for the ${c.segment} segment, so this ${c.program} line earns no rebate.`,
      };
    return {
      counts: true,
      row: { distributorId, program: c.program, rateRow: c.rateRow, gate: c.gate },
      key: `${distributorId}\u0001${c.program}\u0001${c.rateRow}\u0001${c.gate ?? ''}`,
    };
  };

  /** partner → tally row key → row */
  const tallies = new Map<string, Map<string, TallyRow>>();
  const count = (partnerId: string, v: Extract<Verdict, { counts: true }>, units: number) => {
    let rows = tallies.get(partnerId);
    if (!rows) tallies.set(partnerId, (rows = new Map()));
    const row = rows.get(v.key);
    if (row) row.units += units;
    else rows.set(v.key, { partnerId, ...v.row, units });
  };

  const exceptions: Partial<Record<HeldReason, HeldLines[]>> = {};
  const counts: LineCounts = { extracted: 0, counted: 0, held: 0, heldByReason: {} };
  const reports: ReportQuarterCounts[] = [];
  const claims = new Map<string, ClaimPointer>();

  for (const a of ordered) {
    const x = a.extract;
    const mine: ReportQuarterCounts = {
      reportId: a.reportId,
      version: a.version,
      distributorId: a.distributorId,
      extracted: 0,
      counted: 0,
      held: 0,
      heldByReason: {},
    };
    reports.push(mine);
    const q = x.quarters.find((e) => e.quarter === quarter);
    if (!q) continue;

    const verdicts = new Array<Verdict | undefined>(x.products.length);
    const verdict = (i: number) => (verdicts[i] ??= verdictOf(a.distributorId, x.products[i]!));
    const known = x.partners.map((p) => reference.partners.has(p.key));
    /** Held lines of this report other than duplicate claims: one entry per reason × partner × product. */
    const heldHere = new Map<string, HeldLines>();

    const hold = (
      reason: HeldReason,
      message: string,
      partner: number,
      product: number,
      units: number,
      lines: number[],
    ) => {
      mine.held += lines.length;
      mine.heldByReason[reason] = (mine.heldByReason[reason] ?? 0) + lines.length;
      const key = `${reason}\u0001${partner}\u0001${product}`;
      const entry = heldHere.get(key);
      if (entry) {
        entry.units += units;
        entry.lines.push(...lines);
        return;
      }
      const p = x.partners[partner]!;
      const held: HeldLines = {
        reason,
        reportId: a.reportId,
        version: a.version,
        distributorId: a.distributorId,
        partnerId: p.key,
        partnerWritten: p.written,
        product: x.products[product]!,
        units,
        lines: [...lines],
        message,
      };
      heldHere.set(key, held);
      (exceptions[reason] ??= []).push(held);
    };
    /** Why this partner and product do not count, or null when they do. */
    const blocked = (partner: number, product: number): { reason: HeldReason; message: string } | null => {
      if (!known[partner]) {
        const p = x.partners[partner]!;
        return {
          reason: 'unknown-partner',
          message: `Partner ID "${p.written}" (read as ${p.key}) is not in the partner registry.`,
        };
      }
      const v = verdict(product);
      return v.counts ? null : v;
    };

    for (const g of q.groups) {
      mine.extracted += g.lines.length;
      const why = blocked(g.partner, g.product);
      if (why) hold(why.reason, why.message, g.partner, g.product, g.units, g.lines);
      else {
        mine.counted += g.lines.length;
        count(x.partners[g.partner]!.key, verdict(g.product) as Extract<Verdict, { counts: true }>, g.units);
      }
    }

    const t = q.tagged;
    for (let i = 0; i < t.tags.length; i++) {
      mine.extracted++;
      const [partner, product, line, units] = [t.partners[i]!, t.products[i]!, t.lines[i]!, t.quantities[i]!];
      const why = blocked(partner, product);
      if (why) {
        hold(why.reason, why.message, partner, product, units, [line]);
        continue;
      }
      // Only a line that would otherwise count claims its tag.
      const tag = t.tags[i]!;
      const first = claims.get(tag);
      if (first) {
        mine.held++;
        mine.heldByReason['duplicate-claim'] = (mine.heldByReason['duplicate-claim'] ?? 0) + 1;
        const p = x.partners[partner]!;
        (exceptions['duplicate-claim'] ??= []).push({
          reason: 'duplicate-claim',
          reportId: a.reportId,
          version: a.version,
          distributorId: a.distributorId,
          partnerId: p.key,
          partnerWritten: p.written,
          product: x.products[product]!,
          units,
          lines: [line],
          tag,
          firstClaim: first,
          message: claimMessage(quarter, tag, first, a),
        });
        continue;
      }
      claims.set(tag, { reportId: a.reportId, distributorId: a.distributorId, line });
      mine.counted++;
      count(x.partners[partner]!.key, verdict(product) as Extract<Verdict, { counts: true }>, units);
    }
    // Tagged lines join their group's entry after it, so keep each entry's lines ascending.
    for (const h of heldHere.values()) h.lines.sort((m, n) => m - n);

    counts.extracted += mine.extracted;
    counts.counted += mine.counted;
    counts.held += mine.held;
    for (const [reason, n] of Object.entries(mine.heldByReason) as [HeldReason, number][])
      counts.heldByReason[reason] = (counts.heldByReason[reason] ?? 0) + n;
  }

  const partners: PartnerOutcome[] = [...tallies.keys()].sort(compare).map((partnerId) => {
    const trainings = [...(reference.trainings.get(partnerId) ?? [])];
    const result = calculatePartnerQuarter(
      rules,
      {
        partner: reference.partners.get(partnerId) ?? null,
        acceptances: [...(reference.acceptances.get(partnerId) ?? [])],
        trainings,
      },
      partnerId,
      [...tallies.get(partnerId)!.values()],
    );
    const points = earningsFor(rules, result, trainings);
    return { partnerId, result, points, hash: sha256(canonicalJson({ result, points })) };
  });
  const total = partners.reduce((sum, p) => sum.plus(p.result.total), new Decimal(0));

  const reportsInForce = ordered.map((a) => ({
    reportId: a.reportId,
    version: a.version,
    extractSha256: a.sha256,
  }));
  const resultHash = sha256(
    canonicalJson({
      quarter,
      rulesVersion: rules.version,
      referenceRevision: reference.revision,
      reports: reportsInForce,
      partners: partners.map((p) => [p.partnerId, p.hash]),
      exceptions,
      counts,
    }),
  );
  return {
    quarter,
    rulesVersion: rules.version,
    partners,
    total,
    exceptions,
    counts,
    reports,
    record: {
      quarter,
      rulesVersion: rules.version,
      referenceRevision: reference.revision,
      reports: reportsInForce,
      resultHash,
    },
  };
}

function claimMessage(quarter: string, tag: string, first: ClaimPointer, self: ActiveExtract): string {
  return first.reportId === self.reportId
    ? `Service tag ${tag} was already claimed on line ${first.line} of this report; a unit earns once.`
    : `Service tag ${tag} was already claimed in report ${first.reportId} (distributor ${first.distributorId}), line ${first.line}, for ${quarter}; a unit earns once.`;
}

/**
 * A held entry's message for one reader. A distributor sees its own lines only, and a claim made
 * first in another distributor's report is named as such, without that report or its line.
 */
export function describeHeld(entry: HeldLines, reader: { distributorId: string } | 'vendor'): string {
  const first = entry.firstClaim;
  if (!first || reader === 'vendor' || first.distributorId === reader.distributorId) return entry.message;
  return `Service tag ${entry.tag} was already claimed earlier this quarter in another distributor's report; a unit earns once.`;
}

/** The lines of one report that do not count, in line order: what its distributor is shown. */
export function heldLinesOf(computation: QuarterComputation, reportId: string): HeldLines[] {
  return HELD_REASONS.flatMap((r) => computation.exceptions[r] ?? [])
    .filter((h) => h.reportId === reportId)
    .sort((a, b) => a.lines[0]! - b.lines[0]!);
}

// ---------------------------------------------------------------- hashing

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted and decimals as their exact string: equal values, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Decimal.isDecimal(value)) return JSON.stringify(value.toString());
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => compare(a, b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
