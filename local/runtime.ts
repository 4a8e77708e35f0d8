/**
 * The pipeline on the embedded local stack: DynamoDB Local + s3rver, S3 notifications delivered
 * through in-process queues to the same handler modules that run in Lambda, with the real SDK
 * clients pointed at the emulators through AWS_ENDPOINT_URL_*.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { createIngestHandler } from '../functions/ingest/handler.js';
import { createComputeHandler } from '../functions/compute/handler.js';
import type { AwsClients } from '../shared/aws/clients.js';
import { rulesKey } from '../shared/pipeline/rules-audit.js';
import { NO_USER } from '../shared/domain/render/uploader.js';
import { parseRules, RulesBook, type Rules } from '../shared/domain/rules/load.js';
import { RulesValidationError, StateLockedError } from '../shared/errors.js';
import type { ComputeQueue } from '../shared/ports/index.js';
import { isReportKey } from '../shared/storage-contract.js';
import { wire, type AppDeps } from '../shared/wiring.js';
import { LocalQueue, type DeadLetter } from './local-queue.js';
import { startLocalStack, type LocalStack } from './local-stack.js';
import type { RunningDynamoLocal } from './emulators.js';
import { redrive, type RedriveSummary } from './redrive.js';
import { isAlive, PROJECT_ROOT } from './state-files.js';
import { pauseClientsAt, pausePointFrom } from './test-pause.js';
import { phases } from './timings.js';

export { isAlive, PROJECT_ROOT } from './state-files.js';
export const SAMPLE_RULES_DIR = join(PROJECT_ROOT, 'samples', 'rules');

export interface LocalRuntimeOptions {
  /** Persistent state folder; a temporary one (removed on stop) when absent. */
  stateDir?: string;
  /** Rules files to put in force; each replaces the sample file of its quarter. */
  rulesFiles?: string[];
  /** Those rules already being read (collectRules of `rulesFiles`), by a caller that needs them too. */
  rules?: Promise<Rules[]>;
  onIngestProgress?: (p: { key: string; bytesRead: number; records: number }) => void;
  onError?: (what: string, err: unknown) => void;
  maxInflatedBytes?: number;
  maxLines?: number;
  /**
   * Computations wait until no report is being uploaded through `upload` or ingested: a folder of reports is computed once, after
   * the last one, rather than once per report (`rebates run`, the benchmark).
   */
  computeAfterIngest?: boolean;
  /** A DynamoDB Local already starting, for a temporary stack (LocalStackOptions.dynamoLocal). */
  dynamoLocal?: Promise<RunningDynamoLocal>;
  /** Wraps the SDK clients the pipeline uses (tests inject faults the emulators cannot produce). */
  wrapClients?: (clients: AwsClients) => AwsClients;
  /**
   * At start, send unfinished reports and objects uploaded while down to ingest again, and ask
   * every quarter to compute (redrive.ts). Default: with a state folder (a temporary one starts
   * empty). Off for commands that only read, such as verify, which must see the state as left.
   */
  redrive?: boolean;
}

export interface LocalRuntime {
  stack: LocalStack;
  deps: AppDeps;
  rules: Rules[];
  /** What the start sent to ingest again (empty when it did not re-drive). */
  redriven: RedriveSummary;
  /** Uploads an object as a distributor would, and resolves once its notification is queued. */
  upload(key: string, body: Buffer | string | Readable, contentType?: string): Promise<void>;
  /**
   * The same for a local file, stored without an HTTP request (LocalStack.putFile): the object,
   * its ETag and its notification are those of `upload`.
   */
  uploadFile(key: string, path: string, contentType?: string): Promise<void>;
  /** Resolves once every upload and every computation it caused has been processed. */
  idle(): Promise<void>;
  /**
   * With `computeAfterIngest`, computations also wait until the returned release is called: a
   * caller writing reference data while reports are read gets one computation that sees both.
   */
  holdComputations(): () => void;
  deadLetters(): { queue: string; letter: DeadLetter }[];
  /** Each queue's finished and outstanding messages, for progress lines. */
  queueWork(): { queue: 'ingest' | 'compute'; completed: number; pending: number }[];
  stop(): Promise<void>;
}

async function readRulesFile(path: string): Promise<Rules> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new RulesValidationError(`Could not read the rules file ${path}: ${(cause as Error).message}`, [], {
      cause,
      key: 'rules-file-unreadable',
      params: { path, code: (cause as NodeJS.ErrnoException).code ?? null },
    });
  }
  return parseRules(json, `rules file ${path}`);
}

