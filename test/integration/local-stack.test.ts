import { createHash, randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import {
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
} from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { describe, expect, it } from 'vitest';
import { ObjectStoreError, startDynamoLocal } from '../../local/emulators.js';
import { encodeS3EventKey, startLocalStack, type LocalS3EventRecord, type LocalStack } from '../../local/local-stack.js';
import { GSI1, GSI2, GSI3, createTableInput, ensureTable } from '../../shared/adapters/dynamo/table.js';
import { createAwsClients, loadAppConfig } from '../../shared/aws/clients.js';
import { ConfigError } from '../../shared/errors.js';
import { EXTRACT_FORMAT } from '../../shared/pipeline/extract.js';
import { BINARY_FORMAT } from '../../shared/pipeline/extract-binary.js';
import { wire } from '../../shared/wiring.js';
import { useLocalStack } from '../support/local-stack.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');
const md5 = (data: Uint8Array) => createHash('md5').update(data).digest('hex');
const chunksOf = (data: Buffer, size: number) =>
  Array.from({ length: Math.ceil(data.length / size) }, (_, i) => data.subarray(i * size, (i + 1) * size));
const decodeEventKey = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));
const awkwardKey = 'incoming/d-01/отчёт за январь+1 (v2)!.csv';

async function getBytes(stack: LocalStack, key: string): Promise<Buffer> {
  const res = await stack.clients.s3.send(new GetObjectCommand({ Bucket: stack.bucket, Key: key }));
  return Buffer.from(await res.Body!.transformToByteArray());
}

/** This machine's addresses other than loopback, where nothing of the local stack may answer. */
function externalAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((a) => a && !a.internal && a.family === 'IPv4')
    .map((a) => a!.address);
}

