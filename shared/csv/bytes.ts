/**
 * From the raw object bytes to decoded text, streaming: hash the raw bytes, inflate gzip (by magic
 * bytes), bound the inflated size, gather 64 KiB blocks, refuse binaries, pick the text encoding.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import type { Hash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createGunzip } from 'node:zlib';
import { ReportFileError } from '../errors.js';

export type ReportEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1251';

/** Block size for sniffing, decoding and parsing: large enough to judge the encoding and to amortise per-call costs. */
export const BLOCK_BYTES = 64 * 1024;

/**
 * The most bytes of whole lines decoded into one string. V8 keeps a string over 128 KiB (64 Ki
 * two-byte characters) in its large-object space, each in a memory mapping of its own: a 64 KiB
 * Windows-1251 block took ten times as long to decode into one string as into two. A piece never
 * has more characters than bytes, so pieces of this size stay well under that in any encoding.
 */
export const PIECE_BYTES = 32 * 1024;

/** Counts and hashes the raw bytes as they pass. */
export async function* tapRaw(input: AsyncIterable<unknown>, hash: Hash, count: { bytes: number }) {
  for await (const chunk of input) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    hash.update(buf);
    count.bytes += buf.length;
    yield buf;
  }
}

/**
 * Looks at the first two bytes for the gzip magic and returns the bytes, inflated if it is there,
 * in pieces of `inflatedChunkBytes` (zlib's own 16 KiB unless said).
 */
export async function openBytes(
  raw: AsyncGenerator<Buffer>,
  inflatedChunkBytes?: number,
): Promise<{ compressed: boolean; bytes: AsyncGenerator<Buffer> }> {
  const head: Buffer[] = [];
  let size = 0;
  while (size < 2) {
    const next = await raw.next();
    if (next.done) break;
    head.push(next.value);
    size += next.value.length;
  }
  const first = Buffer.concat(head, size);
  async function* replay() {
    if (first.length) yield first;
    yield* raw;
  }
  const compressed = first[0] === 0x1f && first[1] === 0x8b;
  return { compressed, bytes: compressed ? inflate(replay(), inflatedChunkBytes) : replay() };
}

async function* inflate(source: AsyncIterable<Buffer>, chunkSize?: number): AsyncGenerator<Buffer> {
  // Errors of either side surface through the iteration below; the callback only keeps pipeline quiet.
  const out = pipeline(Readable.from(source), createGunzip(chunkSize ? { chunkSize } : {}), () => {});
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    if (isZlibError(err)) {
      throw new ReportFileError(
        'unreadable',
        'The file starts like a .gz archive but could not be unpacked; it may be cut short or damaged.',
        { cause: err, key: 'gz-unpack-failed' },
      );
    }
    throw err;
  }
}

function isZlibError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

/** Gathers the bytes into blocks of at least BLOCK_BYTES, failing once more than maxBytes have come. */
export async function* blocks(source: AsyncIterable<Buffer>, maxBytes: number, compressed: boolean) {
  let parts: Buffer[] = [];
  let size = 0;
  let total = 0;
  for await (const buf of source) {
    total += buf.length;
    if (total > maxBytes) {
      throw new ReportFileError(
        'too-large',
        `The file is larger than ${formatBytes(maxBytes)}${compressed ? ' once unpacked' : ''}, ` +
          'which is the most one report may be. Split it into smaller files.',
        { key: 'file-too-large', params: { bytes: maxBytes, unpacked: compressed } },
      );
    }
    parts.push(buf);
    size += buf.length;
    if (size >= BLOCK_BYTES) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      parts = [];
      size = 0;
    }
  }
  if (size) yield Buffer.concat(parts, size);
}

