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
 * The serialized form is gzip JSON with line numbers delta-encoded, validated with zod when read
 * and stored content-addressed (`extracts/<reportId>/<sha256>.json.gz`).
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createGzip, gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import type { ReportRecord as CsvRecord } from '../csv/read-report.js';
import type { Rules, RulesBook } from '../domain/rules/load.js';
import { normalizeServiceTag } from '../domain/service-tags.js';
import { ExtractIntegrityError } from '../errors.js';
import { PREFIX } from '../storage-contract.js';
import { detached, FieldHash, LineIndex, U32Column } from './line-index.js';
import { FileLineChecks, hashProduct, type Hashed, type LineReject } from './line-checks.js';

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

// ---------------------------------------------------------------- serialized form

function fromDeltas(deltas: readonly number[]): number[] {
  const out = new Array<number>(deltas.length);
  let prev = 0;
  for (let i = 0; i < deltas.length; i++) out[i] = prev += deltas[i]!;
  return out;
}

const count = z.number().int().nonnegative();

/*
 * The long columns (a number or two per line) are checked by one loop each rather than element by
 * element by zod, which took most of the computation's time to load an extract.
 */
const wholeAtLeast = (min: number) => (x: unknown) => Number.isInteger(x) && (x as number) >= min;
const isIndex = wholeAtLeast(0);
// Lines ascend within a group and within the tagged lines, so every gap is at least 1.
const isGap = wholeAtLeast(1);
const isUnits = (x: unknown) => Number.isInteger(x);
const column = <T>(ok: (x: unknown) => boolean, what: string) =>
  z.custom<T[]>((v) => Array.isArray(v) && v.every(ok), { message: `expected a list of ${what}` });
const indexes = column<number>(isIndex, 'indexes (whole numbers, 0 or more)');
const units = column<number>(isUnits, 'unit counts (whole numbers)');
const gaps = column<number>(isGap, 'line gaps (whole numbers, 1 or more)');
/** [partner, product, units, line gaps] */
type WireGroup = [number, number, number, number[]];
const isGroup = (g: unknown) =>
  Array.isArray(g) &&
  g.length === 4 &&
  isIndex(g[0]) &&
  isIndex(g[1]) &&
  isUnits(g[2]) &&
  Array.isArray(g[3]) &&
  g[3].every(isGap);

const WireExtract = z.object({
  format: z.literal(EXTRACT_FORMAT),
  distributorId: z.string().min(1),
  source: z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: count }).nullable(),
  counts: z.object({ read: count, extracted: count, rejected: count, byReason: z.record(z.string(), count) }),
  products: z.array(z.tuple([z.string(), z.string()])),
  partners: z.array(z.tuple([z.string(), z.string()])),
  quarters: z.array(
    z.object({
      quarter: z.string().min(1),
      rulesVersion: z.string().min(1),
      lines: count,
      groups: column<WireGroup>(isGroup, 'groups [partner, product, units, line gaps]'),
      tagged: z.object({
        tags: column<string>((t) => typeof t === 'string' && t.length > 0, 'service tags'),
        lines: gaps,
        partners: indexes,
        products: indexes,
        quantities: units,
      }),
    }),
  ),
});
type WireExtract = z.infer<typeof WireExtract>;

/**
 * JSON written straight into UTF-8 pieces of PIECE_BYTES: numbers as digits into the buffer, text
 * through `JSON.stringify`. A million lines are about two million numbers, and building a string
 * for each (then a string per group, then encoding it all again for gzip) was most of the time the
 * extract took.
 */
class JsonPieces {
  private buf = Buffer.allocUnsafe(PIECE_BYTES);
  private at = 0;
  /** Full pieces not yet handed on. */
  readonly ready: Buffer[] = [];

  /** Text that is JSON already (punctuation, a stringified value), as UTF-8. */
  raw(s: string): void {
    // At most 3 bytes a UTF-16 unit; a longer text than a piece becomes a piece of its own.
    if (3 * s.length > PIECE_BYTES - this.at) {
      this.cut();
      if (3 * s.length > PIECE_BYTES) {
        this.ready.push(Buffer.from(s, 'utf8'));
        return;
      }
    }
    this.at += this.buf.write(s, this.at, 'utf8');
  }

  /** One ASCII character, e.g. ',' or '['. */
  char(code: number): void {
    if (this.at === PIECE_BYTES) this.cut();
    this.buf[this.at++] = code;
  }

