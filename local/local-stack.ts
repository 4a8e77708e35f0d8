import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BucketAlreadyExists, BucketAlreadyOwnedByYou, CreateBucketCommand, PutBucketCorsCommand } from '@aws-sdk/client-s3';
import type { S3EventRecord } from 'aws-lambda';
import { createAwsClients, type AwsClients } from '../shared/aws/clients.js';
import { ensureTable } from '../shared/adapters/dynamo/table.js';
import { startDynamoLocal, startS3rver, type RunningDynamoLocal, type RunningS3rver } from './emulators.js';
import { phases } from './timings.js';

export interface LocalStackOptions {
  /** Keeps tables and objects here across runs; without it everything lives in a temp dir removed on stop. */
  stateDir?: string;
  tableName?: string;
  bucket?: string;
  /**
   * An in-memory DynamoDB Local already starting (local/early-start.ts), used instead of starting
   * one; the stack stops it with the rest. Not with `stateDir`, whose database is on disk.
   */
  dynamoLocal?: Promise<RunningDynamoLocal>;
}

export type LocalStackEnv = Record<
  | 'AWS_ENDPOINT_URL_S3'
  | 'AWS_ENDPOINT_URL_DYNAMODB'
  | 'S3_FORCE_PATH_STYLE'
  | 'AWS_REGION'
  | 'AWS_ACCESS_KEY_ID'
  | 'AWS_SECRET_ACCESS_KEY'
  | 'AWS_EC2_METADATA_DISABLED'
  | 'TABLE_NAME'
  | 'REPORTS_BUCKET',
  string
>;

/**
 * An S3 notification record as the local stack delivers it: without `userIdentity`, which names
 * who wrote the object. s3rver makes up a new principal for every event, naming nobody, and every
 * local write uses the stack's one key; so locally the uploader is the upload URL's user or none.
 */
export type LocalS3EventRecord = Omit<S3EventRecord, 'userIdentity'> & { userIdentity?: S3EventRecord['userIdentity'] };

export type ObjectCreatedListener = (record: LocalS3EventRecord) => void;

export interface LocalStack {
  /** What the functions and the SDK need to reach this stack; merging it into process.env is the caller's choice. */
  env: LocalStackEnv;
  clients: AwsClients;
  tableName: string;
  bucket: string;
  /**
   * Calls `listener` after each object is stored, with an S3 notification record shaped as AWS
   * sends it (key URL-encoded, `+` for spaces). Listeners run after the upload has been answered,
   * so they must handle their own errors. Returns the unsubscribe function.
   */
  onObjectCreated(listener: ObjectCreatedListener): () => void;
  /**
   * Puts a local file in the bucket as `key`, leaving the object (bytes, metadata, ETag) a PUT of
   * its bytes would, then tells the listeners as that PUT would; the file is written into the store
   * directly, not through HTTP on this process's event loop. Resolves once the object is stored.
   */
  putFile(key: string, path: string, contentType: string): Promise<void>;
  /** A sequencer above every one this stack's notifications have carried, as S3 orders uploads of a key. */
  nextSequencer(): string;
  stop(): Promise<void>;
}

export const LOCAL_REGION = 'eu-central-1';
const DEFAULT_TABLE = 'rebates';
const DEFAULT_BUCKET = 'rebates-reports';

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const tableName = options.tableName ?? DEFAULT_TABLE;
  const bucket = options.bucket ?? DEFAULT_BUCKET;
  const stateDir = options.stateDir ? resolve(options.stateDir) : undefined;
  const dataDir = stateDir ?? (await mkdtemp(join(tmpdir(), 'rebates-stack-')));

  // A secret of this start only: the local S3 refuses anything not signed with it (s3-sigv4.ts), so
  // neither another process nor a web page can write reports. The key ID is s3rver's own account.
  const credentials = { accessKeyId: 'S3RVER', secretAccessKey: randomBytes(24).toString('base64url') };
  if (stateDir && options.dynamoLocal) void options.dynamoLocal.then((d) => d.stop(), () => undefined);
  const started = await Promise.allSettled([
    stateDir || !options.dynamoLocal
      ? phases.time('start DynamoDB Local', () => startDynamoLocal({ dbPath: stateDir && join(stateDir, 'dynamodb') }))
      : phases.time('wait for DynamoDB Local (started early)', () => options.dynamoLocal!),
    phases.time('start s3rver', () => startS3rver({ directory: join(dataDir, 's3'), credentials })),
  ]);
  const [dynamo, s3] = started.map((r) => (r.status === 'fulfilled' ? r.value : undefined)) as [
    RunningDynamoLocal | undefined,
    RunningS3rver | undefined,
  ];
  const stopAll = async () => {
    await Promise.all([dynamo?.stop(), s3?.stop()]);
    if (!stateDir) await rm(dataDir, { recursive: true, force: true });
  };
  const failed = started.find((r) => r.status === 'rejected');
  if (!dynamo || !s3) {
    await stopAll();
    throw failed?.reason;
  }

  const env: LocalStackEnv = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    S3_FORCE_PATH_STYLE: 'true',
    AWS_REGION: LOCAL_REGION,
    // DynamoDB Local takes any key.
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
    TABLE_NAME: tableName,
    REPORTS_BUCKET: bucket,
  };
  const clients = createAwsClients(env);
  unsignedPayloads(clients);
  unlogged(clients);

  const listeners = new Set<ObjectCreatedListener>();
  const onS3rverEvent = (event: unknown) => {
    for (const raw of (event as S3rverEvent).Records) {
      if (!raw.eventName.startsWith('ObjectCreated:')) continue;
      const record = toAwsRecord(raw);
      for (const listener of listeners) setImmediate(listener, record);
    }
  };
  s3.server.on('event', onS3rverEvent);

  const putFile = async (key: string, path: string, contentType: string) => {
    const { size, md5 } = await s3.storeFile(bucket, key, path, contentType);
    onS3rverEvent(putEvent(bucket, key, size, md5));
  };

  const stop = async () => {
    s3.server.off('event', onS3rverEvent);
    listeners.clear();
    clients.s3.destroy();
    clients.dynamo.destroy();
    clients.sqs.destroy();
    await stopAll();
  };

  try {
    await phases.time('create the table and the bucket', () =>
      Promise.all([ensureTable(clients.dynamo, tableName), ensureBucket(clients, bucket)]),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    env,
    clients,
    tableName,
    bucket,
    onObjectCreated(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    putFile,
    nextSequencer,
    stop: () => (stopping ??= stop()),
  };
}

/**
 * The SDK hashes every body it sends (SigV4's payload hash): for `rebates run`, the reports' tens of
 * MB, on the CPU that ingests them. The local S3 checks the signature but never the body against a
 * declared hash (s3-sigv4.ts), and S3 itself takes UNSIGNED-PAYLOAD over HTTPS, the signature still
 * covering the request; so bodies are declared unsigned here, as a streamed body already is.
 */
function unsignedPayloads(clients: AwsClients): void {
  clients.s3.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as { headers?: Record<string, string>; body?: unknown };
      const body = request.body;
      if (request.headers && (typeof body === 'string' || body instanceof Uint8Array) && body.length > 0)
        request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
      return next(args);
    },
    { step: 'build', name: 'localUnsignedPayload' },
  );
}

