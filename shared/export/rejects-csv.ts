/**
 * The rejects file written beside a report (`rejects/<distributor_id>/<stem>/<sequencer>.<reportId>[.error].rejects.csv`, one per version):
 * `line,reason_code,message,<original header…>`, then one row per rejected line with its
 * original line number and fields. Without an original header (the header itself was the
 * problem) the header is just `line,reason_code,message`.
 *
 * The original fields are written as they came, however many there are, so a line with a wrong
 * field count keeps its evidence (the file can then be ragged). All text, the distributor's
 * above all, is neutralised against spreadsheet formulas.
 *
 * A fully broken 1M-line report means ~1M rejects: rows are encoded as they arrive and kept as
 * UTF-8 buffers of about CHUNK_CHARS, never as row objects or one giant string. Past `memoryBytes`
 * they go to a temporary file (Lambda's /tmp), so memory stays bounded whatever the report holds;
 * `dispose()` removes it.
 *
 * The reader (`readRejects`) lives here too, so the file's layout is known in one place.
 */
import { closeSync, createReadStream, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, type Duplex } from 'node:stream';
import Papa from 'papaparse';
import type { ObjectStore } from '../ports/index.js';
import { csvPlainText, csvRow } from './csv-cell.js';

export interface RejectRow {
  /** Line number in the original file (1 = its header line). */
  line: number;
  fields: readonly string[];
  code: string;
  message: string;
}

const CHUNK_CHARS = 64 * 1024;
export const DEFAULT_REJECTS_MEMORY_BYTES = 4 * 1024 * 1024;

/** Rows written past the memory budget: a temporary file, and the size of each chunk in it. */
interface Spill {
  dir: string;
  path: string;
  fd: number | null;
  sizes: number[];
}

export class RejectsCsvWriter {
  private readonly chunks: Buffer[] = [];
  private memoryBytes = 0;
  private storedBytes = 0;
  private spill: Spill | null = null;
  private pending: string;
  private rows = 0;
  private readonly counts = new Map<string, number>();

  constructor(
    originalHeader: readonly string[] | null,
    private readonly options: { memoryBytes?: number } = {},
  ) {
    this.pending = csvRow(['line', 'reason_code', 'message', ...(originalHeader ?? [])]);
  }

  add(row: RejectRow): void {
    this.pending += csvRow([row.line, row.code, row.message, ...row.fields]);
    this.rows += 1;
    this.counts.set(row.code, (this.counts.get(row.code) ?? 0) + 1);
    if (this.pending.length >= CHUNK_CHARS) this.flush();
  }

  /** Rejected lines so far (the header is not counted). */
  get rowCount(): number {
    return this.rows;
  }

