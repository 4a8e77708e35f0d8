/**
 * Payouts packed many partners to an item (shared/adapters/dynamo/payouts.ts), on DynamoDB Local:
 * items stored one per partner by earlier versions are read until the quarter's next computation,
 * which folds them into shards and deletes them (a removed partner does not come back from one);
 * a write whose every partner of a shard is new reads no shard, a one-partner change reads one;
 * a shard over DynamoDB's item size fails with a plain message and writes no payout;
 * a listing that a quarter's first write in shards overtakes still lists every partner.
 */
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { encodePayoutItem } from '../../shared/adapters/dynamo/payout-item.js';
import { DynamoPayoutsRepository, PAYOUT_SHARDS } from '../../shared/adapters/dynamo/payouts.js';
import { PayoutShardTooLargeError, toUserError } from '../../shared/errors.js';
import { encodePayoutPoints, encodePayoutResult } from '../../shared/pipeline/payout-content.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import type { PayoutToStore, StoredPayouts } from '../../shared/ports/index.js';
import { FaultInjector } from '../support/faults.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const Q1 = '2016-Q1';
const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });

const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const PARTNERS = ['SH1', 'SH2', 'SH3', 'SH4', 'SH5', 'SH6'];
const line = (partnerId: string, qty: number): SaleLine => ({ date: '2016-02-10', invoice: `I-${partnerId}`, partnerId, description: VOSTRO, qty });

const summary = (list: StoredPayouts[]) => list.map((p) => [p.result.partnerId, p.result.total.toFixed(2), p.hash]);
const table = () => ({ doc: env.rt.stack.clients.doc, TableName: env.rt.stack.tableName });
const itemOf = async (key: Record<string, unknown>) => (await table().doc.send(new GetCommand({ TableName: table().TableName, Key: key }))).Item;

/** A stored payout as another partner's, of another quarter. */
function relabelled(p: StoredPayouts, quarter: string, partnerId: string): PayoutToStore {
  const r = p.result;
  return {
    ...p,
    result: {
      ...r,
      quarter,
      partnerId,
      lines: r.lines.map((l) => ({ ...l, quarter, partnerId, partnerDisplayId: partnerId })),
      progress: r.progress.map((g) => ({ ...g, partnerId })),
    },
  };
}