/** The user running the command, if the machine names one. */
export const machineUser = (): string | undefined => process.env.USER ?? process.env.USERNAME;
/** The user running the command, as the audit trail names a rules file put by it. */
export const localUser = (): string => machineUser() ?? NO_USER;

/** The sample rules of every quarter, with the given files replacing their quarters. Validated before anything starts. */
export async function collectRules(rulesFiles: string[] = []): Promise<Rules[]> {
  const byQuarter = new Map<string, Rules>();
  const samples = (await readdir(SAMPLE_RULES_DIR)).filter((f) => /^\d{4}-Q[1-4]\.json$/.test(f)).sort();
  for (const f of samples) {
    const r = await readRulesFile(join(SAMPLE_RULES_DIR, f));
    byQuarter.set(r.quarter, r);
  }
  for (const f of rulesFiles) {
    const r = await readRulesFile(resolve(f));
    byQuarter.set(r.quarter, r);
  }
  const rules = [...byQuarter.values()];
  new RulesBook(rules); // overlapping calendars fail here, before the stack starts
  return rules;
}

/**
 * One process at a time on a persistent state folder: two DynamoDB Locals on one database file, or
 * uploads landing in an s3rver whose events go to another process, would lose work silently.
 */
async function lockState(stateDir: string): Promise<() => Promise<void>> {
  await mkdir(stateDir, { recursive: true });
  const lock = join(stateDir, 'lock');
  for (let attempt = 0; ; attempt++) {
    try {
      await writeFile(lock, String(process.pid), { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw err;
      const pid = Number((await readFile(lock, 'utf8').catch(() => '')).trim());
      if (pid && pid !== process.pid && isAlive(pid))
        throw new StateLockedError(
          `The state folder ${stateDir} is in use by another rebates process (pid ${pid}), probably "rebates up". Stop it first, or use its HTTP API.`,
          { key: 'state-locked', params: { state: stateDir, pid } },
        );
      await rm(lock, { force: true }); // left behind by a process that is gone
    }
  }
}



/** The handler, each call recorded as a phase (`rebates run --timings`). */
function timed<E, C, R>(name: string, handler: (event: E, context: C) => Promise<R>) {
  return (event: E, context: C) => phases.time(name, () => handler(event, context));
}

/** Lower-cases a report name's extension, so that S3's case-sensitive suffix filter sees it. */
export const reportUploadName = (name: string) => name.replace(/\.csv(\.gz)?$/i, (ext) => ext.toLowerCase());

export async function startLocalRuntime(options: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  let rules: Rules[];
  let release: () => Promise<void>;
  try {
    rules = await (options.rules ?? collectRules(options.rulesFiles));
    release = options.stateDir ? await lockState(resolve(options.stateDir)) : async () => undefined;
  } catch (err) {
    // A DynamoDB Local started early for this runtime is stopped with it.
    await options.dynamoLocal?.then((d) => d.stop(), () => undefined);
    throw err;
  }
  // REBATES_TEST_PAUSE_AT: only the crash-and-restart suite sets it (test-pause.ts).
  const pausePoint = pausePointFrom(process.env);
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      ...(options.stateDir ? { stateDir: options.stateDir } : {}),
      ...(options.dynamoLocal ? { dynamoLocal: options.dynamoLocal } : {}),
    });
  } catch (err) {
    await release();
    throw err;
  }
  try {
    Object.assign(process.env, stack.env);
    const onError = options.onError ?? (() => undefined);

    let computeQueue: LocalQueue | null = null;
    let ingestQueue: LocalQueue | null = null;
    let uploading = 0;
    let holds = 0;
    const compute: ComputeQueue = {
      async publish(requests) {
        // One group per quarter, as the FIFO queue in AWS: one computation of a quarter at a time.
        for (const r of requests) computeQueue!.send(JSON.stringify({ quarter: r.quarter, cause: r.cause }), r.quarter);
      },
      async evaluate(approvalId) {
        // A group of its own: the queue merges the requests of one group, which would drop it.
        computeQueue!.send(JSON.stringify({ evaluate: approvalId }), `evaluate-${approvalId}`);
      },
    };
    const clients = pauseClientsAt(
      pausePoint,
      options.wrapClients ? options.wrapClients(stack.clients) : stack.clients,
    );
    const deps = wire(clients, { table: stack.tableName, bucket: stack.bucket }, compute);
    if (options.onIngestProgress) deps.onProgress = options.onIngestProgress;
    if (options.maxInflatedBytes) deps.maxInflatedBytes = options.maxInflatedBytes;
    if (options.maxLines) deps.maxLines = options.maxLines;
    deps.timeStep = (name) => phases.start(`    ${name}`);

    computeQueue = new LocalQueue(
      'compute',
      timed('  compute (handler)', createComputeHandler(() => deps)),
      {
        fifo: true,
        coalesceGroups: true,
        concurrency: 2,
        ...(options.computeAfterIngest ? { holdWhile: () => uploading > 0 || holds > 0 || ingestQueue!.pending > 0 } : {}),
        onError: (err) => onError('compute', err),
      },
    );
    const ingest = timed('  ingest one report (handler)', createIngestHandler(() => deps));
    ingestQueue = new LocalQueue(
      'ingest',
      options.computeAfterIngest
        ? async (event, context) => {
            try {
              return await ingest(event, context);
            } finally {
              // After the queue has counted this message done (its bookkeeping follows the handler).
              setImmediate(() => computeQueue!.resume());
            }
          }
        : ingest,
      {
        concurrency: 2,
        onError: (err) => onError('ingest', err),
      },
    );

    await phases.time('store the rules', async () => {
      for (const r of rules) {
        const key = rulesKey(r.quarter);
        const text = JSON.stringify(r.file, null, 2);
        // A file that replaces another is put by whoever runs the command: the audit entry of the
        // change names them. A first file changes nothing computed, so nothing is recorded for it.
        const stored = await deps.objects.getBytes(key);
        if (stored && stored.toString('utf8') !== text)
          await deps.uploads.record({ key, by: localUser(), at: deps.clock.now().toISOString() });
        await deps.objects.put(key, text, 'application/json');
      }
    });

    const notified = new Map<string, () => void>();
    const unsubscribe = stack.onObjectCreated((record) => {
      // In AWS only the reports bucket notifies ingest; s3rver tells of every bucket.
      if (record.s3.bucket.name !== stack.bucket) return;
      const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
      // S3 filters by prefix and suffix in AWS; s3rver does not, so the same filter is applied here.
      if (isReportKey(key)) ingestQueue!.send(JSON.stringify({ Records: [record] }));
      notified.get(key)?.();
    });

    const redriven: RedriveSummary =
      (options.redrive ?? Boolean(options.stateDir))
        ? await redrive({
            s3: clients.s3,
            bucket: stack.bucket,
            reports: deps.reports,
            compute: deps.compute,
            quarters: rules.map((r) => r.quarter),
            isReportKey,
            nextSequencer: () => stack.nextSequencer(),
            sendToIngest: (record) => ingestQueue.send(JSON.stringify({ Records: [record] })),
            points: deps,
          })
        : { uploadedWhileDown: [], unfinished: [] };

    /** Stores an object by `put` and resolves once its notification is queued. */
    const uploadBy = async (key: string, put: () => Promise<void>) => {
      const seen = new Promise<void>((resolve) => notified.set(key, resolve));
      // A report uploaded while the previous one's ingest already ended still holds the computation.
      uploading++;
      try {
        await put();
        await seen;
      } finally {
        uploading--;
        notified.delete(key);
        setImmediate(() => computeQueue!.resume());
      }
    };

    return {
      stack,
      deps,
      rules,
      redriven,
      upload: (key, body, contentType = 'text/csv') => uploadBy(key, () => deps.objects.put(key, body, contentType)),
      uploadFile: (key, path, contentType = 'text/csv') => uploadBy(key, () => stack.putFile(key, path, contentType)),
      async idle() {
        // Ingest feeds compute, so wait until both are quiet at the same time.
        while (ingestQueue!.pending + computeQueue!.pending > 0) {
          await ingestQueue!.idle();
          await computeQueue!.idle();
        }
      },
      holdComputations() {
        holds++;
        let released = false;
        return () => {
          if (released) return;
          released = true;
          holds--;
          setImmediate(() => computeQueue!.resume());
        };
      },
      queueWork: () => [
        { queue: 'ingest', completed: ingestQueue.completed, pending: ingestQueue.pending },
        { queue: 'compute', completed: computeQueue!.completed, pending: computeQueue!.pending },
      ],
      deadLetters: () => [
        ...ingestQueue!.deadLetters.map((letter) => ({ queue: 'ingest', letter })),
        ...computeQueue!.deadLetters.map((letter) => ({ queue: 'compute', letter })),
      ],
      async stop() {
        unsubscribe();
        ingestQueue.close();
        computeQueue!.close();
        await stack.stop();
        await release();
      },
    };
  } catch (err) {
    await stack.stop();
    await release();
    throw err;
  }
}
