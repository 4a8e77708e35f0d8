/**
 * Reference rows packed in bucket items: the partners, acceptances and trainings of one kind whose
 * partner IDs fall in one bucket (bucketOf) are one item, `z` holding them as deflated JSON. DynamoDB
 * (Local above all) charges per item, not per byte: a folder's 15,000 rows are 3 × REFERENCE_BUCKETS
 * writes instead of 15,000. Each bucket is read, merged and written back on condition that its
 * `version` did not move meanwhile, so concurrent writers lose nothing.
 */
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ReferenceBucketFullError, ReferenceWriteError } from '../../errors.js';
import { bucketOf } from './buckets.js';
import { batchGet, isConditionFailed, type Item } from './doc.js';
import { keys } from './keys.js';

/**
 * Buckets per kind. Stored items are found by it: changing it needs a migration. 64 by measurement
 * (docs/performance.md, "Where the time goes"): fewer items write faster, but a bucket must stay far under
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

/** The rows of the kinds in these buckets, by kind; `keep` picks rows (default: all). */
async function rowsIn(
  doc: DynamoDBDocumentClient,
  table: string,
  kinds: readonly BucketKind[],
  buckets: readonly number[],
  consistent: boolean,
  keep: (kind: BucketKind, row: Item) => boolean = () => true,
): Promise<Record<BucketKind, Item[]>> {
  const items = await batchGet(
    doc,
    table,
    kinds.flatMap((k) => buckets.map((b) => keys.referenceBucket(k, b))),
    consistent,
  );
  const out = { partners: [], acceptances: [], trainings: [] } as Record<BucketKind, Item[]>;
  for (const i of items) {
    const kind = String(i.pk).split('#')[1] as BucketKind;
    out[kind].push(...decode(i).rows.filter((r) => keep(kind, r)));
  }
  return out;
}

/** Every row of the kinds, from every bucket; `consistent` false for listings, which may lag a write. */
export function readAllRows(
  doc: DynamoDBDocumentClient,
  table: string,
  kinds: readonly BucketKind[],
  consistent = true,
): Promise<Record<BucketKind, Item[]>> {
  return rowsIn(doc, table, kinds, Array.from({ length: REFERENCE_BUCKETS }, (_, b) => b), consistent);
}

/** The rows of these partners in their buckets of each kind (only those buckets are read). */
export function readPartnersRows(
  doc: DynamoDBDocumentClient,
  table: string,
  partnerIds: readonly string[],
  kinds: readonly BucketKind[] = BUCKET_KINDS,
): Promise<Record<BucketKind, Item[]>> {
  const ids = new Set(partnerIds);
  const buckets = [...new Set([...ids].map((id) => bucketOf(id, REFERENCE_BUCKETS)))];
  return rowsIn(doc, table, kinds, buckets, true, (kind, r) => ids.has(String(kind === 'partners' ? r.id : r.partnerId)));
}

/** The rows of one partner in its bucket of each kind. */
export function readPartnerRows(
  doc: DynamoDBDocumentClient,
  table: string,
  partnerId: string,
): Promise<Record<BucketKind, Item[]>> {
  return readPartnersRows(doc, table, [partnerId]);
}

