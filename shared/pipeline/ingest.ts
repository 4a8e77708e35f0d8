/**
 * Ingest one uploaded report version: stream it, check and tally its lines, write the rejects file,
 * store the tallies, make this version the report's active one, and ask for the affected partners
 * to be recalculated.
 *
 * Exactly-once effect under at-least-once delivery: every write is keyed by (report, version), so a
 * retry after a crash rewrites the same items; the switch to the new version is one conditional
 * update, which also stops an older upload from overtaking a newer one of the same key; a
 * redelivered event for the version that is already active does nothing.
 */
import { createHash } from 'node:crypto';
import { distributorKey } from '../domain/ids.js';
import { RulesBook } from '../domain/rules/load.js';
import { readReport } from '../csv/read-report.js';
import { RejectsCsvWriter } from '../export/rejects-csv.js';
import { ReportFileError } from '../errors.js';
import type {
  Clock,
  IngestReference,
  ObjectStore,
  RecalcQueue,
  ReferenceRepository,
  ReportRecord,
  ReportsRepository,
  RulesRepository,
} from '../ports/index.js';
import { claimFollowUp, claimsRevision, loadClaims, priorClaimsFor, writeClaims } from './claims.js';
import { ReportTallier, type PriorClaims } from './lines.js';

export interface IngestDeps {
  objects: ObjectStore;
  reports: ReportsRepository;
  reference: ReferenceRepository;
  rules: RulesRepository;
  recalc: RecalcQueue;
  clock: Clock;
  /** Bound on inflated bytes of a .gz report (decompression bombs). */
  maxInflatedBytes?: number;
  /** Bound on the lines of one report (DEFAULT_MAX_REPORT_LINES); see there. */
  maxLines?: number;
  onProgress?: (p: { key: string; bytesRead: number; records: number }) => void;
}

export interface UploadedObject {
  bucket: string;
  /** The decoded key, e.g. "incoming/marvel/feb 2016.csv". */
  key: string;
  versionId: string | null;
  etag: string;
  /** S3 event sequencer: orders uploads of the same key. */
  sequencer: string;
}

export type IngestOutcome =
  | { status: 'processed' | 'failed'; reportId: string; version: string }
  | { status: 'skipped'; reportId: string; version: string; why: string };

export const INCOMING_PREFIX = 'incoming/';

/**
 * Duplicate detection keeps about 25 bytes per distinct line (LineIndex), the only state of a check
 * that grows with the file. Twice the largest national distributor's quarter (a million lines)
 * keeps the ingest function well inside its bounded heap; a larger file fails with a clear status
 * instead of running out of memory.
 */
export const DEFAULT_MAX_REPORT_LINES = 2_000_000;

/** A stable, short report ID from the object key: the same key (a corrected upload) is the same report. */
export function reportIdOf(key: string): string {
  return `rpt_${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

export function parseIncomingKey(
  key: string,
): { distributorId: string; folder: string; name: string } | null {
  const m = /^incoming\/([^/]+)\/(.+)$/.exec(key);
  if (!m || !m[1] || !m[2]) return null;
  // Folders match distributors in any case: incoming/d-merl/ and incoming/D-MERL/ are D-MERL's.
  return { distributorId: distributorKey(m[1]), folder: m[1], name: m[2] };
}

export function rejectsKeyOf(distributorId: string, name: string): string {
  return `rejects/${distributorId}/${name.replace(/\.csv(\.gz)?$/i, '')}.rejects.csv`;
}

/** S3 sequencers are hex strings of varying length; left-padding makes them compare as strings. */
export function normalizeSequencer(seq: string): string {
  return seq.toUpperCase().padStart(32, '0');
}

/**
 * `revision` re-reads a version that was already processed under new reference data (a catalog
 * mapping, a distributor's segments): it becomes a new tally version of the same object version.
 */
export async function ingestReport(
  deps: IngestDeps,
  obj: UploadedObject,
  revision?: string,
): Promise<IngestOutcome> {
  const parsed = parseIncomingKey(obj.key);
  const reportId = reportIdOf(obj.key);
  const version = (obj.versionId ?? obj.etag) + (revision ? `~${revision}` : '');
  if (!parsed)
    return {
      status: 'skipped',
      reportId,
      version,
      why: `key ${obj.key} is not under incoming/<distributor>/`,
    };
  const { distributorId, folder, name } = parsed;
  const sequencer = normalizeSequencer(obj.sequencer);
  const at = () => deps.clock.now().toISOString();

  const existing = await deps.reports.get(reportId);
  if (
    existing &&
    existing.version === version &&
    existing.sequencer === sequencer &&
    existing.status !== 'processing'
  ) {
    // A crash may have come between activation and the claims follow-up; redoing it is harmless.
    if (existing.status === 'processed' && existing.activeVersion === version)
      await followUpClaims(deps, existing, null);
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

  const oldVersion = previous?.activeVersion ?? null;
  const rejectsKey = rejectsKeyOf(distributorId, name);
  let outcome: Parameters<ReportsRepository['activate']>[3];
  let newKeys: { quarter: string; partnerId: string }[] = [];
  const receivedAt = previous?.receivedAt ?? (await deps.reports.get(reportId))?.receivedAt ?? at();

  try {
    const [rules, reference, prior] = await Promise.all([
      deps.rules.loadAll(),
      deps.reference.loadForIngest(),
      priorClaimsFor(deps, { reportId, receivedAt }),
    ]);
    const result = await tallyObject(
      deps,
      obj,
      new RulesBook(rules),
      reference,
      { distributorId, folder },
      rejectsKey,
      prior,
    );
    await writeClaims(deps, reportId, version, result.claims);
    await deps.reports.writeTallies(reportId, version, result.tallies);
    newKeys = result.tallies.map((t) => ({ quarter: t.quarter, partnerId: t.partnerId }));
    outcome = {
      status: 'processed',
      hasTallies: true,
      counts: result.counts,
      sha256: result.sha256,
      bytes: result.bytes,
      rulesVersions: result.rulesVersions,
      quarters: result.quarters,
      rejectsKey,
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
      hasTallies: false,
      error: { code: err.code, message: err.message },
      rejectsKey,
      counts: undefined,
      sha256: undefined,
      bytes: undefined,
      rulesVersions: undefined,
      quarters: undefined,
      format: undefined,
    };
  }

  const activated = await deps.reports.activate(reportId, version, sequencer, outcome, at());
  if (!activated) {
    await deps.reports.deleteTallies(reportId, version);
    return {
      status: 'skipped',
      reportId,
      version,
      why: 'a later upload of the same key was processed meanwhile',
    };
  }

  const affected = new Map<string, { quarter: string; partnerId: string }>();
  for (const k of newKeys) affected.set(`${k.quarter}#${k.partnerId}`, k);
  if (oldVersion && oldVersion !== version) {
    for (const k of await deps.reports.tallyKeys(reportId, oldVersion))
      affected.set(`${k.quarter}#${k.partnerId}`, k);
    await deps.reports.deleteTallies(reportId, oldVersion);
  }
  await deps.recalc.publish(
    [...affected.values()].map((k) => ({
      ...k,
      cause: `report ${obj.key} (${reportId}@${version}) ${outcome.status}`,
    })),
  );
  const record = await deps.reports.get(reportId);
  if (record) await followUpClaims(deps, record, oldVersion && oldVersion !== version ? oldVersion : null);
  return { status: outcome.status === 'processed' ? 'processed' : 'failed', reportId, version };
}

