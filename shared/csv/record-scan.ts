/**
 * The fields of a few records of a report, found by their record numbers without parsing the rest.
 *
 * The rejects files put the lines the computation held beside the rejected ones, with their original
 * fields; a handful of records out of a million. The full reader (read-report.ts) splits every record
 * into fields, checks it and extracts its values; this only finds where records end, with indexOf, and
 * splits the wanted ones. Record numbers are the reader's exactly: the same bytes, gzip and encoding
 * handling (bytes.ts), the header's line break and delimiter as the reader settles them, papaparse's
 * quoting rules for where a record ends (a quote opens a quoted field only at the field's start;
 * inside, "" is a quote, and a quote closes the field only when a delimiter or line break follows,
 * whitespace allowed between), blank records counted, and a record over the record bound skipped as
 * the reader skips it (RecordSkipper).
 *
 * Given a way to open the report, the records are found in its bytes, not its decoded text: both
 * allowed encodings (UTF-8, Windows-1251) write the quote, the delimiters and CR/LF as the ASCII bytes
 * they are, so only the wanted records are decoded. Where bytes alone cannot say what the text would
 * (a record longer in bytes than the bound, which is in characters; a non-ASCII byte that may be
 * whitespace after a closing quote; a wanted record the reader decodes with a mark), the report is
 * opened again and scanned as decoded text, as before.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Readable } from 'node:stream';
import { TextDecoder } from 'node:util';
import Papa from 'papaparse';
import { assertText, BLOCK_BYTES, blocks, openBytes, TextSniffer } from './bytes.js';
import { chooseDelimiter, type ReportDelimiter } from './header.js';
import { DEFAULT_MAX_INFLATED_BYTES, DEFAULT_MAX_RECORD_CHARS, emptyFile, findHeaderLine } from './read-report.js';
import { overBound, RecordSkipper, type Newline } from './rows.js';

export interface ScannedRecords {
  /** The header's fields, as the reader reports them (a BOM at its start removed). */
  headers: string[];
  /** The wanted records that the file has, by record number, with their original fields. */
  fields: Map<number, string[]>;
  /** Whether the records were found in the file's bytes or in its decoded text. */
  scanned: 'bytes' | 'text';
}

/** Opens the report from its start; called again when its bytes alone cannot settle a record. */
export type OpenReport = () => Readable | Promise<Readable>;

export interface ScanOptions {
  maxInflatedBytes?: number;
  maxRecordChars?: number;
}

const QUOTE = 0x22;
/** The end of a record is not in the text yet. */
const MORE = -1;

/**
 * The fields of the records numbered `lines` (the header being 1, as ReportRecord.line). Given the
 * report's opener rather than a stream, its bytes are scanned (see above).
 */
export async function recordsAt(
  input: Readable | OpenReport,
  lines: ReadonlySet<number>,
  options: ScanOptions = {},
): Promise<ScannedRecords> {
  if (typeof input !== 'function') return textRecordsAt(input, lines, options);
  const byBytes = await bytesRecordsAt(await input(), lines, options);
  return byBytes ?? textRecordsAt(await input(), lines, options);
}

async function textRecordsAt(input: Readable, lines: ReadonlySet<number>, options: ScanOptions): Promise<ScannedRecords> {
  const maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  const sniffer = new TextSniffer(3 * maxRecordChars + 3);
  const text = decoded(input, sniffer, options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
  try {
    return await scan(text, lines, maxRecordChars);
  } finally {
    input.destroy();
    await text.return(undefined).catch(() => undefined);
  }
}

async function scan(text: AsyncGenerator<string[]>, lines: ReadonlySet<number>, maxRecordChars: number) {
  let last = 0;
  for (const line of lines) last = Math.max(last, line);
  const fields = new Map<number, string[]>();

  let head = '';
  let atEnd = false;
  let found: { line: string; newline: Newline } | null | undefined;
  while ((found = findHeaderLine(head, atEnd)) === undefined && head.length <= maxRecordChars) {
    const next = await text.next();
    if (next.done) atEnd = true;
    // Grown by whole blocks, as the reader's header is.
    else head += next.value.join('');
  }
  // The reader's own error for a file without a header line (a report read before would not be one).
  if (!found) throw emptyFile();
  const scanner = new Scanner(chooseDelimiter(found.line), found.newline, maxRecordChars);

  let headers: string[] | undefined;
  let line = 0;
  const take: Take = (text, start, end) => {
    line++;
    if (!headers) {
      const row = scanner.split(text.slice(start, end));
      // Blank records before the header are counted, as the reader counts them.
      if (!row.every((f) => f.trim() === '')) headers = row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h));
    } else if (end > start && lines.has(line)) fields.set(line, scanner.split(text.slice(start, end)));
  };
  let pending = head;
  for (;;) {
    scanner.records(pending, atEnd, take);
    if (atEnd || (headers && line >= last)) break;
    const next = await text.next();
    if (next.done) {
      atEnd = true;
      pending = '';
      // A block whole, as the reader's splitter judges the record bound once a block.
    } else pending = next.value.join('');
  }
  return { headers: headers ?? [], fields, scanned: 'text' as const };
}

