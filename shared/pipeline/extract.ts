/**
 * Pipeline v2 (issue #12), step 1: the **extract** of one report version — everything that depends
 * on the file alone, decided once. The file-only checks are FileLineChecks (line-checks.ts, shared
 * with ReportTallier); rejected lines are returned for the rejects file as today. The rest is
 * aggregated, per quarter, into groups of partner (normalised ID) × product (SKU and description as
 * written) with net units and their line numbers; lines with a service tag stay one by one, because
 * a claim is per line and is decided across reports by the quarter computation
 * (compute-quarter.ts). Partners, products, segments, claims: none of it is judged here, so a
 * reference change never needs the report read again.
 *
 * Counts: read = extracted + rejected; per quarter, extracted = lines in its groups + tagged lines.
 *
 * Its stored form, content-addressed, is extract-codec.ts's.
 */
import type { ReportRecord as CsvRecord } from '../csv/read-report.js';
import type { Rules, RulesBook } from '../domain/rules/load.js';
import { normalizeServiceTag } from '../domain/service-tags.js';
import { detached, FieldHash, LineIndex, U32Column } from './line-index.js';
import { FileLineChecks, hashProduct, type Hashed, type LineReject } from './line-checks.js';

/**
 * The `format` of every `ReportExtract` in memory, whichever form it was stored in or read from: it
 * names the object's shape, not its bytes. The first stored form (gzip JSON) carries this name in
 * its JSON; the binary form names itself `rebates-extract/2` in its bytes.
 */
export const EXTRACT_FORMAT = 'rebates-extract/1';

export interface ExtractProduct {
  /** As written ('' when the report has no SKU column or the cell is empty). */
  sku: string;
  description: string;
}

export interface ExtractPartner {
  /** The normalised partner ID the registry is matched on. */
  key: string;
  /** The first form the report wrote it in, to show an unknown partner as the distributor wrote it. */
  written: string;
}

/** Untagged lines of one partner and product: net units and the line numbers (ascending). */
export interface ExtractGroup {
  partner: number;
  product: number;
  units: number;
  lines: number[];
}

/** Lines with a service tag, one by one, as parallel columns in line order. */
export interface TaggedLines {
  /** Normalised service tags. */
  tags: string[];
  lines: number[];
  partners: number[];
  products: number[];
  quantities: number[];
}

export interface ExtractQuarter {
  quarter: string;
  /** Rules version whose calendar placed lines in this quarter. */
  rulesVersion: string;
  /** Lines extracted into this quarter: the group lines plus the tagged lines. */
  lines: number;
  groups: ExtractGroup[];
  tagged: TaggedLines;
}

export interface ExtractCounts {
  read: number;
  extracted: number;
  rejected: number;
  byReason: Record<string, number>;
}

export interface ReportExtract {
  format: typeof EXTRACT_FORMAT;
  /** The upload folder's distributor: the one the distributor column was checked against. */
  distributorId: string;
  /** The report object the extract was made from, when the caller knows it. */
  source: { sha256: string; bytes: number } | null;
  counts: ExtractCounts;
  /** Indexed by ExtractGroup.product and TaggedLines.products. */
  products: ExtractProduct[];
  /** Indexed by ExtractGroup.partner and TaggedLines.partners. */
  partners: ExtractPartner[];
  quarters: ExtractQuarter[];
}

interface ProductSlot extends Hashed {
  index: number;
}

interface QuarterBuilder {
  rulesVersion: string;
  lines: number;
  /** (partner index, product index) → group number + 1: typed arrays, no Map per partner. */
  groupOf: LineIndex;
  /** Per group, in the order they were first seen. */
  groupPartners: number[];
  groupProducts: number[];
  groupUnits: number[];
  /**
   * The untagged lines in file order and the group of each: two flat columns instead of an array
   * per group that grows line by line (and outlives the young generation, costing collections).
   */
  untaggedLines: U32Column;
  untaggedGroups: U32Column;
  tagged: TaggedLines;
}

/**
 * The groups with their lines, by partner, in the order each partner's first group was made, and
 * within a partner in the order they were made: the order the extract has always listed them in.
 */
function groupsOf(q: QuarterBuilder): ExtractGroup[] {
  const n = q.groupPartners.length;
  const sizes = new Uint32Array(n);
  for (let i = 0; i < q.untaggedGroups.length; i++) sizes[q.untaggedGroups.at(i)]!++;
  const lines = Array.from({ length: n }, (_, g) => new Array<number>(sizes[g]!));
  sizes.fill(0);
  for (let i = 0; i < q.untaggedGroups.length; i++) {
    const g = q.untaggedGroups.at(i);
    lines[g]![sizes[g]!++] = q.untaggedLines.at(i);
  }
  const rank = new Map<number, ExtractGroup[]>();
  for (let g = 0; g < n; g++) {
    const group = {
      partner: q.groupPartners[g]!,
      product: q.groupProducts[g]!,
      units: q.groupUnits[g]!,
      lines: lines[g]!,
    };
    const list = rank.get(group.partner);
    if (list) list.push(group);
    else rank.set(group.partner, [group]);
  }
  return [...rank.values()].flat();
}

