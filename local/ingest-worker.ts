/**
 * One ingest "Lambda instance" of the local runtime, in a worker thread (ingest-threads.ts): the
 * same handler module as in AWS, with its own SDK clients pointed at the stack, so two reports are
 * read on two cores as two Lambda instances would read them. What the handler asks of the rest of
 * the pipeline (computation requests, reading progress) goes back to the runtime as messages.
 */
import { parentPort } from 'node:worker_threads';
import { randomUUID } from 'node:crypto';
import type { Context, SQSEvent } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/handler.js';
import { createAwsClients } from '../shared/aws/clients.js';
import { wire } from '../shared/wiring.js';
import { LocalReportFiles } from './local-reports.js';
import { WriteCounter } from './count-writes.js';
import type { ToIngestWorker, FromIngestWorker, IngestWorkerData } from './ingest-threads.js';

const port = parentPort!;
const post = (m: FromIngestWorker) => port.postMessage(m);
const localFiles = new LocalReportFiles();
const acks = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
let nextAck = 1;

/** The stack is known only once it runs; the thread loads its code meanwhile. */
function configure(data: IngestWorkerData) {
  const counter = data.countWrites ? new WriteCounter() : null;
  const made = createAwsClients(data.env);
  const clients = counter ? counter.wrap(made) : made;
  const deps = wire(clients, { table: data.table, bucket: data.bucket }, {
    // Answered by the runtime once sent: a request that fails fails the call, as on the runtime's thread.
    publish: (requests) =>
      new Promise<void>((resolve, reject) => {
        const ack = nextAck++;
        acks.set(ack, { resolve, reject });
        post({ type: 'publish', ack, requests: [...requests] });
      }),
    evaluate: async () => {
      throw new Error('ingest does not ask for evaluations');
    },
  });
  if (data.maxInflatedBytes) deps.maxInflatedBytes = data.maxInflatedBytes;
  if (data.maxLines) deps.maxLines = data.maxLines;
  deps.onProgress = (p) => post({ type: 'progress', progress: p });
  deps.objects = localFiles.over(deps.objects);
  return { clients: made, counter, handler: createIngestHandler(() => deps) };
}
let configured: ReturnType<typeof configure> | null = null;

const context = (): Context =>
  ({
    functionName: 'ingest',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:ingest',
    memoryLimitInMB: '1024',
    awsRequestId: randomUUID(),
    logGroupName: '/aws/lambda/ingest',
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 900_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

const writes = () => (configured?.counter ? { writes: configured.counter.take() } : {});

port.on('message', (m: ToIngestWorker) => {
  if (m.type === 'configure') return void (configured = configure(m.data));
  if (m.type === 'local-file') return localFiles.add(m.key, m.path);
  if (m.type === 'published') {
    const waiting = acks.get(m.ack);
    acks.delete(m.ack);
    if (m.error === undefined) waiting?.resolve();
    else waiting?.reject(new Error(m.error));
    return;
  }
  if (m.type === 'stop') {
    configured?.clients.s3.destroy();
    configured?.clients.dynamo.destroy();
    configured?.clients.sqs.destroy();
    port.close();
    return;
  }
  if (!configured) {
    post({ type: 'error', id: m.id, error: { name: 'Error', message: 'the ingest thread was called before the stack was known' } });
    return;
  }
  configured.handler(m.event as SQSEvent, context()).then(
    (response) => post({ type: 'result', id: m.id, response: response ?? undefined, ...writes() }),
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      post({ type: 'error', id: m.id, error: { name: e.name, message: e.message, stack: e.stack }, ...writes() });
    },
  );
});
post({ type: 'ready' });
