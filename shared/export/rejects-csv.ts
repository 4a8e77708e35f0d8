/**
 * The rejects file written beside a report (`rejects/<distributor_id>/<name>.rejects.csv`):
 * `line,reason_code,message,<original header…>`, then one row per rejected line with its
 * original line number and fields. Without an original header (the header itself was the
 * problem) the header is just `line,reason_code,message`.
 *
 * The original fields are written as they came, however many there are, so a line with a wrong
 * field count keeps its evidence (the file can then be ragged). All text, the distributor's
 * above all, is neutralised against spreadsheet formulas.
 *
 * A fully broken 1M-line report means ~1M rejects: rows are encoded as they arrive and kept as
 * UTF-8 buffers of about CHUNK_CHARS, never as row objects or one giant string.
 */
import { Readable } from 'node:stream';
import { csvRow } from './csv-cell.js';

export interface RejectRow {
  /** Line number in the original file (1 = its header line). */
  line: number;
  fields: readonly string[];
  code: string;
  message: string;
}

const CHUNK_CHARS = 64 * 1024;

export class RejectsCsvWriter {
  private readonly chunks: Buffer[] = [];
  private storedBytes = 0;
  private pending: string;
  private rows = 0;
  private readonly counts = new Map<string, number>();

  constructor(originalHeader: readonly string[] | null) {
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

  /** The file as text chunks, each ending on a row boundary. Can be iterated more than once. */
  *toChunks(): Iterable<string> {
    for (const b of this.chunks) yield b.toString('utf8');
    if (this.pending) yield this.pending;
  }

  /** The file as a byte stream, e.g. an S3 upload body (pair with `byteLength`). */
  toReadable(): Readable {
    const chunks = [...this.chunks];
    const pending = this.pending;
    return Readable.from(
      (function* () {
        yield* chunks;
        if (pending) yield Buffer.from(pending, 'utf8');
      })(),
      { objectMode: false },
    );
  }

  /** The whole file as one string: for small files and tests. */
  toString(): string {
    return [...this.toChunks()].join('');
  }

  private flush(): void {
    const b = Buffer.from(this.pending, 'utf8');
    this.chunks.push(b);
    this.storedBytes += b.length;
    this.pending = '';
  }
}
