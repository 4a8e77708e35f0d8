/**
 * Ingest on the real emulators: every reject reason, every accepted file format, and whole files
 * that cannot be read. Payout figures come from the 2016-Q1 rate tables (program-rules.md §3).
 */
import { gzipSync } from 'node:zlib';
import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { latestComputation } from '../../shared/pipeline/compute.js';
import { FILE_REJECT_REASONS, REJECT_REASONS } from '../../shared/pipeline/line-checks.js';
import { encodeCp1251, writeCsv } from '../csv/helpers.js';
import { FaultInjector } from '../support/faults.js';
import {
  renderReport,
  reportRows,
  useLocalRuntime,
  type ReportLayout,
  type SaleLine,
} from '../support/runtime.js';

const Q1 = '2016-Q1';
const faults = new FaultInjector();
const errors: { what: string; message: string }[] = [];
const env = useLocalRuntime({
  wrapClients: faults.wrap,
  onError: (what, err) => errors.push({ what, message: (err as Error).message }),
});

/** Σ units × rate in RUB, 2 places. */
const rub = (...terms: [units: number, rate: number][]) =>
  terms.reduce((sum, [u, r]) => sum.plus(new Decimal(u).times(r)), new Decimal(0)).toFixed(2);

const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD'; // client/premium
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const MONITOR = 'Монитор Dell P2417H 23.8"'; // monitors/24-25

