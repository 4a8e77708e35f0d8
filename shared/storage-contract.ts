/**
 * The storage contract (docs/architecture.md, "Storage contract") as constants: the key prefixes of
 * the reports bucket and the single table's key and index names. The adapters build keys with them
 * and the CDK app grants access and creates the table with them, so the two cannot drift apart.
 * Plain data, no AWS imports: `infra/`, `shared/` and `local/` may all import it.
 */

/** Key prefixes of the reports bucket; every object the application writes is under one of them. */
export const PREFIX = {
  /** `incoming/<distributorId>/<name>.csv[.gz]`: uploaded reports; an upload here starts ingest. */
  incoming: 'incoming/',
  /**
   * `rejects/<distributorId>/<stem>/<sequencer>.<reportId>.rejects.csv`: a report version's own rejected lines;
   * `<stem>/<sequencer>.<reportId>.error.rejects.csv` when the version failed as a whole (its one error). Records
   * written before the sequencer was in the name point at `<name>.rejects.csv`.
   */
  rejects: 'rejects/',
  /** `extracts/<reportId>/<sha256>.bin` (`.json.gz` before the binary form): a report version's extract, content-addressed. */
  extracts: 'extracts/',
  /** `computations/<quarter>/<resultHash>.json.gz`: a quarter computation's record body. */
  computations: 'computations/',
  /** `rules/<quarter>.json`: the rules files in force. */
  rules: 'rules/',
  /** `exports/<quarter>/snapshot-<sha256>.json`: the frozen payouts of a closed quarter. */
  exports: 'exports/',
} as const;

/**
 * `computations/<quarter>/workbench-<inputsHash>.json.gz`: the watchlist's candidates and the
 * exceptions items of the computation of those inputs, stored after its pointer so the payouts are
 * not held up by them. Missing for computations before it, or when that last write failed: the
 * readers then work them out from the payout items.
 */
export const workbenchKey = (quarter: string, inputsHash: string): string =>
  `${PREFIX.computations}${quarter}/workbench-${inputsHash}.json.gz`;

/** Where a distributor's report named `name` is uploaded: `incoming/<distributorId>/<name>`. */
export const reportKey = (distributorId: string, name: string): string => `${PREFIX.incoming}${distributorId}/${name}`;

/**
 * A distributor's report: the S3 notification filter of the deployed bucket (prefix incoming/,
 * suffix .csv or .csv.gz, case-sensitive as in S3). Other objects there are never read.
 */
export const isReportKey = (key: string): boolean => key.startsWith(PREFIX.incoming) && /\.csv(\.gz)?$/.test(key);

/** The table's primary key attributes. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The first global secondary index (projection: all attributes). */
export const GSI1 = { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } as const;

/**
 * The trail index: sparse, only report records carry its keys. A report version's audit entry lives
 * in its record (`entry`), indexed by the entry's month partition (`AUDIT#<YYYY-MM>`) and id, so the
 * audit listing reads it beside the month's own entries without an item of its own. Only `entry`
 * is projected: the index copy stays small.
 */
export const GSI2 = {
  indexName: 'gsi2',
  partitionKey: 'gsi2pk',
  sortKey: 'gsi2sk',
  projected: ['entry'],
} as const;

/**
 * The actor trail index: sparse like the trail index, the same report records by their entry's
 * actor (`AUDIT-BY#<sub>`, the actor partition of gsi1) and id, so one user's trail reads that
 * user's report entries only, not every report of the months asked. Only `entry` is projected.
 */
export const GSI3 = {
  indexName: 'gsi3',
  partitionKey: 'gsi3pk',
  sortKey: 'gsi3sk',
  projected: ['entry'],
} as const;

/**
 * Item key prefixes of the single table (docs/architecture.md, "DynamoDB"): a key is a prefix and
 * an identifier. `shared/adapters/dynamo/keys.ts` builds every key from these. The audit trail is
 * one partition per calendar month (UTC) of its entries, and one index partition per actor; an
 * approval is one item, indexed by its status.
 */
