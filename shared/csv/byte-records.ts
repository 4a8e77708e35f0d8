/**
 * Where the records of a report end, found in its bytes (record-scan.ts, read-report.ts's byte lane):
 * the quote, the delimiters and CR/LF are the same ASCII bytes in UTF-8 and Windows-1251, so the
 * records papaparse would cut from the decoded text can be cut from the bytes, following its rules.
 */
import type { ReportDelimiter } from './header.js';
import type { Newline } from './rows.js';

const QUOTE = 0x22;
const LF = 0x0a;
/** The end of a record is not in the bytes yet. */
export const MORE = -1;
/** The bytes cannot settle it: the caller reads the decoded text instead. */
export const UNSURE = -2;
/**
 * Lead bytes of the non-ASCII characters String#trim removes, in UTF-8 (U+00A0, U+1680, U+2000–U+205F,
 * U+3000, U+FEFF) or Windows-1251 (0xA0): any other non-ASCII byte starts no whitespace however decoded.
 */
const MAY_BE_SPACE = new Set([0xa0, 0xc2, 0xe1, 0xe2, 0xe3, 0xef]);

/** Receives each record as buf[start, end), its line break included; false stops the scan. */
export type TakeBytes = (buf: Buffer, start: number, end: number) => boolean;

/**
 * Scanner's cuts, on bytes. Where a record's length in characters could matter (its bytes are over the
 * bound) or a byte could be whitespace the text would show, it answers false: the caller turns to the text.
 */
export class ByteScanner {
  private carry: Buffer | undefined;
  private readonly delim: number;
  private readonly nl: Buffer;

  constructor(
    delimiter: ReportDelimiter,
    newline: Newline,
    private readonly maxRecordChars: number,
  ) {
    this.delim = delimiter.charCodeAt(0);
    this.nl = Buffer.from(newline, 'latin1');
  }

  /** Calls `take` with each record the bytes complete; false when the bytes cannot tell. */
  records(more: Buffer, atEnd: boolean, take: TakeBytes): boolean {
    let buf = more;
    let at = 0;
    const carry = this.carry;
    this.carry = undefined;
    if (carry) {
      // Only as much of the new bytes as the carried record needs is joined to it: a copy of every
      // block made the garbage collector run for their sake. An answer from a part is the answer
      // from the whole, since recordEnd says MORE wherever the bytes after the part could matter.
      let k = Math.min(more.length, 256);
      for (;;) {
        const joined = Buffer.concat([carry, more.subarray(0, k)]);
        const end = this.recordEnd(joined, 0, atEnd && k === more.length);
        if (end === MORE && k < more.length) {
          k = Math.min(more.length, k * 4);
          continue;
        }
        if (end === MORE) {
          buf = joined;
          break;
        }
        if (end === UNSURE || end > this.maxRecordChars || end < carry.length) return false;
        if (!take(joined, 0, end)) return false;
        at = end - carry.length;
        break;
      }
    }
    while (at < buf.length) {
      const end = this.recordEnd(buf, at, atEnd);
      if (end === MORE) break;
      // The bound is in characters, which only the text counts; under it in bytes, it is under it.
      if (end === UNSURE || end - at > this.maxRecordChars) return false;
      if (!take(buf, at, end)) return false;
      at = end;
    }
    if (at >= buf.length) return true;
    if (buf.length - at > this.maxRecordChars) return false;
    // A copy: a slice would keep the whole block alive while the record waits.
    this.carry = Buffer.from(buf.subarray(at));
    return true;
  }

  /**
   * Scanner.recordEnd on bytes, or UNSURE. A loop over the bytes rather than indexOf: records are
   * short, and a call of Buffer#indexOf per field and line cost more than reading the bytes.
   */
  recordEnd(buf: Buffer, at: number, atEnd: boolean): number {
    const len = buf.length;
    const delim = this.delim;
    const nl0 = this.nl[0]!;
    const two = this.nl.length === 2;
    const open = atEnd ? len : MORE;
    let i = at;
    for (;;) {
      if (i >= len) return open;
      if (buf[i] !== QUOTE) {
        // An unquoted field (a quote inside it is text): up to the delimiter or the line break.
        for (; i < len; i++) {
          const c = buf[i]!;
          if (c === delim) break;
          if (c === nl0 && (!two || buf[i + 1] === LF)) return i + (two ? 2 : 1);
        }
        if (i >= len) return open;
        i++;
        continue;
      }
      // A quoted field: find the quote that closes it.
      let q = i;
      for (;;) {
        q++;
        while (q < len && buf[q] !== QUOTE) q++;
        // Never closed: papaparse reads the rest of the file as this field.
        if (q >= len - 1) return open;
        if (buf[q + 1] === QUOTE) {
          q++;
          continue;
        }
        let j = q + 1;
        for (; j < len; j++) {
          const c = buf[j]!;
          if (c === delim || this.newlineAt(buf, j)) break;
          if (c >= 0x80) {
            if (MAY_BE_SPACE.has(c)) return UNSURE;
            break;
          }
          if (!isAsciiSpace(c)) break;
        }
        if (j < len && buf[j] === delim) {
          i = j + 1;
          break;
        }
        if (this.newlineAt(buf, j)) return j + this.nl.length;
        // A quote inside the field that is not doubled: papaparse keeps it and looks on, past the next character.
        q++;
      }
    }
  }

  private newlineAt(buf: Buffer, j: number): boolean {
    const nl = this.nl;
    if (buf[j] !== nl[0]) return false;
    return nl.length === 1 || buf[j + 1] === nl[1];
  }
}

/** The ASCII characters String#trim removes: tab, LF, VT, FF, CR, space. */
function isAsciiSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
