/**
 * The ingest process on its own, for an honest memory figure: a child Node process that runs the
 * ingest Lambda handler (functions/ingest/handler.ts) on one S3 notification, against the
 * emulators' endpoints, the way Lambda would run it. Nothing else lives in it: s3rver and DynamoDB
 * Local stay in the parent and in Java, and computation requests are only counted.
 *
 * bench/run.ts bundles this file with esbuild (as the deployed function is bundled) and forks it;
 * the job comes and the result goes over the IPC channel.
 */
import '../local/env-defaults.js';
import { readFileSync } from 'node:fs';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import type { Context } from 'aws-lambda';
import { createIngestHandler } from '../functions/ingest/handler.js';
import { createAwsClients } from '../shared/aws/clients.js';
import { wire } from '../shared/wiring.js';
import { WriteCounter, type WriteCounts } from './count-writes.js';
import { cpuMs } from './loop-args.js';

export interface IngestJob {
  env: Record<string, string>;
  table: string;
  bucket: string;
  key: string;
  etag: string;
  sequencer: string;
  /** More jobs follow in this process (a warm child, bench/ingest-loop.ts --child-warmups): stay connected. */
  more?: boolean;
}

export interface IngestChildResult {
  ok: boolean;
  error?: string;
  ms: number;
  /** The child's own CPU time (user + system) over the same span: moves less with other work on the machine. */
  cpuMs: number;
  /** RSS once the modules are loaded and the clients made, before the report is read. */
  rssBeforeMB: number;
  /** The process's peak RSS over its whole life (VmHWM on Linux, see peakRssMB). */
  peakRssMB: number;
  /** Highest V8 heap in use seen by sampling every 20 ms (garbage not yet collected included). */
  peakHeapUsedMB: number;
  /** Highest heap in use just after a full garbage collection: about what the work really keeps. */
  peakLiveHeapMB: number;
  /** Where the memory was when the sampled RSS was highest (MB): what the peak is made of. */
  atPeakRss?: { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number };
  writes: WriteCounts;
  computeRequests: number;
}

const MB = 1024 * 1024;

async function run(job: IngestJob): Promise<IngestChildResult> {
  const counter = new WriteCounter();
  const clients = counter.wrap(createAwsClients(job.env));
  let computeRequests = 0;
  const deps = wire(
    clients,
    { table: job.table, bucket: job.bucket },
    {
      publish: async (requests) => void (computeRequests += requests.length),
    },
  );
  const handler = createIngestHandler(() => deps);
  const rssBefore = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  let atPeakRss = process.memoryUsage();
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakHeap = Math.max(peakHeap, m.heapUsed);
    if (m.rss > atPeakRss.rss) atPeakRss = m;
  }, 20);
  let peakLive = 0;
  const gcs = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if ((e as { detail?: { kind?: number } }).detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
        peakLive = Math.max(peakLive, process.memoryUsage().heapUsed);
  });
  gcs.observe({ entryTypes: ['gc'] });
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  try {
    const body = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          s3: {
            bucket: { name: job.bucket },
            object: { key: job.key, eTag: job.etag, sequencer: job.sequencer },
          },
        },
      ],
    });
    const res = await handler(
      {
        Records: [
          {
            messageId: 'bench-1',
            receiptHandle: 'bench-1',
            body,
            attributes: {
              ApproximateReceiveCount: '1',
              SentTimestamp: String(Date.now()),
              SenderId: 'bench',
              ApproximateFirstReceiveTimestamp: String(Date.now()),
            },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: 'arn:aws:sqs:local:000000000000:ingest',
            awsRegion: 'local',
          },
        ],
      },
      { functionName: 'ingest', awsRequestId: 'bench-1', getRemainingTimeInMillis: () => 900_000 } as Context,
    );
    const failed = res.batchItemFailures.length > 0;
    return result(!failed, failed ? 'the handler reported the message as failed' : undefined);
  } catch (err) {
    return result(false, (err as Error).stack ?? String(err));
  } finally {
    clearInterval(sampler);
    gcs.disconnect();
    clients.s3.destroy();
    clients.dynamo.destroy();
  }

  function result(ok: boolean, error?: string): IngestChildResult {
    return {
      ok,
      ...(error ? { error } : {}),
      ms: performance.now() - started,
      cpuMs: cpuMs(process.cpuUsage(cpuAtStart)),
      rssBeforeMB: rssBefore / MB,
      peakRssMB: peakRssMB(),
      peakHeapUsedMB: Math.max(peakHeap, process.memoryUsage().heapUsed) / MB,
      peakLiveHeapMB: peakLive / MB,
      atPeakRss: {
        rss: atPeakRss.rss / MB,
        heapTotal: atPeakRss.heapTotal / MB,
        heapUsed: atPeakRss.heapUsed / MB,
        external: atPeakRss.external / MB,
        arrayBuffers: atPeakRss.arrayBuffers / MB,
      },
      writes: counter.counts,
      computeRequests,
    };
  }
}


/**
 * This process's own peak RSS. Linux keeps getrusage's maxrss across exec, so for a forked child it
 * is at least the parent's RSS at the fork (a bench process of 300 MB and more); the memory map's
 * high-water mark (VmHWM) starts anew at exec. Elsewhere maxrss is all there is.
 */
function peakRssMB(): number {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]) / 1024;
  } catch {
    // not Linux
  }
  // maxRSS is in kilobytes.
  return (process.resourceUsage().maxRSS * 1024) / MB;
}

process.on('message', (job: IngestJob) => {
  void run(job).then((r) => process.send!(r, () => (job.more ? undefined : process.disconnect())));
});