/** Stored rows with the new ones merged in, sorted by identity (the same rows make the same item). */
export function mergeRows<R extends object>(spec: RowsSpec<R>, stored: readonly Item[], incoming: ReadonlyMap<string, R>): Item[] {
  const byId = new Map<string, Item>();
  for (const r of stored) byId.set(spec.identity(r as R), r);
  for (const [id, r] of incoming) if (!(spec.keepStored && byId.has(id))) byId.set(id, r as Item);
  return [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * Refuses a bucket item over the limit. `stored` says whether rows of the same import may already be
 * stored (another writer filled the bucket between the import's check and its write).
 */
function refuseOverSize(kind: BucketKind, bucket: number, item: Item, stored: boolean): void {
  const bytes = itemBytes(item);
  if (bytes <= MAX_BUCKET_BYTES) return;
  const count = Number(item.count);
  const kb = Math.ceil(bytes / 1000);
  const limitKb = MAX_BUCKET_BYTES / 1000;
  throw new ReferenceBucketFullError(
    `Too many ${kind} to store: one of the database's ${REFERENCE_BUCKETS} records of ${kind} would have to hold ` +
      `${count} of them (${kb} KB), but one record holds at most ${limitKb} KB. ` +
      (stored ? 'Other rows of this import may be stored; these were not. ' : 'Nothing was written. ') +
      `Sending them again will not help: tell whoever runs the service that the database needs more records for ${kind} (a data migration).`,
    { key: 'reference-bucket-full', params: { kind, bucket, count, kb, limitKb, buckets: REFERENCE_BUCKETS, stored } },
  );
}

interface Planned<R> {
  incoming: Map<number, Map<string, R>>;
  firstTry: Map<number, { base: Bucket; item: Item }>;
}

/** The rows by bucket, each bucket read, merged and its size checked. */
async function plan<R extends object>(
  doc: DynamoDBDocumentClient,
  table: string,
  spec: RowsSpec<R>,
  rows: readonly R[],
  stored: boolean,
): Promise<Planned<R>> {
  const incoming = new Map<number, Map<string, R>>();
  for (const r of rows) {
    const b = bucketOf(spec.partnerId(r), REFERENCE_BUCKETS);
    let m = incoming.get(b);
    if (!m) incoming.set(b, (m = new Map()));
    // Within one call the last of a key wins, as a batch of puts did.
    m.set(spec.identity(r), r);
  }
  const read = await readBuckets(doc, table, spec.kind, incoming.keys());
  const firstTry = new Map<number, { base: Bucket; item: Item }>();
  for (const [b, rowsOf] of incoming) {
    const base = read.get(b) ?? EMPTY;
    const item = encode(spec.kind, b, base.version + 1, mergeRows(spec, base.rows, rowsOf));
    refuseOverSize(spec.kind, b, item, stored);
    firstTry.set(b, { base, item });
  }
  return { incoming, firstTry };
}

/**
 * Refuses, before anything is written, rows that would make any of their buckets too large with
 * what is stored now: an import checks every kind so that a full bucket stops it whole.
 */
export async function checkRoom<R extends object>(
  doc: DynamoDBDocumentClient,
  table: string,
  spec: RowsSpec<R>,
  rows: readonly R[],
): Promise<void> {
  if (rows.length) await plan(doc, table, spec, rows, false);
}

/**
 * Writes the rows into their buckets, each read, merged and put on condition that nobody wrote it
 * meanwhile (re-read and merged again otherwise). Every bucket's size is checked before the first
 * put, and again on a retry (another writer's rows may have filled it).
 */
export async function writeRows<R extends object>(
  doc: DynamoDBDocumentClient,
  table: string,
  spec: RowsSpec<R>,
  rows: readonly R[],
): Promise<void> {
  const { incoming, firstTry } = await plan(doc, table, spec, rows, false);
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
        if (!isConditionFailed(err)) throw err;
        if (attempt >= MAX_ATTEMPTS)
          throw new ReferenceWriteError(
            `Other writers kept changing the same stored ${spec.kind} (${MAX_ATTEMPTS} tries in a row), so these rows could not be written; ` +
              'send them again in a moment, which is safe to repeat.',
            { cause: err, key: 'reference-bucket-busy', params: { kind: spec.kind, attempts: MAX_ATTEMPTS } },
          );
      }
      // Another writer got there first: its rows are kept, ours merged over them again.
      const res = await doc.send(
        new GetCommand({ TableName: table, Key: keys.referenceBucket(spec.kind, b), ConsistentRead: true }),
      );
      base = decode(res.Item);
      item = encode(spec.kind, b, base.version + 1, mergeRows(spec, base.rows, incoming.get(b)!));
      refuseOverSize(spec.kind, b, item, true);
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
