/**
 * A reference CSV's row problems as data (issue #15): each kind, found by the parsers in a real
 * file, is said in English exactly as the row's message and in Russian with no Latin word but the
 * column names, the values and the examples the file itself uses.
 */
import { describe, expect, it } from 'vitest';
import { lineIssueText, rowIssueText, type RowIssue } from '../../shared/domain/render/row-issues.js';
import { SEGMENTS } from '../../shared/domain/rules/schema.js';
import {
  parseAcceptances,
  parseCatalog,
  parseDistributors,
  parsePartners,
  parseTrainings,
} from '../../shared/reference/parse.js';
import type { ParseResult } from '../../shared/reference/types.js';

const lines = (...ls: string[]) => ls.join('\n') + '\n';
const COLUMNS = ['partner_id', 'name', 'status', 'region', 'distributor_id', 'segments', 'program', 'plan'];
const COLUMNS_MORE = ['accepted_at', 'course_code', 'completed_at', 'sku', 'rate_row', 'area'];
const EXAMPLES = [
  'RU100123',
  'DPWS0212WBTS',
  'D-MERL',
  'orbita',
  'client',
  'premium',
  'Registered',
  'Preferred',
  'ISO',
];

/** Words of two or more Latin letters left once the file's own words are taken out. */
function latinWords(text: string, allowed: readonly string[]): string[] {
  let rest = text;
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

/** The one problem the parser found, checked to carry its data and its English message from it. */
function only<T>(result: ParseResult<T>): { line: number; issue: RowIssue; en: string; ru: string } {
  expect(result.errors).toHaveLength(1);
  const [e] = result.errors;
  expect(e!.issue).toBeDefined();
  const issue = e!.issue!;
  expect(rowIssueText(issue, 'en')).toBe(e!.message);
  const ru = rowIssueText(issue, 'ru');
  expect(ru).toMatch(/[А-Яа-яЁё]/);
  const values = Object.values(issue).flatMap((v) =>
    Array.isArray(v) ? v.map(String) : typeof v === 'string' ? [v] : [],
  );
  const problemValues =
    issue.kind === 'cell-invalid'
      ? Object.values(issue.problem).flatMap((v) => (Array.isArray(v) ? v.map(String) : [String(v)]))
      : [];
  const allowed = [
    ...COLUMNS,
    ...COLUMNS_MORE,
    ...EXAMPLES,
    ...SEGMENTS,
    ...values,
    ...problemValues,
    'CSV',
    'UTF',
  ];
  expect(latinWords(ru, allowed)).toEqual([]);
  return { line: e!.line, issue, en: e!.message, ru };
}

const partners = (...rows: string[]) => parsePartners(lines('partner_id,name,status,region', ...rows));

describe('row issues of the reference CSVs, in English and Russian', () => {
  it('an empty file', () => {
    const got = only(parsePartners(''));
    expect(got.issue).toEqual({ kind: 'file-empty', columns: ['partner_id', 'name', 'status', 'region'] });
    expect(got.ru).toBe('файл пуст; нужна строка заголовка: partner_id,name,status,region');
  });

  it('a header without required columns, split by semicolons or not', () => {
    const missing = only(parsePartners(lines('partner_id,name,area', 'RU100101,A,Central')));
    expect(missing.issue).toMatchObject({
      kind: 'header-missing',
      missing: ['status', 'region'],
      semicolons: false,
    });
    expect(missing.ru).toBe(
      'в заголовке нет столбцов status, region; найденные столбцы: partner_id, name, area.',
    );
    const semi = only(parsePartners(lines('partner_id;name;status;region', 'RU100101;A;Registered;Central')));
    expect(semi.en).toMatch(/semicolons/);
    expect(semi.ru).toMatch(/^в заголовке нет столбцов partner_id, name, status, region; .*точкой с запятой/);
  });

  it('a row that is not CSV', () => {
    const got = only(partners('RU100101,"ООО Альфа,Registered,Central'));
    expect(got.issue).toMatchObject({ kind: 'not-csv', codes: ['MissingQuotes'] });
    expect(got.en).toMatch(/^cannot be read as CSV: /);
    expect(got.ru).toBe('строку нельзя прочитать как CSV: кавычка не закрыта');
  });

  it('a row whose values do not line up with the header', () => {
    const got = only(partners('RU100101,ООО Альфа, Москва,Registered,Central'));
    expect(got.issue).toEqual({ kind: 'value-count', values: 5, columns: 4 });
    expect(got.ru).toBe(
      'в строке 5 значений, а в заголовке 4 столбца (запятую внутри значения нужно взять в кавычки)',
    );
    expect(rowIssueText({ kind: 'value-count', values: 2, columns: 1 }, 'ru')).toMatch(
      /^в строке 2 значения, а в заголовке 1 столбец/,
    );
  });

  it('an empty cell, and one too long', () => {
    const empty = only(partners('RU100102,,Registered,Volga'));
    expect(empty.issue).toEqual({ kind: 'cell-empty', column: 'name' });
    expect(empty.en).toBe('name is empty');
    expect(empty.ru).toBe('name: значение пустое');
    const long = only(partners(`RU100102,${'Я'.repeat(1234)},Registered,Volga`));
    expect(long.issue).toEqual({ kind: 'cell-too-long', column: 'name', length: 1234, max: 300 });
    expect(long.en).toBe('name is 1,234 characters long; at most 300 are allowed');
    expect(long.ru).toBe('name: длина 1\u00a0234 символа, а допустимо не больше 300');
  });

  it('a value the field does not accept, for every rule', () => {
    const cases: [ParseResult<unknown>, string, string][] = [
      [
        partners('RU?1,A,Registered,Volga'),
        'partner-id',
        'partner_id «RU?1»: не идентификатор партнёра: допустимы буквы и цифры, например RU100123',
      ],
      [
        partners('RU1,A,Gold,Volga'),
        'one-of',
        'status «Gold»: допустимые значения: Registered или Preferred',
      ],
      [
        parseDistributors(lines('distributor_id,name,segments', 'd merl,A,consumer')),
        'distributor-id',
        'distributor_id «d merl»: допустимы только буквы, цифры и дефисы, например orbita или D-MERL',
      ],
      [
        parseDistributors(lines('distributor_id,name,segments', 'merl,A,consumer;toys')),
        'segments-unknown',
        'segments «consumer;toys»: «toys» — не сегмент; укажите consumer, commercial, monitors через точку с запятой',
      ],
      [
        parseDistributors(lines('distributor_id,name,segments', 'merl,A,;')),
        'segments-none',
        'segments «;»: не указано ни одного сегмента; укажите consumer, commercial, monitors через точку с запятой',
      ],
      [
        parseAcceptances(
          lines('partner_id,program,plan,accepted_at', 'RU1,Client Program,,2016-03-01T10:00:00+03:00'),
        ),
        'slug',
        'program «Client Program»: допустимы только строчные буквы, цифры и дефисы, например client',
      ],
      [
        parseAcceptances(
          lines('partner_id,program,plan,accepted_at', 'RU1,client,50.0,2016-03-01T10:00:00+03:00'),
        ),
        'plan',
        'plan «50.0»: нужно целое число единиц, например 50, или пустое значение, если план не выбран',
      ],
      [
        parseAcceptances(lines('partner_id,program,plan,accepted_at', 'RU1,client,,2016-03-01 10:00')),
        'instant-no-offset',
        'accepted_at «2016-03-01 10:00»: нет смещения часового пояса; запишите так: 2016-03-01T10:00:00+03:00',
      ],
      [
        parseTrainings(lines('partner_id,course_code,completed_at', 'RU1,DPWS0212WBTS,1 марта')),
        'instant-format',
        'completed_at «1 марта»: не дата и время в формате ISO 8601; запишите так: 2016-03-01T10:00:00+03:00',
      ],
      [
        parseTrainings(
          lines('partner_id,course_code,completed_at', 'RU1,DPWS0212WBTS,2016-02-30T10:00:00+03:00'),
        ),
        'instant-unreal',
        'completed_at «2016-02-30T10:00:00+03:00»: такой даты или времени не бывает; запишите так: 2016-03-01T10:00:00+03:00',
      ],
      [
        parseTrainings(lines('partner_id,course_code,completed_at', 'RU1,курс 1,2016-03-01T10:00:00+03:00')),
        'course-code',
        'course_code «курс 1»: не код курса (пример кода: DPWS0212WBTS)',
      ],
      [
        parseCatalog(lines('sku,program,rate_row', '210-AJDP,client,Premium Row')),
        'slug',
        'rate_row «Premium Row»: допустимы только строчные буквы, цифры и дефисы, например premium',
      ],
    ];
    for (const [result, kind, ru] of cases) {
      const got = only(result);
      expect(got.issue).toMatchObject({ kind: 'cell-invalid', problem: { kind } });
      expect(got.ru).toBe(ru);
    }
  });

  it('the problems only the JSON rows meet, said after the field name', () => {
    expect(
      rowIssueText(
        { kind: 'cell-invalid', column: 'plan', value: '0', problem: { kind: 'plan', none: 'null' } },
        'en',
      ),
    ).toBe('plan "0" must be a whole number of units such as 50, or null when no plan was chosen');
    expect(
      rowIssueText(
        {
          kind: 'cell-invalid',
          column: 'segment',
          value: 'toys',
          problem: { kind: 'segment', values: SEGMENTS },
        },
        'ru',
      ),
    ).toBe('segment «toys»: не сегмент; допустимые сегменты: consumer, commercial, monitors');
    expect(
      rowIssueText({ kind: 'cell-invalid', column: 'name', value: '', problem: { kind: 'empty' } }, 'ru'),
    ).toBe('name «»: не должно быть пустым');
  });

  it('a repeated key, named as the later row writes it, with the line it is already on', () => {
    const result = partners(
      'RU100104,ООО «Галактика»,Preferred,Ural',
      'ru100104,ООО «Галактика-2»,Registered,Ural',
    );
    const got = only(result);
    expect(got.issue).toEqual({ kind: 'repeated', column: 'partner_id', value: 'ru100104', firstLine: 2 });
    expect(got.ru).toBe('partner_id «ru100104» уже есть в строке 2');
    expect(lineIssueText({ ...got.issue, line: got.line }, 'ru')).toBe(
      'строка 3: partner_id «ru100104» уже есть в строке 2',
    );
    expect(lineIssueText({ ...got.issue, line: got.line }, 'en')).toBe(
      'line 3: partner_id "ru100104" is already on line 2',
    );
  });
});
