import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ReportFileError, ReportHeaderError, ReportReadStoppedError } from '../../shared/errors.js';
import { readReport, type ReportRecord } from '../../shared/csv/index.js';
import { chunked, encode, encodeCp1251, readAll, readError, writeCsv, type TestEncoding } from './helpers.js';

const RU_HEADER = [
  'Дата отгрузки',
  'Номер счета',
  'Код партнера',
  'Артикул',
  'Наименование',
  'Кол-во',
  'Сервисный код',
  'Наименование партнера',
];
const EN_HEADER = [
  'Invoice Date',
  'Invoice No',
  'Partner ID',
  'SKU',
  'Description',
  'Qty',
  'Service Tag',
  'Partner Name',
];
const ROWS = [
  [
    '15.02.2016',
    'СФ-001',
    'ID 12345',
    '210-AFVN',
    'Ноутбук Dell Vostro 3558, 15.6" серый',
    '7 шт',
    '5XK2QH2',
    'ООО «Ромашка»',
  ],
  ['2016-02-16', 'СФ-002', '67890', '', 'Монитор Dell P2416D\nвторая строка описания', '-1', '', 'ИП Ёлкин'],
  ['29.02.2016', 'INV-3', ' ID 555 ', '', 'OptiPlex 3050 AIO', '1 000', '', 'Тест;с\tразделителями'],
];
const ENCODINGS: TestEncoding[] = ['utf-8', 'utf-8-bom', 'windows-1251'];
const DELIMITERS = [',', ';', '\t'] as const;

const fieldsOf = (records: ReportRecord[]) => records.map((r) => r.fields);

describe('readReport: encodings, delimiters, line breaks', () => {
  for (const encoding of ENCODINGS) {
    for (const delimiter of DELIMITERS) {
      for (const newline of ['\n', '\r\n']) {
        it(`reads ${encoding}, ${JSON.stringify(delimiter)}, ${JSON.stringify(newline)} with Russian headers`, async () => {
          const text = writeCsv([RU_HEADER, ...ROWS], delimiter, newline) + newline;
          const { format, records, summary } = await readAll(
            chunked(encode(text, encoding), [7, 13, 1, 4096]),
          );
          expect(format).toEqual({
            compressed: false,
            encoding,
            delimiter,
            headers: RU_HEADER,
            mapping: {
              invoice_date: 0,
              invoice_number: 1,
              partner_id: 2,
              sku: 3,
              description: 4,
              quantity: 5,
              service_tag: 6,
              partner_name: 7,
            },
          });
          expect(fieldsOf(records)).toEqual(ROWS);
          expect(records.map((r) => r.error)).toEqual([undefined, undefined, undefined]);
          expect(records[2]!.values.partner_id).toBe('ID 555');
          expect(records[0]!.values.description).toBe('Ноутбук Dell Vostro 3558, 15.6" серый');
          expect(summary.records).toBe(3);
        });
      }
    }
  }

  it('reads English headers in any case with surrounding spaces', async () => {
    const header = EN_HEADER.map((h, i) => (i % 2 ? ` ${h.toUpperCase()} ` : h.toLowerCase()));
    const { format, records } = await readAll(chunked(Buffer.from(writeCsv([header, ...ROWS], ',', '\n'))));
    expect(format.mapping).toMatchObject({ invoice_date: 0, quantity: 5, partner_name: 7 });
    expect(records[1]!.values).toMatchObject({
      invoice_date: '2016-02-16',
      quantity: '-1',
      partner_name: 'ИП Ёлкин',
    });
  });

  it('keeps unknown columns and maps an optional distributor column', async () => {
    const text =
      'Регион;Дата;Номер счета;Код партнера;Товар;Кол-во;Код дистрибьютора\nМосква;15.02.2016;1;P1;Vostro 3558;2;D7\n';
    const { format, records } = await readAll(chunked(Buffer.from(text)));
    expect(format.mapping).toEqual({
      invoice_date: 1,
      invoice_number: 2,
      partner_id: 3,
      description: 4,
      quantity: 5,
      distributor: 6,
    });
    expect(records[0]!.fields[0]).toBe('Москва');
    expect(records[0]!.values).toEqual({
      invoice_date: '15.02.2016',
      invoice_number: '1',
      partner_id: 'P1',
      description: 'Vostro 3558',
      quantity: '2',
      distributor: 'D7',
    });
  });

  it('numbers records from the header, counting blank and multi-line records once each', async () => {
    const text = '\r\ndate,invoice,partner,model,qty\r\na,1,p,"two\r\nlines",1\r\n\r\n,,,,\r\nb,2,p,m,2';
    const { records, summary } = await readAll(chunked(Buffer.from(text), 3));
    expect(records.map((r) => [r.line, r.fields[0]])).toEqual([
      [3, 'a'],
      [6, 'b'],
    ]);
    expect(records[0]!.fields[3]).toBe('two\r\nlines');
    expect(summary.records).toBe(2);
  });

  it('reads old Mac line breaks (CR only)', async () => {
    const { format, records } = await readAll(
      chunked(Buffer.from('date;invoice;partner;model;qty\rd;1;p;m;3\re;2;p;m;4\r'), 1),
    );
    expect(format.delimiter).toBe(';');
    expect(fieldsOf(records)).toEqual([
      ['d', '1', 'p', 'm', '3'],
      ['e', '2', 'p', 'm', '4'],
    ]);
  });

  it('reads a header-only file as no records', async () => {
    const { format, records, summary } = await readAll(
      chunked(Buffer.from('date,invoice,partner,model,qty')),
    );
    expect(format.headers).toHaveLength(5);
    expect(records).toEqual([]);
    expect(summary.records).toBe(0);
  });
});

