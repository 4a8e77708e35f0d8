/**
 * Reject and held-line details (issue #15 point 4): every detail the file checks, the report
 * reader, classification and the quarter computation write reads back into its code, is written
 * in English word for word as stored, and in Russian with no English word of its template.
 */
import { describe, expect, it } from 'vitest';
import { classify } from '../../shared/domain/classify.js';
import {
  DETAIL_CODES,
  DETAIL_EN,
  detailText,
  lineDetail,
  readDetail,
  type Detail,
  type DetailCode,
} from '../../shared/domain/render/details.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import type { ReportRecord } from '../../shared/csv/read-report.js';
import { FileLineChecks, FILE_REJECT_REASONS } from '../../shared/pipeline/line-checks.js';
import { requireHeader } from '../../shared/csv/header.js';
import { chunked, readAll } from '../csv/helpers.js';
import { sampleRules } from '../support/domain-fixtures.js';

/** Values each detail is tried with (a code without a sample fails the first test). */
const SAMPLES: Record<DetailCode, Record<string, string>> = {
  'field-count': { fields: '7', expected: '6', delimiter: 'semicolon' },
  'quote-never-closed': {},
  'quote-not-doubled': {},
  'line-too-long': { max: '1,000,000', start: 'abc;def' },
  'line-too-long-to-end': { max: '1,000,000', start: '2016-02-15;X' },
  'value-too-long': { column: 'Описание', length: '1,001', max: '1,000', start: 'мммм' },
  'utf8-in-cp1251': {},
  'not-utf8': {},
  'zero-byte': {},
  'missing-field': { fields: 'invoice_date, quantity' },
  'distributor-mismatch': { column: 'other', folder: 'D-MERL' },
  'unknown-partner': { written: 'ID 99', key: '99' },
  'date-empty': {},
  'date-unreadable': { value: 'soon' },
  'date-no-month': { value: '2016-13-01', month: '13' },
  'date-no-day': { value: '2016-02-30', days: '29' },
  'date-bad-time': { value: '2016-02-15 25:00' },
  'date-outside-quarter': { date: '2015-12-31', quarters: '2016-Q1, 2016-Q2' },
  'quantity-empty': {},
  'quantity-fraction': { value: '12,5' },
  'quantity-exponent': { value: '1e9' },
  'quantity-not-number': { value: 'три' },
  'quantity-too-large': { value: '200000', max: '100000' },
  'duplicate-line': { line: '12' },
  'distributor-unregistered': { distributor: 'd-new' },
  'distributor-not-authorized': { distributor: 'D-MERL', segment: 'monitors', program: 'monitors' },
  'claimed-in-this-report': { tag: 'ABC1234', line: '3' },
  'claimed-in-report': { tag: 'ABC1234', report: 'rpt_00000000000000000001', distributor: 'd2', line: '3', quarter: '2016-Q1' },
  'claimed-by-another-distributor': { tag: 'ABC1234' },
  'no-family': { description: 'Something else entirely' },
  'empty-description': {},
  'monitor-no-size': { description: 'Монитор Dell' },
  'no-model': { family: 'Latitude', description: 'Dell Latitude 14" notebook' },
  'form-factor-unknown': { product: 'OptiPlex 3050', options: 'desktop or all-in-one' },
  'no-rule': { product: 'Vostro 7590 notebook', version: '2016-Q1.v3' },
  'catalog-row-unknown': { sku: 'X-1', program: 'client', rateRow: 'premium', version: '2016-Q1.v3' },
  'header-missing': {
    missing: 'invoice_date, quantity',
    found: '"Дата", "Товар"',
    accepted: 'invoice_date: invoice_date, invoice date, дата счета; quantity: quantity, qty, количество',
  },
  'rule-reason': { text: 'Vostro 5xxx desktops are not in any rate row', ru: 'Настольные Vostro 5xxx не входят ни в одну строку ставок' },
};

/** Words of a form's own English (not of its values), which a Russian sentence must not carry. */
function ownWords(code: DetailCode): string[] {
  const words = DETAIL_EN[code].replace(/\{\w+\}/g, ' ').match(/[A-Za-z]{3,}/g) ?? [];
  // Proper names and file formats stay as they are in Russian.
  const names = new Set(['dell', 'utf', 'windows']);
  return words.filter((w) => !names.has(w.toLowerCase()) && w !== w.toUpperCase());
}