/** The text block by block, each block's text in pieces of whole lines. */
async function* decoded(input: Readable, sniffer: TextSniffer, maxInflatedBytes: number): AsyncGenerator<string[]> {
  const { compressed, bytes } = await openBytes(raw(input));
  let first = true;
  for await (const block of blocks(bytes, maxInflatedBytes, compressed)) {
    if (first) assertText(block);
    first = false;
    const text = sniffer.decode(block);
    if (text.length) yield text;
  }
  const rest = sniffer.end();
  if (rest.length) yield rest;
}

async function* raw(input: Readable): AsyncGenerator<Buffer> {
  for await (const chunk of input) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
}

/** Receives each record as text[start, end), its line break included. */
type Take = (text: string, start: number, end: number) => void;

/** Cuts decoded text into records, carrying an unfinished one over to the next text. */
class Scanner {
  private carry = '';
  private skipper: RecordSkipper | undefined;
  private readonly parser: Papa.Parser;

  constructor(
    private readonly delimiter: ReportDelimiter,
    private readonly newline: Newline,
    private readonly maxRecordChars: number,
  ) {
    this.parser = new Papa.Parser({ delimiter, newline, quoteChar: '"' });
  }

  /** A record's fields as the reader's splitter makes them (records are parsed independently). */
  split(record: string): string[] {
    return (this.parser.parse(record, 0, false) as { data: string[][] }).data[0] ?? [''];
  }

  /** Calls `take` with each record the text completes. */
  records(more: string, atEnd: boolean, take: Take): void {
    if (this.skipper) {
      const rest = this.skipper.skip(more);
      if (rest === undefined) {
        if (atEnd) this.endSkip(take);
        return;
      }
      this.endSkip(take);
      more = rest;
    }
    const text = this.carry ? this.carry + more : more;
    this.carry = '';
    const nl = this.newline;
    let at = 0;
    let quote = text.indexOf('"');
    while (at < text.length) {
      const brk = text.indexOf(nl, at);
      if (quote !== -1 && quote < at) quote = text.indexOf('"', at);
      let end: number;
      // Most records have no quote: their end is the next line break.
      if (brk !== -1 && (quote === -1 || quote > brk)) end = brk + nl.length;
      else end = this.recordEnd(text, at, atEnd);
      if (end === MORE) break;
      take(text, at, end);
      at = end;
    }
    if (at >= text.length) return;
    const rest = text.slice(at);
    if (overBound(rest, this.newline, this.maxRecordChars)) {
      // The reader skips it unread.
      this.skipper = new RecordSkipper(this.delimiter, this.newline, '');
      const after = this.skipper.skip(rest);
      if (after === undefined) {
        if (atEnd) this.endSkip(take);
        return;
      }
      this.endSkip(take);
      this.records(after, atEnd, take);
      return;
    }
    this.carry = rest;
  }

  private endSkip(take: Take): void {
    this.skipper = undefined;
    // Counted as one record; never wanted (the reader keeps no fields of it).
    take('', 0, 0);
  }

  /**
   * Where the record starting at `at` ends (after its line break), following papaparse's Parser;
   * MORE when the text does not finish it yet, the text's end when it runs to the end of the file.
   */
  private recordEnd(text: string, at: number, atEnd: boolean): number {
    const len = text.length;
    const nl = this.newline;
    const delim = this.delimiter;
    const open = atEnd ? len : MORE;
    let i = at;
    for (;;) {
      if (i >= len) return open;
      if (text.charCodeAt(i) !== QUOTE) {
        const d = text.indexOf(delim, i);
        const n = text.indexOf(nl, i);
        if (n !== -1 && (d === -1 || n < d)) return n + nl.length;
        if (d === -1) return open;
        i = d + 1;
        continue;
      }
      // A quoted field: find the quote that closes it.
      let q = i;
      for (;;) {
        q = text.indexOf('"', q + 1);
        // Never closed: papaparse reads the rest of the file as this field.
        if (q === -1 || q === len - 1) return open;
        if (text.charCodeAt(q + 1) === QUOTE) {
          q++;
          continue;
        }
        let j = q + 1;
        while (j < len && text[j] !== delim && !text.startsWith(nl, j) && isWhitespace(text[j]!)) j++;
        if (j < len && text[j] === delim) {
          i = j + 1;
          break;
        }
        if (text.startsWith(nl, j)) return j + nl.length;
        // A quote inside the field that is not doubled: papaparse keeps it and looks on, past the next character.
        q++;
      }
    }
  }
}

