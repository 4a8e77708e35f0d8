/**
 * The XLSX export of a closed quarter is its one truth (issue #14, point 1): the Payouts sheet and
 * the grand total are the frozen figures, and the corrections of the quarter found since its close
 * are listed apart, each with where it is paid and its causes, never added in.
 */
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { causeJson } from '../../functions/api/cause-text.js';
import type { EffectiveLine } from '../../shared/domain/adjustments.js';
import type { RecordedCause } from '../../shared/domain/causes.js';
import type { Lang } from '../../shared/domain/render/index.js';
import { financeExportRows, financeExportTotals } from '../../shared/export/finance-csv.js';
import { financeExportXlsx } from '../../shared/export/xlsx.js';
import { aPayoutLine } from '../quarters/lines.js';

const [Q1, Q2, Q3] = ['2016-Q1', '2016-Q2', '2016-Q3'];
const SHA = 'c'.repeat(64);
const CLOSED = { at: '2016-04-05T07:00:00.000Z', by: 'fin-2', sha256: SHA };
const NAMES: Record<string, string> = { P1: 'ИП Иванов', P2: 'ООО «Ромашка»' };
const name = (id: string) => NAMES[id] ?? '';

const REPORT: RecordedCause = {
  kind: 'report',
  reportId: 'rpt_1',
  key: 'incoming/kvant/kvant-sellout-2016Q1.csv',
  name: 'kvant-sellout-2016Q1.csv',
  distributorId: 'kvant',
  from: 'v1',
  to: 'v2',
  uploadedBy: 'distributor dist-kvant',
};

/** A correction of Q1 booked in `bookedIn` (its `quarter`), as the pipeline builds it. */
function correction(partnerId: string, bookedIn: string, units: number, amount: string): EffectiveLine {
  const line = aPayoutLine({ quarter: bookedIn, partnerId, units, amount: new Decimal(amount) });
  return {
    ...line,
    explanation: {
      ...line.explanation,
      code: 'adjustment',
      params: {
        of: Q1,
        before: { units: 40, amount: '46200.00' },
        after: { units: 40 + units, amount: '0.00' },
        causes: [REPORT],
      },
    },
    adjustmentOf: Q1,
    causes: [REPORT],
  };
}

const FROZEN_LINES = [
  aPayoutLine({ partnerId: 'P1', units: 40 }),
  aPayoutLine({ partnerId: 'P2', units: 2, rate: new Decimal('154'), rateRow: 'vostro-3xxx' }),
];
const PAID_LATER = correction('P1', Q2, 3, '3465.00');
const PENDING = correction('P2', Q3, -1, '-154.00');

function workbook(
  lang: Lang,
  since: { frozen: EffectiveLine[]; pending: EffectiveLine[]; bookedIn: string | null },
  /** The workbook's own words in `lang` too, as the API and CLI ask for them; else English. */
  labelled = false,
) {
  const rows = (ls: EffectiveLine[], frozen: boolean) =>
    financeExportRows(Q1, ls, name, [], lang).map((r) => ({ ...r, frozen }));
  return financeExportXlsx({
    quarter: Q1,
    rows: financeExportRows(Q1, FROZEN_LINES, name, [], lang),
    totals: financeExportTotals(FROZEN_LINES),
    rulesVersion: '2016-Q1.2',
    closed: CLOSED,
    correctionsSince: {
      rows: [...rows(since.frozen, true), ...rows(since.pending, false)],
      bookedIn: since.bookedIn,
    },
    ...(labelled ? { lang } : {}),
  });
}

async function sheets(xlsx: Buffer, totalsSheet = 'Totals') {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  const rowsOf = (name: string) =>
    (wb.getWorksheet(name)?.getSheetValues().slice(1) ?? []).map((r) => (Array.isArray(r) ? r.slice(1) : []));
  const objects = (name: string) => {
    const [header, ...rows] = rowsOf(name);
    return rows.map((r) => Object.fromEntries(header!.map((h, i) => [String(h), r[i]])));
  };
  const totals = new Map(
    rowsOf(totalsSheet)
      .filter((r) => r.length)
      .map((r) => [String(r[0]), r.slice(1)]),
  );
  return { names: wb.worksheets.map((w) => w.name), objects, totals };
}

