import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordsAt, type ScannedRecords } from '../../shared/csv/record-scan.js';
import { chunked, encode, readAll, type TestEncoding } from './helpers.js';

const HEADER = ['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity'];

/**
 * The reader's records (fields as it splits them) against the scanner's, asked for every line the
 * reader yielded and a few it did not: same numbers, same fields, same header. Both ways of scanning
 * are checked: the decoded text (given a stream) and the bytes (given an opener); returns which way
 * the bytes scan ended up taking.
 */
async function expectSameAsReader(bytes: Buffer, chunks: number | number[], opts?: { maxRecordChars: number }) {
  const read = await readAll(chunked(bytes, chunks), opts);
  // Records the reader keeps no fields of (too long) or changes (undecodable bytes marked) are never held.
  const kept = read.records.filter((r) => r.error?.code !== 'record-too-long' && r.error?.code !== 'bad-encoding');
  const last = read.records.at(-1)?.line ?? 1;
  const wanted = new Set([...kept.map((r) => r.line), last + 1, last + 10_000]);
  let scannedAs: ScannedRecords['scanned'] = 'text';
  for (const input of [chunked(bytes, chunks), () => chunked(bytes, chunks)]) {
    const scanned = await recordsAt(input, wanted, opts);
    expect(scanned.headers).toEqual(read.format.headers);
    const got = [...scanned.fields].filter(([line]) => line <= last);
    expect(got.sort((a, b) => a[0] - b[0])).toEqual(kept.map((r) => [r.line, r.fields]));
    expect(scanned.fields.has(last + 10_000)).toBe(false);
    scannedAs = scanned.scanned;
  }
  return scannedAs;
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

  it('finds the records in the bytes, decoding only the wanted ones, in both encodings', async () => {
    const text =
      `\r\n${HEADER.join(';')};Регион\r\n` +
      // Multi-byte UTF-8 (Cyrillic, an emoji of four bytes), a quoted CRLF and LF, a doubled quote,
      // a quote followed by a non-ASCII letter inside a quoted field, blank records.
      '2016-02-01;A1;P1;"Ноутбук\r\n«Latitude»\n14";1;Москва\r\n\r\n;;;;;\r\n' +
      '2016-02-02;A2;P2;"Монитор ""24"" 😀";2;Тула\r\n2016-02-03;A3;P3;"Dell 24" монитор";3;Омск\r\n' +
      '2016-02-04;"A""4";P4;plain;4;Курск';
    for (const encoding of ['utf-8', 'utf-8-bom', 'windows-1251'] as TestEncoding[]) {
      const bytes = encode(encoding === 'windows-1251' ? text.replace(' 😀', '') : text, encoding);
      for (const chunks of [1, 3, 17, 1 << 20]) expect(await expectSameAsReader(bytes, chunks)).toBe('bytes');
      expect(await expectSameAsReader(gzipSync(bytes), 5)).toBe('bytes');
    }
  });

  it('in the bytes, takes a quote inside an unquoted field as text and one after a delimiter as opening a field', async () => {
    const text =
      `${HEADER.join(';')}\n` +
      // Quotes inside unquoted fields (one, doubled, at a field's end) before a quoted field that holds
      // the delimiter and a line break; records with no quote at all around them.
      '2016-02-01;A1;P1;plain;1\n2016-02-02;A"2;P""2;"x;y\nz" ;2\n2016-02-03;A3;P3";"Монитор 24""";3\n' +
      '2016-02-04;A4;P4;a"b;4\n2016-02-05;A5;P5;"";5';
    for (const encoding of ['utf-8', 'windows-1251'] as TestEncoding[])
      for (const chunks of [1, 5, 1 << 20]) expect(await expectSameAsReader(encode(text, encoding), chunks)).toBe('bytes');
  });

  it('finds the records across the 64 KiB blocks of a larger file, long records and quoted line breaks included', async () => {
    // Records cut by every block boundary, at shifting places: the unfinished record carried over,
    // joined to as much of the next block as it needs (a long record, a quoted CRLF, a doubled quote).
    const records = Array.from({ length: 4000 }, (_, i) => {
      const description =
        i % 97 === 5
          ? `"Длинное ""описание"" ${'ж'.repeat(700 + i)}\r\nвторая строка"`
          : i % 13 === 0
            ? `"Ноутбук ""${i}"" Latitude\r\n14"`
            : `Монитор ${'x'.repeat(i % 40)} ${i}`;
      return `2016-02-${String((i % 28) + 1).padStart(2, '0')};A${i};P${i % 50};${description};${(i % 9) + 1}`;
    });
    for (const pad of [0, 1, 2, 3, 7, 31, 200, 1001])
      for (const encoding of ['utf-8', 'windows-1251'] as TestEncoding[]) {
        const text = `${'\r\n'.repeat(pad)}${HEADER.join(';')}\r\n${records.join('\r\n')}\r\n`;
        const bytes = encode(text, encoding);
        expect(bytes.length).toBeGreaterThan(3 * 64 * 1024);
        expect(await expectSameAsReader(bytes, [4096, 70_001])).toBe('bytes');
      }
  });

  it('turns to the decoded text where the bytes cannot tell, with the same records', async () => {
    // A no-break space between a closing quote and the delimiter is whitespace only as text.
    const nbsp = `${HEADER.join(',')}\n2016-02-01,A1,P1,"Latitude"\u00a0,1\n2016-02-02,A2,P2,x,2\n`;
    expect(await expectSameAsReader(Buffer.from(nbsp), 7)).toBe('text');
    // Over the bound in bytes (Cyrillic is two bytes a letter in UTF-8) but not in characters.
    const long = `${HEADER.join(',')}\n2016-02-01,A1,P1,${'Я'.repeat(60)},1\n2016-02-02,A2,P2,x,2\n`;
    expect(await expectSameAsReader(Buffer.from(long), 9, { maxRecordChars: 100 })).toBe('text');
    expect(await expectSameAsReader(Buffer.from(long), 9, { maxRecordChars: 200 })).toBe('bytes');
    // A Windows-1251 file's line that is valid UTF-8: the reader decodes it with a mark.
    const cp = Buffer.concat([
      encode(`${HEADER.join(';')}\n2016-02-01;A1;P1;Ноутбук;1\n2016-02-02;A2;P2;Монитор;2\n`, 'windows-1251'),
      Buffer.from('2016-02-03;A3;P3;Ноутбук;3\n2016-02-04;A4;P4;x;4\n', 'utf8'),
    ]);
    const wanted = new Set([2, 4, 5]);
    const [asText, asBytes] = await Promise.all([
      recordsAt(chunked(cp, 11), wanted),
      recordsAt(() => chunked(cp, 11), wanted),
    ]);
    expect(asBytes).toEqual(asText);
    expect(asBytes.scanned).toBe('text');
    expect(asBytes.fields.get(4)?.[3]).toContain('\uD800');
    // Not wanted, the same line costs the bytes scan nothing.
    expect((await recordsAt(() => chunked(cp, 11), new Set([5]))).scanned).toBe('bytes');
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
    const scannedAs = { bytes: 0, text: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('', ' ', 'DD', '""'), { maxLength: 2 }),
        lines,
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.constantFrom(';', ',', '\t'),
        sizes,
        fc.constantFrom(undefined, { maxRecordChars: 70 }),
        fc.constantFrom<TestEncoding>('utf-8', 'windows-1251'),
        async (before, body, newline, delimiter, chunks, opts, encoding) => {
          const blank = before.map((b) => b.replaceAll('D', delimiter));
          const bytes = encode([...blank, HEADER.join(delimiter), ...body].join(newline), encoding);
          // Files the reader refuses (a header it cannot read) are never ingested, so never scanned.
          const refused = await readAll(chunked(bytes, 1 << 20), opts).then(
            () => false,
            () => true,
          );
          fc.pre(!refused);
          scannedAs[await expectSameAsReader(bytes, chunks, opts)]++;
        },
      ),
      { numRuns: 1500 },
    );
    // Both ways were taken, each against the reader.
    expect(scannedAs.bytes).toBeGreaterThan(100);
    expect(scannedAs.text).toBeGreaterThan(10);
  });
});