export const ITEM_PREFIX = {
  /** `REPORT#<reportId>` / `META`: a report record; also the sort key of a legacy quarter's report. */
  report: 'REPORT#',
  /** gsi1 `REPORTS#<distributorId>` / `<receivedAt>#<reportId>`: a distributor's reports. */
  reportsByDistributor: 'REPORTS#',
  /** `QUARTER#<quarter>` / `META`, `COMPUTATION` (and legacy `REPORT#<reportId>`). */
  quarter: 'QUARTER#',
  /** `PARTNER#<id>` / `PROFILE`, `ACCEPT#…`, `TRAIN#…`, `PAYOUT#…`, `POINTS#…`, `REDEMPTIONS`. */
  partner: 'PARTNER#',
  /** sk `ACCEPT#<program>#<acceptedAt UTC>#<plan or ->` (legacy: `ACCEPT#<program>`). */
  acceptance: 'ACCEPT#',
  /** sk `TRAIN#<course>#<completedAt>`. */
  training: 'TRAIN#',
  /** sk `PAYOUT#<quarter>`: a partner's payouts in a quarter. */
  payout: 'PAYOUT#',
  /** gsi1 `PAYOUTS#<quarter>`: payout items written before they left the index (still read). */
  payoutsLegacyIndex: 'PAYOUTS#',
  /** sk `POINTS#<entryId>`: a points ledger entry. */
  points: 'POINTS#',
  /** `DISTRIBUTOR#<id>` / `PROFILE`. */
  distributor: 'DISTRIBUTOR#',
  /** `CATALOG` / `SKU#<sku>`. */
  sku: 'SKU#',
  /** `FILES` / `FILE#<distributorId>#<sha256>`: a file claim. */
  file: 'FILE#',
  /** `PAYMENTS#<quarter>` / `PAYMENT#<partnerId>#<distributorId>#<paymentId>`. */
  payments: 'PAYMENTS#',
  payment: 'PAYMENT#',
  /** `UPLOAD#<key>` / `AT#<instant>`: who asked to upload a key, when. */
  upload: 'UPLOAD#',
  uploadAt: 'AT#',
  /**
   * `AUDIT#<YYYY-MM>` / `<at>#<random>`: append-only entries of that month; also the gsi2 partition
   * of the report versions' entries kept in their records (gsi2sk: the entry's id).
   */
  audit: 'AUDIT#',
  /**
   * gsi1 `AUDIT-BY#<sub>` / `<at>#<random>`: one actor's entries; also the gsi3 partition of the
   * report versions' entries kept in their records (gsi3sk: the entry's id).
   */
  auditByActor: 'AUDIT-BY#',
  /** `AUDIT-ONCE#<key>` / `ONCE`: an event recorded once, whatever the retries (`appendOnce`). */
  auditOnce: 'AUDIT-ONCE#',
  /** `APPROVAL#<id>` / `META`. */
  approval: 'APPROVAL#',
  /** gsi1 `APPROVALS#<status>` / `<requestedAt>#<id>`. */
  approvalsByStatus: 'APPROVALS#',
  /**
   * `REF-BUCKET#<kind>#<nnn>` / `ROWS`: the partners, acceptances or trainings of bucket `nnn`
   * (bucketOf of the partner ID), packed in one item, since DynamoDB charges per item.
   */
  referenceBucket: 'REF-BUCKET#',
  /**
   * `PAYOUT-SHARD#<quarter>#<nnn>` / `SHARD`: the payouts of a quarter's partners in bucket nnn
   * (bucketOf); `PAYOUT-SHARD#<quarter>` / `SHARDS`: the quarter's record that its payouts are in shards.
   */
  payoutShard: 'PAYOUT-SHARD#',
} as const;

/** Keys that are whole values: fixed partitions and the sort keys of one-per-partition items. */
export const ITEM_KEY = {
  /** pk of the catalog mappings. */
  catalog: 'CATALOG',
  /** pk of every file claim. */
  fileClaims: 'FILES',
  /** pk of the reference revision, sk `REVISION`. */
  referenceMeta: 'REFERENCE#META',
  revision: 'REVISION',
  /** sk of a report record, a quarter's close record and an approval. */
  meta: 'META',
  /** sk of a partner's and a distributor's row. */
  profile: 'PROFILE',
  /** sk of a quarter's latest computation pointer. */
  computation: 'COMPUTATION',
  /** sk of a partner's redemption counter. */
  redemptions: 'REDEMPTIONS',
  /** sk of an audit-once marker. */
  once: 'ONCE',
  /** sk of a reference bucket item. */
  rows: 'ROWS',
  /** sk of a payout shard, and of a quarter's record of its shards. */
  payoutShard: 'SHARD',
  payoutShards: 'SHARDS',
} as const;

/** gsi1 partitions gathering one kind of reference row, so a computation loads each in one query. */
export const INDEX_PARTITION = {
  partners: 'PARTNERS',
  distributors: 'DISTRIBUTORS',
  acceptances: 'ACCEPTANCES',
  trainings: 'TRAININGS',
} as const;