describe('readReport: chunk boundaries', () => {
  const text = writeCsv([RU_HEADER, ...ROWS, ...ROWS, ...ROWS], ';', '\r\n');
  for (const encoding of ENCODINGS) {
    for (const sizes of [1, [1, 2], [3, 5, 7]]) {
      it(`decodes ${encoding} fed in pieces of ${JSON.stringify(sizes)} bytes without broken letters`, async () => {
        const { records, format } = await readAll(chunked(encode(text, encoding), sizes));
        expect(format.encoding).toBe(encoding);
        expect(fieldsOf(records)).toEqual([...ROWS, ...ROWS, ...ROWS]);
        expect(JSON.stringify(records)).not.toContain('\uFFFD');
      });
    }
  }

  it('settles a late Windows-1251 letter after a long ASCII head', async () => {
    const ascii = Array.from({ length: 3000 }, (_, i) => `15.02.2016;INV-${i};P${i};Vostro 3558;1`);
    const text = ['date;invoice;partner;model;qty', ...ascii, '15.02.2016;INV-X;P1;Ноутбук Ёлка;2', ''].join(
      '\n',
    );
    expect(text.length).toBeGreaterThan(100_000);
    const reading = readReport(chunked(encodeCp1251(text), 1000));
    expect((await reading.format).encoding).toBe('utf-8');
    const records: ReportRecord[] = [];
    for await (const batch of reading.records) records.push(...batch);
    expect(records.at(-1)!.values.description).toBe('Ноутбук Ёлка');
    expect((await reading.done).format.encoding).toBe('windows-1251');
  });

  it('judges the encoding on whole characters when the first Cyrillic letter ends a block', async () => {
    const header = 'date;invoice;partner;model;qty\n';
    const filler = 'x'.repeat(64 * 1024 - header.length - 1);
    const text = `${header}${filler};1;p;Ёж;1\n`;
    // The filler is one long date value: lift the value bound, which is not what this is about.
    const { records, summary } = await readAll(chunked(Buffer.from(text, 'utf8'), 64 * 1024), {
      maxFieldChars: 64 * 1024,
    });
    expect(records[0]!.fields[3]).toBe('Ёж');
    expect(summary.format.encoding).toBe('utf-8');
  });
});

