/**
 * The report reader's byte lane: plain records cut into fields on their bytes, never decoded whole
 * and never given to papaparse (read-report.ts decides when the lane is used and reads every other
 * record as text, with the same code as before).
 *
 * A record is plain when the bytes alone say what papaparse would make of its decoded text: every
 * field either unquoted without a quote, or quoted from its first byte to a closing quote followed
 * at once by the delimiter or the record's line break, with `""` for a quote inside; no CR or LF but
 * the line break; no zero byte; and every non-ASCII byte decodable as the reader decodes its line
 * (bytes.ts: a UTF-8 file's line valid UTF-8, a Windows-1251 file's line not). A record that is not
 * plain is cut where ByteScanner says (papaparse's rules on bytes) and handed over as bytes.
 *
 * A field's value comes from a memo keyed by its bytes: dates, partner IDs, SKUs, descriptions and
 * quantities repeat over a report, so most values are found, not decoded, and are the same string
 * each time (cheaper to hash in the extractor's tables). Columns whose values mostly do not repeat
 * (invoice numbers, service tags) stop using the memo after a first stretch of the file.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { TextDecoder } from 'node:util';
import type { ReportEncoding } from './bytes.js';
import { ByteScanner, MORE, UNSURE } from './byte-records.js';
import type { ReportDelimiter } from './header.js';
import type { Newline } from './rows.js';

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** Not plain: the record's end is ByteScanner's to find, and it is read as text. */
const OTHER = -3;
const ONE_CHAR = Array.from({ length: 128 }, (_, c) => String.fromCharCode(c));
/** As bytes.ts decodes: a BOM inside the text is kept; a byte Windows-1251 lacks is U+FFFD there too. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
const CP1251 = new TextDecoder('windows-1251', { ignoreBOM: true });

export interface LaneSink {
  /** A plain record's fields, as papaparse splits its decoded text. */
  plain(fields: string[]): void;
  /** Any other record: its bytes (line break included) and whether the file ends with it. */
  other(bytes: Buffer, atEnd: boolean): void;
}

export class ByteLane {
  /** The file's encoding as the reader has settled it so far (undefined: ASCII so far). */
  encoding: ReportEncoding | undefined;
  private carry: Buffer | undefined;
  private readonly scanner: ByteScanner;
  private readonly memo = new SpanMemo();
  /** Byte classes: 1 for the delimiter, CR, LF, the quote and zero; 0 for the rest. */
  private readonly special = new Uint8Array(256);
  private readonly delim: number;
  private readonly nl0: number;
  private readonly twoByteNewline: boolean;
  private fields: string[] = [];

  constructor(
    delimiter: ReportDelimiter,
    newline: Newline,
    private readonly maxRecordChars: number,
  ) {
    this.scanner = new ByteScanner(delimiter, newline, maxRecordChars);
    this.delim = delimiter.charCodeAt(0);
    this.nl0 = newline.charCodeAt(0);
    this.twoByteNewline = newline.length === 2;
    for (const b of [this.delim, CR, LF, QUOTE, 0]) this.special[b] = 1;
  }

