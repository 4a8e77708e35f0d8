/**
 * `rebates run` uploads each report of the data folder to the embedded S3, which then serves the
 * same bytes back to ingest and to the rejects files: through HTTP, in this very process. The
 * stack is temporary and signed with a secret of this start (local-stack.ts), so nobody else can
 * have written those keys: the object *is* the local file, and reading the file is the same read
 * without the round trip. Every other key, and every write, still goes to S3.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { ObjectStore, StoredObject } from '../shared/ports/index.js';

export class LocalReportFiles {
  private readonly files = new Map<string, string>();

  /** From now on, a read of `key` reads `path` (call it once the upload is under way). */
  add(key: string, path: string): void {
    this.files.set(key, path);
  }

  /**
   * The store with the reports' keys read from their files. Only plain reads are served so: a
   * request for a given object version goes to S3, which knows versions.
   */
  over(objects: ObjectStore): ObjectStore {
    const files = this.files;
    const served: ObjectStore = Object.create(objects);
    served.get = async (key, versionId) => {
      const path = files.get(key);
      if (!path || versionId) return objects.get(key, versionId);
      const { size } = await stat(path);
      const body = createReadStream(path, { highWaterMark: 256 * 1024 });
      // The readers of these keys take the body alone; S3's ETag is not known without asking it.
      return { body, size, etag: '', versionId: null } satisfies StoredObject;
    };
    return served;
  }
}