describe('readReport: quoting', () => {
  it('reads quoted delimiters, doubled quotes and line breaks inside fields', async () => {
    const rows = [
      ['date', 'invoice', 'partner', 'model', 'qty'],
      ['d', 'a,b', 'say ""hi""', 'line1\nline2\r\nline3', '1'],
    ];
    const text = 'date,invoice,partner,model,qty\n"d","a,b","say """"hi""""","line1\nline2\r\nline3",1\n';
    const { records } = await readAll(chunked(Buffer.from(text), 2));
    expect(fieldsOf(records)).toEqual(rows.slice(1));
  });

  it('turns an unclosed quote into an error record, keeping the lines before it', async () => {
    const text = 'date,invoice,partner,model,qty\nd,1,p,m,1\nd,2,p,"never closed,2\nd,3,p,m,3\n';
    const { records } = await readAll(chunked(Buffer.from(text), 5));
    expect(records).toHaveLength(2);
    expect(records[0]!.error).toBeUndefined();
    expect(records[1]).toMatchObject({ line: 3, error: { code: 'malformed-row' } });
    expect(records[1]!.error!.message).toContain('never closed');
  });

  it('flags a badly quoted field and reads the following lines', async () => {
    const text = 'date;invoice;partner;model;qty\nd;1;p;"Dell 24" monitor";1\nd;2;p;m;2\n';
    const { records } = await readAll(chunked(Buffer.from(text)));
    expect(records.map((r) => [r.line, r.error?.code])).toEqual([
      [2, 'malformed-row'],
      [3, undefined],
    ]);
    expect(records[1]!.fields).toEqual(['d', '2', 'p', 'm', '2']);
  });

  it('flags rows with too few or too many fields, but not Excel padding', async () => {
    const text = 'date;invoice;partner;model;qty\nd;1;p;m\nd;2;p;m;2;extra\nd;3;p;m;3;;\nИтого: 3\n';
    const { records } = await readAll(chunked(Buffer.from(text)));
    expect(records.map((r) => [r.line, r.error?.code])).toEqual([
      [2, 'malformed-row'],
      [3, 'malformed-row'],
      [4, undefined],
      [5, 'malformed-row'],
    ]);
    expect(records[0]!.error!.message).toBe(
      'This line has 4 fields but the header has 5; check for a missing or extra semicolon.',
    );
  });
});

describe('readReport: record length bound', () => {
  const header = 'date,invoice,partner,model,qty\n';

  it('reports a record over maxRecordChars as an error and reads on', async () => {
    const text = `${header}d,1,p,m,1\nd,2,p,${'x'.repeat(5000)},2\nd,3,p,m,3\n`;
    for (const size of [100, 1 << 20]) {
      const { records } = await readAll(chunked(Buffer.from(text), size), { maxRecordChars: 1000 });
      expect(records.map((r) => [r.line, r.error?.code, r.fields.length])).toEqual([
        [2, undefined, 5],
        [3, 'record-too-long', 0],
        [4, undefined, 5],
      ]);
      expect(records[1]!.error!.message).toContain('longer than 1,000 characters');
      expect(records[1]!.error!.message).toContain('It starts with: d,2,p,xxx');
    }
  });

  it('skips an unclosed quote once it passes the bound, to the end of the file', async () => {
    const lines = Array.from({ length: 2000 }, (_, i) => `d,${i},p,m,1`);
    const text = `${header}d,0,p,"open,1\n${lines.join('\n')}\n`;
    const { records } = await readAll(chunked(Buffer.from(text), 512), { maxRecordChars: 4096 });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ line: 2, fields: [], error: { code: 'record-too-long' } });
    expect(records[0]!.error!.message).toContain('runs to the end of the file');
  });

  it('finds the end of a long quoted record and counts the lines after it', async () => {
    const long = 'y'.repeat(3000).replace(/y{100}/g, '$&\n');
    const text = `${header}d,1,p,"${long} ""quoted"", more",1\nd,2,p,m,2\n`;
    const { records } = await readAll(chunked(Buffer.from(text), 64), { maxRecordChars: 1000 });
    expect(records.map((r) => [r.line, r.error?.code])).toEqual([
      [2, 'record-too-long'],
      [3, undefined],
    ]);
    expect(records[1]!.fields).toEqual(['d', '2', 'p', 'm', '2']);
  });
});

