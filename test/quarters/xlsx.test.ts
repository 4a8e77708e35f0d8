/**
 * The XLSX finance export, read back by an independent reader (exceljs) and, for what exceljs
 * does not surface (styles, the absence of formulas), by looking at the raw XML parts.
 */
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { financeExportRows, financeExportTotals, type ExportLine } from '../../shared/export/finance-csv.js';
import {
  financeExportXlsx,
  writeXlsx,
  XLSX_MAX_CELL_CHARS,
  type FinanceWorkbookInput,
} from '../../shared/export/xlsx.js';
import { aPayoutLine } from './lines.js';
import { unzip } from './unzip.js';

const EVIL = '=HYPERLINK("http://evil.example","click")';
const NAMES: Record<string, string> = { P1: 'ИП Иванов & сыновья <opt>', P2: EVIL };
const SHA = 'a'.repeat(64);

function workbook(lines: ExportLine[], closed?: FinanceWorkbookInput['closed']): Buffer {
  return financeExportXlsx({
    quarter: '2016-Q2',
    rows: financeExportRows('2016-Q2', lines, (id) => NAMES[id] ?? ''),
    totals: financeExportTotals(lines),
    rulesVersion: '2016-Q2.1',
    ...(closed ? { closed } : {}),
  });
}

async function read(xlsx: Buffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  return wb;
}

/** Rows as arrays of cell values, from A1 (exceljs counts from 1). */
const values = (ws: ExcelJS.Worksheet): unknown[][] =>
  ws
    .getSheetValues()
    .slice(1)
    .map((r) => (Array.isArray(r) ? r.slice(1) : []));

const LINES: ExportLine[] = [
  aPayoutLine({
    quarter: '2016-Q2',
    partnerId: 'P2',
    units: 2,
    rate: new Decimal('154'),
    rateRow: 'vostro-3xxx',
  }),
  aPayoutLine({ quarter: '2016-Q2', partnerId: 'P1', units: 40 }),
  aPayoutLine({
    quarter: '2016-Q2',
    partnerId: 'P1',
    distributorId: 'D2',
    program: 'monitors',
    rateRow: '24-25',
    units: 5,
    rate: new Decimal('77.50'),
  }),
  {
    ...aPayoutLine({ quarter: '2016-Q2', partnerId: 'P1', units: 3, amount: new Decimal('3465') }),
    explanation: {
      ...aPayoutLine({ partnerId: 'P1' }).explanation,
      code: 'stored-text',
      params: { text: 'Adjustment to 2016-Q1: units changed from 40 to 43.' },
    },
    adjustmentOf: '2016-Q1',
  },
  {
    ...aPayoutLine({
      quarter: '2016-Q2',
      partnerId: 'P2',
      units: -1,
      paidUnits: -1,
      rate: new Decimal('154'),
      rateRow: 'vostro-3xxx',
    }),
    adjustmentOf: '2016-Q1',
  },
];

