/**
 * Streaming reader of a distributor sell-out report (docs/data-formats.md): raw object bytes
 * in (a Readable of Buffers, e.g. an S3 GetObject body), batches of records out, memory bounded.
 *
 *   const report = readReport(body, { onProgress });
 *   const format = await report.format;          // header problems reject here
 *   for await (const batch of report.records) …  // whole-file problems throw here too
 *   const { sha256, rawBytes, records } = await report.done;
 *
 * - `format` starts reading at once and settles after the header line; `records` can be iterated
 *   without awaiting it. `done` settles when `records` has been iterated to the end (it rejects with
 *   the iteration's error, or with ReportReadStoppedError if the caller stopped early).
 * - Whole-file problems are ReportFileError (empty-file, not-text, header-missing-fields as
 *   ReportHeaderError, too-large, unreadable); the input is destroyed when one happens or when the
 *   caller stops iterating early.
 * - `line` is the record number counting the header as 1 (and blank lines before it): a quoted field
 *   with line breaks inside makes it a record number, not the physical line of a text editor.
 * - Blank records (only spaces or delimiters) are skipped but counted in `line`, and toward the
 *   `maxLines` bound: a file of nothing but line breaks is as long as any other.
 * - A record with a recognised value longer than `maxFieldChars` is a record-too-long, never parsed
 *   further: the value would only cost time (product descriptions are read by patterns).
 * - The encoding is settled once (bytes.ts) and every line is held to it: a line whose bytes are not
 *   text in it (not UTF-8 in a UTF-8 file, UTF-8 in a Windows-1251 one) or that holds a zero byte is
 *   a bad-encoding record, shown with U+FFFD for the bytes that could not be read; never decoded
 *   into something else. The file as a whole fails as not text only on what its first block shows.
 * - A record with fewer fields than the header, or more that are not all empty (Excel pads rows
 *   with empty cells), is a malformed-row; so is one papaparse flags for bad quoting.
 * - `format.encoding` is what the file showed up to its header. A file that is plain ASCII so far
 *   settles its encoding at its first non-ASCII byte; `done`'s `format` has the final answer.
 * - `fields` may share memory with the decoded block they came from: copy them (e.g. join) before
 *   keeping many records for long.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { z } from 'zod';
import { ConfigError, ReportFileError, ReportReadStoppedError } from '../errors.js';
import {
  assertText,
  blocks,
  openBytes,
  tapRaw,
  TextSniffer,
  UNDECODABLE,
  type ReportEncoding,
} from './bytes.js';
import { chooseDelimiter, requireHeader, type ReportDelimiter, type ReportField } from './header.js';
import { RowSplitter, type Newline, type RowError } from './rows.js';

export type { ReportField, ReportDelimiter } from './header.js';
export type { ReportEncoding } from './bytes.js';

export interface ReportRecord {
  /** Record number, the header being 1 (see the file header about quoted line breaks). */
  line: number;
  /** The original fields, as decoded. Empty for a record-too-long error. */
  fields: string[];
  /** Trimmed values of the recognised columns. */
  values: Partial<Record<ReportField, string>>;
  error?: RowError;
}

export interface ReportFormat {
  compressed: boolean;
  encoding: ReportEncoding;
  delimiter: ReportDelimiter;
  headers: string[];
  mapping: Partial<Record<ReportField, number>>;
}

export interface ReportReadSummary {
  format: ReportFormat;
  /** Records yielded (header and blank records not counted). */
  records: number;
  /** Size of the object as stored (compressed, if it is .gz). */
  rawBytes: number;
  /** Hex sha256 of the object as stored. */
  sha256: string;
}

export interface ReadReportProgress {
  bytesRead: number;
  records: number;
}

export interface ReadReportOptions {
  /** Bound on the file's bytes once unpacked; default 2 GiB. */
  maxInflatedBytes?: number;
  /** Bound on one record's characters; default 1,000,000. */
  maxRecordChars?: number;
  /** Bound on the characters of one value in a recognised column; default 1,000. */
  maxFieldChars?: number;
  /** Bound on the records of the file, the header and blank ones included; default 2,000,000. */
  maxLines?: number;
  /** Called about every 64 KiB of raw bytes, and once at the end. */
  onProgress?: (progress: ReadReportProgress) => void;
}

