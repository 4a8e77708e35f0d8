/**
 * Compact structures for the per-line state of a report check, whose size would otherwise grow with
 * the lines: a 64-bit key → line number table in typed arrays (13 bytes a slot instead of the ~70 a
 * Map entry of boxed numbers takes), a string hash that reads the fields of a line without joining
 * them, and a bounded memo for values that repeat on most lines (dates, partner IDs, products).
 */

const EMPTY = 0; // a slot whose line is 0 is free: report lines are numbered from 1

/**
 * Open addressing with linear probing; keys are two 32-bit halves, values are line numbers ≥ 1.
 * A slot is three consecutive numbers (line, hi, lo), so reading one costs one memory access.
 * Beside them, one byte a slot: a fingerprint of the key there (0 when free). A probe walks the
 * fingerprints, a table small enough to stay in the CPU cache, and reads a slot of the large
 * table only when its fingerprint matches: a new key (most lines) is placed with a write, which
 * does not wait for memory as a read does. With a million lines the large table is 24 MB, and the
 * wait for it was the single largest cost of a line's checks.
 */
export class LineIndex {
  private slots: Uint32Array;
  private marks: Uint8Array;
  private mask: number;
  private used = 0;
  /** Keys can come from the file (service tags), so slots are seeded: no input can pick collisions. */
  private readonly seed = (Math.random() * 2 ** 32) >>> 0;

