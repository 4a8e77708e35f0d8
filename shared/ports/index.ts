/**
 * What the pipeline needs from the outside world. Handlers and services depend on these
 * interfaces; `shared/adapters` implements them over the AWS SDK; `shared/wiring.ts` connects them.
 */
import type { Readable } from 'node:stream';
import type { ErrorParams } from '../errors.js';
import type { ReferenceRowChange } from '../domain/causes.js';
import type { LedgerEntry, PointsEarning } from '../domain/points.js';
import type { Rules } from '../domain/rules/load.js';
import type { AuditEntry } from './approvals.js';
import type { FileClaim, FileHolder } from './file-claims.js';
import type {
  Acceptance,
  CatalogEntry,
  Distributor,
  Partner,
  PartnerQuarterResult,
  Training,
} from '../domain/types.js';
import type { QuarterReference } from '../pipeline/compute-quarter.js';

// ---------------------------------------------------------------- objects (S3)

export interface StoredObject {
  body: Readable;
  size: number;
  etag: string;
  versionId: string | null;
}

export interface ObjectStore {
  get(key: string, versionId?: string | null): Promise<StoredObject>;
  put(key: string, body: string | Buffer | Iterable<string> | Readable, contentType: string): Promise<void>;
  list(prefix: string): Promise<string[]>;
  getText(key: string): Promise<string>;
  /** The object's bytes, or null when there is no such object. */
  getBytes(key: string): Promise<Buffer | null>;
  /** Removes the object; a missing one is no error. */
  delete(key: string): Promise<void>;
}

/** Time-limited URLs for one object, so a browser or a distributor's script talks to S3 directly. */
export interface ObjectUrls {
  /** Lets its holder PUT exactly `key` (the key is part of the signature) for `expiresIn` seconds. */
  presignPut(key: string, expiresIn: number): Promise<string>;
  /** Lets its holder GET `key`; `fileName` sets the download name. */
  presignGet(key: string, expiresIn: number, fileName?: string): Promise<string>;
}

// ---------------------------------------------------------------- reports

export type ReportStatus = 'received' | 'processing' | 'processed' | 'failed';

export interface ReportCounts {
  /** Data lines read (header excluded): read = extracted + rejected. */
  read: number;
  /** Lines that passed the file's own checks and went into the extract. */
  extracted: number;
  rejected: number;
  byReason: Record<string, number>;
}

export interface ReportRecord {
  reportId: string;
  bucket: string;
  key: string;
  distributorId: string;
  name: string;
  status: ReportStatus;
  /** The object version whose extract counts now (null before the first success, or when the latest version failed). */
  activeVersion: string | null;
  /** The version being processed or last attempted. */
  version: string;
  /** S3 event sequencer of `version`: orders uploads of the same key. */
  sequencer: string;
  /** The S3 object version (null when the bucket is not versioned) and ETag that `version` was read from. */
  objectVersionId: string | null;
  etag: string;
  receivedAt: string;
  updatedAt: string;
  sha256?: string;
  bytes?: number;
  counts?: ReportCounts;
  /** Rules versions used, by quarter. */
  rulesVersions?: Record<string, string>;
  quarters?: string[];
  rejectsKey?: string;
  /** The extract of the active version (content-addressed) and its sha256. */
  extractKey?: string;
  extractSha256?: string;
  format?: { encoding: string; delimiter: string; compressed: boolean };
  /** Why the file failed; `key` and `params` say it again in another language (absent in older records). */
  error?: { code: string; message: string; key?: string; params?: ErrorParams };
  /** Who uploaded `version` (shared/pipeline/uploader.ts); absent when nobody was recorded. */
  uploader?: ReportUploader;
  /**
   * The version that `version` replaced, as it counted: its quarters and bytes. Kept with the
   * activation, so a redelivered event can ask again for those quarters and free those bytes if a
   * crash came between the activation and those steps.
   */
  replaced?: {
    quarters: string[];
    sha256: string | null;
    rejectsKey?: string;
    /**
     * The replaced active version, whose claim on `sha256` is released after the commit; only that
     * claim, never one a later version of the report took on the same bytes. Absent in records written before.
     */
    version?: string;
    /** The replaced version's upload (its S3 event sequencer): its claim's, when the claim has one. */
    sequencer?: string;
  };
  /**
   * The version's audit entry, listed in the trail through the trail index (gsi2); moved out as a
   * trail item of its own when a later version replaces it. Absent in records written before.
   */
  entry?: AuditEntry;
}

