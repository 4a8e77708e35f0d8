/**
 * Reference rows packed in bucket items: the partners, acceptances and trainings of one kind whose
 * partner IDs fall in one bucket (bucketOf) are one item, `z` holding them as deflated JSON. DynamoDB
 * (Local above all) charges per item, not per byte: a folder's 15,000 rows are 3 × REFERENCE_BUCKETS
 * writes instead of 15,000. Each bucket is read, merged and written back on condition that its
 * `version` did not move meanwhile, so concurrent writers lose nothing.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReferenceBucketFullError } from '../../errors.js';
import { bucketOf } from './buckets.js';
import { batchGet, isConditionFailed, type Item } from './doc.js';
import { keys } from './keys.js';

/**
 * Buckets per kind. Stored items are found by it: changing it needs a migration. 64 by measurement
 * (README, "Where the time goes"): fewer items write faster, but a bucket must stay far under
 * DynamoDB's 400 KB at 100,000 partners.
 */
export const REFERENCE_BUCKETS = 64;

export const BUCKET_KINDS = ['partners', 'acceptances', 'trainings'] as const;
export type BucketKind = (typeof BUCKET_KINDS)[number];

/** The largest bucket item stored: under DynamoDB's 400 KB item limit, with room for its accounting. */
export const MAX_BUCKET_BYTES = 380_000;

/** Bucket writes in flight: DynamoDB Local takes a few at once faster than one at a time. */
const BUCKET_WRITES_IN_FLIGHT = 8;
/** Condition failures of one bucket before giving up (each one is another writer's success). */
const MAX_ATTEMPTS = 50;

export interface RowsSpec<R> {
  kind: BucketKind;
  /** Rows with the same identity are one row. */
  identity: (row: R) => string;
  partnerId: (row: R) => string;
  /** A stored row with the identity of a new one stays (acceptances keep their first recordedAt); otherwise the new one replaces it. */
  keepStored: boolean;
}

interface Bucket {
  version: number;
  rows: Item[];
}

const EMPTY: Bucket = { version: 0, rows: [] };

/** A bucket item's rows. */
export function bucketRows(item: Item): Item[] {
  return JSON.parse(inflateRawSync(item.z as Uint8Array).toString('utf8')) as Item[];
}

function decode(item: Item | undefined): Bucket {
  if (!item) return EMPTY;
  return { version: Number(item.version), rows: bucketRows(item) };
}

const bucketOfPk = (pk: string) => Number(pk.slice(pk.lastIndexOf('#') + 1));

/**
 * The stored item of a bucket's rows. Deflated, as payout items are: rows of one kind repeat their
 * field names and values, so a bucket is 5–10 times smaller, which widens the room under the item
 * limit, and the write and read units, by as much.
 */
function encode(kind: BucketKind, bucket: number, version: number, rows: readonly Item[]): Item {
  return { ...keys.referenceBucket(kind, bucket), version, count: rows.length, z: deflateRawSync(JSON.stringify(rows)) };
}

/** DynamoDB's size of an item of strings, numbers and binaries: attribute names plus values (a number at most 21 bytes). */
export function itemBytes(item: Item): number {
  let bytes = 0;
  for (const [name, value] of Object.entries(item))
    bytes +=
      Buffer.byteLength(name) +
      (typeof value === 'number' ? 21 : value instanceof Uint8Array ? value.byteLength : Buffer.byteLength(String(value)));
  return bytes;
}

/** The buckets' rows (missing buckets are empty), by bucket number. */
export async function readBuckets(
  doc: DynamoDBDocumentClient,
  table: string,
  kind: BucketKind,
  buckets: Iterable<number>,
): Promise<Map<number, Bucket>> {
  const wanted = [...new Set(buckets)];
  const items = await batchGet(
    doc,
    table,
    wanted.map((b) => keys.referenceBucket(kind, b)),
    true,
  );
  const out = new Map<number, Bucket>(wanted.map((b) => [b, EMPTY]));
  for (const i of items) out.set(bucketOfPk(String(i.pk)), decode(i));
  return out;
}

/** Every row of the kinds, from every bucket. */
export async function readAllRows(
  doc: DynamoDBDocumentClient,
  table: string,
  kinds: readonly BucketKind[],
): Promise<Record<BucketKind, Item[]>> {
  const all = Array.from({ length: REFERENCE_BUCKETS }, (_, b) => b);
  const items = await batchGet(
    doc,
    table,
    kinds.flatMap((k) => all.map((b) => keys.referenceBucket(k, b))),
    true,
  );
  const out = { partners: [], acceptances: [], trainings: [] } as Record<BucketKind, Item[]>;
  for (const i of items) {
    const kind = String(i.pk).split('#')[1] as BucketKind;
    out[kind].push(...decode(i).rows);
  }
  return out;
}

