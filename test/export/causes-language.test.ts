/**
 * The causes of an adjustment in the finance export (issue #14, points 2 and 6): the CSV's last
 * column and the XLSX Adjustments sheet say each cause in the very sentence the API gives it
 * (`causes[].text`, functions/api/cause-text.ts), in the reader's language, with the names of the
 * people who uploaded or changed something as recorded — never translated.
 */
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { causeJson } from '../../functions/api/cause-text.js';
import type { EffectiveLine } from '../../shared/domain/adjustments.js';
import type { RecordedCause } from '../../shared/domain/causes.js';
import type { Lang } from '../../shared/domain/render/index.js';
import type { ChangeCause } from '../../shared/domain/types.js';
import {
  FINANCE_EXPORT_HEADER,
  financeExportCsv,
  financeExportRows,
  financeExportTotals,
} from '../../shared/export/finance-csv.js';
import { financeExportXlsx } from '../../shared/export/xlsx.js';
import { aPayoutLine } from '../quarters/lines.js';

const [Q1, Q2] = ['2016-Q1', '2016-Q2'];
const UPLOADER = 'AWS:AROAEXAMPLE:kvant-sync';
const AUTHOR = 'manager mgr-1';
const APPROVER = 'program prog-1, approved by finance fin-1';

const REPORT: RecordedCause = {
  kind: 'report',
  reportId: 'rpt_1',
  key: 'incoming/kvant/kvant-sellout-2016Q1.csv',
  name: 'kvant-sellout-2016Q1.csv',
  distributorId: 'kvant',
  from: 'v1aaaaaaaaaaaaaaaa',
  to: 'v2bbbbbbbbbbbbbbbb',
  uploadedBy: UPLOADER,
  uploadedVia: 's3',
  sourceIp: '203.0.113.7',
};
const acceptance = (by: string): RecordedCause => ({
  kind: 'reference',
  what: '1 acceptance (P1)',
  by,
  at: '2016-04-10T10:00:00.000Z',
  rows: [
    {
      kind: 'acceptance',
      partnerId: 'P1',
      key: 'P1/client',
      before: [],
      after: {},
      change: 'acceptance of P1 for client',
    },
  ],
});

/** A correction of Q1 booked in Q2, explained as the pipeline explains it (shared/domain/adjustments.ts). */
function adjustment(
  partnerId: string,
  causes: RecordedCause[],
  because: ChangeCause[] = causes,
): EffectiveLine {
  const line = aPayoutLine({ quarter: Q2, partnerId, units: 3 });
  return {
    ...line,
    explanation: {
      ...line.explanation,
      code: 'adjustment',
      params: {
        of: Q1,
        before: { units: 40, amount: '46200.00' },
        after: { units: 43, amount: '49665.00' },
        causes: because,
      },
    },
    adjustmentOf: Q1,
    causes,
  };
}

const LINES: EffectiveLine[] = [
  aPayoutLine({ quarter: Q2, partnerId: 'P1', units: 10 }),
  aPayoutLine({ quarter: Q2, partnerId: 'P2', units: 5, rate: new Decimal('154'), rateRow: 'vostro-3xxx' }),
  adjustment('P1', [REPORT, acceptance(AUTHOR)]),
  adjustment('P2', [acceptance(APPROVER)]),
];
const NAMES: Record<string, string> = { P1: 'ИП Иванов', P2: 'ООО «Ромашка», филиал' };
const name = (id: string) => NAMES[id] ?? '';

/** What the API gives for the line's causes, in `lang`: each cause's `text`, in order. */
const apiTexts = (l: EffectiveLine, lang: Lang) => (l.causes ?? []).map((c) => causeJson(c, lang).text);

const parse = (csv: string) =>
  Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true });

const CYRILLIC = /[А-Яа-яЁё]/;
const ENGLISH_CAUSE_WORDS = /\b(report|replaced|uploaded by|reference change|straight into|version)\b/;