describe('financeExportXlsx', () => {
  it('has Payouts, Adjustments and Totals sheets with the CSV columns, numbers as numbers and names as text', async () => {
    const wb = await read(workbook(LINES, { at: '2016-04-05T09:30:00.000Z', by: 'fin-1', sha256: SHA }));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Payouts', 'Adjustments', 'Totals']);

    const payouts = wb.getWorksheet('Payouts')!;
    expect(values(payouts)).toEqual([
      [
        'quarter',
        'partner_id',
        'partner_name',
        'distributor_id',
        'program',
        'rate_row',
        'units',
        'rate_rub',
        'amount_rub',
        'paid_units',
        'reason',
        'payment_date',
        'payment_reference',
      ],
      ['2016-Q2', 'P1', NAMES.P1, 'D1', 'client', 'premium', 40, 1155, 46200, 40],
      ['2016-Q2', 'P1', NAMES.P1, 'D2', 'monitors', '24-25', 5, 77.5, 387.5, 5],
      ['2016-Q2', 'P2', EVIL, 'D1', 'client', 'vostro-3xxx', 2, 154, 308, 2],
    ]);
    const row = payouts.getRow(2);
    for (const col of [7, 8, 9]) expect(row.getCell(col).type).toBe(ExcelJS.ValueType.Number);
    expect(row.getCell(8).numFmt).toBe('#,##0.00');
    expect(row.getCell(9).numFmt).toBe('#,##0.00');
    expect(row.getCell(7).numFmt).toBe('#,##0');
    const evil = payouts.getRow(4).getCell(3);
    expect(evil.type).toBe(ExcelJS.ValueType.String);
    expect(evil.value).toBe(EVIL);
    expect(payouts.getRow(1).getCell(1).font?.bold).toBe(true);

    const adjustments = wb.getWorksheet('Adjustments')!;
    expect(values(adjustments)).toEqual([
      [
        'quarter',
        'partner_id',
        'partner_name',
        'distributor_id',
        'program',
        'rate_row',
        'units',
        'rate_rub',
        'amount_rub',
        'paid_units',
        'reason',
        'payment_date',
        'payment_reference',
        'causes',
        'explanation',
      ],
      [
        '2016-Q1',
        'P1',
        NAMES.P1,
        'D1',
        'client',
        'premium',
        3,
        1155,
        3465,
        3,
        undefined,
        undefined,
        undefined,
        undefined,
        'Adjustment to 2016-Q1: units changed from 40 to 43.',
      ],
            [
        '2016-Q1',
        'P2',
        EVIL,
        'D1',
        'client',
        'vostro-3xxx',
        -1,
        154,
        -154,
        -1,
        undefined,
        undefined,
        undefined,
        undefined,
        '-1 units paid at 154.00 RUB.',
      ],
    ]);
    expect(adjustments.getRow(3).getCell(9).type).toBe(ExcelJS.ValueType.Number);

    const totals = Object.fromEntries(
      values(wb.getWorksheet('Totals')!)
        .filter((r) => r.length > 0)
        .map((r) => [String(r[0]), r.slice(1)]),
    );
    expect(totals['quarter']).toEqual(['2016-Q2']);
    expect(totals['status']).toEqual(['closed']);
    expect(totals['closed at (Moscow time)']).toEqual(['2016-04-05T12:30:00+03:00']);
    expect(totals['closed by']).toEqual(['fin-1']);
    expect(totals['rules version']).toEqual(['2016-Q2.1']);
    expect(totals['snapshot sha256 (of the CSV export)']).toEqual([SHA]);
    expect(totals['client']).toEqual([44, 46200 + 308 + 3465 - 154]);
    expect(totals['monitors']).toEqual([5, 387.5]);
    expect(totals['D1']).toEqual([44, 46200 + 308 + 3465 - 154]);
    expect(totals['D2']).toEqual([5, 387.5]);
    expect(totals['payouts']).toEqual([undefined, 46200 + 387.5 + 308]);
    expect(totals['adjustments']).toEqual([undefined, 3465 - 154]);
    expect(totals['grand total']).toEqual([undefined, 46200 + 387.5 + 308 + 3465 - 154]);
  });

  it('writes no formula anywhere and marks every text cell so that editing it keeps it text', () => {
    const parts = unzip(workbook(LINES));
    const sheets = [...parts.keys()].filter((k) => k.startsWith('xl/worksheets/'));
    expect(sheets).toHaveLength(3);
    for (const s of sheets) expect(parts.get(s)).not.toMatch(/<f[ >]/);
    const payouts = parts.get('xl/worksheets/sheet1.xml')!;
    // The formula-looking name is an inline string cell whose style carries quotePrefix.
    const cell = /<c r="C4" t="inlineStr" s="(\d+)"><is><t xml:space="preserve">([^<]*)<\/t><\/is><\/c>/.exec(
      payouts,
    );
    expect(cell?.[2]).toBe('=HYPERLINK(&quot;http://evil.example&quot;,&quot;click&quot;)');
    const xfs = [...parts.get('xl/styles.xml')!.matchAll(/<xf [^>]*\/>/g)].map((m) => m[0]).slice(1); // after cellStyleXfs
    expect(xfs[Number(cell![1])]).toContain('quotePrefix="1"');
  });

  it('says the figures may change while the quarter is open, and leaves out an empty Adjustments sheet', async () => {
    const wb = await read(workbook(LINES.filter((l) => !l.adjustmentOf)));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Payouts', 'Totals']);
    const rows = values(wb.getWorksheet('Totals')!);
    expect(rows.find((r) => r[0] === 'status')).toEqual(['status', 'open — figures may change']);
    expect(rows.find((r) => r[0] === 'closed at (Moscow time)')).toEqual([
      'closed at (Moscow time)',
      'open — figures may change',
    ]);
    expect(rows.find((r) => r[0] === 'adjustments')).toEqual(['adjustments', undefined, 0]);
  });

  it('is byte-for-byte the same for the same figures', () => {
    expect(workbook(LINES).equals(workbook([...LINES].reverse()))).toBe(true);
    expect(workbook(LINES).equals(workbook(LINES.slice(1)))).toBe(false);
  });

  it('keeps text that XML cannot carry readable: control characters, CR, escape lookalikes, markup', async () => {
    const plain = ['line1\r\nline2', '</t></is><f>1+1</f>', 'emoji 🙂', 'tab\there'];
    const escaped = ['a\u0001b', 'literal _x0041_ stays'];
    const xlsx = writeXlsx([{ name: 'S', rows: [...plain, ...escaped].map((t) => [t]) }]);
    // A raw U+0001 would make the XML malformed and the whole file unreadable.
    const got = (await read(xlsx)).getWorksheet('S')!.getColumn(1).values.slice(1);
    expect(got.slice(0, plain.length)).toEqual(plain);
    // The rest are ECMA-376 ST_Xstring escapes, which Excel decodes (exceljs leaves them as they are).
    const xml = unzip(xlsx).get('xl/worksheets/sheet1.xml')!;
    expect(xml).toContain('>a_x0001_b<');
    expect(xml).toContain('>literal _x005F_x0041_ stays<');
  });

  it("cuts text longer than Excel's 32,767 characters a cell, says so, and keeps what fits whole", async () => {
    const fits = 'я'.repeat(XLSX_MAX_CELL_CHARS);
    const long = `${'Ж'.repeat(40_000)}end`;
    // An emoji (two UTF-16 units) across the cutting point is never split in half.
    const emoji = '🙂'.repeat(20_000);
    const xlsx = writeXlsx([{ name: 'S', rows: [[fits], [long], [emoji]] }]);
    const got = (await read(xlsx)).getWorksheet('S')!.getColumn(1).values.slice(1) as string[];
    expect(got[0]).toBe(fits);
    for (const [cell, original] of [
      [got[1]!, long],
      [got[2]!, emoji],
    ] as const) {
      expect(cell.length).toBeLessThanOrEqual(XLSX_MAX_CELL_CHARS);
      expect(cell).toMatch(new RegExp(`\\[cut: the full text has ${original.length} characters\\]$`));
      const kept = cell.slice(0, cell.indexOf(' … [cut'));
      expect(original.startsWith(kept)).toBe(true);
      expect(kept.length).toBeGreaterThan(XLSX_MAX_CELL_CHARS - 60);
    }
    expect(got[2]).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
  });

  it('refuses a number cell that is not a plain decimal', () => {
    expect(() => writeXlsx([{ name: 'S', rows: [[{ number: '1e3', format: 'money' }]] }])).toThrow(
      /plain decimal/,
    );
  });
});

