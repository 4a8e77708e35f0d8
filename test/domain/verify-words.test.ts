/**
 * verify's differences in either language (issue #15): English is the sentence verify always
 * printed, Russian says the same with the figures and identifiers as written.
 */
import { describe, expect, it } from 'vitest';
import { differenceText, differenceWhat, type DifferenceWhy } from '../../shared/domain/render/verify.js';

const LINE = { units: 40, paidUnits: 38, rate: '1155.00', amount: '43890.00' };
const EXAMPLES: { why: DifferenceWhy; en: string }[] = [
  {
    why: { code: 'report-unfinished', params: { status: 'received', distributor: null } },
    en: 'is still received: wait until it is processed, then verify again',
  },
  {
    why: { code: 'report-unfinished', params: { status: null, distributor: 'gone' } },
    en:
      'was uploaded, but is not read yet (its distributor "gone" is not in the distributor registry, so nothing else lists this report): ' +
      'wait until it is processed (the local stack reads it at its next start), then verify again',
  },
  { why: { code: 'object-sha', params: { actual: 'a1', recorded: 'b2' } }, en: "the object's sha256 is a1, the record says b2" },
  {
    why: { code: 'report-counts', params: { stored: null, recomputed: { a: 10, b: 8, c: 2 } } },
    en: 'stored read/extracted/rejected none, recomputed 10/8/2',
  },
  { why: { code: 'report-lines-sum' }, en: 'lines read ≠ lines extracted + lines rejected' },
  { why: { code: 'extract-sha', params: { made: 'c3', stored: null } }, en: 'its extract made again has sha256 c3, the stored one none' },
  { why: { code: 'never-computed' }, en: 'has never been computed' },
  {
    why: { code: 'inputs-changed' },
    en: 'the last computation used other inputs (reports, reference data or rules changed since); it is still to run',
  },
  { why: { code: 'result-hash', params: { recorded: 'd4', recomputed: 'e5' } }, en: 'the recorded result hash is d4, recomputed e5' },
  {
    why: { code: 'computation-counts', params: { recorded: { a: 9, b: 7, c: 2 }, recomputed: { a: 9, b: 6, c: 3 } } },
    en: 'recorded extracted/counted/held 9/7/2, recomputed 9/6/3',
  },
  { why: { code: 'computation-lines-sum' }, en: 'lines extracted ≠ lines counted + lines held' },
  {
    why: { code: 'payout-line', params: { line: 'merlion/client/vostro-3xxx', stored: LINE, recomputed: null } },
    en: 'merlion/client/vostro-3xxx: stored 40 units, 38 paid × 1155.00 = 43890.00 RUB; recomputed no line',
  },
  { why: { code: 'payout-not-stored' }, en: 'no stored result' },
  { why: { code: 'payout-nothing-counts' }, en: 'a stored result, but nothing counts for this partner' },
  { why: { code: 'payout-other' }, en: 'tier progress, explanations or pending points differ' },
  {
    why: { code: 'ledger-short', params: { credited: 100, quarter: '2016-Q1', earned: 120 } },
    en:
      "the points ledger credits 100 point(s) of 2016-Q1, its payouts earn 120: the quarter's close did not finish crediting them " +
      '(the quarter\'s next computation finishes it; locally "rebates up" at start)',
  },
  {
    why: { code: 'snapshot-sum', params: { total: '100.00', lines: 2, sum: '99.00' } },
    en: "the snapshot's total is 100.00 RUB, its 2 lines add up to 99.00 RUB",
  },
  {
    why: { code: 'record-total', params: { record: '100.00', snapshot: '99.00' } },
    en: 'the quarter record says 100.00 RUB was frozen, the snapshot 99.00 RUB',
  },
  { why: { code: 'error', params: { en: 'The snapshot is gone.', ru: 'Снимка нет.' } }, en: 'The snapshot is gone.' },
];

// What Russian writes in Latin letters: IDs and keys of the examples, the algorithm, the command.
const AS_WRITTEN = /\b(sha256|rebates up|merlion\/client\/vostro-3xxx|gone|2016-Q1)\b/g;

describe("verify's differences", () => {
  it('reads in English as verify always printed them', () => {
    for (const { why, en } of EXAMPLES) expect(differenceText(why, 'en')).toBe(en);
  });

  it('reads in Russian with no English word, figures and identifiers kept', () => {
    for (const { why } of EXAMPLES) {
      const ru = differenceText(why, 'ru');
      expect(ru, why.code).toMatch(/[А-Яа-яЁё]{3,}/);
      expect(ru.replace(AS_WRITTEN, ''), `${why.code}: ${ru}`).not.toMatch(/[A-Za-z]{3,}/);
    }
    const line = differenceText(EXAMPLES.find((e) => e.why.code === 'payout-line')!.why, 'ru');
    expect(line).toContain('merlion/client/vostro-3xxx');
    expect(line).toMatch(/оплачено 38 × 1\s155,00 = 43\s890,00 руб\.; пересчёт: строки нет$/);
    expect(differenceText(EXAMPLES.find((e) => e.why.code === 'ledger-short')!.why, 'ru')).toMatch(/100 баллов.*120 баллов/);
  });

  it('names what each difference is in', () => {
    expect(['report', 'computation', 'payout', 'ledger'].map((w) => differenceWhat(w as 'report', 'ru'))).toEqual([
      'отчёт',
      'расчёт',
      'выплата',
      'баллы',
    ]);
    expect(differenceWhat('payout', 'en')).toBe('payout');
  });
});