/** What String#trim removes, as papaparse tests the text between a closing quote and what follows. */
function isWhitespace(c: string): boolean {
  return c.trim() === '';
}

// ---------------------------------------------------------------- the byte path

/** The bytes cannot settle it: the caller scans the decoded text instead. */
const UNSURE = -2;
const LF = 0x0a;
const CR = 0x0d;
/** As bytes.ts decodes: a BOM inside the text is kept. */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
const CP1251 = new TextDecoder('windows-1251', { ignoreBOM: true });
/**
 * Lead bytes of the non-ASCII characters String#trim removes, in UTF-8 (U+00A0, U+1680, U+2000–U+205F,
 * U+3000, U+FEFF) or Windows-1251 (0xA0): any other non-ASCII byte starts no whitespace however decoded.
 */
const MAY_BE_SPACE = new Set([0xa0, 0xc2, 0xe1, 0xe2, 0xe3, 0xef]);

/** The wanted records found in the report's bytes, or null where only its decoded text can tell. */
async function bytesRecordsAt(
  input: Readable,
  lines: ReadonlySet<number>,
  options: ScanOptions,
): Promise<ScannedRecords | null> {
  const maxRecordChars = options.maxRecordChars ?? DEFAULT_MAX_RECORD_CHARS;
  // Only to settle the encoding as the reader does (and the header's text): fed until it has.
  const sniffer = new TextSniffer(3 * maxRecordChars + 3);
  const source = rawBlocks(input, options.maxInflatedBytes ?? DEFAULT_MAX_INFLATED_BYTES);
  try {
    return await scanBytes(source, sniffer, lines, maxRecordChars);
  } catch {
    // Whatever went wrong (a file the reader refuses, a failed read) the text scan meets and says again.
    return null;
  } finally {
    input.destroy();
    await source.return(undefined).catch(() => undefined);
  }
}

async function* rawBlocks(input: Readable, maxInflatedBytes: number): AsyncGenerator<Buffer> {
  // Inflated in pieces of a block: zlib's own 16 KiB pieces cost about twice the CPU. The blocks part
  // wherever the stream's chunks end anyway (S3's are of no set size), so nothing rests on it.
  const { compressed, bytes } = await openBytes(raw(input), BLOCK_BYTES);
  let first = true;
  for await (const block of blocks(bytes, maxInflatedBytes, compressed)) {
    if (first) assertText(block);
    first = false;
    yield block;
  }
}

async function scanBytes(
  source: AsyncGenerator<Buffer>,
  sniffer: TextSniffer,
  lines: ReadonlySet<number>,
  maxRecordChars: number,
): Promise<ScannedRecords | null> {
  let last = 0;
  for (const line of lines) last = Math.max(last, line);

  // The header line from the decoded start of the file, exactly as the text scan finds it.
  const read: Buffer[] = [];
  let head = '';
  let atEnd = false;
  let ended = false;
  let found: { line: string; newline: Newline } | null | undefined;
  while ((found = findHeaderLine(head, atEnd)) === undefined && head.length <= maxRecordChars) {
    const next = await source.next();
    if (!next.done) {
      read.push(next.value);
      head += sniffer.decode(next.value).join('');
    } else if (!ended) {
      ended = true;
      head += sniffer.end().join('');
    } else atEnd = true;
  }
  if (!found) return null;
  const delimiter = chooseDelimiter(found.line);
  const scanner = new ByteScanner(delimiter, found.newline, maxRecordChars);
  const splitter = new Scanner(delimiter, found.newline, maxRecordChars);

  const fields = new Map<number, string[]>();
  let headers: string[] | undefined;
  let line = 0;
  let unsure = false;
  const take: TakeBytes = (buf, start, end) => {
    line++;
    if (headers && !lines.has(line)) return true;
    const text = decodeRecord(buf, start, end, sniffer.encoding);
    if (text === null) return !(unsure = true);
    if (!headers) {
      const row = splitter.split(text);
      // Blank records before the header are counted, as the reader counts them.
      if (!row.every((f) => f.trim() === '')) headers = row.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h));
    } else fields.set(line, splitter.split(text));
    return true;
  };

  // The BOM is no part of the text (TextSniffer takes it off the first block).
  let skip = sniffer.encoding === 'utf-8-bom' ? 3 : 0;
  const feed = async (block: Buffer, blockAtEnd: boolean): Promise<boolean> => {
    const from = skip;
    skip = 0;
    return scanner.records(from ? block.subarray(from) : block, blockAtEnd, take) && !unsure;
  };
  for (const block of read) if (!(await feed(block, false))) return null;
  while (!(headers && line >= last)) {
    const next = await source.next();
    if (next.done) {
      if (!ended && sniffer.encoding === undefined) sniffer.end();
      if (!(await feed(Buffer.alloc(0), true))) return null;
      break;
    }
    if (sniffer.encoding === undefined) sniffer.decode(next.value);
    if (!(await feed(next.value, false))) return null;
  }
  return { headers: headers ?? [], fields, scanned: 'bytes' };
}

