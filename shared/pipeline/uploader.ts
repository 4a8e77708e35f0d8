/**
 * Who uploaded a report version (issue #14, point 2). Two ways in: a user of the API asks for an
 * upload URL (the upload log names them), or a distributor writes straight into S3 with its own
 * upload role (the S3 event names the principal and the address it wrote from). The upload URL's
 * user wins when both exist: S3 then names only the API's signing role, which is nobody.
 */
import type { Role } from '../auth/principal.js';
import { ROLES } from '../auth/principal.js';
import type { Actor } from '../ports/approvals.js';
import type { UploadLog } from '../ports/finance.js';
import type { ReportUploader } from '../ports/index.js';

export type { ReportUploader } from '../ports/index.js';

/** How long an upload URL may be used; a request older than that did not write this version. */
export const UPLOAD_URL_SECONDS = 15 * 60;

/** What an S3 event says of the writer (both fields optional in events, checked at the edge). */
export interface S3Writer {
  principalId: string;
  sourceIp?: string;
}

/**
 * The uploader of the version of `key` written at `at`: the user of an upload URL asked for within
 * its validity before; else the S3 writer; else the last upload URL request (what was known before
 * S3 writers were read); else undefined.
 */
export async function resolveUploader(
  uploads: Pick<UploadLog, 'uploaderOf'> | undefined,
  key: string,
  at: string,
  s3: S3Writer | undefined,
): Promise<ReportUploader | undefined> {
  const intent = uploads ? await uploads.uploaderOf(key, at) : null;
  const fromUrl = intent ? { by: intent.by, via: 'upload-url' as const } : undefined;
  if (fromUrl && Date.parse(at) - Date.parse(intent!.at) <= UPLOAD_URL_SECONDS * 1000) return fromUrl;
  if (s3) return { by: s3.principalId, via: 's3', ...(s3.sourceIp ? { sourceIp: s3.sourceIp } : {}) };
  return fromUrl;
}

/**
 * The audit trail's "who" of a report version: the uploader's user (an upload URL's is recorded as
 * "<role> <user>"), a direct writer's principal, or the distributor its folder names.
 */
export function uploadActor(uploader: ReportUploader | undefined, distributorId: string): Actor {
  if (!uploader) return { sub: distributorId, role: 'distributor' };
  if (uploader.via === 's3') return { sub: uploader.by, role: 'distributor' };
  const m = /^(\S+) (.+)$/.exec(uploader.by);
  const role = m && (ROLES as readonly string[]).includes(m[1]!) ? (m[1] as Role) : undefined;
  return role ? { sub: m![2]!, role } : { sub: uploader.by, role: 'distributor' };
}
