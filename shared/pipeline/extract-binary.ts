/**
 * The extract's binary stored form, `rebates-extract/2`: numbers as columns of varints, text in
 * blocks, a small JSON header. A million lines are about two million numbers; as gzip JSON they
 * cost ingest a third of a second to write and the computation more than that to read back, most
 * of it digits, JSON and gzip rather than the numbers themselves.
 *
 *   "rebates-extract/2\n"            the format, found in the bytes by the reader
 *   u8 0                              compression: none (the numbers are small varints already)
 *   varint n, n bytes                 header, JSON: distributor, source, counts, how many products
 *                                     and partners, per quarter its name, rules version, lines,
 *                                     groups and tagged lines
 *   text 2 × products                 sku, description, sku, description, …
 *   text 2 × partners                 key, written, …
 *   per quarter:
 *     varints per group               partner, then product, then units (zigzag), then line count:
 *                                     one column after the other
 *     varints per group line          the gaps between a group's lines, the first from 0
 *     varints per tagged line         line gaps (the first from 0), partners, products,
 *                                     quantities (zigzag): one column after the other
 *     text tagged lines               the service tags
 *   u32 little-endian                 CRC-32 of everything before it
 *
 * A text block is a u8 encoding (0 UTF-8, 1 UTF-16LE for text with a lone surrogate, which UTF-8
 * cannot hold), each string's length in UTF-16 units as a varint, the byte length as a varint and
 * the bytes: one decode per block and a slice per string, not a decode per string.
 *
 * Reading checks as much as reading the JSON form did: every index in range, every gap at least 1,
 * every group with lines, every service tag non-empty, the counts adding up; and the CRC, so a
 * flipped bit is refused even without the content address to check against. It also refuses what
 * the encoder never writes, so one extract has one encoding: a varint with a needless zero byte at
 * its end, a UTF-8 block that is not valid UTF-8, a UTF-16 block of an odd number of bytes.
 */
import { isUtf8 } from 'node:buffer';
import { crc32 } from 'node:zlib';
import { z } from 'zod';
import { ExtractEncodingError } from '../errors.js';
import { EXTRACT_FORMAT, type ExtractGroup, type ExtractQuarter, type ReportExtract } from './extract.js';
import { checkCounts, refuse } from './extract-refuse.js';

export const BINARY_FORMAT = 'rebates-extract/2';
const MAGIC = Buffer.from(`${BINARY_FORMAT}\n`, 'latin1');
const NO_COMPRESSION = 0;
const [UTF8, UTF16] = [0, 1];
const MAX_VARINT_BYTES = 8;

/** Whether the bytes say they are this form. */
export function isBinaryExtract(bytes: Uint8Array): boolean {
  return bytes.length >= MAGIC.length && MAGIC.equals(bytes.subarray(0, MAGIC.length));
}

/** Refuses to write an extract the form cannot hold: a fault of the code that built it, never of a report. */
function unencodable(what: string): never {
  throw new ExtractEncodingError(`The report extract cannot be stored: ${what}.`, {
    key: 'extract-unencodable',
    params: { what },
  });
}

const count = z.number().int().nonnegative();
const Header = z.strictObject({
  distributorId: z.string().min(1),
  source: z.strictObject({ sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: count }).nullable(),
  counts: z.strictObject({ read: count, extracted: count, rejected: count, byReason: z.record(z.string(), count) }),
  products: count,
  partners: count,
  quarters: z.array(
    z.strictObject({
      quarter: z.string().min(1),
      rulesVersion: z.string().min(1),
      lines: count,
      groups: count,
      tagged: count,
    }),
  ),
});
type Header = z.infer<typeof Header>;

/** Bytes written into one buffer that doubles when full; columns ask for room once, not per number. */
class Out {
  at = 0;
  /** Sized from the extract's line count, so it rarely has to grow. */
  constructor(private buf: Buffer) {}

  room(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(2 * this.buf.length, this.at + bytes));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.at++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** A whole number, 0 or more, as a varint; the caller made room for it. */
  uint(n: number): void {
    const b = this.buf;
    let at = this.at;
    if (n >>> 0 === n) {
      while (n > 0x7f) {
        b[at++] = (n & 0x7f) | 0x80;
        n >>>= 7;
      }
    } else {
      if (!Number.isSafeInteger(n) || n < 0)
        unencodable(`${n} is not a whole number it can hold`);
      while (n > 0x7f) {
        b[at++] = (n % 0x80) | 0x80;
        n = Math.floor(n / 0x80);
      }
    }
    b[at++] = n;
    this.at = at;
  }