const REASON_OF: Record<string, string> = {};
for (const code of DETAIL_CODES) {
  const sentence = detailText({ code, params: SAMPLES[code] }, 'en');
  for (const reason of ['malformed-row', 'missing-field', 'distributor-mismatch', 'unknown-partner', 'bad-date', 'date-outside-quarter', 'bad-quantity', 'duplicate-line', 'distributor-not-authorized', 'duplicate-claim', 'unclassified-product', 'header-missing-fields'])
    if (!REASON_OF[code] && readDetail(sentence, reason)?.code === code) REASON_OF[code] = reason;
}

describe('detail forms', () => {
  it('has a sample for every code', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual([...DETAIL_CODES].sort());
  });

  for (const code of DETAIL_CODES) {
    const detail: Detail = { code, params: SAMPLES[code] };

    it(`${code}: English fills the template; Russian is Russian and keeps the values`, () => {
      const en = detailText(detail, 'en');
      expect(en).not.toMatch(/\{\w+\}/);
      for (const v of Object.values(detail.params)) if (code !== 'rule-reason') expect(en).toContain(v);
      const ru = detailText(detail, 'ru');
      expect(ru).toMatch(/[А-Яа-яЁё]{3,}/);
      expect(ru).not.toMatch(/undefined|\{\w+\}/);
      const latin = new Set((ru.match(/[A-Za-z]{3,}/g) ?? []).map((w) => w.toLowerCase()));
      const leaked = ownWords(code).filter((w) => latin.has(w.toLowerCase()) && !Object.values(detail.params).join(' ').includes(w));
      expect(leaked, ru).toEqual([]);
    });

    if (code !== 'rule-reason')
      it(`${code}: its English sentence reads back into it`, () => {
        const en = detailText(detail, 'en');
        expect(readDetail(en)).toEqual(detail);
        expect(REASON_OF[code]).toBeDefined();
        expect(lineDetail({ message: en }, REASON_OF[code], 'ru')).toEqual({ text: detailText(detail, 'ru'), lang: 'ru' });
      });
  }

  it('says numbers, dates and plurals the Russian way', () => {
    expect(detailText({ code: 'line-too-long', params: SAMPLES['line-too-long'] }, 'ru')).toContain('1\u00a0000\u00a0000 знаков');
    expect(detailText({ code: 'date-no-day', params: { value: '2016-04-31', days: '30' } }, 'ru')).toContain('30 дней');
    expect(detailText({ code: 'date-no-day', params: { value: '2015-02-29', days: '28' } }, 'ru')).toContain('28 дней');
    expect(detailText({ code: 'date-no-day', params: { value: '2016-01-32', days: '31' } }, 'ru')).toContain('31 день');
    expect(detailText({ code: 'date-outside-quarter', params: SAMPLES['date-outside-quarter'] }, 'ru')).toContain('31.12.2015');
    expect(detailText({ code: 'missing-field', params: SAMPLES['missing-field'] }, 'ru')).toBe('Не заполнено: дата счёта, количество.');
    expect(detailText({ code: 'distributor-not-authorized', params: SAMPLES['distributor-not-authorized'] }, 'ru')).toBe(
      'Дистрибьютор «D-MERL» не авторизован на сегмент «мониторы», поэтому эта строка программы «Мониторы» не оплачивается.',
    );
    expect(detailText({ code: 'form-factor-unknown', params: SAMPLES['form-factor-unknown'] }, 'ru')).toMatch(
      /^OptiPlex 3050: не указан тип корпуса \(настольный компьютер или моноблок\?\)/,
    );
    expect(detailText({ code: 'no-rule', params: SAMPLES['no-rule'] }, 'ru')).toMatch(/^Vostro 7590 \(ноутбук\): /);
  });

  it('leaves a sentence no form wrote as it is, in English', () => {
    const stored = { message: 'Some older wording of a reject.' };
    expect(readDetail(stored.message)).toBeNull();
    expect(lineDetail(stored, 'bad-date', 'ru')).toEqual({ text: stored.message, lang: 'en' });
    // A reason narrows the forms: a date sentence is not read as a quantity's.
    const date = detailText({ code: 'date-unreadable', params: { value: 'x' } }, 'en');
    expect(readDetail(date, 'bad-quantity')).toBeNull();
    // A rules file's reason without a Russian wording stays English; with one, it is Russian.
    const rule: Detail = { code: 'rule-reason', params: { text: 'Not in the program' } };
    expect(lineDetail({ message: 'Not in the program', detail: rule }, 'not-eligible-product', 'ru')).toEqual({
      text: 'Not in the program',
      lang: 'en',
    });
    const withRu: Detail = { code: 'rule-reason', params: SAMPLES['rule-reason'] };
    expect(lineDetail({ message: SAMPLES['rule-reason'].text!, detail: withRu }, 'not-eligible-product', 'ru').lang).toBe('ru');
  });
});

