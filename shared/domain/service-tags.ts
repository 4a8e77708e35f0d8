/**
 * Service tags: the serial number of one unit. A tag claimed twice in a quarter (in one report,
 * across reports, or across distributors) earns once; the later claim is rejected with a pointer
 * to the first.
 *
 * A report's claims are kept as a compact, sorted index: Dell service tags are 5-7 letters and
 * digits, which fit exactly in a double as a base-36 number (up to 9 characters), so a million claims take 12 MB
 * (tag + line) instead of a Set of strings several times that. Tags that do not fit (longer, or
 * with other characters) fall back to a sorted string list.
 */

const PLAIN_TAG = /^[0-9A-Z]+$/;

/** Upper-cased, with spaces and dashes removed; empty → null (no claim). */
export function normalizeServiceTag(raw: string | undefined): string | null {
  if (!raw) return null;
  // Most tags are already written this way: one test instead of a replace and a case change per line.
  if (PLAIN_TAG.test(raw)) return raw;
  const t = raw.replace(/[\s-]+/g, '').toUpperCase();
  return t === '' ? null : t;
}

const MAX_NUMERIC_LENGTH = 9; // 36^9 × 16 < 2^53: exact in a double

/** Base-36 value (with the length folded in) of an alphanumeric tag of up to 9 characters, else null. */
export function encodeTag(tag: string): number | null {
  if (tag.length > MAX_NUMERIC_LENGTH || !/^[0-9A-Z]+$/.test(tag)) return null;
  // A leading length digit keeps "0ABC" and "ABC" apart.
  return parseInt(tag, 36) * 16 + tag.length;
}

/** The tag an `encodeTag` value stands for. */
export function decodeTag(code: number): string {
  return Math.floor(code / 16)
    .toString(36)
    .toUpperCase()
    .padStart(code % 16, '0');
}

export interface Claim {
  tag: string;
  line: number;
}

/** The claims of one report version in one quarter, searchable by tag. Immutable once built. */
export class TagIndex {
  private constructor(
    private readonly codes: Float64Array,
    private readonly codeLines: Uint32Array,
    private readonly strings: string[],
    private readonly stringLines: number[],
  ) {}

  static build(claims: Iterable<Claim>): TagIndex {
    const numeric: [number, number][] = [];
    const other: [string, number][] = [];
    for (const c of claims) {
      const code = encodeTag(c.tag);
      if (code === null) other.push([c.tag, c.line]);
      else numeric.push([code, c.line]);
    }
    numeric.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    other.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
    return new TagIndex(
      Float64Array.from(numeric, (n) => n[0]),
      Uint32Array.from(numeric, (n) => n[1]),
      other.map((o) => o[0]),
      other.map((o) => o[1]),
    );
  }

  get size(): number {
    return this.codes.length + this.strings.length;
  }

  /** The line of the first claim of `tag`, if this index holds it. */
  lineOf(tag: string): number | undefined {
    const code = encodeTag(tag);
    if (code !== null) {
      const i = lowerBound(this.codes.length, (k) => this.codes[k]! < code);
      return i < this.codes.length && this.codes[i] === code ? this.codeLines[i] : undefined;
    }
    const i = lowerBound(this.strings.length, (k) => this.strings[k]! < tag);
    return i < this.strings.length && this.strings[i] === tag ? this.stringLines[i] : undefined;
  }

  *tags(): Iterable<string> {
    for (const c of this.codes) yield decodeTag(c);
    yield* this.strings;
  }

  /** Binary form: counts, then the numeric codes and lines, then the other tags as JSON. */
  serialize(): Buffer {
    const other = Buffer.from(JSON.stringify([this.strings, this.stringLines]), 'utf8');
    const head = Buffer.alloc(8);
    head.writeUInt32LE(this.codes.length, 0);
    head.writeUInt32LE(other.length, 4);
    return Buffer.concat([
      head,
      Buffer.from(this.codes.buffer, this.codes.byteOffset, this.codes.byteLength),
      Buffer.from(this.codeLines.buffer, this.codeLines.byteOffset, this.codeLines.byteLength),
      other,
    ]);
  }

  static deserialize(buf: Buffer): TagIndex {
    const n = buf.readUInt32LE(0);
    const otherLen = buf.readUInt32LE(4);
    let at = 8;
    // Copy into aligned arrays: a Buffer slice may not start on an 8-byte boundary.
    const codes = new Float64Array(n);
    Buffer.from(codes.buffer).set(buf.subarray(at, at + n * 8));
    at += n * 8;
    const lines = new Uint32Array(n);
    Buffer.from(lines.buffer).set(buf.subarray(at, at + n * 4));
    at += n * 4;
    const [strings, stringLines] = JSON.parse(buf.subarray(at, at + otherLen).toString('utf8')) as [
      string[],
      number[],
    ];
    return new TagIndex(codes, lines, strings, stringLines);
  }
}

function lowerBound(length: number, before: (k: number) => boolean): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(mid)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