/** The rows of one partner in its bucket of each kind. */
export async function readPartnerRows(
  doc: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
): Promise<Record<BucketKind, Item[]>> {
  const b = bucketOf(partnerId, REFERENCE_BUCKETS);
  const items = await batchGet(
    doc,
    table,
    BUCKET_KINDS.map((k) => keys.referenceBucket(k, b)),
    true,
  );
  const out = { partners: [], acceptances: [], trainings: [] } as Record<BucketKind, Item[]>;
  for (const i of items) {
    const kind = String(i.pk).split('#')[1] as BucketKind;
    out[kind].push(...decode(i).rows.filter((r) => (kind === 'partners' ? r.id : r.partnerId) === partnerId));
  }
  return out;
}

/** Stored rows with the new ones merged in, sorted by identity (the same rows make the same item). */
export function mergeRows<R extends object>(spec: RowsSpec<R>, stored: readonly Item[], incoming: ReadonlyMap<string, R>): Item[] {
  const byId = new Map<string, Item>();
  for (const r of stored) byId.set(spec.identity(r as R), r);
  for (const [id, r] of incoming) if (!(spec.keepStored && byId.has(id))) byId.set(id, r as Item);
  return [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

function refuseOverSize(kind: BucketKind, bucket: number, item: Item): void {
  const bytes = itemBytes(item);
  if (bytes <= MAX_BUCKET_BYTES) return;
  const count = Number(item.count);
  throw new ReferenceBucketFullError(
    `Too many ${kind} to store: the ${count} of storage bucket ${bucket} would take ${Math.ceil(bytes / 1000)} KB, ` +
      `more than the ${MAX_BUCKET_BYTES / 1000} KB one database item may hold, so none of them was written. ` +
      `The store holds ${REFERENCE_BUCKETS} such buckets of ${kind} (README, "Reference rows in buckets").`,
    { key: 'reference-bucket-full', params: { kind, bucket, count, kb: Math.ceil(bytes / 1000), limitKb: MAX_BUCKET_BYTES / 1000 } },
  );
}

/**
 * Writes the rows into their buckets, each read, merged and put on condition that nobody wrote it
 * meanwhile (re-read and merged again otherwise). Every bucket's size is checked before the first
 * put: an over-size one is refused with nothing of the kind written.
 */
export async function writeRows<R extends object>(
  doc: DynamoDBDocumentClient,
  table: string,
  spec: RowsSpec<R>,
  rows: readonly R[],
): Promise<void> {
  const incoming = new Map<number, Map<string, R>>();
  for (const r of rows) {
    const b = bucketOf(spec.partnerId(r), REFERENCE_BUCKETS);
    let m = incoming.get(b);
    if (!m) incoming.set(b, (m = new Map()));
    // Within one call the last of a key wins, as a batch of puts did.
    m.set(spec.identity(r), r);
  }
  const stored = await readBuckets(doc, table, spec.kind, incoming.keys());
  const firstTry = new Map<number, { base: Bucket; item: Item }>();
  for (const [b, rowsOf] of incoming) {
    const base = stored.get(b) ?? EMPTY;
    const item = encode(spec.kind, b, base.version + 1, mergeRows(spec, base.rows, rowsOf));
    refuseOverSize(spec.kind, b, item);
    firstTry.set(b, { base, item });
  }
  const put = async (b: number) => {
    let { base, item } = firstTry.get(b)!;
    for (let attempt = 1; ; attempt++) {
      try {
        await doc.send(
          new PutCommand({
            TableName: table,
            Item: item,
            ConditionExpression: base.version === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
            ...(base.version === 0 ? {} : { ExpressionAttributeValues: { ':v': base.version } }),
          }),
        );
        return;
      } catch (err) {
        if (!isConditionFailed(err) || attempt >= MAX_ATTEMPTS) throw err;
      }
      // Another writer got there first: its rows are kept, ours merged over them again.
      const res = await doc.send(
        new GetCommand({ TableName: table, Key: keys.referenceBucket(spec.kind, b), ConsistentRead: true }),
      );
      base = decode(res.Item);
      item = encode(spec.kind, b, base.version + 1, mergeRows(spec, base.rows, incoming.get(b)!));
      refuseOverSize(spec.kind, b, item);
    }
  };
  const queue = [...incoming.keys()];
  let failed = false;
  const worker = async () => {
    try {
      while (queue.length && !failed) await put(queue.shift()!);
    } catch (err) {
      failed = true;
      throw err;
    }
  };
  await Promise.all(Array.from({ length: Math.min(BUCKET_WRITES_IN_FLIGHT, queue.length) }, worker));
}
