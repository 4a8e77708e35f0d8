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
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileIssueText } from '../../shared/domain/render/row-issues.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { checkReferenceAgainstRules } from '../../shared/reference/parse.js';
import type { FileProblem, ParseResult } from '../../shared/reference/types.js';
import { sampleRules } from '../support/domain-fixtures.js';

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

/** Each problem's English said from its data word for word; its Russian in Russian but for names. */
function russianOf(problems: readonly FileProblem[], allowed: readonly string[]): string[] {
  return problems.map((p) => {
    expect(p.issue, p.message).toBeDefined();
    expect(rowIssueText(p.issue!, 'en')).toBe(p.line ? p.message.replace(/^line \d+: /, '') : p.message);
    expect(fileIssueText(p, 'en')).toBe(
      `${p.file}${p.line ? `:${p.line}` : ''}: ${rowIssueText(p.issue!, 'en')}`,
    );
    const ru = rowIssueText(p.issue!, 'ru');
    expect(ru).toMatch(/[А-Яа-яЁё]{3}/);
    expect(latinWords(ru, allowed), ru).toEqual([]);
    return ru;
  });
}

describe('a data folder’s problems beyond one row, in English and Russian', () => {
  it('rows against the quarter’s rules', () => {
    const rules = sampleRules('2016-Q1');
    const at = '2016-02-01T10:00:00+03:00';
    const problems = checkReferenceAgainstRules(
      {
        partners: [{ id: 'RU1', displayId: 'RU1', name: 'А', status: 'Registered', region: 'Central' }],
        distributors: [],
        acceptances: [
          { partnerId: 'RU2', program: 'client', plan: null, acceptedAt: at },
          { partnerId: 'RU1', program: 'printers', plan: null, acceptedAt: at },
          { partnerId: 'RU1', program: 'client', plan: 75, acceptedAt: at },
        ],
        trainings: [{ partnerId: 'RU3', courseCode: 'DBSS0109WBTS', completedAt: at }],
        catalog: [
          { sku: 'X1', program: 'tablets', rateRow: 'premium' },
          { sku: '210-AJDP', program: 'monitors', rateRow: '21-23' },
        ],
      },
      rules,
    );
    const rateRows = rules.programs.get('monitors')!.rateRows.map((r) => r.id);
    const ru = russianOf(problems, [
      ...[
        'RU1',
        'RU2',
        'RU3',
        'client',
        'monitors',
        'enterprise',
        'printers',
        'tablets',
        'premium',
        'partners.csv',
      ],
      ...['DBSS0109WBTS', 'X1', '210-AJDP', '2016-Q1', 'sku', ...rateRows],
    ]);
    expect(ru).toEqual([
      'партнёр RU2 принял программу client, но его нет в partners.csv',
      'партнёр RU1 принял программу printers, которой нет в правилах 2016-Q1 (программы: client, monitors, enterprise)',
      `партнёр RU1 выбрал план 75 в программе client, а её планы в 2016-Q1: ${rules.programs.get('client')!.plans.join(' и ')}`,
      'партнёр RU3 прошёл курс DBSS0109WBTS, но его нет в partners.csv',
      'sku «X1» сопоставлен программе tablets, которой нет в правилах 2016-Q1 (программы: client, monitors, enterprise)',
      `sku «210-AJDP» сопоставлен строке ставок 21-23, которой нет в программе monitors (строки ставок: ${rateRows.join(', ')})`,
    ]);
  });

  it('the folder’s files: missing, not UTF-8, and reports out of place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'row-issues-'));
    try {
      await writeFile(join(dir, 'partners.csv'), Buffer.from([0xcf, 0xe0, 0xf0, 0x0a])); // Windows-1251
      await writeFile(
        join(dir, 'distributors.csv'),
        'distributor_id,name,segments\norbita,Орбита,consumer\n',
      );
      await mkdir(join(dir, 'reports', 'nobody'), { recursive: true });
      await mkdir(join(dir, 'reports', 'orbita'), { recursive: true });
      await writeFile(join(dir, 'reports', 'loose.csv'), 'x\n');
      await writeFile(join(dir, 'reports', 'orbita', 'jan.xlsx'), 'x');
      const { errors } = await loadDataFolder(dir);
      const ru = russianOf(errors, [
        ...[
          'partners.csv',
          'acceptances.csv',
          'trainings.csv',
          'distributors.csv',
          'catalog.csv',
          'reports',
          'nobody',
        ],
        ...['loose.csv', 'orbita', 'jan.xlsx', '.csv.gz', '.csv', 'distributor_id', 'UTF', 'CSV', 'Windows'],
      ]);
      expect(ru).toEqual([
        'partners.csv — не текст в UTF-8 (возможно, он сохранён в Windows-1251); сохраните его как «CSV UTF-8 (разделитель — запятая)»',
        'acceptances.csv нет в папке данных; в ней должны быть partners.csv, distributors.csv, acceptances.csv, trainings.csv (и может быть catalog.csv)',
        'trainings.csv нет в папке данных; в ней должны быть partners.csv, distributors.csv, acceptances.csv, trainings.csv (и может быть catalog.csv)',
        'reports/loose.csv лежит не в папке дистрибьютора, поэтому неизвестно, чей это отчёт; переместите его в reports/<distributor_id>/',
        'папка reports/nobody/ не названа ни по одному дистрибьютору из distributors.csv (известные: orbita)',
        'reports/orbita/jan.xlsx — не файл .csv или .csv.gz; он пропущен',
      ]);
      await rm(join(dir, 'reports'), { recursive: true });
      const none = await loadDataFolder(dir);
      expect(
        russianOf(
          none.errors.filter((e) => e.file === 'reports'),
          ['reports', 'distributor_id'],
        ),
      ).toEqual(['в папке данных нет папки reports; положите каждый отчёт в reports/<distributor_id>/']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
