import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordsAt } from '../../shared/csv/record-scan.js';
import { chunked, encode, readAll, type TestEncoding } from './helpers.js';

const HEADER = ['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity'];

/**
 * The reader's records (fields as it splits them) against the scanner's, asked for every line the
 * reader yielded and a few it did not: same numbers, same fields, same header.
 */
async function expectSameAsReader(bytes: Buffer, chunks: number | number[], opts?: { maxRecordChars: number }) {
  const read = await readAll(chunked(bytes, chunks), opts);
  // Records the reader keeps no fields of (too long) or changes (undecodable bytes marked) are never held.
  const kept = read.records.filter((r) => r.error?.code !== 'record-too-long' && r.error?.code !== 'bad-encoding');
  const last = read.records.at(-1)?.line ?? 1;
  const wanted = new Set([...kept.map((r) => r.line), last + 1, last + 10_000]);
  const scanned = await recordsAt(chunked(bytes, chunks), wanted, opts);
  expect(scanned.headers).toEqual(read.format.headers);
  const got = [...scanned.fields].filter(([line]) => line <= last);
  expect(got.sort((a, b) => a[0] - b[0])).toEqual(kept.map((r) => [r.line, r.fields]));
  expect(scanned.fields.has(last + 10_000)).toBe(false);
}

describe('recordsAt', () => {
  it('finds the records the reader numbers, in tricky files', async () => {
    const files = [
      // Blank lines before the header and between records, a BOM, quoted line breaks.
      '\n\n;;\ninvoice_date;invoice_number;partner_id;description;quantity\n' +
        '2016-02-01;A1;P1;"Latitude\n14";1\n\n;;;;\n2016-02-02;A2;P2;Dell 24" monitor;2\n' +
        '2016-02-03;"A""3";P3;"x"  ;3\n2016-02-04;A4;P4;"open "quote";4\n2016-02-05;A5;P5;last;5',
      // CRLF, quoted CRLF, a lone LF inside a record, and a quote never closed at the end.
      'invoice_date,invoice_number,partner_id,description,quantity\r\n' +
        '2016-02-01,A1,P1,"a\r\nb",1\r\n2016-02-02,A2,P2,one\ntwo,2\r\n"2016-02-03" ,A3,P3,c,3\r\n' +
        '2016-02-04,A4,P4,"never closed,4\r\n2016-02-05,A5,P5,d,5\r\n',
      // Tabs, with whitespace between a closing quote and the delimiter.
      'invoice_date\tinvoice_number\tpartner_id\tdescription\tquantity\n' +
        '"2016-02-01" \tA1\tP1\t"q"\t1\n2016-02-02\tA2\tP2\t"q" x"\t2\n2016-02-03\tA3\tP3\tz\t3\n',
    ];
    for (const text of files)
      for (const encoding of ['utf-8', 'utf-8-bom', 'windows-1251'] as TestEncoding[])
        for (const chunks of [3, 17, 1 << 20]) await expectSameAsReader(encode(text, encoding), chunks);
  });

  it('numbers the records after one over the record bound as the reader does', async () => {
    const long = 'x'.repeat(200);
    const text =
      `${HEADER.join(',')}\n2016-02-01,A1,P1,"${long}\n${long}",1\n2016-02-02,A2,P2,ok,2\n` +
      `2016-02-03,A3,P3,"${long},3\n2016-02-04,A4,P4,"ok""",4\n`;
    for (const chunks of [7, 64, 4096]) await expectSameAsReader(Buffer.from(text), chunks, { maxRecordChars: 150 });
  });

  it('reads gzip files and Windows-1251 text as the reader does', async () => {
    const text = `${HEADER.join(';')};Регион\n2016-02-01;A1;P1;Ноутбук «Latitude»;1;Москва\n\n2016-02-02;A2;P2;"Монитор ""24""";2;Тула\n`;
    for (const encoding of ['utf-8', 'utf-8-bom', 'windows-1251'] as TestEncoding[])
      await expectSameAsReader(gzipSync(encode(text, encoding)), 5);
  });

  it('agrees with the reader on any text after a header, whatever the chunk sizes', async () => {
    const unit = fc.oneof(
      {
        arbitrary: fc.constantFrom('a', 'Я', ' ', '"', '"', '""', ',', ';', ';', '\t', '\u00a0', 'x'.repeat(25)),
        weight: 20,
      },
      { arbitrary: fc.constantFrom('\r', '\n', '\r\n'), weight: 2 },
    );
    const lines = fc.array(fc.string({ unit, maxLength: 12 }), { maxLength: 14 });
    const sizes = fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('', ' ', 'DD', '""'), { maxLength: 2 }),
        lines,
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.constantFrom(';', ',', '\t'),
        sizes,
        fc.constantFrom(undefined, { maxRecordChars: 70 }),
        async (before, body, newline, delimiter, chunks, opts) => {
          const blank = before.map((b) => b.replaceAll('D', delimiter));
          const text = [...blank, HEADER.join(delimiter), ...body].join(newline);
          // Files the reader refuses (a header it cannot read) are never ingested, so never scanned.
          const refused = await readAll(chunked(Buffer.from(text), 1 << 20), opts).then(
            () => false,
            () => true,
          );
          fc.pre(!refused);
          await expectSameAsReader(Buffer.from(text), chunks, opts);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
