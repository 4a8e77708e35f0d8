/**
 * Compact structures for the per-line state of a report check, whose size would otherwise grow with
 * the lines: a 64-bit key → line number table in typed arrays (12 bytes a slot instead of the ~70 a
 * Map entry of boxed numbers takes), a string hash that reads the fields of a line without joining
 * them, and a bounded memo for values that repeat on most lines (dates, partner IDs, products).
 */

const EMPTY = 0; // a slot whose line is 0 is free: report lines are numbered from 1

/** Open addressing with linear probing; keys are two 32-bit halves, values are line numbers ≥ 1. */
export class LineIndex {
  private keys: Uint32Array;
  private lines: Uint32Array;
  private mask: number;
  private used = 0;
  /** Keys can come from the file (service tags), so slots are seeded: no input can pick collisions. */
  private readonly seed = (Math.random() * 2 ** 32) >>> 0;

  constructor(initialSlots = 1024) {
    const slots = 2 ** Math.ceil(Math.log2(Math.max(16, initialSlots)));
    this.keys = new Uint32Array(slots * 2);
    this.lines = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.used;
  }

  /** Bytes held by the table, for memory accounting. */
  get bytes(): number {
    return this.keys.byteLength + this.lines.byteLength;
  }

  /** The line stored for the key, or 0. */
  get(hi: number, lo: number): number {
    return this.lines[this.slotFor(hi, lo)]!;
  }

  /** Stores the key with its line unless present; returns the line stored first (0 if it was new). */
  putIfAbsent(hi: number, lo: number, line: number): number {
    if (line < 1) throw new RangeError('line numbers start at 1');
    const i = this.slotFor(hi, lo);
    if (this.lines[i] !== EMPTY) return this.lines[i]!;
    this.keys[2 * i] = hi;
    this.keys[2 * i + 1] = lo;
    this.lines[i] = line;
    // Grow at 3/4 full: linear probing stays short, and the table is at most ~2.7× its entries.
    if (++this.used * 4 > this.lines.length * 3) this.grow();
    return 0;
  }

  *entries(): Generator<[hi: number, lo: number, line: number]> {
    for (let i = 0; i < this.lines.length; i++)
      if (this.lines[i] !== EMPTY) yield [this.keys[2 * i]!, this.keys[2 * i + 1]!, this.lines[i]!];
  }

  /** The slot holding the key, or the free slot where it would go. */
  private slotFor(hi: number, lo: number): number {
    let i = fmix32(lo ^ fmix32(hi ^ this.seed)) & this.mask;
    while (this.lines[i] !== EMPTY && (this.keys[2 * i] !== hi >>> 0 || this.keys[2 * i + 1] !== lo >>> 0))
      i = (i + 1) & this.mask;
    return i;
  }

  private grow() {
    const { keys, lines } = this;
    const slots = lines.length * 2;
    this.keys = new Uint32Array(slots * 2);
    this.lines = new Uint32Array(slots);
    this.mask = slots - 1;
    // Keys are distinct, so each lands on the free slot its probe finds.
    for (let j = 0; j < lines.length; j++) {
      if (lines[j] === EMPTY) continue;
      const i = this.slotFor(keys[2 * j]!, keys[2 * j + 1]!);
      this.keys[2 * i] = keys[2 * j]!;
      this.keys[2 * i + 1] = keys[2 * j + 1]!;
      this.lines[i] = lines[j]!;
    }
  }
}

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

  constructor(private readonly capacity = 10_000) {}

  get(key: string, compute: (key: string) => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    if (this.map.size >= this.capacity) this.map.clear();
    const value = compute(key);
    this.map.set(key, value);
    return value;
  }
}