  /** A whole number of either sign, zigzagged: small either way. */
  int(n: number): void {
    if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 51)
      unencodable(`${n} is not a whole number it can hold`);
    this.uint(n < 0 ? -2 * n - 1 : 2 * n);
  }

  uints(column: readonly number[]): void {
    this.room(column.length * MAX_VARINT_BYTES);
    for (let i = 0; i < column.length; i++) this.uint(column[i]!);
  }

  ints(column: readonly number[]): void {
    this.room(column.length * MAX_VARINT_BYTES);
    for (let i = 0; i < column.length; i++) this.int(column[i]!);
  }

  /** Ascending line numbers as gaps from the one before (the first from 0). */
  gaps(lines: readonly number[]): void {
    this.room(lines.length * MAX_VARINT_BYTES);
    let prev = 0;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (!(line > prev)) unencodable(`line ${line} does not come after line ${prev}`);
      this.uint(line - prev);
      prev = line;
    }
  }

  text(strings: readonly string[]): void {
    if (!this.ascii(strings)) this.anyText(strings);
  }

  /**
   * Plain ASCII text (service tags, mostly) written character by character: no joined string and
   * no encoder call per block. False, with nothing written, for any other text.
   */
  private ascii(strings: readonly string[]): boolean {
    const start = this.at;
    this.room(1 + (strings.length + 1) * MAX_VARINT_BYTES);
    this.buf[this.at++] = UTF8;
    let units = 0;
    for (let i = 0; i < strings.length; i++) {
      const s = strings[i]!;
      for (let k = 0; k < s.length; k++)
        if (s.charCodeAt(k) > 0x7f) {
          this.at = start;
          return false;
        }
      this.uint(s.length);
      units += s.length;
    }
    this.uint(units);
    this.room(units);
    const b = this.buf;
    let at = this.at;
    for (let i = 0; i < strings.length; i++) {
      const s = strings[i]!;
      for (let k = 0; k < s.length; k++) b[at++] = s.charCodeAt(k);
    }
    this.at = at;
    return true;
  }

  private anyText(strings: readonly string[]): void {
    const all = strings.join('');
    const encoding = isWellFormed(all) ? UTF8 : UTF16;
    this.byte(encoding);
    this.room(strings.length * MAX_VARINT_BYTES);
    for (let i = 0; i < strings.length; i++) this.uint(strings[i]!.length);
    const bytes = encoding === UTF8 ? Buffer.byteLength(all, 'utf8') : 2 * all.length;
    this.room(MAX_VARINT_BYTES + bytes);
    this.uint(bytes);
    this.at += this.buf.write(all, this.at, encoding === UTF8 ? 'utf8' : 'utf16le');
  }

  /**
   * The bytes in a buffer of their own size: one copy, so the doubled buffer (up to twice the
   * extract) is not kept alive while the extract is hashed and put.
   */
  done(): Buffer {
    const out = Buffer.allocUnsafeSlow(this.at + 4);
    this.buf.copy(out, 0, 0, this.at);
    out.writeUInt32LE(crc32(out.subarray(0, this.at)), this.at);
    return out;
  }
}

// Node has String.prototype.isWellFormed; the ES2023 library types do not name it yet.
const isWellFormed = (s: string) => (s as string & { isWellFormed(): boolean }).isWellFormed();

