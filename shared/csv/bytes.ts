/**
 * From the raw object bytes to decoded text, streaming: hash the raw bytes, inflate gzip (by magic
 * bytes), bound the inflated size, gather 64 KiB blocks, refuse binaries, pick the text encoding.
 */
import { isAscii } from 'node:buffer';
import type { Hash } from 'node:crypto';
import { Readable, pipeline } from 'node:stream';
import { TextDecoder } from 'node:util';
import { createGunzip } from 'node:zlib';
import { ReportFileError } from '../errors.js';

export type ReportEncoding = 'utf-8' | 'utf-8-bom' | 'windows-1251';

/** Block size for sniffing, decoding and parsing: large enough to judge the encoding and to amortise per-call costs. */
export const BLOCK_BYTES = 64 * 1024;

/** Counts and hashes the raw bytes as they pass. */
export async function* tapRaw(input: AsyncIterable<unknown>, hash: Hash, count: { bytes: number }) {
  for await (const chunk of input) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    hash.update(buf);
    count.bytes += buf.length;
    yield buf;
  }
}

/** Looks at the first two bytes for the gzip magic and returns the bytes, inflated if it is there. */
export async function openBytes(
  raw: AsyncGenerator<Buffer>,
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
  return { compressed, bytes: compressed ? inflate(replay()) : replay() };
}

async function* inflate(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // Errors of either side surface through the iteration below; the callback only keeps pipeline quiet.
  const out = pipeline(Readable.from(source), createGunzip(), () => {});
  try {
    for await (const chunk of out) yield chunk as Buffer;
  } catch (err) {
    if (isZlibError(err)) {
      throw new ReportFileError(
        'unreadable',
        'The file starts like a .gz archive but could not be unpacked; it may be cut short or damaged.',
        { cause: err },
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

/** Throws not-text for files that are plainly not a CSV report, judged on the first block. */
export function assertText(head: Buffer): void {
  const starts = (...magic: number[]) => magic.every((b, i) => head[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04)) {
    notText(
      'This is a ZIP archive or an Excel workbook (.xlsx), not a CSV file. Save the sheet as CSV and upload that.',
    );
  }
  if (starts(0xd0, 0xcf, 0x11, 0xe0)) {
    notText('This is an old Excel workbook (.xls), not a CSV file. Save the sheet as CSV and upload that.');
  }
  if (starts(0xff, 0xfe) || starts(0xfe, 0xff)) {
    notText(
      'The file is in UTF-16 ("Unicode text"). Save it as "CSV UTF-8" or "CSV (semicolon delimited)" instead.',
    );
  }
  let control = 0;
  for (const b of head) {
    if (b === 0) notText('The file is not text (it contains zero bytes), so it cannot be a CSV report.');
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) control++;
  }
  // Text has next to no control characters; binaries have about one byte in eight.
  if (control > head.length * 0.02) {
    notText('The file does not look like text (too many control characters), so it cannot be a CSV report.');
  }
}

function notText(message: string): never {
  throw new ReportFileError('not-text', message);
}

/**
 * Streaming decoder that settles the encoding on the first block with a non-ASCII byte: a BOM means
 * UTF-8, text that is valid UTF-8 means UTF-8, anything else is taken as Windows-1251. Until such a
 * block comes, the text is plain ASCII, which reads the same in all three, so a cp1251 file whose
 * first Cyrillic letter comes late is still read right.
 */
export class TextSniffer {
  /** Undefined while everything so far was ASCII. */
  encoding: ReportEncoding | undefined;
  private decoder: TextDecoder | undefined;
  private held: Buffer | undefined;
  private started = false;

  decode(block: Buffer): string {
    if (this.decoder) return this.decoder.decode(block, { stream: true });
    if (this.held) {
      block = Buffer.concat([this.held, block]);
      this.held = undefined;
    }
    if (!this.started) {
      this.started = true;
      if (block[0] === 0xef && block[1] === 0xbb && block[2] === 0xbf) return this.settle('utf-8-bom', block);
    }
    if (isAscii(block)) return block.toString('latin1');
    const firstHigh = block.findIndex((b) => b >= 0x80);
    if (firstHigh >= block.length - 3) {
      // Too little to judge (a character may be cut at the block's end): wait for the next block.
      this.held = block.subarray(firstHigh);
      return block.toString('latin1', 0, firstHigh);
    }
    return this.settle(looksUtf8(block) ? 'utf-8' : 'windows-1251', block);
  }

  end(): string {
    if (this.decoder) return this.decoder.decode();
    if (!this.held) return '';
    const rest = this.held;
    this.held = undefined;
    const text = this.settle(looksUtf8(rest) ? 'utf-8' : 'windows-1251', rest);
    return text + this.end();
  }

  private settle(encoding: ReportEncoding, block: Buffer): string {
    this.encoding = encoding;
    // The BOM is dropped by TextDecoder itself (ignoreBOM is false by default).
    this.decoder = new TextDecoder(encoding === 'windows-1251' ? 'windows-1251' : 'utf-8');
    return this.decoder.decode(block, { stream: true });
  }
}

function looksUtf8(bytes: Buffer): boolean {
  try {
    // stream: true forgives only a sequence cut at the very end, which the next block completes.
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}
