/**
 * Checks report lines one by one and tallies the good ones (program rules §2 items 1 and 3,
 * data-formats "Distributor sell-out report"). Pure: no I/O, so it is tested without emulators
 * and the ingest handler only feeds it records.
 *
 * Memory does not grow with the good lines (tallies are per partner × rate row); duplicate
 * detection keeps 12-24 bytes per distinct line and claims the same per service tag (LineIndex).
 * Dates, partner IDs, quantities and products repeat on most lines, so each distinct value is
 * parsed or classified once per report (BoundedMemo): that is most of the checking time saved.
 */
import { classify } from '../domain/classify.js';
import { distributorKey } from '../domain/ids.js';
import { normalizePartnerId } from '../domain/partner-id.js';
import type { Rules, RulesBook } from '../domain/rules/load.js';
import type { ReportRecord as CsvRecord } from '../csv/read-report.js';
import { parseInvoiceDate, parseQuantity, type FieldResult } from '../csv/fields.js';
import { decodeTag, encodeTag, normalizeServiceTag, TagIndex } from '../domain/service-tags.js';
import type { Classification } from '../domain/types.js';
import type { IngestReference, ReportCounts, ReportTally } from '../ports/index.js';
import { BoundedMemo, FieldHash, LineIndex } from './line-index.js';

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