/** What `ReportsRepository.commit` writes, and what it must find unchanged. */
export interface ReportCommit {
  /** The record as read before the version was read; null when there was none. */
  read: ReportRecord | null;
  /** Every field of the new record; the ones left undefined are removed. */
  record: Omit<ReportRecord, 'receivedAt'> & { receivedAt?: undefined; entry: AuditEntry };
  /**
   * The claim on the version's bytes, when it counts: `from` says how it stood when read — free,
   * already this report's, or another report's that no longer counts the bytes (taken over).
   */
  claim?: { distributorId: string; sha256: string; holder: FileHolder; from: 'free' | 'mine' | FileClaim };
}

/** Who uploaded a report version, and how. */
export interface ReportUploader {
  /** "distributor dist-kvant" (role and user of an upload URL) or an S3 principal ("AWS:AROA…:kvant-sync"). */
  by: string;
  /** 'upload-url': through the API's upload URL; 's3': written straight into S3 with its own credentials. */
  via: 'upload-url' | 's3';
  /** The address S3 saw a direct write come from. */
  sourceIp?: string;
}

export interface ReportsRepository {
  get(reportId: string): Promise<ReportRecord | null>;
  list(filter: { distributorId?: string }): Promise<ReportRecord[]>;
  /**
   * Writes a version's outcome in one transaction: its record (with its audit entry, `entry`), the
   * claim on its bytes when it counts, and the replaced version's entry as a trail item of its
   * own. Nothing is written, and false is answered, unless the record is still exactly `commit.read`
   * and the claim still as decided: the caller reads both again and decides anew.
   */
  commit(commit: ReportCommit): Promise<boolean>;
  /**
   * Reports whose active version has lines in the quarter, for its computation: found through the
   * file claims naming the quarter (a version's claim is written with its record, in one transaction).
   */
  activeInQuarter(quarter: string): Promise<ReportRecord[]>;
}

// ---------------------------------------------------------------- reference data

/** One reference write, for the causes of the computations it leads to. */
export interface ReferenceWrite {
  what: string;
  by: string;
  at: string;
  /** The rows written, each with what it was before (the first few of a change). */
  rows?: ReferenceRowChange[];
}

export type { ReferenceRowChange } from '../domain/causes.js';

export interface PartnerState {
  partner: Partner | null;
  acceptances: Acceptance[];
  trainings: Training[];
  ledger: LedgerEntry[];
}

/** What `rebates migrate` folded, by kind. */
export interface MigratedRows {
  partners: number;
  acceptances: number;
  trainings: number;
}

export interface ReferenceRepository {
  /**
   * Everything a quarter computation needs, in a few queries, with the revision it was read at.
   * The revision is read first, so a write landing during the read only makes the next computation
   * (which its own request asks for) see a newer revision.
   */
  loadSnapshot(): Promise<QuarterReference & { changes: ReferenceWrite[] }>;
  /** Counts one reference write (one item); returns the new revision. */
  bumpRevision(change: ReferenceWrite): Promise<string>;
  partnerState(partnerId: string): Promise<PartnerState>;
  /**
   * A partner's points ledger alone (one partition query, no reference rows): what loops over many
   * partners (quarter close, ledger checks, redemptions) need.
   */
  partnerLedger(partnerId: string): Promise<LedgerEntry[]>;
  /** The registered partners among these IDs, reading only their partners' stored rows. */
  partnersOf(ids: readonly string[]): Promise<Map<string, Partner>>;
  /** These partners' acceptances (every ID a key), reading only their stored rows. */
  acceptancesOf(ids: readonly string[]): Promise<Map<string, Acceptance[]>>;
  /**
   * Refuses (ReferenceBucketFullError) rows that would not fit where they are stored, before any
   * is written: an import calls it so that a full store stops it whole.
   */
  checkRoom(
    change: { partners?: readonly Partner[]; acceptances?: readonly Acceptance[]; trainings?: readonly Training[] },
    recordedAt: string,
  ): Promise<void>;
  listPartners(): Promise<Partner[]>;
  listDistributors(): Promise<Distributor[]>;
  putPartners(partners: readonly Partner[]): Promise<void>;
  putDistributors(distributors: readonly Distributor[]): Promise<void>;
  /**
   * Adds acceptances, stamped `recordedAt`; none replaces another. One already stored (same
   * partner, program, instant and plan) is left as it is, with its first `recordedAt`.
   */
  putAcceptances(acceptances: readonly Acceptance[], recordedAt: string): Promise<void>;
  /**
   * Folds the reference rows earlier versions stored one item each (partners, acceptances of both
   * key forms, trainings) into the items this version reads, and deletes the old items; returns
   * how many of each kind were folded. Safe to repeat and to interrupt.
   */
  migrateAcceptances(): Promise<MigratedRows>;
  putTrainings(trainings: readonly Training[]): Promise<void>;
  putCatalog(entries: readonly CatalogEntry[]): Promise<void>;
}

// ---------------------------------------------------------------- results

