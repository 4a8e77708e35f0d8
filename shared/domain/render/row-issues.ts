/**
 * A reference CSV's row problems as data (what is wrong, with which column and value), so the list
 * of issues can be said in the reader's language. English is word for word what the parsers always
 * wrote; Russian names columns and values as written in the file (they are the file's own words).
 */
import { int, pick, type Lang } from './format.js';

/** Why a cell's value is not acceptable (the rules of shared/reference/fields.ts). */
export type CellProblem =
  | { kind: 'partner-id' }
  | { kind: 'distributor-id' }
  | { kind: 'slug'; example: string }
  | { kind: 'one-of'; values: readonly string[] }
  | { kind: 'segment'; values: readonly string[] }
  | { kind: 'segments-unknown'; unknown: readonly string[]; values: readonly string[] }
  | { kind: 'segments-none'; values: readonly string[] }
  | { kind: 'course-code' }
  | { kind: 'instant-no-offset'; example: string }
  | { kind: 'instant-format'; example: string }
  | { kind: 'instant-unreal'; example: string }
  /** `none` is how "no plan" is written where the value came from: `empty` in a CSV, `null` in JSON. */
  | { kind: 'plan'; none: 'empty' | 'null' }
  | { kind: 'empty' };

/** One row's problem (or the header's, or the file's). */
export type RowIssue =
  | { kind: 'file-empty'; columns: readonly string[] }
  | { kind: 'header-missing'; missing: readonly string[]; found: readonly string[]; semicolons: boolean }
  /** papaparse's own words (`messages`) and codes (`codes`, e.g. MissingQuotes). */
  | { kind: 'not-csv'; codes: readonly string[]; messages: readonly string[] }
  | { kind: 'value-count'; values: number; columns: number }
  | { kind: 'cell-empty'; column: string }
  | { kind: 'cell-too-long'; column: string; length: number; max: number }
  | { kind: 'cell-invalid'; column: string; value: string; problem: CellProblem }
  /** The row repeats the key of an earlier one: `column` holds it, `firstLine` is where it was first. */
  | { kind: 'repeated'; column: string; value: string; firstLine: number }
  | FolderIssue;

/** A data folder's problem beyond one row: its files (data-folder.ts) and rows against the rules. */
export type FolderIssue =
  | { kind: 'not-utf8'; file: string }
  | { kind: 'file-missing'; file: string; required: readonly string[]; optional: string }
  | { kind: 'report-not-csv'; file: string }
  | { kind: 'no-reports-folder' }
  | { kind: 'report-outside-folder'; file: string }
  | { kind: 'report-folder-unknown'; file: string; known: readonly string[] }
  | { kind: 'acceptance-partner-unknown'; partner: string; program: string }
  | { kind: 'acceptance-program-unknown'; partner: string; program: string; quarter: string; programs: readonly string[] }
  | { kind: 'acceptance-plan-unknown'; partner: string; program: string; plan: number; quarter: string; plans: readonly number[] }
  | { kind: 'training-partner-unknown'; partner: string; course: string }
  | { kind: 'catalog-program-unknown'; sku: string; program: string; quarter: string; programs: readonly string[] }
  | { kind: 'catalog-rate-row-unknown'; sku: string; program: string; rateRow: string; rateRows: readonly string[] };

/**
 * A data folder's problem as `rebates import` lists it: `message` is the English, said in Russian
 * from `issue` when there is one.
 */
export interface FileIssue {
  file: string;
  line: number | null;
  message: string;
  issue?: RowIssue;
}

/** `file:line: problem`, the line's own "line N: " left out (the place already says it). */
export function fileIssueText(p: FileIssue, lang: Lang): string {
  const said =
    lang === 'ru' && p.issue
      ? rowIssueText(p.issue, 'ru')
      : p.line
        ? p.message.replace(new RegExp(`^line ${p.line}: `), '')
        : p.message;
  return `${p.file}${p.line ? `:${p.line}` : ''}: ${said}`;
}

/** A row issue with the file's line number (the header is line 1). */
export type LineIssue = RowIssue & { line: number };

const quoted = (values: readonly string[]): string => values.map((v) => `"${v}"`).join(', ');
const ru = (s: string): string => `«${s}»`;

/** The words after a column's name and value, as the field rules say them. */
export function cellProblemText(p: CellProblem, lang: Lang): string {
  if (lang === 'ru') return cellProblemRu(p);
  switch (p.kind) {
    case 'partner-id':
      return 'is not a partner ID: use letters and digits, e.g. RU100123';
    case 'distributor-id':
      return 'must be letters, digits and dashes, e.g. "orbita" or "D-MERL"';
    case 'slug':
      return `must be lower-case letters, digits and dashes, e.g. "${p.example}"`;
    case 'one-of':
      return `must be ${p.values.join(' or ')}`;
    case 'segment':
      return `is not a segment; use ${p.values.join(', ')}`;
    case 'segments-unknown':
      return `has ${quoted(p.unknown)}, which is not a segment; use ${p.values.join(', ')} separated by ;`;
    case 'segments-none':
      return `names no segment; use ${p.values.join(', ')} separated by ;`;
    case 'course-code':
      return 'is not a course code like DPWS0212WBTS';
    case 'instant-no-offset':
      return `has no time zone offset; write it like ${p.example}`;
    case 'instant-format':
      return `is not an ISO 8601 date and time; write it like ${p.example}`;
    case 'instant-unreal':
      return `is not a real date and time; write it like ${p.example}`;
    case 'plan':
      return `must be a whole number of units such as 50, or ${p.none} when no plan was chosen`;
    case 'empty':
      return 'must not be empty';
  }
}