/**
 * The SDK's logger middleware builds a copy of every request's input and response's output with
 * sensitive members masked before handing it to the logger, even to the no-op logger these clients
 * have: for `rebates run`, every reference item and every stored record walked once more, for
 * nothing. The local stack logs no SDK call, so the middleware goes.
 */
function unlogged(clients: AwsClients): void {
  // The document client shares the DynamoDB client's stack.
  for (const client of [clients.s3, clients.dynamo, clients.sqs]) client.middlewareStack.remove('loggerMiddleware');
}

/** The origins a browser may call the local S3 from: pages of this machine, any port. */
export const LOCAL_ORIGINS = ['http://127.0.0.1:*', 'http://localhost:*'];

async function ensureBucket(clients: AwsClients, bucket: string): Promise<void> {
  try {
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    if (!(err instanceof BucketAlreadyOwnedByYou || err instanceof BucketAlreadyExists)) throw err;
  }
  // The dashboard PUTs a distributor's file straight to a presigned URL from another origin (the
  // local API's port, which is not known here): pages served from this machine only. AWS gets the
  // dashboard's own origin.
  await clients.s3.send(
    new PutBucketCorsCommand({
      Bucket: bucket,
      CORSConfiguration: {
        CORSRules: [
          {
            AllowedOrigins: LOCAL_ORIGINS,
            AllowedMethods: ['PUT', 'GET'],
            AllowedHeaders: ['*'],
            ExposeHeaders: ['ETag'],
          },
        ],
      },
    }),
  );
}

/** What s3rver emits: AWS's shape, but with the raw key, a millisecond "sequencer" and us-east-1. */
interface S3rverEvent {
  Records: (Omit<S3EventRecord, 's3'> & {
    s3: Omit<S3EventRecord['s3'], 'object'> & { object: { key: string; size?: number; eTag?: string } };
  })[];
}

/** The event s3rver emits for a PUT of `key` by this process (its shape; the IDs are made up, as s3rver's are). */
function putEvent(bucket: string, key: string, size: number, md5: string): S3rverEvent {
  const id = () => randomUUID().replace(/-/g, '').toUpperCase();
  return {
    Records: [
      {
        eventVersion: '2.0',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: 'ObjectCreated:Put',
        userIdentity: { principalId: `AWS:${id().slice(0, 21)}` },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': id().slice(0, 16), 'x-amz-id-2': id() },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'testConfigId',
          bucket: { name: bucket, ownerIdentity: { principalId: id().slice(0, 14) }, arn: `arn:aws:s3:::${bucket}` },
          object: { key, size, eTag: md5 },
        },
      },
    ],
  } satisfies S3rverEvent;
}

function toAwsRecord(raw: S3rverEvent['Records'][number]): LocalS3EventRecord {
  const { name } = raw.s3.bucket;
  const { key, size = 0, eTag = '' } = raw.s3.object;
  const { userIdentity: _madeUp, ...rest } = raw;
  return {
    ...rest,
    awsRegion: LOCAL_REGION,
    s3: {
      ...raw.s3,
      bucket: { ...raw.s3.bucket, arn: `arn:aws:s3:::${name}` },
      object: { key: encodeS3EventKey(key), size, eTag, sequencer: nextSequencer() },
    },
  };
}

/**
 * Encodes a key as S3 notifications do (Java's URLEncoder: space as '+', only A-Z a-z 0-9 - _ . *
 * left as they are), keeping '/'. Consumers decode with decodeURIComponent(key.replace(/\+/g, ' ')).
 */
export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/g, '/');
}

// Seeded from the clock so a restarted stack (same stateDir) keeps counting upwards.
let lastSequencer = 0n;
function nextSequencer(): string {
  const fromClock = BigInt(Date.now()) * 1000n;
  lastSequencer = lastSequencer >= fromClock ? lastSequencer + 1n : fromClock;
  return lastSequencer.toString(16).toUpperCase().padStart(16, '0');
}
