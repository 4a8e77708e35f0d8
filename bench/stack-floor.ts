/**
 * The embedded stack's own floors: what s3rver and DynamoDB Local cost for the least work the
 * pipeline must do on the benchmark's data, with no code of ours on top. Measured on the end-to-end
 * runtime's stack once it is idle, through the same SDK clients (shared/aws/clients.ts), so the
 * figures come from the same run, machine and load as the rest.
 *
 * - S3: each report put with one raw PutObject (streamed from its file, as the runtime streams it),
 *   then got and read to the end. A bucket of its own, keys outside incoming/: no ingest starts.
 * - DynamoDB: the payout shards the end-to-end run stored (many partners each), inserted as they
 *   are into a scratch table of the same layout with BatchWriteItem, 25 a request and 8 requests in
 *   flight, as the computation writes them (shared/adapters/dynamo/payouts.ts);
 *   then single PutItems of them, one at a time and 4 at a time, for comparison.
 * - The upload path: the same reports through `runtime.upload` (lib-storage's multipart Upload and
 *   the wait for the notification) with nothing else running, and copied file to file with fs.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { batchGet, batchWriteChunks, type Item } from '../shared/adapters/dynamo/doc.js';
import { keys } from '../shared/adapters/dynamo/keys.js';
import { PAYOUT_SHARDS } from '../shared/adapters/dynamo/payouts.js';
import { ensureTable } from '../shared/adapters/dynamo/table.js';
import type { LocalRuntime } from '../local/runtime.js';
import { createProgress } from '../local/ui/progress.js';
import type { GeneratedReport } from './generate.js';

const FLOOR_BUCKET = 'bench-stack-floor';
const FLOOR_TABLE = 'bench-stack-floor';
/** Not under incoming/, so no notification reaches the ingest queue. */
const FLOOR_PREFIX = 'stack-floor/';
const UPLOAD_PREFIX = 'stack-floor-upload/';
const SINGLE_PUTS = 1_000;
const MB = 1024 * 1024;

export interface Timed {
  ms: number;
  /** Each report's time in the run kept, in the order of the reports. */
  perReportMs: number[];
}

const contentType = (r: GeneratedReport) => (r.compressed ? 'application/gzip' : 'text/csv');
const floorKey = (r: GeneratedReport, prefix = FLOOR_PREFIX) => `${prefix}${r.distributorId}/${r.name}`;

/** Runs `each` over the reports in turn, twice, and keeps the faster pass. */
async function bestOfTwo(
  reports: GeneratedReport[],
  each: (r: GeneratedReport, pass: number) => Promise<unknown>,
) {
  let best: Timed | undefined;
  for (let pass = 0; pass < 2; pass++) {
    const perReportMs: number[] = [];
    for (const r of reports) {
      const started = performance.now();
      await each(r, pass);
      perReportMs.push(performance.now() - started);
    }
    const ms = perReportMs.reduce((a, b) => a + b, 0);
    if (!best || ms < best.ms) best = { ms, perReportMs };
  }
  return best!;
}

async function drain(body: Readable): Promise<number> {
  let bytes = 0;
  for await (const chunk of body) bytes += (chunk as Buffer).length;
  return bytes;
}

/** The payout shards of the quarter the end-to-end run computed, as stored: the least the pipeline must write. */
async function storedPayouts(runtime: LocalRuntime, quarter: string) {
  const shards = Array.from({ length: PAYOUT_SHARDS }, (_, b) => keys.payoutShard(quarter, b));
  return batchGet(runtime.stack.clients.doc, runtime.stack.tableName, shards);
}

async function putItems(runtime: LocalRuntime, items: Item[], inFlight: number) {
  const { doc } = runtime.stack.clients;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        // A partition of its own, so every put inserts rather than overwrites the batch's copy.
        await doc.send(
          new PutCommand({
            TableName: FLOOR_TABLE,
            Item: { ...item, pk: `${String(item.pk)}#put${inFlight}` },
          }),
        );
      }
    }),
  );
  const ms = performance.now() - started;
  return { items: items.length, inFlight, ms, itemsPerSecond: items.length / (ms / 1000) };
}