function cellProblemRu(p: CellProblem): string {
  switch (p.kind) {
    case 'partner-id':
      return 'не идентификатор партнёра: допустимы буквы и цифры, например RU100123';
    case 'distributor-id':
      return 'допустимы только буквы, цифры и дефисы, например orbita или D-MERL';
    case 'slug':
      return `допустимы только строчные буквы, цифры и дефисы, например ${p.example}`;
    case 'one-of':
      return `допустимые значения: ${p.values.join(' или ')}`;
    case 'segment':
      return `не сегмент; допустимые сегменты: ${p.values.join(', ')}`;
    case 'segments-unknown':
      return `${p.unknown.map(ru).join(', ')} — не ${p.unknown.length === 1 ? 'сегмент' : 'сегменты'}; укажите ${p.values.join(', ')} через точку с запятой`;
    case 'segments-none':
      return `не указано ни одного сегмента; укажите ${p.values.join(', ')} через точку с запятой`;
    case 'course-code':
      return 'не код курса (пример кода: DPWS0212WBTS)';
    case 'instant-no-offset':
      return `нет смещения часового пояса; запишите так: ${p.example}`;
    case 'instant-format':
      return `не дата и время в формате ISO 8601; запишите так: ${p.example}`;
    case 'instant-unreal':
      return `такой даты или времени не бывает; запишите так: ${p.example}`;
    case 'plan':
      return `нужно целое число единиц, например 50, или ${p.none === 'empty' ? 'пустое значение' : 'null'}, если план не выбран`;
    case 'empty':
      return 'не должно быть пустым';
  }
}

/** papaparse's codes in Russian; one it may add later is said in general words. */
const CSV_CODES_RU: Record<string, string> = {
  MissingQuotes: 'кавычка не закрыта',
  InvalidQuotes: 'кавычки стоят неверно',
  UndetectableDelimiter: 'не найден разделитель',
  TooFewFields: 'значений меньше, чем столбцов',
  TooManyFields: 'значений больше, чем столбцов',
};

/** One issue as a sentence, without its line number. */
export function rowIssueText(i: RowIssue, lang: Lang): string {
  if (lang === 'ru') return rowIssueRu(i);
  switch (i.kind) {
    case 'file-empty':
      return `the file is empty; it needs a header line: ${i.columns.join(',')}`;
    case 'header-missing': {
      const hint = i.semicolons
        ? ' The file seems to be separated by semicolons: save it as "CSV UTF-8 (comma delimited)".'
        : '';
      return `the header has no column ${i.missing.join(', ')}; columns found: ${i.found.filter(Boolean).join(', ') || 'none'}.${hint}`;
    }
    case 'not-csv':
      return `cannot be read as CSV: ${i.messages.join('; ')}`;
    case 'value-count':
      return `has ${i.values} values but the header has ${i.columns} columns (a comma inside a value needs "quotes")`;
    case 'cell-empty':
      return `${i.column} is empty`;
    case 'cell-too-long':
      return `${i.column} is ${i.length.toLocaleString('en-US')} characters long; at most ${i.max} are allowed`;
    case 'cell-invalid':
      return `${i.column} "${i.value}" ${cellProblemText(i.problem, 'en')}`;
    case 'repeated':
      return `${i.column} "${i.value}" is already on line ${i.firstLine}`;
    case 'not-utf8':
      return `${i.file} is not UTF-8 text (perhaps saved in Windows-1251); save it as "CSV UTF-8 (comma delimited)"`;
    case 'file-missing':
      return `${i.file} is missing from the data folder; it needs ${i.required.join(', ')} (and may have ${i.optional})`;
    case 'report-not-csv':
      return `${i.file} is not a .csv or .csv.gz file; it was skipped`;
    case 'no-reports-folder':
      return 'the data folder has no reports folder; put each report in reports/<distributor_id>/';
    case 'report-outside-folder':
      return `${i.file} is not inside a distributor folder, so nobody knows whose report it is; move it to reports/<distributor_id>/`;
    case 'report-folder-unknown':
      return `${i.file}/ is named after no distributor in distributors.csv (known: ${i.known.join(', ')})`;
    case 'acceptance-partner-unknown':
      return `partner ${i.partner} accepted program "${i.program}" but is not in partners.csv`;
    case 'acceptance-program-unknown':
      return `partner ${i.partner} accepted program "${i.program}", which the ${i.quarter} rules do not have (programs: ${i.programs.join(', ')})`;
    case 'acceptance-plan-unknown':
      return `partner ${i.partner} chose plan ${i.plan} in program "${i.program}", whose plans in ${i.quarter} are ${i.plans.join(' and ')}`;
    case 'training-partner-unknown':
      return `partner ${i.partner} completed ${i.course} but is not in partners.csv`;
    case 'catalog-program-unknown':
      return `sku "${i.sku}" is mapped to program "${i.program}", which the ${i.quarter} rules do not have (programs: ${i.programs.join(', ')})`;
    case 'catalog-rate-row-unknown':
      return `sku "${i.sku}" is mapped to rate row "${i.rateRow}", which program "${i.program}" does not have (rate rows: ${i.rateRows.join(', ')})`;
  }
}

