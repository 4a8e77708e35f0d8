/**
 * Splits decoded text into rows with papaparse's core parser, fed chunk by chunk.
 *
 * This is what Papa.parse's chunk mode does inside (ChunkStreamer.parseChunk: parse the carried-over
 * partial row plus the new text, keep the unfinished tail), driven here so the tail stays in sight: a
 * record that never ends (typically a quote that is never closed) would otherwise be held whole and
 * re-scanned on every chunk. Here a record over maxRecordChars becomes one error row and is skipped.
 */
import Papa from 'papaparse';
import type { ReportDelimiter } from './header.js';

export interface RowError {
  code: 'malformed-row' | 'record-too-long' | 'bad-encoding';
  message: string;
}

export type Newline = '\n' | '\r\n' | '\r';

/** Receives every record in file order: its fields, or no fields and an error for a record too long to keep. */
export type RowSink = (fields: string[], error?: RowError) => void;

interface PapaError {
  code: string;
  row?: number;
}

const PREFIX_CHARS = 60;
/** An unfinished record longer than this is parsed with all the pending pieces joined. */
const JOIN_CHARS = 32 * 1024;

export class RowSplitter {
  private readonly parser: Papa.Parser;
  private partial = '';
  private pending: string[] = [];
  private pendingLength = 0;
  private skipper: RecordSkipper | undefined;

  constructor(
    private readonly delimiter: ReportDelimiter,
    private readonly newline: Newline,
    private readonly maxRecordChars: number,
    private readonly sink: RowSink,
  ) {
    // Never fastMode: papaparse already takes its split-only path for chunks without quotes.
    this.parser = new Papa.Parser({ delimiter, newline, quoteChar: '"' });
  }

  push(text: string): void {
    this.pushAll([text]);
  }

  /**
   * A block's text in pieces, read as if it came whole: papaparse's rows do not depend on where the
   * text is cut, and whether an unfinished record is over the bound is judged once, after the last.
   */
  pushAll(pieces: readonly string[]): void {
    let k = 0;
    if (this.skipper) {
      let rest: string | undefined;
      for (; k < pieces.length && rest === undefined; k++) rest = this.skipper.skip(pieces[k]!);
      if (rest === undefined) return;
      this.endSkip(false);
      this.pending.push(rest);
      this.pendingLength += rest.length;
    }
    for (; k < pieces.length; k++) {
      this.pending.push(pieces[k]!);
      this.pendingLength += pieces[k]!.length;
    }
    // A long unfinished record is re-parsed from its start: wait for as much new text again, so the
    // re-scans add up to a constant factor rather than growing with the record's square.
    if (this.pendingLength >= this.partial.length) this.parse(false);
  }

  end(): void {
    if (this.skipper) this.endSkip(true);
    else this.parse(true);
  }

  private parse(last: boolean): void {
    let pieces = this.pending.filter((piece) => piece.length > 0);
    this.pending = [];
    this.pendingLength = 0;
    // Pieces one by one, so that no string gets long; but a long unfinished record with all of them
    // at once, so that it is re-scanned once, not once a piece.
    if (pieces.length === 0 || (pieces.length > 1 && this.partial.length > JOIN_CHARS)) pieces = [pieces.join('')];
    for (let k = 0; k < pieces.length; k++) this.parseText(pieces[k]!, last && k === pieces.length - 1);
    if (!last && overBound(this.partial, this.newline, this.maxRecordChars)) {
      this.skipper = new RecordSkipper(this.delimiter, this.newline, this.partial.slice(0, PREFIX_CHARS * 4));
      const rest = this.skipper.skip(this.partial);
      this.partial = '';
      if (rest !== undefined) {
        this.endSkip(false);
        this.push(rest);
      }
    }
  }

  private parseText(text: string, last: boolean): void {
    const input = this.partial + text;
    const result = this.parser.parse(input, 0, !last) as {
      data: string[][];
      errors: PapaError[];
      meta: { cursor: number };
    };
    const rows = result.data;
    let errors: Map<number, RowError> | undefined;
    for (const e of result.errors) {
      // Errors about the unfinished tail come again when the tail is parsed whole.
      if (e.row === undefined || e.row >= rows.length || errors?.has(e.row)) continue;
      (errors ??= new Map()).set(e.row, { code: 'malformed-row', message: quoteMessage(e.code) });
    }
    const mayBeTooLong = input.length > this.maxRecordChars;
    for (let i = 0; i < rows.length; i++) {
      const fields = rows[i]!;
      if (mayBeTooLong && contentLength(fields) > this.maxRecordChars) {
        this.sink([], this.tooLong(fields.join(this.delimiter).slice(0, PREFIX_CHARS * 4), false));
      } else {
        this.sink(fields, errors?.get(i));
      }
    }
    this.partial = last ? '' : input.substring(result.meta.cursor);
  }

