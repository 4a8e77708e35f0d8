/**
 * Checks report lines one by one and tallies the good ones (program rules §2 items 1 and 3,
 * data-formats "Distributor sell-out report"): the single-pass path that pipeline v2 replaced.
 * No longer used by ingest; kept as the independent oracle the v2 computation is tested against
 * (test/pipeline/compute-quarter.test.ts) and for the reader benchmark. The checks that need only the file are
 * FileLineChecks (line-checks.ts), shared with the v2 extractor; the partner registry, products,
 * distributor authorisation and claims are judged here.
 *
 * Memory does not grow with the good lines (tallies are per partner × rate row); duplicate
 * detection keeps 13-26 bytes per distinct line and claims the same per service tag (LineIndex).
 * Dates, partner IDs, quantities and products repeat on most lines, so each distinct value is
 * parsed or classified once per report (BoundedMemo): that is most of the checking time saved.
 */
import { classify } from '../domain/classify.js';
import type { Rules, RulesBook } from '../domain/rules/load.js';
import type { ReportRecord as CsvRecord } from '../csv/read-report.js';
import { decodeTag, encodeTag, normalizeServiceTag, TagIndex } from '../domain/service-tags.js';
import type { CatalogEntry, Classification, Distributor, Partner, TallyRow } from '../domain/types.js';

/** The reference data the tallier checks lines against. */
export interface IngestReference {
  partners: ReadonlyMap<string, Partner>;
  distributors: ReadonlyMap<string, Distributor>;
  catalog: ReadonlyMap<string, CatalogEntry>;
}

/** Lines read = tallied + rejected. */
export interface ReportCounts {
  read: number;
  tallied: number;
  rejected: number;
  byReason: Record<string, number>;
}

/** Units of one partner in one quarter contributed by one report version. */
export interface ReportTally {
  quarter: string;
  partnerId: string;
  rows: Omit<TallyRow, 'partnerId'>[];
}
import { FieldHash, LineIndex } from './line-index.js';
import {
  FileLineChecks,
  hashProduct,
  rejectOf,
  type Hashed,
  type LineReject,
  type RejectReason,
} from './line-checks.js';

/** Where an earlier report (in claim order) already claimed a service tag. */
export interface PriorClaim {
  reportKey: string;
  distributorId: string;
  line: number;
}

/** Claims of earlier reports: the first one for this quarter and tag, if any. */
export type PriorClaims = (quarter: string, tag: string) => PriorClaim | null;

const noPriorClaims: PriorClaims = () => null;

export interface ClaimIndexes {
  claimed: TagIndex;
  lost: TagIndex;
}

const TWO_32 = 2 ** 32;

/** One quarter's tags and the first line of each: encodable tags in a LineIndex, others in a Map. */
class TagLines {
  private readonly codes = new LineIndex(64);
  private readonly others = new Map<string, number>();

  /** The first line of the tag, or 0. */
  get(tag: string): number {
    const code = encodeTag(tag);
    if (code === null) return this.others.get(tag) ?? 0;
    return this.codes.get(Math.floor(code / TWO_32), code >>> 0);
  }

  /** Stores the tag's line unless it has one; returns the line stored first (0 if it was new). */
  putIfAbsent(tag: string, line: number): number {
    const code = encodeTag(tag);
    if (code === null) {
      const earlier = this.others.get(tag);
      if (earlier !== undefined) return earlier;
      this.others.set(tag, line);
      return 0;
    }
    return this.codes.putIfAbsent(Math.floor(code / TWO_32), code >>> 0, line);
  }

  toIndex(): TagIndex {
    const list: { tag: string; line: number }[] = [];
    for (const [hi, lo, line] of this.codes.entries()) list.push({ tag: decodeTag(hi * TWO_32 + lo), line });
    for (const [tag, line] of this.others) list.push({ tag, line });
    return TagIndex.build(list);
  }
}

const emptyIndex = TagIndex.build([]);

export { REJECT_REASONS, type LineReject, type RejectReason } from './line-checks.js';

