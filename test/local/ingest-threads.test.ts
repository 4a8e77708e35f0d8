/**
 * The pool of ingest threads on its own (local/ingest-threads.ts): a thread that dies fails only
 * its own call and is replaced, and stopping never waits on a thread that is already gone. The
 * events here are S3 test events, which the handler answers without reaching the stack.
 */
import type { SQSEvent } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestThreads } from '../../local/ingest-threads.js';

const testEvent = (id: string): SQSEvent =>
  ({
    Records: [{ messageId: id, receiptHandle: id, body: JSON.stringify({ Event: 's3:TestEvent' }), attributes: {}, messageAttributes: {}, md5OfBody: '', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:local:000000000000:ingest', awsRegion: 'us-east-1' }],
  }) as SQSEvent;

// Clients are made but never used: nothing here reaches an endpoint.
const config = {
  env: { AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y', AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9', AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9' },
  table: 't',
  bucket: 'b',
};

let pool: IngestThreads | null = null;
afterEach(async () => {
  await pool?.stop();
  pool = null;
});

type Slots = { slots: { worker: { terminate(): Promise<number> } }[] };

describe('ingest threads', () => {
  it('answers a call on a thread, and replaces a thread that died so later calls still run', async () => {
    pool = new IngestThreads(1, { publish: async () => undefined, progress: () => undefined });
    pool.configure(config);
    expect(await pool.invoke(testEvent('a'))).toEqual({ batchItemFailures: [] });

    await (pool as unknown as Slots).slots[0]!.worker.terminate();
    expect(await pool.invoke(testEvent('b'))).toEqual({ batchItemFailures: [] });
  }, 60_000);

  it('stops when a thread exited before, and when one exits while it stops', async () => {
    pool = new IngestThreads(2, { publish: async () => undefined, progress: () => undefined });
    pool.configure(config);
    await pool.invoke(testEvent('c'));
    await (pool as unknown as Slots).slots[0]!.worker.terminate();
    await pool.invoke(testEvent('d'));
    // While stopping, a thread that dies is not replaced, and stop does not wait for it forever.
    const stopping = pool.stop();
    await (pool as unknown as Slots).slots[1]!.worker.terminate();
    await expect(stopping).resolves.toBeUndefined();
    pool = null;
  }, 60_000);
});
