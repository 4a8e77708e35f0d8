/**
 * A quarter's payouts, packed many partners to an item: DynamoDB (Local above all) charges per
 * item far more than per byte, and a full computation of 5,000 partners took 5,000 item writes.
 * A partner's payout lives in the shard `bucketOf(partnerId, PAYOUT_SHARDS)` of its quarter, each
 * shard its own partition (payout-item.ts encodes it). Writes merge into the shards they touch:
 * read, merge, write; one computation per quarter at a time is the design (the compute queue's
 * FIFO group), so two read-modify-writes of one shard never race.
 *
 * Earlier versions stored one item per partner (`PARTNER#<id>` / `PAYOUT#<quarter>`, the oldest
 * also in gsi1). They are still read until the quarter's first write in shards, which folds them
 * into their shards, deletes them and records that in the quarter's `SHARDS` item; from then on
 * no read looks for them. A bucket's shard, once it exists, is the whole truth for its partners:
 * an old item of the same bucket is ignored, so a partner removed from a shard cannot come back
 * from one, even if a write stops between the shards and the deletes.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PayoutShardTooLargeError } from '../../errors.js';
import type { PayoutsRepository, PayoutsToStore, PayoutsWriteScope, StoredPayouts } from '../../ports/index.js';
import { bucketOf } from './buckets.js';
import { batchGet, batchWrite, batchWriteChunks, queryAll, type Item, type RetryBudget, type WriteRequest } from './doc.js';
import { GSI1, keys } from './keys.js';
import {
  decodePayoutItem,
  decodeShardEntry,
  encodePayoutShard,
  payoutShardEntries,
  shardEntryOf,
  shardEntryOfItem,
  type ShardEntry,
} from './payout-item.js';

/**
 * Shards per quarter. Never change it for a table with payouts stored: a partner's shard is found
 * by it (a new count needs a new key prefix and a migration). See docs/architecture.md for the
 * measurement behind it and the partners per quarter it holds.
 */
export const PAYOUT_SHARDS = 256;

/**
 * DynamoDB refuses items over 400 KB (keys and attribute names included); a shard is refused
 * here a little before, with a message that says what to do.
 */
export const MAX_SHARD_BYTES = 390_000;

/**
 * Shards to a BatchWriteItem request (DynamoDB's most; 25 of 390 KB are within its 16 MB), and
 * requests in flight: a full quarter goes out in one wave, its answers waiting on no busy thread.
 * Throttled shards are retried for a time budget (doc.ts, RetryBudget), not a few attempts.
 */
const SHARDS_PER_REQUEST = 25;
const SHARD_WRITES_IN_FLIGHT = 8;
/** A minute: long enough for on-demand capacity to catch up with a burst, short beside a Lambda's 15. */
export const SHARD_WRITE_BUDGET_MS = 60_000;

function toStored(i: Item): StoredPayouts {
  return {
    ...decodePayoutItem(i),
    hash: typeof i.hash === 'string' ? i.hash : '',
    computedAt: String(i.computedAt),
  };
}

const storedOf = (e: ShardEntry): StoredPayouts => ({ ...decodeShardEntry(e), hash: e.hash, computedAt: e.computedAt });

/** The partner IDs that may have a payout item of a quarter (from its computation records). */
export type QuarterPartners = (quarter: string) => Promise<readonly string[]>;

export interface PayoutShardOptions {
  /** Shards per quarter: only for measuring other counts on a table of their own. */
  shards?: number;
  /** The largest shard written, in bytes (tests set it low). */
  maxShardBytes?: number;
  /** How long a shard write is retried while DynamoDB throttles it (tests pass a clock). */
  retryBudget?: RetryBudget;
}

