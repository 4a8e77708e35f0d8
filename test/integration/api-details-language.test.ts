/**
 * Reject and held-line details in the reader's language (issue #15 point 4), on the real emulators:
 * a report's rejected lines (from its rejects file, whose English the spec fixes) and held lines
 * (from the computation body), and the quarter's exceptions, asked with `Accept-Language: ru`,
 * carry no English sentence; asked in English they read as they always did.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { DETAIL_EN } from '../../shared/domain/render/details.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { useTestApi } from '../support/api-client.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB';

const env = useLocalRuntime();
const api = useTestApi(env);
let reportId = '';

async function get(path: string, acceptLanguage: string) {
  const res = await api.call('finance', 'GET', `/api${path}`, undefined, undefined, { 'accept-language': acceptLanguage });
  expect(res.status).toBe(200);
  return res.body;
}

/** The English words of the detail forms (proper names and codes aside): what a Russian sentence must not say. */
const ENGLISH = new Set(
  Object.values(DETAIL_EN)
    .flatMap((t) => t.replace(/\{\w+\}/g, ' ').match(/[A-Za-z]{3,}/g) ?? [])
    .filter((w) => w !== w.toUpperCase() && !['Dell', 'Windows'].includes(w))
    .map((w) => w.toLowerCase()),
);
/** English words of a message that are not its own values (a description, an ID as written). */
const englishIn = (message: string, values: string) =>
  (message.match(/\b[A-Za-z]{3,}\b/g) ?? []).filter(
    // Words in capitals are codes (service tags, SKUs), not English prose.
    (w) => ENGLISH.has(w.toLowerCase()) && w !== w.toUpperCase() && !values.includes(w),
  );

const sale = salesOf(VOSTRO, 2);

beforeAll(async () => {
  await env.importReference({
    partners: [{ id: 'RU920101', name: 'ООО «Детали»', region: 'Central' }],
    // No monitors segment: a monitor bought here is held.
    distributors: [{ id: 'alfa', segments: ['consumer', 'commercial'] }],
    acceptances: [{ partnerId: 'RU920101', program: 'client', plan: 50 }],
  });
  const [key] = await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'details.csv',
      content: renderReport([
        sale({ invoice: 'D-1', partnerId: 'RU920101' }),
        sale({ invoice: 'D-1', partnerId: 'RU920101' }), // duplicate-line
        sale({ invoice: 'D-2', partnerId: 'RU920101', qty: '' }), // missing-field
        sale({ invoice: 'D-3', partnerId: 'RU920101', date: 'soon' }), // bad-date
        sale({ invoice: 'D-4', partnerId: 'RU920101', date: '2015-12-31' }), // date-outside-quarter
        sale({ invoice: 'D-5', partnerId: 'RU920101', qty: '12,5' }), // bad-quantity
        sale({ invoice: 'D-6', partnerId: 'RU999999' }), // held: unknown partner
        sale({ invoice: 'D-7', partnerId: 'RU920101', description: 'Кабель HDMI 2 м', sku: 'CAB-1' }), // unclassified
        sale({ invoice: 'D-8', partnerId: 'RU920101', description: 'Монитор Dell P2417H 24"' }), // not authorised
        sale({ invoice: 'D-9', partnerId: 'RU920101', description: 'Dell Venue 8 3840 tablet 16GB' }), // not eligible
        sale({ invoice: 'D-10', partnerId: 'RU920101', serviceTag: 'TAG0001' }),
        sale({ invoice: 'D-11', partnerId: 'RU920101', serviceTag: 'TAG0001' }), // duplicate claim
      ]),
    },
  ]);
  reportId = reportIdOf(key!);
}, 120_000);