  /**
   * Hands the records these bytes complete to `sink`, keeping an unfinished one for the next call.
   * Returns the bytes from the first record the lane cannot settle (its bytes over the record bound,
   * or a byte after a closing quote that may be white space once decoded): the caller reads those,
   * and the rest of the file, as text.
   */
  feed(more: Buffer, atEnd: boolean, sink: LaneSink): Buffer | undefined {
    let buf = more;
    let at = 0;
    const carry = this.carry;
    this.carry = undefined;
    if (carry) {
      // Only as much of the new bytes as the carried record needs is joined to it (no copy of every block).
      let k = Math.min(more.length, 256);
      for (;;) {
        const joined = Buffer.concat([carry, more.subarray(0, k)]);
        const last = atEnd && k === more.length;
        const end = this.next(joined, 0, last);
        if (end === MORE && k < more.length) {
          k = Math.min(more.length, k * 4);
          continue;
        }
        if (end === MORE) {
          buf = joined;
          break;
        }
        if (end === UNSURE || end > this.maxRecordChars || end < carry.length) return Buffer.concat([carry, more]);
        this.emit(joined, 0, end, last && end === joined.length, sink);
        at = end - carry.length;
        break;
      }
    }
    while (at < buf.length) {
      const end = this.next(buf, at, atEnd);
      if (end === MORE) break;
      // The bound is in characters, which only the text counts; under it in bytes, it is under it.
      if (end === UNSURE || end - at > this.maxRecordChars) return buf.subarray(at);
      this.emit(buf, at, end, atEnd && end === buf.length, sink);
      at = end;
    }
    if (at >= buf.length) return undefined;
    if (buf.length - at > this.maxRecordChars) return buf.subarray(at);
    // A copy: a slice would keep the whole block alive while the record waits.
    this.carry = Buffer.from(buf.subarray(at));
    return undefined;
  }

  private plainEnd = false;

  private emit(buf: Buffer, start: number, end: number, atEnd: boolean, sink: LaneSink): void {
    if (this.plainEnd) sink.plain(this.fields);
    else sink.other(buf.subarray(start, end), atEnd);
  }

  /** The end of the record at `at` (after its line break), MORE or UNSURE; plainEnd says which kind. */
  private next(buf: Buffer, at: number, atEnd: boolean): number {
    const end = this.plainAt(buf, at, atEnd);
    this.plainEnd = end >= 0;
    if (end !== OTHER) return end;
    const other = this.scanner.recordEnd(buf, at, atEnd);
    // Never met either (see text()), but only the settled encoding decodes a record as the reader would.
    if (other >= 0 && this.encoding === undefined && !isAscii(buf.subarray(at, other))) return UNSURE;
    return other;
  }

  /** The end of a plain record at `at`, its fields in this.fields; MORE, UNSURE or OTHER. */
  private plainAt(buf: Buffer, at: number, atEnd: boolean): number {
    const len = buf.length;
    const special = this.special;
    const delim = this.delim;
    const fields: string[] = [];
    let high = 0;
    // A Windows-1251 line that is valid UTF-8 is read as UTF-8 (bytes.ts): plain only if one field says it is not.
    let notUtf8 = false;
    let i = at;
    for (;;) {
      let s: number;
      let e: number;
      let fieldHigh = 0;
      let escaped = false;
      if (i < len && buf[i] === QUOTE) {
        s = i + 1;
        let j = s;
        for (;;) {
          if (j >= len) return atEnd ? OTHER : MORE;
          const c = buf[j]!;
          if (c === QUOTE) {
            if (j + 1 >= len) {
              if (!atEnd) return MORE;
              break;
            }
            if (buf[j + 1] !== QUOTE) break;
            escaped = true;
            j += 2;
            continue;
          }
          if (c === CR || c === LF || c === 0) return OTHER;
          fieldHigh |= c;
          j++;
        }
        e = j;
        i = j + 1;
      } else {
        s = i;
        for (; i < len; i++) {
          const c = buf[i]!;
          if (special[c] !== 0) {
            if (c === QUOTE || c === 0) return OTHER;
            break;
          }
          fieldHigh |= c;
        }
        e = i;
      }
      // What follows the field: the delimiter, the record's line break or the end of the bytes.
      let end = -1;
      if (i >= len) {
        if (!atEnd) return MORE;
        end = len;
      } else {
        const c = buf[i]!;
        if (c === this.nl0) {
          if (!this.twoByteNewline) end = i + 1;
          else if (i + 1 >= len) return atEnd ? OTHER : MORE;
          else if (buf[i + 1] === LF) end = i + 2;
          else return OTHER;
        } else if (c !== delim) return OTHER;
      }
      high |= fieldHigh;
      let value: string;
      if (e === s) value = '';
      else if (e === s + 1 && fieldHigh < 0x80) value = ONE_CHAR[buf[s]!]!;
      else if (fieldHigh < 0x80) value = this.ascii(buf, s, e, fields.length, escaped);
      else {
        const v = this.text(buf, s, e, fields.length, escaped);
        if (typeof v !== 'string') return v;
        value = v;
        notUtf8 ||= this.lastNotUtf8;
      }
      fields.push(value);
      if (end >= 0) {
        if (high >= 0x80 && this.encoding === 'windows-1251' && !notUtf8) return OTHER;
        this.fields = fields;
        return end;
      }
      i++;
    }
  }

