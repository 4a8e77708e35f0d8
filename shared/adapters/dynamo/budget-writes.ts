/**
 * Batch writes retried against a time budget instead of a count of attempts. A quarter's payout
 * shards go out in one burst of large items (at 100,000 partners some 200 shards, about 24,000
 * write units at once): an on-demand table still scaling may throttle that for longer than the
 * 11 attempts (about 6.5 s of sleeps) sized for small items in doc.ts, and every retry of the
 * computation would then fail the same way.
 */
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isThrottled, type WriteRequest } from './doc.js';

export interface RetryBudget {
  /** How long one request's items may stay unwritten before the write fails. */
  ms: number;
  /** Tests pass a clock of their own. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/** A minute: long enough for on-demand capacity to catch up with a burst, short beside a Lambda's 15. */
export const SHARD_WRITE_BUDGET_MS = 60_000;

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Writes every chunk (at most 25 requests each), `inFlight` requests at a time; the first failure stops the rest. */
export async function batchWriteWithin(
  doc: DynamoDBDocumentClient,
  table: string,
  chunks: readonly WriteRequest[][],
  inFlight: number,
  budget: RetryBudget,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    try {
      while (next < chunks.length && !failed) {
        const chunk = chunks[next++]!;
        if (chunk.length) await writeWithin(doc, table, chunk, budget);
      }
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, chunks.length) }, worker));
}

async function writeWithin(doc: DynamoDBDocumentClient, table: string, chunk: WriteRequest[], budget: RetryBudget): Promise<void> {
  const now = budget.now ?? Date.now;
  const sleep = budget.sleep ?? realSleep;
  const start = now();
  let pending = chunk;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) {
      const waited = now() - start;
      if (waited >= budget.ms) {
        throw new Error(
          `DynamoDB kept ${pending.length} of ${chunk.length} writes unwritten for ${Math.round(waited / 1000)} s (the table is throttling them)`,
        );
      }
      // Full jitter: requests throttled together must not all come back at the same instant.
      await sleep(Math.random() * Math.min(2000, 50 * 2 ** Math.min(attempt, 6)));
    }
    let res;
    try {
      res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    } catch (err) {
      if (isThrottled(err)) continue;
      throw err;
    }
    pending = (res.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
  }
}