describe("a report's details in the reader's language", () => {
  it('are Russian for Accept-Language: ru, rejected and held lines alike, each naming its values', async () => {
    const body = await get(`/reports/${reportId}`, 'ru-RU,ru;q=0.9');
    const rejects = body.rejects as { line: number; code: string; message: string; messageLang: string; fields: string[] }[];
    const held = body.held as { reason: string; message: string; messageLang: string; description: string; partnerId: string }[];
    expect(new Set(rejects.map((r) => r.code))).toEqual(
      new Set(['duplicate-line', 'missing-field', 'bad-date', 'date-outside-quarter', 'bad-quantity']),
    );
    expect(new Set(held.map((h) => h.reason))).toEqual(
      new Set(['unknown-partner', 'unclassified-product', 'distributor-not-authorized', 'not-eligible-product', 'duplicate-claim']),
    );
    for (const r of rejects) {
      expect(r.messageLang, r.message).toBe('ru');
      expect(r.message).toMatch(/[А-Яа-яЁё]{3,}/);
      expect(englishIn(r.message, r.fields.join(' ')), r.message).toEqual([]);
    }
    for (const h of held) {
      expect(h.messageLang, h.message).toBe('ru');
      expect(h.message).toMatch(/[А-Яа-яЁё]{3,}/);
      expect(englishIn(h.message, `${h.description} ${h.partnerId}`), h.message).toEqual([]);
    }
    // Which field, which value, which line.
    const said = (code: string) => rejects.find((r) => r.code === code)!.message;
    expect(said('missing-field')).toBe('Не заполнено: количество.');
    expect(said('bad-date')).toContain('«soon»');
    expect(said('date-outside-quarter')).toContain('31.12.2015');
    expect(said('bad-quantity')).toContain('«12,5»');
    expect(said('duplicate-line')).toContain(`строка ${rejects.find((r) => r.code === 'duplicate-line')!.line - 1}`);
    expect(held.find((h) => h.reason === 'unknown-partner')!.message).toContain('RU999999');
    expect(held.find((h) => h.reason === 'duplicate-claim')!.message).toContain('TAG0001');
  });

  it('are the English sentences of the rejects file without it', async () => {
    const body = await get(`/reports/${reportId}`, 'en');
    const rejects = body.rejects as { code: string; message: string; messageLang: string }[];
    const file = await env.rejects(`incoming/alfa/details.csv`);
    expect(rejects.map((r) => [r.code, r.message])).toEqual(file.map((r) => [r.code, r.message]));
    expect(rejects.every((r) => r.messageLang === 'en')).toBe(true);
    expect(rejects.find((r) => r.code === 'missing-field')!.message).toBe('Empty value in: quantity.');
    const held = await env.held(`incoming/alfa/details.csv`);
    const shown = (body.held as { reason: string; message: string }[]).map((h) => [h.reason, h.message]).sort();
    expect(shown).toEqual([...new Set(held.map((h) => JSON.stringify([h.reason, h.message])))].map((s) => JSON.parse(s)).sort());
  });
});

describe("a failed report's reason in the reader's language", () => {
  it('keeps the English message and adds its Russian text for Accept-Language: ru', async () => {
    const key = await env.upload('alfa', 'bad-header.csv', 'Дата,Товар\n2016-02-10,Vostro\n');
    const id = reportIdOf(key);
    const ru = (await get(`/reports/${id}`, 'ru')).report.error;
    const en = (await get(`/reports/${id}`, 'en')).report.error;
    expect(ru.code).toBe('header-missing-fields');
    expect(ru.message).toBe(en.message);
    expect(en.message).toMatch(/^The header has no column for: /);
    expect(en).toMatchObject({ text: en.message, textLang: 'en' });
    expect(ru.textLang).toBe('ru');
    expect(ru.text).toMatch(/^В заголовке нет столбца для полей: .*номер счёта/);
    expect(ru.text).toContain('Найдены столбцы: "Дата", "Товар".');
    const listed = (await get('/reports?distributor=alfa', 'ru')).reports.find((r: { reportId: string }) => r.reportId === id);
    expect(listed.error).toEqual(ru);
  });
});

describe("the quarter's exceptions in the reader's language", () => {
  it('words every held and payout item in Russian for Accept-Language: ru', async () => {
    const body = await get(`/quarters/${Q1}/exceptions`, 'ru');
    const items = (body.groups as { items: { source: string; message: string; messageLang: string; description?: string; partnerId: string }[] }[]).flatMap(
      (g) => g.items,
    );
    expect(items.filter((i) => i.source === 'held').length).toBeGreaterThanOrEqual(5);
    for (const i of items) {
      expect(i.messageLang, i.message).toBe('ru');
      expect(i.message).toMatch(/[А-Яа-яЁё]{3,}/);
      expect(englishIn(i.message, `${i.description ?? ''} ${i.partnerId}`), i.message).toEqual([]);
    }
  });
});
