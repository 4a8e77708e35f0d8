/**
 * Ingest one uploaded report version (pipeline v2, issue #12): stream it, apply the checks that
 * depend on the file alone, write rejected lines to the rejects file, store the rest as one compact
 * extract (content-addressed, extract.ts), make this version the report's active one, and ask for a
 * computation of every quarter the new or the replaced version touches. It reads no other report
 * and no reference data beyond the rules calendar (and the distributor's name as written, for its
 * reject messages): partners, products, segments and claims are the
 * quarter computation's (compute.ts), so a reference change never needs the report read again.
 *
 * Exactly-once effect under at-least-once delivery: the extract's key is its content, so a retry
 * after a crash writes the same object; the switch to the new version is one conditional update,
 * which also stops an older upload from overtaking a newer one of the same key; a redelivered event
 * for the version that is already active only asks again for its quarters' computation, which finds
 * nothing changed if it already ran.
 */
import { createHash } from 'node:crypto';
import { formatMoscow } from '../domain/calendar.js';
import { asWrittenIn, distributorKey } from '../domain/ids.js';
import { RulesBook } from '../domain/rules/load.js';
import { readReport } from '../csv/read-report.js';
import { RejectsCsvWriter } from '../export/rejects-csv.js';
import { ReportFileError } from '../errors.js';
import type {
  Clock,
  ComputeQueue,
  ObjectStore,
  ReferenceRepository,
  ReportRecord,
  ReportsRepository,
  RulesRepository,
} from '../ports/index.js';
import type { FileClaimRepository, FileHolder } from '../ports/file-claims.js';
import { PREFIX } from '../storage-contract.js';
import type { AuditRepository } from '../ports/approvals.js';
import { about, recordAudit } from './audit.js';
import type { UploadLog } from '../ports/finance.js';
import { resolveUploader, uploadActor, type S3Writer } from './uploader.js';
import { ReportExtractor, storableExtractInPieces } from './extract.js';

export interface IngestDeps {
  objects: ObjectStore;
  reports: ReportsRepository;
  rules: RulesRepository;
  compute: ComputeQueue;
  clock: Clock;
  /** Which report counts a file's bytes: the duplicate-file check, atomic (file-claims.ts). */
  files: FileClaimRepository;
  /**
   * Only to name the folder's distributor as written in reject messages; nothing extracted or
   * counted depends on it, so a report is never read again for a reference change.
   */
  reference?: Pick<ReferenceRepository, 'listDistributors'>;
  /** Bound on inflated bytes of a .gz report (decompression bombs). */
  maxInflatedBytes?: number;
  /** Bound on the lines of one report, counted by the reader (DEFAULT_MAX_LINES there). */
  maxLines?: number;
  onProgress?: (p: { key: string; bytesRead: number; records: number }) => void;
  /** The audit trail: a report version that becomes active is recorded, with its uploader. */
  audit?: AuditRepository;
  /** Who asked for upload URLs: their user is the uploader, over what the S3 event says. */
  uploads?: Pick<UploadLog, 'uploaderOf'>;
}

export interface UploadedObject {
  bucket: string;
  /** The decoded key, e.g. `incoming/marvel/feb 2016.csv`. */
  key: string;
  versionId: string | null;
  etag: string;
  /** S3 event sequencer: orders uploads of the same key. */
  sequencer: string;
  /** Who S3 saw write the object (`userIdentity`, `requestParameters` of the event), when it says. */
  writer?: S3Writer;
  /** When S3 says the object was written (the event's `eventTime`). */
  writtenAt?: string;
}

export type IngestOutcome =
  | { status: 'processed' | 'failed'; reportId: string; version: string }
  | { status: 'skipped'; reportId: string; version: string; why: string };


