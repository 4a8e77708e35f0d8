/**
 * How pipeline v2 writes, on DynamoDB Local: items written per report do not grow with its lines
 * (partners + reports + a few), a one-partner reference change writes two items and the computation
 * it asks for two more (that partner's payout and the computation pointer), and a computation that
 * crashes before its pointer is written is redone by the retry with the same result.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FaultInjector, throughputExceeded, throwing } from '../support/faults.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const Q1 = '2016-Q1';
const faults = new FaultInjector();
const errors: string[] = [];
const env = useLocalRuntime({ wrapClients: faults.wrap, onError: (what, err) => errors.push(`${what}: ${(err as Error).message}`) });

afterEach(() => faults.disarmAll());

const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

/** DynamoDB items written (puts, updates, deletes; batches and transactions item by item) from now on. */
function itemsWritten(): () => number {
  const count = () =>
    faults.sent
      .filter((s) => s.client === 'doc' || s.client === 'dynamo')
      .reduce((n, s) => {
        if (['PutCommand', 'UpdateCommand', 'DeleteCommand'].includes(s.command)) return n + 1;
        if (s.command === 'BatchWriteCommand')
          return n + Object.values(s.input.RequestItems as Record<string, unknown[]>).reduce((a, r) => a + r.length, 0);
        if (s.command === 'TransactWriteCommand') return n + (s.input.TransactItems as unknown[]).length;
        return n;
      }, 0);
  const before = count();
  return () => count() - before;
}

describe('items written', () => {
  it('stays within partners + reports + 10 for reports of thousands of lines', async () => {
    const partners = Array.from({ length: 12 }, (_, i) => `CW${100 + i}`);
    await env.importReference({
      distributors: ['cw-dist'],
      partners,
      acceptances: partners.map((partnerId) => ({ partnerId, program: 'client' })),
    });
    const written = itemsWritten();
    const report = (month: string, n: number): SaleLine[] =>
      Array.from({ length: n }, (_, i) => ({
        date: `2016-${month}-15`,
        invoice: `CW-${month}-${i}`,
        partnerId: partners[i % partners.length]!,
        description: VOSTRO,
        qty: 1,
      }));
    await env.uploadAll([
      { distributorId: 'cw-dist', name: 'feb.csv', content: renderReport(report('02', 3000)) },
      { distributorId: 'cw-dist', name: 'mar.csv', content: renderReport(report('03', 3000)) },
    ]);
    expect((await env.payouts(Q1, partners[0]!))!.lines[0]!.units).toBe(500);
    expect(written()).toBeLessThanOrEqual(partners.length + 2 + 10);
  });

  it('writes two items for a one-partner reference change, and two for the computation it asks for', async () => {
    await env.importReference({ distributors: ['cw1-dist'], partners: ['CW1A', 'CW1B'] });
    await env.upload(
      'cw1-dist',
      'one.csv',
      renderReport([
        { date: '2016-02-10', invoice: 'A', partnerId: 'CW1A', description: VOSTRO, qty: 60 },
        { date: '2016-02-10', invoice: 'B', partnerId: 'CW1B', description: VOSTRO, qty: 70 },
      ]),
    );
    expect((await env.payouts(Q1, 'CW1A'))!.total.toFixed(2)).toBe('0.00');

    // Held back, to count the edit and the computation apart.
    const real = env.rt.deps.compute;
    const queued: Parameters<typeof real.publish>[0][number][] = [];
    env.rt.deps.compute = { publish: async (rs) => void queued.push(...rs) };
    const edit = itemsWritten();
    try {
      await env.rt.deps.reference.putAcceptances(
        [{ partnerId: 'CW1A', program: 'client', plan: null, acceptedAt: '2016-02-01T10:00:00+03:00' }],
        new Date().toISOString(),
      );
      await env.rt.deps.reference.bumpRevision({ what: '1 acceptance (CW1A)', by: 'test', at: new Date().toISOString() });
    } finally {
      env.rt.deps.compute = real;
    }
    expect(edit()).toBe(2);

    const computation = itemsWritten();
    await real.publish([{ quarter: Q1, cause: 'test' }]);
    await env.rt.idle();
    expect(computation()).toBe(2);
    expect((await env.payouts(Q1, 'CW1A'))!.total.toFixed(2)).toBe((60 * 154).toFixed(2));
    expect((await env.payouts(Q1, 'CW1B'))!.total.toFixed(2)).toBe('0.00');
  });

  it('redoes a computation that crashed before its record was written, with the same result', async () => {
    await env.importReference({ distributors: ['cw2-dist'], partners: ['CW2A'], acceptances: [{ partnerId: 'CW2A', program: 'client' }] });
    const fault = faults.arm({
      client: 'doc',
      command: 'PutCommand',
      match: (i) => (i.Item as { sk?: string } | undefined)?.sk === 'COMPUTATION',
      fail: throwing(throughputExceeded),
    });
    const errorsBefore = errors.length;
    await env.upload('cw2-dist', 'crash.csv', renderReport([{ date: '2016-02-10', invoice: 'X', partnerId: 'CW2A', description: VOSTRO, qty: 5 }]));
    expect(fault.fired).toBe(1);
    expect(errors.slice(errorsBefore)).toEqual([expect.stringMatching(/^compute:/)]);
    expect((await env.payouts(Q1, 'CW2A'))!.lines.map((l) => l.units)).toEqual([5]);
    expect(env.rt.deadLetters()).toEqual([]);
  });
});