describe('the XLSX of a closed quarter with corrections since its close', () => {
  it('keeps the frozen lines and total, and lists each correction apart with where it is paid', async () => {
    const { names, objects, totals } = await sheets(
      workbook('en', { frozen: [PAID_LATER], pending: [PENDING], bookedIn: Q3 }),
    );
    expect(names).toEqual(['Payouts', 'Corrections since close', 'Totals']);
    expect(objects('Payouts').map((r) => [r.partner_id, r.amount_rub])).toEqual([
      ['P1', 46200],
      ['P2', 308],
    ]);
    const since = objects('Corrections since close');
    expect(
      since.map((r) => [
        r.quarter,
        r.partner_id,
        r.partner_name,
        r.units,
        r.amount_rub,
        r.booked_in,
        r.status,
      ]),
    ).toEqual([
      [Q1, 'P1', NAMES.P1, 3, 3465, Q2, 'frozen'],
      [Q1, 'P2', NAMES.P2, -1, -154, Q3, 'pending'],
    ]);
    for (const r of since) expect(r.causes).toBe(causeJson(REPORT, 'en').text);
    // The frozen total is the grand total: the corrections are beside it, not in it.
    expect(totals.get('grand total')).toEqual([undefined, 46200 + 308]);
    expect(totals.get(`corrections of ${Q1} since the close, frozen in later closed quarters`)).toEqual([
      undefined,
      3465,
    ]);
    expect(totals.get(`corrections of ${Q1} since the close, still to be booked in ${Q3}`)).toEqual([
      undefined,
      -154,
    ]);
    expect(totals.get('closed by')).toEqual(['fin-2']);
    expect(totals.get('snapshot sha256 (of the CSV export)')).toEqual([SHA]);
  });

  it('words the corrections in the asked language, as the API does', async () => {
    const { objects } = await sheets(workbook('ru', { frozen: [], pending: [PENDING], bookedIn: Q2 }));
    const [row] = objects('Corrections since close');
    expect(row!.causes).toBe(causeJson(REPORT, 'ru').text);
    expect(row!.causes).toContain('distributor dist-kvant');
    expect(row!.explanation).toMatch(/^Корректировка за 2016-Q1: /);
    expect(row!.booked_in).toBe(Q2);
  });

  it('leaves a pending correction without a quarter to go to while no later quarter has rules', async () => {
    const { objects, totals } = await sheets(
      workbook('en', { frozen: [], pending: [PENDING], bookedIn: null }),
    );
    expect(objects('Corrections since close').map((r) => [r.booked_in, r.status])).toEqual([
      [undefined, 'pending'],
    ]);
    expect(
      totals.get(
        `corrections of ${Q1} since the close, still to be booked in the first quarter after it to get rules`,
      ),
    ).toEqual([undefined, -154]);
  });

  it('says there are none so far, and adds no sheet, when nothing changed since the close', async () => {
    const { names, totals } = await sheets(workbook('en', { frozen: [], pending: [], bookedIn: Q2 }));
    expect(names).toEqual(['Payouts', 'Totals']);
    expect(totals.get(`corrections of ${Q1} since the close`)).toEqual([undefined, 0]);
    expect(totals.has('None so far.')).toBe(true);
  });
});

describe('the XLSX for a Russian reader', () => {
  // Latin words of three letters or more; IDs, quarters, codes and the checksum are data, not words.
  const LATIN_WORD = /[A-Za-z]{3,}/;
  // Names of formats and of the checksum's algorithm, which Russian writes as they are.
  const words = (label: string) => label.replace(/\b(sha256|CSV)\b/g, '');

  it('names its sheets, columns and labels in Russian, with the figures and identifiers as in English', async () => {
    const since = { frozen: [PAID_LATER], pending: [PENDING], bookedIn: Q3 };
    const ru = await sheets(workbook('ru', since, true), 'Итоги');
    const en = await sheets(workbook('en', since, true));
    expect(ru.names).toEqual(['Выплаты', 'Исправления после закрытия', 'Итоги']);
    for (const sheet of ru.names.slice(0, 2)) {
      const [header] = ru.objects(sheet).length ? [Object.keys(ru.objects(sheet)[0]!)] : [[]];
      expect(header.length).toBeGreaterThan(0);
      for (const h of header) expect(h, `${sheet}: ${h}`).not.toMatch(LATIN_WORD);
    }
    // The same cells in the same places: only the words changed.
    const amounts = (s: typeof ru, sheet: string, column: string) =>
      s.objects(sheet).map((r) => [r[Object.keys(r)[1]!], r[column]]);
    expect(amounts(ru, 'Выплаты', 'сумма, руб.')).toEqual(amounts(en, 'Payouts', 'amount_rub'));
    expect(ru.objects('Исправления после закрытия').map((r) => r['состояние'])).toEqual([
      'зафиксирована',
      'ожидает проводки',
    ]);
    for (const label of ru.totals.keys()) expect(words(label), label).not.toMatch(LATIN_WORD);
    expect(ru.totals.get('итого')).toEqual(en.totals.get('grand total'));
    expect(ru.totals.get('кем закрыт')).toEqual(['fin-2']);
    expect(ru.totals.get(`исправления ${Q1} после закрытия, которые будут проведены в ${Q3}`)).toEqual([
      undefined,
      -154,
    ]);
  });

  it('leaves an English workbook as it was when no language is asked for', () => {
    const since = { frozen: [PAID_LATER], pending: [PENDING], bookedIn: Q3 };
    expect(workbook('en', since, true).equals(workbook('en', since))).toBe(true);
  });
});