export interface ReportReading {
  format: Promise<ReportFormat>;
  records: AsyncIterable<ReportRecord[]>;
  done: Promise<ReportReadSummary>;
}

export const DEFAULT_MAX_INFLATED_BYTES = 2 * 2 ** 30;
export const DEFAULT_MAX_RECORD_CHARS = 1_000_000;
/**
 * Dell's longest product names run to about 300 characters; a description of a thousand is junk,
 * and a far longer one only costs the product parser time.
 */
export const DEFAULT_MAX_FIELD_CHARS = 1_000;
/**
 * Twice a national distributor's quarter (a million lines). Duplicate detection keeps about 25 bytes
 * per distinct line, the only state of ingest that grows with the file, so this keeps the ingest
 * function well inside its bounded heap; a longer file fails with a clear status instead. Counted
 * on every record, blank ones too, so a file of empty lines stops as soon as a file of real ones.
 */
export const DEFAULT_MAX_LINES = 2_000_000;
const PROGRESS_EVERY_BYTES = 64 * 1024;

const optionsSchema = z.object({
  maxInflatedBytes: z.number().int().positive().default(DEFAULT_MAX_INFLATED_BYTES),
  maxRecordChars: z.number().int().positive().default(DEFAULT_MAX_RECORD_CHARS),
  maxFieldChars: z.number().int().positive().default(DEFAULT_MAX_FIELD_CHARS),
  maxLines: z.number().int().positive().default(DEFAULT_MAX_LINES),
  onProgress: z.custom<(progress: ReadReportProgress) => void>((v) => typeof v === 'function').optional(),
});

