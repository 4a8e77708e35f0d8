/**
 * Sentences in the reader's language (issue #15): the API renders explanations, warnings, tier
 * summaries and points reasons from the stored codes per `Accept-Language`, on the real emulators.
 * Payout items stored before codes, with English sentences, are still read and shown as stored.
 *
 * 2016-Q1 client program: plan 150 chosen, 146 units bought: nothing is paid, 4 units short.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { readFileSync } from 'node:fs';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { payoutShardEntries } from '../../shared/adapters/dynamo/payout-item.js';
import { PAYOUT_SHARDS } from '../../shared/adapters/dynamo/payouts.js';
import { useTestApi } from '../support/api-client.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const Q2 = '2016-Q2';
const OPTIPLEX = 'OPTIPLEX 3050 SFF I3-7100 4GB 500GB'; // client/optiplex-dt-3xxx

const env = useLocalRuntime();
const api = useTestApi(env);

/** GET as finance, with the given Accept-Language (none when undefined). */
async function get(path: string, acceptLanguage?: string) {
  const headers: Record<string, string> = acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage };
  const { status, body } = await api.call('finance', 'GET', `/api${path}`, undefined, undefined, headers);
  return { status, body };
}

const sale = salesOf(OPTIPLEX);

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU910101', name: 'ООО «Сто Сорок Шесть»', region: 'Central' },
      { id: 'RU910102', name: 'ООО «Возвраты»', region: 'Central' },
    ],
    distributors: ['alfa'],
    acceptances: [
      { partnerId: 'RU910101', program: 'client', plan: 150 },
      { partnerId: 'RU910102', program: 'client', plan: 50 },
    ],
  });
  await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'feb.csv',
      content: renderReport([
        sale({ invoice: 'A-1', partnerId: 'RU910101', qty: 146 }),
        sale({ invoice: 'A-2', partnerId: 'RU910102', qty: 60 }),
        sale({ invoice: 'A-3', partnerId: 'RU910102', description: 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB', qty: -2 }),
      ]),
    },
  ]);
});

describe('GET /quarters/{q}/partners/{id} in the reader’s language', () => {
  it('answers in English without Accept-Language, and for a language it does not speak', async () => {
    for (const lang of [undefined, 'de-DE,de;q=0.9', '*']) {
      const res = await get(`/quarters/${Q1}/partners/RU910101`, lang);
      expect(res.status).toBe(200);
      expect(res.body.lines[0].explanation.text).toContain(
        'Pays nothing: plan 150 was chosen at acceptance and must be met, but only 146 units counted in the client program this quarter across all distributors, 4 units short.',
      );
      expect(res.body.progress[0].summary).toBe('client: 146 units; 4 more to reach chosen plan 150');
    }
  });

  it('answers in Russian for Accept-Language: ru, explanations, summaries, warnings and points alike', async () => {
    const res = await get(`/quarters/${Q1}/partners/RU910101`, 'ru-RU,ru;q=0.9,en-US;q=0.8');
    expect(res.status).toBe(200);
    const [line] = res.body.lines;
    expect(line.explanation).toMatchObject({ code: 'plan-not-met', reason: 'plan-not-met', missingUnits: 4 });
    expect(line.explanation.text).toContain('Не выплачивается: при подтверждении участия выбран план 150');
    expect(line.explanation.text).toContain('до плана не хватает 4 единиц.');
    expect(res.body.progress[0].summary).toBe(
      '«Ноутбуки, десктопы и моноблоки»: 146 единиц; до выбранного плана 150 не хватает 4 единиц',
    );

    const returns = await get(`/quarters/${Q1}/partners/RU910102`, 'ru');
    const negative = returns.body.lines.find((l: { units: number }) => l.units < 0);
    expect(negative.explanation.text).toContain('возвраты превышают покупки');
    expect(negative.warnings).toEqual([expect.stringMatching(/^Партнёр RU910102, дистрибьютор alfa, строка ставок «Vostro 3xxx» .*нетто -2 единицы/)]);
    expect(returns.body.warnings).toEqual(negative.warnings);
    expect(returns.body.points.pending.length).toBeGreaterThan(0);
    for (const p of returns.body.points.pending) expect(p.reason).toMatch(/^Оплаченные единицы по строке ставок «настольные OptiPlex 3xxx» программы «Ноутбуки, десктопы и моноблоки» у дистрибьютора alfa: 60 × \d+ балл/);
  });

  it('prefers the language the header weighs most', async () => {
    const ru = await get(`/quarters/${Q1}/partners/RU910101`, 'en;q=0.3, ru;q=0.8');
    expect(ru.body.lines[0].explanation.text).toMatch(/^Не выплачивается/);
    const en = await get(`/quarters/${Q1}/partners/RU910101`, 'ru;q=0.2, en-GB');
    expect(en.body.lines[0].explanation.text).toMatch(/^Pays nothing/);
  });

  it('renders the quarter’s payouts list in the same way', async () => {
    const res = await get(`/quarters/${Q1}/payouts?partner=RU910101`, 'ru');
    expect(res.body.lines).toHaveLength(1);
    expect(res.body.lines[0].explanation.text).toMatch(/^Не выплачивается/);
  });
});

describe('a payout item stored before codes', () => {
  it('is stored lean now: no sentence in the item', async () => {
    const { stack } = env.rt;
    const { Item } = await stack.clients.doc.send(
      new GetCommand({ TableName: stack.tableName, Key: keys.payoutShard(Q1, bucketOf('RU910101', PAYOUT_SHARDS)) }),
    );
    // Results and points are deflated in the partner's shard: what it holds is read back to check.
    const stored = JSON.parse(payoutShardEntries(Item!).find((e) => e.partnerId === 'RU910101')!.content) as { result: unknown };
    expect(stored.result).toMatchObject({ v: 2, partnerId: 'RU910101' });
    expect(JSON.stringify(stored)).not.toMatch(/"text"|Pays nothing|"summary"/);
  });

  it('is read, its figures shown and its sentences as stored, in any language', async () => {
    // In a quarter no computation of this version has written yet (its items are read until one does).
    const [old] = JSON.parse(
      readFileSync(new URL('../adapters/fixtures/payout-items-before-codes.json', import.meta.url), 'utf8').replaceAll(Q1, Q2),
    ) as { result: { partnerId: string; lines: { explanation: { text: string } }[]; progress: { summary: string }[] } }[];
    const id = old!.result.partnerId;
    const { stack } = env.rt;
    await env.importReference({ partners: [{ id, name: 'ООО «Старая Запись»', region: 'Central' }] });
    await env.rt.idle();
    // As an earlier version wrote it, after the last computation: the API reads what is stored.
    await stack.clients.doc.send(new PutCommand({ TableName: stack.tableName, Item: old }));
    const res = await get(`/quarters/${Q2}/partners/${id}`, 'ru');
    expect(res.status).toBe(200);
    expect(res.body.progress.map((p: { summary: string }) => p.summary)).toEqual(old!.result.progress.map((p) => p.summary));
    expect(res.body.warnings.length).toBeGreaterThan(0);
    expect(res.body.points.pending.length).toBeGreaterThan(0);
  });
});
