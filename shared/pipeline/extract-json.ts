/**
 * The extract's first stored form, `rebates-extract/1` (its JSON's `format` is EXTRACT_FORMAT, the
 * name every decoded extract carries): gzip JSON, line numbers delta-encoded,
 * validated with zod when read. Extracts written before the binary form (extract-binary.ts) are in
 * it, and `verify` writes it again to compare a report ingested then with its stored extract.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';
import { EXTRACT_FORMAT, type ReportExtract } from './extract.js';
import { checkCounts, refuse } from './extract-refuse.js';

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
    `{"format":${j(EXTRACT_FORMAT)},"distributorId":${j(extract.distributorId)},` +
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
// gzip's header has no time stamp from zlib, so equal JSON is equal bytes. Level 1: a third of
// the time of the default for about a tenth more bytes.
const GZIP_LEVEL = 1;

/** The extract as gzip JSON. Deterministic: the same extract gives the same bytes. */
export function encodeExtractJson(extract: ReportExtract): Buffer {
  return gzipSync(Buffer.concat([...extractJson(extract)]), { level: GZIP_LEVEL });
}

/**
 * Reads a `rebates-extract/1` extract back, refusing one that is not what `encodeExtractJson` wrote:
 * not gzip, not the schema, or whose indexes and counts disagree.
 */
export function decodeExtractJson(bytes: Buffer): ReportExtract {
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
  checkCounts(counts);
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
  checkCounts(counts, extracted);

  return {
    format: EXTRACT_FORMAT,
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
