/**
 * Recorded causes (issue #14, point 2). Every computation that changes payouts appends one small
 * object to `computations/<quarter>/causes/`: the partners it changed and what changed its inputs —
 * report versions replaced (which key, versions, who asked for the upload), reference rows written
 * (which row, before and after, who) and the rules version. An adjustment of a closed quarter names
 * the causes of the computations since the close that changed its partner, never a guess from
 * report versions per distributor.
 *
 * A log apart from the computation body: the body is keyed by its result, so a later computation
 * with the same result would overwrite the causes of the one that produced it.
 */
import type { ObjectStore, ReportRecord, ReportsRepository } from '../ports/index.js';
import type { UploadLog } from '../ports/finance.js';
import { PREFIX } from '../storage-contract.js';
import type { CausesEntry, ReportCause } from '../domain/causes.js';

export type { CausesEntry, RecordedCause, ReportCause } from '../domain/causes.js';

export const causesPrefix = (quarter: string) => `${PREFIX.computations}${quarter}/causes/`;

/** Report versions that differ between two computations, with the report's key and uploader. */
export async function reportCauses(
  deps: { reports: ReportsRepository; uploads?: UploadLog },
  changed: readonly { reportId: string; from: string | null; to: string | null }[],
  active: readonly ReportRecord[],
): Promise<ReportCause[]> {
  const byId = new Map(active.map((r) => [r.reportId, r]));
  return Promise.all(
    changed.map(async (c) => {
      const record = byId.get(c.reportId) ?? (await deps.reports.get(c.reportId));
      // Recorded at ingest (the upload URL's user or the S3 writer); reports read before that: the URL log.
      const intent =
        record && !record.uploader && deps.uploads ? await deps.uploads.uploaderOf(record.key, record.updatedAt) : null;
      const uploader = record?.uploader ?? (intent ? { by: intent.by, via: 'upload-url' as const } : undefined);
      return {
        kind: 'report' as const,
        reportId: c.reportId,
        key: record?.key ?? c.reportId,
        name: record?.name ?? c.reportId,
        distributorId: record?.distributorId ?? '',
        from: c.from,
        to: c.to,
        uploadedBy: uploader?.by ?? null,
        ...(uploader?.via === 's3' ? { uploadedVia: 's3' as const, ...(uploader.sourceIp ? { sourceIp: uploader.sourceIp } : {}) } : {}),
      };
    }),
  );
}

export async function appendCauses(objects: ObjectStore, entry: CausesEntry): Promise<void> {
  // The time first, so the keys list in the order the computations ran.
  const key = `${causesPrefix(entry.quarter)}${entry.computedAt}-${entry.inputsHash.slice(0, 16)}.json`;
  await objects.put(key, JSON.stringify(entry), 'application/json');
}

/** The entries of computations after `since` (an ISO instant), oldest first. */
export async function causesSince(objects: ObjectStore, quarter: string, since: string): Promise<CausesEntry[]> {
  const prefix = causesPrefix(quarter);
  const keys = (await objects.list(prefix)).filter((k) => k.slice(prefix.length) > since).sort();
  const entries = await Promise.all(keys.map(async (k) => JSON.parse(await objects.getText(k)) as CausesEntry));
  return entries.filter((e) => e.computedAt > since);
}

