/**
 * `rebates run` reads its reports while the emulators start (issue #12: "start the emulators while
 * the reports are read, not before"). What ingest makes of a report depends on its bytes, the rules
 * and the distributor's name as written, and `run` knows all three from its data folder before
 * DynamoDB Local answers; so each report is read and extracted as soon as the folder is, one after
 * another in upload order, and ingest, when the upload's event comes, takes the result instead of
 * reading the file (`EarlyReads`) if it was made with the inputs ingest finds. Ingest still stores
 * the rejects file and the extract, decides the claim and commits as for any upload.
 */
import { createReadStream, type ReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { ReportFileError } from '../shared/errors.js';
import {
  parseIncomingKey,
  readAndExtract,
  sameReadInputs,
  type EarlyReads,
  type ReadInputs,
  type ReadReport,
} from '../shared/pipeline/ingest.js';

type Progress = (p: { key: string; bytesRead: number; records: number }) => void;

interface Entry {
  path: string;
  inputs: ReadInputs;
  /** The file's size and modification time as its read began: a file changed since is read again. */
  stamp?: Stamp | null;
  /** null: the read failed for a reason not the file's, or was stopped. */
  read: Promise<ReadReport | null>;
}

interface Stamp {
  size: number;
  mtimeMs: number;
}

const stampOf = (path: string): Promise<Stamp | null> =>
  stat(path).then(
    (s) => ({ size: s.size, mtimeMs: s.mtimeMs }),
    () => null,
  );

export class EarlyReports implements EarlyReads {
  private readonly entries = new Map<string, Entry>();
  private stopped = false;
  private current: ReadStream | undefined;
  private last: Promise<unknown> = Promise.resolve();
  private progress: Progress | undefined;
  /** Each key's latest progress, given again to a sink set later. */
  private readonly seen = new Map<string, { bytesRead: number; records: number }>();

  constructor(private readonly time: <T>(name: string, fn: () => Promise<T>) => Promise<T> = (_n, fn) => fn()) {}

  /**
   * Reads `files` one after another (the order their uploads will come in). A read that fails for
   * a reason of the file (ReportFileError) is that file's outcome; any other failure leaves the
   * file to be read by ingest as usual.
   */
  start(files: readonly { key: string; path: string }[], inputsOf: (distributorId: string) => Omit<ReadInputs, 'distributorId'>): void {
    for (const { key, path } of files) {
      const parsed = parseIncomingKey(key);
      if (!parsed || this.entries.has(key)) continue;
      const inputs: ReadInputs = { ...inputsOf(parsed.distributorId), distributorId: parsed.distributorId };
      const entry: Entry = { path, inputs, read: Promise.resolve(null) };
      entry.read = this.last.then(() => (this.stopped ? null : this.readOne(key, entry)));
      // Awaited by ingest when it takes the entry; until then a rejection must not go unhandled.
      entry.read.catch(() => undefined);
      this.last = entry.read.catch(() => undefined);
      this.entries.set(key, entry);
    }
  }

  /** Where reading progress goes, once there is a progress line to show it: what was read so far first. */
  set onProgress(sink: Progress | undefined) {
    this.progress = sink;
    if (sink) for (const [key, p] of this.seen) sink({ key, ...p });
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  async take(key: string, inputs: ReadInputs): Promise<ReadReport | null> {
    const entry = this.entries.get(key);
    if (!entry) return null;
    this.entries.delete(key);
    const [outcome, now] = await Promise.all([
      entry.read.then(
        (read) => ({ read }),
        (error: unknown) => ({ error }),
      ),
      stampOf(entry.path),
    ]);
    // The file as read is the file uploaded only if it has not changed since (`run` copies it into
    // the local S3 after this read began); else ingest reads what was uploaded.
    const before = entry.stamp;
    const unchanged = !!before && !!now && before.size === now.size && before.mtimeMs === now.mtimeMs;
    if ('error' in outcome) {
      if (unchanged) throw outcome.error;
      return null;
    }
    const { read } = outcome;
    if (read && unchanged && sameReadInputs(entry.inputs, inputs)) return read;
    read?.rejects.dispose();
    return null;
  }

  /** Stops reading and lets go of what nobody took (a run that failed before its uploads). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.destroy();
    const left = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(left.map((e) => e.read.then((r) => r?.rejects.dispose(), () => undefined)));
  }

  private async readOne(key: string, entry: Entry): Promise<ReadReport | null> {
    entry.stamp = await stampOf(entry.path);
    if (!entry.stamp || this.stopped) return null;
    const body = createReadStream(entry.path, { highWaterMark: 256 * 1024 });
    this.current = body;
    try {
      return await this.time(`  read ${key} before its upload`, () =>
        readAndExtract(body, entry.inputs, (p) => {
          this.seen.set(key, p);
          this.progress?.({ key, ...p });
        }),
      );
    } catch (err) {
      if (err instanceof ReportFileError && !this.stopped) throw err;
      return null;
    } finally {
      this.current = undefined;
    }
  }
}