const PRODUCT_REJECT = {
  unclassified: 'unclassified-product',
  unrated: 'unrated-product',
  'not-eligible': 'not-eligible-product',
} as const satisfies Record<string, RejectReason>;

interface ProductCheck extends Hashed {
  classification: Classification;
  /** The tally row key, for a rated product the distributor may sell. */
  rowKey: string | null;
  reject: { code: RejectReason; message: string } | null;
}

interface TallyEntry {
  quarter: string;
  partnerId: string;
  rows: Map<string, ReportTally['rows'][number]>;
}

const MEMO_ENTRIES = 10_000;

export class ReportTallier {
  /** quarter → partner → rows */
  private readonly tallies = new Map<string, Map<string, TallyEntry>>();
  private readonly hash = new FieldHash();
  private readonly checks: FileLineChecks<ProductCheck>;
  private readonly rulesVersions = new Map<string, string>();
  /** This report's claims by quarter: tag → first line. */
  private readonly claims = new Map<string, TagLines>();
  /** Tags of lines rejected because another report had claimed them (they may come back). */
  private readonly lost = new Map<string, TagLines>();
  /** rules → SKU → description → check; nested so no key string is built per line. */
  private products = new Map<Rules, Map<string, Map<string, ProductCheck>>>();
  private productEntries = 0;
  /** The distributor as written in the registry, for messages and tallies. */
  private readonly distributorShown: string;
  readonly counts: ReportCounts = { read: 0, tallied: 0, rejected: 0, byReason: {} };

  constructor(
    book: RulesBook,
    private readonly reference: IngestReference,
    /** The distributor's key. */
    private readonly distributorId: string,
    private readonly priorClaims: PriorClaims = noPriorClaims,
  ) {
    this.distributorShown = this.shownDistributor(distributorId);
    this.checks = new FileLineChecks(book, distributorId, {
      product: (rules, description, sku) => this.productCheck(rules, description, sku),
      knownPartner: (id) => reference.partners.has(id),
      distributorShown: this.distributorShown,
    });
  }

  private shownDistributor(key: string): string {
    return this.reference.distributors.get(key)?.displayId ?? key;
  }

  /** Checks one line; tallies it, or returns why it is rejected. */
  add(record: CsvRecord): LineReject | null {
    this.counts.read++;
    const reject = this.check(record);
    if (reject) {
      this.counts.rejected++;
      this.counts.byReason[reject.code] = (this.counts.byReason[reject.code] ?? 0) + 1;
    } else this.counts.tallied++;
    return reject;
  }

  private check(record: CsvRecord): LineReject | null {
    const fileReject = this.checks.check(record);
    if (fileReject) return fileReject;
    const { rules, partnerKey, product, quantity } = this.checks.passed;

    if (product.reject) return rejectOf(record, product.reject.code, product.reject.message);

    const tag = normalizeServiceTag(record.values.service_tag);
    if (tag) {
      const claimed = this.claimOf(rules.quarter, tag, record.line);
      if (claimed) return rejectOf(record, 'duplicate-claim', claimed);
    }

    this.tally(rules, partnerKey, product, quantity);
    return null;
  }

  /** Classification and the distributor's authorisation, once per distinct product of a quarter. */
  private productCheck(rules: Rules, description: string, sku: string): ProductCheck {
    let bySku = this.products.get(rules);
    if (!bySku) this.products.set(rules, (bySku = new Map()));
    let byDescription = bySku.get(sku);
    if (!byDescription) bySku.set(sku, (byDescription = new Map()));
    const hit = byDescription.get(description);
    if (hit) return hit;
    // Bounded like the other memos: a file of all-different products costs time, not memory.
    if (++this.productEntries > MEMO_ENTRIES) {
      this.products = new Map([[rules, (bySku = new Map([[sku, (byDescription = new Map())]]))]]);
      this.productEntries = 1;
    }
    const check = this.classifyProduct(rules, description, sku);
    byDescription.set(description, check);
    return check;
  }

