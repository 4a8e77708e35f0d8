import { describe, expect, it } from 'vitest';
import {
  AUDIT_SUBJECT_CODES,
  askedBySubject,
  rowGroups,
  subjectFromTarget,
  subjectText,
  targetSaid,
  type AuditSubject,
} from '../../shared/domain/render/audit.js';

type Code = (typeof AUDIT_SUBJECT_CODES)[number];

// One subject of every code: the Record makes a new code without a sample a type error.
const SAMPLES: Record<Code, AuditSubject> = {
  close: { code: 'close', params: { quarter: '2016-Q1' } },
  rows: {
    code: 'rows',
    params: {
      groups: rowGroups({
        partners: ['RU 910001', 'RU910002'],
        acceptances: ['RU1', 'RU2', 'RU3', 'RU4', 'RU5', 'RU6', 'RU7', 'RU1'],
        catalog: ['VOSTRO 3568, NB'],
      }),
    },
  },
  report: { code: 'report', params: { key: 'incoming/alfa/feb, march.csv' } },
  export: { code: 'export', params: { quarter: '2016-Q1', format: 'xlsx' } },
  payment: {
    code: 'payment',
    params: { paymentId: 'pay-1', partner: 'RU 910001', distributor: 'D-MERL', quarter: '2016-Q1' },
  },
  redemption: { code: 'redemption', params: { reward: 'MUG-1', partner: 'RU910001' } },
  rules: { code: 'rules', params: { quarter: '2016-Q2', version: '2016-Q2.v3' } },
};

/** Every identifier a subject carries: what may stay Latin on a Russian page. */
function identifiers(s: AuditSubject): string[] {
  const p = s.params as Record<string, unknown>;
  const groups = s.code === 'rows' ? s.params.groups.flatMap((g) => g.named) : [];
  return [...groups, ...Object.values(p).filter((v): v is string => typeof v === 'string')];
}

const subjects: AuditSubject[] = [
  ...Object.values(SAMPLES),
  askedBySubject({ code: 'close', params: { quarter: '2016-Q1' } }, 'fin-2'),
  askedBySubject({ code: 'rows', params: { groups: rowGroups({ trainings: ['RU1'] }) } }, 'mgr-1'),
];

describe('audit subjects', () => {
  it('words the English target as entries always recorded it', () => {
    expect(subjectText(SAMPLES.close, 'en')).toBe('close of quarter 2016-Q1');
    expect(
      subjectText(askedBySubject({ code: 'close', params: { quarter: '2016-Q1' } }, 'fin-2'), 'en'),
    ).toBe('close of quarter 2016-Q1, asked by fin-2');
    expect(subjectText(SAMPLES.rows, 'en')).toBe(
      'partners of RU 910001, RU910002; acceptances of RU1, RU2, RU3, RU4, RU5, and 2 more; catalog of VOSTRO 3568, NB',
    );
  });

  it.each(subjects.map((s) => [subjectText(s, 'en'), s] as const))(
    'reads "%s" back into its subject',
    (text, s) => {
      // A comma inside a SKU cannot be told from the list's own, so rows are compared by their text.
      const back = subjectFromTarget(text);
      expect(back && subjectText(back, 'en')).toBe(text);
      expect(back?.code).toBe(s.code);
      expect(back && subjectText(back, 'ru')).toBe(subjectText(s, 'ru'));
    },
  );

  it.each(subjects.map((s) => [s.code, s] as const))(
    'says a %s subject in Russian, identifiers as recorded',
    (_code, s) => {
      const ru = subjectText(s, 'ru');
      expect(ru).toMatch(/[а-яё]/);
      let rest = ru;
      for (const id of identifiers(s).sort((a, b) => b.length - a.length)) {
        expect(ru).toContain(id);
        rest = rest.split(id).join('');
      }
      expect(rest).not.toMatch(/[A-Za-z]/);
    },
  );

  it('gives a target in no known form as written, marked English', () => {
    expect(targetSaid({ target: 'something else entirely' }, 'ru')).toEqual({
      text: 'something else entirely',
      lang: 'en',
    });
    expect(targetSaid({ target: 'close of quarter 2016-Q1, asked by fin-1' }, 'ru')).toEqual({
      text: 'закрытие квартала 2016-Q1 по запросу fin-1',
      lang: 'ru',
    });
  });

  it('names at most five rows of a kind and counts the rest', () => {
    const ids = Array.from({ length: 12 }, (_, i) => `P${i}`);
    expect(rowGroups({ trainings: [...ids, 'P0'] })).toEqual([
      { what: 'trainings', named: ids.slice(0, 5), more: 7 },
    ]);
    expect(subjectText({ code: 'rows', params: { groups: rowGroups({ trainings: ids }) } }, 'ru')).toBe(
      'обучения: P0, P1, P2, P3, P4 и ещё 7',
    );
  });
});
