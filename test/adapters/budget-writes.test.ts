/**
 * Payout shard writes retried for a time budget (doc.ts's batchWriteChunks given a RetryBudget): a table
 * that throttles a burst for longer than the small items' 11 attempts still gets every shard, and
 * one that never stops throttling fails the write once the budget is spent, not sooner. The SDK
 * client is replaced only to answer with the fault; a clock of the test's own stands for the sleeps.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { batchWriteChunks, type RetryBudget, type WriteRequest } from '../../shared/adapters/dynamo/doc.js';
import { throughputExceeded } from '../support/faults.js';

const TABLE = 't';
const chunk = (n: number): WriteRequest[] => Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: `S#${i}`, sk: 'SHARD' } } }));

/** A client that answers its first `faults` batch writes with a fault (a throttle, or one item left unprocessed), then writes. */
function throttlingClient(faults: number, kind: 'unprocessed' | 'thrown') {
  const written: string[] = [];
  let sent = 0;
  const send = async (command: { input: { RequestItems: Record<string, WriteRequest[]> } }) => {
    const requests = command.input.RequestItems[TABLE]!;
    if (sent++ < faults) {
      if (kind === 'thrown') throw throughputExceeded();
      written.push(...requests.slice(1).map((r) => String((r as { PutRequest: { Item: { pk: string } } }).PutRequest.Item.pk)));
      return { UnprocessedItems: { [TABLE]: requests.slice(0, 1) } };
    }
    written.push(...requests.map((r) => String((r as { PutRequest: { Item: { pk: string } } }).PutRequest.Item.pk)));
    return { UnprocessedItems: {} };
  };
  return { doc: { send } as unknown as DynamoDBDocumentClient, written, sent: () => sent };
}

/** The chunks written as the payout shards are, `inFlight` requests at a time, within the budget. */
const writeWithin = (doc: DynamoDBDocumentClient, chunks: WriteRequest[][], inFlight: number, budget: RetryBudget) =>
  batchWriteChunks(doc, TABLE, chunks.length, (i) => chunks[i]!, inFlight, budget);

/** A clock that moves only by the sleeps. */
function fakeClock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms), elapsed: () => t };
}

describe('shard writes retried for a time budget', () => {
  for (const kind of ['unprocessed', 'thrown'] as const) {
    it(`writes every shard when DynamoDB answers 20 requests in a row ${kind === 'thrown' ? 'throttled' : 'with items unprocessed'}`, async () => {
      if (kind === 'unprocessed') {
        // The retries sized for small items give up on the same sequence (after 6.5 s of real sleeps at most).
        const small = throttlingClient(20, kind);
        await expect(batchWriteChunks(small.doc, TABLE, 1, () => chunk(3))).rejects.toThrow(/unprocessed after 11 attempts/);
      }

      const client = throttlingClient(20, kind);
      const clock = fakeClock();
      await writeWithin(client.doc, [chunk(3)], 1, { ms: 60_000, ...clock });
      expect(new Set(client.written)).toEqual(new Set(['S#0', 'S#1', 'S#2']));
      expect(client.sent()).toBe(21);
      expect(clock.elapsed()).toBeLessThan(60_000);
    });
  }

  it('fails a write DynamoDB never lets through once the budget is spent, in plain words', async () => {
    const client = throttlingClient(Number.POSITIVE_INFINITY, 'thrown');
    const clock = fakeClock();
    await expect(writeWithin(client.doc, [chunk(2), chunk(2)], 2, { ms: 60_000, ...clock })).rejects.toThrow(
      /^DynamoDB kept 2 of 2 writes unwritten for \d+ s \(the table is throttling them\)$/,
    );
    expect(clock.elapsed()).toBeGreaterThanOrEqual(60_000);
    expect(client.written).toEqual([]);
  });
});