  constructor(initialSlots = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.slots = new Uint32Array(slots * 3);
    this.marks = new Uint8Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Bytes held by the table, for memory accounting. */
  get bytes(): number {
    return this.slots.byteLength + this.marks.byteLength;
  }

  /** The line stored for the key, or 0. */
  get(hi: number, lo: number): number {
    const i = this.slotFor(hi, lo);
    return this.marks[i] === FREE ? 0 : this.slots[3 * i]!;
  }

  /** Stores the key with its line unless present; returns the line stored first (0 if it was new). */
  putIfAbsent(hi: number, lo: number, line: number): number {
    if (line < 1) throw new RangeError('line numbers start at 1');
    const i = this.slotFor(hi, lo);
    const slots = this.slots;
    const at = 3 * i;
    if (this.marks[i] !== FREE) return slots[at]!;
    this.marks[i] = this.probeMark;
    slots[at] = line;
    slots[at + 1] = hi;
    slots[at + 2] = lo;
    // Grow at 3/4 full: linear probing stays short, and the table is at most ~2.7× its entries.
    if (++this.used * 4 > (this.mask + 1) * 3) this.grow();
    return 0;
  }

  *entries(): Generator<[hi: number, lo: number, line: number]> {
    const s = this.slots;
    for (let at = 0; at < s.length; at += 3) if (s[at] !== EMPTY) yield [s[at + 1]!, s[at + 2]!, s[at]!];
  }

  /** The fingerprint of the key slotFor looked for last. */
  private probeMark = 1;

  /** The slot holding the key, or the free slot where it would go (its fingerprint in probeMark). */
  private slotFor(hi: number, lo: number): number {
    const s = this.slots;
    const marks = this.marks;
    const h = hi >>> 0;
    const l = lo >>> 0;
    const mixed = fmix32(l ^ fmix32(h ^ this.seed));
    // The top byte, never 0 (a free slot): index bits are the low ones, so it sorts keys further.
    const mark = mixed >>> 24 || 1;
    this.probeMark = mark;
    let i = mixed & this.mask;
    for (;;) {
      const m = marks[i];
      if (m === FREE || (m === mark && s[3 * i + 1] === h && s[3 * i + 2] === l)) return i;
      i = (i + 1) & this.mask;
    }
  }

  private grow() {
    const old = this.slots;
    const slots = (this.mask + 1) * 2;
    this.slots = new Uint32Array(slots * 3);
    this.marks = new Uint8Array(slots);
    this.mask = slots - 1;
    // Keys are distinct, so each lands on the free slot its probe finds.
    for (let at = 0; at < old.length; at += 3) {
      if (old[at] === EMPTY) continue;
      const i = this.slotFor(old[at + 1]!, old[at + 2]!);
      this.marks[i] = this.probeMark;
      this.slots[3 * i] = old[at]!;
      this.slots[3 * i + 1] = old[at + 1]!;
      this.slots[3 * i + 2] = old[at + 2]!;
    }
  }
}

const FREE = 0; // a fingerprint of 0 marks a free slot

function fmix32(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * A 64-bit hash (two 32-bit halves, cyrb53's two lanes kept whole) of a sequence of strings and
 * numbers, fed one at a time, so a line's identity is hashed without building the joined string. A separator is
 * mixed in after each part: ("ab", "c") and ("a", "bc") hash apart. Random collisions are about
 * n²/2⁶⁵: one in 37 million reports of a million lines.
 */
export class FieldHash {
  hi = 0;
  lo = 0;
  private h1 = 0;
  private h2 = 0;

  start(): this {
    this.h1 = 0xdeadbeef;
    this.h2 = 0x41c6ce57;
    return this;
  }

  add(s: string): this {
    let h1 = this.h1;
    let h2 = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 2654435761);
      h2 = Math.imul(h2 ^ c, 1597334677);
    }
    // 0x10000 is no UTF-16 code unit, so it cannot be confused with text.
    this.h1 = Math.imul(h1 ^ 0x10000, 2654435761);
    this.h2 = Math.imul(h2 ^ 0x10000, 1597334677);
    return this;
  }

  /** Mixes in a 32-bit pair: a number, or the hash of a value hashed once and kept. */
  mix(a: number, b: number): this {
    this.h1 = Math.imul(Math.imul(this.h1 ^ a, 2654435761) ^ b ^ 0x10000, 2654435761);
    this.h2 = Math.imul(Math.imul(this.h2 ^ a, 1597334677) ^ b ^ 0x10000, 1597334677);
    return this;
  }

  finish(): this {
    let { h1, h2 } = this;
    h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
    h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
    this.hi = h2 >>> 0;
    this.lo = h1 >>> 0;
    return this;
  }
}

/**
 * A memo for values that repeat on most lines of a report. Hostile input can make every value
 * distinct, so it is emptied when full: memory stays bounded and the worst case is the uncached cost.
 */
export class BoundedMemo<V> {
  private readonly map = new Map<string, V>();
  // Lines of one invoice sit together and share their date and partner: comparing with the last
  // key is cheaper than hashing it again for the map.
  private lastKey: string | undefined;
  private lastValue: V | undefined;

  constructor(private readonly capacity = 10_000) {}

  get(key: string, compute: (key: string) => V): V {
    if (key === this.lastKey) return this.lastValue as V;
    let value = this.map.get(key);
    if (value === undefined && !this.map.has(key)) {
      if (this.map.size >= this.capacity) this.map.clear();
      value = compute(key);
      this.map.set(detached(key), value);
    }
    this.lastKey = key;
    this.lastValue = value;
    return value as V;
  }
}

/**
 * The string as a copy of its own. A field from the reader may be a slice of the whole decoded block
 * it came from (V8 slices strings of 13 characters or more): a key kept for long would keep that
 * block alive, and keys spread over a file would keep most of the file. UTF-16 both ways, so even a
 * lone surrogate is copied as it is.
 */
export function detached(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf16le').toString('utf16le');
}

/** A growing column of unsigned 32-bit numbers: no boxed elements, no array per group. */
export class U32Column {
  private data: Uint32Array;
  length = 0;

  constructor(initial = 1024) {
    this.data = new Uint32Array(initial);
  }

  push(value: number): void {
    if (this.length === this.data.length) {
      const grown = new Uint32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = value;
  }

  at(i: number): number {
    return this.data[i]!;
  }
}
