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
import { createHash, hash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { classify } from '../domain/classify.js';
import { detailText, lineDetail, type Detail } from '../domain/render/details.js';
import type { Lang } from '../domain/render/format.js';
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
import { encodeTag } from '../domain/service-tags.js';
import { InputValidationError } from '../errors.js';
import type { ExtractProduct, ReportExtract } from './extract.js';
import { LineIndex } from './line-index.js';
import { payoutContent } from './payout-content.js';

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
const HELD_INDEX = Object.fromEntries(HELD_REASONS.map((r, i) => [r, i])) as Record<HeldReason, number>;

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
  /** The message as a code with parameters (absent in bodies computed before it), for the reader's language. */
  detail?: Detail;
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
  /** The payout's stored text (payout-content.ts): lean, lossless, what the payout item holds. */
  content: string;
  /** sha256 of `content`: equal hashes, nothing to write. */
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
  | { counts: false; reason: HeldReason; message: string; detail?: Detail };

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Received first claims first; the report ID breaks a tie, as claims.ts orders them. */
const claimOrder = (a: ActiveExtract, b: ActiveExtract) =>
  compare(a.receivedAt, b.receivedAt) || compare(a.reportId, b.reportId);

export function computeQuarter(input: ComputeQuarterInput): QuarterComputation {
  const tallied = tallyQuarter(input);
  return finishQuarter(tallied, tallied.partnerIds.map((id) => partnerOutcome(tallied, id)));
}

/**
 * The quarter up to its partners' outcomes: every line judged, counted or held, and each partner's
 * tally rows. computeQuarterNow computes the outcomes one partner at a time (partnerOutcome) so
 * their items are written while the rest are computed; computeQuarter all at once.
 */
export interface TalliedQuarter {
  rules: Rules;
  reference: QuarterReference;
  /** The active extracts in claim order. */
  ordered: ActiveExtract[];
  /** Partners with at least one counted line, by ID: those partnerOutcome is asked for. */
  partnerIds: string[];
  tallies: ReadonlyMap<string, ReadonlyMap<string, TallyRow>>;
  exceptions: Partial<Record<HeldReason, HeldLines[]>>;
  counts: LineCounts;
  reports: ReportQuarterCounts[];
}

export function tallyQuarter({ rules, reference, extracts }: ComputeQuarterInput): TalliedQuarter {
  const quarter = rules.quarter;
  const ordered = [...extracts].sort(claimOrder);
  for (const a of ordered)
    if (a.extract.distributorId !== a.distributorId)
      throw new InputValidationError(
        `Report ${a.reportId} is given as distributor "${a.distributorId}"'s, but its extract was made for "${a.extract.distributorId}".`,
        [],
        {
          key: 'extract-distributor-mismatch',
          params: { report: a.reportId, distributor: a.distributorId, extractDistributor: a.extract.distributorId },
        },
      );
  for (let i = 1; i < ordered.length; i++)
    if (ordered[i]!.reportId === ordered[i - 1]!.reportId)
      throw new InputValidationError(
        `Report ${ordered[i]!.reportId} is given twice (versions ${ordered[i - 1]!.version} and ${ordered[i]!.version}); only its active version may take part.`,
        [],
        {
          key: 'report-given-twice',
          params: { report: ordered[i]!.reportId, first: ordered[i - 1]!.version, second: ordered[i]!.version },
        },
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
    if (c.outcome !== 'rated')
      return { counts: false, reason: PRODUCT_HELD[c.outcome], message: c.reason, ...(c.detail ? { detail: c.detail } : {}) };
    const distributor = reference.distributors.get(distributorId);
    if (!distributor)
      return held('distributor-not-authorized', { code: 'distributor-unregistered', params: { distributor: distributorId } });
    if (!distributor.segments.includes(c.segment))
      return held('distributor-not-authorized', {
        code: 'distributor-not-authorized',
        params: { distributor: distributor.displayId, segment: c.segment, program: c.program },
      });
    return {
      counts: true,
      row: {
        distributorId,
        distributorDisplayId: distributor.displayId,
        program: c.program,
        rateRow: c.rateRow,
        gate: c.gate,
      },
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
    else {
      // Key by key rather than by spread: once per report × partner × product.
      const r = v.row;
      rows.set(v.key, {
        partnerId,
        distributorId: r.distributorId,
        distributorDisplayId: r.distributorDisplayId,
        program: r.program,
        rateRow: r.rateRow,
        gate: r.gate,
        units,
      });
    }
  };

  const exceptions: Partial<Record<HeldReason, HeldLines[]>> = {};
  const counts: LineCounts = { extracted: 0, counted: 0, held: 0, heldByReason: {} };
  const reports: ReportQuarterCounts[] = [];
  const claims = new ClaimTable();

  for (const [order, a] of ordered.entries()) {
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
    const heldHere = new Map<number, HeldLines>();
    const products = x.products.length;
    /** Counted units by partner × product of this report, summed before they go to the tallies. */
    const counted = new UnitSums(x.partners.length * products);
    const addUnits = (partner: number, product: number, units: number) => counted.add(partner * products + product, units);

    /** What every held entry of this report says: which report, partner and product, how many units. */
    const heldOf = (reason: HeldReason, partner: number, product: number, units: number, lines: number[]) => {
      const p = x.partners[partner]!;
      return {
        reason,
        reportId: a.reportId,
        version: a.version,
        distributorId: a.distributorId,
        partnerId: p.key,
        partnerWritten: p.written,
        product: x.products[product]!,
        units,
        lines,
      };
    };

    const hold = (
      reason: HeldReason,
      message: string,
      detail: Detail | undefined,
      partner: number,
      product: number,
      units: number,
      lines: number[] | number,
    ) => {
      const n = typeof lines === 'number' ? 1 : lines.length;
      mine.held += n;
      mine.heldByReason[reason] = (mine.heldByReason[reason] ?? 0) + n;
      const key = (HELD_INDEX[reason] * x.partners.length + partner) * products + product;
      const entry = heldHere.get(key);
      if (entry) {
        entry.units += units;
        if (typeof lines === 'number') entry.lines.push(lines);
        else for (const l of lines) entry.lines.push(l);
        return;
      }
      const held: HeldLines = {
        ...heldOf(reason, partner, product, units, typeof lines === 'number' ? [lines] : [...lines]),
        message,
        ...(detail ? { detail } : {}),
      };
      heldHere.set(key, held);
      (exceptions[reason] ??= []).push(held);
    };
    /** Why this partner and product do not count, or null when they do. */
    type Why = { reason: HeldReason; message: string; detail?: Detail };
    const unknown = new Array<Why | undefined>(x.partners.length);
    const blocked = (partner: number, product: number): Why | null => {
      if (!known[partner]) {
        const p = x.partners[partner]!;
        return (unknown[partner] ??= held('unknown-partner', {
          code: 'unknown-partner',
          params: { written: p.written, key: p.key },
        }));
      }
      const v = verdict(product);
      return v.counts ? null : v;
    };

    for (const g of q.groups) {
      mine.extracted += g.lines.length;
      const why = blocked(g.partner, g.product);
      if (why) hold(why.reason, why.message, why.detail, g.partner, g.product, g.units, g.lines);
      else {
        mine.counted += g.lines.length;
        addUnits(g.partner, g.product, g.units);
      }
    }

    const t = q.tagged;
    for (let i = 0; i < t.tags.length; i++) {
      mine.extracted++;
      const partner = t.partners[i]!;
      const product = t.products[i]!;
      const line = t.lines[i]!;
      const units = t.quantities[i]!;
      const why = blocked(partner, product);
      if (why) {
        hold(why.reason, why.message, why.detail, partner, product, units, line);
        continue;
      }
      // Only a line that would otherwise count claims its tag.
      const tag = t.tags[i]!;
      const earlier = claims.claim(tag, order, line);
      if (earlier) {
        const firstReport = ordered[claims.reportOf(earlier)]!;
        const first: ClaimPointer = {
          reportId: firstReport.reportId,
          distributorId: firstReport.distributorId,
          line: claims.lineOf(earlier),
        };
        mine.held++;
        mine.heldByReason['duplicate-claim'] = (mine.heldByReason['duplicate-claim'] ?? 0) + 1;
        (exceptions['duplicate-claim'] ??= []).push({
          ...heldOf('duplicate-claim', partner, product, units, [line]),
          tag,
          firstClaim: first,
          ...claimMessage(quarter, tag, first, a),
        });
        continue;
      }
      mine.counted++;
      addUnits(partner, product, units);
    }
    // Tagged lines join their group's entry after it, so keep each entry's lines ascending.
    for (const h of heldHere.values()) h.lines.sort((m, n) => m - n);
    counted.forEach((key, units) => {
      const product = key % products;
      const partner = (key - product) / products;
      count(x.partners[partner]!.key, verdict(product) as Extract<Verdict, { counts: true }>, units);
    });

    counts.extracted += mine.extracted;
    counts.counted += mine.counted;
    counts.held += mine.held;
    for (const [reason, n] of Object.entries(mine.heldByReason) as [HeldReason, number][])
      counts.heldByReason[reason] = (counts.heldByReason[reason] ?? 0) + n;
  }

  return {
    rules,
    reference,
    ordered,
    partnerIds: [...tallies.keys()].sort(compare),
    tallies,
    exceptions,
    counts,
    reports,
  };
}

/** One partner's payout lines, tier progress and pending points, with the text its item stores. */
export function partnerOutcome(t: TalliedQuarter, partnerId: string): PartnerOutcome {
  const { rules, reference, tallies } = t;
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
  // The lean text the item stores, not the whole result's JSON: a quarter of the bytes to write
  // and hash, and made once for both. Its key order is fixed by the code that builds it.
  const content = payoutContent(result, points);
  return { partnerId, result, points, content, hash: sha256(content) };
}

/** The quarter's total and computation record, from its tallies and every partner's outcome in ID order. */
export function finishQuarter(t: TalliedQuarter, partners: PartnerOutcome[]): QuarterComputation {
  const { rules, reference, ordered, exceptions, counts, reports } = t;
  const quarter = rules.quarter;
  const total = partners.reduce((sum, p) => sum.plus(p.result.total), new Decimal(0));

  const reportsInForce = ordered.map((a) => ({
    reportId: a.reportId,
    version: a.version,
    extractSha256: a.sha256,
  }));
  // Streamed: the exceptions can hold a line per report line, too many for one JSON string.
  const whole = createHash('sha256').update(
    canonicalJson({
      quarter,
      rulesVersion: rules.version,
      referenceRevision: reference.revision,
      reports: reportsInForce,
      counts,
    }),
  );
  // A product is held on many lines of its report: its JSON is written once.
  const productJson = new WeakMap<ExtractProduct, string>();
  const jsonOf = (p: ExtractProduct) => {
    let text = productJson.get(p);
    if (text === undefined) productJson.set(p, (text = JSON.stringify([p.sku, p.description])));
    return text;
  };
  // In chunks: one update per entry costs more than the hashing itself.
  let chunk: string[] = [];
  const flush = () => {
    whole.update(chunk.join(''));
    chunk = [];
  };
  for (const p of partners) chunk.push(`\npartner ${p.partnerId} ${p.hash}`);
  for (const reason of HELD_REASONS)
    for (const h of exceptions[reason] ?? []) {
      chunk.push(
        `\n${reason} ${h.reportId} ${h.partnerId} ${jsonOf(h.product)} ${h.units} ${h.lines.join(',')}${h.firstClaim ? ` ${h.tag} ${h.firstClaim.reportId} ${h.firstClaim.line}` : ''}`,
      );
      if (chunk.length === 4096) flush();
    }
  flush();
  const resultHash = whole.digest('hex');
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

/**
 * The first claim of every service tag in the quarter. A quarter can hold a million claims, so
 * tags that fit a number (encodeTag) go in a typed-array table, not a Map of objects.
 */
class ClaimTable {
  private readonly codes = new LineIndex(1 << 16);
  private readonly others = new Map<string, number>();
  private reports = new Uint32Array(1 << 16);
  private lines = new Uint32Array(1 << 16);
  private size = 0;

  /** Records the claim unless the tag has one; returns that earlier claim's handle (≥ 1), or 0. */
  claim(tag: string, report: number, line: number): number {
    const handle = this.size + 1;
    const code = encodeTag(tag);
    let earlier: number;
    if (code === null) {
      earlier = this.others.get(tag) ?? 0;
      if (!earlier) this.others.set(tag, handle);
    } else earlier = this.codes.putIfAbsent(Math.floor(code / TWO_32), code >>> 0, handle);
    if (earlier) return earlier;
    if (this.size === this.lines.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.reports = grow(this.reports);
      this.lines = grow(this.lines);
    }
    this.reports[this.size] = report;
    this.lines[this.size] = line;
    this.size++;
    return 0;
  }

  reportOf(handle: number): number {
    return this.reports[handle - 1]!;
  }

  lineOf(handle: number): number {
    return this.lines[handle - 1]!;
  }
}

const TWO_32 = 2 ** 32;

/**
 * Sums by a whole-number key below `size`, read back in the order the keys were first added (as a
 * Map would give them). A line of a report adds to one: a flat array where the keys fit, which
 * costs a tenth of a Map's hashing for a million lines.
 */
class UnitSums {
  private static readonly FLAT_LIMIT = 1 << 22;
  private readonly sums: Float64Array | null;
  private readonly seen: Uint8Array | null;
  private readonly order: number[] = [];
  private readonly map: Map<number, number> | null;

  constructor(size: number) {
    const flat = size <= UnitSums.FLAT_LIMIT;
    this.sums = flat ? new Float64Array(size) : null;
    this.seen = flat ? new Uint8Array(size) : null;
    this.map = flat ? null : new Map();
  }

  add(key: number, n: number): void {
    if (this.map) {
      this.map.set(key, (this.map.get(key) ?? 0) + n);
      return;
    }
    if (!this.seen![key]) {
      this.seen![key] = 1;
      this.order.push(key);
    }
    this.sums![key] = this.sums![key]! + n;
  }

  forEach(f: (key: number, sum: number) => void): void {
    if (this.map) for (const [key, sum] of this.map) f(key, sum);
    else for (const key of this.order) f(key, this.sums![key]!);
  }
}

/** A held line's reason: its detail and the English sentence of it. */
function held(reason: HeldReason, detail: Detail) {
  return { counts: false as const, reason, message: detailText(detail, 'en'), detail };
}

function claimMessage(quarter: string, tag: string, first: ClaimPointer, self: ActiveExtract) {
  const detail: Detail =
    first.reportId === self.reportId
      ? { code: 'claimed-in-this-report', params: { tag, line: String(first.line) } }
      : {
          code: 'claimed-in-report',
          params: { tag, report: first.reportId, distributor: first.distributorId, line: String(first.line), quarter },
        };
  return { message: detailText(detail, 'en'), detail };
}

/**
 * A held entry's message for one reader. A distributor sees its own lines only, and a claim made
 * first in another distributor's report is named as such, without that report or its line.
 */
export function describeHeld(entry: HeldLines, reader: { distributorId: string } | 'vendor'): string {
  return heldMessage(entry, reader, 'en').text;
}

/** A held entry's message for one reader in `lang`, with the language it is written in (see describeHeld). */
export function heldMessage(
  entry: HeldLines,
  reader: { distributorId: string } | 'vendor',
  lang: Lang,
): { text: string; lang: Lang } {
  const first = entry.firstClaim;
  if (!first || reader === 'vendor' || first.distributorId === reader.distributorId)
    return lineDetail(entry, entry.reason, lang);
  const hidden: Detail = { code: 'claimed-by-another-distributor', params: { tag: entry.tag ?? '' } };
  return { text: detailText(hidden, lang), lang };
}

/** The lines of one report that do not count, in line order: what its distributor is shown. */
export function heldLinesOf(computation: QuarterComputation, reportId: string): HeldLines[] {
  return HELD_REASONS.flatMap((r) => computation.exceptions[r] ?? [])
    .filter((h) => h.reportId === reportId)
    .sort((a, b) => a.lines[0]! - b.lines[0]!);
}

// ---------------------------------------------------------------- hashing

/** One call, no Hash object: a quarter hashes one text per partner. */
function sha256(text: string): string {
  return hash('sha256', text, 'hex');
}

/**
 * JSON with object keys sorted and decimals as their exact string: equal values, equal text.
 * Loops rather than entries/sort/map chains: it runs over every partner result of the quarter.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Decimal) return `"${value.toString()}"`;
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) {
      if (i) out += ',';
      out += value[i] === undefined ? 'null' : canonicalJson(value[i]);
    }
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
}
