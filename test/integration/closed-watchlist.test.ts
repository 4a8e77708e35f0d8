/**
 * Finance's quarter after a review (issue #14): a close request counts every group of the
 * exceptions workbench, not products alone, and a closed quarter has no watchlist of live figures.
 * Over the local API server, on the real emulators; the tests run in order (the second closes).
 *
 * 2016-Q1 client program: plans 50 and 150.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi } from '../support/api-client.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const PRECISION = 'Dell Precision T3620 MT workstation E3-1225v5 8GB 1TB'; // client/workstation, gated
const CABLE = 'Кабель HDMI 2 м'; // not a product of the program: unclassified

const env = useLocalRuntime();
const { call } = useTestApi(env);
const sale = salesOf(VOSTRO);

interface Group {
  reason: string;
  source: string;
  count: number;
  units: number;
}

beforeAll(async () => {
  await env.importReference({
    partners: [
      { id: 'RU920001', name: 'ООО «Почти План»', region: 'Central' },
      { id: 'RU920002', name: 'ООО «Без Курса»', region: 'Volga' },
      { id: 'RU920003', name: 'ООО «Не Принял»', region: 'Volga' },
    ],
    distributors: ['alfa'],
    acceptances: [
      { partnerId: 'RU920001', program: 'client', plan: 150 },
      { partnerId: 'RU920002', program: 'client', plan: 50 },
    ],
  });
  await env.upload(
    'alfa',
    'feb.csv',
    renderReport([
      sale({ invoice: 'A-1', partnerId: 'RU920001', qty: 146 }), // 4 short of plan 150: on the watchlist
      sale({ invoice: 'A-2', partnerId: 'RU920002', qty: 60 }),
      sale({ invoice: 'A-3', partnerId: 'RU920002', description: PRECISION, sku: '3620-8741', qty: 8 }), // training missing
      sale({ invoice: 'A-4', partnerId: 'RU920003', qty: 20 }), // program not accepted
      sale({ invoice: 'A-5', partnerId: 'RU999998', qty: 7 }), // not in the registry
      sale({ invoice: 'A-6', partnerId: 'RU920002', description: CABLE, sku: 'CBL-HDMI-2', qty: 3 }),
    ]),
  );
});

const slim = (groups: Group[]) => groups.map(({ reason, source, count, units }) => ({ reason, source, count, units }));

describe('a close request counts the open exceptions of every workbench group', () => {
  let approvalId = '';

  it('counts held lines and eligibility as the exceptions page does, by group, with a total', async () => {
    const page = await call('finance', 'GET', `/api/quarters/${Q1}/exceptions`);
    expect(page.status).toBe(200);
    const shown = slim(page.body.groups as Group[]);
    // The fixture reaches beyond products: an unknown partner and three eligibility reasons.
    expect(shown.map((g) => g.reason)).toEqual(
      expect.arrayContaining(['unknown-partner', 'unclassified-product', 'training-missing', 'program-not-accepted', 'plan-not-met']),
    );

    const asked = await call('finance', 'POST', `/api/quarters/${Q1}/close`);
    expect(asked.status).toBe(202);
    const approval = asked.body.approval;
    approvalId = approval.id as string;
    expect(slim(approval.exceptionGroups as Group[])).toEqual(shown);
    expect(approval.openExceptions).toBe(shown.reduce((n, g) => n + g.count, 0));
    expect(approval.exceptionGroups).toContainEqual({ reason: 'unknown-partner', source: 'held', count: 1, units: 7 });
    expect(approval.exceptionGroups).toContainEqual(
      expect.objectContaining({ reason: 'program-not-accepted', source: 'payout', units: 20 }),
    );

    // The approver sees the same counts in the list of pending requests.
    const pending = await call('finance2', 'GET', '/api/approvals?status=pending');
    const listed = (pending.body.approvals as { id: string }[]).find((a) => a.id === approvalId);
    expect(listed).toMatchObject({ openExceptions: approval.openExceptions, exceptionGroups: approval.exceptionGroups });
  });

  it('leaves a closed quarter without a watchlist: its figures are frozen', async () => {
    const open = await call('finance', 'GET', `/api/quarters/${Q1}/watchlist`);
    expect(open.body).toMatchObject({ quarter: Q1, status: 'open' });
    expect((open.body.partners as { partnerId: string }[]).map((p) => p.partnerId)).toContain('RU920001');

    const approved = await call('finance2', 'POST', `/api/approvals/${approvalId}/approve`);
    expect(approved.status).toBe(200);

    for (const who of ['finance', 'program', 'central'] as const) {
      const closed = await call(who, 'GET', `/api/quarters/${Q1}/watchlist`);
      expect(closed.status, who).toBe(200);
      expect(closed.body, who).toMatchObject({ quarter: Q1, status: 'closed', closedBy: 'fin-2', partners: [] });
    }
    // A correction booked after the close changes live items, never the closed quarter's watchlist.
    await env.upload('alfa', 'mar.csv', renderReport([sale({ invoice: 'M-1', partnerId: 'RU920001', qty: 2 })]));
    const after = await call('finance', 'GET', `/api/quarters/${Q1}/watchlist`);
    expect(after.body).toMatchObject({ status: 'closed', partners: [] });
  });
});
