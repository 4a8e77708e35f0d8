/**
 * Explanations, warnings, tier progress, points reasons and adjustments are stored as codes and
 * figures and rendered in the reader's language (shared/domain/render): the program's own cases in
 * English and Russian, Russian plurals and money, and no English word in any Russian sentence.
 */
import { rateRowRu } from '../../shared/domain/render/ru.js';
import { Decimal } from 'decimal.js';
import { describe, expect, test } from 'vitest';
import { adjustmentDeltas, adjustmentLine } from '../../shared/domain/adjustments.js';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { creditQuarter, earningsFor } from '../../shared/domain/points.js';
import {
  causesText,
  explainLine,
  LANGS,
  ledgerEntryReason,
  pointsReason,
  progressSummary,
  warningText,
  type Lang,
} from '../../shared/domain/render/index.js';
import {
  EXPLANATION_CODES,
  type ChangeCause,
  type ExplainedLine,
  type PayoutLine,
} from '../../shared/domain/types.js';
import { aPayoutLine } from '../quarters/lines.js';
import { lineOf, rules, scenarios } from '../support/payout-cases.js';
import {
  aPartner,
  aReference,
  aTally,
  aTraining,
  anAcceptance,
} from '../support/domain-fixtures.js';


const both = (line: PayoutLine) => ({ en: explainLine(line, 'en'), ru: explainLine(line, 'ru') });

const CAUSES: ChangeCause[][] = [
  [{ kind: 'corrected-report', report: 'q1.csv' }],
  [
    { kind: 'new-report', report: 'c.csv' },
    { kind: 'withdrawn-report', report: 'b.csv' },
    { kind: 'new-rules', version: '2016-Q1.2' },
  ],
  [],
];

/** Adjustments: more units and more money, fewer units and no line left, units that pay nothing more. */
function adjustments(): PayoutLine[] {
  const cases: [PayoutLine[], PayoutLine[]][] = [
    [[aPayoutLine({ partnerId: 'P1', units: 40 })], [lineOf(scenarios()['paid, with acceptances ignored']!, 'premium')]],
    [[aPayoutLine({ partnerId: 'P2', units: 60, rate: new Decimal('154'), rateRow: 'vostro-3xxx' })], []],
    [
      [aPayoutLine({ partnerId: 'P1', program: 'enterprise', rateRow: '2xx-3xx', units: 4, paidUnits: 0, amount: new Decimal(0) })],
      [scenarios()['enterprise trainings missing']!.lines[0]!],
    ],
  ];
  return cases.flatMap(([paid, live], i) =>
    adjustmentDeltas(paid, live).map((d) => adjustmentLine('2016-Q2', '2016-Q1', d, CAUSES[i]!)),
  );
}

/** Every sentence of every case, in one language, with what the data itself names. */
function everything(lang: Lang): { text: string; named: string[] }[] {
  const out: { text: string; named: string[] }[] = [];
  const lineNames = (l: PayoutLine) => [
    l.partnerDisplayId ?? l.partnerId,
    l.distributorDisplayId ?? l.distributorId,
    l.rateRow,
  rateRowRu(l.rateRow),
    rateRowRu(l.rateRow),
    l.quarter,
    ...(l.explanation.params?.missing?.flatMap((g) => g.courses) ?? []),
    ...(l.explanation.lateCourses?.map((c) => c.course) ?? []),
    ...(l.explanation.params?.late?.map((c) => c.course) ?? []),
  ];
  for (const r of Object.values(scenarios())) {
    for (const l of r.lines) out.push({ text: explainLine(l, lang), named: lineNames(l) });
    for (const w of r.warnings)
      out.push({ text: warningText(w, lang), named: w.code === 'stored-text' ? [] : Object.values(w.params).map(String) });
    for (const p of r.progress) out.push({ text: progressSummary(p, lang), named: [] });
    const trainings = [aTraining('DPWS0212WBTS'), aTraining('dpes0909wbtt', { completedAt: '2016-03-01T10:00:00+03:00' })];
    for (const e of earningsFor(rules, r, trainings))
      out.push({
        text: pointsReason(e.reason, lang),
        named: e.reason.code === 'paid-units' ? [e.reason.params.row, rateRowRu(e.reason.params.row.split('/')[1] ?? ''), e.reason.params.distributor] : e.reason.code === 'course' ? [e.reason.params.course] : [],
      });
  }
  for (const a of adjustments()) {
    const named = [
      ...(a.explanation.params?.causes ?? []).map((c) => ('report' in c ? c.report : 'version' in c ? c.version : 'key' in c ? c.key : '')),
      '2016-Q1',
      ...(a.explanation.params?.now ? lineNamesOf(a.explanation.params.now) : []),
    ];
    out.push({ text: explainLine(a, lang), named: [...named, ...lineNames(a)] });
  }
  return out;
}