function canConnect(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, host);
    socket.setTimeout(2_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function portOf(url: string): number {
  return Number(new URL(url).port);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the first `count` ObjectCreated records whose decoded key satisfies `wanted`. */
function collectEvents(
  stack: LocalStack,
  wanted: (key: string) => boolean,
  count: number,
): Promise<LocalS3EventRecord[]> {
  return new Promise((resolve) => {
    const seen: LocalS3EventRecord[] = [];
    const unsubscribe = stack.onObjectCreated((record) => {
      if (!wanted(decodeEventKey(record.s3.object.key))) return;
      seen.push(record);
      if (seen.length === count) {
        unsubscribe();
        resolve(seen);
      }
    });
  });
}

describe('AWS configuration', () => {
  const base = { AWS_REGION: 'eu-central-1' };

  it('names the missing or malformed variables', () => {
    expect(() => createAwsClients({})).toThrow(ConfigError);
    expect(() => createAwsClients({})).toThrow(/AWS_REGION is not set/);
    expect(() => createAwsClients({ ...base, AWS_ENDPOINT_URL_S3: 'localhost-4568' })).toThrow(
      /AWS_ENDPOINT_URL_S3 must be a URL/,
    );
    expect(() => createAwsClients({ ...base, S3_FORCE_PATH_STYLE: 'yes' })).toThrow(/S3_FORCE_PATH_STYLE/);
    expect(() => createAwsClients({ ...base, AWS_ACCESS_KEY_ID: 'k' })).toThrow(/AWS_SECRET_ACCESS_KEY/);
  });

  it('takes path style from S3_FORCE_PATH_STYLE only', () => {
    const off = createAwsClients(base);
    const on = createAwsClients({ ...base, S3_FORCE_PATH_STYLE: 'true' });
    expect(off.s3.config.forcePathStyle).toBe(false);
    expect(on.s3.config.forcePathStyle).toBe(true);
    for (const c of [off, on]) {
      c.s3.destroy();
      c.dynamo.destroy();
      c.sqs.destroy();
    }
  });

  it('loads the application settings, treating empty variables as unset', () => {
    expect(() => loadAppConfig({ TABLE_NAME: '' })).toThrow(ConfigError);
    expect(() => loadAppConfig({ TABLE_NAME: '' })).toThrow(
      /TABLE_NAME is not set.*REPORTS_BUCKET is not set/,
    );
    expect(() => loadAppConfig({ TABLE_NAME: 't', REPORTS_BUCKET: 'b', COMPUTE_QUEUE_URL: 'queue' })).toThrow(
      /COMPUTE_QUEUE_URL must be a URL/,
    );
    expect(loadAppConfig({ TABLE_NAME: 't', REPORTS_BUCKET: 'b', COMPUTE_QUEUE_URL: '' })).toEqual({
      tableName: 't',
      reportsBucket: 'b',
      computeQueueUrl: undefined,
      extractForm: 'binary',
    });
    // The retired recalc queue's variable is not read any more.
    const url = 'https://sqs.eu-central-1.amazonaws.com/123456789012/rebates-compute.fifo';
    expect(
      loadAppConfig({ TABLE_NAME: 't', REPORTS_BUCKET: 'b', RECALC_QUEUE_URL: url }).computeQueueUrl,
    ).toBeUndefined();
    expect(loadAppConfig({ TABLE_NAME: 't', REPORTS_BUCKET: 'b', COMPUTE_QUEUE_URL: url }).computeQueueUrl).toBe(url);
  });

  it('takes the form ingest stores extracts in from EXTRACT_FORM, binary unless told json', () => {
    const app = { TABLE_NAME: 't', REPORTS_BUCKET: 'b' };
    expect(() => loadAppConfig({ ...app, EXTRACT_FORM: 'JSON' })).toThrow(ConfigError);
    expect(() => loadAppConfig({ ...app, EXTRACT_FORM: 'gzip' })).toThrow(/EXTRACT_FORM must be "binary" or "json"/);
    expect(loadAppConfig(app).extractForm).toBe('binary');
    expect(loadAppConfig({ ...app, EXTRACT_FORM: '' }).extractForm).toBe('binary');
    expect(loadAppConfig({ ...app, EXTRACT_FORM: 'json' }).extractForm).toBe('json');
    const clients = createAwsClients(base);
    const none = { publish: async () => undefined };
    expect(wire(clients, { table: 't', bucket: 'b', extractForm: 'json' }, none).extractFormat).toBe(EXTRACT_FORMAT);
    expect(wire(clients, { table: 't', bucket: 'b', extractForm: 'binary' }, none).extractFormat).toBe(BINARY_FORMAT);
    // Unset (the local runtime, tests): ingest's own default, the binary form.
    expect(wire(clients, { table: 't', bucket: 'b' }, none).extractFormat).toBeUndefined();
    clients.s3.destroy();
    clients.dynamo.destroy();
    clients.sqs.destroy();
  });

  it('encodes event keys as S3 notifications do', () => {
    expect(encodeS3EventKey('a/b c+d (1)!*~é.csv')).toBe('a/b+c%2Bd+%281%29%21*%7E%C3%A9.csv');
  });
});

describe('local stack', () => {
  const stack = useLocalStack();

  describe('DynamoDB Local', () => {
    it('has the table as the storage contract defines it, and ensureTable leaves it alone', async () => {
      const { dynamo, doc } = stack().clients;
      const tableName = stack().tableName;
      await doc.send(new PutCommand({ TableName: tableName, Item: { pk: 'KEEP', sk: 'ME' } }));
      await ensureTable(dynamo, tableName);

      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: tableName }));
      expect(Table?.KeySchema).toEqual([
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
      const gsi = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === GSI1.indexName);
      expect(gsi?.KeySchema?.map((k) => k.AttributeName)).toEqual(['gsi1pk', 'gsi1sk']);
      expect(gsi?.Projection?.ProjectionType).toBe('ALL');
      const ttl = await dynamo.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
      // Nothing in the storage contract expires, so the table has no TTL (as in AWS).
      expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
      const kept = await doc.send(new GetCommand({ TableName: tableName, Key: { pk: 'KEEP', sk: 'ME' } }));
      expect(kept.Item).toBeDefined();
    });

    it.each([
      ['before both trail indexes', ['gsi2', 'gsi3']],
      ['with the month trail index only', ['gsi3']],
    ])("adds the trail indexes to an older stack's table (%s), keeping its items", async (_, missing) => {
      const { dynamo, doc } = stack().clients;
      const TableName = `${stack().tableName}-before-${missing.join('-')}`;
      // The table as older local stacks made it.
      const input = createTableInput(TableName);
      await dynamo.send(
        new CreateTableCommand({
          ...input,
          AttributeDefinitions: input.AttributeDefinitions!.filter((a) => !missing.some((m) => a.AttributeName!.startsWith(m))),
          GlobalSecondaryIndexes: input.GlobalSecondaryIndexes!.filter((i) => !missing.includes(i.IndexName!)),
        }),
      );
      await doc.send(new PutCommand({ TableName, Item: { pk: 'KEEP', sk: 'ME' } }));
      await ensureTable(dynamo, TableName);
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
      for (const g of [GSI2, GSI3]) {
        const trail = Table?.GlobalSecondaryIndexes?.find((i) => i.IndexName === g.indexName);
        expect(trail?.KeySchema?.map((k) => k.AttributeName)).toEqual([g.partitionKey, g.sortKey]);
        expect(trail?.Projection).toEqual({ ProjectionType: 'INCLUDE', NonKeyAttributes: ['entry'] });
      }
      expect((await doc.send(new GetCommand({ TableName, Key: { pk: 'KEEP', sk: 'ME' } }))).Item).toBeDefined();
      // Items written since are found through it.
      await doc.send(
        new PutCommand({
          TableName,
          Item: { pk: 'R', sk: 'META', gsi2pk: 'AUDIT#2016-02', gsi2sk: 'x', gsi3pk: 'AUDIT-BY#m', gsi3sk: 'x', entry: { id: 'x' } },
        }),
      );
      for (const [g, p] of [
        [GSI2, 'AUDIT#2016-02'],
        [GSI3, 'AUDIT-BY#m'],
      ] as const) {
        const found = await doc.send(
          new QueryCommand({
            TableName,
            IndexName: g.indexName,
            KeyConditionExpression: `${g.partitionKey} = :p`,
            ExpressionAttributeValues: { ':p': p },
          }),
        );
        expect(found.Items?.map((i) => i.entry)).toEqual([{ id: 'x' }]);
      }
      await dynamo.send(new DeleteTableCommand({ TableName }));
    });

    it('puts, gets and queries gsi1 through the document client', async () => {
      const { doc } = stack().clients;
      const TableName = stack().tableName;
      const reports = [
        { reportId: 'r-2', receivedAt: '2016-02-15T10:00:00+03:00' },
        { reportId: 'r-1', receivedAt: '2016-02-14T09:00:00+03:00' },
      ];
      for (const r of reports) {
        await doc.send(
          new PutCommand({
            TableName,
            Item: {
              pk: `REPORT#${r.reportId}`,
              sk: 'META',
              gsi1pk: 'REPORTS#D-1',
              gsi1sk: `${r.receivedAt}#${r.reportId}`,
              rows: 3,
              note: undefined, // dropped, not rejected
            },
          }),
        );
      }
      const got = await doc.send(new GetCommand({ TableName, Key: { pk: 'REPORT#r-2', sk: 'META' } }));
      expect(got.Item).toEqual({
        pk: 'REPORT#r-2',
        sk: 'META',
        gsi1pk: 'REPORTS#D-1',
        gsi1sk: '2016-02-15T10:00:00+03:00#r-2',
        rows: 3,
      });

      const byDistributor = await doc.send(
        new QueryCommand({
          TableName,
          IndexName: GSI1.indexName,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': 'REPORTS#D-1' },
        }),
      );
      expect(byDistributor.Items?.map((i) => i.pk)).toEqual(['REPORT#r-1', 'REPORT#r-2']);
    });

    it('is reached by a bare SDK client through AWS_ENDPOINT_URL_* in process.env', async () => {
      const dynamo = new DynamoDBClient({});
      const s3 = new S3Client({ forcePathStyle: true });
      try {
        const { TableNames } = await dynamo.send(new ListTablesCommand({}));
        expect(TableNames).toContain(stack().tableName);
        await expect(s3.send(new HeadBucketCommand({ Bucket: stack().bucket }))).resolves.toBeDefined();
      } finally {
        dynamo.destroy();
        s3.destroy();
      }
    });
  });

  describe('s3rver', () => {
    it('stores a small object under an awkward key byte for byte', async () => {
      const body = Buffer.from('distributor;sku;qty\nД-1;X 1;2\n', 'utf8');
      await stack().clients.s3.send(
        new PutObjectCommand({ Bucket: stack().bucket, Key: awkwardKey, Body: body }),
      );
      expect(sha256(await getBytes(stack(), awkwardKey))).toBe(sha256(body));
    });

    it('sends a whole body with an unsigned payload, signed all the same, and stores it byte for byte', async () => {
      const body = randomBytes(256 * 1024 + 3);
      const key = 'incoming/d-01/whole report.csv';
      const command = new PutObjectCommand({ Bucket: stack().bucket, Key: key, Body: body });
      const sent: Record<string, string>[] = [];
      // After signing: what actually went to the local S3.
      command.middlewareStack.add(
        (next) => async (args) => {
          sent.push({ ...(args.request as { headers: Record<string, string> }).headers });
          return next(args);
        },
        { step: 'finalizeRequest', priority: 'low', name: 'seeSentHeaders' },
      );
      await stack().clients.s3.send(command);
      expect(sent.at(-1)?.['x-amz-content-sha256']).toBe('UNSIGNED-PAYLOAD');
      expect(sent.at(-1)?.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
      expect(sha256(await getBytes(stack(), key))).toBe(sha256(body));
    });

    it('stores a streamed body of known length unchanged', async () => {
      const body = randomBytes(3 * 1024 * 1024 + 17);
      const key = 'incoming/d-01/streamed report.csv';
      await stack().clients.s3.send(
        new PutObjectCommand({
          Bucket: stack().bucket,
          Key: key,
          Body: Readable.from(chunksOf(body, 65536)),
          ContentLength: body.length,
        }),
      );
      const stored = await getBytes(stack(), key);
      expect(stored.length).toBe(body.length);
      expect(sha256(stored)).toBe(sha256(body));
    });

    it('never serves part of an object: a read beside writes of the same key gets one whole version', async () => {
      // A computation's markers and pointers are rewritten in place while other requests read them;
      // S3 serves the old object or the new one, never a truncated file.
      const key = 'computations/2016-Q1/started.json';
      const versions = Array.from({ length: 6 }, (_, i) =>
        Buffer.from(JSON.stringify({ version: i, pad: 'x'.repeat(20_000 + i * 150_000) })),
      );
      const known = new Set(versions.map(sha256));
      const s3 = stack().clients.s3;
      await s3.send(new PutObjectCommand({ Bucket: stack().bucket, Key: key, Body: versions[0] }));
      const writes = (async () => {
        for (let round = 0; round < 4; round++)
          for (const body of versions)
            await s3.send(
              new PutObjectCommand({
                Bucket: stack().bucket,
                Key: key,
                // Streamed, as the adapters send: the emulator used to answer before its file was whole.
                Body: Readable.from(chunksOf(body, 16_384)),
                ContentLength: body.length,
              }),
            );
      })();
      let done = false;
      void writes.finally(() => (done = true));
      const seen: string[] = [];
      while (!done) {
        const readers = Array.from({ length: 4 }, () => getBytes(stack(), key));
        for (const bytes of await Promise.all(readers)) seen.push(sha256(bytes));
      }
      await writes;
      // After a write has answered, a read sees that write.
      expect(sha256(await getBytes(stack(), key))).toBe(sha256(versions.at(-1)!));
      expect(seen.length).toBeGreaterThan(10);
      expect(seen.filter((h) => !known.has(h))).toEqual([]);
    });

    it('stores a multipart upload of a stream of unknown length unchanged, and announces it', async () => {
      const body = randomBytes(11 * 1024 * 1024 + 5); // three parts of at most 5 MiB
      const key = 'incoming/d-01/multipart report.csv.gz';
      const announced = collectEvents(stack(), (k) => k === key, 1);
      await new Upload({
        client: stack().clients.s3,
        params: { Bucket: stack().bucket, Key: key, Body: Readable.from(chunksOf(body, 100_000)) },
      }).done();
      const stored = await getBytes(stack(), key);
      expect(sha256(stored)).toBe(sha256(body));
      const [record] = await announced;
      expect(record!.eventName).toMatch(/^ObjectCreated:/);
      expect(record!.s3.object.size).toBe(body.length);
    });

    it('announces stored objects as S3 does: encoded key, ordered sequencer, size and eTag', async () => {
      const bodies = [Buffer.from('first'), Buffer.from('second, longer')];
      const events = collectEvents(stack(), (key) => key === awkwardKey, 2);
      for (const Body of bodies) {
        await stack().clients.s3.send(
          new PutObjectCommand({ Bucket: stack().bucket, Key: awkwardKey, Body }),
        );
      }
      const records = await events;

      for (const [i, record] of records.entries()) {
        expect(record.eventName).toBe('ObjectCreated:Put');
        expect(record.awsRegion).toBe('eu-central-1');
        expect(Number.isNaN(Date.parse(record.eventTime))).toBe(false);
        expect(record.s3.bucket.name).toBe(stack().bucket);
        expect(record.s3.object.key).toBe(encodeS3EventKey(awkwardKey));
        expect(record.s3.object.key).toContain('%2B1+%28v2%29%21.csv'); // '+1 (v2)!.csv' as S3 writes it
        expect(decodeEventKey(record.s3.object.key)).toBe(awkwardKey);
        expect(record.s3.object.size).toBe(bodies[i]!.length);
        expect(record.s3.object.eTag).toBe(md5(bodies[i]!));
        expect(record.s3.object.sequencer).toMatch(/^[0-9A-F]{16}$/);
        // s3rver's principal is made up anew for each event: it names no uploader, so none is passed on.
        expect(record.userIdentity).toBeUndefined();
      }
      expect(records[1]!.s3.object.sequencer > records[0]!.s3.object.sequencer).toBe(true);
    });

    it('stores a file by putFile as a PUT of its bytes leaves it, and announces it as that PUT would', async () => {
      const { s3 } = stack().clients;
      const Bucket = stack().bucket;
      const body = Buffer.concat([Buffer.from('distributor;sku;qty\nД-1;X 1;2\n', 'utf8'), randomBytes(2 * 1024 * 1024 + 9)]);
      const dir = await mkdtemp(join(tmpdir(), 'put-file-'));
      const path = join(dir, 'report.csv');
      const put = `${awkwardKey}.put`;
      const copied = `${awkwardKey}.file`;
      try {
        await writeFile(path, body);
        const events = collectEvents(stack(), (key) => key === put || key === copied, 2);
        await s3.send(new PutObjectCommand({ Bucket, Key: put, Body: body, ContentType: 'application/gzip' }));
        await stack().putFile(copied, path, 'application/gzip');
        // The object is the file as it was: changing the file afterwards changes nothing stored.
        await writeFile(path, 'changed');
        const [byPut, byFile] = await events;

        expect(sha256(await getBytes(stack(), copied))).toBe(sha256(body));
        const head = async (Key: string) => {
          const { ETag, ContentType, ContentLength, Metadata } = await s3.send(new HeadObjectCommand({ Bucket, Key }));
          return { ETag, ContentType, ContentLength, Metadata };
        };
        expect(await head(copied)).toEqual(await head(put));
        expect((await head(copied)).ETag).toBe(JSON.stringify(md5(body)));
        const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: awkwardKey }));
        const entry = (Key: string) => {
          const { Key: _key, LastModified: _at, ...rest } = listed.Contents!.find((o) => o.Key === Key)!;
          return rest;
        };
        expect(entry(copied)).toEqual(entry(put));

        // The same record but for the key, the time, the sequencer (later) and s3rver's made-up IDs.
        const shape = (r: LocalS3EventRecord) => ({
          ...r,
          eventTime: typeof r.eventTime,
          responseElements: Object.keys(r.responseElements),
          s3: {
            ...r.s3,
            bucket: { ...r.s3.bucket, ownerIdentity: typeof r.s3.bucket.ownerIdentity.principalId },
            object: { ...r.s3.object, key: decodeEventKey(r.s3.object.key).replace(/\.(put|file)$/, ''), sequencer: '' },
          },
        });
        expect(byFile!.s3.object.key).toBe(encodeS3EventKey(copied));
        expect(shape(byFile!)).toEqual(shape(byPut!));
        expect(byFile!.s3.object.sequencer > byPut!.s3.object.sequencer).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('stops calling a listener once it unsubscribes', async () => {
      const key = 'incoming/d-01/unsubscribed.csv';
      const late: LocalS3EventRecord[] = [];
      const unsubscribe = stack().onObjectCreated((r) => void late.push(r));
      unsubscribe();
      const delivered = collectEvents(stack(), (k) => k === key, 1);
      await stack().clients.s3.send(new PutObjectCommand({ Bucket: stack().bucket, Key: key, Body: 'x' }));
      await delivered; // listeners of one event run back to back, so the other one would have run by now
      expect(late).toEqual([]);
    });

    it('lists more than 1000 keys across pages, and honours StartAfter', async () => {
      const { s3 } = stack().clients;
      const Bucket = stack().bucket;
      const keys = Array.from({ length: 1003 }, (_, i) => `listing/${String(i).padStart(4, '0')} ф+.csv`);
      let next = 0;
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next < keys.length) {
            const Key = keys[next++]!;
            await s3.send(new PutObjectCommand({ Bucket, Key, Body: Key }));
          }
        }),
      );

      const listed: string[] = [];
      let pages = 0;
      for await (const page of paginateListObjectsV2({ client: s3 }, { Bucket, Prefix: 'listing/' })) {
        pages++;
        listed.push(...(page.Contents ?? []).map((c) => c.Key!));
      }
      expect(pages).toBe(2);
      expect(listed).toEqual(keys);

      const after = await s3.send(
        new ListObjectsV2Command({ Bucket, Prefix: 'listing/', StartAfter: keys[999], MaxKeys: 2 }),
      );
      expect(after.Contents?.map((c) => c.Key)).toEqual([keys[1000], keys[1001]]);
      expect(after.IsTruncated).toBe(true);
      expect(after.KeyCount).toBe(2);
      // 1003 writes to s3rver's disk: 37 s of the default 60 on a loaded CI machine.
    }, 180_000);
  });

  describe('what it lets in', () => {
    const external = externalAddresses();

    it.skipIf(!external.length)(
      'listens on the loopback interface only: neither emulator answers on the machine’s other addresses',
      async () => {
        const ports = [portOf(stack().env.AWS_ENDPOINT_URL_DYNAMODB), portOf(stack().env.AWS_ENDPOINT_URL_S3)];
        for (const port of ports) {
          expect(await canConnect(port), `127.0.0.1:${port}`).toBe(true);
          for (const host of external) expect(await canConnect(port, host), `${host}:${port}`).toBe(false);
        }
      },
    );

    it('refuses unsigned writes and reads, and those signed with another secret, storing nothing', async () => {
      const { bucket, env } = stack();
      const url = `${env.AWS_ENDPOINT_URL_S3}/${bucket}/incoming/d-01/unsigned.csv`;
      const unsigned = await fetch(url, { method: 'PUT', body: 'a,b\n1,2\n' });
      expect(unsigned.status).toBe(403);
      expect(await unsigned.text()).toMatch(/AccessDenied.*not signed/s);
      expect((await fetch(`${env.AWS_ENDPOINT_URL_S3}/${bucket}?list-type=2`)).status).toBe(403);

      const forged = new S3Client({
        endpoint: env.AWS_ENDPOINT_URL_S3,
        region: env.AWS_REGION,
        forcePathStyle: true,
        // The key ID is public (s3rver's); the secret is the stack's own.
        credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: 'S3RVER' },
      });
      await expect(
        forged.send(new PutObjectCommand({ Bucket: bucket, Key: 'incoming/d-01/forged.csv', Body: 'x' })),
      ).rejects.toThrow(/signature does not match/);
      forged.destroy();

      const { s3 } = stack().clients;
      for (const key of ['incoming/d-01/unsigned.csv', 'incoming/d-01/forged.csv'])
        await expect(s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).rejects.toThrow();
    });

    it('takes a presigned PUT only for its key and method, and only until it expires', async () => {
      const { bucket, clients } = stack();
      const key = 'incoming/d-01/presigned отчёт.csv';
      const url = await getSignedUrl(clients.s3, new PutObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: 60,
      });
      expect((await fetch(url.replace('presigned', 'other'), { method: 'PUT', body: 'x' })).status).toBe(403);
      expect((await fetch(url, { method: 'GET' })).status).toBe(403);
      expect((await fetch(url, { method: 'PUT', body: 'q,1\n' })).status).toBe(200);
      expect((await getBytes(stack(), key)).toString()).toBe('q,1\n');

      const stale = await getSignedUrl(clients.s3, new PutObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: 60,
        signingDate: new Date(Date.now() - 120_000),
      });
      const expired = await fetch(stale, { method: 'PUT', body: 'late' });
      expect(expired.status).toBe(403);
      expect(await expired.text()).toMatch(/expired/);
    });

    it('lets a browser upload from a page of this machine only, and call DynamoDB Local from none', async () => {
      const { bucket, env } = stack();
      const preflight = (origin: string) =>
        fetch(`${env.AWS_ENDPOINT_URL_S3}/${bucket}/incoming/d-01/x.csv`, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'PUT' },
        });
      const local = await preflight('http://127.0.0.1:8787');
      expect(local.status).toBe(200);
      expect(local.headers.get('access-control-allow-methods')).toMatch(/PUT/);
      expect((await preflight('https://evil.example')).status).toBe(403);

      // DynamoDB Local checks no credentials; a page cannot call it since no preflight admits its origin.
      const dynamo = await fetch(env.AWS_ENDPOINT_URL_DYNAMODB, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://evil.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type,x-amz-target,authorization',
        },
      });
      expect(dynamo.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});

