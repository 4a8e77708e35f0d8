/**
 * The detail of a rejected or held line (which field, which value, which line), as a code with
 * parameters, written in English or Russian at read time.
 *
 * Each form's English template is the sentence ingest and the computation have always written,
 * word for word: the rejects file keeps it (its columns are fixed by data-formats §1, so a code
 * cannot go beside it), and `readDetail` reads a stored sentence back into its code and
 * parameters with the same template. A sentence no template gives back exactly (an older wording,
 * a rules file's own reason) has no detail and is shown as written, in English.
 */
import { day, int, pick, type Lang } from './format.js';
import { programRu, rateRowRu } from './ru.js';

export type DetailParams = Readonly<Record<string, string>>;

interface Form {
  /** The reject or held reasons whose detail it can be (narrows reading a sentence back). */
  reasons: readonly string[];
  /** `{name}` stands for a parameter. */
  en: string;
  ru: (p: DetailParams) => string;
}

/** "1,000,000" as English wrote it → "1 000 000". */
const num = (s: string | undefined): string => {
  const n = Number(String(s ?? '').replace(/,/g, ''));
  return Number.isFinite(n) && s ? int(n, 'ru') : String(s ?? '');
};
/** Genitive after a number or a comparative: 1 знака, 5 знаков, 21 знака. */
const charsOf = (s: string | undefined) => `${num(s)} ${pick(Number(String(s).replace(/,/g, '')), 'ru', { one: 'знака', other: 'знаков' })}`;
const chars = (s: string | undefined) =>
  `${num(s)} ${pick(Number(String(s).replace(/,/g, '')), 'ru', { one: 'знак', few: 'знака', many: 'знаков', other: 'знака' })}`;

const FIELDS_RU: Record<string, string> = {
  invoice_date: 'дата счёта',
  invoice_number: 'номер счёта',
  partner_id: 'код партнёра',
  description: 'наименование товара',
  quantity: 'количество',
};
/** "invoice_date, quantity" → "дата счёта, количество". */
const fieldsRu = (list: string) => list.split(', ').map((f) => FIELDS_RU[f] ?? f).join(', ');
const DELIMITERS_RU: Record<string, string> = { comma: 'запятой', semicolon: 'точки с запятой', tab: 'табуляции' };
const SEGMENTS_RU: Record<string, string> = {
  consumer: 'потребительский',
  commercial: 'коммерческий',
  monitors: 'мониторы',
};
const FORM_FACTORS_RU: Record<string, string> = {
  notebook: 'ноутбук',
  desktop: 'настольный компьютер',
  'all-in-one': 'моноблок',
  tablet: 'планшет',
};
/** A product as classification names it ("Latitude 3470 notebook", "Monitor"), model names kept. */
function productRu(name: string): string {
  let s = name.replace(/^Monitor\b/, 'Монитор');
  for (const [en, ru] of Object.entries(FORM_FACTORS_RU))
    if (s.endsWith(` ${en}`)) s = `${s.slice(0, -en.length - 1)} (${ru})`;
  return s;
}
/** "notebook, desktop or all-in-one" → "ноутбук, настольный компьютер или моноблок". */
const formFactorsRu = (list: string) =>
  list
    .split(/, | or /)
    .map((f) => FORM_FACTORS_RU[f] ?? f)
    .join(', ')
    .replace(/, ([^,]*)$/, ' или $1');

const addMapping = 'добавьте для этого артикула сопоставление в каталоге';
const ifInProgram = `${addMapping}, если товар участвует в программе`;
const tooLongStart = (p: DetailParams) => `Обычно так бывает, когда кавычка (") нигде не закрыта. Начало строки: ${p.start}`;
const earnsOnce = 'за единицу платят один раз.';

const FILE = ['malformed-row', 'record-too-long', 'bad-encoding'];
const PRODUCT = ['unclassified-product', 'unrated-product', 'not-eligible-product'];

