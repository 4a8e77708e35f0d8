/**
 * What the pipeline needs from the outside world. Handlers and services depend on these
 * interfaces; `shared/adapters` implements them over the AWS SDK; `shared/wiring.ts` connects them.
 */
import type { Readable } from 'node:stream';
import type { LedgerEntry } from '../domain/points.js';
import type { Rules } from '../domain/rules/load.js';
import type {
  Acceptance,
  CatalogEntry,
  Distributor,
  Partner,
  PartnerQuarterResult,
  TallyRow,
  Training,
} from '../domain/types.js';

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
  /** Data lines read (header excluded). */
  read: number;
  tallied: number;
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
  /** The object version whose tallies count now (null before the first success, or when the latest version failed). */
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
  format?: { encoding: string; delimiter: string; compressed: boolean };
  error?: { code: string; message: string };
}

/** Units of one partner in one quarter contributed by one report version. */
export interface ReportTally {
  quarter: string;
  partnerId: string;
  rows: Omit<TallyRow, 'partnerId'>[];
}

export interface ReportsRepository {
  get(reportId: string): Promise<ReportRecord | null>;
  list(filter: { distributorId?: string }): Promise<ReportRecord[]>;
  /**
   * Records that `version` is being processed, unless a later upload of the same key (higher
   * sequencer) is already known. Returns the record as it stood before.
   */
  startProcessing(
    record: Pick<
      ReportRecord,
      'reportId' | 'bucket' | 'key' | 'distributorId' | 'name' | 'version' | 'sequencer' | 'objectVersionId' | 'etag'
    >,
    at: string,
  ): Promise<{ started: boolean; previous: ReportRecord | null }>;
  writeTallies(reportId: string, version: string, tallies: readonly ReportTally[]): Promise<void>;
  /** The tallies a version of a report stored. */
  talliesOf(reportId: string, version: string): Promise<ReportTally[]>;
  /** (quarter, partner) pairs that a version of a report contributed to. */
  tallyKeys(reportId: string, version: string): Promise<{ quarter: string; partnerId: string }[]>;
  deleteTallies(reportId: string, version: string): Promise<void>;
  /** Makes `version` the active one, unless a later upload has been activated meanwhile. */
  activate(
    reportId: string,
    version: string,
    sequencer: string,
    outcome: Pick<ReportRecord, 'status' | 'counts' | 'sha256' | 'bytes' | 'rulesVersions' | 'quarters' | 'rejectsKey' | 'format' | 'error'> & {
      /** false for a failed version: nothing of it counts, but it is still the latest upload. */
      hasTallies: boolean;
    },
    at: string,
  ): Promise<boolean>;
  /** Tally rows of the active versions of all reports for one partner and quarter. */
  currentTallies(quarter: string, partnerId: string): Promise<TallyRow[]>;
}

// ---------------------------------------------------------------- reference data

export interface IngestReference {
  partners: ReadonlyMap<string, Partner>;
  distributors: ReadonlyMap<string, Distributor>;
  catalog: ReadonlyMap<string, CatalogEntry>;
}

export interface PartnerState {
  partner: Partner | null;
  acceptances: Acceptance[];
  trainings: Training[];
  ledger: LedgerEntry[];
}

export interface ReferenceRepository {
  loadForIngest(): Promise<IngestReference>;
  partnerState(partnerId: string): Promise<PartnerState>;
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
   * Rewrites acceptances stored one per partner and program (before every acceptance was kept)
   * into one item each; returns how many were rewritten. Safe to repeat and to interrupt.
   */
  migrateAcceptances(): Promise<number>;
  putTrainings(trainings: readonly Training[]): Promise<void>;
  putCatalog(entries: readonly CatalogEntry[]): Promise<void>;
}

// ---------------------------------------------------------------- results

export interface StoredPayouts {
  result: PartnerQuarterResult;
  computedAt: string;
}

export interface PayoutsRepository {
  /**
   * Stores a partner's payouts for a quarter, after appending `points` to the ledger as
   * `LedgerRepository.append` does: a stored payout's points are always in the ledger.
   */
  put(result: PartnerQuarterResult, at: string, points?: readonly LedgerEntry[]): Promise<void>;
  get(quarter: string, partnerId: string): Promise<StoredPayouts | null>;
  listQuarter(quarter: string): Promise<StoredPayouts[]>;
}

export interface LedgerRepository {
  /** Appends entries; an entry whose id already exists is left as it is (idempotent). */
  append(entries: readonly LedgerEntry[]): Promise<void>;
}

// ---------------------------------------------------------------- rules and queues

export interface RulesRepository {
  /** All rules files in force, validated. */
  loadAll(): Promise<Rules[]>;
}

export interface RecalcRequest {
  quarter: string;
  partnerId: string;
  /** Why, for logs: "report rpt_… processed", "acceptances imported". */
  cause: string;
}

export interface RecalcQueue {
  publish(requests: readonly RecalcRequest[]): Promise<void>;
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
}

export interface QuarterRepository {
  /** Strongly consistent: a close is seen at once. */
  get(quarter: string): Promise<QuarterRecord | null>;
  /** Records the close unless the quarter is already closed; false when someone else closed it first. */
  close(record: QuarterRecord & { status: 'closed' }): Promise<boolean>;
}