  private lastNotUtf8 = false;

  private ascii(buf: Buffer, s: number, e: number, column: number, escaped: boolean): string {
    const memo = this.memo;
    const found = memo.get(buf, s, e, column);
    if (found !== undefined) return found;
    let value = (buf as unknown as LatinSlicer).latin1Slice(s, e);
    if (escaped) value = value.replaceAll('""', '"');
    memo.put(buf, s, e, column, value);
    return value;
  }

  /** A non-ASCII field's text, or OTHER / UNSURE; lastNotUtf8 says whether its bytes are not UTF-8. */
  private text(buf: Buffer, s: number, e: number, column: number, escaped: boolean): string | number {
    const encoding = this.encoding;
    // Never met: the reader settles the encoding on the block that holds a record's first non-ASCII byte.
    if (encoding === undefined) return UNSURE;
    const memo = this.memo;
    const found = memo.get(buf, s, e, column);
    // Only spans read as the file's encoding are kept: in a Windows-1251 file, those not UTF-8.
    if (found !== undefined) {
      this.lastNotUtf8 = true;
      return found;
    }
    const bytes = buf.subarray(s, e);
    const utf8 = isUtf8(bytes);
    this.lastNotUtf8 = !utf8;
    let value: string;
    if (encoding === 'windows-1251') value = CP1251.decode(bytes);
    else if (!utf8) return OTHER;
    else value = UTF8.decode(bytes);
    if (escaped) value = value.replaceAll('""', '"');
    if (encoding !== 'windows-1251' || !utf8) memo.put(buf, s, e, column, value);
    return value;
  }
}

interface LatinSlicer {
  latin1Slice(start: number, end: number): string;
}

const MEMO_COLUMNS = 64;
/** Lookups of a column before deciding whether its values repeat enough to keep memoising them. */
const MEMO_TRIAL = 8_192;
const MEMO_SLOTS = 1 << 15;
const MEMO_ENTRIES = 1 << 14;
const MEMO_BYTES = 2 ** 20;
/** The longest value kept as its column's previous one. */
const PREVIOUS_BYTES = 256;

/**
 * Strings by the bytes they were read from: first the column's previous value (dates, invoice
 * numbers, partners and the distributor repeat from line to line), then an open-addressing table
 * over a byte arena, bounded, for the columns whose values repeat further apart.
 */
class SpanMemo {
  private readonly previous = Buffer.alloc(MEMO_COLUMNS * PREVIOUS_BYTES);
  /** Where a column's previous value's bytes are: in `previous` (0) or the arena (1), at previousAt. */
  private readonly previousIn = new Uint8Array(MEMO_COLUMNS);
  private readonly previousAt = new Int32Array(MEMO_COLUMNS);
  private readonly previousLength = new Int32Array(MEMO_COLUMNS).fill(-1);
  private readonly previousValue: string[] = new Array<string>(MEMO_COLUMNS).fill('');
  private readonly slots = new Int32Array(MEMO_SLOTS);
  private readonly keyAt = new Int32Array(MEMO_ENTRIES);
  private readonly keyLength = new Int32Array(MEMO_ENTRIES);
  private readonly hashes = new Int32Array(MEMO_ENTRIES);
  private readonly values: string[] = [];
  private readonly arena = Buffer.alloc(MEMO_BYTES);
  private used = 0;
  private readonly tries = new Int32Array(MEMO_COLUMNS);
  private readonly hits = new Int32Array(MEMO_COLUMNS);
  private readonly off = new Uint8Array(MEMO_COLUMNS);
  /** The slot a missed lookup ended on, and its hash, where put stores (-1: do not store). */
  private free = -1;
  private freeHash = 0;

