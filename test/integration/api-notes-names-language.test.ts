/**
 * Issue #15 on the real emulators: an answer's `note` in the reader's language (Accept-Language),
 * the English one unchanged; and GET /names, the rules files' Russian names the dashboard shows.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi, type Caller } from '../support/api-client.js';
import { useLocalRuntime } from '../support/runtime.js';

const env = useLocalRuntime();
const api = useTestApi(env);

async function send(who: Caller, method: string, path: string, lang: string, body?: unknown) {
  const res = await api.call(who, method, `/api${path}`, body, undefined, { 'accept-language': lang });
  return { status: res.status, body: res.body };
}

beforeAll(async () => {
  await env.importReference({
    partners: [{ id: 'RU920101', name: 'ООО «Заметки»', region: 'Central' }],
    distributors: ['alfa'],
  });
});

describe('the note of a saved reference change', () => {
  const row = (plan: number) => ({
    rows: [{ partnerId: 'RU920101', program: 'client', plan, acceptedAt: '2016-02-01T12:00:00+03:00' }],
  });

  it('is the English sentence as before without Russian asked for', async () => {
    const res = await send('program', 'PUT', '/reference/acceptances', 'en', row(50));
    expect(res.status).toBe(202);
    expect(res.body.note).toMatch(/^Saved\. The payouts of 2016-Q1.* are being recomputed and will show the change shortly\.$/);
  });

  it('is in Russian for Accept-Language: ru, naming the same quarters', async () => {
    const res = await send('program', 'PUT', '/reference/acceptances', 'ru', row(150));
    expect(res.status).toBe(202);
    expect(res.body.note).toMatch(/^Сохранено\. Выплаты кварталов? 2016-Q1.* пересчитываются/);
    for (const q of res.body.computationsRequested as string[]) expect(res.body.note).toContain(q);
    expect(res.body.note.match(/[A-Za-z]{2,}/g) ?? []).toEqual([]);
  });
});

describe('GET /names', () => {
  it('gives the names of the rules files in both languages for the dashboard', async () => {
    const res = await send('central', 'GET', '/names', 'ru');
    expect(res.status).toBe(200);
    expect(res.body.ru.programs).toMatchObject({ client: 'Ноутбуки, десктопы и моноблоки', monitors: 'Мониторы' });
    expect(res.body.ru.rateRows).toMatchObject({ mainstream: 'массовый сегмент', 'optiplex-dt-3xxx': 'настольные OptiPlex 3xxx' });
    expect(res.body.ru.rewards['ray-ban-aviator']).toBe('солнцезащитные очки Ray-Ban Aviator');
    expect(res.body.en.programs.client).toBe('Notebooks, desktops, all-in-ones, Venue Pro tablets');
    expect(res.body.en.rewards['ray-ban-aviator']).toBe('Ray-Ban Aviator sunglasses');
  });

  it('is not for distributors, who see no program names', async () => {
    expect((await send('alfa', 'GET', '/names', 'ru')).status).toBe(403);
  });
});
