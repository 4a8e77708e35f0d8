/**
 * Counted labels of the dashboard (web/js/plural.js): the form Intl.PluralRules picks for the page's
 * language, so a Russian page says "1 балл", "2 балла", "5 баллов", "21 балл", "11 баллов".
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { stubRussianBrowser, webModule } from '../support/web-modules.js';

type Labels = Record<'en' | 'ru', Record<string, string>>;
type Tp = (key: string, n: number, params?: Record<string, unknown>) => string;

let tp: Tp;
let setLang: (lang: string) => void;
let STRINGS: Labels;

beforeAll(async () => {
  stubRussianBrowser();
  ({ tp } = (await webModule('plural.js')) as { tp: Tp });
  ({ setLang } = (await webModule('i18n.js')) as { setLang: (lang: string) => void });
  ({ STRINGS } = (await webModule('labels.js')) as { STRINGS: Labels });
});

const COUNTS = [1, 2, 5, 21, 22, 25, 11];

describe('counted labels', () => {
  it('in Russian, the noun agrees with the count: one, few or many', () => {
    setLang('ru');
    expect(COUNTS.map((n) => tp('pointsBalance', n))).toEqual([
      'Баланс: 1 балл',
      'Баланс: 2 балла',
      'Баланс: 5 баллов',
      'Баланс: 21 балл',
      'Баланс: 22 балла',
      'Баланс: 25 баллов',
      'Баланс: 11 баллов',
    ]);
    expect(COUNTS.map((n) => tp('rfMoreRows', n))).toEqual([
      'и ещё 1 строка, не сохранённая в журнале',
      'и ещё 2 строки, не сохранённые в журнале',
      'и ещё 5 строк, не сохранённых в журнале',
      'и ещё 21 строка, не сохранённая в журнале',
      'и ещё 22 строки, не сохранённые в журнале',
      'и ещё 25 строк, не сохранённых в журнале',
      'и ещё 11 строк, не сохранённых в журнале',
    ]);
    // Other placeholders are filled beside the count, which Intl formats (a no-break space in thousands).
    expect(tp('rewardOption', 9620, { name: 'Ray-Ban' })).toBe('Ray-Ban — 9\u00a0620 баллов');
  });

  it('in English, one is singular and every other count plural', () => {
    setLang('en');
    expect(COUNTS.map((n) => tp('pointsBalance', n))).toEqual([
      'Balance: 1 point',
      'Balance: 2 points',
      'Balance: 5 points',
      'Balance: 21 points',
      'Balance: 22 points',
      'Balance: 25 points',
      'Balance: 11 points',
    ]);
    expect(tp('firstRejects', 1)).toBe('The first rejected line:');
    expect(tp('firstRejects', 21)).toBe('The first 21 rejected lines:');
  });

  it('every counted label has all four forms in both languages, each saying the count where the form needs it', () => {
    const counted = new Set(
      Object.keys(STRINGS.en)
        .filter((k) => /_(one|few|many|other)$/.test(k))
        .map((k) => k.replace(/_(one|few|many|other)$/, '')),
    );
    expect(counted.size).toBeGreaterThanOrEqual(9);
    for (const lang of ['en', 'ru'] as const)
      for (const key of counted) {
        for (const form of ['one', 'few', 'many', 'other'])
          expect(STRINGS[lang], `${lang} ${key}_${form}`).toHaveProperty(`${key}_${form}`);
        // Russian "one" covers 21 and 31 too: it must show the figure.
        if (lang === 'ru') expect(STRINGS.ru[`${key}_one`], key).toContain('{n}');
        expect(STRINGS[lang][key], `${lang} ${key} left as one fixed form`).toBeUndefined();
      }
  });
});
