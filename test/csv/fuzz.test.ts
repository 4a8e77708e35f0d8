/**
 * Fuzz of the report reader: arbitrary bytes and CSV-ish text (random delimiters, quotes, CR/LF
 * mixes, NULs, Cyrillic in both encodings, sometimes gzipped, fed in random chunk sizes). Whatever
 * comes in, readReport either refuses the whole file with a ReportFileError or yields records that
 * add up to what it reports; it never throws anything else and never hangs.
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReadReportOptions, ReportRecord } from '../../shared/csv/index.js';
import { ReportFileError } from '../../shared/errors.js';
import { chunked, encode, readAll, type TestEncoding } from './helpers.js';

const HEADER = ['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity'];
const READER_CODES = ['empty-file', 'not-text', 'header-missing-fields', 'too-large', 'unreadable'];
/** Over the header's length, so a small bound cuts records but never the header itself. */
const SMALL_RECORD = 64;
const RUNS = { numRuns: 200, timeout: 10_000 };

const chunkSizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 });

type Reading =
  | { ok: true; records: ReportRecord[]; summary: Awaited<ReturnType<typeof readAll>>['summary'] }
  | { ok: false; error: ReportFileError };

/** Reads the bytes in the given chunks; checks what holds for every input, whatever the outcome. */
async function readChecked(bytes: Buffer, chunks: number[], options?: ReadReportOptions): Promise<Reading> {
  let result: Awaited<ReturnType<typeof readAll>>;
  try {
    result = await readAll(chunked(bytes, chunks), options);
  } catch (error) {
    expect(error).toBeInstanceOf(ReportFileError);
    const e = error as ReportFileError;
    expect(READER_CODES).toContain(e.code);
    expect(e.message).not.toMatch(/\n\s+at |undefined|\[object/);
    return { ok: false, error: e };
  }
  const { records, summary } = result;
  expect(summary.records).toBe(records.length);
  expect(summary.rawBytes).toBe(bytes.length);
  expect(summary.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  let previous = 1; // the header
  for (const r of records) {
    expect(r.line).toBeGreaterThan(previous);
    previous = r.line;
    if (r.error) expect(['malformed-row', 'record-too-long', 'bad-encoding']).toContain(r.error.code);
    if (r.error?.code === 'record-too-long') expect(r.fields).toEqual([]);
    if (!r.error) {
      // A record without an error has the header's fields (extra ones only if empty) and is not blank.
      expect(r.fields.length).toBeGreaterThanOrEqual(summary.format.headers.length);
      expect(r.fields.slice(summary.format.headers.length).every((f) => f.trim() === '')).toBe(true);
      expect(r.fields.some((f) => f.trim() !== '')).toBe(true);
    }
  }
  return { ok: true, records, summary };
}

describe('readReport fuzz', () => {
  it('refuses arbitrary bytes with a ReportFileError or reads them consistently', async () => {
    const textish = fc.constantFrom(
      ...[
        0x22, 0x2c, 0x3b, 0x09, 0x0a, 0x0d, 0x20, 0x41, 0x61, 0x37, 0xd0, 0xd1, 0xc0, 0xff, 0x00, 0xef, 0xbb,
        0xbf,
      ],
    );
    const bytes = fc.oneof(
      fc.uint8Array({ maxLength: 2000 }),
      fc.array(textish, { maxLength: 2000 }).map((a) => Uint8Array.from(a)),
    );
    const input = fc.record({
      bytes,
      // A valid header first lets the bytes reach the record parser instead of failing at the header.
      header: fc.constantFrom('', `${HEADER.join(',')}\n`, `${HEADER.join(';')}\r\n`),
      wrap: fc.constantFrom('none', 'gzip', 'gzip-cut', 'gzip-twice'),
      chunks: chunkSizes,
      options: fc.constantFrom<ReadReportOptions | undefined>(
        undefined,
        { maxRecordChars: SMALL_RECORD },
        { maxInflatedBytes: 500 },
      ),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ bytes, header, wrap, chunks, options }) => {
        let raw = Buffer.concat([Buffer.from(header), bytes]);
        if (wrap !== 'none') raw = gzipSync(raw);
        if (wrap === 'gzip-twice') raw = gzipSync(raw);
        if (wrap === 'gzip-cut') raw = raw.subarray(0, raw.length >> 1);
        const reading = await readChecked(raw, chunks, options);
        const refused = reading.ok ? null : reading.error.code;
        // A gzip inside a gzip unpacks to binary (its header has zero bytes); a cut one cannot be unpacked.
        if (wrap === 'gzip-twice') expect(['not-text', 'too-large']).toContain(refused);
        if (wrap === 'gzip-cut') expect(['unreadable', 'too-large']).toContain(refused);
      }),
      RUNS,
    );
  });

  it('accounts for every line of CSV-ish text in either encoding, quoted or not', async () => {
    const cell = (quotes: boolean, strays: boolean) => {
      const units = [
        { arbitrary: fc.constantFrom('a', 'Z', '7', ' ', '\u00a0', 'Я', 'ж', 'ё', '№'), weight: 20 },
        { arbitrary: fc.constantFrom(',', ';', '\t'), weight: 2 },
        { arbitrary: fc.constant('x'.repeat(30)), weight: 1 },
      ];
      if (quotes) units.push({ arbitrary: fc.constant('"'), weight: 3 });
      if (strays) units.push({ arbitrary: fc.constantFrom('\r', '\n', '\0'), weight: 1 });
      return fc.string({ unit: fc.oneof(...units), maxLength: 10 });
    };
    const input = fc
      .record({ quotes: fc.constantFrom(false, false, true), strays: fc.constantFrom(false, false, true) })
      .chain(({ quotes, strays }) =>
        fc.record({
          quotes: fc.constant(quotes),
          strays: fc.constant(strays),
          // Mostly as many fields as the header, so most records are well formed.
          rows: fc.array(
            fc.oneof(
              { arbitrary: fc.array(cell(quotes, strays), { minLength: 5, maxLength: 5 }), weight: 3 },
              { arbitrary: fc.array(cell(quotes, strays), { minLength: 1, maxLength: 8 }), weight: 1 },
            ),
            { maxLength: 20 },
          ),
          delimiter: fc.constantFrom(',', ';', '\t'),
          newline: fc.constantFrom('\n', '\r\n', '\r'),
          trailingNewline: fc.boolean(),
          encoding: fc.constantFrom<TestEncoding>('utf-8', 'utf-8-bom', 'windows-1251'),
          gzip: fc.boolean(),
          chunks: chunkSizes,
          options: fc.constantFrom<ReadReportOptions | undefined>(
            undefined,
            { maxRecordChars: SMALL_RECORD },
            { maxInflatedBytes: 300 },
          ),
        }),
      );
    await fc.assert(
      fc.asyncProperty(input, async (c) => {
        const lines = [HEADER.join(c.delimiter), ...c.rows.map((r) => r.join(c.delimiter))];
        const text = lines.join(c.newline) + (c.trailingNewline ? c.newline : '');
        const encoded = encode(text, c.encoding);
        const reading = await readChecked(c.gzip ? gzipSync(encoded) : encoded, c.chunks, c.options);

        const bound = c.options?.maxInflatedBytes;
        if (!reading.ok) {
          // The header is always there, so only the size bound or binary content refuse the file.
          if (reading.error.code === 'too-large') expect(encoded.length).toBeGreaterThan(bound!);
          else {
            // Only a zero byte makes this text "not text": line breaks and tabs are not control noise.
            expect(reading.error.code).toBe('not-text');
            expect(text).toContain('\0');
          }
          return;
        }
        if (bound !== undefined) expect(encoded.length).toBeLessThanOrEqual(bound);
        expect(text).not.toContain('\0'); // one NUL in a small file makes it not text
        const { records, summary } = reading;
        expect(summary.format.delimiter).toBe(c.delimiter);
        // Each record takes at least one line of the file.
        const physical = text.split(c.newline);
        if (records.length) expect(records.at(-1)!.line).toBeLessThanOrEqual(physical.length);

        const body = c.rows.map((r) => r.join(c.delimiter));
        if (c.quotes || body.some((l) => /[\r\n]/.test(l))) return;
        // Without quotes or stray line breaks every line is one record: check each against the text as
        // the reader decoded it. The encoding is the one most non-ASCII lines are valid in (cp1251 bytes
        // that happen to be valid UTF-8 count for UTF-8); a line not valid in it is a bad-encoding,
        // shown with U+FFFD for bytes that are not UTF-8, or as UTF-8 in a Windows-1251 file.
        const settled = summary.format.encoding === 'windows-1251' ? 'windows-1251' : 'utf-8';
        const max = c.options?.maxRecordChars;
        const expected = c.rows.flatMap((row, i) => {
          const at = { line: i + 2 };
          const bytes = encode(row.join(c.delimiter), c.encoding === 'utf-8-bom' ? 'utf-8' : c.encoding);
          const bad = !isAscii(bytes) && isUtf8(bytes) !== (settled === 'utf-8');
          const line = new TextDecoder(bad ? 'utf-8' : settled).decode(bytes);
          // The reader marks such a line with one character more (before the first non-ASCII one).
          if (max !== undefined && line.length + (bad && settled === 'windows-1251' ? 1 : 0) > max)
            return [{ ...at, fields: [], error: 'record-too-long' }];
          if (bad) return [{ ...at, fields: line.split(c.delimiter), error: 'bad-encoding' }];
          const fields = line.split(c.delimiter);
          if (fields.every((f) => f.trim() === '')) return [];
          const extra = fields.slice(HEADER.length);
          const fits =
            fields.length === HEADER.length || (extra.length > 0 && extra.every((f) => f.trim() === ''));
          return [{ ...at, fields, error: fits ? undefined : 'malformed-row' }];
        });
        expect(records.map((r) => ({ line: r.line, fields: r.fields, error: r.error?.code }))).toEqual(
          expected,
        );
      }),
      RUNS,
    );
  });
});