const lineNamesOf = (l: ExplainedLine) => [
  l.partnerDisplayId ?? l.partnerId,
  l.distributorDisplayId ?? l.distributorId,
  l.rateRow,
  rateRowRu(l.rateRow),
  ...(l.explanation.params?.missing?.flatMap((g) => g.courses) ?? []),
  ...(l.explanation.lateCourses?.map((c) => c.course) ?? []),
  ...(l.explanation.params?.late?.map((c) => c.course) ?? []),
];

describe('every sentence is rendered from codes and figures', () => {
  test('the cases reach every explanation code', () => {
    const codes = new Set([
      ...Object.values(scenarios()).flatMap((r) => r.lines.map((l) => l.explanation.code)),
      ...adjustments().map((l) => l.explanation.code),
    ]);
    expect([...codes].sort()).toEqual(EXPLANATION_CODES.filter((c) => c !== 'stored-text').sort());
  });

  test('nothing rendered is stored: no line, warning or progress carries a sentence', () => {
    for (const r of Object.values(scenarios())) {
      const json = JSON.stringify(r);
      expect(json).not.toMatch(/"(text|summary)":/);
      // The words of the English sentences are not in the result either.
      expect(json).not.toMatch(/Pays nothing|applies|counted in the/);
    }
  });

  test.each(LANGS)('every case renders in %s without an empty or undefined part', (lang) => {
    for (const { text } of everything(lang)) {
      expect(text.length).toBeGreaterThan(10);
      expect(text).not.toMatch(/undefined|null|NaN|\[object| {2}|\.\.|\s[.,;:]/);
    }
  });

  test('the Russian sentences have no Latin word except the IDs, codes and names the data gives', () => {
    // Proper names of the program text may stay as they are.
    const allowed = ['Dell Precision', 'Latitude Rugged'];
    const offenders: string[] = [];
    for (const { text, named } of everything('ru')) {
      let rest = text;
      for (const n of [...named, ...allowed].filter(Boolean).sort((a, b) => b.length - a.length)) rest = rest.split(n).join(' ');
      if (/[A-Za-z]/.test(rest)) offenders.push(`${rest}\n   in: ${text}`);
    }
    expect(offenders).toEqual([]);
  });
});

// ---------------------------------------------------------------- as the program text reads

describe('the program’s cases, in English and Russian', () => {
  test('plan 150 chosen, 146 units: pays nothing, 4 units short', () => {
    const { en, ru } = both(lineOf(scenarios()['plan 150 chosen, 146 units']!, 'premium'));
    expect(en).toContain(
      'Pays nothing: plan 150 was chosen at acceptance and must be met, but only 146 units counted in the client program this quarter across all distributors, 4 units short.',
    );
    expect(ru).toContain('Не выплачивается: при подтверждении участия выбран план 150, и его нужно выполнить');
    expect(ru).toContain('зачтено в программе «Ноутбуки, десктопы и моноблоки» за квартал по всем дистрибьюторам: 146 единиц');
    expect(ru).toContain('до плана не хватает 4 единиц.');
  });

  test('no plan chosen, 37 units: below the lowest threshold 50, 13 units short', () => {
    const { en, ru } = both(lineOf(scenarios()['no plan chosen, 37 units']!, 'vostro-3xxx'));
    expect(en).toContain('below the lowest threshold 50, 13 units short');
    expect(ru).toContain('меньше нижнего порога 50, до него не хватает 13 единиц');
  });

  test('Russian counts agree with their number: 1 единица, 2 единицы, 5 единиц, 42 единицы', () => {
    const r = scenarios()['paid, with acceptances ignored']!;
    expect(explainLine(lineOf(r, 'vostro-3xxx', 'D2'), 'ru')).toContain(': 1 единица × 154,00 руб. = 154,00 руб.');
    expect(explainLine(lineOf(r, 'mainstream', 'D3'), 'ru')).toContain(': 2 единицы × ');
    expect(explainLine(lineOf(r, 'mainstream'), 'ru')).toContain(': 5 единиц × ');
    expect(explainLine(lineOf(r, 'premium'), 'ru')).toContain(': 42 единицы × ');
    expect(explainLine(lineOf(r, 'vostro-3xxx', 'D2'), 'en')).toContain('1 unit bought at distributor D2');
  });

  test('money is exact, with two places: 48510.00 RUB in English, 48 510,00 руб. in Russian', () => {
    const premium = lineOf(scenarios()['paid, with acceptances ignored']!, 'premium');
    expect(premium.amount.toFixed(2)).toBe('48510.00');
    expect(explainLine(premium, 'en')).toContain('42 units bought at distributor D1 in rate row premium × 1155.00 RUB = 48510.00 RUB.');
    expect(explainLine(premium, 'ru').replace(/[\u00a0\u202f]/g, ' ')).toContain(
      'Куплено у дистрибьютора D1 по строке ставок «премиум»: 42 единицы × 1 155,00 руб. = 48 510,00 руб.',
    );
  });

  test('instants are in Moscow time in both languages, whatever offset they were recorded with', () => {
    const r = scenarios()['paid, with acceptances ignored']!;
    const { en, ru } = both(lineOf(r, 'premium'));
    expect(en).toContain(
      'The client acceptance counted is the one made at 2016-02-15T12:00:00+03:00 with plan 50; ignored: the one made at 2016-02-01T10:00:00+03:00 with plan 150 (a later one replaces it) and the one made at 2016-04-05T12:00:00+03:00 with plan 150 (not before the deadline 2016-04-01T00:00:00+03:00).',
    );
    expect(ru).toContain(
      'Засчитано подтверждение участия в программе «Ноутбуки, десктопы и моноблоки» от 15.02.2016 12:00 МСК с планом 50; не учтены: от 01.02.2016 10:00 МСК с планом 150 (его заменяет более позднее) и от 05.04.2016 12:00 МСК с планом 150 (не раньше срока 01.04.2016 00:00 МСК).',
    );
    const utc = calculatePartnerQuarter(rules, aReference({ acceptances: [anAcceptance('client', 50, { acceptedAt: '2016-03-31T20:59:00Z' })] }), 'P1', [aTally('client', 'premium', 60)]);
    expect(explainLine(utc.lines[0]!, 'ru')).toContain('от 31.03.2016 23:59 МСК с планом 50.');
  });

  test('a Russian count of times agrees too: three late acceptances are "3 раза"', () => {
    const { en, ru } = both(scenarios()['accepted late three times']!.lines[0]!);
    expect(en).toContain('the partner accepted the client program 3 times, none before the deadline 2016-04-01T00:00:00+03:00');
    expect(ru).toContain('партнёр подтверждал участие в программе «Ноутбуки, десктопы и моноблоки» 3 раза, и ни разу до срока 01.04.2016 00:00 МСК');
  });

  test('untrained precision units: 40 of the 50 paid, the course completed too late named with its time', () => {
    const { en, ru } = both(lineOf(scenarios()['precision untrained, one course late']!, 'workstation'));
    expect(en).toContain('40 of the 50 units bought at distributor D1 in rate row workstation');
    expect(en).toContain('The other 10 units are training-gated products: they count toward the plan but earn 0 without technical training DPWT0212WBTT completed before the training deadline 2016-04-01T00:00:00+03:00. Completed too late: DPWT0212WBTT at 2016-04-15T11:00:00+03:00.');
    expect(ru).toContain(': 40 из 50 единиц × ');
    expect(ru).toContain('Остальные (10 единиц) — товары с обязательными тренингами');
    expect(ru).toContain('пройдены: технический тренинг DPWT0212WBTT. Пройдены слишком поздно: DPWT0212WBTT — 15.04.2016 11:00 МСК.');
  });

  test('the enterprise program without trainings names each group with its choice of courses', () => {
    const { en, ru } = both(scenarios()['enterprise trainings missing']!.lines[0]!);
    expect(en).toContain('the partner lacks a sales training (one of DBSS0109WBTS, DTRSS0309WBTS, VRTX0613WBTS, DDCN0613WBTS) and a technical training (one of');
    expect(ru).toContain('не пройдены: сейлз тренинг (один из: DBSS0109WBTS, DTRSS0309WBTS, VRTX0613WBTS, DDCN0613WBTS) и технический тренинг (один из:');
  });

  test('warnings: a negative net, and a plan that is not a threshold', () => {
    const [negative] = scenarios()['a negative net and a net of zero']!.warnings;
    expect(warningText(negative!, 'en')).toBe('Partner P1, distributor D2 in rate row mainstream (client): net -3 units, returns exceed purchases; paid 0.');
    expect(warningText(negative!, 'ru')).toBe(
      'Партнёр P1, дистрибьютор D2, строка ставок «массовый сегмент» (программа «Ноутбуки, десктопы и моноблоки»): нетто -3 единицы, возвраты превышают покупки; выплачено 0.',
    );
    const [plan] = scenarios()['a plan that is not a threshold']!.warnings;
    expect(warningText(plan!, 'ru')).toContain('называет план 100, которого нет среди её планов');
  });

  test('tier progress: the short status line in both languages', () => {
    const progress = (name: string) => scenarios()[name]!.progress[0]!;
    const below = progress('no plan chosen, 37 units');
    expect(progressSummary(below, 'en')).toBe('client: 37 units; 13 more to reach plan 50');
    expect(progressSummary(below, 'ru')).toBe('«Ноутбуки, десктопы и моноблоки»: 37 единиц; до плана 50 не хватает 13 единиц');
    const chosen = progress('plan 150 chosen, 146 units');
    expect(progressSummary(chosen, 'ru')).toBe('«Ноутбуки, десктопы и моноблоки»: 146 единиц; до выбранного плана 150 не хватает 4 единиц');
    expect(progressSummary(progress('enterprise trainings missing'), 'ru')).toBe(
      '«Оборудование для предприятий»: 6 единиц; достигнут верхний план 5; не пройдены тренинги: оборудование для предприятий',
    );
    expect(progressSummary(progress('accepted late once'), 'en')).toContain('accepted after the deadline 2016-04-01T00:00:00+03:00, nothing is paid');
    expect(progressSummary(progress('accepted late once'), 'ru')).toContain('участие подтверждено после срока 01.04.2016 00:00 МСК, выплат нет');
  });

  test('points reasons: paid units and a course, with Russian plurals of points', () => {
    const r = scenarios()['paid, with acceptances ignored']!;
    const earned = earningsFor(rules, r, [aTraining('DPWS0212WBTS')]);
    const premium = earned.find((e) => e.source.endsWith('/client/premium'))!;
    expect(pointsReason(premium.reason, 'en')).toBe('42 paid units of client/premium at distributor D1 × 75 points (example campaign rate)');
    expect(pointsReason(premium.reason, 'ru')).toBe('Оплаченные единицы по строке ставок «премиум» программы «Ноутбуки, десктопы и моноблоки» у дистрибьютора D1: 42 × 75 баллов (примерная ставка кампании)');
    const course = earned.find((e) => e.source.startsWith('course:'))!;
    expect(pointsReason(course.reason, 'ru')).toMatch(/^Тренинг DPWS0212WBTS пройден 15\.02\.2016 \(по московскому времени\): \d[\d\s\u00a0]* балл(а|ов)? \(примерная ставка кампании\)$/);
  });

  test('a quarter’s points credit and its later adjustment, with points that could not be taken back', () => {
    const target = [{ source: 'course:X', points: 1500, reason: { code: 'stored-text' as const, params: { text: 'x' } } }];
    const credit = creditQuarter([], 'P1', '2016-Q1', target, '2016-05-01T00:00:00+03:00')!;
    expect(credit.reason).toBe('Points of 2016-Q1, credited when the quarter was closed');
    expect(ledgerEntryReason(credit, 'ru')).toBe('Баллы за 2016-Q1, начисленные при закрытии квартала');
    const spent = { ...credit, entryId: 'redeem#r1', kind: 'redeem' as const, quarter: null, points: -1400, why: undefined };
    const fix = creditQuarter([credit, spent], 'P1', '2016-Q1', [], '2016-06-01T00:00:00+03:00')!;
    expect(fix.points).toBe(-100);
    expect(fix.reason).toBe(
      'Adjustment to 2016-Q1: its points are now 0 (1,500 credited before). 1,400 points could not be taken back because they were already redeemed',
    );
    expect(ledgerEntryReason(fix, 'ru').replace(/[\u00a0\u202f]/g, ' ')).toBe(
      'Корректировка за 2016-Q1: баллов за квартал теперь 0 (начислено ранее: 1 500). Не удалось списать 1 400 баллов: они уже потрачены',
    );
    // An entry written before codes keeps its sentence.
    expect(ledgerEntryReason({ reason: 'Points of 2015-Q4', why: undefined }, 'ru')).toBe('Points of 2015-Q4');
  });

  test('adjustments say what changed and why, and the line as it is now', () => {
    const [raised, gone, same] = adjustments();
    expect(explainLine(raised!, 'en')).toMatch(/^Adjustment to 2016-Q1: units changed from 40 to 42 and the amount from 46200\.00 to 48510\.00 RUB \(\+2310\.00\) after the corrected report q1\.csv\. Now: Plan 50 applies/);
    expect(explainLine(raised!, 'ru').replace(/[\u00a0\u202f]/g, ' ')).toMatch(
      /^Корректировка за 2016-Q1: количество единиц изменилось с 40 до 42, сумма с 46 200,00 руб\. до 48 510,00 руб\. \(\+2 310,00 руб\.\) после исправления отчёта q1\.csv\. Сейчас: Действует план 50/,
    );
    expect(explainLine(gone!, 'ru')).toContain('после нового отчёта c.csv, отзыва отчёта b.csv и новой версии правил 2016-Q1.2.');
    expect(explainLine(same!, 'en')).toContain('units changed from 4 to 6 (the amount stays 0.00 RUB) after a change of reference data');
    expect(explainLine(same!, 'ru')).toContain('Сейчас: Не выплачивается: вся программа «Оборудование для предприятий» требует тренингов');
    expect(causesText([], 'ru')).toBe('изменения справочных данных (подтверждений участия, тренингов или статуса партнёра)');
  });

  test('a sentence an earlier version stored is shown as it was, in either language', () => {
    const old = aPayoutLine({ partnerId: 'P1', units: 3 });
    expect(explainLine(old, 'ru')).toBe(explainLine(old, 'en'));
    expect(explainLine(old, 'en')).toBe('3 units paid at 1155.00 RUB.');
    expect(warningText({ code: 'stored-text', params: { text: 'Partner P1: check.' } }, 'ru')).toBe('Partner P1: check.');
    expect(progressSummary({ ...scenarios()['a zero rate']!.progress[0]!, registered: undefined, summary: 'monitors: stored' }, 'ru')).toBe('monitors: stored');
  });

  test('a partner registered under another spelling is named as written', () => {
    const r = calculatePartnerQuarter(rules, aReference({ partner: aPartner({ id: 'RU100101', displayId: 'ru 100101' }), acceptances: [anAcceptance('client', 50, { partnerId: 'RU100101' })] }), 'RU100101', [
      aTally('client', 'premium', 60, { partnerId: 'RU100101', distributorDisplayId: 'D-MERL', distributorId: 'd-merl' }),
      aTally('client', 'mainstream', -2, { partnerId: 'RU100101', distributorDisplayId: 'D-MERL', distributorId: 'd-merl' }),
    ]);
    expect(explainLine(lineOf(r, 'premium', 'd-merl'), 'ru')).toContain('у дистрибьютора D-MERL по строке ставок «премиум»');
    expect(warningText(r.warnings[0]!, 'ru')).toMatch(/^Партнёр ru 100101, дистрибьютор D-MERL,/);
  });
});