/** The extract in the binary form. Deterministic: the same extract gives the same bytes. */
export function encodeExtractBinary(extract: ReportExtract): Buffer {
  const header: Header = {
    distributorId: extract.distributorId,
    source: extract.source && { sha256: extract.source.sha256, bytes: extract.source.bytes },
    counts: {
      read: extract.counts.read,
      extracted: extract.counts.extracted,
      rejected: extract.counts.rejected,
      // Sorted, so the bytes do not depend on the order reasons were first met.
      byReason: Object.fromEntries(
        Object.entries(extract.counts.byReason).sort(([a], [b]) => (a < b ? -1 : 1)),
      ),
    },
    products: extract.products.length,
    partners: extract.partners.length,
    quarters: extract.quarters.map((q) => ({
      quarter: q.quarter,
      rulesVersion: q.rulesVersion,
      lines: q.lines,
      groups: q.groups.length,
      tagged: q.tagged.tags.length,
    })),
  };
  // About 3 bytes a line number and 2 a group or tagged line's other numbers, and the tags.
  let estimate = 64 * 1024;
  for (const q of extract.quarters) estimate += 3 * q.lines + 8 * q.groups.length + 16 * q.tagged.tags.length;
  const out = new Out(Buffer.allocUnsafe(estimate));
  out.bytes(MAGIC);
  out.byte(NO_COMPRESSION);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  out.room(MAX_VARINT_BYTES);
  out.uint(json.length);
  out.bytes(json);
  out.text(extract.products.flatMap((p) => [p.sku, p.description]));
  out.text(extract.partners.flatMap((p) => [p.key, p.written]));
  for (const q of extract.quarters) {
    const g = q.groups;
    out.room(4 * g.length * MAX_VARINT_BYTES);
    for (let i = 0; i < g.length; i++) out.uint(g[i]!.partner);
    for (let i = 0; i < g.length; i++) out.uint(g[i]!.product);
    for (let i = 0; i < g.length; i++) out.int(g[i]!.units);
    for (let i = 0; i < g.length; i++) out.uint(g[i]!.lines.length);
    for (let i = 0; i < g.length; i++) out.gaps(g[i]!.lines);
    const t = q.tagged;
    const n = t.tags.length;
    if (t.lines.length !== n || t.partners.length !== n || t.products.length !== n || t.quantities.length !== n)
      unencodable(`the tagged lines of ${q.quarter} have columns of different lengths`);
    out.gaps(t.lines);
    out.uints(t.partners);
    out.uints(t.products);
    out.ints(t.quantities);
    out.text(t.tags);
  }
  return out.done();
}

/** Reads what Out wrote, refusing to read past the end. */
class In {
  at = 0;
  constructor(
    private readonly b: Buffer,
    private readonly end: number,
  ) {}

  byte(): number {
    if (this.at >= this.end) refuse('it ends early');
    return this.b[this.at++]!;
  }

  uint(): number {
    const b = this.b;
    let at = this.at;
    if (at >= this.end) refuse('it ends early');
    let x = b[at++]!;
    if (x < 0x80) {
      this.at = at;
      return x;
    }
    let n = x & 0x7f;
    let scale = 0x80;
    for (let k = 1; ; k++) {
      if (at >= this.end) refuse('it ends early');
      if (k === MAX_VARINT_BYTES) refuse('a number in it is too long');
      x = b[at++]!;
      n += (x & 0x7f) * scale;
      if (x < 0x80) break;
      scale *= 0x80;
    }
    // The encoder never ends a number with a zero byte: refused, or two byte strings would read the same.
    if (x === 0) refuse('a number in it is not written in its shortest form');
    if (n > Number.MAX_SAFE_INTEGER) refuse('a number in it is too large');
    this.at = at;
    return n;
  }

  int(): number {
    const z = this.uint();
    return z % 2 ? -(z + 1) / 2 : z / 2;
  }

  /** How many numbers a column of `n` may hold: each takes a byte at least. */
  column(n: number): void {
    if (n > this.end - this.at) refuse('it ends early');
  }

  /** A column of indexes into a list of `size`. */
  indexes(n: number, size: number, what: string): number[] {
    this.column(n);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const x = this.uint();
      if (x >= size) refuse(what);
      out[i] = x;
    }
    return out;
  }

  uints(n: number): number[] {
    this.column(n);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.uint();
    return out;
  }

  ints(n: number): number[] {
    this.column(n);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = this.int();
    return out;
  }

  /** `n` ascending line numbers from their gaps. */
  lines(n: number, what: string): number[] {
    this.column(n);
    const out = new Array<number>(n);
    let line = 0;
    for (let i = 0; i < n; i++) {
      const gap = this.uint();
      if (gap < 1) refuse(what);
      out[i] = line += gap;
    }
    return out;
  }

  text(n: number, what: string): string[] {
    const encoding = this.byte();
    if (encoding !== UTF8 && encoding !== UTF16) refuse(`the text of ${what} is in an unknown encoding`);
    this.column(n);
    const lengths = new Array<number>(n);
    let units = 0;
    for (let i = 0; i < n; i++) units += lengths[i] = this.uint();
    const bytes = this.uint();
    if (bytes > this.end - this.at) refuse('it ends early');
    // toString would replace bad UTF-8 and drop an odd last byte; the encoder writes neither.
    if (encoding === UTF16 && bytes % 2) refuse(`the text of ${what} is UTF-16 of an odd number of bytes`);
    if (encoding === UTF8 && !isUtf8(this.b.subarray(this.at, this.at + bytes)))
      refuse(`the text of ${what} is not valid UTF-8`);
    const all = this.b.toString(encoding === UTF8 ? 'utf8' : 'utf16le', this.at, this.at + bytes);
    this.at += bytes;
    if (all.length !== units) refuse(`the text of ${what} is not as long as its strings`);
    const out = new Array<string>(n);
    let at = 0;
    for (let i = 0; i < n; i++) out[i] = all.slice(at, (at += lengths[i]!));
    return out;
  }
}