describe('reject reasons', () => {
  it('writes every reason to the rejects file with line number, original fields and a plain message', async () => {
    // Authorised for commercial and monitors only, so an Inspiron (consumer) line is refused.
    await env.importReference({
      distributors: [{ id: 'rj-dist', segments: ['commercial', 'monitors'] }],
      partners: ['RJ101'],
      acceptances: [
        { partnerId: 'RJ101', program: 'client' },
        { partnerId: 'RJ101', program: 'monitors' },
      ],
    });
    const base = { partnerId: 'RJ101', distributor: 'rj-dist', date: '2016-02-10', qty: 1 };
    const lines: SaleLine[] = [
      /* 2 */ { ...base, invoice: 'RJ-002', description: LATITUDE, qty: 3, serviceTag: 'RJTAG01' },
      /* 3 */ { ...base, invoice: 'RJ-003', description: 'placeholder: replaced by a short row' },
      /* 4 */ { ...base, invoice: 'RJ-004', description: LATITUDE, partnerId: '' },
      /* 5 */ { ...base, invoice: 'RJ-005', description: LATITUDE, distributor: 'other-dist' },
      /* 6 */ { ...base, invoice: 'RJ-006', description: LATITUDE, partnerId: 'RJ999' },
      /* 7 */ { ...base, invoice: 'RJ-007', description: LATITUDE, date: '2016-02-30' },
      /* 8 */ { ...base, invoice: 'RJ-008', description: LATITUDE, date: '2015-12-01' },
      /* 9 */ { ...base, invoice: 'RJ-009', description: LATITUDE, qty: '12,5' },
      /* 10 */ { ...base, invoice: 'RJ-010', description: VOSTRO, qty: 4 },
      /* 11 */ { ...base, invoice: 'RJ-010', description: VOSTRO, qty: 4 },
      /* 12 */ { ...base, invoice: 'RJ-012', description: 'Кабель HDMI 2 м' },
      /* 13 */ { ...base, invoice: 'RJ-013', description: 'Dell PowerEdge M630 blade server' },
      /* 14 */ { ...base, invoice: 'RJ-014', description: 'Dell Venue 8 3840 tablet 16GB' },
      /* 15 */ { ...base, invoice: 'RJ-015', description: 'INSPIRON 5567 NB I7-7500U 16GB 2TB' },
      /* 16 */ { ...base, invoice: 'RJ-016', description: 'x'.repeat(1_000_100) },
      /* 17 */ { ...base, invoice: 'RJ-017', description: MONITOR, qty: 2, serviceTag: 'rjtag-01' },
    ];
    const rows = reportRows(lines);
    rows[2] = ['2016-02-10', 'RJ-003', 'RJ101']; // too few fields
    const unclosed = '2016-02-11,RJ-018,RJ101,,"Dell Latitude 5480 with a quote never closed,1,,,rj-dist\n';
    // Line 18 was saved in Windows-1251 while the rest of the file is UTF-8.
    const cp1251 = encodeCp1251('2016-02-11,RJ-019,RJ101,,Ноутбук Dell Latitude 5480,1,,,rj-dist\n');
    const text = Buffer.concat([Buffer.from(writeCsv(rows, ',', '\n') + '\n', 'utf8'), cp1251, Buffer.from(unclosed)]);
    const key = await env.upload('rj-dist', 'every-reason.csv', text);

    const report = await env.report(key);
    expect(report.status).toBe('processed');
    // The file's own checks reject; what depends on reference data is held by the quarter computation.
    expect(report.counts).toMatchObject({ read: 18, extracted: 8, rejected: 10 });
    expect(report.counts!.read).toBe(report.counts!.extracted + report.counts!.rejected);
    expect(report.counts!.byReason).toEqual(
      Object.fromEntries(FILE_REJECT_REASONS.map((code) => [code, code === 'malformed-row' ? 2 : 1])),
    );

    const rejects = await env.rejects(key);
    const byLine = new Map(rejects.map((r) => [r.line, r]));
    const expected: [line: number, code: keyof typeof REJECT_REASONS, mentions: RegExp][] = [
      [3, 'malformed-row', /3 fields but the header has 9/],
      [4, 'missing-field', /partner_id/],
      [5, 'distributor-mismatch', /"other-dist".*"rj-dist"/],
      [7, 'bad-date', /2016-02-30/],
      [8, 'date-outside-quarter', /2015-12-01/],
      [9, 'bad-quantity', /12,5/],
      [11, 'duplicate-line', /earlier line/],
      [16, 'record-too-long', /longer than 1,000,000 characters/],
      [18, 'bad-encoding', /Windows-1251/],
      [19, 'malformed-row', /quote/],
    ];
    expect(rejects.map((r) => r.line)).toEqual(expected.map(([line]) => line));
    for (const [line, code, mentions] of expected) {
      const r = byLine.get(line)!;
      expect(r.code, `line ${line}`).toBe(code);
      expect(r.message, `line ${line}`).toMatch(mentions);
      // Plain words for a person: no stack trace or error class name.
      expect(r.message.length, `line ${line}`).toBeGreaterThan(20);
      expect(r.message, `line ${line}`).not.toMatch(/Error\b|\n\s+at /);
      // The rejects file echoes the line as the distributor wrote it (a record too long is not kept).
      if (code === 'record-too-long') expect(r.fields).toEqual([]);
      else if (line <= 17) expect(r.fields, `line ${line}`).toEqual(rows[line - 1]);
    }
    expect(byLine.get(18)!.fields.slice(0, 5)).toEqual(['2016-02-11', 'RJ-019', 'RJ101', '', '\uFFFD'.repeat(7) + ' Dell Latitude 5480']);
    expect(byLine.get(19)!.fields.slice(0, 3)).toEqual(['2016-02-11', 'RJ-018', 'RJ101']);

    // The distributor still sees, on its own report, every line that does not count and why.
    const held = await env.held(key);
    const heldExpected: [line: number, reason: string, mentions: RegExp][] = [
      [6, 'unknown-partner', /RJ999/],
      [12, 'unclassified-product', /HDMI/],
      [13, 'unrated-product', /blade/i],
      [14, 'not-eligible-product', /Venue/],
      [15, 'distributor-not-authorized', /consumer/],
      [17, 'duplicate-claim', /RJTAG01.*line 2 of this report/],
    ];
    expect(held.map((h) => [h.line, h.reason])).toEqual(heldExpected.map(([line, reason]) => [line, reason]));
    for (const [i, [line, , mentions]] of heldExpected.entries()) {
      expect(held[i]!.message, `line ${line}`).toMatch(mentions);
      expect(held[i]!.message, `line ${line}`).not.toMatch(/Error\b|\n\s+at /);
    }
    // Per quarter: extracted = counted + held, by reason.
    const computed = (await latestComputation(env.rt.deps, Q1))!.body;
    const mine = computed.reports.find((r) => r.reportId === report.reportId)!;
    expect(mine).toMatchObject({ extracted: 8, counted: 2, held: 6 });
    expect(computed.counts.extracted).toBe(computed.counts.counted + computed.counts.held);

    // Only lines 2 and 10 count: the duplicate line and the second claim of a service tag do not.
    const payouts = await env.payouts(Q1, 'RJ101');
    const units = Object.fromEntries(
      payouts!.lines.map((l) => [`${l.distributorId}/${l.program}/${l.rateRow}`, l.units]),
    );
    expect(units).toEqual({
      'rj-dist/client/premium': 3,
      'rj-dist/client/vostro-3xxx': 4,
    });
    expect(env.rt.deadLetters()).toEqual([]);
  });

  it('starts the rejects file with the report header after line, reason_code and message', async () => {
    await env.importReference({ distributors: ['rh-dist'], partners: ['RH101'] });
    const key = await env.upload(
      'rh-dist',
      'header.csv',
      renderReport(
        [{ date: '2016-02-30', invoice: 'RH-1', partnerId: 'RH101', description: LATITUDE, qty: 1 }],
        {
          headers: 'ru',
          delimiter: ';',
        },
      ),
    );
    const text = await env.rt.deps.objects.getText((await env.report(key)).rejectsKey!);
    expect(text.split('\n')[0]).toBe(
      'line,reason_code,message,Дата счета,Номер счета,Код партнера,Артикул,Наименование,Количество,Серийный номер,Наименование партнера',
    );
    expect((await env.rejects(key)).map((r) => [r.line, r.code])).toEqual([[2, 'bad-date']]);
  });
});

