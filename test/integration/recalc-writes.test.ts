/**
 * How a recalculation writes, on DynamoDB Local: the payout and its new points ledger entries in as
 * few requests as possible (one transaction for up to 99 entries), append-only and idempotent, also
 * when another run has already written some of the entries. Course points (500 per course in the
 * 2016-Q1 rules) give a partner as many entries as a test needs.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../../shared/domain/points.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { recalcPartner } from '../../shared/pipeline/recalc.js';
import { FaultInjector, throwing } from '../support/faults.js';
import { referenceChange, renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });

afterEach(() => faults.disarmAll());

const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD'; // client/premium
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

/** Recalculation deps with a fixed clock, so two runs can write byte-identical items. */
const at = (iso: string) => ({ ...env.rt.deps, clock: { now: () => new Date(iso) } });
const FIRST = '2016-04-02T06:00:00Z';
const SECOND = '2016-04-03T06:00:00Z';

const courseCode = (i: number) => `RW${String(i + 1).padStart(3, '0')}`;

/** A partner with `courses` courses completed in Q1, stored without recalculating anyone. */
async function partnerWithCourses(partnerId: string, courses: number) {
  await importReference(
    { ...env.rt.deps, recalc: { publish: async () => undefined } },
    referenceChange({
      distributors: ['rw-dist'],
      partners: [partnerId],
      acceptances: [{ partnerId, program: 'client', plan: null }],
      trainings: Array.from({ length: courses }, (_, i) => ({
        partnerId,
        courseCode: courseCode(i),
        completedAt: '2016-02-15T10:00:00+03:00',
      })),
    }),
  );
}

/** Every item of a partner's partition: profile, acceptances, trainings, payouts, points. */
async function partition(partnerId: string) {
  const { stack } = env.rt;
  const res = await stack.clients.doc.send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `PARTNER#${partnerId}` },
      ConsistentRead: true,
    }),
  );
  return res.Items ?? [];
}

const ledgerOf = async (partnerId: string) => (await env.rt.deps.reference.partnerState(partnerId)).ledger;

const isOf = (partnerId: string) => (item: unknown) => (item as { pk?: string }).pk === `PARTNER#${partnerId}`;
/** The transaction items of a TransactWriteCommand input, as the puts they hold. */
const putsIn = (input: Record<string, unknown>) =>
  ((input.TransactItems ?? []) as { Put?: { Item: Record<string, unknown> } }[]).flatMap((t) =>
    t.Put ? [t.Put.Item] : [],
  );
/** Commands that wrote to a partner's partition, by command name. */
function writesTo(partnerId: string) {
  const mine = isOf(partnerId);
  const count = (command: string) =>
    faults.count('doc', command, (input) =>
      command === 'TransactWriteCommand' ? putsIn(input).some(mine) : mine(input.Item),
    );
  return { transactions: count('TransactWriteCommand'), puts: count('PutCommand') };
}

const cancelled = (codes: string[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled (injected fault)',
    CancellationReasons: codes.map((Code) => ({ Code })),
    $metadata: { httpStatusCode: 400 },
  });