const FORMS = {
  // ------------------------------------------------ rejected by the file's own checks
  'field-count': {
    reasons: FILE,
    en: 'This line has {fields} fields but the header has {expected}; check for a missing or extra {delimiter}.',
    ru: (p) =>
      `В этой строке полей: ${p.fields}, а в заголовке: ${p.expected}; проверьте, нет ли пропущенной или лишней ${DELIMITERS_RU[p.delimiter!] ?? p.delimiter}.`,
  },
  'quote-never-closed': {
    reasons: FILE,
    en: 'A quote (") opened on this line is never closed, so everything up to the end of the file was read as one field.',
    ru: () => 'Кавычка ("), открытая в этой строке, нигде не закрыта, поэтому всё до конца файла прочитано как одно поле.',
  },
  'quote-not-doubled': {
    reasons: FILE,
    en: 'A quote (") inside a quoted field is not doubled, so the fields of this line may be split wrongly.',
    ru: () => 'Кавычка (") внутри поля в кавычках не удвоена, поэтому поля этой строки могли быть разделены неверно.',
  },
  'line-too-long': {
    reasons: FILE,
    en: 'This line is longer than {max} characters, so it was not read. This usually means a quote (") that is never closed. It starts with: {start}',
    ru: (p) => `Строка длиннее ${charsOf(p.max)}, поэтому она не прочитана. ${tooLongStart(p)}`,
  },
  'line-too-long-to-end': {
    reasons: FILE,
    en: 'This line is longer than {max} characters, so it was not read (it runs to the end of the file). This usually means a quote (") that is never closed. It starts with: {start}',
    ru: (p) => `Строка длиннее ${charsOf(p.max)}, поэтому она не прочитана (она продолжается до конца файла). ${tooLongStart(p)}`,
  },
  'value-too-long': {
    reasons: FILE,
    en: 'The {column} on this line is {length} characters long, more than the {max} a value may have, so the line was not read. It starts with: {start}',
    ru: (p) =>
      `Значение столбца «${p.column}» в этой строке длиной ${chars(p.length)}, а допускается не больше ${charsOf(p.max)}, поэтому строка не прочитана. Начало значения: ${p.start}`,
  },
  'utf8-in-cp1251': {
    reasons: FILE,
    en: 'This line is written in UTF-8, but the rest of the file is in Windows-1251, so it was not read. Save the whole report in one encoding and upload it again.',
    ru: () =>
      'Эта строка записана в кодировке UTF-8, а остальной файл — в Windows-1251, поэтому она не прочитана. Сохраните весь отчёт в одной кодировке и загрузите его снова.',
  },
  'not-utf8': {
    reasons: FILE,
    en: 'This line has bytes that are not UTF-8 text, the encoding of the rest of the file, so it was not read (they show as \uFFFD here). It was probably written in another encoding, such as Windows-1251: save the whole report in one encoding and upload it again.',
    ru: () =>
      'В этой строке есть байты, которые не являются текстом в кодировке UTF-8, как остальной файл, поэтому она не прочитана (здесь они показаны как \uFFFD). Вероятно, строка записана в другой кодировке, например Windows-1251: сохраните весь отчёт в одной кодировке и загрузите его снова.',
  },
  'zero-byte': {
    reasons: FILE,
    en: 'This line contains a zero byte, which text never has, so it was not read. The file may be damaged around this line: export it again.',
    ru: () =>
      'В этой строке есть нулевой байт, которого в тексте не бывает, поэтому она не прочитана. Возможно, файл повреждён около этой строки: выгрузите его снова.',
  },
  'missing-field': {
    reasons: ['missing-field'],
    en: 'Empty value in: {fields}.',
    ru: (p) => `Не заполнено: ${fieldsRu(p.fields!)}.`,
  },
  'distributor-mismatch': {
    reasons: ['distributor-mismatch'],
    en: 'The distributor column says "{column}" but the report was uploaded to the folder of "{folder}".',
    ru: (p) => `В столбце дистрибьютора указано «${p.column}», а отчёт загружен в папку дистрибьютора «${p.folder}».`,
  },
  'unknown-partner': {
    reasons: ['unknown-partner'],
    en: 'Partner ID "{written}" (read as {key}) is not in the partner registry.',
    ru: (p) => `Партнёра с кодом «${p.written}» (прочитан как ${p.key}) нет в справочнике партнёров.`,
  },
  'date-empty': {
    reasons: ['bad-date'],
    en: 'Invoice date is empty.',
    ru: () => 'Дата счёта не указана.',
  },
  'date-unreadable': {
    reasons: ['bad-date'],
    en: 'Invoice date "{value}" is not a date we can read; write it as 2016-02-15 or 15.02.2016.',
    ru: (p) => `Дата счёта «${p.value}» не читается как дата; запишите её как 2016-02-15 или 15.02.2016.`,
  },
  'date-no-month': {
    reasons: ['bad-date'],
    en: 'Invoice date "{value}" is not a real date: there is no month {month}.',
    ru: (p) => `Дата счёта «${p.value}» не существует: месяца ${p.month} нет.`,
  },
  'date-no-day': {
    reasons: ['bad-date'],
    en: 'Invoice date "{value}" is not a real date: that month has {days} days.',
    ru: (p) =>
      `Дата счёта «${p.value}» не существует: в этом месяце ${p.days} ${pick(Number(p.days), 'ru', { one: 'день', few: 'дня', other: 'дней' })}.`,
  },
  'date-bad-time': {
    reasons: ['bad-date'],
    en: 'Invoice date "{value}" has a time of day that does not exist.',
    ru: (p) => `В дате счёта «${p.value}» указано время, которого не бывает.`,
  },
  'date-outside-quarter': {
    reasons: ['date-outside-quarter'],
    en: 'Invoice date {date} is in no quarter with program rules ({quarters}).',
    ru: (p) => `Дата счёта ${day(p.date!, 'ru')} не попадает ни в один квартал, для которого есть правила программы (${p.quarters}).`,
  },
  'quantity-empty': {
    reasons: ['bad-quantity'],
    en: 'The quantity is empty.',
    ru: () => 'Количество не указано.',
  },
  'quantity-fraction': {
    reasons: ['bad-quantity'],
    en: 'The quantity "{value}" is not a whole number of units.',
    ru: (p) => `Количество «${p.value}» — не целое число единиц.`,
  },
  'quantity-exponent': {
    reasons: ['bad-quantity'],
    en: 'The quantity "{value}" is in exponent form; write the number in full.',
    ru: (p) => `Количество «${p.value}» записано в экспоненциальной форме; запишите число полностью.`,
  },
  'quantity-not-number': {
    reasons: ['bad-quantity'],
    en: 'The quantity "{value}" is not a number of units.',
    ru: (p) => `Количество «${p.value}» — не число единиц.`,
  },
  'quantity-too-large': {
    reasons: ['bad-quantity'],
    en: 'The quantity {value} is more than {max} units on one line, which cannot be right.',
    ru: (p) =>
      `Количество ${p.value} — больше ${num(p.max)} ${pick(Number(p.max), 'ru', { one: 'единицы', other: 'единиц' })} в одной строке, так быть не может.`,
  },
  'duplicate-line': {
    reasons: ['duplicate-line'],
    en: 'The same invoice, partner, product, quantity and date appear on an earlier line of this report (line {line}).',
    ru: (p) =>
      `Те же счёт, партнёр, товар, количество и дата уже есть в одной из предыдущих строк этого отчёта (строка ${p.line}).`,
  },
  // ------------------------------------------------ held by the quarter computation
  'distributor-unregistered': {
    reasons: ['distributor-not-authorized'],
    en: 'Distributor "{distributor}" is not in the distributor registry, so none of its lines earn a rebate until it is registered.',
    ru: (p) =>
      `Дистрибьютора «${p.distributor}» нет в справочнике дистрибьюторов, поэтому ни одна его строка не оплачивается, пока он не зарегистрирован.`,
  },
  'distributor-not-authorized': {
    reasons: ['distributor-not-authorized'],
    en: 'Distributor "{distributor}" is not authorised for the {segment} segment, so this {program} line earns no rebate.',
    ru: (p) =>
      `Дистрибьютор «${p.distributor}» не авторизован на сегмент «${SEGMENTS_RU[p.segment!] ?? p.segment}», поэтому эта строка программы «${programRu(p.program!)}» не оплачивается.`,
  },
  'claimed-in-this-report': {
    reasons: ['duplicate-claim'],
    en: 'Service tag {tag} was already claimed on line {line} of this report; a unit earns once.',
    ru: (p) => `Сервисный тег ${p.tag} уже заявлен в строке ${p.line} этого отчёта; ${earnsOnce}`,
  },
  'claimed-in-report': {
    reasons: ['duplicate-claim'],
    en: 'Service tag {tag} was already claimed in report {report} (distributor {distributor}), line {line}, for {quarter}; a unit earns once.',
    ru: (p) =>
      `Сервисный тег ${p.tag} уже заявлен за ${p.quarter} в отчёте ${p.report} (дистрибьютор ${p.distributor}), строка ${p.line}; ${earnsOnce}`,
  },
  'claimed-by-another-distributor': {
    reasons: ['duplicate-claim'],
    en: "Service tag {tag} was already claimed earlier this quarter in another distributor's report; a unit earns once.",
    ru: (p) => `Сервисный тег ${p.tag} уже заявлен в этом квартале в отчёте другого дистрибьютора; ${earnsOnce}`,
  },
  'no-family': {
    reasons: PRODUCT,
    en: 'no Dell product family recognised in "{description}" — add a catalog mapping for this SKU if it belongs to the program',
    ru: (p) => `В «${p.description}» не распознано семейство продуктов Dell — ${ifInProgram}`,
  },
  'empty-description': {
    reasons: PRODUCT,
    en: 'the description is empty — add a catalog mapping for this SKU if it belongs to the program',
    ru: () => `Наименование товара пустое — ${ifInProgram}`,
  },
  'monitor-no-size': {
    reasons: PRODUCT,
    en: 'monitor recognised, but neither a model code (like P2417H) nor a diagonal found in "{description}" — add a catalog mapping for this SKU',
    ru: (p) => `Распознан монитор, но в «${p.description}» нет ни кода модели (вроде P2417H), ни диагонали — ${addMapping}`,
  },
  'no-model': {
    reasons: PRODUCT,
    en: '{family}: model number not found in "{description}" — add a catalog mapping for this SKU',
    ru: (p) => `${productRu(p.family!)}: в «${p.description}» не найден номер модели — ${addMapping}`,
  },
  'form-factor-unknown': {
    reasons: PRODUCT,
    en: '{product}: form factor not stated ({options}?) — add a catalog mapping for this SKU',
    ru: (p) => `${productRu(p.product!)}: не указан тип корпуса (${formFactorsRu(p.options!)}?) — ${addMapping}`,
  },
  'no-rule': {
    reasons: PRODUCT,
    en: '{product}: no rule of rules {version} covers it — add a catalog mapping for this SKU if it belongs to the program',
    ru: (p) => `${productRu(p.product!)}: ни одно правило классификации версии ${p.version} его не охватывает — ${ifInProgram}`,
  },
  'catalog-row-unknown': {
    reasons: PRODUCT,
    en: 'the catalog maps SKU {sku} to {program}/{rateRow}, which is not a rate row of rules {version} — fix the catalog mapping',
    ru: (p) =>
      `Каталог сопоставляет артикул ${p.sku} строке ставок «${rateRowRu(p.rateRow!)}» программы «${programRu(p.program!)}», а в правилах версии ${p.version} такой строки нет — исправьте сопоставление в каталоге`,
  },
  // ------------------------------------------------ a whole report failed
  'header-missing': {
    reasons: ['header-missing-fields'],
    en: 'The header has no column for: {missing}. Columns found: {found}. Accepted column names (any case) are {accepted}.',
    ru: (p) =>
      `В заголовке нет столбца для полей: ${fieldsRu(p.missing!)}. Найдены столбцы: ${p.found === 'none' ? 'нет' : p.found}. ` +
      `Допустимые названия столбцов (в любом регистре): ${p
        .accepted!.split('; ')
        .map((part) => part.replace(/^(\w+): /, (_, f: string) => `${FIELDS_RU[f] ?? f} — `))
        .join('; ')}.`,
  },
  /** A rules file's own reason (unrated, not eligible), with its Russian wording when the file gives one. */
  'rule-reason': {
    reasons: [],
    en: '{text}',
    ru: (p) => p.ru ?? p.text ?? '',
  },
} as const satisfies Record<string, Form>;