/** The shard keys a DynamoDB read since `from` asked for. */
const shardsReadSince = (from: number) =>
  new Set(
    faults.sent
      .slice(from)
      .filter((s) => s.client === 'doc' && /^(Get|BatchGet|Query)Command$/.test(s.command))
      .flatMap((s) => JSON.stringify(s.input).match(/PAYOUT-SHARD#[^"]*#\d{3}/g) ?? []),
  );

describe('payouts in shards', () => {
  it('reads items stored one per partner before, folds them into shards on the next computation and never reads them again', async () => {
    await env.importReference({
      distributors: ['sh-dist'],
      partners: PARTNERS,
      acceptances: PARTNERS.map((partnerId) => ({ partnerId, program: 'client' })),
    });
    await env.upload('sh-dist', 'feb.csv', renderReport(PARTNERS.map((p, i) => line(p, 150 + i))));
    const before = await env.rt.deps.payouts.listQuarter(Q1);
    expect(before.map((p) => p.result.partnerId)).toEqual(PARTNERS);

    // The quarter as an earlier version stored it: an item per partner (SH6's with result and
    // points as maps, in gsi1, as the oldest did), no shards and no record of them.
    const { doc, TableName } = table();
    const oldItems = new Map<string, Record<string, unknown>>();
    for (const p of before) {
      const id = p.result.partnerId;
      const item =
        id === 'SH6'
          ? {
              ...keys.payout(Q1, id),
              gsi1pk: keys.payoutsLegacyIndex(Q1),
              gsi1sk: id,
              total: p.result.total.toFixed(2),
              rulesVersion: p.result.rulesVersion,
              hash: p.hash,
              computedAt: p.computedAt,
              result: encodePayoutResult(p.result),
              ...encodePayoutPoints(p.points, p.result),
            }
          : { ...keys.payout(Q1, id), ...encodePayoutItem(p, p.computedAt) };
      oldItems.set(id, item);
      await doc.send(new PutCommand({ TableName, Item: item }));
    }
    for (let b = 0; b < PAYOUT_SHARDS; b++) await doc.send(new DeleteCommand({ TableName, Key: keys.payoutShard(Q1, b) }));
    await doc.send(new DeleteCommand({ TableName, Key: keys.payoutShards(Q1) }));
    expect(summary(await env.rt.deps.payouts.listQuarter(Q1))).toEqual(summary(before));
    expect(await env.rt.deps.payouts.get(Q1, 'SH2')).toEqual(before[1]);
    expect((await env.rt.deps.payouts.get(Q1, 'SH6'))?.result.total.toFixed(2)).toBe(before[5]!.result.total.toFixed(2));

    // A correction changes SH1 and drops SH5: the others, unchanged, are kept from their old items.
    await env.upload('sh-dist', 'feb.csv', renderReport(PARTNERS.flatMap((p, i) => (p === 'SH5' ? [] : [line(p, p === 'SH1' ? 400 : 150 + i)]))));
    const after = await env.rt.deps.payouts.listQuarter(Q1);
    expect(after.map((p) => p.result.partnerId)).toEqual(['SH1', 'SH2', 'SH3', 'SH4', 'SH6']);
    expect(summary(after.slice(1))).toEqual(summary(before.filter((p) => !['SH1', 'SH5'].includes(p.result.partnerId))));
    expect(after[0]!.result.lines[0]!.units).toBe(400);
    expect(await env.rt.deps.payouts.get(Q1, 'SH5')).toBeNull();
    for (const id of PARTNERS) expect(await itemOf(keys.payout(Q1, id)), id).toBeUndefined();
    expect(await itemOf(keys.payoutShards(Q1))).toBeDefined();
    expect((await verifyQuarter(env.rt.deps, Q1)).differences).toEqual([]);

    // An old item that comes back (a restored backup, say) is not read: the quarter is in shards.
    await doc.send(new PutCommand({ TableName, Item: oldItems.get('SH5')! }));
    try {
      expect(await env.rt.deps.payouts.get(Q1, 'SH5')).toBeNull();
      expect((await env.rt.deps.payouts.listQuarter(Q1)).map((p) => p.result.partnerId)).not.toContain('SH5');
    } finally {
      await doc.send(new DeleteCommand({ TableName, Key: keys.payout(Q1, 'SH5') }));
    }
  });

  it('reads no shard to write partners all new, and only the changed partner’s shard after', async () => {
    const [model] = await env.rt.deps.payouts.listQuarter(Q1);
    // 300 partners of another quarter: more than the shards, so some share one.
    const quarter = '2099-Q1';
    const moved = Array.from({ length: 300 }, (_, i) => relabelled(model!, quarter, `SX${String(i).padStart(3, '0')}`));
    const present = new Set(moved.map((p) => p.result.partnerId));
    const payouts = env.rt.deps.payouts;
    const at = new Date().toISOString();
    const first = faults.sent.length;
    await payouts.putMany(moved, at, { quarter, present, gone: [], before: [] });
    expect([...shardsReadSince(first)]).toEqual([]);
    expect(summary(await payouts.listQuarter(quarter))).toEqual(summary(moved.map((p) => ({ ...p, computedAt: at }))));

    // A partner whose shard holds others too: that shard is read and merged, no other.
    const bucket = (p: PayoutToStore) => bucketOf(p.result.partnerId, PAYOUT_SHARDS);
    const changed = moved.find((p) => moved.filter((q) => bucket(q) === bucket(p)).length > 1)!;
    const second = faults.sent.length;
    await payouts.putMany([{ ...changed, hash: 'changed' }], at, { quarter, present, gone: [], before: present });
    expect([...shardsReadSince(second)]).toEqual([keys.payoutShard(quarter, bucket(changed)).pk]);
    const listed = await payouts.listQuarter(quarter);
    expect(listed.map((p) => p.hash)).toEqual(moved.map((p) => (p === changed ? 'changed' : p.hash)));
    expect(await payouts.get(quarter, changed.result.partnerId)).toMatchObject({ hash: 'changed' });

    // Removing every partner leaves no shard behind.
    await payouts.deleteMany(quarter, [...present]);
    expect(await payouts.listQuarter(quarter)).toEqual([]);
    for (const p of moved) expect(await itemOf(keys.payoutShard(quarter, bucket(p))), p.result.partnerId).toBeUndefined();
  });

  it('lists every partner of a quarter whose first write in shards happens during the listing', async () => {
    const [model] = await env.rt.deps.payouts.listQuarter(Q1);
    const quarter = '2099-Q3';
    const ids = Array.from({ length: 23 }, (_, i) => `SZ${String(i).padStart(2, '0')}`);
    const { doc, TableName } = table();
    // The quarter as an earlier version stored it: an item per partner, no shards.
    for (const id of ids) {
      const p = relabelled(model!, quarter, id);
      await doc.send(new PutCommand({ TableName, Item: { ...keys.payout(quarter, id), ...encodePayoutItem(p, model!.computedAt) } }));
    }
    const writer = new DynamoPayoutsRepository(table().doc, table().TableName, async () => ids);
    // The computation that folds the old items into shards runs between the listing's reads.
    let folded = false;
    const lister = new DynamoPayoutsRepository(table().doc, table().TableName, async () => {
      if (!folded) {
        folded = true;
        const changed = { ...relabelled(model!, quarter, ids[0]!), hash: 'changed' };
        await writer.putMany([changed], new Date().toISOString(), { quarter, present: new Set(ids), gone: [], before: ids });
      }
      return ids;
    });
    const listed = await lister.listQuarter(quarter);
    expect(folded).toBe(true);
    expect(listed.map((p) => p.result.partnerId)).toEqual(ids);
    expect(listed[0]!.hash).toBe('changed');
    for (const id of ids) expect(await itemOf(keys.payout(quarter, id)), id).toBeUndefined();
    await writer.deleteMany(quarter, ids);
  });

  it('refuses a shard larger than an item can be, in plain words, and writes no payout', async () => {
    const [model] = await env.rt.deps.payouts.listQuarter(Q1);
    const quarter = '2099-Q2';
    const small = new DynamoPayoutsRepository(table().doc, table().TableName, async () => [], { maxShardBytes: 300 });
    const write = small.putMany(
      ['SY1', 'SY2', 'SY3'].map((id) => relabelled(model!, quarter, id)),
      new Date().toISOString(),
    );
    await expect(write).rejects.toThrow(PayoutShardTooLargeError);
    await expect(write).rejects.toThrow(/payouts of quarter 2099-Q2 do not fit in storage: payout group \d+ holds \d+ partners in \d+ KB, more than the 1 KB/);
    // It says what was kept, not that nothing at all was written (a computation's started note was).
    const err = await write.catch((e: unknown) => e);
    expect(toUserError(err).message).toMatch(/No payout of the quarter was changed: it keeps those of its last finished computation/);
    expect(toUserError(err, 'ru').message).toMatch(/Выплаты квартала 2099-Q2 не помещаются.*Выплаты квартала не изменены: остались выплаты последнего завершённого расчёта/);
    expect(await small.listQuarter(quarter)).toEqual([]);
    expect(await itemOf(keys.payoutShards(quarter))).toBeUndefined();
  });
});
