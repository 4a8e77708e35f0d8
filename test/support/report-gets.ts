/** Counting the reads of raw reports: tests that say a use case never opens one. */
import type { ObjectStore } from '../../shared/ports/index.js';

/** The store with every GET of a raw report (incoming/…) counted. */
export function countingReportGets(objects: ObjectStore): { objects: ObjectStore; gets: string[] } {
  const gets: string[] = [];
  const counted: ObjectStore = Object.create(objects);
  counted.get = (key, versionId) => {
    if (key.startsWith('incoming/')) gets.push(key);
    return objects.get(key, versionId);
  };
  return { objects: counted, gets };
}
