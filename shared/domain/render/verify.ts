/**
 * What `verify` found different, as a code with its figures, and its words in either language
 * (issue #15). English is word for word the `detail` verify always printed; keys, hashes, IDs and
 * rate rows stay as written in both.
 */
import { grouped, int, pick, type Lang } from './format.js';

/** A payout line as verify compares it: money as two-decimal strings. */
export interface ComparedLine {
  units: number;
  paidUnits: number;
  rate: string;
  amount: string;
}

interface Counts3 {
  a: number;
  b: number;
  c: number;
}

export type DifferenceWhy =
  | { code: 'report-unfinished'; params: { status: string | null; distributor: string | null } }
  | { code: 'object-sha'; params: { actual: string; recorded: string } }
  | { code: 'report-counts'; params: { stored: Counts3 | null; recomputed: Counts3 } }
  | { code: 'report-lines-sum' }
  | { code: 'extract-sha'; params: { made: string; stored: string | null } }
  | { code: 'never-computed' }
  | { code: 'inputs-changed' }
  | { code: 'result-hash'; params: { recorded: string; recomputed: string } }
  | { code: 'computation-counts'; params: { recorded: Counts3; recomputed: Counts3 } }
  | { code: 'computation-lines-sum' }
  | { code: 'payout-line'; params: { line: string; stored: ComparedLine | null; recomputed: ComparedLine | null } }
  | { code: 'payout-not-stored' }
  | { code: 'payout-nothing-counts' }
  | { code: 'payout-other' }
  | { code: 'ledger-short'; params: { credited: number; quarter: string; earned: number } }
  | { code: 'snapshot-sum'; params: { total: string; lines: number; sum: string } }
  | { code: 'record-total'; params: { record: string; snapshot: string } }
  /** The snapshot could not be read: the error's own sentence in each language. */
  | { code: 'error'; params: { en: string; ru: string } };

export type DifferenceWhat = 'report' | 'computation' | 'payout' | 'ledger';

const triple = (c: Counts3) => `${c.a}/${c.b}/${c.c}`;

function english(w: DifferenceWhy): string {
  switch (w.code) {
    case 'report-unfinished': {
      const removed = w.params.distributor === null
        ? ''
        : ` (its distributor "${w.params.distributor}" is not in the distributor registry, so nothing else lists this report)`;
      return w.params.status !== null
        ? `is still ${w.params.status}${removed}: wait until it is processed, then verify again`
        : `was uploaded, but is not read yet${removed}: wait until it is processed (the local stack reads it at its next start), then verify again`;
    }
    case 'object-sha':
      return `the object's sha256 is ${w.params.actual}, the record says ${w.params.recorded}`;
    case 'report-counts':
      return `stored read/extracted/rejected ${w.params.stored ? triple(w.params.stored) : 'none'}, recomputed ${triple(w.params.recomputed)}`;
    case 'report-lines-sum':
      return 'lines read ≠ lines extracted + lines rejected';
    case 'extract-sha':
      return `its extract made again has sha256 ${w.params.made}, the stored one ${w.params.stored ?? 'none'}`;
    case 'never-computed':
      return 'has never been computed';
    case 'inputs-changed':
      return 'the last computation used other inputs (reports, reference data or rules changed since); it is still to run';
    case 'result-hash':
      return `the recorded result hash is ${w.params.recorded}, recomputed ${w.params.recomputed}`;
    case 'computation-counts':
      return `recorded extracted/counted/held ${triple(w.params.recorded)}, recomputed ${triple(w.params.recomputed)}`;
    case 'computation-lines-sum':
      return 'lines extracted ≠ lines counted + lines held';
    case 'payout-line': {
      const show = (l: ComparedLine | null) =>
        l ? `${l.units} units, ${l.paidUnits} paid × ${l.rate} = ${l.amount} RUB` : 'no line';
      return `${w.params.line}: stored ${show(w.params.stored)}; recomputed ${show(w.params.recomputed)}`;
    }
    case 'payout-not-stored':
      return 'no stored result';
    case 'payout-nothing-counts':
      return 'a stored result, but nothing counts for this partner';
    case 'payout-other':
      return 'tier progress, explanations or pending points differ';
    case 'ledger-short':
      return `the points ledger credits ${w.params.credited} point(s) of ${w.params.quarter}, its payouts earn ${w.params.earned}: the quarter's close did not finish crediting them (the quarter's next computation finishes it; locally "rebates up" at start)`;
    case 'snapshot-sum':
      return `the snapshot's total is ${w.params.total} RUB, its ${w.params.lines} lines add up to ${w.params.sum} RUB`;
    case 'record-total':
      return `the quarter record says ${w.params.record} RUB was frozen, the snapshot ${w.params.snapshot} RUB`;
    case 'error':
      return w.params.en;
  }
}

