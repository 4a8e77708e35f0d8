/**
 * Ingest instances of the local runtime in worker threads. In AWS each report is read by its own
 * Lambda instance; in one Node process every handler would share one thread, so reading reports
 * would wait on uploads, the embedded S3 and the reference import. A worker per concurrent ingest
 * gives the reports the machine's other cores, as Lambda would give them their own.
 *
 * Only the handler moves: the queue (retries, dead letters, the hold of computations) stays in the
 * runtime, which sees a worker's call as a handler call that resolves or throws.
 */
import { Worker } from 'node:worker_threads';
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { ComputeRequest } from '../shared/ports/index.js';
import type { WriteCounts } from './count-writes.js';

export interface IngestWorkerData {
  env: Record<string, string>;
  table: string;
  bucket: string;
  maxInflatedBytes?: number;
  maxLines?: number;
  /** Count the thread's requests to the stack and send them with each result (the benchmark). */
  countWrites?: boolean;
}

export type ToIngestWorker =
  | { type: 'configure'; data: IngestWorkerData }
  | { type: 'invoke'; id: number; event: SQSEvent }
  | { type: 'local-file'; key: string; path: string }
  | { type: 'stop' };

export type FromIngestWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; response: SQSBatchResponse | undefined; writes?: WriteCounts }
  | { type: 'error'; id: number; error: { name: string; message: string; stack?: string | undefined }; writes?: WriteCounts }
  | { type: 'publish'; requests: ComputeRequest[] }
  | { type: 'progress'; progress: { key: string; bytesRead: number; records: number } };

export interface IngestThreadHooks {
  publish(requests: ComputeRequest[]): Promise<void>;
  progress(p: { key: string; bytesRead: number; records: number }): void;
  /** What a call asked of the stack, when the threads count it (IngestWorkerData.countWrites). */
  writes?(counts: WriteCounts): void;
}

/**
 * A thread's first code: tsx's loader, registered in the thread as bin/rebates.mjs does (hooks
 * registered on the main thread do not reach threads), then the TypeScript entry.
 */
function bootstrap(entry: URL): string {
  const api = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  return `import(${api}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`;
}

interface Slot {
  worker: Worker;
  ready: Promise<void>;
  busy: boolean;
}

export class IngestThreads {
  private readonly slots: Slot[] = [];
  private readonly calls = new Map<number, { resolve: (r: SQSBatchResponse | void) => void; reject: (e: Error) => void }>();
  private readonly waiters: (() => void)[] = [];
  private nextId = 1;
  private failure: Error | null = null;

  /** Starts loading the handler's code at once; `configure` gives the stack's address once known. */
  constructor(size: number, private readonly hooks: IngestThreadHooks) {
    const entry = new URL('./ingest-worker.ts', import.meta.url);
    for (let i = 0; i < size; i++) {
      // No execArgv: threads refuse V8 flags such as the command's --max-semi-space-size.
      const worker = new Worker(bootstrap(entry), { eval: true, execArgv: [] });
      const ready = new Promise<void>((resolve, reject) => {
        worker.once('error', reject);
        worker.on('message', (m: FromIngestWorker) => {
          if (m.type === 'ready') resolve();
          else this.onMessage(m);
        });
      });
      // A worker that dies fails its calls; the queue retries them on another or parks them.
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`an ingest worker stopped with code ${code}`));
      });
      ready.catch(() => undefined);
      this.slots.push({ worker, ready, busy: false });
    }
  }

  private fail(err: Error) {
    this.failure = err;
    for (const c of this.calls.values()) c.reject(err);
    this.calls.clear();
  }

  private onMessage(m: FromIngestWorker) {
    if (m.type === 'publish') {
      // Posted before the call's result on the same port: the request is sent before the call ends.
      const call = this.hooks.publish(m.requests);
      call.catch((err) => this.fail(err instanceof Error ? err : new Error(String(err))));
      return;
    }
    if (m.type === 'progress') return this.hooks.progress(m.progress);
    if (m.type === 'ready') return;
    if (m.writes) this.hooks.writes?.(m.writes);
    const call = this.calls.get(m.id);
    if (!call) return;
    this.calls.delete(m.id);
    if (m.type === 'result') call.resolve(m.response);
    else {
      const err = new Error(m.error.message);
      err.name = m.error.name;
      if (m.error.stack) err.stack = m.error.stack;
      call.reject(err);
    }
  }

  configure(data: IngestWorkerData) {
    for (const s of this.slots) s.worker.postMessage({ type: 'configure', data } satisfies ToIngestWorker);
  }

  /** Resolves once every thread has loaded the handler (the first report need not wait for it). */
  async ready(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.ready));
  }

  /** From now on, the threads read `key` from the local file at `path` (LocalReportFiles). */
  serveFromFile(key: string, path: string) {
    for (const s of this.slots) s.worker.postMessage({ type: 'local-file', key, path } satisfies ToIngestWorker);
  }

  /** The ingest handler, run on a free thread. */
  async invoke(event: SQSEvent): Promise<SQSBatchResponse | void> {
    if (this.failure) throw this.failure;
    let slot = this.slots.find((s) => !s.busy);
    while (!slot) {
      await new Promise<void>((resolve) => this.waiters.push(resolve));
      slot = this.slots.find((s) => !s.busy);
    }
    slot.busy = true;
    try {
      await slot.ready;
      const id = this.nextId++;
      return await new Promise<SQSBatchResponse | void>((resolve, reject) => {
        this.calls.set(id, { resolve, reject });
        slot.worker.postMessage({ type: 'invoke', id, event } satisfies ToIngestWorker);
      });
    } finally {
      slot.busy = false;
      this.waiters.shift()?.();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.slots.map(async (s) => {
        s.worker.postMessage({ type: 'stop' } satisfies ToIngestWorker);
        const exited = new Promise<void>((resolve) => s.worker.once('exit', () => resolve()));
        const timer = setTimeout(() => void s.worker.terminate(), 2_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}
