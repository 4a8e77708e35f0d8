/**
 * The sha256 of a report's raw bytes, which names the file for the duplicate check. In the reading
 * thread by default; `offThreadSha256` moves it to a worker thread, where it costs the reader only
 * a copy of each chunk: on a machine with a second core the hash is then done while the reader
 * parses (issue #12). On a single core it only adds the copy, so ingest asks for it only when
 * there is a second core and a file worth it.
 */
import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

export interface RawDigest {
  /** Takes the next bytes; the caller may reuse `bytes` once this returns. */
  update(bytes: Uint8Array): void;
  /** The hex sha256 of every byte given, once, at the end. */
  digest(): Promise<string>;
  /** Drops the work without a digest (the read failed or stopped early); harmless after `digest`. */
  dispose(): void;
}

export function inThreadSha256(): RawDigest {
  const hash = createHash('sha256');
  return {
    update: (bytes) => void hash.update(bytes),
    digest: async () => hash.digest('hex'),
    dispose: () => {},
  };
}

/**
 * The bytes go through a ring in shared memory: the reader copies each chunk in and moves on, the
 * worker hashes what is there. Memory stays `ringBytes` whatever the file; only when the worker
 * falls that far behind (it hashes some 1.5 GB/s, the reader parses about 0.1) does the reader
 * wait for it. Control words, as BigInt64: bytes written, bytes hashed, state; then an Int32 signal
 * the worker sleeps on, bumped at every change so no wake-up is lost.
 */
export const DEFAULT_RING_BYTES = 8 * 1024 * 1024;
const WRITTEN = 0;
const HASHED = 1;
const STATE = 2;
const OPEN = 0n;
const ENDED = 1n;
const DROPPED = 2n;
const FAILED = 3n;
const CONTROL_BYTES = 32;
/** Longest the reader waits for the worker to make room before it gives up on the file. */
const STALL_MS = 30_000;

/** The worker's code, inline: the functions are bundled into one file, with no worker file beside it. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { shared, ringBytes } = workerData;
const control = new BigInt64Array(shared, 0, 3);
const signal = new Int32Array(shared, 24, 1);
const ring = new Uint8Array(shared, ${CONTROL_BYTES}, ringBytes);
const size = BigInt(ringBytes);
const hash = createHash('sha256');
let hashed = 0n;
try {
  for (;;) {
    const seen = Atomics.load(signal, 0);
    const written = Atomics.load(control, ${WRITTEN});
    const state = Atomics.load(control, ${STATE});
    if (state === ${DROPPED}n) break;
    if (written > hashed) {
      let at = Number(hashed % size);
      let left = Number(written - hashed);
      while (left > 0) {
        const n = Math.min(left, ringBytes - at);
        hash.update(ring.subarray(at, at + n));
        at = (at + n) % ringBytes;
        left -= n;
      }
      hashed = written;
      Atomics.store(control, ${HASHED}, hashed);
      Atomics.notify(control, ${HASHED});
      continue;
    }
    if (state === ${ENDED}n) {
      parentPort.postMessage(hash.digest('hex'));
      break;
    }
    Atomics.wait(signal, 0, seen);
  }
} catch (err) {
  Atomics.store(control, ${STATE}, ${FAILED}n);
  Atomics.notify(control, ${HASHED});
  throw err;
}
`;

export function offThreadSha256(ringBytes = DEFAULT_RING_BYTES): RawDigest {
  const shared = new SharedArrayBuffer(CONTROL_BYTES + ringBytes);
  const control = new BigInt64Array(shared, 0, 3);
  const signal = new Int32Array(shared, 24, 1);
  const ring = new Uint8Array(shared, CONTROL_BYTES, ringBytes);
  const size = BigInt(ringBytes);
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared, ringBytes } });
  // A reader that never asks for the digest must not keep the process alive.
  worker.unref();
  let failure: unknown;
  const digest = new Promise<string>((resolve, reject) => {
    worker.once('message', (hex: string) => resolve(hex));
    worker.once('error', (err) => {
      failure = err;
      reject(err);
    });
    worker.once('exit', (code) => reject(new Error(`the hashing thread ended (code ${code}) before its digest`)));
  });
  digest.catch(() => {});
  let written = 0n;
  let settled = false;

  const bump = () => {
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  const drop = () => {
    if (Atomics.load(control, STATE) === OPEN) Atomics.store(control, STATE, DROPPED);
    bump();
    void worker.terminate();
  };

  return {
    update(bytes) {
      if (settled) throw new HashThreadError('Bytes came after the file was hashed.');
      let from = 0;
      while (from < bytes.length) {
        let hashed = Atomics.load(control, HASHED);
        // Full: wait for the worker, which runs on another thread, so blocking here is safe.
        const deadline = written - hashed === size ? Date.now() + STALL_MS : 0;
        while (written - hashed === size) {
          if (Atomics.load(control, STATE) === FAILED || Date.now() > deadline) throw stalled(failure);
          Atomics.wait(control, HASHED, hashed, 100);
          hashed = Atomics.load(control, HASHED);
        }
        const at = Number(written % size);
        const n = Math.min(bytes.length - from, Number(size - (written - hashed)), ringBytes - at);
        ring.set(bytes.subarray(from, from + n), at);
        from += n;
        written += BigInt(n);
        Atomics.store(control, WRITTEN, written);
        bump();
      }
    },
    async digest() {
      if (!settled) {
        settled = true;
        Atomics.store(control, STATE, ENDED);
        bump();
      }
      try {
        return await digest;
      } catch (err) {
        throw stalled(err);
      } finally {
        void worker.terminate();
      }
    },
    dispose() {
      settled = true;
      drop();
    },
  };
}

/**
 * The hashing thread failed or stalled: a fault of ours, never of the file, so it is not an AppError
 * with a sentence for users; ingest lets it through and the event is retried.
 */
export class HashThreadError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HashThreadError';
  }
}

function stalled(cause: unknown): HashThreadError {
  return new HashThreadError('The file could not be hashed: the hashing thread stopped.', { cause });
}
