/**
 * A partner manager's what-if (issue #15 point 3) through the HTTP API on the real emulators:
 * POST /quarters/{q}/preview as a manager of Central answers with the territory's partners only,
 * totals over them only, and refuses rates, plan thresholds and partners outside the territory.
 * Expected figures come from what finance sees (payouts, rules, finance's own preview).
 *
 * Central: RU920101 buys 45 Vostro units (5 short of plan 50), RU920102 buys 55. Volga: RU920103
 * buys 70. All three accepted the client program without choosing a plan.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { Decimal } from 'decimal.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApi, type Caller } from '../support/api-client.js';
import { renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const SHORT = 'RU920101';
const MET = 'RU920102';
const VOLGA = 'RU920103';
const CENTRAL = [SHORT, MET];

const env = useLocalRuntime();
const api = useTestApi(env);

interface Line {
  partnerId: string;
  region: string | null;
  amount: string;
}
interface Preview {
  quarter: string;
  lines: Line[];
  total: string;
  totals: { before: string; after: string; delta: string };
  changes: { partnerId: string; before: string; after: string; delta: string }[];
}

const preview = (who: Caller, body: unknown) => api.call(who, 'POST', `/api/quarters/${Q1}/preview`, body);
const sum = (xs: readonly string[]) => xs.reduce((a, x) => a.plus(x), new Decimal(0));

/** The stored payout per partner, as finance reads it. */
async function paidNow(): Promise<Map<string, Decimal>> {
  const { lines } = (await api.call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body as { lines: Line[] };
  const out = new Map<string, Decimal>();
  for (const l of lines) out.set(l.partnerId, (out.get(l.partnerId) ?? new Decimal(0)).plus(l.amount));
  return out;
}

let vostroRate50: Decimal;

beforeAll(async () => {
  const partners = [
    { id: SHORT, name: 'ООО «Центр Один»', region: 'Central' },
    { id: MET, name: 'ООО «Центр Два»', region: 'Central' },
    { id: VOLGA, name: 'ООО «Волга Три»', region: 'Volga' },
  ];
  await env.importReference({
    partners,
    distributors: ['alfa'],
    acceptances: partners.map((p) => ({ partnerId: p.id, program: 'client' })),
  });
  await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'feb.csv',
      content: renderReport(
        [
          [SHORT, 45],
          [MET, 55],
          [VOLGA, 70],
        ].map(([partnerId, qty], i) => ({
          date: '2016-02-10',
          invoice: `A-${i + 1}`,
          partnerId: String(partnerId),
          description: VOSTRO,
          qty: Number(qty),
        })),
      ),
    },
  ]);
  const rules = (await api.call('finance', 'GET', `/api/quarters/${Q1}/rules`)).body as {
    programs: { id: string; rateRows: { id: string; rates: Record<string, string> }[] }[];
  };
  vostroRate50 = new Decimal(
    rules.programs.find((p) => p.id === 'client')!.rateRows.find((r) => r.id === 'vostro-3xxx')!.rates['50']!,
  );
}, 120_000);

describe("a partner manager's what-if", () => {
  it("shows only the territory's partners, with totals over them alone", async () => {
    const body = { units: [{ partnerId: SHORT, program: 'client', rateRow: 'vostro-3xxx', units: 5 }] };
    const res = await preview('central', body);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const mine = res.body as Preview;
    const now = await paidNow();

    // The 5 units reach plan 50: SHORT is paid all 50; no one else's payout moves.
    const after = vostroRate50.times(50);
    expect(mine.changes).toEqual([
      { partnerId: SHORT, before: '0.00', after: after.toFixed(2), delta: after.toFixed(2) },
    ]);
    expect([...new Set(mine.lines.map((l) => l.partnerId))].sort()).toEqual(CENTRAL);
    expect(mine.lines.every((l) => l.region === 'Central')).toBe(true);
    const centralNow = sum(CENTRAL.map((id) => (now.get(id) ?? new Decimal(0)).toFixed(2)));
    expect(mine.totals).toEqual({
      before: centralNow.toFixed(2),
      after: centralNow.plus(after).toFixed(2),
      delta: after.toFixed(2),
    });
    expect(mine.total).toBe(mine.totals.after);
    expect(mine.total).toBe(sum(mine.lines.map((l) => l.amount)).toFixed(2));
    // Not a word about the other territory, not even inside a sentence.
    expect(JSON.stringify(mine)).not.toMatch(new RegExp(`${VOLGA}|Volga|Волга`));

    // Finance's preview of the same change: the same deltas, the whole quarter's totals.
    const all = (await preview('finance', body)).body as Preview;
    expect(all.changes).toEqual(mine.changes);
    expect(new Decimal(all.totals.before).minus(mine.totals.before).toFixed(2)).toBe(now.get(VOLGA)!.toFixed(2));
    expect(new Decimal(all.total).minus(mine.total).toFixed(2)).toBe(now.get(VOLGA)!.toFixed(2));
  });

  it("tries an acceptance of a chosen plan for the territory's partner", async () => {
    const now = await paidNow();
    const res = await preview('central', {
      acceptances: [{ partnerId: MET, program: 'client', plan: 150, acceptedAt: '2016-03-01T10:00:00+03:00' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Plan 150 chosen with 55 units: nothing is paid.
    const before = now.get(MET)!;
    expect(before.isPositive()).toBe(true);
    expect((res.body as Preview).changes).toEqual([
      { partnerId: MET, before: before.toFixed(2), after: '0.00', delta: before.negated().toFixed(2) },
    ]);
    expect((res.body as Preview).totals.delta).toBe(before.negated().toFixed(2));
  });

  it('refuses rates and plan thresholds with a 403 in plain words, in English and Russian', async () => {
    const rates = await preview('central', { rates: { 'client/vostro-3xxx/50': '500.00' } });
    expect(rates).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(rates.body.error.message).toMatch(/^As a partner manager you can try extra units, trainings and acceptances/);
    expect(rates.body.error.message).toContain('client/vostro-3xxx/50');
    expect((await preview('central', { plans: { 'client/50': 40 } })).status).toBe(403);

    const ru = await api.call('central', 'POST', `/api/quarters/${Q1}/preview`, { plans: { 'client/50': 40 } }, undefined, {
      'accept-language': 'ru',
    });
    expect(ru.status).toBe(403);
    const said = (ru.body as { error: { message: string } }).error.message;
    expect(said).toMatch(/^Менеджер по партнёрам может пробовать/);
    // Latin letters only in what the request named.
    expect(said.replace('client/50', '')).not.toMatch(/[A-Za-z]/);
  });

  it('answers a partner of another territory exactly as one that does not exist', async () => {
    const named = (partnerId: string) =>
      preview('central', { trainings: [{ partnerId, courseCode: 'DPWS0212WBTS', completedAt: '2016-03-01T10:00:00+03:00' }] });
    const outside = await named(VOLGA);
    const missing = await named('RU999999');
    expect(outside.status).toBe(400);
    expect(missing.status).toBe(400);
    expect(JSON.stringify(outside.body).replaceAll(VOLGA, 'RU999999')).toBe(JSON.stringify(missing.body));
    expect(JSON.stringify(outside.body)).not.toMatch(/Volga/);
  });

  it('stays closed to distributors', async () => {
    expect((await preview('alfa', { units: [] })).status).toBe(403);
  });
});