  private classifyProduct(rules: Rules, description: string, sku: string): ProductCheck {
    const { hi, lo } = hashProduct(this.hash, sku, description);
    const c = classify(rules, { description, ...(sku ? { sku } : {}) }, this.reference.catalog);
    if (c.outcome !== 'rated')
      return {
        classification: c,
        rowKey: null,
        reject: { code: PRODUCT_REJECT[c.outcome], message: c.reason },
        hi,
        lo,
      };
    const distributor = this.reference.distributors.get(this.distributorId);
    if (!distributor?.segments.includes(c.segment))
      return {
        classification: c,
        rowKey: null,
        reject: {
          code: 'distributor-not-authorized',
          message: `Distributor "${this.distributorShown}" is not authorised for the ${c.segment} segment, so this ${c.program} line earns no rebate.`,
        },
        hi,
        lo,
      };
    return {
      classification: c,
      rowKey: `${c.program}\u0001${c.rateRow}\u0001${c.gate ?? ''}`,
      reject: null,
      hi,
      lo,
    };
  }

  /** Records the claim, or says where the tag was claimed first. Only lines that would earn claim a tag. */
  private claimOf(quarter: string, tag: string, line: number): string | null {
    let own = this.claims.get(quarter);
    if (!own) this.claims.set(quarter, (own = new TagLines()));
    const earlierLine = own.get(tag);
    if (earlierLine)
      return `Service tag ${tag} was already claimed on line ${earlierLine} of this report; a unit earns once.`;
    const prior = this.priorClaims(quarter, tag);
    if (prior) {
      let lost = this.lost.get(quarter);
      if (!lost) this.lost.set(quarter, (lost = new TagLines()));
      lost.putIfAbsent(tag, line);
      return `Service tag ${tag} was already claimed in ${prior.reportKey} (distributor ${this.shownDistributor(prior.distributorId)}), line ${prior.line}, for ${quarter}; a unit earns once.`;
    }
    own.putIfAbsent(tag, line);
    return null;
  }

  private tally(rules: Rules, partnerId: string, product: ProductCheck, units: number) {
    const c = product.classification as Extract<Classification, { outcome: 'rated' }>;
    const quarter = rules.quarter;
    let byPartner = this.tallies.get(quarter);
    if (!byPartner) {
      this.tallies.set(quarter, (byPartner = new Map()));
      this.rulesVersions.set(quarter, rules.version);
    }
    let t = byPartner.get(partnerId);
    if (!t) byPartner.set(partnerId, (t = { quarter, partnerId, rows: new Map() }));
    const row = t.rows.get(product.rowKey!);
    if (row) row.units += units;
    else
      t.rows.set(product.rowKey!, {
        distributorId: this.distributorId,
        distributorDisplayId: this.distributorShown,
        program: c.program,
        rateRow: c.rateRow,
        gate: c.gate,
        units,
      });
  }

  /** The service tags this report claims, and those it lost to earlier reports, by quarter. */
  claimIndexes(): Map<string, ClaimIndexes> {
    const out = new Map<string, ClaimIndexes>();
    for (const quarter of new Set([...this.claims.keys(), ...this.lost.keys()]))
      out.set(quarter, {
        claimed: this.claims.get(quarter)?.toIndex() ?? emptyIndex,
        lost: this.lost.get(quarter)?.toIndex() ?? emptyIndex,
      });
    return out;
  }

  result(): { tallies: ReportTally[]; rulesVersions: Record<string, string>; quarters: string[] } {
    const tallies: ReportTally[] = [];
    for (const byPartner of this.tallies.values())
      for (const t of byPartner.values())
        tallies.push({ quarter: t.quarter, partnerId: t.partnerId, rows: [...t.rows.values()] });
    tallies.sort((a, b) => (a.quarter + a.partnerId < b.quarter + b.partnerId ? -1 : 1));
    const rulesVersions = Object.fromEntries([...this.rulesVersions].sort());
    return { tallies, rulesVersions, quarters: Object.keys(rulesVersions) };
  }
}
