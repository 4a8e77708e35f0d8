/**
 * The finance workbook's words in the reader's language (issue #15). The XLSX is for people, so its
 * sheet names, column headers and labels follow the language; the CSV's headers are a contract for
 * scripts and never do. English is word for word what the workbook always said.
 */
import type { Lang } from '../domain/render/format.js';
import { programRu } from '../domain/render/ru.js';
import { FINANCE_EXPORT_CAUSES, FINANCE_EXPORT_EXTRA, FINANCE_EXPORT_HEADER } from './finance-csv.js';

type Column =
  | (typeof FINANCE_EXPORT_HEADER)[number]
  | (typeof FINANCE_EXPORT_EXTRA)[number]
  | typeof FINANCE_EXPORT_CAUSES
  | 'explanation'
  | 'booked_in'
  | 'status'
  | 'due_rub'
  | 'paid_rub'
  | 'outstanding_rub';

/** The accruals file's columns (GET /quarters/{q}/accruals), named as its CSV names them. */
export const ACCRUAL_COLUMNS = [
  'quarter',
  'program',
  'distributor_id',
  'units',
  'amount_rub',
  'elapsed_days',
  'total_days',
  'projected_units',
  'projected_amount_rub',
] as const;

export interface AccrualWords {
  sheet: string;
  column: Record<(typeof ACCRUAL_COLUMNS)[number], string>;
  allPrograms: string;
  allDistributors: string;
}

export interface XlsxWords {
  accruals: AccrualWords;
  sheets: { payouts: string; adjustments: string; corrections: string; payments: string; totals: string };
  column: Record<Column, string>;
  /** A correction's status: paid in a later closed quarter, or still to be booked. */
  frozen: string;
  pending: string;
  open: string;
  closed: string;
  totals: {
    quarter: string;
    status: string;
    closedAt: string;
    closedBy: string;
    rulesVersion: string;
    snapshot: string;
    noSnapshot: string;
    units: string;
    amount: string;
    byProgram: string;
    /** A program in the totals by program: its ID in English, its name in Russian. */
    program: (id: string) => string;
    byDistributor: string;
    payouts: string;
    correctionsOf: (quarter: string) => string;
    adjustments: string;
    allCorrections: (quarters: string, quarter: string) => string;
    grandTotal: string;
  };
  since: {
    nextQuarter: string;
    total: (quarter: string) => string;
    none: string;
    frozen: (quarter: string) => string;
    pending: (quarter: string, where: string) => string;
    apart: (sheet: string) => string;
  };
}

const EN: XlsxWords = {
  accruals: {
    sheet: 'Accruals',
    column: Object.fromEntries(ACCRUAL_COLUMNS.map((c) => [c, c])) as AccrualWords['column'],
    allPrograms: 'all programs',
    allDistributors: 'all distributors',
  },
  sheets: {
    payouts: 'Payouts',
    adjustments: 'Adjustments',
    corrections: 'Corrections since close',
    payments: 'Payments',
    totals: 'Totals',
  },
  // The English headers are the CSV's column names.
  column: Object.fromEntries(
    [
      ...FINANCE_EXPORT_HEADER,
      ...FINANCE_EXPORT_EXTRA,
      FINANCE_EXPORT_CAUSES,
      'explanation',
      'booked_in',
      'status',
      'due_rub',
      'paid_rub',
      'outstanding_rub',
    ].map((c) => [c, c]),
  ) as Record<Column, string>,
  frozen: 'frozen',
  pending: 'pending',
  open: 'open — figures may change',
  closed: 'closed',
  totals: {
    quarter: 'quarter',
    status: 'status',
    closedAt: 'closed at (Moscow time)',
    closedBy: 'closed by',
    rulesVersion: 'rules version',
    snapshot: 'snapshot sha256 (of the CSV export)',
    noSnapshot: 'none: the quarter is not closed',
    units: 'units',
    amount: 'amount_rub',
    byProgram: 'by program',
    program: (id) => id,
    byDistributor: 'by distributor',
    payouts: 'payouts',
    correctionsOf: (q) => `corrections of ${q}`,
    adjustments: 'adjustments',
    allCorrections: (qs, q) =>
      `All of this total corrects earlier quarters (${qs}); none of it is a payout of ${q} itself.`,
    grandTotal: 'grand total',
  },
  since: {
    nextQuarter: 'the first quarter after it to get rules',
    total: (q) => `corrections of ${q} since the close`,
    none: 'None so far.',
    frozen: (q) => `corrections of ${q} since the close, frozen in later closed quarters`,
    pending: (q, where) => `corrections of ${q} since the close, still to be booked in ${where}`,
    apart: (sheet) =>
      `Not in the figures above, which stay as frozen at the close: each correction is on the sheet "${sheet}" and is paid in the quarter it is booked in.`,
  },
};