/** A stable, short report ID from the object key: the same key (a corrected upload) is the same report. */
export function reportIdOf(key: string): string {
  return `rpt_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

export function parseIncomingKey(
  key: string,
): { distributorId: string; folder: string; name: string } | null {
  if (!key.startsWith(PREFIX.incoming)) return null;
  const m = /^([^/]+)\/(.+)$/.exec(key.slice(PREFIX.incoming.length));
  if (!m || !m[1] || !m[2]) return null;
  // Folders match distributors in any case: incoming/d-merl/ and incoming/D-MERL/ are D-MERL's.
  return { distributorId: distributorKey(m[1]), folder: m[1], name: m[2] };
}

export function rejectsKeyOf(distributorId: string, name: string): string {
  return `${PREFIX.rejects}${distributorId}/${name.replace(/\.csv(\.gz)?$/i, '')}.rejects.csv`;
}

/** S3 sequencers are hex strings of varying length; left-padding makes them compare as strings. */
export function normalizeSequencer(seq: string): string {
  return seq.toUpperCase().padStart(32, '0');
}

export async function ingestReport(deps: IngestDeps, obj: UploadedObject): Promise<IngestOutcome> {
  const parsed = parseIncomingKey(obj.key);
  const reportId = reportIdOf(obj.key);
  const version = obj.versionId ?? obj.etag;
  if (!parsed)
    return {
      status: 'skipped',
      reportId,
      version,
      why: `key ${obj.key} is not under incoming/<distributor>/`,
    };
  const { distributorId, name } = parsed;
  const sequencer = normalizeSequencer(obj.sequencer);
  const at = () => deps.clock.now().toISOString();

  const existing = await deps.reports.get(reportId);
  if (
    existing &&
    existing.version === version &&
    existing.sequencer === sequencer &&
    existing.status !== 'processing'
  ) {
    // A crash may have come between activation and what follows it: free the replaced version's
    // bytes and ask again for every quarter either version touches (harmless: both are idempotent).
    const replaced = existing.replaced;
    if (replaced?.sha256 && replaced.sha256 !== (existing.activeVersion === version ? existing.sha256 : undefined))
      await deps.files.release(distributorId, replaced.sha256, reportId);
    const quarters = [
      ...new Set([...(existing.activeVersion === version ? (existing.quarters ?? []) : []), ...(replaced?.quarters ?? [])]),
    ].sort();
    if (quarters.length)
      await deps.compute.publish(
        quarters.map((quarter) => ({ quarter, cause: `report ${obj.key} (${reportId}@${version}) redelivered` })),
      );
    return {
      status: 'skipped',
      reportId,
      version,
      why: 'this version was already processed (duplicate event)',
    };
  }

  const { started, previous } = await deps.reports.startProcessing(
    {
      reportId,
      bucket: obj.bucket,
      key: obj.key,
      distributorId,
      name,
      version,
      sequencer,
      objectVersionId: obj.versionId,
      etag: obj.etag,
    },
    at(),
  );
  if (!started)
    return { status: 'skipped', reportId, version, why: 'a later upload of the same key is already known' };

  const oldQuarters = previous?.activeVersion ? (previous.quarters ?? []) : [];
  const rejectsKey = rejectsKeyOf(distributorId, name);
  let outcome: Parameters<ReportsRepository['activate']>[3];

  try {
    const result = await extractObject(deps, obj, distributorId, rejectsKey, reportId);
    const quarters = result.extract.quarters.map((q) => q.quarter);
    await claimBytes(deps, distributorId, result.sha256, { reportId, version, quarters });
    const { stored } = result;
    await deps.objects.put(stored.key, stored.bytes, 'application/gzip');
    outcome = {
      status: 'processed',
      active: true,
      counts: result.extract.counts,
      sha256: result.sha256,
      bytes: result.bytes,
      rulesVersions: Object.fromEntries(result.extract.quarters.map((q) => [q.quarter, q.rulesVersion])),
      quarters,
      rejectsKey,
      extractKey: stored.key,
      extractSha256: stored.sha256,
      format: result.format,
      error: undefined,
    };
  } catch (err) {
    // A file that cannot be read at all fails with a clear status; anything else is retried.
    if (!(err instanceof ReportFileError)) throw err;
    await deps.objects.put(
      rejectsKey,
      `line,reason_code,message\n0,${err.code},"${err.message.replace(/"/g, '""')}"\n`,
      'text/csv; charset=utf-8',
    );
    outcome = {
      status: 'failed',
      active: false,
      error: { code: err.code, message: err.message, ...(err.key ? { key: err.key, params: err.params } : {}) },
      rejectsKey,
      counts: undefined,
      sha256: undefined,
      bytes: undefined,
      rulesVersions: undefined,
      quarters: undefined,
      extractKey: undefined,
      extractSha256: undefined,
      format: undefined,
    };
  }

  const uploader = await resolveUploader(deps.uploads, obj.key, obj.writtenAt ?? at(), obj.writer);
  const before = previous?.activeVersion ? { quarters: oldQuarters, sha256: previous.sha256 ?? null } : undefined;
  const activated = await deps.reports.activate(reportId, version, sequencer, { ...outcome, uploader, replaced: before }, at());
  if (!activated)
    return {
      status: 'skipped',
      reportId,
      version,
      why: 'a later upload of the same key was processed meanwhile',
    };

  // The bytes this report counted until now are free for another name once it counts others.
  const replacedBytes = previous?.activeVersion ? previous.sha256 : undefined;
  if (replacedBytes && replacedBytes !== (outcome.active ? outcome.sha256 : undefined))
    await deps.files.release(distributorId, replacedBytes, reportId);

  const touched = [...new Set([...(outcome.quarters ?? []), ...oldQuarters])].sort();
  if (deps.audit)
    // The uploader when recorded; else the distributor the upload's folder names (the key is authoritative).
    await recordAudit({ audit: deps.audit, clock: deps.clock }, {
      kind: 'report',
      actor: uploadActor(uploader, distributorId),
      ...about({ code: 'report', params: { key: obj.key } }),
      quarters: touched,
      partners: [],
      before: previous?.activeVersion ? { version: previous.activeVersion, sha256: previous.sha256 ?? null } : null,
      after: { version, status: outcome.status, sha256: outcome.sha256 ?? null, counts: outcome.counts ?? null, uploader: uploader ?? null },
    });
  const replaced = previous?.activeVersion && previous.activeVersion !== version ? ` replacing ${previous.activeVersion}` : '';
  await deps.compute.publish(
    touched.map((quarter) => ({
      quarter,
      cause: `report ${obj.key} (${reportId}@${version}) ${outcome.status}${replaced}`,
    })),
  );
  return { status: outcome.status === 'processed' ? 'processed' : 'failed', reportId, version };
}

