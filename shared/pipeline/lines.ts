/**
 * Checks report lines one by one and tallies the good ones (program rules §2 items 1 and 3,
 * data-formats "Distributor sell-out report"). Pure: no I/O, so it is tested without emulators
 * and the ingest handler only feeds it records.
 *
 * Memory does not grow with the good lines (tallies are per partner × rate row); it grows by one
 * small number pair per line for duplicate detection.
 */
import { classify } from '../domain/classify.js';
import { normalizePartnerId } from '../domain/partner-id.js';
import type { RulesBook } from '../domain/rules/load.js';
import type { ReportRecord as CsvRecord } from '../csv/read-report.js';
import { parseInvoiceDate, parseQuantity } from '../csv/fields.js';
import { decodeTag, encodeTag, normalizeServiceTag, TagIndex } from '../domain/service-tags.js';
import type { IngestReference, ReportCounts, ReportTally } from '../ports/index.js';

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

function toIndex(claims: Map<number | string, number> | undefined): TagIndex {
  const list: { tag: string; line: number }[] = [];
  for (const [key, line] of claims ?? [])
    list.push({ tag: typeof key === 'number' ? decodeTag(key) : key, line });
  return TagIndex.build(list);
}

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

/** cyrb53: a fast 53-bit string hash; two independent seeds make a false duplicate practically impossible. */
function hash53(s: string, seed: number): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

export class ReportTallier {
  private readonly tallies = new Map<
    string,
    { quarter: string; partnerId: string; rows: Map<string, ReportTally['rows'][number]> }
  >();
  private readonly seen = new Map<number, number | number[]>();
  private readonly rulesVersions = new Map<string, string>();
  /** This report's claims by quarter: encoded tag (or the tag itself) → first line. */
  private readonly claims = new Map<string, Map<number | string, number>>();
  /** Tags of lines rejected because another report had claimed them (they may come back). */
  private readonly lost = new Map<string, Map<number | string, number>>();
  readonly counts: ReportCounts = { read: 0, tallied: 0, rejected: 0, byReason: {} };

  constructor(
    private readonly book: RulesBook,
    private readonly reference: IngestReference,
    private readonly distributorId: string,
    private readonly priorClaims: PriorClaims = noPriorClaims,
  ) {}

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
    const { line, fields, values: v } = record;
    const fail = (code: RejectReason, message: string): LineReject => ({ line, fields, code, message });

    if (record.error) return fail(record.error.code, record.error.message);
    const missing = REQUIRED.filter((f) => !v[f]);
    if (missing.length) return fail('missing-field', `Empty value in: ${missing.join(', ')}.`);

    if (v.distributor && v.distributor.trim().toLowerCase() !== this.distributorId.toLowerCase())
      return fail(
        'distributor-mismatch',
        `The distributor column says "${v.distributor}" but the report was uploaded to the folder of "${this.distributorId}".`,
      );

    const partnerId = normalizePartnerId(v.partner_id!);
    if (!this.reference.partners.has(partnerId))
      return fail(
        'unknown-partner',
        `Partner ID "${v.partner_id}" (read as ${partnerId}) is not in the partner registry.`,
      );

    const date = parseInvoiceDate(v.invoice_date!);
    if (!date.ok) return fail('bad-date', `Invoice date ${date.message.replace(/^The invoice date /, '')}`);
    const rules = this.book.quarterOfDate(date.value);
    if (!rules)
      return fail(
        'date-outside-quarter',
        `Invoice date ${date.value} is in no quarter with program rules (${this.book.quarters.join(', ')}).`,
      );

    const qty = parseQuantity(v.quantity!);
    if (!qty.ok) return fail('bad-quantity', qty.message);

    const identity = [
      date.value,
      v.invoice_number,
      partnerId,
      v.sku ?? '',
      v.description,
      qty.value,
      v.service_tag ?? '',
    ].join('\u0001');
    if (this.isDuplicate(identity))
      return fail(
        'duplicate-line',
        'The same invoice, partner, product, quantity and date appear on an earlier line of this report.',
      );

