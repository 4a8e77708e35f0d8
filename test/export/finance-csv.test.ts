import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import type { PayoutLine } from '../../shared/domain/types.js';
import { ExportValueError } from '../../shared/errors.js';
import { csvText } from '../../shared/export/csv-cell.js';
import {
  financeExportCsv,
  financeExportCsvBytes,
  financeExportFileName,
  financeExportRows,
  financeExportTotals,
} from '../../shared/export/finance-csv.js';

function line(p: Partial<PayoutLine> & Pick<PayoutLine, 'partnerId' | 'distributorId'>): PayoutLine {
  const units = p.units ?? 1;
  const paidUnits = p.paidUnits ?? Math.max(0, units);
  const rate = p.rate ?? new Decimal('10');
  return {
    quarter: '2016-Q1',
    program: 'client',
    rateRow: 'premium',
    units,
    paidUnits,
    rate,
    amount: p.amount ?? rate.times(paidUnits),
    explanation: {
      code: 'stored-text',
      params: { text: 'test' },
      reason: null,
      plan: 50,
      planBasis: 'chosen',
      programUnits: units,
      missingUnits: null,
      missingCourses: null,
      lateCourses: null,
    },
    warnings: [],
    ...p,
  };
}

const HEADER =
  'quarter,partner_id,partner_name,distributor_id,program,rate_row,units,rate_rub,amount_rub,' +
  'paid_units,reason,payment_date,payment_reference,causes\n';