describe('file formats', () => {
  it('gives the same payouts for the same lines in every encoding, delimiter, date style, header language and compression', async () => {
    const variants: {
      name: string;
      layout: ReportLayout;
      format: { encoding: string; delimiter: string; compressed: boolean };
    }[] = [
      {
        name: 'utf8-comma-en.csv',
        layout: {},
        format: { encoding: 'utf-8', delimiter: ',', compressed: false },
      },
      {
        name: 'bom-semicolon-ru.csv',
        layout: { encoding: 'utf-8-bom', delimiter: ';', headers: 'ru', dates: 'ru', newline: '\r\n' },
        format: { encoding: 'utf-8-bom', delimiter: ';', compressed: false },
      },
      {
        name: 'cp1251-semicolon-ru.csv',
        layout: { encoding: 'windows-1251', delimiter: ';', headers: 'ru', dates: 'ru', newline: '\r\n' },
        format: { encoding: 'windows-1251', delimiter: ';', compressed: false },
      },
      {
        name: 'cp1251-tab-en.csv',
        layout: { encoding: 'windows-1251', delimiter: '\t', dates: 'ru' },
        format: { encoding: 'windows-1251', delimiter: '\t', compressed: false },
      },
      {
        name: 'utf8-tab-ru.csv.gz',
        layout: { delimiter: '\t', headers: 'ru', gzip: true },
        format: { encoding: 'utf-8', delimiter: '\t', compressed: true },
      },
      {
        name: 'bom-comma-en.csv.gz',
        layout: { encoding: 'utf-8-bom', dates: 'ru', gzip: true },
        format: { encoding: 'utf-8-bom', delimiter: ',', compressed: true },
      },
    ];
    const partnerOf = (i: number) => `FM10${i}`;
    await env.importReference({
      distributors: ['fm-dist'],
      partners: variants.map((_, i) => partnerOf(i)),
      acceptances: variants.map((_, i) => ({ partnerId: partnerOf(i), program: 'client' })),
    });
    const linesFor = (partnerId: string): SaleLine[] => {
      const common = { partnerId, partnerName: 'ООО «Тест-Партнёр»' };
      return [
        {
          ...common,
          date: '2016-02-15',
          invoice: 'F-1',
          description: 'Ноутбук Dell Latitude 5480 14" i5/8GB/256GB SSD',
          qty: 30,
        },
        {
          ...common,
          date: '2016-03-01',
          invoice: 'F-2',
          description: 'Ноутбук Dell Vostro 3568 15.6"',
          qty: 27,
        },
        {
          ...common,
          date: '2016-03-10',
          invoice: 'F-3',
          description: 'Ноутбук Dell Vostro 3568 15.6"',
          qty: -2,
        },
        {
          ...common,
          date: '2016-04-29',
          invoice: 'F-4',
          description: 'Ноутбук Dell Latitude 5480 14" i5/8GB/256GB SSD',
          qty: 1,
        },
      ];
    };
    const keys = await env.uploadAll(
      variants.map((v, i) => ({
        distributorId: 'fm-dist',
        name: v.name,
        content: renderReport(linesFor(partnerOf(i)), v.layout),
      })),
    );

    // 56 units reach plan 50 (no plan chosen): premium 1155, vostro-3xxx 154.
    const expectedLines = [
      {
        distributorId: 'fm-dist',
        program: 'client',
        rateRow: 'premium',
        units: 31,
        rate: '1155.00',
        amount: rub([31, 1155]),
      },
      {
        distributorId: 'fm-dist',
        program: 'client',
        rateRow: 'vostro-3xxx',
        units: 25,
        rate: '154.00',
        amount: rub([25, 154]),
      },
    ];
    for (const [i, v] of variants.entries()) {
      const report = await env.report(keys[i]!);
      expect(report.status, v.name).toBe('processed');
      expect(report.format, v.name).toEqual(v.format);
      expect(report.counts, v.name).toMatchObject({ read: 4, extracted: 4, rejected: 0 });
      const p = (await env.payouts(Q1, partnerOf(i)))!;
      expect(
        p.lines.map((l) => ({ ...l, rate: l.rate.toFixed(2), amount: l.amount.toFixed(2) })),
        v.name,
      ).toMatchObject(expectedLines);
      expect(p.total.toFixed(2), v.name).toBe(rub([31, 1155], [25, 154]));
    }
    expect(env.rt.deadLetters()).toEqual([]);
  });

  it('records Windows-1251 for a file whose first Cyrillic letter comes after a long ASCII start', async () => {
    await env.importReference({
      distributors: ['fl-dist'],
      partners: ['FL101'],
      acceptances: [{ partnerId: 'FL101', program: 'client' }],
    });
    // Over one 64 KiB sniffing block of plain ASCII before the first Cyrillic partner name.
    const lines: SaleLine[] = Array.from({ length: 1200 }, (_, i) => ({
      date: '2016-02-15',
      invoice: `FL-${i}`,
      partnerId: 'FL101',
      description: VOSTRO,
      qty: 1,
      partnerName: i < 1199 ? 'Partner FL' : 'ООО Ферма',
    }));
    const key = await env.upload(
      'fl-dist',
      'late-cyrillic.csv',
      renderReport(lines, { encoding: 'windows-1251', delimiter: ';' }),
    );
    const report = await env.report(key);
    expect(report.bytes).toBeGreaterThan(64 * 1024);
    expect(report.format).toEqual({ encoding: 'windows-1251', delimiter: ';', compressed: false });
    expect(report.counts).toMatchObject({ read: 1200, extracted: 1200 });
    expect((await env.payouts(Q1, 'FL101'))!.total.toFixed(2)).toBe(rub([1200, 231]));
  });
});

