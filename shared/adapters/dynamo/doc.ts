/**
 * Small helpers over the DynamoDB document client: paginated queries and batch writes that retry
 * unprocessed items (DynamoDB may return some under throttling; dropping them would lose data).
 */
import {
  BatchGetCommand,
  BatchWriteCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
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

type WriteRequest = { PutRequest: { Item: Item } } | { DeleteRequest: { Key: Item } };

export async function batchWrite(doc: DynamoDBDocumentClient, table: string, requests: readonly WriteRequest[]): Promise<void> {
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += 25) chunks.push(requests.slice(i, i + 25));
  // A few chunks in flight at once: enough to hide latency, few enough not to provoke throttling.
  const inFlight = 4;
  for (let i = 0; i < chunks.length; i += inFlight)
    await Promise.all(chunks.slice(i, i + inFlight).map((c) => writeChunk(doc, table, c)));
}

async function writeChunk(doc: DynamoDBDocumentClient, table: string, chunk: WriteRequest[]): Promise<void> {
  let pending: WriteRequest[] = chunk;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
    if (attempt > 10) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed after ${attempt} attempts`);
    const res = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (res.UnprocessedItems?.[table] as WriteRequest[] | undefined) ?? [];
  }
}

export async function batchGet(doc: DynamoDBDocumentClient, table: string, keys: readonly Item[]): Promise<Item[]> {
  const out: Item[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Item[] = keys.slice(i, i + 100) as Item[];
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
      if (attempt > 10) throw new Error(`DynamoDB kept ${pending.length} reads unprocessed after ${attempt} attempts`);
      const res = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: pending } } }));
      out.push(...((res.Responses?.[table] as Item[] | undefined) ?? []));
      pending = (res.UnprocessedKeys?.[table]?.Keys as Item[] | undefined) ?? [];
    }
  }
  return out;
}

export function isConditionFailed(err: unknown): boolean {
  return err instanceof Error && err.name === 'ConditionalCheckFailedException';
}
