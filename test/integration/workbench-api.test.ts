/**
 * `GET /quarters/{q}/watchlist` and `GET /quarters/{q}/exceptions` (issue #15) over the local API
 * server, on the real emulators: what they list, the RUB at stake worked out from the rules file,
 * a partner manager's territory, and a fix through the reference API taking an item off the queue.
 *
 * 2016-Q1 (it has ended, so the run-rate projection is the units): client plans 50 and 150.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api-client.js';
import { sampleRules } from '../support/domain-fixtures.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const rules = sampleRules(Q1);
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const PRECISION = 'Dell Precision T3620 MT workstation E3-1225v5 8GB 1TB'; // client/workstation, gated
const CABLE = 'Кабель HDMI 2 м'; // unclassified until the catalog maps its SKU
const TRAINED_AT = '2016-03-01T10:00:00+03:00';

const env = useLocalRuntime();
const { call } = useTestApi(env);

const sale = salesOf(VOSTRO);

interface WatchJson {
  partnerId: string;
  program: string;
  units: number;
  target: number;
  missing: number;
  amountAtStakeRub: string;
  projectedUnits: number;
  blockers: { code: string; gate?: string; courses?: string[][] }[];
}
interface ItemJson {
  source: string;
  partnerId: string;
  reportId?: string;
  lines?: number[];
  sku?: string;
  amountAtStakeRub: string | null;
  fix: string | null;
  courses?: string[][] | null;
}
interface GroupJson {
  reason: string;
  count: number;
  units: number;
  amountAtStakeRub: string | null;
  items: ItemJson[];
}

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU900201', name: 'ООО «Почти План»', region: 'Central' },
      { id: 'RU900202', name: 'ООО «Волга Почти»', region: 'Volga' },
      { id: 'RU900203', name: 'ООО «Без Курса»', region: 'Volga' },
    ],
    distributors: ['alfa'],
    acceptances: [
      { partnerId: 'RU900201', program: 'client', plan: 150 },
      { partnerId: 'RU900202', program: 'client', plan: 50 },
      { partnerId: 'RU900203', program: 'client', plan: 50 },
    ],
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport([
      sale({ invoice: 'A-1', partnerId: 'RU900201', qty: 146 }),
      sale({ invoice: 'A-2', partnerId: 'RU900202', qty: 45 }),
      sale({ invoice: 'A-3', partnerId: 'RU900203', qty: 60 }),
      sale({ invoice: 'A-4', partnerId: 'RU900203', description: PRECISION, sku: '3620-8741', qty: 8 }),
      sale({ invoice: 'A-5', partnerId: 'RU999999', qty: 7 }), // not in the registry
      sale({ invoice: 'A-6', partnerId: 'RU900202', description: CABLE, sku: 'CBL-HDMI-2', qty: 3 }),
    ]),
  );
});

describe('GET /quarters/{q}/watchlist', () => {
  it('lists the partners within reach of a plan, most RUB at stake first, with what the plan would pay', async () => {
    const res = await call('finance', 'GET', `/api/quarters/${Q1}/watchlist`);
    expect(res.status).toBe(200);
    expect(res.body.quarter).toBe(Q1);
    const partners = res.body.partners as WatchJson[];
    expect(partners.map((p) => p.partnerId)).toEqual(['RU900201', 'RU900202']);
    expect(partners[0]).toMatchObject({
      program: 'client',
      units: 146,
      target: 150,
      missing: 4,
      projectedUnits: 146, // the quarter has ended
      blockers: [],
      amountAtStakeRub: rules.rate('client', 'vostro-3xxx', 150).times(146).toFixed(2),
    });
    expect(partners[1]).toMatchObject({
      units: 45,
      target: 50,
      missing: 5,
      amountAtStakeRub: rules.rate('client', 'vostro-3xxx', 50).times(45).toFixed(2),
    });
  });

  it('shows a partner manager the territory only, and refuses a distributor', async () => {
    const central = await call('central', 'GET', `/api/quarters/${Q1}/watchlist`);
    expect((central.body.partners as WatchJson[]).map((p) => p.partnerId)).toEqual(['RU900201']);
    const volga = await call('volga', 'GET', `/api/quarters/${Q1}/watchlist`);
    expect((volga.body.partners as WatchJson[]).map((p) => p.partnerId)).toEqual(['RU900202']);
    expect((await call('alfa', 'GET', `/api/quarters/${Q1}/watchlist`)).status).toBe(403);
    expect((await call('finance', 'GET', '/api/quarters/2015-Q1/watchlist')).status).toBe(404);
  });
});

describe('GET /quarters/{q}/exceptions', () => {
  it('groups every reason a unit does not pay, traceable to report lines, with RUB at stake', async () => {
    const res = await call('program', 'GET', `/api/quarters/${Q1}/exceptions`);
    expect(res.status).toBe(200);
    const groups = res.body.groups as GroupJson[];
    const by = new Map(groups.map((g) => [g.reason, g]));
    expect([...by.keys()]).toEqual([
      'unknown-partner',
      'unclassified-product',
      'training-missing',
      'plan-not-met',
    ]);

    expect(by.get('unknown-partner')).toMatchObject({ count: 1, units: 7, amountAtStakeRub: null });
    expect(by.get('unknown-partner')!.items[0]).toMatchObject({
      partnerId: 'RU999999',
      lines: [6], // the header is line 1
      fix: 'register-partner',
    });
    expect(by.get('unclassified-product')!.items[0]).toMatchObject({ sku: 'CBL-HDMI-2', fix: 'map-product' });

    const training = by.get('training-missing')!;
    expect(training).toMatchObject({
      count: 1,
      units: 8,
      amountAtStakeRub: rules.rate('client', 'workstation', 50).times(8).toFixed(2),
    });
    expect(training.items[0]!.courses!.flat()).toContain('DPWT0212WBTT');
    expect(training.items[0]!.fix).toBe('record-training');

    const plan = by.get('plan-not-met')!;
    expect(plan.items.map((i) => i.partnerId).sort()).toEqual(['RU900201', 'RU900202']);
    expect(plan.amountAtStakeRub).toBe(
      rules
        .rate('client', 'vostro-3xxx', 150)
        .times(146)
        .plus(rules.rate('client', 'vostro-3xxx', 50).times(45))
        .toFixed(2),
    );
  });

  it('gives a partner manager the territory’s items only, and only the fixes the role may make', async () => {
    const res = await call('volga', 'GET', `/api/quarters/${Q1}/exceptions`);
    const groups = res.body.groups as GroupJson[];
    expect(groups.map((g) => g.reason)).toEqual(['unclassified-product', 'training-missing', 'plan-not-met']);
    for (const g of groups) for (const i of g.items) expect(['RU900202', 'RU900203']).toContain(i.partnerId);
    expect(groups[0]!.items[0]!.fix).toBeNull(); // a catalog mapping is the program manager's
    expect(groups[1]!.items[0]!.fix).toBe('record-training');

    const central = await call('central', 'GET', `/api/quarters/${Q1}/exceptions`);
    expect((central.body.groups as GroupJson[]).map((g) => g.reason)).toEqual(['plan-not-met']);
    expect((await call('alfa', 'GET', `/api/quarters/${Q1}/exceptions`)).status).toBe(403);
  });

  it('a training recorded by the partner manager pays the units, and the item leaves the queue', async () => {
    const before = await call('volga', 'GET', `/api/quarters/${Q1}/partners/RU900203`);
    const put = await call('volga', 'PUT', '/api/reference/trainings', {
      rows: ['DPWS0212WBTS', 'DPWT0212WBTT'].map((courseCode) => ({
        partnerId: 'RU900203',
        courseCode,
        completedAt: TRAINED_AT,
      })),
    });
    expect(put.status).toBe(202);
    await env.rt.idle();

    const after = await call('volga', 'GET', `/api/quarters/${Q1}/partners/RU900203`);
    const gained = rules.rate('client', 'workstation', 50).times(8);
    expect(new Decimal(after.body.total).minus(before.body.total).toFixed(2)).toBe(gained.toFixed(2));
    const groups = (await call('volga', 'GET', `/api/quarters/${Q1}/exceptions`)).body.groups as GroupJson[];
    expect(groups.map((g) => g.reason)).not.toContain('training-missing');
  });

  it('the old GET /exceptions still answers with the product queue', async () => {
    const res = await call('program', 'GET', `/api/exceptions?quarter=${Q1}`);
    expect(res.status).toBe(200);
    expect(res.body.exceptions.map((x: { sku: string }) => x.sku)).toEqual(['CBL-HDMI-2']);
  });
});