/** Re-reads what the claims of this report's new version make stale (see claims.ts). */
async function followUpClaims(
  deps: IngestDeps,
  record: ReportRecord,
  oldVersion: string | null,
): Promise<void> {
  if (!record.activeVersion && !oldVersion) return;
  const own = record.activeVersion ? await loadClaims(deps, record) : new Map();
  const { rereadSelf, rereadLater } = await claimFollowUp(deps, record, own, oldVersion);
  const cause = `${record.reportId}@${record.activeVersion ?? 'none'}`;
  const reread = (r: ReportRecord) =>
    ingestReport(
      deps,
      { bucket: r.bucket, key: r.key, versionId: r.objectVersionId, etag: r.etag, sequencer: r.sequencer },
      claimsRevision(`${cause}>${r.reportId}@${r.activeVersion}`),
    );
  if (rereadSelf) await reread(record);
  for (const r of rereadLater) await reread(r);
}

async function tallyObject(
  deps: IngestDeps,
  obj: UploadedObject,
  book: RulesBook,
  reference: IngestReference,
  { distributorId, folder }: { distributorId: string; folder: string },
  rejectsKey: string,
  prior: PriorClaims,
) {
  if (!reference.distributors.has(distributorId))
    throw new ReportFileError(
      'unknown-distributor',
      `The folder incoming/${folder}/ belongs to no distributor in the registry; import distributors.csv first or check the folder name.`,
    );
  const stored = await deps.objects.get(obj.key, obj.versionId);
  const reader = readReport(stored.body, {
    ...(deps.maxInflatedBytes ? { maxInflatedBytes: deps.maxInflatedBytes } : {}),
    ...(deps.onProgress ? { onProgress: (p) => deps.onProgress!({ key: obj.key, ...p }) } : {}),
  });
  const tallier = new ReportTallier(book, reference, distributorId, prior);
  // Errors other than ReportFileError (an S3 read cut off, a throttle) propagate: the event is retried.
  const format = await reader.format;
  const rejects = new RejectsCsvWriter(format.headers);
  let summary;
  try {
    const maxLines = deps.maxLines ?? DEFAULT_MAX_REPORT_LINES;
    for await (const batch of reader.records) {
      for (const record of batch) {
        const reject = tallier.add(record);
        if (reject) rejects.add(reject);
      }
      if (tallier.counts.read > maxLines)
        throw new ReportFileError(
          'too-large',
          `The file has more than ${maxLines.toLocaleString('en-US')} lines, which is the most one report may have. ` +
            'Split it into smaller files (for example one per month) and upload them again.',
        );
    }
    summary = await reader.done;
    await deps.objects.put(rejectsKey, rejects.toReadable(), 'text/csv; charset=utf-8');
  } finally {
    rejects.dispose();
  }
  return {
    ...tallier.result(),
    claims: tallier.claimIndexes(),
    counts: tallier.counts,
    sha256: summary.sha256,
    bytes: summary.rawBytes,
    // The header-time encoding is provisional: an ASCII start settles only at the first non-ASCII byte.
    format: { encoding: summary.format.encoding, delimiter: format.delimiter, compressed: format.compressed },
  };
}
