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
 * after a crash writes the same object; nothing is written to the table until the version is read,
 * then one transaction writes its record (with its audit entry), the claim on its bytes and the
 * replaced version's entry, on condition that the record is still as read before reading, which
 * also stops an older upload from overtaking a newer one of the same key; a redelivered event for
 * the version already written only finishes what follows the commit and asks again for its
 * quarters' computation, which finds nothing changed if it already ran. Two items per first upload
 * (issue #12): the record and the claim.
 */
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { formatMoscow } from '../domain/calendar.js';
import { asWrittenIn, distributorKey } from '../domain/ids.js';
import { RulesBook, type Rules } from '../domain/rules/load.js';
import { readReport, type ReportDelimiter, type ReportEncoding } from '../csv/read-report.js';
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
import type { FileClaim, FileClaimRepository } from '../ports/file-claims.js';
import { PREFIX } from '../storage-contract.js';
import { about, newAuditEntry } from './audit.js';
import type { UploadLog } from '../ports/finance.js';
import { resolveUploader, uploadActor, type S3Writer } from './uploader.js';
import { ReportExtractor, type ReportExtract } from './extract.js';
import { storableExtract, type ExtractFormat } from './extract-codec.js';
import { sameJson } from './same-json.js';

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
  /** The form extracts are stored in; the binary form unless told (the `EXTRACT_FORM` setting). */
  extractFormat?: ExtractFormat;
  /** Who asked for upload URLs: their user is the uploader, over what the S3 event says. */
  uploads?: Pick<UploadLog, 'uploaderOf'>;
  /** Reports this process read before their events came (`rebates run`); none in Lambda. */
  early?: EarlyReads;
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

/**
 * A version's rejects file: in a folder of the report's name, named by its sequencer, so an older
 * upload still being read never writes over a newer version's file, and by its outcome (its
 * rejected lines, or the file's one error): twin deliveries of one event that decided the claim
 * differently write two files, and the record names the one of the outcome it committed; twins of
 * one outcome write the same bytes. The version goes in the last segment, not beside the name: a
 * name may take up a whole file name of the local S3's disk (upload-name.ts). The report's ID goes
 * there too: reports of one folder name (`feb.csv` and `feb.csv.gz`, `d-merl/` and `D-MERL/`) share
 * it, and S3 orders sequencers only per key, never promising two keys different ones.
 */
export function rejectsKeyOf(
  distributorId: string,
  name: string,
  version: { sequencer: string; reportId: string },
  outcome: 'lines' | 'error' = 'lines',
): string {
  return `${PREFIX.rejects}${distributorId}/${stem(name) || name}/${versionFileStem(version)}${outcome === 'error' ? '.error' : ''}.rejects.csv`;
}

const versionFileStem = (v: { sequencer: string; reportId: string }) => `${v.sequencer}.${v.reportId}`;

/** The rejects file's name as people download it: `<name>.rejects.csv`, whatever the version. */
export function rejectsFileName(name: string): string {
  return `${stem(name)}.rejects.csv`;
}

const stem = (name: string) => name.replace(/\.csv(\.gz)?$/i, '');

/** S3 sequencers are hex strings of varying length; left-padding makes them compare as strings. */
export function normalizeSequencer(seq: string): string {
  return seq.toUpperCase().padStart(32, '0');
}

type Extracted = Awaited<ReturnType<typeof extractObject>>;

/** How the claim on a version's bytes stands, read just before its commit. */
type ClaimDecision =
  | { counts: true; from: 'free' | 'mine' | FileClaim }
  | { counts: false; error: ReportFileError };

/** Commit attempts of one event before it is handed back for a retry (each after fresh reads). */
const COMMIT_ATTEMPTS = 5;

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
  const linesKey = rejectsKeyOf(distributorId, name, { sequencer, reportId }, 'lines');
  const errorKey = rejectsKeyOf(distributorId, name, { sequencer, reportId }, 'error');

  // Nothing is written before the version is read: the record is written once, at the end, if it
  // is still as read here (a later upload or a twin of this event may commit meanwhile).
  let read = await deps.reports.get(reportId);
  const me = { reportId, version, sequencer, distributorId, rejectsKeys: [linesKey, errorKey] };
  const settled = await alreadySettled(deps, obj, read, me);
  if (settled) return settled;

  let result: Extracted | null = null;
  let fileError: ReportFileError | null = null;
  // Reads that wait on nothing of the file go while it is read (issue #12); each is awaited where
  // it was used before, so a failed one fails the event at the same point.
  const uploaderRead = resolveUploader(deps.uploads, obj.key, obj.writtenAt ?? at(), obj.writer);
  uploaderRead.catch(() => {});
  let claimRead: Promise<ClaimRead> | undefined;
  try {
    try {
      result = await extractObject(deps, obj, distributorId, linesKey, reportId, (sha256) => {
        // Only reads, which the commit's condition checks again: done while the extract is encoded.
        claimRead = readClaim(deps, distributorId, sha256, reportId);
        claimRead.catch(() => {});
      });
    } catch (err) {
      // A file that cannot be read at all fails with a clear status; anything else is retried.
      if (!(err instanceof ReportFileError)) throw err;
      fileError = err;
    }
    const uploader = await uploaderRead;
    let errorWritten = false;
    let extractStored = false;
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS; attempt++) {
      if (attempt > 0) {
        // A later upload, or a twin of this event, may have committed meanwhile.
        read = await deps.reports.get(reportId);
        const now = await alreadySettled(deps, obj, read, me);
        if (now) return now;
      }
      let claim: ClaimDecision | null = null;
      if (result) {
        let state = attempt === 0 && claimRead ? await claimRead : undefined;
        // A claim that counts is checked again by the commit's condition; a refusal is not, so an
        // early read that refuses is read afresh (the holder may have let the bytes go meanwhile).
        if (!state || !judgeClaim(result.sha256, state).counts)
          state = await readClaim(deps, distributorId, result.sha256, reportId);
        claim = await decideClaim(deps, distributorId, result.sha256, state);
      }
      const error = fileError ?? (claim && !claim.counts ? claim.error : null);
      if (error && !errorWritten) {
        await putErrorRejects(deps, errorKey, error);
        errorWritten = true;
      }
      if (!error && result) {
        // Content-addressed: a loser of the commit leaves an object no record names, harmless.
        if (!extractStored) await deps.objects.put(result.stored.key, result.stored.bytes, result.stored.contentType);
        extractStored = true;
      }
      const rejectsKey = error ? errorKey : linesKey;
      const outcome = error ? failedOutcome(error, rejectsKey) : processedOutcome(result!, rejectsKey, version);
      const previous = read;
      const oldQuarters = previous?.activeVersion ? (previous.quarters ?? []) : [];
      const touched = [...new Set([...(outcome.quarters ?? []), ...oldQuarters])].sort();
      const replaced =
        previous?.activeVersion || previous?.rejectsKey
          ? {
              quarters: oldQuarters,
              sha256: previous.activeVersion ? (previous.sha256 ?? null) : null,
              ...(previous.activeVersion ? { version: previous.activeVersion, sequencer: previous.sequencer } : {}),
              // Only a file named by its version is that version's alone (see namedByVersion).
              ...(previous.rejectsKey && namedByVersion(previous.rejectsKey, previous)
                ? { rejectsKey: previous.rejectsKey }
                : {}),
            }
          : undefined;
      const entry = newAuditEntry(deps.clock, {
        kind: 'report',
        // The uploader when recorded; else the distributor the upload's folder names (the key is authoritative).
        actor: uploadActor(uploader, distributorId),
        ...about({ code: 'report', params: { key: obj.key } }),
        quarters: touched,
        partners: [],
        before: previous?.activeVersion ? { version: previous.activeVersion, sha256: previous.sha256 ?? null } : null,
        after: {
          version,
          status: outcome.status,
          sha256: outcome.sha256 ?? null,
          counts: outcome.counts ?? null,
          uploader: uploader ?? null,
        },
      });
      const committed = await deps.reports.commit({
        read,
        record: {
          reportId,
          bucket: obj.bucket,
          key: obj.key,
          distributorId,
          name,
          version,
          sequencer,
          objectVersionId: obj.versionId,
          etag: obj.etag,
          updatedAt: entry.at,
          ...outcome,
          uploader,
          replaced,
          entry,
        },
        ...(claim?.counts
          ? {
              claim: {
                distributorId,
                sha256: result!.sha256,
                holder: { reportId, version, sequencer, quarters: outcome.quarters ?? [] },
                from: claim.from,
              },
            }
          : {}),
      });
      if (!committed) continue;

      // A lines file of a version found a duplicate, or an error file of one counted after all.
      await dropOwnRejects(deps, me.rejectsKeys, rejectsKey);
      await afterCommit(deps, { distributorId, reportId, rejectsKey, replaced, counted: outcome.sha256 });
      const replacing = previous?.activeVersion && previous.activeVersion !== version ? ` replacing ${previous.activeVersion}` : '';
      await deps.compute.publish(
        touched.map((quarter) => ({
          quarter,
          cause: `report ${obj.key} (${reportId}@${version}) ${outcome.status}${replacing}`,
        })),
      );
      return { status: outcome.status === 'processed' ? 'processed' : 'failed', reportId, version };
    }
  } finally {
    result?.rejects.dispose();
  }
  // The record or the claim changed under every attempt: the event is retried.
  throw new Error(
    `The record of report ${obj.key} or the claim on its file kept changing while it was written; retrying later.`,
  );
}