describe('causes in the finance CSV', () => {
  it('ends every row with a causes column: empty on payouts, the API sentences on adjustments, in the asked language', () => {
    for (const lang of ['en', 'ru'] as const) {
      const parsed = parse(financeExportCsv(Q2, LINES, name, { lang }));
      expect(parsed.errors).toEqual([]);
      expect(parsed.meta.fields?.at(-1)).toBe('causes');
      const rows = parsed.data;
      expect(rows.map((r) => [r.quarter, r.partner_id, r.causes !== ''])).toEqual([
        [Q2, 'P1', false],
        [Q2, 'P2', false],
        [Q1, 'P1', true],
        [Q1, 'P2', true],
      ]);
      const adjustments = LINES.filter((l) => l.adjustmentOf);
      expect(rows.slice(2).map((r) => r.causes)).toEqual(
        adjustments.map((l) => apiTexts(l, lang).join('; ')),
      );
    }
  });

  it('says the causes in Russian when asked, and keeps the names of who uploaded or changed something as recorded', () => {
    const en = parse(financeExportCsv(Q2, LINES, name, { lang: 'en' })).data;
    const ru = parse(financeExportCsv(Q2, LINES, name, { lang: 'ru' })).data;
    for (const [k, row] of ru.slice(2).entries()) {
      expect(row.causes).toMatch(CYRILLIC);
      expect(row.causes).not.toMatch(ENGLISH_CAUSE_WORDS);
      expect(row.causes).not.toBe(en[k + 2]!.causes);
    }
    expect(en[2]!.causes).not.toMatch(CYRILLIC);
    // Names are data: the same characters in both languages, never "менеджер mgr-1".
    expect(ru[2]!.causes).toContain(UPLOADER);
    expect(ru[2]!.causes).toContain(AUTHOR);
    expect(ru[3]!.causes).toContain(APPROVER);
    expect(en[2]!.causes).toContain(`uploaded by ${UPLOADER}`);
    expect(en[3]!.causes).toContain(`by ${APPROVER}`);
    // Finance and program read the export, and they may see where a direct S3 write came from.
    expect(ru[2]!.causes).toContain('203.0.113.7');
  });

  it('leaves the nine finance columns, and so the closed-quarter checksum, the same in every language', () => {
    const nine = (csv: string) =>
      csv.split('\n').map((r) => Papa.parse<string[]>(r).data[0]?.slice(0, 9).join('|'));
    const [en, ru] = [
      financeExportCsv(Q2, LINES, name, { lang: 'en' }),
      financeExportCsv(Q2, LINES, name, { lang: 'ru' }),
    ];
    expect(nine(ru)).toEqual(nine(en));
    expect(financeExportCsv(Q2, LINES, name, { canonical: true, lang: 'ru' })).toBe(
      financeExportCsv(Q2, LINES, name, { canonical: true }),
    );
    expect(financeExportCsv(Q2, LINES, name, { canonical: true }).split('\n')[0]).toBe(
      FINANCE_EXPORT_HEADER.join(','),
    );
  });

  it('names the causes the explanation names when none were recorded: "not recorded", or the older kinds', () => {
    const lines = [
      adjustment('P1', [], [{ kind: 'not-recorded' }]),
      { ...adjustment('P2', [], [{ kind: 'corrected-report', report: 'q1.csv' }]), causes: undefined },
    ] as EffectiveLine[];
    for (const lang of ['en', 'ru'] as const) {
      const rows = parse(financeExportCsv(Q2, lines, name, { lang })).data;
      const said = lines.map((l) =>
        (l.explanation.params?.causes ?? []).map((c) => causeJson(c, lang).text).join('; '),
      );
      expect(rows.map((r) => r.causes)).toEqual(said);
      for (const c of rows.map((r) => r.causes)) expect(c).not.toBe('');
    }
    const ru = parse(financeExportCsv(Q2, lines, name, { lang: 'ru' })).data;
    expect(ru[0]!.causes).toMatch(/не записана/);
    expect(ru[1]!.causes).toContain('q1.csv');
    expect(ru[1]!.causes).toMatch(CYRILLIC);
  });
});

describe('causes in the finance XLSX', () => {
  async function adjustmentsSheet(lang: Lang): Promise<Record<string, unknown>[]> {
    const xlsx = financeExportXlsx({
      quarter: Q2,
      rows: financeExportRows(Q2, LINES, name, [], lang),
      totals: financeExportTotals(LINES),
      rulesVersion: '2016-Q2.2',
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
    const values = wb
      .getWorksheet('Adjustments')!
      .getSheetValues()
      .slice(1)
      .map((r) => (Array.isArray(r) ? r.slice(1) : []));
    const [header, ...rows] = values;
    return rows.map((r) => Object.fromEntries(header!.map((h, i) => [String(h), r[i]])));
  }

  it('gives each adjustment the API cause sentences and an explanation in the asked language', async () => {
    const adjustments = LINES.filter((l) => l.adjustmentOf);
    for (const lang of ['en', 'ru'] as const) {
      const rows = await adjustmentsSheet(lang);
      expect(rows.map((r) => r.causes)).toEqual(adjustments.map((l) => apiTexts(l, lang).join('; ')));
      for (const r of rows) {
        if (lang === 'ru') {
          expect(r.causes).toMatch(CYRILLIC);
          expect(r.causes).not.toMatch(ENGLISH_CAUSE_WORDS);
          expect(r.explanation).toMatch(/^Корректировка за 2016-Q1: /);
        } else {
          expect(r.causes).not.toMatch(CYRILLIC);
          expect(r.explanation).toMatch(/^Adjustment to 2016-Q1: /);
        }
      }
    }
    const ru = await adjustmentsSheet('ru');
    expect(ru[0]!.causes).toContain(UPLOADER);
    expect(ru[0]!.explanation).toContain(AUTHOR);
    expect(ru[1]!.causes).toContain(APPROVER);
  });

  it('is the same file for the same figures and language, and another for another language', () => {
    const file = (lang: Lang) =>
      financeExportXlsx({
        quarter: Q2,
        rows: financeExportRows(Q2, LINES, name, [], lang),
        totals: financeExportTotals(LINES),
        rulesVersion: '2016-Q2.2',
      });
    expect(file('ru').equals(file('ru'))).toBe(true);
    expect(file('ru').equals(file('en'))).toBe(false);
  });
});