describe('the details ingest and the computation write', () => {
  const book = new RulesBook([sampleRules('2016-Q1')]);

  it('every file check writes a sentence that reads back into a detail of its reason', () => {
    const checks = new FileLineChecks(book, 'd1', { product: () => ({ hi: 1, lo: 2 }), knownPartner: (k) => k !== 'NOBODY' });
    const base = {
      invoice_date: '2016-02-15',
      invoice_number: 'INV-1',
      partner_id: 'P1',
      description: 'Dell Latitude 5480',
      quantity: '3',
    };
    const lines: ReportRecord['values'][] = [
      base,
      base,
      { ...base, quantity: '' },
      { ...base, distributor: 'other' },
      { ...base, partner_id: 'NOBODY' },
      ...['soon', '2016-13-01', '2016-02-30', '2016-02-15 25:00', '2015-12-31'].map((d) => ({ ...base, invoice_date: d })),
      ...['12,5', '1e9', 'три', '200000'].map((q) => ({ ...base, quantity: q })),
    ];
    const seen = new Set<string>();
    lines.forEach((values, i) => {
      const reject = checks.check({ line: i + 2, fields: Object.values(values) as string[], values });
      if (!reject) return;
      const detail = readDetail(reject.message, reject.code);
      expect(detail, reject.message).not.toBeNull();
      expect(detailText(detail!, 'ru')).toMatch(/[А-Яа-яЁё]/);
      seen.add(detail!.code);
    });
    expect([...seen].sort()).toEqual(
      [
        'duplicate-line',
        'missing-field',
        'distributor-mismatch',
        'unknown-partner',
        'date-unreadable',
        'date-no-month',
        'date-no-day',
        'date-bad-time',
        'date-outside-quarter',
        'quantity-fraction',
        'quantity-exponent',
        'quantity-not-number',
        'quantity-too-large',
      ].sort(),
    );
    expect(FILE_REJECT_REASONS).toContain('bad-quantity');
  });

  it("the report reader's line errors read back into details", async () => {
    const header = 'invoice_date;invoice_number;partner_id;description;quantity\n';
    const rows = [
      '2016-02-15;INV-1;P1;Latitude;3;extra',
      `2016-02-15;INV-2;P1;${'m'.repeat(50)};3`,
      '2016-02-15;"INV-4";P1;"Lat"itude";3',
    ];
    const { records } = await readAll(chunked(Buffer.from(header + rows.join('\n') + '\n')), { maxFieldChars: 40 });
    const codes = records.filter((r) => r.error).map((r) => readDetail(r.error!.message, r.error!.code)?.code ?? r.error!.message);
    expect(codes).toEqual(expect.arrayContaining(['field-count', 'value-too-long']));
    for (const c of codes) expect(DETAIL_CODES as string[]).toContain(c);
  });

  it("a header's missing columns read back into a detail, with the accepted names in Russian words", () => {
    let message = '';
    try {
      requireHeader(['Дата', 'Товар', 'Partner ID', 'Номер счета']);
    } catch (err) {
      message = (err as Error).message;
    }
    const detail = readDetail(message, 'header-missing-fields');
    expect(detail?.code, message).toBe('header-missing');
    const ru = detailText(detail!, 'ru');
    expect(ru).toMatch(/^В заголовке нет столбца для полей: (дата счёта|наименование товара|количество)/);
    expect(ru).toContain('Найдены столбцы: "Дата", "Товар", "Partner ID", "Номер счета".');
    expect(ru).toContain('количество — quantity, qty');
  });

  it('classification keeps its reason and says it as a detail', () => {
    const rules = sampleRules('2016-Q1');
    const cases: [string, DetailCode][] = [
      ['Something else entirely', 'no-family'],
      ['', 'empty-description'],
      ['Монитор Dell', 'monitor-no-size'],
      ['Dell Venue 8 3840 tablet 16GB', 'rule-reason'],
    ];
    for (const [description, code] of cases) {
      const c = classify(rules, { description });
      expect(c.outcome).not.toBe('rated');
      if (c.outcome === 'rated') continue;
      expect(c.detail?.code, description).toBe(code);
      expect(detailText(c.detail!, 'en')).toBe(c.reason);
      expect(detailText(c.detail!, 'ru')).toMatch(/[А-Яа-яЁё]{3,}/);
    }
  });
});