export type DetailCode = keyof typeof FORMS;
export const DETAIL_CODES = Object.keys(FORMS) as DetailCode[];
/** Each form's English template (`{name}` for a parameter). */
export const DETAIL_EN = Object.fromEntries(DETAIL_CODES.map((c) => [c, FORMS[c].en])) as Record<DetailCode, string>;

/** A line's detail: what to say, and the values it names. */
export interface Detail {
  code: DetailCode;
  params: DetailParams;
}

const isCode = (code: string): code is DetailCode => Object.hasOwn(FORMS, code);

/** The detail in the reader's language; an unknown code (a later version's) says nothing. */
export function detailText(detail: Detail, lang: Lang): string {
  if (!isCode(detail.code)) return '';
  const form: Form = FORMS[detail.code];
  if (lang === 'ru') return form.ru(detail.params);
  // Ingest writes one per rejected line: the template is split once, not matched per line.
  const parts = (EN_PARTS[detail.code] ??= form.en.split(/\{(\w+)\}/));
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += (detail.params[parts[i]!] ?? '') + parts[i + 1]!;
  return out;
}

/** Each English template as literal, name, literal, …, literal. */
const EN_PARTS: Partial<Record<DetailCode, string[]>> = {};

/** The English sentence of a detail: what the rejects file and older records hold. */
export const detailEn = (code: DetailCode, params: DetailParams): string => detailText({ code, params }, 'en');

