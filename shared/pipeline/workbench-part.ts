/**
 * The workbench part of a computation (workbench-body.ts) as its own S3 object beside the body
 * (`workbenchKey`): the body stays as small as before for its other readers (the partners list, the
 * next computation), and the computation stores the part last, after its pointer, so no payout
 * waits for it. Its held items name lines of the body by index, so the object names the result it
 * was built from, and a reader takes it only with that body.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import type { ObjectStore } from '../ports/index.js';
import { workbenchKey } from '../storage-contract.js';
import type { WorkbenchBody } from './workbench-body.js';

const gzipAsync = promisify(gzip);
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

export async function storeWorkbenchPart(objects: ObjectStore, of: PartOf, workbench: WorkbenchBody): Promise<void> {
  const part: StoredPart = { resultHash: of.resultHash, workbench };
  await objects.put(workbenchKey(of.quarter, of.inputsHash), await gzipAsync(JSON.stringify(part)), 'application/gzip');
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