describe('readReport: CR LF records at the length bound', () => {
  // The long text in a column the reader does not know, so that no value is over maxFieldChars.
  const header = 'date;invoice;partner;model;qty;notes\r\n';
  const lineOf = (chars: number) => {
    const start = 'd;1;p;m;1;';
    return `${start}${'n'.repeat(chars - start.length)}`;
  };

  it('reads a CR LF line of exactly maxRecordChars that is longer than a piece of text', async () => {
    const line = lineOf(40_000);
    const bytes = Buffer.from(`${header}${line}\r\nd;2;p;m;2;y\r\n`);
    for (const size of [1 << 20, 64 * 1024, 1000]) {
      const { records } = await readAll(chunked(bytes, size), { maxRecordChars: 40_000 });
      expect(records.map((r) => [r.line, r.error?.code, r.fields.join(';').length])).toEqual([
        [2, undefined, 40_000],
        [3, undefined, 11],
      ]);
    }
  });

  it('reads it when a block of bytes ends between its CR and its LF', async () => {
    const line = lineOf(70_000);
    const bytes = Buffer.from(`${header}${line}\r\nd;2;p;m;2;y\r\n`);
    const cr = bytes.indexOf('\r\nd;2');
    // One network chunk of over 64 KiB is a block of its own: this one ends with the line's CR.
    const { records } = await readAll(chunked(bytes, [cr + 1, 1 << 20]), { maxRecordChars: 70_000 });
    expect(records.map((r) => [r.line, r.error?.code])).toEqual([
      [2, undefined],
      [3, undefined],
    ]);
  });
});

describe('readReport: gzip', () => {
  it('detects .gz by its bytes and hashes the compressed object', async () => {
    const text = writeCsv([EN_HEADER, ...ROWS], ',', '\r\n');
    const gz = gzipSync(encodeCp1251(text));
    const { format, records, summary } = await readAll(chunked(gz, 3));
    expect(format).toMatchObject({ compressed: true, encoding: 'windows-1251', delimiter: ',' });
    expect(fieldsOf(records)).toEqual(ROWS);
    expect(summary.rawBytes).toBe(gz.length);
    expect(summary.sha256).toBe(createHash('sha256').update(gz).digest('hex'));
  });

  it('stops a gzip bomb at maxInflatedBytes and destroys the input', async () => {
    const text = 'date,invoice,partner,model,qty\n' + 'd,1,p,m,1\n'.repeat(1_000_000);
    const gz = gzipSync(Buffer.from(text), { level: 1 });
    expect(gz.length).toBeLessThan(text.length / 100);
    const input = chunked(gz, 1024);
    const err = await readError(input, { maxInflatedBytes: 2 ** 20 });
    expect(err).toBeInstanceOf(ReportFileError);
    expect(err).toMatchObject({ code: 'too-large' });
    expect((err as Error).message).toContain('larger than 1 MiB once unpacked');
    expect(input.destroyed).toBe(true);
  });

  it('calls a damaged archive unreadable', async () => {
    const gz = gzipSync(Buffer.from('date,invoice,partner,model,qty\n' + 'd,1,p,m,1\n'.repeat(1000)));
    const err = await readError(chunked(gz.subarray(0, gz.length - 30)));
    expect(err).toMatchObject({ code: 'unreadable' });
  });
});

describe('readReport: files that are not reports', () => {
  const cases: [string, Buffer][] = [
    ['0 bytes', Buffer.alloc(0)],
    ['only a BOM', Buffer.from([0xef, 0xbb, 0xbf])],
    ['only blank lines', Buffer.from('\r\n  \r\n\t\n;;;\n')],
    ['an empty .gz', gzipSync(Buffer.alloc(0))],
  ];
  for (const [name, bytes] of cases) {
    it(`rejects ${name} as an empty file`, async () => {
      const err = await readError(chunked(bytes, 1));
      expect(err).toBeInstanceOf(ReportFileError);
      expect(err).toMatchObject({ code: 'empty-file' });
    });
  }

  it('rejects random bytes as not text, from format and from the iteration', async () => {
    const bytes = randomBytes(100_000);
    bytes[10] = 0;
    const input = chunked(bytes);
    const reading = readReport(input);
    await expect(reading.format).rejects.toMatchObject({ code: 'not-text' });
    await expect(reading.records[Symbol.asyncIterator]().next()).rejects.toMatchObject({ code: 'not-text' });
    await expect(reading.done).rejects.toMatchObject({ code: 'not-text' });
    expect(input.destroyed).toBe(true);
  });

  it('tells an Excel workbook and UTF-16 text apart from binary junk', async () => {
    const xlsx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), randomBytes(200)]);
    expect(((await readError(chunked(xlsx))) as Error).message).toContain('Excel workbook (.xlsx)');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('date\tqty\r\n', 'utf16le')]);
    expect(await readError(chunked(utf16))).toMatchObject({
      code: 'not-text',
      message: expect.stringContaining('UTF-16'),
    });
  });

  it('calls a header whose quoted line breaks run past maxRecordChars unreadable', async () => {
    const name = `"invoice_date${'\nzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz'.repeat(1000)}"`;
    const bytes = Buffer.from(`${name},invoice_number,partner_id,description,quantity\na,b,c,d,1\n`);
    for (const size of [1 << 20, 1000])
      await expect(readError(chunked(bytes, size), { maxRecordChars: 20_000 })).resolves.toMatchObject({
        code: 'unreadable',
        key: 'header-unreadable',
      });
  });

  it('names the missing and the found columns of a broken header', async () => {
    const text = encodeCp1251('Дата;Товар; Номер счета ;Цена\n15.02.2016;Vostro;1;100\n');
    const err = await readError(chunked(text));
    expect(err).toBeInstanceOf(ReportHeaderError);
    expect(err).toBeInstanceOf(ReportFileError);
    const header = err as ReportHeaderError;
    expect(header.code).toBe('header-missing-fields');
    expect(header.missing).toEqual(['partner_id', 'quantity']);
    expect(header.found).toEqual(['Дата', 'Товар', 'Номер счета', 'Цена']);
    expect(header.message).toMatch(
      /^The header has no column for: partner_id, quantity\. Columns found: "Дата", "Товар", "Номер счета", "Цена"\./,
    );
    expect(header.message).toContain('quantity: quantity, qty, units, количество, кол-во');
  });
});