interface Reader {
  code: DetailCode;
  reasons: readonly string[];
  names: string[];
  pattern: RegExp;
}

let readers: Reader[] | undefined;

function compileReaders(): Reader[] {
  return DETAIL_CODES.map((code) => {
    const form: Form = FORMS[code];
    const names: string[] = [];
    const source = form.en
      .split(/(\{\w+\})/)
      .map((part) => {
        const name = /^\{(\w+)\}$/.exec(part)?.[1];
        if (!name) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        names.push(name);
        return '([\\s\\S]*?)';
      })
      .join('');
    return { code, reasons: form.reasons, names, pattern: new RegExp(`^${source}$`) };
  });
}

/**
 * The detail an English sentence was written from, or null. `reason` narrows the forms tried;
 * a sentence is taken only when its detail writes it back exactly.
 */
export function readDetail(text: string, reason?: string): Detail | null {
  readers ??= compileReaders();
  for (const r of readers) {
    // A form no reason reads back (a rules file's own words) would take any sentence.
    if (!r.reasons.length || (reason !== undefined && !r.reasons.includes(reason))) continue;
    const m = r.pattern.exec(text);
    if (!m) continue;
    const params: Record<string, string> = {};
    r.names.forEach((name, i) => (params[name] = m[i + 1]!));
    const detail = { code: r.code, params };
    if (detailText(detail, 'en') === text) return detail;
  }
  return null;
}

/**
 * A stored line's detail in the reader's language, with the language it is written in: from its
 * code when it has one (or its English sentence reads back into one), else the sentence as stored.
 */
export function lineDetail(
  stored: { message: string; detail?: Detail | undefined },
  reason: string | undefined,
  lang: Lang,
): { text: string; lang: Lang } {
  if (lang === 'en') return { text: stored.message, lang };
  const detail = stored.detail && isCode(stored.detail.code) ? stored.detail : readDetail(stored.message, reason);
  // A rules file's reason with no Russian wording is its English one.
  if (!detail || (detail.code === 'rule-reason' && !detail.params.ru)) return { text: stored.message, lang: 'en' };
  return { text: detailText(detail, lang), lang };
}