describe('files that cannot be read', () => {
  it('fails a file whose header lacks required columns, naming what is missing and what was found', async () => {
    await env.importReference({ distributors: ['bh-dist'], partners: ['BH101'] });
    const key = await env.upload(
      'bh-dist',
      'broken-header.csv',
      'Date,Invoice,Customer,Item,Amount\n2016-02-10,BH-1,BH101,Dell Latitude 5480 notebook,60\n',
    );
    const report = await env.report(key);
    expect(report.status).toBe('failed');
    expect(report.activeVersion).toBeNull();
    expect(report.counts).toBeUndefined();
    expect(report.error?.code).toBe('header-missing-fields');
    expect(report.error?.message).toMatch(/no column for: partner_id, description, quantity/);
    expect(report.error?.message).toMatch(/Columns found: "Date", "Invoice", "Customer", "Item", "Amount"/);
    expect(report.extractKey).toBeUndefined();
    expect(await env.extractKeys(key)).toEqual([]);
    expect((await env.payouts(Q1, 'BH101'))?.lines ?? []).toEqual([]);
    const rejects = await env.rejects(key);
    expect(rejects).toEqual([
      { line: 0, code: 'header-missing-fields', message: report.error!.message, fields: [] },
    ]);
  });

  it('fails binary, spreadsheet and empty files once each, with a clear status and no retries', async () => {
    await env.importReference({ distributors: ['bf-dist'] });
    const png = Buffer.concat([
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d]),
      Buffer.alloc(2000, 7),
    ]);
    const xlsx = Buffer.concat([Buffer.from('PK\x03\x04', 'latin1'), Buffer.alloc(500, 0x41)]);
    const cases = [
      { distributorId: 'bf-dist', name: 'photo.csv', content: png, code: 'not-text', says: /not text/ },
      {
        distributorId: 'bf-dist',
        name: 'book.csv',
        content: xlsx,
        code: 'not-text',
        says: /Excel workbook.*Save the sheet as CSV/,
      },
      { distributorId: 'bf-dist', name: 'empty.csv', content: '', code: 'empty-file', says: /empty/ },
      {
        distributorId: 'bf-dist',
        name: 'blank.csv.gz',
        content: gzipSync(' ;; \r\n\r\n'),
        code: 'empty-file',
        says: /empty/,
      },
    ];
    const errorsBefore = errors.length;
    const keys = await env.uploadAll(cases);

    for (const [i, c] of cases.entries()) {
      const report = await env.report(keys[i]!);
      expect(report.status, c.name).toBe('failed');
      expect(report.error?.code, c.name).toBe(c.code);
      expect(report.error?.message, c.name).toMatch(c.says);
      expect((await env.rejects(keys[i]!))[0]?.code, c.name).toBe(c.code);
      // Read once: a file that cannot be read is not a transient failure, so it is never retried.
      const reads = faults.count('s3', 'GetObjectCommand', (input) => input.Key === keys[i]);
      expect(reads, c.name).toBe(1);
    }
    expect(errors.slice(errorsBefore)).toEqual([]);
    expect(env.rt.deadLetters()).toEqual([]);
  });
});