  /** Rejected lines per reason code, codes in sorted order. */
  countsByCode(): Record<string, number> {
    return Object.fromEntries([...this.counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Size of the whole file in UTF-8 bytes (e.g. for an S3 ContentLength). */
  get byteLength(): number {
    return this.storedBytes + Buffer.byteLength(this.pending, 'utf8');
  }

  /** Whether rows went to a temporary file (the memory budget was reached). */
  get spilled(): boolean {
    return this.spill !== null;
  }

  /** The file as text chunks, each ending on a row boundary. Can be iterated more than once. */
  *toChunks(): Iterable<string> {
    for (const b of this.storedChunks()) yield b.toString('utf8');
    if (this.pending) yield this.pending;
  }

  /** The whole file as UTF-8 bytes: the stored chunks as they are, not decoded to be encoded again. */
  toBuffer(): Buffer {
    const parts = [...this.storedChunks()];
    if (this.pending) parts.push(Buffer.from(this.pending, 'utf8'));
    return Buffer.concat(parts);
  }

  /** The file as a byte stream, e.g. an S3 upload body (pair with `byteLength`). */
  toReadable(): Readable {
    const chunks = [...this.chunks];
    const pending = this.pending;
    const spilled = this.spill && (this.closeSpill(), this.spill.path);
    return Readable.from(
      (async function* () {
        yield* chunks;
        if (spilled) yield* createReadStream(spilled, { highWaterMark: CHUNK_CHARS * 4 });
        if (pending) yield Buffer.from(pending, 'utf8');
      })(),
      { objectMode: false },
    );
  }

  /** Removes the temporary file, if any. The writer is empty afterwards. */
  dispose(): void {
    if (!this.spill) return;
    this.closeSpill();
    rmSync(this.spill.dir, { recursive: true, force: true });
    this.spill = null;
  }

  /** The whole file as one string: for small files and tests. */
  toString(): string {
    return [...this.toChunks()].join('');
  }

  private flush(): void {
    const b = Buffer.from(this.pending, 'utf8');
    this.storedBytes += b.length;
    this.pending = '';
    if (
      !this.spill &&
      this.memoryBytes + b.length <= (this.options.memoryBytes ?? DEFAULT_REJECTS_MEMORY_BYTES)
    ) {
      this.chunks.push(b);
      this.memoryBytes += b.length;
      return;
    }
    if (!this.spill) {
      const dir = mkdtempSync(join(tmpdir(), 'rejects-'));
      const path = join(dir, 'rejects.csv');
      this.spill = { dir, path, fd: openSync(path, 'w'), sizes: [] };
    }
    if (this.spill.fd === null)
      throw new Error('The rejects file was already read; no more rows can be added.');
    writeSync(this.spill.fd, b);
    this.spill.sizes.push(b.length);
  }

  /** The chunks encoded so far, from memory and then from the temporary file. */
  private *storedChunks(): Iterable<Buffer> {
    yield* this.chunks;
    if (!this.spill) return;
    this.closeSpill();
    const fd = openSync(this.spill.path, 'r');
    try {
      for (const size of this.spill.sizes) {
        const b = Buffer.alloc(size);
        readSync(fd, b, 0, size, null);
        yield b;
      }
    } finally {
      closeSync(fd);
    }
  }

  private closeSpill(): void {
    if (this.spill?.fd != null) {
      closeSync(this.spill.fd);
      this.spill.fd = null;
    }
  }
}

// ---------------------------------------------------------------- reading

/** Cells were neutralised against spreadsheet formulas when written; give back what the distributor sent. */
const plain = csvPlainText;

const isMissing = (err: unknown) => (err as { name?: string }).name === 'NoSuchKey';

/**
 * The records of a rejects file, read as they are consumed: Papa's stream mode honours
 * backpressure, so leaving the loop early stops reading from storage. A missing object has none.
 */
async function* rejectsRecords(objects: ObjectStore, key: string): AsyncGenerator<string[]> {
  let body: Readable;
  try {
    body = (await objects.get(key)).body;
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  // Decoded as a stream, so a Cyrillic character split across chunks stays whole.
  body.setEncoding('utf8');
  const parser: Duplex = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: ',', skipEmptyLines: true });
  body.on('error', (err) => parser.destroy(err));
  body.pipe(parser);
  try {
    for await (const record of parser) yield (record as string[]).map(plain);
  } finally {
    body.destroy();
    parser.destroy();
  }
}

/**
 * The original header of the report (may be empty) and the first `limit` rejected lines of a
 * rejects file; a million-line file costs only what is read.
 */
export async function readRejects(
  objects: ObjectStore,
  key: string,
  limit: number,
): Promise<{ columns: string[]; rows: RejectRow[]; more: boolean }> {
  let columns: string[] | null = null;
  const rows: RejectRow[] = [];
  let more = false;
  for await (const record of rejectsRecords(objects, key)) {
    if (columns === null) columns = record.slice(3);
    else if (rows.length === limit) {
      more = true;
      break;
    } else {
      const [line, code, message, ...fields] = record;
      rows.push({ line: Number(line), code: code ?? '', message: message ?? '', fields });
    }
  }
  return { columns: columns ?? [], rows, more };
}
