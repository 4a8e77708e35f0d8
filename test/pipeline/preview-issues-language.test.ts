/**
 * A what-if preview's refused thresholds, rates and extra units in both languages (issue #15): each
 * kind thrown by the real preview code is listed in English word for word and in Russian with no
 * Latin word but the request's field paths, program and rate-row IDs and the quarter.
 */
import { describe, expect, it } from 'vitest';
import { toUserError } from '../../shared/errors.js';
import { withRates } from '../../shared/pipeline/preview.js';
import { extrasExtract, withPlans } from '../../shared/pipeline/preview-inputs.js';
import { sampleRules } from '../support/domain-fixtures.js';

const rules = sampleRules('2016-Q1');
const [low, high] = rules.file.programs.find((p) => p.id === 'client')!.plans as [number, number];

function refusal(fn: () => unknown) {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeDefined();
  return { en: toUserError(err, 'en'), ru: toUserError(err, 'ru') };
}

/** Words of two or more Latin letters, once the request's own names are taken out. */
function latinWords(text: string, allowed: readonly string[]): string[] {
  let rest = text;
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

function allRussian(issues: readonly string[] | undefined, allowed: readonly string[]) {
  expect(issues?.length).toBeGreaterThan(0);
  for (const text of issues!) {
    expect(text).toMatch(/[А-Яа-яЁё]{3}/);
    expect(latinWords(text, [...allowed, '2016-Q1'])).toEqual([]);
  }
}

describe('preview issues in English and Russian', () => {
  it('a rate the quarter does not have', () => {
    const { en, ru } = refusal(() => withRates(rules, { 'client/nope/50': '1.00' }));
    expect(en.issues).toEqual([
      'rates.client/nope/50: the 2016-Q1 rules have no rate for plan 50 of client/nope',
    ]);
    expect(ru.issues).toEqual([
      'rates.client/nope/50: в правилах 2016-Q1 нет ставки для плана 50 в client/nope',
    ]);
    expect(ru.code).toBe(en.code);
    allRussian(ru.issues, ['rates.client/nope/50', 'client/nope']);
  });

  it('a plan the program does not have, and thresholds out of order', () => {
    const unknown = refusal(() => withPlans(rules, { 'client/77': 10 }));
    expect(unknown.en.issues).toEqual([
      'plans.client/77: the 2016-Q1 rules have no plan 77 in program client',
    ]);
    expect(unknown.ru.issues).toEqual([
      'plans.client/77: в правилах 2016-Q1 нет плана 77 в программе client',
    ]);
    allRussian(unknown.ru.issues, ['plans.client/77', 'client']);

    const order = refusal(() => withPlans(rules, { [`client/${low}`]: high + 1 }));
    expect(order.en.issues).toEqual([
      `plans.client/${low}: the plans of client must stay in rising order without repeats (${high + 1}, ${high})`,
    ]);
    expect(order.ru.issues).toEqual([
      `plans.client/${low}: пороги плана программы client должны идти по возрастанию без повторов (${high + 1}, ${high})`,
    ]);
    allRussian(order.ru.issues, [`plans.client/${low}`, 'client']);
  });

  it('extra units for a rate row the quarter does not have', () => {
    const { en, ru } = refusal(() =>
      extrasExtract(rules, [
        { partnerId: 'P1', program: 'client', rateRow: 'vostro-3xxx', units: 1 },
        { partnerId: 'P1', program: 'client', rateRow: 'nope', units: 1 },
      ]),
    );
    expect(en.issues).toEqual(['units.1: the 2016-Q1 rules have no rate row client/nope']);
    expect(ru.issues).toEqual(['units.1: в правилах 2016-Q1 нет строки ставок client/nope']);
    allRussian(ru.issues, ['units.1', 'client/nope']);
  });
});
