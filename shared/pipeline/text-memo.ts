/**
 * A bounded memo keyed by short texts (partner IDs as written), for values that repeat on most
 * lines of a report. The same contract as BoundedMemo (line-index.ts), laid out for a lookup per
 * line: a Map keyed by the line's own string hashes a fresh string and then compares it with a key
 * somewhere on the heap, which was the largest single cost of a line's checks. Here the keys' texts
 * sit side by side in one typed array, and the table of slots is typed too, so a lookup reads a few
 * neighbouring cache lines. Longer texts go to a Map (rare: IDs are short).
 */
import { detached } from './line-index.js';

const MAX_KEY_CHARS = 32;

export class TextMemo<V> {
  private readonly values: V[] = [];
  /** Per entry: its hash, where its text starts in `chars`, and its length. */
  private hashes: Int32Array;
  private starts: Int32Array;
  private lengths: Uint8Array;
  private chars: Uint16Array;
  private charsUsed = 0;
  /** Open addressing, linear probing: entry number + 1, 0 when free. */
  private slots: Int32Array;
  private readonly mask: number;
  private readonly long = new Map<string, V>();
  private lastKey: string | undefined;
  private lastValue: V | undefined;
  /** Keys come from the file: a seeded hash, so no input can choose its collisions. */
  private readonly seed = (Math.random() * 2 ** 32) | 0;

  constructor(private readonly capacity = 10_000) {
    // At most half full, so probes stay short.
    const size = 2 ** Math.ceil(Math.log2(Math.max(16, 2 * capacity)));
    this.slots = new Int32Array(size);
    this.mask = size - 1;
    this.hashes = new Int32Array(capacity);
    this.starts = new Int32Array(capacity);
    this.lengths = new Uint8Array(capacity);
    this.chars = new Uint16Array(capacity * 12);
  }

  get(key: string, compute: (key: string) => V): V {
    if (key === this.lastKey) return this.lastValue as V;
    const value = key.length > MAX_KEY_CHARS ? this.getLong(key, compute) : this.getShort(key, compute);
    this.lastKey = key;
    this.lastValue = value;
    return value;
  }

  private getShort(key: string, compute: (key: string) => V): V {
    const n = key.length;
    let h = this.seed ^ n;
    for (let i = 0; i < n; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x5bd1e995);
    h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d);
    h ^= h >>> 13;
    const slots = this.slots;
    let i = h & this.mask;
    for (let e = slots[i]!; e !== 0; i = (i + 1) & this.mask, e = slots[i]!) {
      const entry = e - 1;
      if (this.hashes[entry] !== h || this.lengths[entry] !== n) continue;
      const chars = this.chars;
      let at = this.starts[entry]!;
      let k = 0;
      while (k < n && chars[at] === key.charCodeAt(k)) {
        at++;
        k++;
      }
      if (k === n) return this.values[entry]!;
    }
    if (this.values.length >= this.capacity) {
      this.clear();
      return this.getShort(key, compute);
    }
    const value = compute(key);
    const entry = this.values.length;
    this.values.push(value);
    if (this.charsUsed + n > this.chars.length) {
      const grown = new Uint16Array(2 * (this.charsUsed + n));
      grown.set(this.chars);
      this.chars = grown;
    }
    for (let k = 0; k < n; k++) this.chars[this.charsUsed + k] = key.charCodeAt(k);
    this.hashes[entry] = h;
    this.starts[entry] = this.charsUsed;
    this.lengths[entry] = n;
    this.charsUsed += n;
    slots[i] = entry + 1;
    return value;
  }

  private getLong(key: string, compute: (key: string) => V): V {
    let value = this.long.get(key);
    if (value === undefined && !this.long.has(key)) {
      if (this.long.size >= this.capacity) this.long.clear();
      value = compute(key);
      this.long.set(detached(key), value);
    }
    return value as V;
  }

  private clear(): void {
    this.values.length = 0;
    this.slots.fill(0);
    this.charsUsed = 0;
  }
}
