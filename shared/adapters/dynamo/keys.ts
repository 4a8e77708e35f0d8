import { GSI1 as GSI1_INDEX, ITEM_PREFIX } from '../../storage-contract.js';

const FILE_CLAIMS_PK = 'FILES';

/** Key layout of the single table (docs/architecture.md, "DynamoDB"). One place, so it cannot drift. */
export const keys = {
  report: (reportId: string) => ({ pk: `REPORT#${reportId}`, sk: 'META' }),
  reportIndex: (distributorId: string, receivedAt: string, reportId: string) => ({
    gsi1pk: `REPORTS#${distributorId}`,
    gsi1sk: `${receivedAt}#${reportId}`,
  }),
  /**
   * A report with lines in a quarter, as versions activated before file claims named their quarters
   * recorded it; their computations still find the reports through these.
   */
  quarterReport: (quarter: string, reportId: string) => ({ pk: `QUARTER#${quarter}`, sk: `REPORT#${reportId}` }),
  partner: (id: string) => ({ pk: `PARTNER#${id}`, sk: 'PROFILE', gsi1pk: 'PARTNERS', gsi1sk: id }),
  partnerPk: (id: string) => `PARTNER#${id}`,
  /**
   * One item per acceptance (every one is kept, program rules §2.2): the instant in UTC, so one
   * acceptance written with two offsets is one item, and a partner's acceptances sort by time.
   * Items stored before that have `sk = ACCEPT#<program>` (see migrateAcceptances).
   */
  acceptance: (a: { partnerId: string; program: string; plan: number | null; acceptedAt: string }) => {
    const sk = `ACCEPT#${a.program}#${new Date(a.acceptedAt).toISOString()}#${a.plan ?? '-'}`;
    // In one index partition, so a quarter computation loads every acceptance in one query.
    return { pk: `PARTNER#${a.partnerId}`, sk, gsi1pk: 'ACCEPTANCES', gsi1sk: `${a.partnerId}#${sk}` };
  },
  acceptancePrefix: 'ACCEPT#',
  training: (partnerId: string, course: string, completedAt: string) => ({
    pk: `PARTNER#${partnerId}`,
    sk: `TRAIN#${course}#${completedAt}`,
    gsi1pk: 'TRAININGS',
    gsi1sk: `${partnerId}#TRAIN#${course}#${completedAt}`,
  }),
  /**
   * No gsi1 keys: a copy of the whole item (~9 KB) in the index doubled each write's cost. A
   * quarter's payouts are listed by the partner IDs of its computation records; items stored
   * before carry `gsi1pk = payoutsLegacyIndex(quarter)` and are still found through it.
   */
  payout: (quarter: string, partnerId: string) => ({ pk: `PARTNER#${partnerId}`, sk: `PAYOUT#${quarter}` }),
  payoutsLegacyIndex: (quarter: string) => `PAYOUTS#${quarter}`,
  points: (partnerId: string, entryId: string) => ({ pk: `PARTNER#${partnerId}`, sk: `POINTS#${entryId}` }),
  distributor: (id: string) => ({ pk: `DISTRIBUTOR#${id}`, sk: 'PROFILE', gsi1pk: 'DISTRIBUTORS', gsi1sk: id }),
  catalog: (sku: string) => ({ pk: 'CATALOG', sk: `SKU#${sku}` }),
  /**
   * Which report of the distributor counts the file with these bytes (a second name is refused),
   * and the quarters it has lines in. All claims share one partition, so a quarter's computation
   * finds its reports, whatever their distributor, in one query; the claim doubles as that
   * membership, and a report costs no item per quarter.
   */
  fileClaim: (distributorId: string, sha256: string) => ({ pk: FILE_CLAIMS_PK, sk: `FILE#${distributorId}#${sha256}` }),
  fileClaimsPk: FILE_CLAIMS_PK,
  /** The reference revision: a counter every reference write increments, with its latest changes. */
  referenceRevision: { pk: 'REFERENCE#META', sk: 'REVISION' },
} as const;

export const GSI1 = GSI1_INDEX.indexName;

/** A quarter's close record. */
export const quarterKeys = {
  quarter: (quarter: string) => ({ pk: `QUARTER#${quarter}`, sk: 'META' }),
  /** Points to the quarter's latest computation record (its body is in S3). */
  computation: (quarter: string) => ({ pk: `QUARTER#${quarter}`, sk: 'COMPUTATION' }),
} as const;

/** The audit trail: a partition per month of the entries' UTC time, an index partition per actor. */
export const auditKeys = {
  month: (yyyyMm: string) => `${ITEM_PREFIX.audit}${yyyyMm}`,
  entry: (id: string, at: string, actorSub: string) => ({
    pk: `${ITEM_PREFIX.audit}${at.slice(0, 7)}`,
    sk: id,
    gsi1pk: `${ITEM_PREFIX.auditByActor}${actorSub}`,
    gsi1sk: id,
  }),
  actor: (sub: string) => `${ITEM_PREFIX.auditByActor}${sub}`,
  once: (key: string) => ({ pk: `${ITEM_PREFIX.auditOnce}${key}`, sk: 'ONCE' }),
} as const;

/** Approvals: one item each, found by status through gsi1 (the status moves the item in the index). */
export const approvalKeys = {
  approval: (id: string) => ({ pk: `${ITEM_PREFIX.approval}${id}`, sk: 'META' }),
  byStatus: (status: string, requestedAt: string, id: string) => ({
    gsi1pk: `${ITEM_PREFIX.approvalsByStatus}${status}`,
    gsi1sk: `${requestedAt}#${id}`,
  }),
  status: (status: string) => `${ITEM_PREFIX.approvalsByStatus}${status}`,
} as const;
