/**
 * Who uploaded a report version, as the report routes answer it (issue #14). The user or S3
 * principal is shown to every reader of the report: a distributor reads only its own reports, so
 * the uploader is one of its own. The address a direct S3 write came from says where a
 * distributor's systems sit, which is the vendor's business only: finance and program see it.
 */
import type { Principal } from '../../shared/auth/principal.js';
import type { ReportUploader } from '../../shared/ports/index.js';

const SEE_SOURCE_IP: ReadonlySet<Principal['role']> = new Set(['finance', 'program']);

/** The uploader for `principal`, or null when nobody was recorded (reports read before uploaders were). */
export function uploaderJson(uploader: ReportUploader | undefined, principal: Pick<Principal, 'role'>): ReportUploader | null {
  if (!uploader) return null;
  const { sourceIp, ...rest } = uploader;
  return sourceIp && SEE_SOURCE_IP.has(principal.role) ? { ...rest, sourceIp } : rest;
}