describe('financeExportXlsx: reading aids, corrections apart, payments', () => {
  it('freezes the header row and puts a filter on every column of the data sheets, not on Totals', async () => {
    const wb = await read(workbook(LINES));
    for (const name of ['Payouts', 'Adjustments']) {
      const ws = wb.getWorksheet(name)!;
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      const columns = ws.getRow(1).cellCount;
      const last = String.fromCharCode(64 + columns);
      expect(ws.autoFilter).toBe(`A1:${last}${ws.rowCount}`);
    }
    expect(wb.getWorksheet('Totals')!.autoFilter).toBeFalsy();
    expect(unzip(workbook(LINES)).get('xl/workbook.xml')).toContain('_xlnm._FilterDatabase');
  });

  it('says when the whole total corrects an earlier quarter, with the corrections by quarter', async () => {
    const corrections = LINES.filter((l) => l.adjustmentOf);
    const rows = values((await read(workbook(corrections))).getWorksheet('Totals')!);
    const byLabel = Object.fromEntries(rows.filter((r) => r.length).map((r) => [String(r[0]), r.slice(1)]));
    const sum = corrections.reduce((t, l) => t.plus(l.amount), new Decimal(0)).toNumber();
    expect(byLabel['payouts']).toEqual([undefined, 0]);
    expect(byLabel['corrections of 2016-Q1']).toEqual([corrections.reduce((n, l) => n + l.units, 0), sum]);
    expect(byLabel['adjustments']).toEqual([undefined, sum]);
    expect(rows.map((r) => String(r[0]))).toContain(
      'All of this total corrects earlier quarters (2016-Q1); none of it is a payout of 2016-Q2 itself.',
    );
    // With payouts of its own, no such sentence.
    const mixed = values((await read(workbook(LINES))).getWorksheet('Totals')!);
    expect(mixed.some((r) => String(r[0]).startsWith('All of this total'))).toBe(false);
  });

  it('adds a Payments sheet: due, paid and outstanding per partner and distributor', async () => {
    const payment = {
      paymentId: 'p1',
      quarter: '2016-Q2',
      partnerId: 'P1',
      distributorId: 'D1',
      date: '2016-07-10',
      reference: 'PP-77',
      amount: '40000.00',
      recordedBy: 'finance fin-1',
      recordedAt: '2016-07-10T08:00:00.000Z',
      partnerShown: 'P1',
      distributorShown: 'D1',
    };
    const wb = await read(
      financeExportXlsx({
        quarter: '2016-Q2',
        rows: financeExportRows('2016-Q2', LINES, (id) => NAMES[id] ?? '', [payment]),
        totals: financeExportTotals(LINES),
        rulesVersion: '2016-Q2.1',
        payments: [payment],
      }),
    );
    const rows = values(wb.getWorksheet('Payments')!);
    expect(rows[0]).toEqual([
      'quarter',
      'partner_id',
      'distributor_id',
      'due_rub',
      'paid_rub',
      'outstanding_rub',
      'payment_date',
      'payment_reference',
    ]);
    const dueP1D1 = LINES.filter((l) => l.partnerId === 'P1' && l.distributorId === 'D1').reduce(
      (t, l) => t.plus(l.amount),
      new Decimal(0),
    );
    expect(rows.find((r) => r[1] === 'P1' && r[2] === 'D1')).toEqual([
      '2016-Q2',
      'P1',
      'D1',
      dueP1D1.toNumber(),
      40000,
      dueP1D1.minus(40000).toNumber(),
      '2016-07-10',
      'PP-77',
    ]);
    const payouts = values(wb.getWorksheet('Payouts')!);
    expect(payouts.find((r) => r[1] === 'P1' && r[3] === 'D1')?.slice(11)).toEqual(['2016-07-10', 'PP-77']);
  });
});