/**
 * The outcome without reading the file again, when the record says it is settled: a later upload
 * of the key is already known, or this very version is done (a duplicate event). A crash may have
 * come between that version's commit and what follows it: the bytes it replaced are freed, the
 * replaced rejects file removed and every quarter either version touches asked for again
 * (harmless: each is idempotent).
 */
async function alreadySettled(
  deps: IngestDeps,
  obj: UploadedObject,
  existing: ReportRecord | null,
  me: { reportId: string; version: string; sequencer: string; distributorId: string; rejectsKeys: string[] },
): Promise<IngestOutcome | null> {
  const { reportId, version, sequencer, distributorId } = me;
  if (!existing) return null;
  if (existing.sequencer > sequencer) {
    // This upload's files, if a delivery of it wrote any, are nobody's.
    await dropOwnRejects(deps, me.rejectsKeys, existing.rejectsKey);
    return { status: 'skipped', reportId, version, why: 'a later upload of the same key is already known' };
  }
  const done = existing.status === 'processed' || existing.status === 'failed';
  if (existing.version !== version || existing.sequencer !== sequencer || !done) return null;
  const replaced = existing.replaced;
  await afterCommit(deps, {
    distributorId,
    reportId,
    rejectsKey: existing.rejectsKey,
    replaced,
    counted: existing.activeVersion === version ? existing.sha256 : undefined,
  });
  // A delivery cut off between its commit and removing this upload's file of the other outcome.
  await dropOwnRejects(deps, me.rejectsKeys, existing.rejectsKey);
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

/** What follows a version's commit: the replaced bytes are free for another name, its rejects file goes. */
async function afterCommit(
  deps: IngestDeps,
  c: {
    distributorId: string;
    reportId: string;
    rejectsKey: string | undefined;
    replaced: ReportRecord['replaced'];
    counted: string | undefined;
  },
): Promise<void> {
  const { replaced } = c;
  // Only the replaced version's claim: a later version of this report may hold the bytes again by now.
  if (replaced?.sha256 && replaced.sha256 !== c.counted)
    await deps.files.release(c.distributorId, replaced.sha256, c.reportId, replaced.version, replaced.sequencer);
  // Set at the commit only for a file named by the replaced version (namedByVersion).
  if (replaced?.rejectsKey && replaced.rejectsKey !== c.rejectsKey) await deleteQuietly(deps, replaced.rejectsKey);
}

/**
 * Whether a rejects key is the version's own (named by its sequencer and report, rejectsKeyOf). A key
 * named the old way, `<stem>.rejects.csv`, may be named by another report too (`feb.csv` and
 * `feb.csv.gz`, or folders `d-merl/` and `D-MERL/`): it is never deleted.
 */
function namedByVersion(key: string, version: { sequencer: string; reportId: string }): boolean {
  const own = versionFileStem(version);
  return key.endsWith(`/${own}.rejects.csv`) || key.endsWith(`/${own}.error.rejects.csv`);
}

/** The rejects file of a version that failed as a whole: the file's one error. */
async function putErrorRejects(deps: IngestDeps, key: string, error: { code: string; message: string }): Promise<void> {
  await deps.objects.put(
    key,
    `line,reason_code,message\n0,${error.code},"${error.message.replace(/"/g, '""')}"\n`,
    'text/csv; charset=utf-8',
  );
}

/**
 * This upload's rejects files (of either outcome) but the one its record names: twin deliveries, or
 * one cut off before or after its commit, may have written the other, or a later upload won.
 */
async function dropOwnRejects(deps: IngestDeps, own: readonly string[], kept: string | undefined): Promise<void> {
  for (const key of own) if (key !== kept) await deleteQuietly(deps, key);
}

/** A rejects file nobody reads any more; one left behind costs a few bytes, so a failure is no error. */
async function deleteQuietly(deps: IngestDeps, key: string): Promise<void> {
  await deps.objects.delete(key).catch(() => undefined);
}

function processedOutcome(result: Extracted, rejectsKey: string, version: string) {
  return {
    status: 'processed' as const,
    activeVersion: version as string | null,
    counts: result.extract.counts,
    sha256: result.sha256,
    bytes: result.bytes,
    rulesVersions: Object.fromEntries(result.extract.quarters.map((q) => [q.quarter, q.rulesVersion])),
    quarters: result.extract.quarters.map((q) => q.quarter),
    rejectsKey,
    extractKey: result.stored.key,
    extractSha256: result.stored.sha256,
    format: result.format,
    error: undefined,
  };
}

function failedOutcome(err: ReportFileError, rejectsKey: string) {
  return {
    status: 'failed' as const,
    // Nothing of a failed version counts, but it is still the latest upload.
    activeVersion: null,
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

/** What the claim on a file's bytes is decided from: its holder, and that holder's record or the report found by the list. */
type ClaimRead =
  | { holder: null; first: ReportRecord | null }
  | { holder: FileClaim; record: ReportRecord | null | 'mine' };

/** The reads decideClaim needs, and nothing written: they may go before the extract is encoded. */
async function readClaim(
  deps: Pick<IngestDeps, 'files' | 'reports'>,
  distributorId: string,
  sha256: string,
  reportId: string,
): Promise<ClaimRead> {
  const holder = await deps.files.holder(distributorId, sha256);
  // Reports read before claims existed hold none: the list still finds them.
  if (!holder) return { holder, first: await sameBytesAlreadyActive(deps.reports, reportId, distributorId, sha256) };
  return { holder, record: holder.reportId === reportId ? 'mine' : await deps.reports.get(holder.reportId) };
}

/**
 * Whether this report may count these bytes of the distributor, from a consistent read of their
 * claim: free, already this report's, or held by another report whose record no longer counts them
 * (taken over). A report that still counts them makes this version the duplicate-file outcome.
 * The claim is written in the version's commit, with its record, so a claim always names a
 * committed version; the commit's condition catches any change between this read and a version
 * that counts (the claim is as read: report, version and upload). A refusal writes no claim, so
 * nothing checks it at the commit: it is decided from a fresh read, never from the early one.
 */
async function decideClaim(
  deps: Pick<IngestDeps, 'files'>,
  distributorId: string,
  sha256: string,
  read: ClaimRead,
): Promise<ClaimDecision> {
  const decision = judgeClaim(sha256, read);
  if (!read.holder && read.first) {
    // The report the list found gets the claim it never had, so the next upload finds it at once.
    const { first } = read;
    await deps.files.takeOver(distributorId, sha256, { reportId: '', version: '' }, {
      reportId: first.reportId,
      version: first.activeVersion!,
      quarters: first.quarters ?? [],
    });
  }
  return decision;
}

/** The decision a claim read gives, with nothing written. */
function judgeClaim(sha256: string, read: ClaimRead): ClaimDecision {
  if (!read.holder) return read.first ? { counts: false, error: duplicateFileError(read.first) } : { counts: true, from: 'free' };
  const { holder, record } = read;
  if (record === 'mine') return { counts: true, from: 'mine' };
  // Records left being read by older code claimed before they were active: they hold it meanwhile.
  const inProgress = record?.status === 'received' || record?.status === 'processing';
  const holds =
    record &&
    ((record.activeVersion === holder.version && record.sha256 === sha256) ||
      (inProgress && record.version === holder.version));
  if (holds) return { counts: false, error: duplicateFileError(record) };
  return { counts: true, from: holder };
}

/**
 * Another report of the distributor whose active version has exactly these bytes, recorded before
 * claims existed (so holding none): the same file uploaded under a second name would count its
 * untagged lines twice (tagged ones are caught as duplicate claims). The same key is never its own
 * duplicate: re-uploading it replaces itself. A record with an audit entry inside was written with
 * its claim, so the claim read says all about it; the list (an index) may lag behind a record, so a
 * candidate is read again, consistently, before it refuses anything.
 */
async function sameBytesAlreadyActive(
  reports: ReportsRepository,
  reportId: string,
  distributorId: string,
  sha256: string,
): Promise<ReportRecord | null> {
  const counts = (r: ReportRecord | null): r is ReportRecord =>
    r !== null && r.entry === undefined && r.reportId !== reportId && r.activeVersion !== null && r.sha256 === sha256;
  const same = (await reports.list({ distributorId })).filter(counts);
  // The earliest received is the one that counts; name it.
  same.sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : a.reportId < b.reportId ? -1 : 1));
  for (const candidate of same) {
    const now = await reports.get(candidate.reportId);
    if (counts(now)) return now;
  }
  return null;
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

/** What a report's reading depends on: the same inputs give the same extract and rejects, whoever reads it. */
export interface ReadInputs {
  rules: Rules[];
  distributorId: string;
  /** The distributor as written in the registry, for reject messages (distributorAsWritten). */
  shown: string | undefined;
  maxInflatedBytes?: number | undefined;
  maxLines?: number | undefined;
}

/** A report read and extracted, not yet stored: its extract, its rejected lines and its bytes' hash. */
export interface ReadReport {
  extract: ReportExtract;
  /** The caller disposes of it once the version is written (or given up). */
  rejects: RejectsCsvWriter;
  sha256: string;
  bytes: number;
  format: { encoding: ReportEncoding; delimiter: ReportDelimiter; compressed: boolean };
}

/**
 * Reports already read in this process, before their upload's event came (`rebates run` reads the
 * data folder's reports while the emulators start).
 */
export interface EarlyReads {
  /** Whether `key` was read or is being read: ingest then opens no body for it. */
  has(key: string): boolean;
  /**
   * The read of `key`, once, if it was made with these very inputs; else null, and ingest reads the
   * file itself. A ReportFileError of the read rejects: it is the file's outcome.
   */
  take(key: string, inputs: ReadInputs): Promise<ReadReport | null>;
}

/** Whether a read made with `a` is the read `b` asks for. */
export function sameReadInputs(a: ReadInputs, b: ReadInputs): boolean {
  return (
    a.distributorId === b.distributorId &&
    a.shown === b.shown &&
    a.maxInflatedBytes === b.maxInflatedBytes &&
    a.maxLines === b.maxLines &&
    sameJson(byQuarter(a.rules), byQuarter(b.rules))
  );
}

const byQuarter = (rules: Rules[]) => [...rules].sort((x, y) => (x.quarter < y.quarter ? -1 : x.quarter > y.quarter ? 1 : 0));

/**
 * Reads a report's bytes and extracts them: everything ingest decides from the file alone (issue
 * #12), with no storage. A whole-file problem rejects with ReportFileError; the body is destroyed
 * on any failure.
 */
export async function readAndExtract(
  body: Readable,
  inputs: ReadInputs,
  onProgress?: (p: { bytesRead: number; records: number }) => void,
): Promise<ReadReport> {
  const book = new RulesBook(inputs.rules);
  const reader = readReport(body, {
    ...(inputs.maxInflatedBytes ? { maxInflatedBytes: inputs.maxInflatedBytes } : {}),
    ...(inputs.maxLines ? { maxLines: inputs.maxLines } : {}),
    ...(onProgress ? { onProgress } : {}),
  });
  const extractor = new ReportExtractor(book, inputs.distributorId, inputs.shown);
  const format = await reader.format;
  const rejects = new RejectsCsvWriter(format.headers);
  try {
    // The reader stops a file past its line bound (blank lines included) with a too-large status.
    for await (const batch of reader.records)
      for (const record of batch) {
        const reject = extractor.add(record);
        if (reject) rejects.add(reject);
      }
    const summary = await reader.done;
    return {
      extract: extractor.result({ sha256: summary.sha256, bytes: summary.rawBytes }),
      rejects,
      sha256: summary.sha256,
      bytes: summary.rawBytes,
      // The header-time encoding is provisional: an ASCII start settles only at the first non-ASCII byte.
      format: { encoding: summary.format.encoding, delimiter: format.delimiter, compressed: format.compressed },
    };
  } catch (err) {
    rejects.dispose();
    throw err;
  }
}

async function extractObject(
  deps: IngestDeps,
  obj: UploadedObject,
  distributorId: string,
  rejectsKey: string,
  reportId: string,
  onHashed?: (sha256: string) => void,
) {
  // A read made before the event came, if this process made one of these very bytes (a plain read
  // of the key: a given object version is S3's to serve).
  const early = !obj.versionId && deps.early?.has(obj.key) ? deps.early : undefined;
  // Independent reads at once; a body opened for nothing is closed.
  const [rules, object, shown] = await Promise.allSettled([
    deps.rules.loadAll(),
    early ? Promise.resolve(null) : deps.objects.get(obj.key, obj.versionId),
    distributorAsWritten(deps, distributorId),
  ]);
  if (rules.status === 'rejected' || object.status === 'rejected' || shown.status === 'rejected') {
    if (object.status === 'fulfilled') object.value?.body.destroy();
    throw [rules, object, shown].find((r) => r.status === 'rejected')!.reason;
  }
  const inputs: ReadInputs = {
    rules: rules.value,
    distributorId,
    shown: shown.value,
    maxInflatedBytes: deps.maxInflatedBytes,
    maxLines: deps.maxLines,
  };
  const progress = deps.onProgress ? (p: { bytesRead: number; records: number }) => deps.onProgress!({ key: obj.key, ...p }) : undefined;
  // Errors other than ReportFileError (an S3 read cut off, a throttle) propagate: the event is retried.
  let read = early ? await early.take(obj.key, inputs) : null;
  if (!read) {
    const body = object.value ? object.value.body : (await deps.objects.get(obj.key, obj.versionId)).body;
    read = await readAndExtract(body, inputs, progress);
  }
  const { extract, rejects } = read;
  let stored;
  try {
    onHashed?.(read.sha256);
    // The rejects file's put is started first, but the encoding is synchronous: it runs to its end
    // (tens of milliseconds for a million lines) before the put's request goes out, so the two do
    // not overlap. Both settle before the rejects file is disposed of (a failed encoding settles as a
    // rejection); the extract is stored only once claimed.
    const [put, encoded] = await Promise.allSettled([
      deps.objects.put(rejectsKey, rejects.toReadable(), 'text/csv; charset=utf-8'),
      (async () => storableExtract(reportId, extract, deps.extractFormat))(),
    ]);
    if (put.status === 'rejected') throw put.reason;
    if (encoded.status === 'rejected') throw encoded.reason;
    stored = encoded.value;
  } catch (err) {
    rejects.dispose();
    throw err;
  }
  return {
    extract,
    stored,
    // Stored under the lines' key already; the caller disposes of it once the version is written.
    rejects,
    sha256: read.sha256,
    bytes: read.bytes,
    format: read.format,
  };
}