/** The end-to-end run must have finished (runtime idle): its payouts are what gets copied. */
export async function stackFloor(runtime: LocalRuntime, reports: GeneratedReport[], quarter: string) {
  const { s3 } = runtime.stack.clients;
  const bytes = reports.reduce((sum, r) => sum + r.bytes, 0);
  const progress = createProgress({ label: 'stack floor: S3 and DynamoDB with no code of ours', total: 7 });
  const step = (done: number, detail: string) => progress.update(done, detail);

  await s3.send(new CreateBucketCommand({ Bucket: FLOOR_BUCKET }));
  step(0, 'fs copy');
  const scratch = await mkdtemp(join(tmpdir(), 'bench-stack-floor-'));
  let fsCopy: Timed;
  try {
    fsCopy = await bestOfTwo(reports, (r, pass) =>
      pipeline(createReadStream(r.path), createWriteStream(join(scratch, `${pass}-${r.bytes}`))),
    );
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  step(1, 'PutObject');
  const put = await bestOfTwo(reports, (r) =>
    s3.send(
      new PutObjectCommand({
        Bucket: FLOOR_BUCKET,
        Key: floorKey(r),
        Body: createReadStream(r.path),
        ContentType: contentType(r),
      }),
    ),
  );

  step(2, 'GetObject');
  const get = await bestOfTwo(reports, async (r) => {
    const res = await s3.send(new GetObjectCommand({ Bucket: FLOOR_BUCKET, Key: floorKey(r) }));
    const read = await drain(res.Body as Readable);
    if (read !== r.bytes) throw new Error(`read ${read} bytes of ${floorKey(r)}, stored ${r.bytes}`);
  });

  step(3, 'runtime.upload, nothing else running');
  const runtimeUpload = await bestOfTwo(reports, (r) =>
    runtime.upload(floorKey(r, UPLOAD_PREFIX), createReadStream(r.path), contentType(r)),
  );

  step(4, 'reading the payouts of the end-to-end run');
  const payouts = await storedPayouts(runtime, quarter);
  if (!payouts.length) throw new Error(`the end-to-end run left no payouts of ${quarter} to copy`);
  const items = payouts;
  await ensureTable(runtime.stack.clients.dynamo, FLOOR_TABLE);

  // One pass of inserts, as a first run of the pipeline; the JVM is warm from the end-to-end run.
  step(5, `BatchWriteItem of ${items.length} items`);
  const started = performance.now();
  // As the repository writes shards: 25 a request, 8 requests in flight.
  const requests = items.map((Item) => ({ PutRequest: { Item } }));
  await batchWriteChunks(runtime.stack.clients.doc, FLOOR_TABLE, Math.ceil(requests.length / 25), (c) => requests.slice(c * 25, c * 25 + 25), 8);
  const batchMs = performance.now() - started;

  step(6, 'PutItem, one at a time and 4 at a time');
  const sample = payouts.slice(0, SINGLE_PUTS);
  const singlePut = await putItems(runtime, sample, 1);
  const singlePut4 = await putItems(runtime, sample, 4);
  progress.update(7);
  progress.done();

  return {
    bytes,
    fsCopy,
    put,
    get,
    runtimeUpload,
    batchWrite: {
      ms: batchMs,
      payouts: payouts.reduce((n, i) => n + Number(i.n ?? 0), 0),
      items: items.length,
      /** Their size as JSON, roughly what DynamoDB stores. */
      itemMB:
        // A binary attribute goes as base64 (`this[k]` is the value before a Buffer's toJSON).
        Buffer.byteLength(
          JSON.stringify(items, function (this: Record<string, unknown>, k, v: unknown) {
            const raw = this[k];
            return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : v;
          }),
        ) / MB,
      itemsPerSecond: items.length / (batchMs / 1000),
    },
    singlePut,
    singlePut4,
    /** Put, get and the least DynamoDB writes: the stack's cost before any work of ours. */
    ms: put.ms + get.ms + batchMs,
  };
}
