import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PayoutsRepository, PayoutsToStore, PayoutToStore, StoredPayouts } from '../../ports/index.js';
import { batchGet, batchWrite, batchWriteChunks, batchWriteFrom, queryAll, type Item } from './doc.js';
import { GSI1, keys } from './keys.js';
import { decodePayoutItem, encodePayoutItem } from './payout-item.js';

function toStored(i: Item): StoredPayouts {
  return {
    ...decodePayoutItem(i),
    hash: typeof i.hash === 'string' ? i.hash : '',
    computedAt: String(i.computedAt),
  };
}

const PAYOUT_WRITES_IN_FLIGHT = 8;

async function* mapAsync<T, U>(source: AsyncIterable<T>, f: (t: T) => U): AsyncGenerator<U> {
  for await (const t of source) yield f(t);
}

/** The partner IDs that may have a payout item of a quarter (from its computation records). */
export type QuarterPartners = (quarter: string) => Promise<readonly string[]>;

export class DynamoPayoutsRepository implements PayoutsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly partnersOf: QuarterPartners,
  ) {}

  async putMany(results: PayoutsToStore, at: string): Promise<void> {
    const request = (r: PayoutToStore) => ({
      PutRequest: { Item: { ...keys.payout(r.result.quarter, r.result.partnerId), ...encodePayoutItem(r, at) } },
    });
    // Items that come while the computation goes on are encoded as a request slot takes them.
    if (!Array.isArray(results)) {
      await batchWriteFrom(this.doc, this.table, mapAsync(results as AsyncIterable<PayoutToStore>, request), PAYOUT_WRITES_IN_FLIGHT);
      return;
    }
    // Each chunk's items are encoded when a request slot frees up, so the encoding overlaps the
    // writes; 8 requests in flight is what DynamoDB Local took fastest in the bench.
    const all = results as readonly PayoutToStore[];
    await batchWriteChunks(
      this.doc,
      this.table,
      Math.ceil(all.length / 25),
      (c) => all.slice(c * 25, c * 25 + 25).map(request),
      PAYOUT_WRITES_IN_FLIGHT,
    );
  }

  async deleteMany(quarter: string, partnerIds: readonly string[]): Promise<void> {
    await batchWrite(
      this.doc,
      this.table,
      partnerIds.map((id) => {
        const { pk, sk } = keys.payout(quarter, id);
        return { DeleteRequest: { Key: { pk, sk } } };
      }),
    );
  }

  async get(quarter: string, partnerId: string): Promise<StoredPayouts | null> {
    const payout = keys.payout(quarter, partnerId);
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :p AND sk = :s',
      ExpressionAttributeValues: { ':p': payout.pk, ':s': payout.sk },
      ConsistentRead: true,
    });
    const item = items[0];
    return item ? toStored(item) : null;
  }

  async listQuarter(quarter: string): Promise<StoredPayouts[]> {
    const ids = [...new Set(await this.partnersOf(quarter))];
    const [got, legacy] = await Promise.all([
      batchGet(this.doc, this.table, ids.map((id) => keys.payout(quarter, id))),
      // Items written before payouts left gsi1; a rewrite drops them from it, so this empties over time.
      queryAll(this.doc, {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': keys.payoutsLegacyIndex(quarter) },
      }),
    ]);
    const byPartner = new Map([...legacy, ...got].map((i) => [String(i.pk), i]));
    return [...byPartner.values()].map(toStored).sort((a, b) => (a.result.partnerId < b.result.partnerId ? -1 : 1));
  }
}