describe('readReport: summary, progress, cleanup', () => {
  const lines = Array.from(
    { length: 20_000 },
    (_, i) => `2016-02-15,INV-${i},P${i % 97},Latitude 5480 ноутбук,${i % 7}`,
  );
  const bytes = Buffer.from(
    ['invoice_date,invoice_number,partner_id,description,quantity', ...lines].join('\n'),
  );

  it('hashes and counts the raw bytes and the records, in batches', async () => {
    const { records, batches, summary } = await readAll(chunked(bytes, 1000));
    expect(summary.records).toBe(20_000);
    expect(records).toHaveLength(20_000);
    expect(records.at(-1)).toMatchObject({
      line: 20_001,
      values: { invoice_number: 'INV-19999', quantity: String(19_999 % 7) },
    });
    expect(batches).toBeGreaterThan(1);
    expect(batches).toBeLessThan(records.length / 100);
    expect(summary.rawBytes).toBe(bytes.length);
    expect(summary.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });

  it('reports progress about every 64 KiB and once at the end', async () => {
    const seen: { bytesRead: number; records: number }[] = [];
    await readAll(chunked(bytes, 1000), { onProgress: (p) => seen.push(p) });
    expect(seen.at(-1)).toEqual({ bytesRead: bytes.length, records: 20_000 });
    expect(seen.length).toBeGreaterThan(bytes.length / (128 * 1024));
    expect(seen.length).toBeLessThanOrEqual(Math.ceil(bytes.length / (64 * 1024)) + 1);
    for (let i = 1; i < seen.length; i++) {
      expect(seen[i]!.bytesRead).toBeGreaterThan(seen[i - 1]!.bytesRead);
      expect(seen[i]!.records).toBeGreaterThanOrEqual(seen[i - 1]!.records);
    }
  });

  it('reports progress and yields a batch once a block, with every record of the bytes read', async () => {
    const seen: { bytesRead: number; records: number }[] = [];
    const { batches } = await readAll(chunked(bytes, 1000), { onProgress: (p) => seen.push(p) });
    for (const p of seen.slice(0, -1)) {
      // Every line ended within the bytes read is counted; the header is not a record.
      const ended = bytes.subarray(0, p.bytesRead).toString('latin1').split('\n').length - 2;
      expect(p.records).toBe(ended);
    }
    expect(batches).toBeLessThanOrEqual(Math.ceil(bytes.length / (64 * 1024)) + 1);
  });

  it('destroys the input and rejects done when the caller stops early', async () => {
    const input = chunked(bytes, 1000);
    const reading = readReport(input);
    for await (const batch of reading.records) {
      expect(batch.length).toBeGreaterThan(0);
      break;
    }
    await expect(reading.done).rejects.toBeInstanceOf(ReportReadStoppedError);
    expect(input.destroyed).toBe(true);
  });

  it('passes on a failure of the input stream as it is', async () => {
    const failure = new Error('connection reset');
    async function* body() {
      yield bytes.subarray(0, 100_000);
      throw failure;
    }
    const reading = readReport(Readable.from(body()));
    await expect(reading.format).resolves.toMatchObject({ delimiter: ',' });
    await expect(
      (async () => {
        for await (const _ of reading.records);
      })(),
    ).rejects.toBe(failure);
    await expect(reading.done).rejects.toBe(failure);
  });

  it('refuses bad options', () => {
    expect(() => readReport(chunked(bytes), { maxRecordChars: 0 })).toThrow(/maxRecordChars/);
  });
});

describe('readReport: blank lines count toward the line bound', () => {
  it('stops a gzip of blank lines at the line bound, long before the size bound', async () => {
    // 3 MB of line breaks gzip to a few KB: without counting them the reader would unpack to the end.
    const text = 'date,invoice,partner,model,qty\n' + '\n'.repeat(3_000_000);
    const gz = gzipSync(Buffer.from(text), { level: 9 });
    const input = chunked(gz, 1024);
    const err = await readError(input, { maxLines: 10_000 });
    expect(err).toBeInstanceOf(ReportFileError);
    expect(err).toMatchObject({ code: 'too-large' });
    expect((err as Error).message).toContain('more than 10,000 lines');
    expect(input.destroyed).toBe(true);
  });

  it('fails the format, before any record, when the line bound is passed in the header block', async () => {
    const bytes = Buffer.from('date,invoice,partner,model,qty\n' + '1\n'.repeat(40_000));
    const reading = readReport(chunked(bytes, 1 << 20), { maxLines: 20_000 });
    reading.done.catch(() => {});
    await expect(reading.format).rejects.toMatchObject({ code: 'too-large', key: 'too-many-lines' });
  });

  it('counts blank lines and the header as lines of the file', async () => {
    const header = 'date,invoice,partner,model,qty\n';
    const exactly = header + '\n'.repeat(1998) + 'd,1,p,m,1\n';
    const { records } = await readAll(chunked(Buffer.from(exactly)), { maxLines: 2000 });
    expect(records.map((r) => r.line)).toEqual([2000]);
    await expect(readError(chunked(Buffer.from(exactly + '\n')), { maxLines: 2000 })).resolves.toMatchObject({
      code: 'too-large',
    });
  });
});

describe('readReport: a value over the field bound', () => {
  it('rejects the line unread, naming the column, and reads on', async () => {
    const long = 'Dell ' + 'Inspiron'.repeat(200);
    const text = `date,invoice,partner,model,qty\nd,1,p,m,1\nd,2,p,${long},2\nd,3,p,${'m'.repeat(1000)},3\n`;
    const { records } = await readAll(chunked(Buffer.from(text)));
    expect(records.map((r) => [r.line, r.error?.code, r.fields.length])).toEqual([
      [2, undefined, 5],
      [3, 'record-too-long', 0],
      [4, undefined, 5],
    ]);
    expect(records[1]!.values).toEqual({});
    expect(records[1]!.error!.message).toContain(`The model on this line is ${long.length.toLocaleString('en-US')} characters long`);
    expect(records[1]!.error!.message).toContain('more than the 1,000 a value may have');
    expect(records[1]!.error!.message).toContain('It starts with: Dell Inspiron');
  });

  it('bounds only recognised columns, by maxFieldChars', async () => {
    const text = `date,invoice,partner,model,qty,note\nd,1,p,${'m'.repeat(50)},1,${'n'.repeat(5000)}\n`;
    const { records } = await readAll(chunked(Buffer.from(text)), { maxFieldChars: 40 });
    expect(records[0]!.error).toMatchObject({ code: 'record-too-long' });
    expect(records[0]!.error!.message).toContain('The model on this line is 50 characters long');
    const ok = await readAll(chunked(Buffer.from(text.replace('m'.repeat(50), 'm'))), { maxFieldChars: 40 });
    expect(ok.records[0]!.error).toBeUndefined();
  });
});

describe('readReport: every line held to the file encoding', () => {
  const header = 'date;invoice;partner;model;qty\n';
  const filler = (n: number) => Array.from({ length: n }, (_, i) => `2016-02-01;F-${i};p;Ноутбук Dell;1\n`).join('');

  it('rejects a Windows-1251 line in a UTF-8 file with its line number, far from the start', async () => {
    const lines = filler(3000); // about 140 KB, so the odd line is well past the first block
    const bytes = Buffer.concat([
      Buffer.from(header + lines, 'utf8'),
      encodeCp1251('2016-02-02;X-1;p;Монитор Dell;2\n'),
      Buffer.from('2016-02-03;X-2;p;Планшет;3\n', 'utf8'),
    ]);
    expect(bytes.length).toBeGreaterThan(64 * 1024);
    for (const size of [777, 64 * 1024, bytes.length]) {
      const { records, summary } = await readAll(chunked(bytes, size));
      expect(summary.format.encoding).toBe('utf-8');
      const bad = records.filter((r) => r.error);
      expect(bad.map((r) => [r.line, r.error!.code])).toEqual([[3002, 'bad-encoding']]);
      expect(bad[0]!.error!.message).toMatch(/not UTF-8 text.*Windows-1251/);
      expect(bad[0]!.fields.slice(0, 2)).toEqual(['2016-02-02', 'X-1']);
      expect(bad[0]!.fields[3]).toBe('\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD\uFFFD Dell');
      expect(records.at(-1)).toMatchObject({ line: 3003, fields: ['2016-02-03', 'X-2', 'p', 'Планшет', '3'] });
      expect(records.at(-1)!.error).toBeUndefined();
    }
  });

  it('rejects a UTF-8 line in a Windows-1251 file, shown as the distributor wrote it', async () => {
    const bytes = Buffer.concat([
      encodeCp1251(header + filler(3000)),
      Buffer.from('2016-02-02;X-1;p;Монитор Dell;2\n', 'utf8'),
      encodeCp1251('2016-02-03;X-2;p;Планшет;3\n'),
    ]);
    const { records, summary } = await readAll(chunked(bytes, 4096));
    expect(summary.format.encoding).toBe('windows-1251');
    const bad = records.filter((r) => r.error);
    expect(bad.map((r) => [r.line, r.error!.code])).toEqual([[3002, 'bad-encoding']]);
    expect(bad[0]!.error!.message).toContain('written in UTF-8, but the rest of the file is in Windows-1251');
    expect(bad[0]!.fields).toEqual(['2016-02-02', 'X-1', 'p', 'Монитор Dell', '2']);
    expect(records.at(-1)!.fields[3]).toBe('Планшет');
  });

  it('settles on the encoding most lines of the first block are in, not on its first odd line', async () => {
    const bytes = Buffer.concat([
      Buffer.from(header),
      encodeCp1251('2016-02-02;X-1;p;Монитор Dell;2\n'),
      Buffer.from(filler(10), 'utf8'),
    ]);
    const { records, summary } = await readAll(chunked(bytes));
    expect(summary.format.encoding).toBe('utf-8');
    expect(records.map((r) => r.error?.code ?? 'ok')).toEqual(['bad-encoding', ...Array(10).fill('ok')]);
    expect(records[1]!.fields[3]).toBe('Ноутбук Dell');
  });

  it('rejects only the line of a zero byte past the start, and the file when it comes early', async () => {
    const lines = filler(2500); // about 112 KB before the zero byte
    const bytes = Buffer.from(`${header}${lines}2016-02-02;X-\u00001;p;Монитор Dell;2\n2016-02-03;X-2;p;Планшет;3\n`);
    const { records } = await readAll(chunked(bytes, 4096));
    const bad = records.filter((r) => r.error);
    expect(bad.map((r) => [r.line, r.error!.code])).toEqual([[2502, 'bad-encoding']]);
    expect(bad[0]!.error!.message).toContain('zero byte');
    expect(bad[0]!.fields[1]).toBe('X-\uFFFD1');
    expect(records).toHaveLength(2502);

    const early = Buffer.from(`${header}2016-02-02;X-\u00001;p;m;2\n${lines}`);
    expect(await readError(chunked(early))).toMatchObject({ code: 'not-text' });
  });

  it('refuses a header line that is not text in the file encoding', async () => {
    const bytes = Buffer.concat([encodeCp1251('дата;счет;партнер;модель;кол-во\n'), Buffer.from(filler(5))]);
    expect(await readError(chunked(bytes))).toMatchObject({
      code: 'unreadable',
      message: expect.stringContaining('The header line cannot be read'),
    });
  });
});