/** Reads a `rebates-extract/2` extract back, refusing one that is not what `encodeExtractBinary` wrote. */
export function decodeExtractBinary(bytes: Buffer): ReportExtract {
  const end = bytes.length - 4;
  if (!isBinaryExtract(bytes) || end < MAGIC.length + 1) refuse('it ends early');
  if (crc32(bytes.subarray(0, end)) !== bytes.readUInt32LE(end))
    refuse('its checksum does not match its content');
  const r = new In(bytes, end);
  r.at = MAGIC.length;
  if (r.byte() !== NO_COMPRESSION) refuse('it is compressed in a way this version does not read');
  const headerBytes = r.uint();
  if (headerBytes > end - r.at) refuse('it ends early');
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8', r.at, r.at + headerBytes));
  } catch (err) {
    refuse('its header is not JSON', err);
  }
  r.at += headerBytes;
  const parsed = Header.safeParse(json);
  if (!parsed.success) refuse(z.prettifyError(parsed.error).replace(/\n/g, '; '), parsed.error);
  const h = parsed.data;

  const { counts } = h;
  checkCounts(counts);

  const productText = r.text(2 * h.products, 'the products');
  const products = Array.from({ length: h.products }, (_, i) => ({
    sku: productText[2 * i]!,
    description: productText[2 * i + 1]!,
  }));
  const partnerText = r.text(2 * h.partners, 'the partners');
  const partners = Array.from({ length: h.partners }, (_, i) => ({
    key: partnerText[2 * i]!,
    written: partnerText[2 * i + 1]!,
  }));

  let extracted = 0;
  const quarters: ExtractQuarter[] = h.quarters.map((q) => {
    const missing = `a group of ${q.quarter} names a partner or product the extract does not list`;
    const n = q.groups;
    const groupPartners = r.indexes(n, h.partners, missing);
    const groupProducts = r.indexes(n, h.products, missing);
    const units = r.ints(n);
    const sizes = r.uints(n);
    let lines = q.tagged;
    const groups = new Array<ExtractGroup>(n);
    for (let i = 0; i < n; i++) {
      if (sizes[i] === 0) refuse(`a group of ${q.quarter} has no lines`);
      lines += sizes[i]!;
      groups[i] = {
        partner: groupPartners[i]!,
        product: groupProducts[i]!,
        units: units[i]!,
        lines: r.lines(sizes[i]!, `the lines of a group of ${q.quarter} do not ascend`),
      };
    }
    const t = q.tagged;
    const tagMissing = `a tagged line of ${q.quarter} names a partner or product the extract does not list`;
    const tagged = {
      lines: r.lines(t, `the tagged lines of ${q.quarter} do not ascend`),
      partners: r.indexes(t, h.partners, tagMissing),
      products: r.indexes(t, h.products, tagMissing),
      quantities: r.ints(t),
      tags: r.text(t, `the service tags of ${q.quarter}`),
    };
    if (tagged.tags.some((tag) => tag.length === 0)) refuse(`a service tag of ${q.quarter} is empty`);
    if (lines !== q.lines) refuse(`${q.quarter} says ${q.lines} lines but holds ${lines}`);
    extracted += lines;
    return {
      quarter: q.quarter,
      rulesVersion: q.rulesVersion,
      lines: q.lines,
      groups,
      tagged: {
        tags: tagged.tags,
        lines: tagged.lines,
        partners: tagged.partners,
        products: tagged.products,
        quantities: tagged.quantities,
      },
    };
  });
  if (r.at !== end) refuse('it goes on past its content');
  checkCounts(counts, extracted);

  return { format: EXTRACT_FORMAT, distributorId: h.distributorId, source: h.source, counts, products, partners, quarters };
}
