/**
 * A refused reference import in the reader's language (issue #15): with `Accept-Language: ru` the
 * list of a CSV's bad and repeated rows, and of rows sent twice as JSON, is in Russian too, naming
 * only the file's own columns, values and IDs in Latin letters; in English it is word for word as
 * before. On the real emulators, through the local API server; nothing is written either way.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { describe, expect, it } from 'vitest';
import { useTestApi, type Caller } from '../support/api-client.js';
import { useLocalRuntime } from '../support/runtime.js';

const env = useLocalRuntime();
const api = useTestApi(env);

async function put(path: string, body: string, contentType: string, lang?: string, who: Caller = 'program') {
  const res = await api.call(who, 'PUT', `/api${path}`, body, contentType, lang ? { 'accept-language': lang } : {});
  const { error } = res.body as { error: { code: string; message: string; issues: string[] } };
  return { status: res.status, language: res.headers.get('content-language'), error };
}

/** Words of two or more Latin letters left once the file's own names are taken out. */
function latinWords(text: string, allowed: readonly string[]): string[] {
  let rest = text;
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

/** The same request in English and Russian: same status, code and number of issues. */
async function both(
  path: string,
  body: string,
  contentType: string,
  allowed: readonly string[],
  who: Caller = 'program',
) {
  const en = await put(path, body, contentType, undefined, who);
  const ru = await put(path, body, contentType, 'ru-RU,ru;q=0.9', who);
  expect(en.language).toBe('en');
  expect(ru.language).toBe('ru');
  expect(ru.status).toBe(en.status);
  expect(ru.error.code).toBe(en.error.code);
  expect(ru.error.issues).toHaveLength(en.error.issues.length);
  for (const text of [ru.error.message, ...ru.error.issues]) {
    expect(text).toMatch(/[А-Яа-яЁё]{3}/);
    expect(latinWords(text, allowed)).toEqual([]);
  }
  return { en: en.error, ru: ru.error };
}

describe('PUT /reference refusals with Accept-Language: ru', () => {
  it('lists a CSV bad row and a repeated row in Russian, and in English as before', async () => {
    const csv =
      'partner_id,name,status,region\n' +
      'RU930101,ООО «Первый»,Gold,Volga\n' +
      'RU930102,ООО «Второй»,Registered,Volga\n' +
      'ru930102,ООО «Второй-2»,Registered,Volga\n' +
      'RU930103,,Registered,Volga\n';
    const { en, ru } = await both('/reference/partners', csv, 'text/csv', [
      'partners.csv',
      'partner_id',
      'status',
      'name',
      'Gold',
      'Registered',
      'Preferred',
      'ru930102',
    ]);
    expect(en).toMatchObject({
      code: 'input-invalid',
      message: 'partners.csv has 3 bad row(s); nothing was imported.',
    });
    expect(en.issues).toEqual([
      'line 2: status "Gold" must be Registered or Preferred',
      'line 4: partner_id "ru930102" is already on line 3',
      'line 5: name is empty',
    ]);
    expect(ru.message).toBe('В partners.csv 3 неверные строки; ничего не импортировано.');
    expect(ru.issues).toEqual([
      'строка 2: status «Gold»: допустимые значения: Registered или Preferred',
      'строка 4: partner_id «ru930102» уже есть в строке 3',
      'строка 5: name: значение пустое',
    ]);
    expect(await env.rt.deps.reference.listPartners()).toEqual([]);
  });

  it('says a broken header and a misaligned row in Russian', async () => {
    const header = await both(
      '/reference/distributors',
      'distributor_id;name;segments\nmerl;A;consumer\n',
      'text/csv',
      ['distributors.csv', 'distributor_id', 'name', 'segments', 'CSV', 'UTF'],
    );
    expect(header.ru.issues).toEqual([
      'строка 1: в заголовке нет столбцов distributor_id, name, segments; найденные столбцы: distributor_id;name;segments. ' +
        'Похоже, значения разделены точкой с запятой: сохраните файл как «CSV UTF-8 (разделитель — запятая)».',
    ]);
    const misaligned = await both(
      '/reference/distributors',
      'distributor_id,name,segments\nmerl,ООО Мерл, Москва,consumer\n',
      'text/csv',
      ['distributors.csv'],
    );
    expect(misaligned.ru.issues).toEqual([
      'строка 2: в строке 4 значения, а в заголовке 3 столбца (запятую внутри значения нужно взять в кавычки)',
    ]);
  });

  it('says what a JSON row’s field rule found, not only that the value does not fit', async () => {
    const rows = [
      { id: 'RU 9001/04', name: 'ООО «Новый»', status: 'Registered', region: 'Volga' },
      { id: 'RU930301', name: 'Я'.repeat(301), status: 'Registered', region: 'Volga' },
    ];
    const { en, ru } = await both('/reference/partners', JSON.stringify({ rows }), 'application/json', [
      'rows.0.id',
      'rows.1.name',
      'RU100123',
    ]);
    expect(en.issues).toEqual([
      'rows.0.id: is not a partner ID: use letters and digits, e.g. RU100123',
      'rows.1.name: is longer than 300 characters',
    ]);
    expect(ru.issues).toEqual([
      'Поле «rows.0.id»: не идентификатор партнёра: допустимы буквы и цифры, например RU100123.',
      'Поле «rows.1.name»: не длиннее 300 символов.',
    ]);
  });

  it('names rows sent twice as JSON in Russian', async () => {
    const rows = ['RU930201', 'ru930201'].map((id) => ({
      id,
      name: 'ООО «Дважды»',
      status: 'Registered',
      region: 'Volga',
    }));
    const { en, ru } = await both('/reference/partners', JSON.stringify({ rows }), 'application/json', [
      'ru930201',
    ]);
    expect(en.message).toBe('Partner ru930201 is listed twice; send one row each. Nothing was written.');
    expect(en.issues).toEqual(['Partner ru930201 is listed twice']);
    expect(ru.message).toBe(
      'Партнёр ru930201 указан дважды; отправьте каждого по одной строке. Ничего не записано.',
    );
    expect(ru.issues).toEqual(['Партнёр ru930201 указан дважды']);
  });

  it('lists partners not in the registry or not in the territory, and mappings to no rate row', async () => {
    await env.importReference({
      partners: [{ id: 'RU930401', name: 'ООО «Волга»', region: 'Volga' }],
      distributors: ['alfa'],
    });
    const trainings =
      'partner_id,course_code,completed_at\nRU930401,DPWS0212WBTS,2016-02-01T10:00:00+03:00\nRU939999,DPWS0212WBTS,2016-02-01T10:00:00+03:00\n';
    const registry = await both('/reference/trainings', trainings, 'text/csv', ['RU939999']);
    expect(registry.en.issues).toEqual(['partner RU939999 is not in the partner registry']);
    expect(registry.ru.issues).toEqual(['партнёра RU939999 нет в реестре партнёров']);

    const territory = await both(
      '/reference/trainings',
      trainings,
      'text/csv',
      ['RU930401', 'RU939999', 'Central'],
      'central',
    );
    expect(territory.en.issues).toEqual([
      'partner RU930401 is not in your territory (Central)',
      'partner RU939999 is not in your territory (Central)',
    ]);
    expect(territory.ru.issues).toEqual([
      'партнёра RU930401 нет на вашей территории (Central)',
      'партнёра RU939999 нет на вашей территории (Central)',
    ]);

    const catalog = await both(
      '/reference/catalog',
      'sku,program,rate_row\n210-AJDP,client,nope\n',
      'text/csv',
      ['sku', '210-AJDP', 'client/nope', 'Q1', 'Q2', 'Q3', 'Q4'],
    );
    expect(catalog.en.issues).toEqual([
      expect.stringMatching(/^sku "210-AJDP": client\/nope is not a rate row of any quarter \(2016-Q1, /),
    ]);
    expect(catalog.ru.issues).toEqual([
      expect.stringMatching(
        /^sku «210-AJDP»: client\/nope — не строка ставок ни одного квартала \(2016-Q1, /,
      ),
    ]);
  });
});