  /**
   * A string, as JSON.stringify writes it. Service tags (hundreds of thousands a report) are short
   * plain ASCII: written byte by byte, without a JSON string and its UTF-8 copy for each.
   */
  str(s: string): void {
    if (s.length > 64) return this.raw(JSON.stringify(s));
    if (PIECE_BYTES - this.at < s.length + 2) this.cut();
    const b = this.buf;
    const start = this.at;
    let at = start;
    b[at++] = QUOTE;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      // Anything JSON escapes, and anything beyond ASCII: the slow way, from the start.
      if (c < 0x20 || c > 0x7e || c === QUOTE || c === BACKSLASH) {
        this.at = start;
        return this.raw(JSON.stringify(s));
      }
      b[at++] = c;
    }
    b[at++] = QUOTE;
    this.at = at;
  }

  /** A number, as JSON.stringify writes it. */
  num(n: number): void {
    if (!Number.isSafeInteger(n)) return this.raw(JSON.stringify(n));
    if (PIECE_BYTES - this.at < 17) this.cut();
    const b = this.buf;
    if (n < 0) {
      b[this.at++] = MINUS;
      n = -n;
    }
    let digits = 1;
    for (let m = n; m >= 10; m = Math.floor(m / 10)) digits++;
    for (let i = this.at + digits - 1; i >= this.at; i--) {
      b[i] = ZERO + (n % 10);
      n = Math.floor(n / 10);
    }
    this.at += digits;
  }

  /** Ascending line numbers as the first one and then the gaps (small numbers), a JSON array. */
  gaps(lines: readonly number[]): void {
    this.char(OPEN);
    let prev = 0;
    for (let i = 0; i < lines.length; i++) {
      if (i) this.char(COMMA);
      this.num(lines[i]! - prev);
      prev = lines[i]!;
    }
    this.char(CLOSE);
  }

  /** The pieces filled so far, handed on once. */
  take(): Buffer[] {
    return this.ready.splice(0);
  }

  /** The last piece, however full. */
  end(): Buffer[] {
    this.cut();
    return this.take();
  }

  private cut(): void {
    if (this.at === 0) return;
    this.ready.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(PIECE_BYTES);
    this.at = 0;
  }
}

const [OPEN, CLOSE, COMMA, MINUS, ZERO, QUOTE, BACKSLASH] = [0x5b, 0x5d, 0x2c, 0x2d, 0x30, 0x22, 0x5c];

/**
 * The extract's JSON in UTF-8 pieces of about PIECE_BYTES, never whole: `JSON.stringify` of the
 * wire form, the same bytes, without the copy of every column the wire form was and without the
 * one string of it all (tens of MB for a million lines, above ingest's memory bound).
 */
function* extractJson(extract: ReportExtract): Generator<Buffer> {
  const j = JSON.stringify;
  const counts: WireExtract['counts'] = {
    ...extract.counts,
    byReason: Object.fromEntries(
      Object.entries(extract.counts.byReason).sort(([a], [b]) => (a < b ? -1 : 1)),
    ),
  };
  const out = new JsonPieces();
  out.raw(
    `{"format":${j(extract.format)},"distributorId":${j(extract.distributorId)},` +
      `"source":${j(extract.source)},"counts":${j(counts)},"products":`,
  );
  /** A JSON array, its items written one by one; full pieces are handed on between items. */
  const list = function* <T>(items: readonly T[], item: (x: T) => void) {
    out.char(OPEN);
    for (let i = 0; i < items.length; i++) {
      if (i) out.char(COMMA);
      item(items[i]!);
      if (out.ready.length) yield* out.take();
    }
    out.char(CLOSE);
  };
  // A column of the tagged lines: numbers, or text (the service tags).
  const value = (x: unknown) =>
    typeof x === 'number' ? out.num(x) : typeof x === 'string' ? out.str(x) : out.raw(j(x) ?? 'null');
  yield* list(extract.products, (p) => out.raw(j([p.sku, p.description])));
  out.raw(',"partners":');
  yield* list(extract.partners, (p) => out.raw(j([p.key, p.written])));
  out.raw(',"quarters":[');
  for (const [i, q] of extract.quarters.entries()) {
    out.raw(
      `${i ? ',' : ''}{"quarter":${j(q.quarter)},"rulesVersion":${j(q.rulesVersion)},"lines":${j(q.lines)},"groups":`,
    );
    yield* list(q.groups, (g) => {
      out.char(OPEN);
      out.num(g.partner);
      out.char(COMMA);
      out.num(g.product);
      out.char(COMMA);
      out.num(g.units);
      out.char(COMMA);
      out.gaps(g.lines);
      out.char(CLOSE);
    });
    out.raw(',"tagged":{');
    // The columns in the object's own order, as JSON.stringify of { ...tagged, lines: gaps } would.
    let comma = '';
    for (const [key, column] of Object.entries(q.tagged)) {
      if (key === 'lines') {
        out.raw(`${comma}"lines":`);
        out.gaps(column as number[]);
        if (out.ready.length) yield* out.take();
      } else if (Array.isArray(column)) {
        out.raw(`${comma}${j(key)}:`);
        yield* list(column as unknown[], value);
      } else if (j(column) !== undefined) out.raw(`${comma}${j(key)}:${j(column)}`);
      else continue;
      comma = ',';
    }
    out.raw('}}');
  }
  out.raw(']}');
  yield* out.end();
}

const PIECE_BYTES = 64 * 1024;
const QUEUED_BYTES = 16 * PIECE_BYTES;
// gzip's header has no time stamp from zlib, so equal JSON is equal bytes. Level 1: a third of
// the time of the default for about a tenth more bytes.
const GZIP_LEVEL = 1;

/** The extract as gzip JSON. Deterministic: the same extract gives the same bytes. */
export function encodeExtract(extract: ReportExtract): Buffer {
  return gzipSync(Buffer.concat([...extractJson(extract)]), { level: GZIP_LEVEL });
}