/**
 * A record's text as the reader decodes it, or null where that needs more than its bytes: a
 * Windows-1251 file's line that is valid UTF-8, or a UTF-8 file's line that is not, which the reader
 * decodes with a mark (bytes.ts, UNDECODABLE); a non-ASCII record before the encoding is settled.
 */
function decodeRecord(buf: Buffer, start: number, end: number, encoding: TextSniffer['encoding']): string | null {
  const bytes = buf.subarray(start, end);
  if (isAscii(bytes)) return bytes.toString('latin1');
  if (encoding === 'utf-8' || encoding === 'utf-8-bom') return isUtf8(bytes) ? UTF8.decode(bytes) : null;
  if (encoding !== 'windows-1251') return null;
  // Each line (CR and LF each end one, as bytes.ts cuts them) on its own: most records are one.
  for (let at = 0; at < bytes.length; ) {
    let brk = at;
    while (brk < bytes.length && bytes[brk] !== LF && bytes[brk] !== CR) brk++;
    const piece = bytes.subarray(at, brk + 1);
    if (!isAscii(piece) && isUtf8(piece)) return null;
    at = brk + 1;
  }
  return CP1251.decode(bytes);
}

/** Receives each record as buf[start, end), its line break included; false stops the scan. */
type TakeBytes = (buf: Buffer, start: number, end: number) => boolean;

/**
 * Scanner's cuts, on bytes. Where a record's length in characters could matter (its bytes are over the
 * bound) or a byte could be whitespace the text would show, it answers false: the caller turns to the text.
 */
class ByteScanner {
  private carry: Buffer | undefined;
  /** The last quote search (quoteFrom): in which bytes, from where, and what it found. */
  private readonly quotes: { buf: Buffer | undefined; from: number; at: number } = { buf: undefined, from: 0, at: -1 };
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
   * Scanner.recordEnd on bytes, or UNSURE. Unquoted fields are passed with two calls of Buffer#indexOf
   * (the next quote and line break), not field by field: a call per field cost more than a loop over
   * the bytes, and a call per record half as much as that loop.
   */
  private recordEnd(buf: Buffer, at: number, atEnd: boolean): number {
    const len = buf.length;
    const delim = this.delim;
    const open = atEnd ? len : MORE;
    let i = at;
    // The first line break at or after where it was last looked for (-2: not looked for yet).
    let n = -2;
    for (;;) {
      if (i >= len) return open;
      if (buf[i] !== QUOTE) {
        // Unquoted fields, up to the next quote that opens a field: with no quote between, every
        // delimiter before it parts fields, so a quote opens one where a delimiter is just before it
        // (anywhere else it is text), and the record ends at the first line break before such a quote.
        if (n !== -1 && n < i) n = this.newlineFrom(buf, i);
        let from = i;
        for (;;) {
          const q = this.quoteFrom(buf, from);
          if (n !== -1 && (q === -1 || q > n)) return n + this.nl.length;
          if (q === -1) return open;
          if (buf[q - 1] === delim) {
            i = q;
            break;
          }
          from = q + 1;
        }
        continue;
      }
      // A quoted field: find the quote that closes it.
      let q = i;
      for (;;) {
        q = this.quoteFrom(buf, q + 1);
        // Never closed: papaparse reads the rest of the file as this field.
        if (q === -1 || q >= len - 1) return open;
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

  /**
   * Where the first quote at or after `from` is, or -1. The answer is kept for the next calls on the
   * same bytes: in a file with few quotes, a search from each record would cross the same bytes again
   * and again.
   */
  private quoteFrom(buf: Buffer, from: number): number {
    const kept = this.quotes;
    if (kept.buf === buf && from >= kept.from && (kept.at === -1 || kept.at >= from)) return kept.at;
    kept.buf = buf;
    kept.from = from;
    kept.at = buf.indexOf(QUOTE, from);
    return kept.at;
  }

  /** Where the next line break starts, or -1. */
  private newlineFrom(buf: Buffer, from: number): number {
    return this.nl.length === 1 ? buf.indexOf(this.nl[0]!, from) : buf.indexOf(this.nl, from);
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