export function formatBytes(n: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n.toLocaleString('en-US')} bytes`;
}

/**
 * A zero byte this early means a binary file (git's rule, applied to its first 8,000 bytes): UTF-16
 * text, an image, an archive. Later, a zero byte is damage to one line, which is rejected alone.
 */
export const BINARY_SNIFF_BYTES = 8 * 1024;

/** Throws not-text for files that are plainly not a CSV report, judged on their first BLOCK_BYTES. */
export function assertText(first: Buffer): void {
  // The first block may be larger (network chunks are not cut): the verdict must not depend on it.
  const head = first.subarray(0, BLOCK_BYTES);
  const starts = (...magic: number[]) => magic.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    throw new ReportFileError(
      'not-text',
      'This is a ZIP archive or an Excel workbook (.xlsx), not a CSV file. Save the sheet as CSV and upload that.',
      { key: 'not-text-xlsx' },
    );
  }
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) {
    throw new ReportFileError(
      'not-text',
      'This is an old Excel workbook (.xls), not a CSV file. Save the sheet as CSV and upload that.',
      { key: 'not-text-xls' },
    );
  }
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) {
    throw new ReportFileError(
      'not-text',
      'The file is in UTF-16 ("Unicode text"). Save it as "CSV UTF-8" or "CSV (semicolon delimited)" instead.',
      { key: 'not-text-utf16' },
    );
  }
  const zero = head.indexOf(0);
  if (zero !== -1 && zero < BINARY_SNIFF_BYTES) {
    throw new ReportFileError(
      'not-text',
      'The file is not text (it contains zero bytes), so it cannot be a CSV report.',
      { key: 'not-text-zero-bytes' },
    );
  }
  let control = 0;
  for (const b of head) {
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) control++;
  }
  // Text has next to no control characters; binaries have about one byte in eight.
  if (control > head.length * 0.02) {
    throw new ReportFileError(
      'not-text',
      'The file does not look like text (too many control characters), so it cannot be a CSV report.',
      { key: 'not-text-control' },
    );
  }
}

/**
 * Put into the text where a line's bytes are not text in the file's encoding: bytes that are not
 * UTF-8 in a UTF-8 file (in their place), or before the first letter of a UTF-8 line in a
 * Windows-1251 file. A lone surrogate, which no decoder ever produces, so it cannot come from the
 * file itself; it sits next to non-ASCII text only, never moving a quote, delimiter or line break.
 */
export const UNDECODABLE = '\uD800';

const LF = 0x0a;
const CR = 0x0d;
/**
 * For pieces already known to be valid UTF-8: the same text as Buffer#toString (a BOM inside the
 * text is kept). Always called in stream mode, which goes through ICU: on Node 20 that is about
 * twice as fast on Cyrillic text as the one-shot path (V8's UTF-8 decoder, as Buffer#toString).
 * A valid piece ends on a whole character, so the stream never holds bytes back between pieces.
 */
const UTF8 = new TextDecoder('utf-8', { ignoreBOM: true });
const BOM = [0xef, 0xbb, 0xbf] as const;

/**
 * Streaming decoder that settles the file's encoding on the first block with a non-ASCII byte, and
 * then holds every line to it. A BOM means UTF-8; otherwise the lines of that block vote: a line
 * that is valid UTF-8 is a UTF-8 line, any other is Windows-1251 (Russian Windows-1251 text is
 * practically never valid UTF-8). Until such a block comes, the text is plain ASCII, which reads the
 * same in all three, so a Windows-1251 file whose first Cyrillic letter comes late is still read right.
 *
 * Lines are decoded whole (the tail after a block's last line break waits for the next block), so a
 * line that does not fit the settled encoding is marked with UNDECODABLE instead of being decoded
 * into something the distributor never wrote. A block's text comes in pieces of whole lines of at
 * most PIECE_BYTES (a longer line whole), the encoding settled on the whole block. A line longer
 * than `maxLineBytes` belongs to a record over the record bound, which the row splitter rejects
 * unread: it is passed on as it comes, unchecked.
 */
export class TextSniffer {
  /** Undefined while everything so far was ASCII. */
  encoding: ReportEncoding | undefined;
  /** Whether the text so far held a zero byte or an UNDECODABLE mark: only then records need a look. */
  suspect = false;
  private loose: TextDecoder | undefined;
  private held: Buffer | undefined;
  private started = false;
  /** Inside a line over maxLineBytes, until its line break. */
  private unchecked = false;

  constructor(private readonly maxLineBytes: number) {}

  /** The text of the block's lines, in pieces (none empty); the tail after its last line break waits. */
  decode(block: Buffer): string[] {
    let buf = this.held ? Buffer.concat([this.held, block]) : block;
    this.held = undefined;
    if (!this.started) {
      this.started = true;
      if (BOM.every((b, i) => buf[i] === b)) {
        this.settle('utf-8-bom');
        buf = buf.subarray(BOM.length);
      }
    }
    const out: string[] = [];
    if (this.unchecked) {
      const end = nextBreak(buf, 0);
      if (end === buf.length) return pushText(out, this.looseDecode(buf, true));
      pushText(out, this.looseDecode(buf.subarray(0, end + 1), false));
      this.unchecked = false;
      buf = buf.subarray(end + 1);
    }
    const cut = Math.max(buf.lastIndexOf(LF), buf.lastIndexOf(CR)) + 1;
    if (cut < buf.length) {
      if (buf.length - cut > this.maxLineBytes) {
        this.unchecked = true;
        this.lines(buf.subarray(0, cut), out);
        return pushText(out, this.looseDecode(buf.subarray(cut), true));
      }
      this.held = buf.subarray(cut);
    }
    this.lines(buf.subarray(0, cut), out);
    return out;
  }

  /** The text of the last line, if it has no line break, in pieces as decode's. */
  end(): string[] {
    const rest = this.held;
    this.held = undefined;
    if (this.unchecked) return pushText([], this.looseDecode(rest ?? Buffer.alloc(0), false));
    const out: string[] = [];
    if (rest) this.lines(rest, out);
    return out;
  }

  /** Whole lines (each with its line break, the last one perhaps without), onto `out` in pieces. */
  private lines(buf: Buffer, out: string[]): void {
    if (buf.length === 0) return;
    if (buf.indexOf(0) !== -1) this.suspect = true;
    if (!this.encoding && !isAscii(buf)) this.settle(vote(buf));
    for (let start = 0; start < buf.length;) {
      const end = pieceEnd(buf, start);
      out.push(this.piece(buf.subarray(start, end)));
      start = end;
    }
  }

  /** A piece of whole lines, not empty; the encoding is settled unless the piece is ASCII. */
  private piece(buf: Buffer): string {
    if (isAscii(buf)) return buf.toString('latin1');
    if (this.encoding === 'windows-1251') return this.cp1251Lines(buf);
    if (isUtf8(buf)) return UTF8.decode(buf, { stream: true });
    this.suspect = true;
    let out = '';
    eachLine(buf, (start, end) => {
      const line = buf.subarray(start, end);
      out += isUtf8(line) ? line.toString('utf8') : markInvalidUtf8(line);
    });
    return out;
  }

  private cp1251Lines(buf: Buffer): string {
    const text = this.loose!.decode(buf);
    // Windows-1251 is one character per byte, so byte offsets are text offsets.
    let out = '';
    let at = 0;
    eachUtf8Line(buf, (start, high, end) => {
      out += text.slice(at, start) + buf.toString('utf8', start, high) + UNDECODABLE;
      out += buf.toString('utf8', high, end);
      at = end;
    });
    if (at === 0) return text;
    this.suspect = true;
    return out + text.slice(at);
  }

  private looseDecode(bytes: Buffer, more: boolean): string {
    if (!this.encoding) {
      if (isAscii(bytes)) return bytes.toString('latin1');
      this.settle(vote(bytes));
    }
    return this.loose!.decode(bytes, { stream: more });
  }

  private settle(encoding: ReportEncoding): void {
    this.encoding = encoding;
    // Non-fatal: used for whole Windows-1251 blocks (every byte is a character) and for lines over
    // the bound, which are never read as values.
    this.loose = new TextDecoder(encoding === 'windows-1251' ? 'windows-1251' : 'utf-8', { ignoreBOM: true });
  }
}

function pushText(out: string[], text: string): string[] {
  if (text) out.push(text);
  return out;
}

/**
 * Where the piece of lines from `start` ends: after the last line break within PIECE_BYTES (after
 * the LF of a CR LF), or after the next break if a line is longer.
 */
function pieceEnd(buf: Buffer, start: number): number {
  if (buf.length - start <= PIECE_BYTES) return buf.length;
  // Searched within the piece only: a file without CR must not cost a scan back to the block's start.
  const window = buf.subarray(start, start + PIECE_BYTES);
  const brk = Math.max(window.lastIndexOf(LF), window.lastIndexOf(CR));
  const end = brk === -1 ? Math.min(nextBreak(buf, start + PIECE_BYTES) + 1, buf.length) : start + brk + 1;
  // A CR LF stays whole, so a record never ends in a piece's CR when the file's newline is CR LF.
  return buf[end - 1] === CR && buf[end] === LF ? end + 1 : end;
}

/** The encoding most of these lines are in (non-ASCII lines only; a tie goes to UTF-8). */
function vote(buf: Buffer): ReportEncoding {
  let utf8 = 0;
  let other = 0;
  eachLine(buf, (start, end) => {
    const line = buf.subarray(start, end);
    if (isAscii(line)) return;
    if (isUtf8(line)) utf8++;
    else other++;
  });
  return utf8 >= other ? 'utf-8' : 'windows-1251';
}

/** Index of the next CR or LF at or after `from`, or buf.length. */
function nextBreak(buf: Buffer, from: number): number {
  const lf = buf.indexOf(LF, from);
  const cr = buf.indexOf(CR, from);
  if (lf === -1) return cr === -1 ? buf.length : cr;
  return cr === -1 ? lf : Math.min(lf, cr);
}

/**
 * Calls fn for each line [start, end) that is valid UTF-8 and not ASCII, with its first non-ASCII
 * byte `high` (lines as eachLine's). One loop over the bytes: in a Windows-1251 file almost every
 * line fails at its first letter, which is no whole UTF-8 character, so the full check (isUtf8) is
 * left for the few lines that pass it.
 */
function eachUtf8Line(buf: Buffer, fn: (start: number, high: number, end: number) => void): void {
  const n = buf.length;
  let start = 0;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      if (b === LF || b === CR) start = i;
      continue;
    }
    let end = i + 1;
    while (end < n && buf[end] !== LF && buf[end] !== CR) end++;
    if (end < n) end++;
    if (utf8Sequence(buf, i) > 0 && isUtf8(buf.subarray(start, end))) fn(start, i, end);
    i = start = end;
  }
}

/** Calls fn for each line [start, end), its line break byte included; CR and LF each end a line. */
function eachLine(buf: Buffer, fn: (start: number, end: number) => void): void {
  // Each kind of break is searched once per occurrence, so a file with only one kind stays linear.
  let lf = buf.indexOf(LF);
  let cr = buf.indexOf(CR);
  let start = 0;
  while (start < buf.length) {
    if (lf !== -1 && lf < start) lf = buf.indexOf(LF, start);
    if (cr !== -1 && cr < start) cr = buf.indexOf(CR, start);
    const brk = lf === -1 ? cr : cr === -1 ? lf : Math.min(lf, cr);
    const end = brk === -1 ? buf.length : brk + 1;
    fn(start, end);
    start = end;
  }
}

/**
 * A line that is not valid UTF-8, with one UNDECODABLE for each maximal run of bytes that starts no
 * character (the WHATWG decoder's rule, so each mark stands where it would put a U+FFFD).
 */
function markInvalidUtf8(line: Buffer): string {
  let out = '';
  let run = 0;
  let i = 0;
  while (i < line.length) {
    const n = utf8Sequence(line, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += line.toString('utf8', run, i) + UNDECODABLE;
    i -= n;
    run = i;
  }
  return out + line.toString('utf8', run);
}

/** Length of the valid character at i, or minus the length of the invalid bytes to skip. */
function utf8Sequence(bytes: Buffer, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  let n: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (b >= 0xc2 && b <= 0xdf) n = 2;
  else if (b >= 0xe0 && b <= 0xef) {
    n = 3;
    if (b === 0xe0) lo = 0xa0;
    if (b === 0xed) hi = 0x9f;
  } else if (b >= 0xf0 && b <= 0xf4) {
    n = 4;
    if (b === 0xf0) lo = 0x90;
    if (b === 0xf4) hi = 0x8f;
  } else return -1;
  for (let k = 1; k < n; k++) {
    const c = bytes[i + k];
    if (c === undefined || c < lo || c > hi) return -k;
    lo = 0x80;
    hi = 0xbf;
  }
  return n;
}