export function readReport(input: Readable, options: ReadReportOptions = {}): ReportReading {
  const parsed = optionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new ConfigError(`Invalid report reader options: ${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
      key: 'reader-options-invalid',
      params: { options: [...new Set(parsed.error.issues.map((i) => i.path.join('.')))] },
    });
  }
  const reader = new ReportReader(input, parsed.data);
  const format = reader.open();
  const done = reader.done;
  // Callers may use only some of these; a rejection they never look at must not crash the process.
  format.catch(() => {});
  done.catch(() => {});
  return { format, records: reader.iterate(format), done };
}

class ReportReader {
  readonly done: Promise<ReportReadSummary>;
  private settleDone!: { resolve: (s: ReportReadSummary) => void; reject: (e: unknown) => void };
  private readonly hash = createHash('sha256');
  private readonly raw = { bytes: 0 };
  private readonly sniffer: TextSniffer;
  /** The text block by block, each block's text in pieces of whole lines. */
  private text: AsyncGenerator<string[]> | undefined;
  private splitter: RowSplitter | undefined;
  private format: ReportFormat | undefined;
  private mapped: [ReportField, number][] = [];
  /** The column of each field, -1 when the file has none: read by name on every record. */
  private columns: ColumnOf = NO_COLUMNS;
  /** The recognised columns' indexes, for the length bound. */
  private mappedIndexes: number[] = [];
  private batch: ReportRecord[] = [];
  private line = 0;
  private records = 0;
  private progressAt = 0;

  constructor(
    private readonly input: Readable,
    private readonly options: z.output<typeof optionsSchema>,
  ) {
    this.done = new Promise((resolve, reject) => (this.settleDone = { resolve, reject }));
    // A line of more bytes than this is over the record bound whatever its encoding and quoting
    // (at most 3 bytes a character, and a field's quotes and delimiter at most 3 per character).
    this.sniffer = new TextSniffer(3 * options.maxRecordChars + 3);
  }

  async open(): Promise<ReportFormat> {
    try {
      const { compressed, bytes } = await openBytes(tapRaw(this.input, this.hash, this.raw));
      this.text = this.decode(blocks(bytes, this.options.maxInflatedBytes, compressed));
      return await this.readHeader(compressed, this.text);
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  async *iterate(opened: Promise<ReportFormat>): AsyncGenerator<ReportRecord[]> {
    let finished = false;
    try {
      await opened;
      yield* this.takeBatch();
      for (;;) {
        const next = await this.text!.next();
        if (next.done) break;
        // A block's pieces all pushed before progress and a batch: both come once a block.
        this.splitter!.pushAll(next.value);
        this.progress(false);
        yield* this.takeBatch();
      }
      this.splitter!.end();
      yield* this.takeBatch();
      this.progress(true);
      finished = true;
      this.settleDone.resolve({
        format: { ...this.format!, encoding: this.sniffer.encoding ?? 'utf-8' },
        records: this.records,
        rawBytes: this.raw.bytes,
        sha256: this.hash.digest('hex'),
      });
    } catch (err) {
      this.settleDone.reject(err);
      throw err;
    } finally {
      if (!finished) {
        this.settleDone.reject(
          new ReportReadStoppedError('Reading the report stopped before the end of the file.', {
            key: 'report-read-stopped',
          }),
        );
        this.stop();
      }
    }
  }

  private *takeBatch(): Generator<ReportRecord[]> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    yield batch;
  }

  private async *decode(source: AsyncGenerator<Buffer>): AsyncGenerator<string[]> {
    let first = true;
    for await (const block of source) {
      if (first) assertText(block);
      first = false;
      const text = this.sniffer.decode(block);
      // A block without a line break (inside a long line) gives no text: nothing to read or report.
      if (text.length) yield text;
    }
    if (first) throw emptyFile();
    const rest = this.sniffer.end();
    if (rest.length) yield rest;
  }

  /** Reads until the header record has been parsed; the records read with it wait in the first batch. */
  private async readHeader(compressed: boolean, text: AsyncGenerator<string[]>): Promise<ReportFormat> {
    let head = '';
    let atEnd = false;
    let found: { line: string; newline: Newline } | null | undefined;
    while ((found = findHeaderLine(head, atEnd)) === undefined) {
      if (head.length > this.options.maxRecordChars) {
        throw new ReportFileError(
          'unreadable',
          `No header line ends within the first ${this.options.maxRecordChars.toLocaleString('en-US')} characters of the file.`,
          { key: 'header-too-long', params: { max: this.options.maxRecordChars } },
        );
      }
      const next = await text.next();
      if (next.done) atEnd = true;
      // Grown by whole blocks: how far it grows decides between too long and unreadable.
      else head += next.value.join('');
    }
    if (found === null) throw emptyFile();
    const delimiter = chooseDelimiter(found.line);
    const splitter = new RowSplitter(
      delimiter,
      found.newline,
      this.options.maxRecordChars,
      (fields, error) => {
        if (++this.line > this.options.maxLines) throw tooManyLines(this.options.maxLines);
        if (!this.format) this.takeHeader(compressed, delimiter, fields, error);
        else this.addRecord(fields, error);
      },
    );
    this.splitter = splitter;
    splitter.push(head);
    // Whole blocks, so a line bound passed in the header's block fails here, before any record.
    while (!this.format && !atEnd) {
      const next = await text.next();
      if (next.done) atEnd = true;
      else splitter.pushAll(next.value);
    }
    if (!this.format) splitter.end();
    if (!this.format) throw emptyFile();
    return this.format;
  }

  private takeHeader(
    compressed: boolean,
    delimiter: ReportDelimiter,
    fields: string[],
    error?: RowError,
  ): void {
    if (error)
      throw new ReportFileError('unreadable', `The header line cannot be read: ${error.message}`, {
        key: 'header-unreadable',
      });
    if (isBlank(fields)) return;
    if (this.sniffer.suspect && this.undecodable(fields))
      throw new ReportFileError(
        'unreadable',
        `The header line cannot be read: ${this.undecodable(fields)!.message}`,
        { key: 'header-not-decodable' },
      );
    const headers = fields.map((h, i) => (i === 0 ? h.replace(/^\uFEFF/, '') : h));
    const mapping = requireHeader(headers);
    this.mapped = Object.entries(mapping) as [ReportField, number][];
    this.columns = columnsOf(mapping);
    this.mappedIndexes = this.mapped.map(([, index]) => index);
    this.format = { compressed, encoding: this.sniffer.encoding ?? 'utf-8', delimiter, headers, mapping };
  }

  private addRecord(fields: string[], error?: RowError): void {
    if (!error && isBlank(fields)) return;
    if (!error && this.sniffer.suspect) {
      error = this.undecodable(fields);
      // Shown as read: U+FFFD where bytes were not text; a UTF-8 line in a Windows-1251 file as UTF-8.
      if (error) {
        const mark = this.sniffer.encoding === 'windows-1251' ? '' : '\uFFFD';
        fields = fields.map((f) => f.replaceAll(UNDECODABLE, mark).replaceAll('\u0000', '\uFFFD'));
      }
    }
    if (!error && this.overLong(fields)) error = this.tooLongValue(fields);
    if (error?.code === 'record-too-long') fields = [];
    const record: ReportRecord = { line: this.line, fields, values: valuesOf(fields, this.columns) };
    const expected = this.format!.headers.length;
    if (error) record.error = error;
    else if (
      fields.length !== expected &&
      !(fields.length > expected && fields.slice(expected).every(isEmpty))
    ) {
      record.error = {
        code: 'malformed-row',
        message: `This line has ${fields.length} fields but the header has ${expected}; check for a missing or extra ${delimiterName(this.format!.delimiter)}.`,
      };
    }
    this.batch.push(record);
    this.records++;
  }

  /** The bad-encoding error of a record that holds a zero byte or bytes not text in the file's encoding. */
  private undecodable(fields: string[]): RowError | undefined {
    let zero = false;
    let mark = false;
    for (const f of fields) {
      zero ||= f.includes('\u0000');
      mark ||= f.includes(UNDECODABLE);
    }
    if (!zero && !mark) return undefined;
    const cp1251 = this.sniffer.encoding === 'windows-1251';
    const message = mark
      ? cp1251
        ? 'This line is written in UTF-8, but the rest of the file is in Windows-1251, so it was not read. ' +
          'Save the whole report in one encoding and upload it again.'
        : 'This line has bytes that are not UTF-8 text, the encoding of the rest of the file, so it was not read ' +
          '(they show as \uFFFD here). It was probably written in another encoding, such as Windows-1251: ' +
          'save the whole report in one encoding and upload it again.'
      : 'This line contains a zero byte, which text never has, so it was not read. ' +
        'The file may be damaged around this line: export it again.';
    return { code: 'bad-encoding', message };
  }

  /** Whether a recognised value is over the bound: a loop of lengths, the message only when needed. */
  private overLong(fields: string[]): boolean {
    const max = this.options.maxFieldChars;
    const indexes = this.mappedIndexes;
    for (let k = 0; k < indexes.length; k++) {
      const value = fields[indexes[k]!];
      if (value !== undefined && value.length > max) return true;
    }
    return false;
  }

  private tooLongValue(fields: string[]): RowError | undefined {
    const max = this.options.maxFieldChars;
    for (const [, index] of this.mapped) {
      const value = fields[index];
      if (value === undefined || value.length <= max) continue;
      return {
        code: 'record-too-long',
        message:
          `The ${this.format!.headers[index]!.trim()} on this line is ${value.length.toLocaleString('en-US')} characters long, ` +
          `more than the ${max.toLocaleString('en-US')} a value may have, so the line was not read. ` +
          `It starts with: ${value.slice(0, 60)}`,
      };
    }
    return undefined;
  }

  private progress(atEnd: boolean): void {
    const { onProgress } = this.options;
    if (!onProgress || (!atEnd && this.raw.bytes - this.progressAt < PROGRESS_EVERY_BYTES)) return;
    this.progressAt = this.raw.bytes;
    onProgress({ bytesRead: this.raw.bytes, records: this.records });
  }

  private stop(): void {
    this.input.destroy();
    void this.text?.return(undefined).catch(() => {});
  }
}

/**
 * The first line with content and its line break, outside quotes; undefined until more text is
 * needed, null when the whole text is blank.
 */
export function findHeaderLine(text: string, atEnd: boolean): { line: string; newline: Newline } | null | undefined {
  let start = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') quoted = !quoted;
    if (quoted || (c !== '\n' && c !== '\r')) continue;
    if (c === '\r' && i + 1 === text.length && !atEnd) return undefined;
    const newline: Newline = c === '\n' ? '\n' : text[i + 1] === '\n' ? '\r\n' : '\r';
    const line = text.slice(start, i);
    if (!isBlankLine(line)) return { line, newline };
    start = i + newline.length;
    i = start - 1;
  }
  if (!atEnd) return undefined;
  const line = text.slice(start);
  return isBlankLine(line) ? null : { line, newline: '\n' };
}

type ColumnOf = Record<ReportField, number>;

const NO_COLUMNS: ColumnOf = {
  invoice_date: -1,
  invoice_number: -1,
  partner_id: -1,
  sku: -1,
  description: -1,
  quantity: -1,
  service_tag: -1,
  partner_name: -1,
  distributor: -1,
};

function columnsOf(mapping: Partial<Record<ReportField, number>>): ColumnOf {
  const columns = { ...NO_COLUMNS };
  for (const [field, index] of Object.entries(mapping) as [ReportField, number][]) columns[field] = index;
  return columns;
}

/**
 * The trimmed values of the recognised columns, keys in the order of REPORT_FIELD_ALIASES (the
 * mapping's order). Written field by field, by name: every record of a file then builds its object
 * the same way, which V8 makes fast; a loop over the mapping stores by a computed key each time.
 */
function valuesOf(fields: string[], c: ColumnOf): ReportRecord['values'] {
  const values: ReportRecord['values'] = {};
  let v: string | undefined;
  if (c.invoice_date >= 0 && (v = fields[c.invoice_date]) !== undefined) values.invoice_date = v.trim();
  if (c.invoice_number >= 0 && (v = fields[c.invoice_number]) !== undefined) values.invoice_number = v.trim();
  if (c.partner_id >= 0 && (v = fields[c.partner_id]) !== undefined) values.partner_id = v.trim();
  if (c.sku >= 0 && (v = fields[c.sku]) !== undefined) values.sku = v.trim();
  if (c.description >= 0 && (v = fields[c.description]) !== undefined) values.description = v.trim();
  if (c.quantity >= 0 && (v = fields[c.quantity]) !== undefined) values.quantity = v.trim();
  if (c.service_tag >= 0 && (v = fields[c.service_tag]) !== undefined) values.service_tag = v.trim();
  if (c.partner_name >= 0 && (v = fields[c.partner_name]) !== undefined) values.partner_name = v.trim();
  if (c.distributor >= 0 && (v = fields[c.distributor]) !== undefined) values.distributor = v.trim();
  return values;
}

const isBlankLine = (line: string) => /^[\s,;"]*$/.test(line);
const isEmpty = (field: string) => field.trim() === '';
const isBlank = (fields: string[]) => fields.every(isEmpty);

function delimiterName(delimiter: ReportDelimiter): string {
  return delimiter === ',' ? 'comma' : delimiter === ';' ? 'semicolon' : 'tab';
}

function tooManyLines(max: number): ReportFileError {
  return new ReportFileError(
    'too-large',
    `The file has more than ${max.toLocaleString('en-US')} lines, which is the most one report may have. ` +
      'Split it into smaller files (for example one per month) and upload them again.',
    { key: 'too-many-lines', params: { max } },
  );
}

export function emptyFile(): ReportFileError {
  return new ReportFileError('empty-file', 'The file is empty: it has no header line and no records.', {
    key: 'empty-file',
  });
}