export interface StoredPayouts {
  result: PartnerQuarterResult;
  /** Pending points of the quarter: credited to the ledger when the quarter is closed. */
  points: PointsEarning[];
  /** Of result and points' stored text (compute-quarter's PartnerOutcome.hash): unchanged hash, no write. */
  hash: string;
  computedAt: string;
}

/** A result to store; `content`, when given, is its stored text as the computation made it (PartnerOutcome.content). */
export type PayoutToStore = Omit<StoredPayouts, 'computedAt'> & { content?: string };
export type PayoutsToStore = readonly PayoutToStore[] | AsyncIterable<PayoutToStore>;

/**
 * What a computation knows of the quarter it writes: the store then reads back only what it must
 * merge with (a full computation, every partner new or changed, reads nothing).
 */
export interface PayoutsWriteScope {
  quarter: string;
  /** Every partner with a result once the write is done: those given and those left unchanged. */
  present: ReadonlySet<string>;
  /** Partners whose results the same write removes (as deleteMany). */
  gone: readonly string[];
  /** Partners that had a result before the write, stored by any version. */
  before: Iterable<string>;
}

export interface PayoutsRepository {
  /**
   * Stores partners' results for their quarter, replacing what was there (given as they are
   * computed, an async iterable, they are taken as they come); with a scope, the scope's `gone`
   * are removed in the same write.
   */
  putMany(results: PayoutsToStore, at: string, scope?: PayoutsWriteScope): Promise<void>;
  /** Removes partners' results of a quarter (a partner with nothing counted any more). */
  deleteMany(quarter: string, partnerIds: readonly string[]): Promise<void>;
  get(quarter: string, partnerId: string): Promise<StoredPayouts | null>;
  /** Every stored payout item of the quarter, sorted by partner ID. */
  listQuarter(quarter: string): Promise<StoredPayouts[]>;
}

export interface LedgerRepository {
  /** Appends entries; an entry whose id already exists is left as it is (idempotent). */
  append(entries: readonly LedgerEntry[]): Promise<void>;
  /**
   * Appends a redemption only if no other redemption of the partner was written since the caller
   * read `redemptionsSeen` of them; false when one was (read again and decide again).
   */
  appendRedemption?(entry: LedgerEntry, redemptionsSeen: number): Promise<boolean>;
}

// ---------------------------------------------------------------- rules and queues

export interface RulesRepository {
  /** All rules files in force, validated. */
  loadAll(): Promise<Rules[]>;
}

export interface ComputeRequest {
  quarter: string;
  /** Why, for logs and the computation record: "report rpt_… processed", "catalog imported by …". */
  cause: string;
}

/** Requests of a quarter's computation; one runs at a time per quarter (FIFO group = quarter). */
export interface ComputeQueue {
  publish(requests: readonly ComputeRequest[]): Promise<void>;
  /**
   * Asks for the evaluation of a stored reference change (approval `approvalId`) against the closed
   * quarters, in a message group of its own so no quarter's request replaces it. Absent on stand-ins
   * that only collect computation requests.
   */
  evaluate?(approvalId: string): Promise<void>;
}

/** The small pointer to a quarter's latest computation; the body is in the object store. */
export interface ComputationPointer {
  quarter: string;
  inputsHash: string;
  resultHash: string;
  rulesVersion: string;
  referenceRevision: string;
  bodyKey: string;
  computedAt: string;
}

export interface ComputationRepository {
  latest(quarter: string): Promise<ComputationPointer | null>;
  put(pointer: ComputationPointer): Promise<void>;
}

export interface Clock {
  now(): Date;
}

// ---------------------------------------------------------------- quarter close

/** The small record of a closed quarter; the frozen lines live in the object store at `snapshotKey`. */
export interface QuarterRecord {
  quarter: string;
  status: 'open' | 'closed';
  closedAt: string;
  closedBy: string;
  /** Of the canonical CSV export of the snapshot lines. */
  sha256: string;
  rulesVersion: string;
  snapshotKey: string;
  /** Decimal string, 2 places. */
  total: string;
  /**
   * false from the close until every partner's points are in the ledger; a record written before
   * this flag existed has none and counts as complete.
   */
  creditsComplete?: boolean;
  /** The approval whose decision closed the quarter, so a retry of that approval can finish it. */
  approvalId?: string;
}

export interface QuarterRepository {
  /** Strongly consistent: a close is seen at once. */
  get(quarter: string): Promise<QuarterRecord | null>;
  /** Records the close unless the quarter is already closed; false when someone else closed it first. */
  close(record: QuarterRecord & { status: 'closed' }): Promise<boolean>;
  /** Records that every partner of the closed quarter has been credited. */
  markCreditsComplete(quarter: string): Promise<void>;
}
