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
  | { type: 'published'; ack: number; error?: string }
  | { type: 'stop' };

export type FromIngestWorker =
  | { type: 'ready' }
  | { type: 'result'; id: number; response: SQSBatchResponse | undefined; writes?: WriteCounts }
  | { type: 'error'; id: number; error: { name: string; message: string; stack?: string | undefined }; writes?: WriteCounts }
  | { type: 'publish'; ack: number; requests: ComputeRequest[] }
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
  /** Settles when the thread has exited, however it ended. */
  exited: Promise<void>;
  /** The call the thread is running, if any: a thread runs one at a time, as a Lambda instance. */
  call: { id: number; resolve: (r: SQSBatchResponse | void) => void; reject: (e: Error) => void } | null;
  busy: boolean;
}

export class IngestThreads {
  private slots: Slot[] = [];
  private readonly waiters: (() => void)[] = [];
  private readonly entry = new URL('./ingest-worker.ts', import.meta.url);
  private nextId = 1;
  private config: IngestWorkerData | null = null;
  private readonly localFiles = new Map<string, string>();
  private stopping = false;

  /** Starts loading the handler's code at once; `configure` gives the stack's address once known. */
  constructor(size: number, private readonly hooks: IngestThreadHooks) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  /** A thread, told what the pool knows so far (a replacement learns the stack and the files too). */
  private spawn(): Slot {
    // No execArgv: threads refuse V8 flags such as the command's --max-semi-space-size.
    const worker = new Worker(bootstrap(this.entry), { eval: true, execArgv: [] });
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const slot: Slot = { worker, ready: Promise.resolve(), exited, call: null, busy: false };
    slot.ready = new Promise<void>((resolve, reject) => {
      worker.once('error', reject);
      worker.on('message', (m: FromIngestWorker) => {
        if (m.type === 'ready') resolve();
        else this.onMessage(slot, m);
      });
      worker.once('exit', () => reject(new Error('an ingest thread stopped before it was ready')));
    });
    slot.ready.catch(() => undefined);
    // A thread that dies fails its own call only (the queue retries it), and another takes its place.
    worker.on('error', (err) => this.lost(slot, err));
    worker.once('exit', (code) => this.lost(slot, new Error(`an ingest thread stopped with code ${code}`)));
    if (this.config) worker.postMessage({ type: 'configure', data: this.config } satisfies ToIngestWorker);
    for (const [key, path] of this.localFiles)
      worker.postMessage({ type: 'local-file', key, path } satisfies ToIngestWorker);
    return slot;
  }

  private lost(slot: Slot, err: Error) {
    const call = slot.call;
    slot.call = null;
    call?.reject(err);
    if (this.stopping || !this.slots.includes(slot)) return;
    this.slots = this.slots.map((s) => (s === slot ? this.spawn() : s));
    void slot.worker.terminate();
  }

  private onMessage(slot: Slot, m: FromIngestWorker) {
    if (m.type === 'publish') {
      // The thread's publish resolves only on this answer: a request that failed fails its call.
      this.hooks.publish(m.requests).then(
        () => slot.worker.postMessage({ type: 'published', ack: m.ack } satisfies ToIngestWorker),
        (err: unknown) =>
          slot.worker.postMessage({ type: 'published', ack: m.ack, error: err instanceof Error ? err.message : String(err) } satisfies ToIngestWorker),
      );
      return;
    }
    if (m.type === 'progress') return this.hooks.progress(m.progress);
    if (m.type === 'ready') return;
    if (m.writes) this.hooks.writes?.(m.writes);
    const call = slot.call;
    if (!call || call.id !== m.id) return;
    slot.call = null;
    if (m.type === 'result') call.resolve(m.response);
    else {
      const err = new Error(m.error.message);
      err.name = m.error.name;
      if (m.error.stack) err.stack = m.error.stack;
      call.reject(err);
    }
  }

  configure(data: IngestWorkerData) {
    this.config = data;
    for (const s of this.slots) s.worker.postMessage({ type: 'configure', data } satisfies ToIngestWorker);
  }

  /** From now on, the threads read `key` from the local file at `path` (LocalReportFiles). */
  serveFromFile(key: string, path: string) {
    this.localFiles.set(key, path);
    for (const s of this.slots) s.worker.postMessage({ type: 'local-file', key, path } satisfies ToIngestWorker);
  }

  /** The ingest handler, run on a free thread. */
  async invoke(event: SQSEvent): Promise<SQSBatchResponse | void> {
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
        slot.call = { id, resolve, reject };
        slot.worker.postMessage({ type: 'invoke', id, event } satisfies ToIngestWorker);
      });
    } finally {
      slot.busy = false;
      this.waiters.shift()?.();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.slots.map(async (s) => {
        s.worker.postMessage({ type: 'stop' } satisfies ToIngestWorker);
        const timer = setTimeout(() => void s.worker.terminate(), 2_000);
        await s.exited;
        clearTimeout(timer);
      }),
    );
  }
}