describe('recalculation writes', () => {
  it('stores the payout and all its new points in one transaction, and a second run changes nothing', async () => {
    await partnerWithCourses('RW101', 6);
    const recalc = env.rt.deps.recalc;
    env.rt.deps.recalc = { publish: async () => undefined };
    try {
      await env.upload(
        'rw-dist',
        'rw101.csv',
        renderReport([
          { date: '2016-02-20', invoice: 'RW-0001', partnerId: 'RW101', description: LATITUDE, qty: 30 },
          { date: '2016-02-20', invoice: 'RW-0002', partnerId: 'RW101', description: VOSTRO, qty: 25 },
        ]),
      );
    } finally {
      env.rt.deps.recalc = recalc;
    }
    expect(await ledgerOf('RW101')).toEqual([]);

    const before = writesTo('RW101');
    const result = await recalcPartner(at(FIRST), Q1, 'RW101');
    const ledger = await ledgerOf('RW101');
    const paidLines = result.lines.filter((l) => l.paidUnits > 0);
    expect(paidLines.length).toBeGreaterThan(0);
    // One entry per paid line and per course, each written once.
    expect(ledger).toHaveLength(paidLines.length + 6);
    expect(new Set(ledger.map((e) => e.entryId)).size).toBe(ledger.length);
    expect(ledger.filter((e) => e.source.startsWith('course:')).map((e) => e.points)).toEqual(Array(6).fill(500));
    expect((await env.rt.deps.payouts.get(Q1, 'RW101'))!.result.total.toFixed(2)).toBe(result.total.toFixed(2));
    expect(writesTo('RW101')).toEqual({ transactions: before.transactions + 1, puts: before.puts });

    // The same state again, at the same time: nothing to append, and every item as it was.
    const items = await partition('RW101');
    await recalcPartner(at(FIRST), Q1, 'RW101');
    expect(await partition('RW101')).toEqual(items);
    // Only the payout is written (no entries, so no transaction).
    expect(writesTo('RW101')).toEqual({ transactions: before.transactions + 1, puts: before.puts + 1 });
  });

  it('keeps entries another run already wrote and writes only the rest, one copy of each', async () => {
    await partnerWithCourses('RW201', 8);
    const theirs: LedgerEntry[] = [];
    // Between this run's read of the ledger and its write, another run appends half of the same entries.
    const race = env.rt.deps.ledger;
    const fault = faults.arm({
      client: 'doc',
      command: 'TransactWriteCommand',
      match: (input) => putsIn(input).some((i) => i.sk === `PAYOUT#${Q1}` && isOf('RW201')(i)),
      fail: async (send, sent) => {
        const points = putsIn(sent.input).filter((i) => String(i.sk).startsWith('POINTS#'));
        for (const [n, item] of points.entries()) {
          if (n % 2) continue;
          const { pk: _pk, sk: _sk, ...entry } = item;
          theirs.push({ ...(entry as unknown as LedgerEntry), reason: 'written by the other run' });
        }
        await race.append(theirs);
        return send();
      },
    });

    const before = writesTo('RW201');
    await recalcPartner(at(FIRST), Q1, 'RW201');
    expect(fault.fired).toBe(1);

    const ledger = await ledgerOf('RW201');
    expect(theirs).toHaveLength(4);
    expect(ledger.map((e) => e.source).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `course:${courseCode(i)}`));
    expect(new Set(ledger.map((e) => e.entryId)).size).toBe(8);
    // Append-only: the other run's entries are kept as it wrote them.
    const byId = new Map(ledger.map((e) => [e.entryId, e]));
    for (const e of theirs) expect(byId.get(e.entryId)).toEqual(e);
    expect(ledger.filter((e) => e.reason !== 'written by the other run')).toHaveLength(4);
    expect(await env.rt.deps.payouts.get(Q1, 'RW201')).not.toBeNull();
    // The other run's transaction and this run's cancelled one, then a put per entry not yet written and the payout.
    expect(writesTo('RW201')).toEqual({ transactions: before.transactions + 2, puts: before.puts + 4 + 1 });

    const items = await partition('RW201');
    await recalcPartner(at(FIRST), Q1, 'RW201');
    expect(await partition('RW201')).toEqual(items);
  });

  it('writes more entries than one transaction holds, the payout with the last of them', async () => {
    await partnerWithCourses('RW301', 150);
    const before = writesTo('RW301');
    await recalcPartner(at(FIRST), Q1, 'RW301');

    const ledger = await ledgerOf('RW301');
    expect(ledger).toHaveLength(150);
    expect(ledger.reduce((sum, e) => sum + e.points, 0)).toBe(150 * 500);
    const transactions = faults.sent
      .filter((s) => s.command === 'TransactWriteCommand' && putsIn(s.input).some(isOf('RW301')))
      .map((s) => putsIn(s.input));
    expect(transactions.map((t) => t.length)).toEqual([100, 51]);
    expect(String(transactions[1]!.at(-1)!.sk)).toBe(`PAYOUT#${Q1}`);
    expect(writesTo('RW301')).toEqual({ transactions: before.transactions + 2, puts: before.puts });

    await recalcPartner(at(SECOND), Q1, 'RW301');
    expect(await ledgerOf('RW301')).toEqual(ledger);
    expect((await env.rt.deps.payouts.get(Q1, 'RW301'))!.computedAt).toBe(SECOND.replace('Z', '.000Z'));
  });

  it('fails, storing nothing, when the transaction is refused for any other reason, and a retry stores everything', async () => {
    await partnerWithCourses('RW401', 3);
    const mine = (input: Record<string, unknown>) => putsIn(input).some(isOf('RW401'));
    faults.arm({
      client: 'doc',
      command: 'TransactWriteCommand',
      match: mine,
      fail: throwing(() => cancelled(['None', 'ThrottlingError', 'None', 'None'])),
    });
    await expect(recalcPartner(at(FIRST), Q1, 'RW401')).rejects.toThrow(TransactionCanceledException);
    expect(await ledgerOf('RW401')).toEqual([]);
    expect(await env.rt.deps.payouts.get(Q1, 'RW401')).toBeNull();

    await recalcPartner(at(FIRST), Q1, 'RW401');
    expect(await ledgerOf('RW401')).toHaveLength(3);
    expect(await env.rt.deps.payouts.get(Q1, 'RW401')).not.toBeNull();
  });

  it('writes one at a time when the transaction conflicts with another one', async () => {
    await partnerWithCourses('RW501', 3);
    faults.arm({
      client: 'doc',
      command: 'TransactWriteCommand',
      match: (input) => putsIn(input).some(isOf('RW501')),
      fail: throwing(() => cancelled(['None', 'TransactionConflict', 'None', 'None'])),
    });
    const before = writesTo('RW501');
    await recalcPartner(at(FIRST), Q1, 'RW501');
    expect((await ledgerOf('RW501')).map((e) => e.source).sort()).toEqual(
      [0, 1, 2].map((i) => `course:${courseCode(i)}`),
    );
    expect(await env.rt.deps.payouts.get(Q1, 'RW501')).not.toBeNull();
    expect(writesTo('RW501').puts).toBe(before.puts + 4);
  });
});