/** A product's slot, and the other descriptions written with its SKU (most SKUs have one). */
interface SkuSlots {
  description: string;
  slot: ProductSlot;
  others?: Map<string, ProductSlot>;
}

export class ReportExtractor {
  private readonly hash = new FieldHash();
  private readonly checks: FileLineChecks<ProductSlot>;
  /**
   * SKU → its first description's slot, then the others: nested so no key string is built per
   * line, and the description compared rather than hashed again on most lines.
   */
  private readonly productSlots = new Map<string, SkuSlots>();
  /** The quarter of the last line extracted: lines come by date, so the next one is mostly in it. */
  private lastRules: Rules | undefined;
  private lastQuarter: QuarterBuilder | undefined;
  private readonly products: ExtractProduct[] = [];
  private readonly partnerIndex = new Map<string, number>();
  private readonly partners: ExtractPartner[] = [];
  private readonly quarters = new Map<string, QuarterBuilder>();
  readonly counts: ExtractCounts = { read: 0, extracted: 0, rejected: 0, byReason: {} };

  constructor(
    book: RulesBook,
    private readonly distributorId: string,
    /** The folder's distributor as written in the registry, for reject messages only (else the key). */
    distributorShown?: string,
  ) {
    // Every distinct product is kept in the extract anyway, so this memo needs no bound of its own.
    this.checks = new FileLineChecks(book, distributorId, {
      product: (_rules, d, s) => this.productSlot(d, s),
      ...(distributorShown ? { distributorShown } : {}),
    });
  }

  /** Checks one line; extracts it, or returns why it is rejected. */
  add(record: CsvRecord): LineReject | null {
    this.counts.read++;
    const reject = this.checks.check(record);
    if (reject) {
      this.counts.rejected++;
      this.counts.byReason[reject.code] = (this.counts.byReason[reject.code] ?? 0) + 1;
      return reject;
    }
    this.counts.extracted++;
    const { rules, partner: checked, quantity, product } = this.checks.passed;
    let q = rules === this.lastRules ? this.lastQuarter : this.quarters.get(rules.quarter);
    if (!q)
      this.quarters.set(
        rules.quarter,
        (q = {
          rulesVersion: rules.version,
          lines: 0,
          groupOf: new LineIndex(64),
          groupPartners: [],
          groupProducts: [],
          groupUnits: [],
          untaggedLines: new U32Column(),
          untaggedGroups: new U32Column(),
          tagged: { tags: [], lines: [], partners: [], products: [], quantities: [] },
        }),
      );
    this.lastRules = rules;
    this.lastQuarter = q;
    q.lines++;
    // Numbered on its memo entry: most lines then need no lookup by the partner ID.
    if (checked.slot < 0) checked.slot = this.partnerOf(checked.key, record.values.partner_id!);
    const partner = checked.slot;
    const tag = normalizeServiceTag(record.values.service_tag);
    if (tag) {
      const t = q.tagged;
      t.tags.push(tag);
      t.lines.push(record.line);
      t.partners.push(partner);
      t.products.push(product.index);
      t.quantities.push(quantity);
      return null;
    }
    const at = q.groupOf.putIfAbsent(partner, product.index, q.groupPartners.length + 1);
    let group = at - 1;
    if (at) q.groupUnits[group]! += quantity;
    else {
      group = q.groupPartners.length;
      q.groupPartners.push(partner);
      q.groupProducts.push(product.index);
      q.groupUnits.push(quantity);
    }
    q.untaggedLines.push(record.line);
    q.untaggedGroups.push(group);
    return null;
  }

  private productSlot(description: string, sku: string): ProductSlot {
    const bySku = this.productSlots.get(sku);
    if (bySku?.description === description) return bySku.slot;
    const hit = bySku?.others?.get(description);
    if (hit) return hit;
    // Kept for the life of the extract: copies, so they do not keep the reader's blocks alive.
    const product = { sku: detached(sku), description: detached(description) };
    const slot = { index: this.products.length, ...hashProduct(this.hash, sku, description) };
    this.products.push(product);
    if (!bySku) this.productSlots.set(product.sku, { description: product.description, slot });
    else (bySku.others ??= new Map()).set(product.description, slot);
    return slot;
  }

  private partnerOf(key: string, written: string): number {
    let i = this.partnerIndex.get(key);
    if (i === undefined) {
      i = this.partners.length;
      const partner = { key: detached(key), written: detached(written) };
      this.partners.push(partner);
      this.partnerIndex.set(partner.key, i);
    }
    return i;
  }

  /** The extract of the lines added so far; `source` names the report object it was read from. */
  result(source: { sha256: string; bytes: number } | null = null): ReportExtract {
    const quarters: ExtractQuarter[] = [...this.quarters]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([quarter, q]) => ({
        quarter,
        rulesVersion: q.rulesVersion,
        lines: q.lines,
        groups: groupsOf(q),
        tagged: q.tagged,
      }));
    return {
      format: EXTRACT_FORMAT,
      distributorId: this.distributorId,
      source,
      counts: { ...this.counts, byReason: { ...this.counts.byReason } },
      products: this.products,
      partners: this.partners,
      quarters,
    };
  }
}