// Each test starts a JVM or two and stops them: up to 52 s a test on a loaded CI machine.
describe('stack lifetime', { timeout: 180_000 }, () => {
  it('keeps items and objects in a stateDir across stop and start, and frees its ports on stop', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'rebates-state-'));
    const options = { stateDir, tableName: 'persisted', bucket: 'persisted-reports' };
    const item = { pk: 'PARTNER#P-1', sk: 'PROFILE', gsi1pk: 'PARTNERS', gsi1sk: 'P-1', name: 'ООО Ромашка' };
    const body = Buffer.from('kept across restarts');
    try {
      const first = await startLocalStack(options);
      try {
        await first.clients.doc.send(new PutCommand({ TableName: first.tableName, Item: item }));
        await first.clients.s3.send(
          new PutObjectCommand({ Bucket: first.bucket, Key: 'rules/2016-Q1.json', Body: body }),
        );
      } finally {
        await first.stop();
      }
      await first.stop(); // a second stop is harmless
      for (const url of [first.env.AWS_ENDPOINT_URL_S3, first.env.AWS_ENDPOINT_URL_DYNAMODB]) {
        expect(await canConnect(portOf(url)), url).toBe(false);
      }

      const second = await startLocalStack(options);
      try {
        const got = await second.clients.doc.send(
          new GetCommand({ TableName: second.tableName, Key: { pk: item.pk, sk: item.sk } }),
        );
        expect(got.Item).toEqual(item);
        expect(sha256(await getBytes(second, 'rules/2016-Q1.json'))).toBe(sha256(body));
      } finally {
        await second.stop();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('stores a file by putFile with the mode a PUT gives, not the file\'s, so a PUT can replace it', async () => {
    const stateDir = await mkdtemp(join(tmpdir(), 'rebates-state-'));
    const options = { stateDir, tableName: 'stored', bucket: 'stored-reports' };
    const source = join(stateDir, 'read-only.csv');
    const folder = join(stateDir, 's3', options.bucket, 'incoming', 'd-01');
    const stored = (name: string) => join(folder, `${name}._S3rver_object`);
    try {
      await writeFile(source, 'distributor;sku;qty\nД-1;X 1;2\n');
      await chmod(source, 0o444);
      const stack = await startLocalStack(options);
      try {
        const Bucket = stack.bucket;
        await stack.putFile('incoming/d-01/copied.csv', source, 'text/csv');
        await stack.clients.s3.send(new PutObjectCommand({ Bucket, Key: 'incoming/d-01/put.csv', Body: 'x' }));
        const mode = async (path: string) => (await stat(path)).mode & 0o777;
        expect(await mode(stored('copied.csv'))).toBe(await mode(stored('put.csv')));

        const again = Buffer.from('distributor;sku;qty\nД-2;X 2;3\n');
        await stack.clients.s3.send(new PutObjectCommand({ Bucket, Key: 'incoming/d-01/copied.csv', Body: again }));
        expect(sha256(await getBytes(stack, 'incoming/d-01/copied.csv'))).toBe(sha256(again));
        const head = await stack.clients.s3.send(new HeadObjectCommand({ Bucket, Key: 'incoming/d-01/copied.csv' }));
        expect(head.ETag).toBe(JSON.stringify(md5(again)));

        // A name the store's files cannot carry fails as an error of the stack's, saying the key, not the store's path.
        const long = `incoming/d-01/${'отчёт-'.repeat(30)}.csv`;
        const failed = await stack.putFile(long, source, 'text/csv').then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(failed).toBeInstanceOf(ObjectStoreError);
        expect((failed as ObjectStoreError).key).toBe('object-name-too-long');
        expect(((failed as ObjectStoreError).cause as NodeJS.ErrnoException).code).toBe('ENAMETOOLONG');
        expect((failed as Error).message).toContain(long);
        expect((failed as Error).message).not.toContain(stateDir);
        // Nothing half-written is left beside the objects.
        expect((await readdir(folder)).filter((f) => !f.startsWith('copied.csv.') && !f.startsWith('put.csv.'))).toEqual([]);
      } finally {
        await stack.stop();
      }
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
  });

  it('kills the DynamoDB Local java process on stop', async () => {
    const dynamo = await startDynamoLocal();
    expect(isRunning(dynamo.pid)).toBe(true);
    expect(await canConnect(dynamo.port)).toBe(true);
    await dynamo.stop();
    expect(isRunning(dynamo.pid)).toBe(false);
    expect(await canConnect(dynamo.port)).toBe(false);
  });

  it('takes DynamoDB Local down with it when its process is terminated', async () => {
    const emulators = fileURLToPath(new URL('../../local/emulators.ts', import.meta.url));
    const script = `const { startDynamoLocal } = await import(${JSON.stringify(emulators)});
      const { pid } = await startDynamoLocal();
      console.log(pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)), // where tsx resolves
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(parent.stdout, 'data')) as [Buffer];
    const javaPid = Number(line.toString().trim());
    try {
      expect(isRunning(javaPid)).toBe(true);
      parent.kill('SIGTERM');
      const [code, signal] = (await once(parent, 'exit')) as [number | null, NodeJS.Signals | null];
      expect({ code, signal }).toEqual({ code: null, signal: 'SIGTERM' }); // still dies of the signal
      // A JVM's exit on a loaded machine can take more than the few seconds it takes on a quiet one.
      await expect.poll(() => isRunning(javaPid), { timeout: 30_000 }).toBe(false);
    } finally {
      // Only reached with a live child when the test has already failed.
      parent.kill('SIGKILL');
      if (isRunning(javaPid)) process.kill(javaPid, 'SIGKILL');
    }
  });
});
