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
  /** `rejects/<distributorId>/<name>.rejects.csv`: a report's own rejected lines. */
  rejects: 'rejects/',
  /** `extracts/<reportId>/<sha256>.json.gz`: a report version's extract, content-addressed. */
  extracts: 'extracts/',
  /** `computations/<quarter>/<resultHash>.json.gz`: a quarter computation's record body. */
  computations: 'computations/',
  /** `rules/<quarter>.json`: the rules files in force. */
  rules: 'rules/',
  /** `exports/<quarter>/snapshot-<sha256>.json`: the frozen payouts of a closed quarter. */
  exports: 'exports/',
} as const;

/**
 * A distributor's report: the S3 notification filter of the deployed bucket (prefix incoming/,
 * suffix .csv or .csv.gz, case-sensitive as in S3). Other objects there are never read.
 */
export const isReportKey = (key: string): boolean => key.startsWith(PREFIX.incoming) && /\.csv(\.gz)?$/.test(key);

/** The table's primary key attributes. */
export const TABLE_KEYS = { partitionKey: 'pk', sortKey: 'sk' } as const;

/** The one global secondary index (projection: all attributes). */
export const GSI1 = { indexName: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' } as const;

/**
 * Item key prefixes of the audit trail and the approvals (docs/architecture.md, "DynamoDB"). The
 * audit trail is one partition per calendar month (UTC) of its entries, and one index partition
 * per actor; an approval is one item, indexed by its status.
 */
export const ITEM_PREFIX = {
  /** `AUDIT#<YYYY-MM>` / `<at>#<random>`: append-only entries of that month. */
  audit: 'AUDIT#',
  /** gsi1 `AUDIT-BY#<sub>` / `<at>#<random>`: one actor's entries. */
  auditByActor: 'AUDIT-BY#',
  /** `AUDIT-ONCE#<key>` / `ONCE`: an event recorded once, whatever the retries (`appendOnce`). */
  auditOnce: 'AUDIT-ONCE#',
  /** `APPROVAL#<id>` / `META`. */
  approval: 'APPROVAL#',
  /** gsi1 `APPROVALS#<status>` / `<requestedAt>#<id>`. */
  approvalsByStatus: 'APPROVALS#',
} as const;