const values = (n: number): string =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'значение', few: 'значения', other: 'значений' })}`;
const columns = (n: number): string =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'столбец', few: 'столбца', other: 'столбцов' })}`;
const characters = (n: number): string =>
  `${int(n, 'ru')} ${pick(n, 'ru', { one: 'символ', few: 'символа', other: 'символов' })}`;

function rowIssueRu(i: RowIssue): string {
  switch (i.kind) {
    case 'file-empty':
      return `файл пуст; нужна строка заголовка: ${i.columns.join(',')}`;
    case 'header-missing': {
      const hint = i.semicolons
        ? ' Похоже, значения разделены точкой с запятой: сохраните файл как «CSV UTF-8 (разделитель — запятая)».'
        : '';
      const found = i.found.filter(Boolean);
      return (
        `в заголовке нет ${i.missing.length === 1 ? 'столбца' : 'столбцов'} ${i.missing.join(', ')}; ` +
        `найденные столбцы: ${found.length ? found.join(', ') : 'нет'}.${hint}`
      );
    }
    case 'not-csv': {
      const said = [...new Set(i.codes.map((c) => CSV_CODES_RU[c] ?? 'ошибка разметки'))];
      return `строку нельзя прочитать как CSV: ${said.join('; ')}`;
    }
    case 'value-count':
      return (
        `в строке ${values(i.values)}, а в заголовке ${columns(i.columns)} ` +
        '(запятую внутри значения нужно взять в кавычки)'
      );
    case 'cell-empty':
      return `${i.column}: значение пустое`;
    case 'cell-too-long':
      return `${i.column}: длина ${characters(i.length)}, а допустимо не больше ${int(i.max, 'ru')}`;
    case 'cell-invalid':
      return `${i.column} ${ru(i.value)}: ${cellProblemRu(i.problem)}`;
    case 'repeated':
      return `${i.column} ${ru(i.value)} уже есть в строке ${int(i.firstLine, 'ru')}`;
    case 'not-utf8':
      return `${i.file} — не текст в UTF-8 (возможно, он сохранён в Windows-1251); сохраните его как «CSV UTF-8 (разделитель — запятая)»`;
    case 'file-missing':
      return `${i.file} нет в папке данных; в ней должны быть ${i.required.join(', ')} (и может быть ${i.optional})`;
    case 'report-not-csv':
      return `${i.file} — не файл .csv или .csv.gz; он пропущен`;
    case 'no-reports-folder':
      return 'в папке данных нет папки reports; положите каждый отчёт в reports/<distributor_id>/';
    case 'report-outside-folder':
      return `${i.file} лежит не в папке дистрибьютора, поэтому неизвестно, чей это отчёт; переместите его в reports/<distributor_id>/`;
    case 'report-folder-unknown':
      return `папка ${i.file}/ не названа ни по одному дистрибьютору из distributors.csv (известные: ${i.known.join(', ')})`;
    case 'acceptance-partner-unknown':
      return `партнёр ${i.partner} принял программу ${i.program}, но его нет в partners.csv`;
    case 'acceptance-program-unknown':
      return `партнёр ${i.partner} принял программу ${i.program}, которой нет в правилах ${i.quarter} (программы: ${i.programs.join(', ')})`;
    case 'acceptance-plan-unknown':
      return `партнёр ${i.partner} выбрал план ${i.plan} в программе ${i.program}, а её планы в ${i.quarter}: ${i.plans.join(' и ')}`;
    case 'training-partner-unknown':
      return `партнёр ${i.partner} прошёл курс ${i.course}, но его нет в partners.csv`;
    case 'catalog-program-unknown':
      return `sku ${ru(i.sku)} сопоставлен программе ${i.program}, которой нет в правилах ${i.quarter} (программы: ${i.programs.join(', ')})`;
    case 'catalog-rate-row-unknown':
      return `sku ${ru(i.sku)} сопоставлен строке ставок ${i.rateRow}, которой нет в программе ${i.program} (строки ставок: ${i.rateRows.join(', ')})`;
  }
}

/** An issue with its line, as the API and the command line list it. */
export function lineIssueText(i: LineIssue, lang: Lang): string {
  return lang === 'ru'
    ? `строка ${int(i.line, 'ru')}: ${rowIssueRu(i)}`
    : `line ${i.line}: ${rowIssueText(i, 'en')}`;
}
