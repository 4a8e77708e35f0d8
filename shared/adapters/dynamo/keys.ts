import { GSI1 as GSI1_INDEX, INDEX_PARTITION, ITEM_KEY, ITEM_PREFIX as P } from '../../storage-contract.js';
import type { Payment } from '../../ports/finance.js';

/** Key layout of the single table (docs/architecture.md, "DynamoDB"). One place, so it cannot drift. */
export const keys = {
  report: (reportId: string) => ({ pk: `${P.report}${reportId}`, sk: ITEM_KEY.meta }),
  /** gsi1 partition of a distributor's reports. */
  distributorReports: (distributorId: string) => `${P.reportsByDistributor}${distributorId}`,
  reportIndex: (distributorId: string, receivedAt: string, reportId: string) => ({
    gsi1pk: keys.distributorReports(distributorId),
    gsi1sk: `${receivedAt}#${reportId}`,
  }),
  /**
   * A report with lines in a quarter, as versions activated before file claims named their quarters
   * recorded it; their computations still find the reports through these.
   */
  quarterReport: (quarter: string, reportId: string) => ({
    pk: `${P.quarter}${quarter}`,
    sk: `${P.report}${reportId}`,
  }),
  quarterPk: (quarter: string) => `${P.quarter}${quarter}`,
  reportPrefix: P.report,
  partner: (id: string) => ({
    pk: `${P.partner}${id}`,
    sk: ITEM_KEY.profile,
    gsi1pk: INDEX_PARTITION.partners,
    gsi1sk: id,
  }),
  partnerPk: (id: string) => `${P.partner}${id}`,
  partnerPrefix: P.partner,
  profile: ITEM_KEY.profile,
  /**
   * One item per acceptance (every one is kept, program rules §2.2): the instant in UTC, so one
   * acceptance written with two offsets is one item, and a partner's acceptances sort by time.
   * Items stored before that have `sk = ACCEPT#<program>` (see migrateAcceptances).
   */
  acceptance: (a: { partnerId: string; program: string; plan: number | null; acceptedAt: string }) => {
    const sk = `${P.acceptance}${a.program}#${new Date(a.acceptedAt).toISOString()}#${a.plan ?? '-'}`;
    // In one index partition, so a quarter computation loads every acceptance in one query.
    return {
      pk: `${P.partner}${a.partnerId}`,
      sk,
      gsi1pk: INDEX_PARTITION.acceptances,
      gsi1sk: `${a.partnerId}#${sk}`,
    };
  },
  acceptancePrefix: P.acceptance,
  training: (partnerId: string, course: string, completedAt: string) => ({
    pk: `${P.partner}${partnerId}`,
    sk: `${P.training}${course}#${completedAt}`,
    gsi1pk: INDEX_PARTITION.trainings,
    gsi1sk: `${partnerId}#${P.training}${course}#${completedAt}`,
  }),
  trainingPrefix: P.training,
  /**
   * No gsi1 keys: a copy of the whole item (~9 KB) in the index doubled each write's cost. A
   * quarter's payouts are listed by the partner IDs of its computation records; items stored
   * before carry `gsi1pk = payoutsLegacyIndex(quarter)` and are still found through it.
   */
  payout: (quarter: string, partnerId: string) => ({ pk: `${P.partner}${partnerId}`, sk: `${P.payout}${quarter}` }),
  payoutsLegacyIndex: (quarter: string) => `${P.payoutsLegacyIndex}${quarter}`,
  points: (partnerId: string, entryId: string) => ({ pk: `${P.partner}${partnerId}`, sk: `${P.points}${entryId}` }),
  pointsPrefix: P.points,
  /** A partner's count of redemptions (moved with each redemption entry). */
  redemptions: (partnerId: string) => ({ pk: `${P.partner}${partnerId}`, sk: ITEM_KEY.redemptions }),
  distributor: (id: string) => ({
    pk: `${P.distributor}${id}`,
    sk: ITEM_KEY.profile,
    gsi1pk: INDEX_PARTITION.distributors,
    gsi1sk: id,
  }),
  catalog: (sku: string) => ({ pk: ITEM_KEY.catalog, sk: `${P.sku}${sku}` }),
  catalogPk: ITEM_KEY.catalog,
  /**
   * Which report of the distributor counts the file with these bytes (a second name is refused),
   * and the quarters it has lines in. All claims share one partition, so a quarter's computation
   * finds its reports, whatever their distributor, in one query; the claim doubles as that
   * membership, and a report costs no item per quarter.
   */
  fileClaim: (distributorId: string, sha256: string) => ({
    pk: ITEM_KEY.fileClaims,
    sk: `${P.file}${distributorId}#${sha256}`,
  }),
  fileClaimsPk: ITEM_KEY.fileClaims,
  /** The reference revision: a counter every reference write increments, with its latest changes. */
  referenceRevision: { pk: ITEM_KEY.referenceMeta, sk: ITEM_KEY.revision },
  /** gsi1 partitions of the reference rows. */
  index: INDEX_PARTITION,
  /**
   * The bucket item of one kind of reference rows (partners, acceptances, trainings): its own
   * partition, so the writes of a whole folder spread over partitions on AWS.
   */
  referenceBucket: (kind: string, bucket: number) => ({
    pk: `${P.referenceBucket}${kind}#${String(bucket).padStart(3, '0')}`,
    sk: ITEM_KEY.rows,
  }),
  /**
   * A quarter's payouts packed many partners to an item, by bucketOf(partnerId, count): each shard
   * its own partition, so a computation's writes spread over partitions on AWS.
   */
  payoutShard: (quarter: string, bucket: number) => ({
    pk: `${P.payoutShard}${quarter}#${String(bucket).padStart(3, '0')}`,
    sk: ITEM_KEY.payoutShard,
  }),
  /** The quarter's record that its payouts are in shards (and its per-partner items are gone). */
  payoutShards: (quarter: string) => ({ pk: `${P.payoutShard}${quarter}`, sk: ITEM_KEY.payoutShards }),
} as const;