/**
 * Makes this report the one that counts these bytes of the distributor, or throws the
 * duplicate-file error naming the report that does. The claim is one conditional write, so of two
 * uploads of the same bytes at the same time exactly one wins. A claim left by a report that no
 * longer counts the bytes (a crash between its replacement and the release) is taken over.
 * The claim names the version's quarters and comes before its activation: it is how the
 * computations of those quarters find the report.
 */
async function claimBytes(
  deps: Pick<IngestDeps, 'files' | 'reports'>,
  distributorId: string,
  sha256: string,
  me: FileHolder,
): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const holder = await deps.files.claim(distributorId, sha256, me);
    if (!holder) {
      // Reports read before claims existed hold none: the list still finds them.
      const first = await sameBytesAlreadyActive(deps.reports, me.reportId, distributorId, sha256);
      if (!first) return;
      await deps.files.takeOver(distributorId, sha256, me, {
        reportId: first.reportId,
        version: first.activeVersion!,
        quarters: first.quarters ?? [],
      });
      throw duplicateFileError(first);
    }
    const record = holder.reportId ? await deps.reports.get(holder.reportId) : null;
    const inProgress = record?.status === 'received' || record?.status === 'processing';
    const holds = record && record.version === holder.version && (inProgress || record.activeVersion === holder.version);
    if (holds) throw duplicateFileError(record);
    if (await deps.files.takeOver(distributorId, sha256, holder, me)) return;
  }
  // Claimed and released over and over meanwhile: the event is retried.
  throw new Error(`The claim on the bytes ${sha256} of distributor ${distributorId} kept changing; retrying later.`);
}