  get(buf: Buffer, s: number, e: number, column: number): string | undefined {
    this.free = -1;
    if (column >= MEMO_COLUMNS) return undefined;
    const n = e - s;
    if (this.previousLength[column] === n) {
      const previous = this.previousIn[column] === 0 ? this.previous : this.arena;
      const at = this.previousAt[column]!;
      let i = 0;
      while (i < n && previous[at + i] === buf[s + i]) i++;
      if (i === n) return this.previousValue[column];
    }
    if (this.off[column] !== 0) return undefined;
    const tries = ++this.tries[column]!;
    if (tries === MEMO_TRIAL && this.hits[column]! * 2 < tries) this.off[column] = 1;
    // A hash of a few bytes: the length, the first four, four in the middle and the last four.
    let h = Math.imul(n, 0x9e3779b1);
    if (n >= 8) {
      const m = s + (n >> 1);
      h = Math.imul(h ^ (buf[s]! | (buf[s + 1]! << 8) | (buf[s + 2]! << 16) | (buf[s + 3]! << 24)), 0x85ebca6b);
      h = Math.imul(h ^ (buf[m - 2]! | (buf[m - 1]! << 8) | (buf[m]! << 16) | (buf[m + 1]! << 24)), 0xc2b2ae35);
      h = Math.imul(h ^ (buf[e - 4]! | (buf[e - 3]! << 8) | (buf[e - 2]! << 16) | (buf[e - 1]! << 24)), 0x27d4eb2f);
    } else for (let i = s; i < e; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
    h ^= h >>> 15;
    const arena = this.arena;
    const mask = MEMO_SLOTS - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const entry = this.slots[slot]! - 1;
      if (entry < 0) {
        this.free = slot;
        this.freeHash = h;
        return undefined;
      }
      if (this.hashes[entry] !== h || this.keyLength[entry] !== n) continue;
      const k = this.keyAt[entry]!;
      let i = 0;
      while (i < n && arena[k + i] === buf[s + i]) i++;
      if (i === n) {
        this.hits[column]!++;
        const value = this.values[entry]!;
        this.previousIn[column] = 1;
        this.previousAt[column] = k;
        this.previousLength[column] = n;
        this.previousValue[column] = value;
        return value;
      }
    }
  }

  /** Keeps a value just read (after a missed get of the same bytes); silently full once the bounds are reached. */
  put(buf: Buffer, s: number, e: number, column: number, value: string): void {
    if (column >= MEMO_COLUMNS) return;
    const entry = this.values.length;
    const n = e - s;
    if (this.free < 0 || entry >= MEMO_ENTRIES || this.used + n > MEMO_BYTES) {
      this.remember(buf, s, e, column, value);
      return;
    }
    buf.copy(this.arena, this.used, s, e);
    this.previousIn[column] = 1;
    this.previousAt[column] = this.used;
    this.previousLength[column] = n;
    this.previousValue[column] = value;
    this.keyAt[entry] = this.used;
    this.keyLength[entry] = n;
    this.hashes[entry] = this.freeHash;
    this.values.push(value);
    this.used += n;
    this.slots[this.free] = entry + 1;
    this.free = -1;
  }

  private remember(buf: Buffer, s: number, e: number, column: number, value: string): void {
    const n = e - s;
    if (n > PREVIOUS_BYTES) {
      this.previousLength[column] = -1;
      return;
    }
    const at = column * PREVIOUS_BYTES;
    const previous = this.previous;
    for (let i = 0; i < n; i++) previous[at + i] = buf[s + i]!;
    this.previousIn[column] = 0;
    this.previousAt[column] = at;
    this.previousLength[column] = n;
    this.previousValue[column] = value;
  }
}