const RU: XlsxWords = {
  accruals: {
    sheet: 'Начисления',
    column: {
      quarter: 'квартал',
      program: 'программа',
      distributor_id: 'ID дистрибьютора',
      units: 'единиц',
      amount_rub: 'сумма, руб.',
      elapsed_days: 'прошло дней',
      total_days: 'дней в квартале',
      projected_units: 'прогноз, единиц',
      projected_amount_rub: 'прогноз, руб.',
    },
    allPrograms: 'все программы',
    allDistributors: 'все дистрибьюторы',
  },
  sheets: {
    payouts: 'Выплаты',
    adjustments: 'Корректировки',
    corrections: 'Исправления после закрытия',
    payments: 'Платежи',
    totals: 'Итоги',
  },
  column: {
    quarter: 'квартал',
    partner_id: 'ID партнёра',
    partner_name: 'партнёр',
    distributor_id: 'ID дистрибьютора',
    program: 'программа',
    rate_row: 'строка ставок',
    units: 'единиц',
    rate_rub: 'ставка, руб.',
    amount_rub: 'сумма, руб.',
    paid_units: 'оплачено единиц',
    reason: 'причина (код)',
    payment_date: 'дата платежа',
    payment_reference: 'номер платежа',
    causes: 'причины изменения',
    explanation: 'пояснение',
    booked_in: 'проводится в квартале',
    status: 'состояние',
    due_rub: 'к выплате, руб.',
    paid_rub: 'выплачено, руб.',
    outstanding_rub: 'остаток, руб.',
  },
  frozen: 'зафиксирована',
  pending: 'ожидает проводки',
  open: 'открыт — суммы могут измениться',
  closed: 'закрыт',
  totals: {
    quarter: 'квартал',
    status: 'состояние',
    closedAt: 'закрыт (по московскому времени)',
    closedBy: 'кем закрыт',
    rulesVersion: 'версия правил',
    snapshot: 'контрольная сумма снимка (sha256 выгрузки CSV)',
    noSnapshot: 'нет: квартал не закрыт',
    units: 'единиц',
    amount: 'сумма, руб.',
    byProgram: 'по программам',
    program: programRu,
    byDistributor: 'по дистрибьюторам',
    payouts: 'выплаты',
    correctionsOf: (q) => `исправления ${q}`,
    adjustments: 'корректировки',
    allCorrections: (qs, q) =>
      `Весь этот итог — исправления прошлых кварталов (${qs}); выплат за сам ${q} в нём нет.`,
    grandTotal: 'итого',
  },
  since: {
    nextQuarter: 'первом следующем квартале, для которого будут правила',
    total: (q) => `исправления ${q} после закрытия`,
    none: 'Пока нет.',
    frozen: (q) => `исправления ${q} после закрытия, зафиксированные в следующих закрытых кварталах`,
    pending: (q, where) => `исправления ${q} после закрытия, которые будут проведены в ${where}`,
    apart: (sheet) =>
      `В суммы выше не входят, они остаются такими, как зафиксированы при закрытии: каждое исправление есть на листе «${sheet}» и выплачивается в том квартале, где проведено.`,
  },
};

export const xlsxWords = (lang: Lang): XlsxWords => (lang === 'ru' ? RU : EN);