/**
 * The same bytes as `encodeExtract`, the JSON compressed as it is written: memory holds the
 * compressed output and a few pieces of JSON, not the whole JSON (ingest runs in a bounded heap).
 */
export async function encodeExtractInPieces(extract: ReportExtract): Promise<Buffer> {
  const gzip = createGzip({ level: GZIP_LEVEL, chunkSize: PIECE_BYTES });
  const chunks: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = once(gzip, 'end');
  // Deflate's output does not depend on how its input is cut. Up to QUEUED_BYTES waiting lets the
  // JSON be written while zlib compresses what came before on its thread, rather than by turns.
  for (const piece of extractJson(extract)) {
    gzip.write(piece);
    if (gzip.writableLength >= QUEUED_BYTES) await once(gzip, 'drain');
  }
  gzip.end();
  await ended;
  return Buffer.concat(chunks);
}

export function sha256Of(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where an extract is stored: under its report, named by its content. */
export function extractKeyOf(reportId: string, sha256: string): string {
  return `${PREFIX.extracts}${reportId}/${sha256}.json.gz`;
}

/** The bytes, their content address and the key to store them under. */
export function storableExtract(reportId: string, extract: ReportExtract) {
  return addressed(reportId, encodeExtract(extract));
}

/** `storableExtract` with the bytes made by `encodeExtractInPieces`: for a large extract in a bounded heap. */
export async function storableExtractInPieces(reportId: string, extract: ReportExtract) {
  return addressed(reportId, await encodeExtractInPieces(extract));
}

function addressed(reportId: string, bytes: Buffer) {
  const sha256 = sha256Of(bytes);
  return { bytes, sha256, key: extractKeyOf(reportId, sha256) };
}

function refuse(what: string, cause?: unknown): never {
  throw new ExtractIntegrityError(
    `The stored report extract cannot be used: ${what}. Re-read the report to rebuild it.`,
    { cause, key: 'extract-unusable' },
  );
}

/**
 * Reads an extract back, refusing one that is not what `encodeExtract` wrote: bytes that do not
 * match the expected sha256, not gzip, not the schema, or whose indexes and counts disagree.
 */
export function decodeExtract(bytes: Buffer, expectedSha256?: string): ReportExtract {
  if (expectedSha256 !== undefined && sha256Of(bytes) !== expectedSha256)
    refuse(`its content does not match its address (sha256 ${expectedSha256})`);
  let json: unknown;
  try {
    json = JSON.parse(gunzipSync(bytes).toString('utf8'));
  } catch (err) {
    refuse('it is not gzip-compressed JSON', err);
  }
  const parsed = WireExtract.safeParse(json);
  if (!parsed.success) refuse(z.prettifyError(parsed.error).replace(/\n/g, '; '), parsed.error);
  const w = parsed.data;

  const { counts } = w;
  if (counts.read !== counts.extracted + counts.rejected)
    refuse(
      `lines read (${counts.read}) are not lines extracted (${counts.extracted}) plus rejected (${counts.rejected})`,
    );
  const byReason = Object.values(counts.byReason).reduce((a, b) => a + b, 0);
  if (byReason !== counts.rejected) refuse(`rejects by reason add up to ${byReason}, not ${counts.rejected}`);
  let extracted = 0;
  const inRange = (i: number, list: readonly unknown[]) => i < list.length;
  for (const q of w.quarters) {
    const t = q.tagged;
    const n = t.tags.length;
    if ([t.lines, t.partners, t.products, t.quantities].some((c) => c.length !== n))
      refuse(`the tagged lines of ${q.quarter} have columns of different lengths`);
    let lines = n;
    for (const [partner, product, , g] of q.groups) {
      if (!inRange(partner, w.partners) || !inRange(product, w.products))
        refuse(`a group of ${q.quarter} names a partner or product the extract does not list`);
      if (g.length === 0) refuse(`a group of ${q.quarter} has no lines`);
      lines += g.length;
    }
    if (t.partners.some((p) => !inRange(p, w.partners)) || t.products.some((p) => !inRange(p, w.products)))
      refuse(`a tagged line of ${q.quarter} names a partner or product the extract does not list`);
    if (lines !== q.lines) refuse(`${q.quarter} says ${q.lines} lines but holds ${lines}`);
    extracted += lines;
  }
  if (extracted !== counts.extracted)
    refuse(`it says ${counts.extracted} lines extracted but holds ${extracted}`);

  return {
    format: w.format,
    distributorId: w.distributorId,
    source: w.source,
    counts,
    products: w.products.map(([sku, description]) => ({ sku, description })),
    partners: w.partners.map(([key, written]) => ({ key, written })),
    quarters: w.quarters.map((q) => ({
      quarter: q.quarter,
      rulesVersion: q.rulesVersion,
      lines: q.lines,
      groups: q.groups.map(([partner, product, units, g]) => ({
        partner,
        product,
        units,
        lines: fromDeltas(g),
      })),
      tagged: { ...q.tagged, lines: fromDeltas(q.tagged.lines) },
    })),
  };
}