    const c = classify(
      rules,
      { description: v.description!, ...(v.sku ? { sku: v.sku } : {}) },
      this.reference.catalog,
    );
    if (c.outcome !== 'rated') return fail(PRODUCT_REJECT[c.outcome], c.reason);

    const distributor = this.reference.distributors.get(this.distributorId);
    if (!distributor?.segments.includes(c.segment))
      return fail(
        'distributor-not-authorized',
        `Distributor "${this.distributorId}" is not authorised for the ${c.segment} segment, so this ${c.program} line earns no rebate.`,
      );

    const tag = normalizeServiceTag(v.service_tag);
    if (tag) {
      const claimed = this.claimOf(rules.quarter, tag, line);
      if (claimed) return fail('duplicate-claim', claimed);
    }

    this.rulesVersions.set(rules.quarter, rules.version);
    this.tally(rules.quarter, partnerId, c.program, c.rateRow, c.gate, qty.value);
    return null;
  }

  /** Records the claim, or says where the tag was claimed first. Only lines that would earn claim a tag. */
  private claimOf(quarter: string, tag: string, line: number): string | null {
    let own = this.claims.get(quarter);
    if (!own) this.claims.set(quarter, (own = new Map()));
    const key = encodeTag(tag) ?? tag;
    const earlierLine = own.get(key);
    if (earlierLine !== undefined)
      return `Service tag ${tag} was already claimed on line ${earlierLine} of this report; a unit earns once.`;
    const prior = this.priorClaims(quarter, tag);
    if (prior) {
      let lost = this.lost.get(quarter);
      if (!lost) this.lost.set(quarter, (lost = new Map()));
      if (!lost.has(key)) lost.set(key, line);
      return `Service tag ${tag} was already claimed in ${prior.reportKey} (distributor ${prior.distributorId}), line ${prior.line}, for ${quarter}; a unit earns once.`;
    }
    own.set(key, line);
    return null;
  }

  private isDuplicate(identity: string): boolean {
    const h1 = hash53(identity, 1);
    const h2 = hash53(identity, 2);
    const prior = this.seen.get(h1);
    if (prior === undefined) {
      this.seen.set(h1, h2);
      return false;
    }
    const list = Array.isArray(prior) ? prior : [prior];
    if (list.includes(h2)) return true;
    this.seen.set(h1, [...list, h2]);
    return false;
  }

  private tally(
    quarter: string,
    partnerId: string,
    program: string,
    rateRow: string,
    gate: string | null,
    units: number,
  ) {
    const tkey = `${quarter}\u0001${partnerId}`;
    let t = this.tallies.get(tkey);
    if (!t) this.tallies.set(tkey, (t = { quarter, partnerId, rows: new Map() }));
    const rkey = `${program}\u0001${rateRow}\u0001${gate ?? ''}`;
    const row = t.rows.get(rkey);
    if (row) row.units += units;
    else t.rows.set(rkey, { distributorId: this.distributorId, program, rateRow, gate, units });
  }

  /** The service tags this report claims, and those it lost to earlier reports, by quarter. */
  claimIndexes(): Map<string, ClaimIndexes> {
    const out = new Map<string, ClaimIndexes>();
    for (const quarter of new Set([...this.claims.keys(), ...this.lost.keys()]))
      out.set(quarter, { claimed: toIndex(this.claims.get(quarter)), lost: toIndex(this.lost.get(quarter)) });
    return out;
  }

  result(): { tallies: ReportTally[]; rulesVersions: Record<string, string>; quarters: string[] } {
    const tallies = [...this.tallies.values()]
      .map((t) => ({ quarter: t.quarter, partnerId: t.partnerId, rows: [...t.rows.values()] }))
      .sort((a, b) => (a.quarter + a.partnerId < b.quarter + b.partnerId ? -1 : 1));
    const rulesVersions = Object.fromEntries([...this.rulesVersions].sort());
    return { tallies, rulesVersions, quarters: Object.keys(rulesVersions) };
  }
}