const STATUS_RU: Record<string, string> = {
  received: 'получен',
  processing: 'обрабатывается',
};
const rub = (s: string) => `${grouped(s, 'ru')} руб.`;
const points = (n: number) =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'балл', few: 'балла', many: 'баллов', other: 'балла' })}`;

function russian(w: DifferenceWhy): string {
  switch (w.code) {
    case 'report-unfinished': {
      const removed = w.params.distributor === null
        ? ''
        : ` (его дистрибьютора «${w.params.distributor}» нет в реестре дистрибьюторов, поэтому больше нигде этот отчёт не указан)`;
      return w.params.status !== null
        ? `всё ещё ${STATUS_RU[w.params.status] ?? w.params.status}${removed}: дождитесь, пока он будет обработан, и проверьте снова`
        : `загружен, но ещё не прочитан${removed}: дождитесь, пока он будет обработан (локальный стенд прочитает его при следующем запуске), и проверьте снова`;
    }
    case 'object-sha':
      return `контрольная сумма sha256 файла — ${w.params.actual}, а в записи — ${w.params.recorded}`;
    case 'report-counts':
      return `сохранено прочитано/извлечено/отклонено ${w.params.stored ? triple(w.params.stored) : 'нет'}, пересчёт даёт ${triple(w.params.recomputed)}`;
    case 'report-lines-sum':
      return 'прочитанных строк ≠ извлечённые + отклонённые строки';
    case 'extract-sha':
      return `выжимка, сделанная заново, имеет sha256 ${w.params.made}, а сохранённая — ${w.params.stored ?? 'нет'}`;
    case 'never-computed':
      return 'ещё ни разу не рассчитывался';
    case 'inputs-changed':
      return 'последний расчёт сделан по другим данным (с тех пор изменились отчёты, справочные данные или правила); новый расчёт ещё впереди';
    case 'result-hash':
      return `записанный хеш результата — ${w.params.recorded}, пересчёт даёт ${w.params.recomputed}`;
    case 'computation-counts':
      return `записано извлечено/учтено/отложено ${triple(w.params.recorded)}, пересчёт даёт ${triple(w.params.recomputed)}`;
    case 'computation-lines-sum':
      return 'извлечённых строк ≠ учтённые + отложенные строки';
    case 'payout-line': {
      const show = (l: ComparedLine | null) =>
        l
          ? `единиц ${int(l.units, 'ru')}, оплачено ${int(l.paidUnits, 'ru')} × ${grouped(l.rate, 'ru')} = ${rub(l.amount)}`
          : 'строки нет';
      return `${w.params.line}: сохранено: ${show(w.params.stored)}; пересчёт: ${show(w.params.recomputed)}`;
    }
    case 'payout-not-stored':
      return 'результат не сохранён';
    case 'payout-nothing-counts':
      return 'результат сохранён, но у этого партнёра ничего не учитывается';
    case 'payout-other':
      return 'ход к плану, пояснения или ожидающие баллы отличаются';
    case 'ledger-short':
      return `по журналу баллов за ${w.params.quarter} начислено ${points(w.params.credited)}, а по выплатам положено ${points(w.params.earned)}: закрытие квартала не дописало начисление (его допишет следующий расчёт квартала; локально — «rebates up» при запуске)`;
    case 'snapshot-sum':
      return `итог снимка — ${rub(w.params.total)}, а его строки (${int(w.params.lines, 'ru')}) в сумме дают ${rub(w.params.sum)}`;
    case 'record-total':
      return `в записи квартала зафиксировано ${rub(w.params.record)}, а в снимке — ${rub(w.params.snapshot)}`;
    case 'error':
      return w.params.ru;
  }
}

/** A difference in words; English is exactly the `detail` verify records. */
export const differenceText = (w: DifferenceWhy, lang: Lang): string => (lang === 'ru' ? russian(w) : english(w));

const WHAT_RU: Record<DifferenceWhat, string> = {
  report: 'отчёт',
  computation: 'расчёт',
  payout: 'выплата',
  ledger: 'баллы',
};

/** The first column of verify's table: what the difference is in. */
export const differenceWhat = (what: DifferenceWhat, lang: Lang): string => (lang === 'ru' ? WHAT_RU[what] : what);