describe('financeExportCsv', () => {
  it('writes tens of thousands of rows in order, each as its row object says, names neutralised on every row', () => {
    // More rows than one piece of the writer, a partner's name (a formula) on many rows.
    const lines = Array.from({ length: 9000 }, (_, i) =>
      line({
        partnerId: `P${String(i % 700).padStart(4, '0')}`,
        distributorId: `D${i % 3}`,
        rateRow: `r${String(i).padStart(5, '0')}`,
        units: (i % 7) + 1,
      }),
    );
    const names = (id: string) => (id === 'P0001' ? '=HYPERLINK("x")' : `Partner ${id}`);
    const csv = financeExportCsv('2016-Q1', lines, names);
    const rows = financeExportRows('2016-Q1', lines, names);
    const parsed = Papa.parse<string[]>(csv, { skipEmptyLines: true }).data;
    expect(parsed).toHaveLength(9001);
    expect(parsed.slice(1).map((r) => [r[1], r[3], r[5], r[6], r[8]])).toEqual(
      rows.map((r) => [r.partnerId, r.distributorId, r.rateRow, String(r.units), r.amount]),
    );
    const formula = parsed.filter((r) => r[1] === 'P0001');
    expect(formula.length).toBeGreaterThan(10);
    for (const r of formula) expect(r[2]).toBe(`'=HYPERLINK("x")`);
    expect(csv.endsWith('\n')).toBe(true);
    expect(csv.split('\n')).toHaveLength(9002);
  });

  it('writes the exact bytes: header, code-unit ordering with ties, 2 decimals, Cyrillic names', () => {
    const names: Record<string, string> = { P2: 'ООО «Ромашка»', P1: 'ИП Иванов', p0: 'Acme' };
    const lines = [
      line({
        partnerId: 'P2',
        distributorId: 'D1',
        program: 'monitors',
        rateRow: 'uhd',
        units: 3,
        rate: new Decimal('77.5'),
      }),
      line({ partnerId: 'P1', distributorId: 'D2', program: 'client', rateRow: 'standard', units: 2 }),
      line({
        partnerId: 'P1',
        distributorId: 'D1',
        program: 'enterprise',
        rateRow: 'servers',
        units: 1,
        rate: new Decimal('1155'),
      }),
      line({ partnerId: 'P1', distributorId: 'D1', program: 'client', rateRow: 'standard', units: 4 }),
      line({
        partnerId: 'P1',
        distributorId: 'D1',
        program: 'client',
        rateRow: 'premium',
        units: 5,
        rate: new Decimal('0.1'),
      }),
      // Lower-case sorts after upper-case in code-unit order (a locale sort would put it first).
      line({ partnerId: 'p0', distributorId: 'D1', units: 1 }),
    ];
    const csv = financeExportCsv('2016-Q1', lines, (id) => names[id] ?? '');
    expect(csv).toBe(
      HEADER +
        '2016-Q1,P1,ИП Иванов,D1,client,premium,5,0.10,0.50,5,,,,\n' +
        '2016-Q1,P1,ИП Иванов,D1,client,standard,4,10.00,40.00,4,,,,\n' +
        '2016-Q1,P1,ИП Иванов,D1,enterprise,servers,1,1155.00,1155.00,1,,,,\n' +
        '2016-Q1,P1,ИП Иванов,D2,client,standard,2,10.00,20.00,2,,,,\n' +
        '2016-Q1,P2,ООО «Ромашка»,D1,monitors,uhd,3,77.50,232.50,3,,,,\n' +
        '2016-Q1,p0,Acme,D1,client,premium,1,10.00,10.00,1,,,,\n',
    );
    // UTF-8 without BOM.
    expect(Buffer.from(csv, 'utf8').subarray(0, 3).toString('hex')).not.toBe('efbbbf');
  });

  it('does not depend on the input order', () => {
    const lines = [
      line({ partnerId: 'B', distributorId: 'X' }),
      line({ partnerId: 'A', distributorId: 'Y' }),
      line({ partnerId: 'A', distributorId: 'X', rateRow: 'b' }),
      line({ partnerId: 'A', distributorId: 'X', rateRow: 'a' }),
    ];
    const a = financeExportCsv('2016-Q1', lines, () => '');
    const b = financeExportCsv('2016-Q1', [...lines].reverse(), () => '');
    expect(a).toBe(b);
    expect(
      a
        .split('\n')
        .slice(1, 5)
        .map((r) => r.split(',').slice(1, 6).join('|')),
    ).toEqual(['A||X|client|a', 'A||X|client|b', 'A||Y|client|premium', 'B||X|client|premium']);
  });

  it('quotes commas, quotes and newlines per RFC 4180 so a CSV reader gets the name back', () => {
    const name = 'Рога, "Копыта"\nи партнёры';
    const csv = financeExportCsv('2016-Q1', [line({ partnerId: 'P1', distributorId: 'D1' })], () => name);
    expect(csv).toBe(HEADER + '2016-Q1,P1,"Рога, ""Копыта""\nи партнёры",D1,client,premium,1,10.00,10.00,1,,,,\n');
    const parsed = Papa.parse<string[]>(csv.trimEnd(), { header: false });
    expect(parsed.data[1]?.[2]).toBe(name);
  });

  it.each([
    ['=SUM(A1)', `"'=SUM(A1)"`],
    ['+7 999', `"'+7 999"`],
    ['-2', `"'-2"`],
    ['@cmd', `"'@cmd"`],
    ['\tx', `"'\tx"`],
    ['\rx', `"'\rx"`],
    ['\nx', `"'\nx"`],
    // Fullwidth and small forms, and whitespace before a sign: spreadsheets read these as formulas too.
    ['＝SUM(A1)', `"'＝SUM(A1)"`],
    ['＋7', `"'＋7"`],
    ['－2', `"'－2"`],
    ['＠cmd', `"'＠cmd"`],
    ['﹦1+1', `"'﹦1+1"`],
    [' =1+1', `"' =1+1"`],
    ['\u00a0=1+1', `"'\u00a0=1+1"`],
    ['\u3000 @cmd', `"'\u3000 @cmd"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('neutralises the formula-looking partner name %j', (name, cell) => {
    const csv = financeExportCsv('2016-Q1', [line({ partnerId: 'P1', distributorId: 'D1' })], () => name);
    expect(csv.slice(HEADER.length)).toBe(`2016-Q1,P1,${cell},D1,client,premium,1,10.00,10.00,1,,,,\n`);
  });

  it('neutralises formula-looking IDs too, but keeps a negative unit count numeric', () => {
    const csv = financeExportCsv(
      '2016-Q1',
      [line({ partnerId: '=1+1', distributorId: '-D', units: -3, paidUnits: 0, amount: new Decimal(0) })],
      () => 'Name',
    );
    expect(csv.slice(HEADER.length)).toBe(`2016-Q1,"'=1+1",Name,"'-D",client,premium,-3,10.00,0.00,0,,,,\n`);
  });

  it('writes only the header when there are no lines', () => {
    expect(financeExportCsv('2016-Q1', [], () => '')).toBe(HEADER);
  });

  it('refuses amounts it would have to round or that are negative, and fractional units', () => {
    const write = (p: Partial<PayoutLine>) =>
      financeExportCsv('2016-Q1', [line({ partnerId: 'P1', distributorId: 'D1', ...p })], () => '');
    expect(() => write({ amount: new Decimal('1.005') })).toThrow(ExportValueError);
    expect(() => write({ amount: new Decimal('-1') })).toThrow(ExportValueError);
    expect(() => write({ rate: new Decimal('0.125') })).toThrow(ExportValueError);
    expect(() => write({ units: 1.5 })).toThrow(ExportValueError);
    expect(write({ amount: new Decimal('1.50') })).toContain(',1.50,1,,,,\n');
  });

  it('writes partner and distributor IDs as written in the reference data, sorted as shown', () => {
    const names: Record<string, string> = { RU100101: 'ООО «Альфа»', RU100102: 'ООО «Бета»' };
    const lines = [
      line({
        partnerId: 'RU100101',
        distributorId: 'd-merl',
        partnerDisplayId: 'ru100101',
        distributorDisplayId: 'D-MERL',
      }),
      line({
        partnerId: 'RU100101',
        distributorId: 'alfa',
        partnerDisplayId: 'ru100101',
        distributorDisplayId: 'alfa',
      }),
      // Stored before the as-written IDs were kept: shown by key.
      line({ partnerId: 'RU100102', distributorId: 'd-merl' }),
    ];
    // Names are looked up by key, whatever the ID looks like in the row.
    expect(financeExportCsv('2016-Q1', lines, (id) => names[id] ?? '')).toBe(
      HEADER +
        '2016-Q1,RU100102,ООО «Бета»,d-merl,client,premium,1,10.00,10.00,1,,,,\n' +
        '2016-Q1,ru100101,ООО «Альфа»,D-MERL,client,premium,1,10.00,10.00,1,,,,\n' +
        '2016-Q1,ru100101,ООО «Альфа»,alfa,client,premium,1,10.00,10.00,1,,,,\n',
    );
    // Totals add a distributor up by key and name it as written.
    expect(financeExportTotals(lines).byDistributor.map((t) => [t.key, t.units])).toEqual([
      ['D-MERL', 2],
      ['alfa', 1],
    ]);
  });

  it('names the file after the quarter', () => {
    expect(financeExportFileName('2016-Q1')).toBe('payouts-2016-Q1.csv');
  });
});

describe('financeExportCsvBytes', () => {
  // The rows each as their row object says, cells as csvText makes them, in UTF-8.
  const expected = (lines: PayoutLine[], names: (id: string) => string) =>
    Buffer.from(
      HEADER +
        financeExportRows('2016-Q1', lines, names)
          .map(
            (r) =>
              `${[r.quarter, r.partnerId, r.partnerName, r.distributorId, r.program, r.rateRow].map(csvText).join(',')},` +
              `${r.units},${r.rate},${r.amount},${r.paidUnits},${csvText(r.reason)},,,\n`,
          )
          .join(''),
      'utf8',
    );

  it('is the CSV in UTF-8, rows far longer than the room first made for them (Cyrillic, four-byte emoji, quotes)', () => {
    // 300-character names, two to four bytes a character: the buffer grows several times.
    const names = (id: string) =>
      `${id.endsWith('1') ? '=' : ''}ООО "${'Ромашка 🌼 '.repeat(30)}" ${id}`.slice(0, 300);
    const lines = Array.from({ length: 600 }, (_, i) =>
      line({ partnerId: `P${String(i % 250).padStart(3, '0')}`, distributorId: `D${i % 4}`, rateRow: `r${i}` }),
    );
    const bytes = financeExportCsvBytes('2016-Q1', lines, names);
    expect(bytes.length).toBeGreaterThan(600 * 128 * 3);
    expect(bytes.equals(expected(lines, names))).toBe(true);
  });

  it('writes the cells of each partner again on its every row, and those of a new partner', () => {
    const names: Record<string, string> = { A: 'Альфа', B: 'Beta, Inc.', C: '' };
    const name = (id: string) => names[id] ?? '';
    const lines = ['A', 'B', 'C', 'A', 'C', 'B', 'A'].map((partnerId, i) =>
      line({ partnerId, distributorId: `D${i}`, units: i + 1 }),
    );
    const bytes = financeExportCsvBytes('2016-Q1', lines, name);
    expect(bytes.equals(expected(lines, name))).toBe(true);
    expect(bytes.toString('utf8').split('\n').slice(1, 4)).toEqual([
      '2016-Q1,A,Альфа,D0,client,premium,1,10.00,10.00,1,,,,',
      '2016-Q1,A,Альфа,D3,client,premium,4,10.00,40.00,4,,,,',
      '2016-Q1,A,Альфа,D6,client,premium,7,10.00,70.00,7,,,,',
    ]);
  });
});

describe('financeExportTotals', () => {
  it('sums by program and by distributor exactly in decimal', () => {
    const lines = [
      line({ partnerId: 'P1', distributorId: 'D2', program: 'client', units: 1, rate: new Decimal('0.10') }),
      line({ partnerId: 'P2', distributorId: 'D1', program: 'client', units: 1, rate: new Decimal('0.10') }),
      line({ partnerId: 'P3', distributorId: 'D1', program: 'client', units: 1, rate: new Decimal('0.10') }),
      line({
        partnerId: 'P1',
        distributorId: 'D1',
        program: 'enterprise',
        units: 2,
        rate: new Decimal('1155'),
      }),
      line({
        partnerId: 'P4',
        distributorId: 'D1',
        program: 'enterprise',
        units: -3,
        paidUnits: 0,
        amount: new Decimal(0),
      }),
    ];
    expect(0.1 + 0.1 + 0.1).not.toBe(0.3); // the float trap the decimals avoid
    const t = financeExportTotals(lines);
    expect(t.byProgram.map((x) => [x.key, x.units, x.amount.toFixed(2)])).toEqual([
      ['client', 3, '0.30'],
      ['enterprise', -1, '2310.00'],
    ]);
    expect(t.byProgram[0]?.amount.equals(new Decimal('0.3'))).toBe(true);
    expect(t.byDistributor.map((x) => [x.key, x.units, x.amount.toString()])).toEqual([
      ['D1', 1, '2310.2'],
      ['D2', 1, '0.1'],
    ]);
    expect(t.total.toString()).toBe('2310.3');
  });

  it('is zero for no lines', () => {
    const t = financeExportTotals([]);
    expect(t.total.isZero()).toBe(true);
    expect(t.byProgram).toEqual([]);
    expect(t.byDistributor).toEqual([]);
  });
});

describe('adjustment rows', () => {
  const adjustment = (p: Partial<PayoutLine> & Pick<PayoutLine, 'partnerId'> & { of: string }) => {
    const { of, ...rest } = p;
    return { ...line({ distributorId: 'D1', quarter: '2016-Q2', ...rest }), adjustmentOf: of };
  };

  it('writes them after the regular rows with the corrected quarter and signed figures, exact bytes', () => {
    const names: Record<string, string> = { P1: 'ИП Иванов', P2: '=HYPERLINK("http://x","y")' };
    const lines = [
      adjustment({
        of: '2016-Q1',
        partnerId: 'P1',
        units: 3,
        rate: new Decimal('1155'),
        amount: new Decimal('3465'),
      }),
      adjustment({
        of: '2015-Q4',
        partnerId: 'P2',
        rateRow: 'vostro-3xxx',
        units: -2,
        rate: new Decimal('154'),
        amount: new Decimal('-308'),
      }),
      line({ partnerId: 'P2', distributorId: 'D1', units: 2 }),
      adjustment({
        of: '2016-Q1',
        partnerId: 'P0',
        units: 0,
        rate: new Decimal('1155'),
        amount: new Decimal('-0.5'),
      }),
      line({ partnerId: 'P1', distributorId: 'D1', units: 40, rate: new Decimal('1155') }),
    ];
    const csv = financeExportCsv('2016-Q2', lines, (id) => names[id] ?? '');
    expect(csv).toBe(
      HEADER +
        '2016-Q2,P1,ИП Иванов,D1,client,premium,40,1155.00,46200.00,40,,,,\n' +
        `2016-Q2,P2,"'=HYPERLINK(""http://x"",""y"")",D1,client,premium,2,10.00,20.00,2,,,,\n` +
        `2015-Q4,P2,"'=HYPERLINK(""http://x"",""y"")",D1,client,vostro-3xxx,-2,154.00,-308.00,0,,,,\n` +
        '2016-Q1,P0,,D1,client,premium,0,1155.00,-0.50,0,,,,\n' +
        '2016-Q1,P1,ИП Иванов,D1,client,premium,3,1155.00,3465.00,3,,,,\n',
    );
    // A CSV reader sees the signed amount as a number, not as neutralised text.
    const parsed = Papa.parse<string[]>(csv.trimEnd(), { dynamicTyping: true });
    expect(parsed.data[3]?.[8]).toBe(-308);
  });

  it('still refuses a negative amount on a regular row, and rounding on an adjustment row', () => {
    expect(() =>
      financeExportCsv(
        '2016-Q2',
        [line({ partnerId: 'P1', distributorId: 'D1', amount: new Decimal('-1') })],
        () => '',
      ),
    ).toThrow(ExportValueError);
    expect(() =>
      financeExportCsv(
        '2016-Q2',
        [adjustment({ of: '2016-Q1', partnerId: 'P1', amount: new Decimal('-1.005') })],
        () => '',
      ),
    ).toThrow(ExportValueError);
    expect(() =>
      financeExportCsv(
        '2016-Q2',
        [adjustment({ of: '2016-Q1', partnerId: 'P1', rate: new Decimal('-1') })],
        () => '',
      ),
    ).toThrow(ExportValueError);
  });

  it('keeps the rows apart in financeExportRows and totals the adjustments on their own', () => {
    const lines = [
      line({ partnerId: 'P1', distributorId: 'D1', units: 2, rate: new Decimal('0.10') }),
      adjustment({
        of: '2016-Q1',
        partnerId: 'P1',
        units: -1,
        rate: new Decimal('0.10'),
        amount: new Decimal('-0.10'),
      }),
      adjustment({
        of: '2016-Q1',
        partnerId: 'P2',
        program: 'monitors',
        units: 1,
        rate: new Decimal('0.20'),
        amount: new Decimal('0.20'),
      }),
    ];
    expect(
      financeExportRows('2016-Q2', lines, () => '').map((r) => [r.quarter, r.adjustment, r.amount]),
    ).toEqual([
      ['2016-Q2', false, '0.20'],
      ['2016-Q1', true, '-0.10'],
      ['2016-Q1', true, '0.20'],
    ]);
    const t = financeExportTotals(lines);
    expect(t.adjustments.toString()).toBe('0.1');
    expect(t.total.toString()).toBe('0.3');
    expect(t.byProgram.map((x) => [x.key, x.units, x.amount.toFixed(2)])).toEqual([
      ['client', 1, '0.10'],
      ['monitors', 1, '0.20'],
    ]);
  });
});

describe('columns after the nine', () => {
  const short = (units: number, paidUnits: number, reason: 'plan-not-met' | 'training-missing') =>
    line({
      partnerId: 'P1',
      distributorId: 'D1',
      units,
      paidUnits,
      explanation: { ...line({ partnerId: 'P1', distributorId: 'D1' }).explanation, reason },
    });

  it('tells a line short of its plan from one whose training is missing, and leaves the reason empty on a full line', () => {
    const lines = [
      { ...short(7, 0, 'plan-not-met'), rateRow: 'a' },
      { ...short(5, 2, 'training-missing'), rateRow: 'b' },
      { ...short(4, 4, 'plan-not-met'), rateRow: 'c' },
    ];
    const rows = Papa.parse<Record<string, string>>(financeExportCsv('2016-Q1', lines, () => 'N').trimEnd(), {
      header: true,
    }).data;
    expect(rows.map((r) => [r.rate_row, r.units, r.paid_units, r.reason])).toEqual([
      ['a', '7', '0', 'plan-not-met'],
      ['b', '5', '2', 'training-missing'],
      ['c', '4', '4', ''],
    ]);
  });

  it('keeps the nine columns first, in their order, and drops the rest in the canonical form', () => {
    const csv = financeExportCsv('2016-Q1', [line({ partnerId: 'P1', distributorId: 'D1' })], () => '');
    const header = csv.split('\n')[0]!.split(',');
    expect(header.slice(0, 9)).toEqual(HEADER.split('\n')[0]!.split(',').slice(0, 9));
    expect(header.slice(9)).toEqual(['paid_units', 'reason', 'payment_date', 'payment_reference', 'causes']);
    const canonical = financeExportCsv('2016-Q1', [line({ partnerId: 'P1', distributorId: 'D1' })], () => '', {
      canonical: true,
    });
    expect(canonical.split('\n').map((r) => r.split(',').slice(0, 9).join(','))).toEqual(
      csv.split('\n').map((r) => r.split(',').slice(0, 9).join(',')),
    );
    expect(canonical.split('\n')[1]!.split(',')).toHaveLength(9);
  });

  it('marks the lines of a partner and distributor that finance paid, with every payment', () => {
    const pay = (distributorId: string, date: string, reference: string) => ({
      paymentId: `${distributorId}-${reference}`,
      quarter: '2016-Q1',
      partnerId: 'P1',
      distributorId,
      date,
      reference,
      amount: '10.00',
      recordedBy: 'finance fin-1',
      recordedAt: '2016-04-10T09:00:00.000Z',
    });
    const lines = [line({ partnerId: 'P1', distributorId: 'D1' }), line({ partnerId: 'P1', distributorId: 'D2' })];
    const csv = financeExportCsv('2016-Q1', lines, () => 'N', {
      payments: [pay('D1', '2016-04-10', 'PP-1'), pay('D1', '2016-04-12', '=PP-2')],
    });
    expect(csv.trimEnd().split('\n').slice(1)).toEqual([
      '2016-Q1,P1,N,D1,client,premium,1,10.00,10.00,1,,2016-04-10;2016-04-12,PP-1;=PP-2,',
      '2016-Q1,P1,N,D2,client,premium,1,10.00,10.00,1,,,,',
    ]);
  });
});