  private endSkip(atEndOfFile: boolean): void {
    const prefix = this.skipper!.prefix;
    this.skipper = undefined;
    this.sink([], this.tooLong(prefix, atEndOfFile));
  }

  private tooLong(text: string, atEndOfFile: boolean): RowError {
    return {
      code: 'record-too-long',
      message:
        `This line is longer than ${this.maxRecordChars.toLocaleString('en-US')} characters, so it was not read` +
        (atEndOfFile ? ' (it runs to the end of the file)' : '') +
        '. This usually means a quote (") that is never closed. ' +
        // Without quotes, so the raw text of a record being skipped and the fields of a whole one read alike.
        `It starts with: ${text
          .slice(0, PREFIX_CHARS * 4)
          .replace(/"/g, '')
          .slice(0, PREFIX_CHARS)}`,
    };
  }
}

function quoteMessage(code: string): string {
  return code === 'MissingQuotes'
    ? 'A quote (") opened on this line is never closed, so everything up to the end of the file was read as one field.'
    : 'A quote (") inside a quoted field is not doubled, so the fields of this line may be split wrongly.';
}

function contentLength(fields: string[]): number {
  let n = fields.length - 1;
  for (const f of fields) n += f.length;
  return n;
}

/**
 * Whether an unfinished record is sure to be over the bound once finished: even without its quotes,
 * the white space after them and a last CR (perhaps the first half of its CR LF), it is over.
 */
export function overBound(record: string, newline: Newline, maxRecordChars: number): boolean {
  const length = record.length - (newline === '\r\n' && record.endsWith('\r') ? 1 : 0);
  return length > maxRecordChars && length - notContent(record) > maxRecordChars;
}

/**
 * At most how many characters of the text papaparse may leave out of the fields: its quotes, and the
 * white space after each, which it drops between a closing quote and the delimiter or newline.
 */
function notContent(text: string): number {
  let n = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) {
    n++;
    for (let k = i + 1; k < text.length && isWhiteSpace(text.charCodeAt(k)); k++) n++;
  }
  return n;
}

const QUOTE = 0x22;
const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Finds where a record ends without keeping it, following papaparse's rules: a quote opens a quoted
 * field only at the field's start; inside, "" is a quote, and a quote closes the field only when the
 * delimiter or the file's whole newline follows, with nothing but white space between (as its
 * `trim` counts it: spaces, tabs, line breaks...); any other quote is kept as text, and the search
 * for the closing quote goes on after it.
 */
export class RecordSkipper {
  private quoted = false;
  /** Inside quotes: a quote was seen, perhaps the closing one, followed by white space only. */
  private quoteSeen = false;
  /** Inside quotes: white space followed the quote seen. */
  private spaces = false;
  private fieldStart = true;
  private afterCR = false;
  private readonly delim: number;
  private readonly breakChar: number;

  constructor(
    delimiter: ReportDelimiter,
    private readonly newline: Newline,
    readonly prefix: string,
  ) {
    this.delim = delimiter.charCodeAt(0);
    this.breakChar = newline === '\r' ? CR : LF;
  }

  /** The text after the record's end, or undefined if the record goes on past this text. */
  skip(text: string): string | undefined {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      const afterCR = this.afterCR;
      this.afterCR = c === CR;
      if (this.quoted) {
        if (!this.quoteSeen) {
          if (c === QUOTE) this.quoteSeen = true;
          continue;
        }
        if (c === this.breakChar && (this.newline !== '\r\n' || afterCR)) return text.slice(i + 1);
        if (c === QUOTE) {
          // Right after the quote it stands for a quote; after white space it may be the closing one.
          this.quoteSeen = this.spaces;
          this.spaces = false;
          continue;
        }
        if (c !== this.delim) {
          if (isWhiteSpace(c)) this.spaces = true;
          else this.quoteSeen = this.spaces = false;
          continue;
        }
        this.quoted = this.quoteSeen = this.spaces = false;
      }
      if (c === this.breakChar && (this.newline !== '\r\n' || afterCR)) return text.slice(i + 1);
      if (c === QUOTE && this.fieldStart) this.quoted = true;
      this.fieldStart = c === this.delim;
    }
    return undefined;
  }
}

/** White space as String#trim removes it, which papaparse uses between a closing quote and what follows. */
function isWhiteSpace(c: number): boolean {
  if (c <= SPACE) return c === SPACE || (c >= 0x09 && c <= 0x0d);
  return c >= 0xa0 && /\s/.test(String.fromCharCode(c));
}