/**
 * Another report of the distributor whose active version has exactly these bytes: the same file
 * uploaded under a second name would count its untagged lines twice (tagged ones are caught as
 * duplicate claims). The same key is never its own duplicate: re-uploading it replaces itself.
 */
async function sameBytesAlreadyActive(
  reports: ReportsRepository,
  reportId: string,
  distributorId: string,
  sha256: string,
): Promise<ReportRecord | null> {
  const same = (await reports.list({ distributorId })).filter(
    (r) => r.reportId !== reportId && r.activeVersion !== null && r.sha256 === sha256,
  );
  // The earliest received is the one that counts; name it.
  same.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.reportId < b.reportId ? -1 : 1));
  return same[0] ?? null;
}

function duplicateFileError(first: ReportRecord): ReportFileError {
  const received = formatMoscow(Date.parse(first.receivedAt)).slice(0, 16).replace('T', ' ');
  return new ReportFileError(
    'duplicate-file',
    `This file is the same, byte for byte, as "${first.name}", received ${received} Moscow time, which already counts; ` +
      `its lines are not counted a second time. To correct that report, upload the corrected file as "${first.name}".`,
    { key: 'duplicate-file', params: { name: first.name, receivedAt: first.receivedAt } },
  );
}

async function distributorAsWritten(deps: IngestDeps, distributorId: string): Promise<string | undefined> {
  if (!deps.reference) return undefined;
  return asWrittenIn(await deps.reference.listDistributors())(distributorId);
}

async function extractObject(
  deps: IngestDeps,
  obj: UploadedObject,
  distributorId: string,
  rejectsKey: string,
  reportId: string,
) {
  // Three independent reads at once; a body opened for nothing is closed.
  const [rules, object, shown] = await Promise.allSettled([
    deps.rules.loadAll(),
    deps.objects.get(obj.key, obj.versionId),
    distributorAsWritten(deps, distributorId),
  ]);
  if (rules.status === 'rejected' || object.status === 'rejected' || shown.status === 'rejected') {
    if (object.status === 'fulfilled') object.value.body.destroy();
    throw [rules, object, shown].find((r) => r.status === 'rejected')!.reason;
  }
  const book = new RulesBook(rules.value);
  const reader = readReport(object.value.body, {
    ...(deps.maxInflatedBytes ? { maxInflatedBytes: deps.maxInflatedBytes } : {}),
    ...(deps.maxLines ? { maxLines: deps.maxLines } : {}),
    ...(deps.onProgress ? { onProgress: (p) => deps.onProgress!({ key: obj.key, ...p }) } : {}),
  });
  const extractor = new ReportExtractor(book, distributorId, shown.value);
  // Errors other than ReportFileError (an S3 read cut off, a throttle) propagate: the event is retried.
  const format = await reader.format;
  const rejects = new RejectsCsvWriter(format.headers);
  let summary;
  let extract;
  let stored;
  try {
    // The reader stops a file past its line bound (blank lines included) with a too-large status.
    for await (const batch of reader.records)
      for (const record of batch) {
        const reject = extractor.add(record);
        if (reject) rejects.add(reject);
      }
    summary = await reader.done;
    extract = extractor.result({ sha256: summary.sha256, bytes: summary.rawBytes });
    // The rejects file goes up while the extract is compressed: one waits on S3, the other works.
    // Both settle before the rejects file is disposed of; the extract is stored only once claimed.
    const [put, encoded] = await Promise.allSettled([
      deps.objects.put(rejectsKey, rejects.toReadable(), 'text/csv; charset=utf-8'),
      storableExtractInPieces(reportId, extract),
    ]);
    if (put.status === 'rejected') throw put.reason;
    if (encoded.status === 'rejected') throw encoded.reason;
    stored = encoded.value;
  } finally {
    rejects.dispose();
  }
  return {
    extract,
    stored,
    sha256: summary.sha256,
    bytes: summary.rawBytes,
    // The header-time encoding is provisional: an ASCII start settles only at the first non-ASCII byte.
    format: { encoding: summary.format.encoding, delimiter: format.delimiter, compressed: format.compressed },
  };
}
