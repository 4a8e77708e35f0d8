/**
 * Parsed computation bodies kept in memory, for readers that ask for them per request (the
 * exceptions, report outcomes and the partners list). A body's key is its result hash, and a
 * pointer's inputs hash names one computation of those inputs, so key and inputs hash together
 * name one body: a hit is never stale. Bounded (a 10,000-partner body parses to tens of MB); the
 * bodies handed out are shared and must not be changed by their readers. Integrity checks
 * (verify) and the computation itself read storage directly.
 */
import type { ComputationPointer, ObjectStore } from '../ports/index.js';
import { readComputationBody, type ComputationBody, type ComputeDeps } from './compute.js';

const KEPT = 8;
const caches = new WeakMap<ObjectStore, Map<string, Promise<ComputationBody | null>>>();

/** The body a pointer names, parsed once per process while it stays among the last few read. */
export function cachedComputationBody(objects: ObjectStore, pointer: ComputationPointer): Promise<ComputationBody | null> {
  let cache = caches.get(objects);
  if (!cache) caches.set(objects, (cache = new Map()));
  const key = `${pointer.bodyKey}#${pointer.inputsHash}`;
  let body = cache.get(key);
  if (body) {
    // Most recently used last: the first key is the one to drop.
    cache.delete(key);
    cache.set(key, body);
    return body;
  }
  body = readComputationBody(objects, pointer.bodyKey);
  cache.set(key, body);
  // A missing body or a failed read is not kept: the next request reads again.
  const drop = () => {
    if (cache.get(key) === body) cache.delete(key);
  };
  body.then((b) => b ?? drop(), drop);
  while (cache.size > KEPT) cache.delete(cache.keys().next().value!);
  return body;
}

/** latestComputation through the cache. */
export async function cachedLatestComputation(
  deps: Pick<ComputeDeps, 'objects' | 'computations'>,
  quarter: string,
): Promise<{ pointer: ComputationPointer; body: ComputationBody } | null> {
  const pointer = await deps.computations.latest(quarter);
  if (!pointer) return null;
  const body = await cachedComputationBody(deps.objects, pointer);
  return body ? { pointer, body } : null;
}
