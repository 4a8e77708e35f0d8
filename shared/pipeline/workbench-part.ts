/**
 * The workbench part of a computation (workbench-body.ts) as its own S3 object beside the body
 * (`workbenchKey`): the body stays as small as before for its other readers (the partners list, the
 * next computation), and the computation stores the part last, after its pointer (it builds it
 * while its last payout items are written), so no payout waits for it. Its held items name lines of the body by index, so the object names the result it
 * was built from, and a reader takes it only with that body.
 */
import { promisify } from 'node:util';
import { constants, createGzip, gunzip } from 'node:zlib';
import type { ObjectStore } from '../ports/index.js';
import { workbenchKey } from '../storage-contract.js';
import type { WorkbenchBody } from './workbench-body.js';

const gunzipAsync = promisify(gunzip);

interface StoredPart {
  resultHash: string;
  workbench: WorkbenchBody;
}

/** The computation whose part it is: the pointer or the body tell both. */
export interface PartOf {
  quarter: string;
  inputsHash: string;
  resultHash: string;
}

/** Stores a part made by gzipPart: the computation makes it while its last writes go on. */
export async function storeGzippedPart(objects: ObjectStore, of: Omit<PartOf, 'resultHash'>, bytes: Buffer): Promise<void> {
  await objects.put(workbenchKey(of.quarter, of.inputsHash), bytes, 'application/gzip');
}

/** Items per piece of JSON handed to the compressor. */
const SLICE = 2000;

/**
 * `JSON.stringify(part)` gzipped, the JSON written a slice of items at a time so the compressor (in
 * the thread pool) works on one slice while the next is written: the part of 10,000 partners is
 * tens of MB of JSON, and the computation waits for it. The fastest level: it is read back once per
 * computation, and its writing is on the computation's clock.
 */
export async function gzipPart(resultHash: string, workbench: WorkbenchBody): Promise<Buffer> {
  // A big output buffer: each turn of the compressor takes a whole slice.
  const gz = createGzip({ level: constants.Z_BEST_SPEED, chunkSize: 1 << 20 });
  const out: Buffer[] = [];
  gz.on('data', (b: Buffer) => out.push(b));
  const done = new Promise<void>((resolve, reject) => {
    gz.on('end', resolve);
    gz.on('error', reject);
  });
  // The keys in StoredPart's and WorkbenchBody's order: the text JSON.stringify would write.
  const { p, w, i } = workbench;
  gz.write(`{"resultHash":${JSON.stringify(resultHash)},"workbench":{"p":${JSON.stringify(p)},"w":${JSON.stringify(w)},"i":[`);
  for (let at = 0; at < i.length; at += SLICE) {
    const slice = JSON.stringify(i.slice(at, at + SLICE));
    gz.write(`${at ? ',' : ''}${slice.slice(1, -1)}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
  gz.end(']}}');
  await done;
  return Buffer.concat(out);
}

/**
 * The part of that computation, or null when it is missing, unreadable or of another result. It
 * only saves reading the payout items, so any failure means reading them instead.
 */
export async function readWorkbenchPart(objects: ObjectStore, of: PartOf): Promise<WorkbenchBody | null> {
  try {
    const bytes = await objects.getBytes(workbenchKey(of.quarter, of.inputsHash));
    if (!bytes) return null;
    const part = JSON.parse((await gunzipAsync(bytes)).toString('utf8')) as StoredPart;
    return part.resultHash === of.resultHash ? part.workbench : null;
  } catch {
    return null;
  }
}