export const GSI1 = GSI1_INDEX.indexName;

/** A quarter's close record. */
export const quarterKeys = {
  quarter: (quarter: string) => ({ pk: `${P.quarter}${quarter}`, sk: ITEM_KEY.meta }),
  /** Points to the quarter's latest computation record (its body is in S3). */
  computation: (quarter: string) => ({ pk: `${P.quarter}${quarter}`, sk: ITEM_KEY.computation }),
} as const;

/** The audit trail: a partition per month of the entries' UTC time, an index partition per actor. */
export const auditKeys = {
  month: (yyyyMm: string) => `${P.audit}${yyyyMm}`,
  entry: (id: string, at: string, actorSub: string) => ({
    pk: `${P.audit}${at.slice(0, 7)}`,
    sk: id,
    gsi1pk: `${P.auditByActor}${actorSub}`,
    gsi1sk: id,
  }),
  actor: (sub: string) => `${P.auditByActor}${sub}`,
  /**
   * The trail index keys of a record holding an entry: the entry's month partition and its id
   * (gsi2), its actor's partition and its id (gsi3).
   */
  inRecord: (entry: { id: string; at: string; actor: { sub: string } }) => ({
    gsi2pk: auditKeys.month(entry.at.slice(0, 7)),
    gsi2sk: entry.id,
    gsi3pk: auditKeys.actor(entry.actor.sub),
    gsi3sk: entry.id,
  }),
  once: (key: string) => ({ pk: `${P.auditOnce}${key}`, sk: ITEM_KEY.once }),
} as const;

/** Approvals: one item each, found by status through gsi1 (the status moves the item in the index). */
export const approvalKeys = {
  approval: (id: string) => ({ pk: `${P.approval}${id}`, sk: ITEM_KEY.meta }),
  byStatus: (status: string, requestedAt: string, id: string) => ({
    gsi1pk: `${P.approvalsByStatus}${status}`,
    gsi1sk: `${requestedAt}#${id}`,
  }),
  status: (status: string) => `${P.approvalsByStatus}${status}`,
} as const;

/** Payments of a quarter in one partition, sorted by partner × distributor; the upload log. */
export const financeKeys = {
  payment: (p: Pick<Payment, 'quarter' | 'partnerId' | 'distributorId' | 'paymentId'>) => ({
    pk: `${P.payments}${p.quarter}`,
    sk: `${P.payment}${p.partnerId}#${p.distributorId}#${p.paymentId}`,
  }),
  paymentsPk: (quarter: string) => `${P.payments}${quarter}`,
  paymentPrefix: P.payment,
  upload: (key: string, at: string) => ({ pk: `${P.upload}${key}`, sk: `${P.uploadAt}${at}` }),
} as const;