export class DynamoPayoutsRepository implements PayoutsRepository {
  private readonly shards: number;
  private readonly maxShardBytes: number;
  private readonly retryBudget: RetryBudget;

  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly partnersOf: QuarterPartners,
    options: PayoutShardOptions = {},
  ) {
    this.shards = options.shards ?? PAYOUT_SHARDS;
    this.maxShardBytes = options.maxShardBytes ?? MAX_SHARD_BYTES;
    this.retryBudget = options.retryBudget ?? { ms: SHARD_WRITE_BUDGET_MS };
  }

  private bucket(partnerId: string): number {
    return bucketOf(partnerId, this.shards);
  }

  async putMany(results: PayoutsToStore, at: string, scope?: PayoutsWriteScope): Promise<void> {
    // What the merge needs of the table is read while the results still come: once the last one is
    // in, the shards go out at once (the computation's main thread has other work then).
    const early = scope ? this.prepare(scope.quarter, [...scope.before]) : null;
    early?.catch(() => undefined); // awaited in write, unless the results fail first
    // A shard is written once with all of its partners, so results that come while the computation
    // goes on are gathered first (the shards' writes take a fraction of what one item each took).
    const byQuarter = new Map<string, Map<string, ShardEntry>>();
    if (scope) byQuarter.set(scope.quarter, new Map());
    for await (const r of results) {
      let entries = byQuarter.get(r.result.quarter);
      if (!entries) byQuarter.set(r.result.quarter, (entries = new Map()));
      entries.set(r.result.partnerId, shardEntryOf(r, at));
    }
    for (const [quarter, entries] of byQuarter) {
      const inScope = quarter === scope?.quarter;
      await this.write(quarter, entries, inScope ? scope.gone : [], inScope ? scope : undefined, inScope ? early : null);
    }
  }

  async deleteMany(quarter: string, partnerIds: readonly string[]): Promise<void> {
    await this.write(quarter, new Map(), partnerIds);
  }

  /** Whether the quarter is in shards, and if not its items of earlier versions (of these partners, or its computations'). */
  private async prepare(quarter: string, before?: readonly string[]): Promise<{ inShards: boolean; old: Item[] }> {
    const inShards = await this.quarterInShards(quarter);
    // The quarter's first write in shards folds the items of earlier versions into their shards.
    return { inShards, old: inShards ? [] : await this.oldItems(quarter, before ?? (await this.partnersOf(quarter))) };
  }

  /** Reads the shards the changes must merge into, merges, writes the shards that changed. */
  private async write(
    quarter: string,
    upserts: ReadonlyMap<string, ShardEntry>,
    removals: readonly string[],
    scope?: PayoutsWriteScope,
    prepared?: Promise<{ inShards: boolean; old: Item[] }> | null,
  ): Promise<void> {
    if (upserts.size === 0 && removals.length === 0) return;
    const { inShards, old } = await (prepared ?? this.prepare(quarter));
    const oldByBucket = groupBy(old, (i) => this.bucket(partnerOfItem(i)));
    const touched = new Set<number>([...oldByBucket.keys()]);
    for (const id of upserts.keys()) touched.add(this.bucket(id));
    for (const id of removals) touched.add(this.bucket(id));

    // A shard whose every partner is written anew needs no read: nothing of it is kept.
    const whole = new Set<number>();
    if (scope) {
      const expected = new Map<number, number>();
      for (const id of scope.present) bump(expected, this.bucket(id));
      const given = new Map<number, number>();
      for (const id of upserts.keys()) if (scope.present.has(id)) bump(given, this.bucket(id));
      for (const b of touched) if ((expected.get(b) ?? 0) === (given.get(b) ?? 0)) whole.add(b);
    }
    const toRead = [...touched].filter((b) => !whole.has(b));
    const stored = new Map<number, Item>();
    const read = toRead.length ? await batchGet(this.doc, this.table, toRead.map((b) => keys.payoutShard(quarter, b)), true) : [];
    for (const i of read) stored.set(bucketOfKey(String(i.pk)), i);

    const removed = new Set(removals);
    const upsertsByBucket = groupBy([...upserts.values()], (e) => this.bucket(e.partnerId));
    const requests: WriteRequest[] = [];
    for (const b of [...touched].sort((x, y) => x - y)) {
      const shard = stored.get(b);
      const base = whole.has(b) ? [] : shard ? payoutShardEntries(shard) : (oldByBucket.get(b) ?? []).map(shardEntryOfItem);
      const merged = new Map(base.filter((e) => !removed.has(e.partnerId)).map((e) => [e.partnerId, e]));
      for (const e of upsertsByBucket.get(b) ?? []) merged.set(e.partnerId, e);
      const key = keys.payoutShard(quarter, b);
      if (merged.size > 0 || !inShards) {
        // An empty shard is kept while old items may remain: it hides theirs (see the top).
        const item = { ...key, quarter, ...encodePayoutShard([...merged.values()]) };
        this.checkSize(quarter, b, merged.size, item);
        requests.push({ PutRequest: { Item: item } });
      } else requests.push({ DeleteRequest: { Key: key } });
    }
    const chunks = Array.from({ length: Math.ceil(requests.length / SHARDS_PER_REQUEST) }, (_, c) =>
      requests.slice(c * SHARDS_PER_REQUEST, (c + 1) * SHARDS_PER_REQUEST),
    );
    await batchWriteChunks(this.doc, this.table, chunks.length, (c) => chunks[c]!, SHARD_WRITES_IN_FLIGHT, this.retryBudget);
    if (!inShards) {
      // The old items are in their shards now; once they are gone, no read looks for them again.
      await batchWrite(this.doc, this.table, old.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })));
      await batchWrite(this.doc, this.table, [{ PutRequest: { Item: { ...keys.payoutShards(quarter), shards: this.shards, at: new Date().toISOString() } } }]);
    }
  }

  private checkSize(quarter: string, bucket: number, partners: number, item: Item): void {
    const z = item.z as Uint8Array;
    // The blob is nearly all of it; the keys and attribute names are a few dozen bytes.
    const bytes = z.length + 120;
    if (bytes <= this.maxShardBytes) return;
    const kb = (n: number) => Math.ceil(n / 1024);
    throw new PayoutShardTooLargeError(
      `The payouts of quarter ${quarter} do not fit in storage: payout group ${bucket} holds ${partners} partners in ${kb(bytes)} KB, ` +
        `more than the ${kb(this.maxShardBytes)} KB one DynamoDB item can take. No payout of the quarter was changed: ` +
        'it keeps those of its last finished computation (only a note that this computation started was saved). To store this many partners, ' +
        'a new version of the software must raise the number of payout groups (PAYOUT_SHARDS).',
      { key: 'payout-shard-too-large', params: { quarter, shard: String(bucket), partners, kb: kb(bytes), limitKb: kb(this.maxShardBytes) } },
    );
  }

  /** Whether the quarter's payouts are in shards only (its items of earlier versions are gone). */
  private async quarterInShards(quarter: string): Promise<boolean> {
    return (await batchGet(this.doc, this.table, [keys.payoutShards(quarter)], true)).length > 0;
  }

  /** The quarter's items stored one per partner by earlier versions: those of these partners, and the gsi1 ones. */
  private async oldItems(quarter: string, partnerIds: readonly string[]): Promise<Item[]> {
    const [got, legacy] = await Promise.all([
      batchGet(this.doc, this.table, [...new Set(partnerIds)].map((id) => keys.payout(quarter, id)), true),
      queryAll(this.doc, {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': keys.payoutsLegacyIndex(quarter) },
      }),
    ]);
    return [...new Map([...legacy, ...got].map((i) => [String(i.pk), i])).values()];
  }

  async get(quarter: string, partnerId: string): Promise<StoredPayouts | null> {
    const shardKey = keys.payoutShard(quarter, this.bucket(partnerId));
    const record = keys.payoutShards(quarter);
    const itemKey = keys.payout(quarter, partnerId);
    // One request: the shard, and the partner's item of an earlier version in case the quarter is not in shards yet.
    const items = await batchGet(this.doc, this.table, [shardKey, record, itemKey], true);
    const shard = items.find((i) => i.pk === shardKey.pk);
    if (shard) {
      const entry = payoutShardEntries(shard).find((e) => e.partnerId === partnerId);
      return entry ? storedOf(entry) : null;
    }
    const item = items.find((i) => i.pk === itemKey.pk);
    return item && !items.some((i) => i.pk === record.pk) ? toStored(item) : null;
  }

  async listQuarter(quarter: string): Promise<StoredPayouts[]> {
    const first = await this.readShards(quarter);
    if (first.inShards) return sorted(first.shards.flatMap(payoutShardEntries).map(storedOf));
    // Not yet in shards: the items of earlier versions count where their bucket has no shard. The
    // quarter's first write in shards may fold them in meanwhile, so they are read first and the
    // shards again after: that write deletes them only once every shard is written, so a bucket
    // with no shard at the second read still had its old items at the first.
    const old = await this.oldItems(quarter, await this.partnersOf(quarter));
    const { inShards, shards } = await this.readShards(quarter);
    const out = shards.flatMap(payoutShardEntries).map(storedOf);
    if (inShards) return sorted(out);
    const sharded = new Set(shards.map((i) => bucketOfKey(String(i.pk))));
    for (const i of old) if (!sharded.has(this.bucket(partnerOfItem(i)))) out.push(toStored(i));
    return sorted(out);
  }

  /** The quarter's shards, and whether its `SHARDS` record says they are all of it. */
  private async readShards(quarter: string): Promise<{ inShards: boolean; shards: Item[] }> {
    const record = keys.payoutShards(quarter);
    const read = await batchGet(
      this.doc,
      this.table,
      [record, ...Array.from({ length: this.shards }, (_, b) => keys.payoutShard(quarter, b))],
      true,
    );
    const shards = read.filter((i) => i.pk !== record.pk);
    return { inShards: shards.length < read.length, shards };
  }
}

const sorted = (list: StoredPayouts[]) => list.sort((a, b) => (a.result.partnerId < b.result.partnerId ? -1 : 1));

/** The partner of an item of an earlier version (`PARTNER#<id>` / `PAYOUT#<quarter>`). */
const partnerOfItem = (i: Item): string => String(i.pk).slice(keys.partnerPrefix.length);

/** A shard's bucket from its partition key (`…#<nnn>`). */
const bucketOfKey = (pk: string): number => Number(pk.slice(pk.lastIndexOf('#') + 1));

function bump(counts: Map<number, number>, b: number): void {
  counts.set(b, (counts.get(b) ?? 0) + 1);
}

function groupBy<T>(list: readonly T[], key: (t: T) => number): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const t of list) {
    const group = out.get(key(t));
    if (group) group.push(t);
    else out.set(key(t), [t]);
  }
  return out;
}
