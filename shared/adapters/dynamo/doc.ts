/**
 * Small helpers over the DynamoDB document client: paginated queries and batch writes that retry
 * unprocessed items (DynamoDB may return some under throttling; dropping them would lose data).
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';

export type Item = Record<string, unknown>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function queryAll(doc: DynamoDBDocumentClient, input: QueryCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new QueryCommand({ ...input, ExclusiveStartKey }));
    items.push(...((page.Items as Item[] | undefined) ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/**
 * The query's items page by page until at least `wanted` are in hand (or none are left): a list
 * read a page at a time need not read a whole partition.
 */
export async function queryUpTo(
  doc: DynamoDBDocumentClient,
  wanted: number,
  input: QueryCommandInput,
): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    // Limit counts items read before any filter: a filtered list may take a few requests.
    const Limit = Math.max(wanted - items.length, 25);
    const page = await doc.send(new QueryCommand({ ...input, Limit, ExclusiveStartKey }));
    items.push(...((page.Items as Item[] | undefined) ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey && items.length < wanted);
  return items;
}

/** Every item the filtered scan returns, page by page (for one-off maintenance, never on a request path). */
export async function scanAll(doc: DynamoDBDocumentClient, input: ScanCommandInput): Promise<Item[]> {
  const items: Item[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ ...input, ExclusiveStartKey }));
    items.push(...((page.Items as Item[] | undefined) ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

export type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

/** The list in consecutive pieces of at most `size`: DynamoDB's per-request limits. */
function chunksOf<T>(list: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < list.length; i += size) chunks.push(list.slice(i, i + size));
  return chunks;
}

export async function batchWrite(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  inFlight = 4,
): Promise<void> {
  const chunks = chunksOf(requests, 25);
  await batchWriteChunks(doc, table, chunks.length, (i) => chunks[i]!, inFlight);
}

/**
 * `count` BatchWriteItem requests, the i-th made by `chunk(i)` (at most 25 requests) only when a
 * slot is free, so building the items overlaps with writing the ones before. `inFlight` requests
 * are kept going at once: a free slot takes the next chunk at once instead of waiting for the
 * slowest of a wave.
 */
export async function batchWriteChunks(
  doc: DynamoDBDocumentClient,
  table: string,
  count: number,
  chunk: (i: number) => WriteRequest[],
  inFlight = 4,
  budget?: RetryBudget,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    try {
      while (next < count && !failed) {
        const requests = chunk(next++);
        if (requests.length) await writeChunk(doc, table, requests, budget);
      }
    } catch (err) {
      // The other slots stop taking chunks: the caller sees the failure, not a half-written later part.
      failed = true;
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

/**
 * As batchWriteChunks, for requests that arrive while they are made (up to 25 a chunk): each free
 * slot takes the next chunk as soon as there is one, so the first items are stored while later
 * ones are still computed.
 */
export async function batchWriteFrom(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: AsyncIterable<WriteRequest>,
  inFlight = 4,
): Promise<void> {
  const chunks = inChunks(requests, 25)[Symbol.asyncIterator]();
  let failed = false;
  const worker = async () => {
    try {
      for (;;) {
        if (failed) return;
        const next = await chunks.next();
        if (next.done) return;
        await writeChunk(doc, table, next.value);
      }
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
}

/** Full chunks as soon as they fill, and the last one when the source ends. */
async function* inChunks<T>(source: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const value of source) {
    chunk.push(value);
    if (chunk.length === size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length) yield chunk;
}

/**
 * How long a request's items may stay unwritten, for writes that go out in one burst of large items
 * (a quarter's payout shards: at 100,000 partners some 200 shards, about 24,000 write units at
 * once). An on-demand table still scaling may throttle that for longer than the 11 attempts (about
 * 6.5 s of sleeps) sized for small items, and every retry of the computation would fail the same way.
 */
export interface RetryBudget {
  ms: number;
  /** Tests pass a clock of their own. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

async function writeChunk(doc: DynamoDBDocumentClient, table: string, chunk: WriteRequest[], budget?: RetryBudget): Promise<void> {
  const now = budget?.now ?? Date.now;
  const pause = budget?.sleep ?? sleep;
  const start = now();
  let pending: WriteRequest[] = chunk;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const waited = now() - start;
    if (budget && attempt > 0 && waited >= budget.ms)
      throw new Error(
        `DynamoDB kept ${pending.length} of ${chunk.length} writes unwritten for ${Math.round(waited / 1000)} s (the table is throttling them)`,
      );
    if (!budget && attempt > 10) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed after ${attempt} attempts`);
    // Full jitter: batches throttled together must not all come back at the same instant.
    if (attempt > 0) await pause(Math.random() * Math.min(2000, 50 * 2 ** Math.min(attempt, 6)));
    let res;
    try {
      res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    } catch (err) {
      // A batch throttled as a whole throws rather than coming back unprocessed; with many batches
      // in flight on one index partition (reference rows) the SDK's own few retries run out.
      if (isThrottled(err) && (budget || attempt < 10)) continue;
      throw err;
    }
    pending = (res.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
  }
}

const THROTTLED = new Set(['ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded']);

export function isThrottled(err: unknown): boolean {
  return err instanceof Error && THROTTLED.has(err.name);
}

export async function batchGet(
  doc: DynamoDBDocumentClient,
  table: string,
  keys: readonly Item[],
  consistent = false,
): Promise<Item[]> {
  const out: Item[] = [];
  const readChunk = async (chunk: Item[]) => {
    let pending: Item[] = chunk;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
      if (attempt > 10) throw new Error(`DynamoDB kept ${pending.length} reads unprocessed after ${attempt} attempts`);
      const res = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ConsistentRead: consistent } } }));
      out.push(...((res.Responses?.[table] as Item[] | undefined) ?? []));
      pending = (res.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
    }
  };
  // As batchWrite: a few requests in flight hide the latency (10,000 partners' payouts are 100
  // requests). The order of the answer is DynamoDB's either way; callers sort.
  for (const inFlight of chunksOf(chunksOf(keys, 100), 4)) await Promise.all(inFlight.map(readChunk));
  return out;
}

export function isConditionFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}

/** Items per TransactWriteItems (DynamoDB's limit, and DynamoDB Local's). */
const TRANSACTION_ITEMS = 100;

interface Put {
  Item: Item;
  /** Written only if no item has its key yet; an existing one is left as it is. */
  onlyIfNew: boolean;
}

/**
 * Appends `items` without ever overwriting one (each only if its key is new; existing ones are
 * skipped), then puts `last` unconditionally once every item is stored. Up to 100 puts go in one
 * transaction, `last` in the final one, so with up to 99 items it is one request and `last` is
 * stored with them or not at all. A transaction cancelled because some items exist already (a
 * replay, or a concurrent writer) is redone one put at a time for the others.
 */
export async function putNewThen(
  doc: DynamoDBDocumentClient,
  table: string,
  items: readonly Item[],
  last?: Item,
): Promise<void> {
  const puts: Put[] = items.map((Item) => ({ Item, onlyIfNew: true }));
  if (last) puts.push({ Item: last, onlyIfNew: false });
  const chunks = chunksOf(puts, TRANSACTION_ITEMS);
  const final = chunks.pop();
  await Promise.all(chunks.map((c) => putChunk(doc, table, c)));
  if (final) await putChunk(doc, table, final);
}

const putInput = (table: string, p: Put) => ({
  TableName: table,
  Item: p.Item,
  ...(p.onlyIfNew ? { ConditionExpression: 'attribute_not_exists(pk)' } : {}),
});

async function putOne(doc: DynamoDBDocumentClient, table: string, p: Put): Promise<void> {
  try {
    await doc.send(new PutCommand(putInput(table, p)));
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
  }
}

async function putChunk(doc: DynamoDBDocumentClient, table: string, chunk: Put[]): Promise<void> {
  // A lone put needs no transaction (which would cost twice the write capacity).
  if (chunk.length === 1) return putOne(doc, table, chunk[0]!);
  try {
    await doc.send(new TransactWriteCommand({ TransactItems: chunk.map((p) => ({ Put: putInput(table, p) })) }));
  } catch (err) {
    const reasons = redoableReasons(err);
    if (!reasons) throw err;
    const rest = chunk.filter((_, i) => reasons[i] !== 'ConditionalCheckFailed');
    await Promise.all(rest.filter((p) => p.onlyIfNew).map((p) => putOne(doc, table, p)));
    await Promise.all(rest.filter((p) => !p.onlyIfNew).map((p) => putOne(doc, table, p)));
  }
}

/**
 * The per-item reasons of a transaction cancelled only by existing items or by a concurrent
 * transaction, which putting one at a time resolves; null for anything else (throttling, bad
 * input), which must fail the caller.
 */
export function redoableReasons(err: unknown): (string | undefined)[] | null {
  if (!(err instanceof Error) || err.name !== 'TransactionCanceledException') return null;
  const codes = ((err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map((r) => r.Code);
  return codes.every((c) => c === undefined || c === 'None' || c === 'ConditionalCheckFailed' || c === 'TransactionConflict')
    ? codes
    : null;
}