export const REJECT_REASONS = {
  'malformed-row': 'The line could not be read as CSV',
  'record-too-long': 'The line is too long',
  'missing-field': 'A required value is empty',
  'distributor-mismatch': 'The distributor column disagrees with the upload folder',
  'unknown-partner': 'The partner ID is not in the partner registry',
  'bad-date': 'The invoice date is not a date',
  'date-outside-quarter': 'The invoice date is in no program quarter',
  'bad-quantity': 'The quantity is not a whole number of units',
  'duplicate-line': 'The same line appears earlier in this report',
  'unclassified-product': 'The product could not be matched to a program rate row',
  'unrated-product': 'The product takes part in the program but has no rate this quarter',
  'not-eligible-product': 'The product is not in the program',
  'distributor-not-authorized': 'The distributor is not authorised for this product segment',
  'duplicate-claim': 'The service tag was already claimed this quarter',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;

export interface LineReject {
  line: number;
  fields: string[];
  code: RejectReason;
  message: string;
}

const PRODUCT_REJECT = {
  unclassified: 'unclassified-product',
  unrated: 'unrated-product',
  'not-eligible': 'not-eligible-product',
} as const satisfies Record<string, RejectReason>;

const REQUIRED = ['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity'] as const;

type Values = CsvRecord['values'];

/** A loop, not `filter`: it runs on every line and allocates nothing when all are present. */
function hasRequired(v: Values): v is Values & Record<(typeof REQUIRED)[number], string> {
  for (const f of REQUIRED) if (!v[f]) return false;
  return true;
}

/** A value's own 64-bit hash, kept with its memo entry so a line's identity hash mixes numbers. */
interface Hashed {
  hi: number;
  lo: number;
}

interface ProductCheck extends Hashed {
  classification: Classification;
  /** The tally row key, for a rated product the distributor may sell. */
  rowKey: string | null;
  reject: { code: RejectReason; message: string } | null;
}

interface DateCheck extends Hashed {
  date: FieldResult<string>;
  rules: Rules | undefined;
}

interface PartnerCheck extends Hashed {
  /** The registry ID, or null when the partner is unknown. */
  id: string | null;
}

interface TallyEntry {
  quarter: string;
  partnerId: string;
  rows: Map<string, ReportTally['rows'][number]>;
}

const MEMO_ENTRIES = 10_000;

// A plain function, not a closure made per line: most lines pass and never need it.
function rejectOf(record: CsvRecord, code: RejectReason, message: string): LineReject {
  return { line: record.line, fields: record.fields, code, message };
}

export class ReportTallier {
  /** quarter → partner → rows */
  private readonly tallies = new Map<string, Map<string, TallyEntry>>();
  private readonly seen = new LineIndex(1024);
  private readonly hash = new FieldHash();
  private readonly rulesVersions = new Map<string, string>();
  /** This report's claims by quarter: tag → first line. */
  private readonly claims = new Map<string, TagLines>();
  /** Tags of lines rejected because another report had claimed them (they may come back). */
  private readonly lost = new Map<string, TagLines>();
  private readonly partners = new BoundedMemo<PartnerCheck>(MEMO_ENTRIES);
  private readonly dates = new BoundedMemo<DateCheck>(MEMO_ENTRIES);
  private readonly quantities = new BoundedMemo<FieldResult<number>>(MEMO_ENTRIES);
  /** rules → SKU → description → check; nested so no key string is built per line. */
  private products = new Map<Rules, Map<string, Map<string, ProductCheck>>>();
  private productEntries = 0;
  /** The distributor column value last seen to match the upload folder. */
  private distributorSeen = '';
  /** The distributor as written in the registry, for messages and tallies. */
  private readonly distributorShown: string;
  readonly counts: ReportCounts = { read: 0, tallied: 0, rejected: 0, byReason: {} };

  constructor(
    private readonly book: RulesBook,
    private readonly reference: IngestReference,
    /** The distributor's key. */
    private readonly distributorId: string,
    private readonly priorClaims: PriorClaims = noPriorClaims,
  ) {
    this.distributorShown = this.shownDistributor(distributorId);
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
    const { line, values: v } = record;

    if (record.error) return rejectOf(record, record.error.code, record.error.message);
    if (!hasRequired(v))
      return rejectOf(
        record,
        'missing-field',
        `Empty value in: ${REQUIRED.filter((f) => !v[f]).join(', ')}.`,
      );

    if (v.distributor && v.distributor !== this.distributorSeen) {
      if (distributorKey(v.distributor) !== this.distributorId)
        return rejectOf(
          record,
          'distributor-mismatch',
          `The distributor column says "${v.distributor}" but the report was uploaded to the folder of "${this.distributorShown}".`,
        );
      this.distributorSeen = v.distributor;
    }

    const partner = this.partners.get(v.partner_id, this.checkPartner);
    if (partner.id === null)
      return rejectOf(
        record,
        'unknown-partner',
        `Partner ID "${v.partner_id}" (read as ${normalizePartnerId(v.partner_id)}) is not in the partner registry.`,
      );

    const day = this.dates.get(v.invoice_date, this.checkDate);
    const { date, rules } = day;
    if (!date.ok)
      return rejectOf(record, 'bad-date', `Invoice date ${date.message.replace(/^The invoice date /, '')}`);
    if (!rules)
      return rejectOf(
        record,
        'date-outside-quarter',
        `Invoice date ${date.value} is in no quarter with program rules (${this.book.quarters.join(', ')}).`,
      );

    const qty = this.quantities.get(v.quantity, parseQuantity);
    if (!qty.ok) return rejectOf(record, 'bad-quantity', qty.message);

    // Computed (or found) before the duplicate check for its hash; its verdict still comes after.
    const product = this.productCheck(rules, v.description, v.sku ?? '');
    const h = this.hash
      .start()
      .mix(day.hi, day.lo)
      .add(v.invoice_number)
      .mix(partner.hi, partner.lo)
      .mix(product.hi, product.lo)
      .mix(qty.value, 0)
      .add(v.service_tag ?? '')
      .finish();
    const earlier = this.seen.putIfAbsent(h.hi, h.lo, line);
    if (earlier)
      return rejectOf(
        record,
        'duplicate-line',
        `The same invoice, partner, product, quantity and date appear on an earlier line of this report (line ${earlier}).`,
      );

    if (product.reject) return rejectOf(record, product.reject.code, product.reject.message);

    const tag = normalizeServiceTag(v.service_tag);
    if (tag) {
      const claimed = this.claimOf(rules.quarter, tag, line);
      if (claimed) return rejectOf(record, 'duplicate-claim', claimed);
    }

    this.tally(rules, partner.id, product, qty.value);
    return null;
  }

  private readonly checkPartner = (raw: string): PartnerCheck => {
    const id = normalizePartnerId(raw);
    const { hi, lo } = this.hash.start().add(id).finish();
    return { id: this.reference.partners.has(id) ? id : null, hi, lo };
  };

  private readonly checkDate = (raw: string): DateCheck => {
    const date = parseInvoiceDate(raw);
    if (!date.ok) return { date, rules: undefined, hi: 0, lo: 0 };
    const { hi, lo } = this.hash.start().add(date.value).finish();
    return { date, rules: this.book.quarterOfDate(date.value), hi, lo };
  };

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
    const { hi, lo } = this.hash.start().add(sku).add(description).finish();
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
