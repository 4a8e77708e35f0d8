/**
 * The rejects files of `rebates run` carry the original fields of the lines the computation held:
 * a few thousand records of a million, found by reading every report once more (record-scan.ts).
 * That reading does not depend on which lines are held, so it is done on another thread while the
 * computation runs, keeping each report's record index there; after the computation only the held
 * records are split. The main thread, which runs the computation and then the export, is not slowed.
 *
 * The reports are read from their files, as LocalReportFiles serves them: the run's own stack holds
 * exactly those bytes under those keys. Anything else (another key, a given object version) and any
 * failure of the thread leave the caller to read the object from S3 as usual.
 */
import { Worker } from 'node:worker_threads';
import type { ScannedRecords } from '../shared/csv/record-scan.js';
import type { ReportRecord } from '../shared/ports/index.js';

export interface ScanRequest {
  id: number;
  path: string;
  /** Absent: only read the file into its index. */
  lines?: number[];
}

export type ScanReply =
  | { id: number; headers?: string[]; fields?: [number, string[]][]; error?: undefined }
  | { id: number; error: string };

export class ReportScans {
  private readonly files = new Map<string, string>();
  private worker: Worker | undefined;
  private broken = false;
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: ScanReply) => void; reject: (e: Error) => void }>();

  /** `key`'s object is the file at `path`. */
  add(key: string, path: string): void {
    this.files.set(key, path);
  }

  /** Starts reading these reports (all added ones by default) on the scan thread. */
  prepare(keys: Iterable<string> = this.files.keys()): void {
    for (const key of keys) {
      const path = this.files.get(key);
      if (path) this.request({ path }).catch(() => undefined);
    }
  }

  /**
   * The header and the fields of the given records of the report's version in force, or undefined
   * when they must be read from S3 (report-rejects.ts FieldsOfLines).
   */
  readonly fieldsOf = async (record: ReportRecord, lines: ReadonlySet<number>): Promise<ScannedRecords | undefined> => {
    const path = this.files.get(record.key);
    if (!path || record.objectVersionId) return undefined;
    const reply = await this.request({ path, lines: [...lines] }).catch(() => undefined);
    if (!reply || reply.error !== undefined) return undefined;
    return { headers: reply.headers ?? [], fields: new Map(reply.fields ?? []) };
  };

  /** Ends the thread and drops what it holds. */
  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    this.broken = true;
    await worker?.terminate();
    this.failAll(new Error('The scan thread was stopped.'));
  }

  private request(body: Omit<ScanRequest, 'id'>): Promise<ScanReply> {
    const worker = this.thread();
    if (!worker) return Promise.reject(new Error('No scan thread.'));
    const id = this.nextId++;
    // Referenced while an answer is awaited, so that the process waits for it.
    if (this.waiting.size === 0) worker.ref();
    return new Promise<ScanReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...body, id } satisfies ScanRequest);
    });
  }

  private thread(): Worker | undefined {
    if (this.worker || this.broken) return this.worker;
    try {
      const worker = new Worker(new URL('./report-scan-boot.mjs', import.meta.url));
      // An idle thread must not keep the process alive.
      worker.unref();
      worker.on('message', (reply: ScanReply) => {
        const waiter = this.waiting.get(reply.id);
        this.waiting.delete(reply.id);
        if (this.waiting.size === 0) worker.unref();
        waiter?.resolve(reply);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', () => this.fail(new Error('The scan thread ended.')));
      this.worker = worker;
    } catch {
      this.broken = true;
    }
    return this.worker;
  }

  private fail(err: Error): void {
    this.broken = true;
    this.worker = undefined;
    this.failAll(err);
  }

  private failAll(err: Error): void {
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
