/**
 * API errors in the reader's language (issue #15): with `Accept-Language: ru` a refusal keeps its
 * status and code and says why in Russian, with `Content-Language: ru`; without it, the English
 * message is unchanged. On the real emulators, through the local API server.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { closeQuarter } from '../../shared/pipeline/quarters.js';
import { CALLERS, callApi, useTestApi, type Caller } from '../support/api-client.js';
import { useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';

const env = useLocalRuntime();
const api = useTestApi(env);

async function call(who: Caller | null, method: string, path: string, lang?: string) {
  const headers: Record<string, string> = lang === undefined ? {} : { 'accept-language': lang };
  const res = await api.call(who, method, `/api${path}`, undefined, undefined, headers);
  return { status: res.status, language: res.headers.get('content-language'), error: res.body.error };
}

/** Words of two or more Latin letters left once the IDs and codes the message names are taken out. */
function latinWords(text: string, allowed: readonly string[]): string[] {
  let rest = text;
  // Longest first, so `unitsToPlan` goes whole before `units` would leave `ToPlan` behind.
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

/** The same request in English and in Russian: same status and code, the Russian one all Russian. */
async function both(who: Caller | null, method: string, path: string, allowed: readonly string[]) {
  const en = await call(who, method, path);
  const ru = await call(who, method, path, 'ru-RU,ru;q=0.9,en;q=0.5');
  expect(ru.status).toBe(en.status);
  expect(ru.error.code).toBe(en.error.code);
  expect(en.language).toBe('en');
  expect(ru.language).toBe('ru');
  expect(ru.error.message).toMatch(/[А-Яа-яЁё]{3}/);
  expect(latinWords(ru.error.message, allowed)).toEqual([]);
  return { en, ru };
}

beforeAll(async () => {
  await env.importReference({
    partners: [{ id: 'RU920101', name: 'ООО «Ошибки»', region: 'Central' }],
    distributors: ['alfa'],
  });
});

describe('API errors with Accept-Language: ru', () => {
  it('400: a bad query names each field in Russian', async () => {
    const { en, ru } = await both('finance', 'GET', `/quarters/${Q1}/partners?sort=bogus&colour=red`, [
      'sort',
      'colour',
      ...['partner', 'name', 'region', 'total', 'units', 'unitsToPlan', 'lines'],
    ]);
    expect(en.status).toBe(400);
    expect(en.error.code).toBe('input-invalid');
    expect(en.error.message).toMatch(/^The query is not valid: /);
    expect(ru.error.message).toMatch(/^В параметрах адреса есть ошибки\. /);
    expect(ru.error.issues).toEqual([
      'Поле «sort»: допустимые значения — partner, name, region, total, units, unitsToPlan, lines.',
      'Лишние поля: colour.',
    ]);
  });

  it('403: a region outside the territory, and a role that may not close', async () => {
    const region = await both('central', 'GET', `/quarters/${Q1}/partners?region=Volga`, ['Volga', 'Central']);
    expect(region.en).toMatchObject({ status: 403, error: { code: 'forbidden', message: 'Region Volga is outside your territory (Central).' } });
    expect(region.ru.error.message).toBe('Регион Volga не на вашей территории (Central).');

    const role = await both('program', 'POST', `/quarters/${Q1}/close`, []);
    expect(role.en.status).toBe(403);
    expect(role.ru.error.message).toBe('Для этого нужна роль «финансы»; вы вошли с ролью «менеджер программы».');
  });

  it('404: a partner not in the registry, and a quarter without rules', async () => {
    const partner = await both('finance', 'GET', `/quarters/${Q1}/partners/RU999999`, ['RU999999']);
    expect(partner.en).toMatchObject({ status: 404, error: { code: 'not-found', message: 'There is no partner RU999999 in the registry.' } });
    expect(partner.ru.error.message).toBe('Партнёра RU999999 нет в реестре.');

    const quarter = await both('finance', 'GET', '/quarters/2099-Q1/payouts', ['2099-Q1', 'Q1', 'Q2', 'Q3', 'Q4']);
    expect(quarter.en.status).toBe(404);
    expect(quarter.ru.error.message).toMatch(/^Квартала 2099-Q1 нет\. Кварталы с правилами: 2016-Q1, /);

    const path = await both('finance', 'GET', '/nothing-here', ['/nothing-here']);
    expect(path.ru.error.message).toBe('По адресу /nothing-here ничего нет.');
  });

  it('401: no token at all, refused before the handler, still in Russian', async () => {
    const { en, ru } = await both(null, 'GET', '/quarters', ['«Authorization: Bearer <токен>»', '«rebates token»']);
    expect(en.status).toBe(401);
    expect(en.error.message).toBe('Sign in: send "Authorization: Bearer <token>" (get a token with "rebates token").');
    expect(ru.error.message).toContain('Войдите');
  });

  it('409: closing a quarter that is already closed', async () => {
    await closeQuarter(env.rt.deps, Q1, CALLERS.finance.sub, '2016-04-05T10:00:00+03:00');
    const { en, ru } = await both('finance2', 'POST', `/quarters/${Q1}/close`, [Q1, CALLERS.finance.sub]);
    expect(en.status).toBe(409);
    expect(en.error).toMatchObject({ code: 'quarter-closed' });
    expect(en.error.message).toBe(`Quarter ${Q1} is already closed on 2016-04-05T07:00:00.000Z by fin-1; its figures are frozen.`);
    expect(ru.error.message).toBe(`Квартал ${Q1} уже закрыт 05.04.2016 10:00 МСК пользователем fin-1; его суммы зафиксированы.`);
  });

  it('answers in English for a language it does not speak', async () => {
    const de = await call('finance', 'GET', `/quarters/${Q1}/partners/RU999999`, 'de-DE,de;q=0.9');
    expect(de).toMatchObject({ status: 404, language: 'en', error: { message: 'There is no partner RU999999 in the registry.' } });
    // A successful JSON answer says its language too.
    const ok = await callApi(api.server.url, api.token('finance'), 'GET', '/api/quarters');
    expect(ok.headers.get('content-language')).toBe('en');
  });
});
