import { isAscii, isUtf8 } from 'node:buffer';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunked, encode, readAll, writeCsv, type TestEncoding } from './helpers.js';

// Every character is in Windows-1251, so each table can be written in all three encodings.
const CHARS = ['a', 'Z', '7', ' ', '"', ',', ';', '\t', '\r', '\n', 'Я', 'ж', 'ё', '№', '«', '—', '\u00a0'];
const field = fc.string({ unit: fc.constantFrom(...CHARS), maxLength: 12 });
const HEADER = ['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity'];

const layout = fc.record({
  encoding: fc.constantFrom<TestEncoding>('utf-8', 'utf-8-bom', 'windows-1251'),
  delimiter: fc.constantFrom(',', ';', '\t'),
  newline: fc.constantFrom('\n', '\r\n'),
  trailingNewline: fc.boolean(),
  quoteAll: fc.boolean(),
  gzip: fc.boolean(),
  chunks: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }),
});

const isBlank = (row: string[]) => row.every((f) => f.trim() === '');

/** The bytes between line breaks (CR or LF). */
function physicalLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= bytes.length; i++) {
    if (i === bytes.length || bytes[i] === 0x0a || bytes[i] === 0x0d) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  return lines;
}

describe('readReport property', () => {
  it('returns exactly the rows written, whatever the encoding, quoting and chunk sizes', async () => {
    const table = fc.integer({ min: 0, max: 3 }).chain((extra) =>
      fc
        .array(fc.array(field, { minLength: 6 + extra, maxLength: 6 + extra }), { maxLength: 25 })
        .map((rows) => ({
          // A Cyrillic column name settles the encoding even when no cell has a non-ASCII letter; cells
          // alone can be ambiguous (cp1251 "Рё" is valid UTF-8 for "и").
          header: [...HEADER, 'Регион', ...Array.from({ length: extra }, (_, i) => `extra ${i}`)],
          rows,
        })),
    );
    await fc.assert(
      fc.asyncProperty(table, layout, async ({ header, rows }, l) => {
        const text =
          writeCsv([header, ...rows], l.delimiter, l.newline, l.quoteAll) +
          (l.trailingNewline ? l.newline : '');
        const bytes = encode(text, l.encoding);
        // A Windows-1251 line whose letters all happen to be valid UTF-8 ("Я«" is U+07EB) reads as a
        // UTF-8 line in a Windows-1251 file and is rejected (fuzz.test.ts covers that case).
        fc.pre(l.encoding !== 'windows-1251' || !physicalLines(bytes).some((b) => !isAscii(b) && isUtf8(b)));
        const { format, records, summary } = await readAll(
          chunked(l.gzip ? gzipSync(bytes) : bytes, l.chunks),
        );
        expect(format).toMatchObject({ delimiter: l.delimiter, encoding: l.encoding, headers: header });
        expect(summary.format).toEqual(format);
        const expected = rows
          .map((row, i) => ({ line: i + 2, fields: row }))
          .filter((r) => !isBlank(r.fields));
        expect(records.map((r) => ({ line: r.line, fields: r.fields }))).toEqual(expected);
        expect(records.filter((r) => r.error)).toEqual([]);
      }),
      { numRuns: 300 },
    );
  });

  it('reads any text after a header the same way, whatever the chunk sizes', async () => {
    // Mostly one-line records with stray quotes and long runs, so some records pass the bound.
    const unit = fc.oneof(
      {
        arbitrary: fc.constantFrom('a', 'Я', ' ', '"', '"', ',', ';', ';', '\t', '\u00a0', 'x'.repeat(25)),
        weight: 20,
      },
      { arbitrary: fc.constantFrom('\r', '\n', '\r\n'), weight: 1 },
    );
    const lines = fc.array(fc.string({ unit, maxLength: 12 }), { maxLength: 12 });
    const sizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 });
    const options = fc.constantFrom(undefined, { maxRecordChars: 70 });
    await fc.assert(
      fc.asyncProperty(
        lines,
        fc.constantFrom('\n', '\r\n'),
        sizes,
        options,
        async (body, newline, chunks, opts) => {
          const bytes = Buffer.from(`${HEADER.join(';')}${newline}${body.join(newline)}`);
          const whole = await readAll(chunked(bytes, bytes.length), opts);
          const pieces = await readAll(chunked(bytes, chunks), opts);
          expect(pieces.records).toEqual(whole.records);
          const numbers = whole.records.map((r) => r.line);
          expect(numbers).toEqual([...new Set(numbers)].sort((a, b) => a - b));
        },
      ),
      { numRuns: 300 },
    );
  });
});
