import { Aws, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  HttpMethods,
  ObjectOwnership,
  StorageClass,
  type LifecycleRule,
} from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { GSI1, GSI2, GSI3, PREFIX, TABLE_KEYS } from '../shared/storage-contract.js';
import type { Stage, StageConfig } from './config.js';
import { dashboardBucketName, DashboardSite } from './dashboard.js';
import { signInOrigin, UserDirectory } from './user-directory.js';

export interface StatefulStackProps extends StackProps {
  readonly config: StageConfig;
}

/**
 * Prefixes pipeline v1 wrote and nothing reads any more: the service-tag claim indexes
 * (`claims/<quarter>/<reportId>/<version>.claimed|lost`). A lifecycle rule removes what is left.
 */
export const RETIRED_PREFIX = { claims: 'claims/' } as const;

/**
 * Stateful resources have fixed names so the stateless stack finds them by name: no CloudFormation
 * export ties the two stacks together, and the stateless stack can be replaced at will.
 */
export function tableName(stage: Stage): string {
  return `rebates-${stage}`;
}

/** Bucket names are global: account and region keep them unique. Works with token or literal env. */
export function reportsBucketName(scope: Construct, stage: Stage): string {
  const stack = Stack.of(scope);
  return `rebates-${stage}-reports-${stack.account}-${stack.region}`;
}

/**
 * Lifecycle of the reports bucket. Reports and rules are kept (their versions are the audit trail of
 * what a distributor sent and which rules were in force); rejects only matter until the distributor
 * has corrected the report; exports are finance records, kept but moved to cheaper storage.
 *
 * Extracts and computation records are content-addressed: the same key is only ever written again
 * with the same bytes (a retried ingest or computation), so their noncurrent versions are garbage.
 * Current ones stay: `verify` and the API read the record of a quarter's latest computation, and
 * that record names the extracts it was computed from.
 */
export const REPORTS_LIFECYCLE: LifecycleRule[] = [
  { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
  {
    id: 'rejects-expire',
    prefix: PREFIX.rejects,
    expiration: Duration.days(400),
    noncurrentVersionExpiration: Duration.days(30),
  },
  {
    id: 'exports-archive',
    prefix: PREFIX.exports,
    transitions: [
      { storageClass: StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(90) },
    ],
    noncurrentVersionExpiration: Duration.days(365),
  },
  { id: 'extracts-noncurrent-expire', prefix: PREFIX.extracts, noncurrentVersionExpiration: Duration.days(30) },
  {
    id: 'computations-noncurrent-expire',
    prefix: PREFIX.computations,
    noncurrentVersionExpiration: Duration.days(30),
  },
  {
    // Derived data (rebuilt from the reports by v1): nothing to keep once v2 is deployed.
    id: 'claims-retired',
    prefix: RETIRED_PREFIX.claims,
    expiration: Duration.days(30),
    noncurrentVersionExpiration: Duration.days(1),
  },
  {
    id: 'old-report-versions-to-ia',
    prefix: PREFIX.incoming,
    noncurrentVersionTransitions: [
      { storageClass: StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) },
    ],
  },
];

/**
 * Everything that holds data: the reports bucket (and its access-log bucket), the single table and the
 * key that encrypts it, and the user pool (users are state). Deployed rarely; in prod it is retained
 * when the stack is deleted. The dashboard's address (bucket + CloudFront) lives here too, because
 * the pool's sign-in callback and the reports bucket's CORS name it and must not change when the
 * stateless stack is replaced; its files are deployed by the stateless stack.
 */
export class StatefulStack extends Stack {
  readonly reportsBucket: Bucket;
  readonly accessLogsBucket: Bucket;
  readonly table: Table;
  readonly dataKey: Key;
  readonly site: DashboardSite;
  readonly users: UserDirectory;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, props);
    const { config } = props;
    const autoDeleteObjects = !config.retainData;

    this.dataKey = new Key(this, 'DataKey', {
      description: `Rebates ${config.stage}: encrypts the rebates table`,
      alias: `alias/rebates-${config.stage}-data`,
      enableKeyRotation: true,
      removalPolicy: config.removalPolicy,
      pendingWindow: Duration.days(config.retainData ? 30 : 7),
    });

    this.accessLogsBucket = new Bucket(this, 'AccessLogs', {
      // Server access logging delivers only to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      lifecycleRules: [{ id: 'expire-access-logs', expiration: config.accessLogsExpiration }],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects,
    });
    const bucketName = reportsBucketName(this, config.stage);
    this.site = new DashboardSite(this, 'Dashboard', {
      stage: config.stage,
      bucketName: dashboardBucketName(this, config.stage),
      removalPolicy: config.removalPolicy,
      autoDeleteObjects,
      logsExpiration: config.accessLogsExpiration,
      // The API's ID is not known here (another stack): any API Gateway endpoint of the region.
      connectTo: [
        `https://*.execute-api.${Aws.REGION}.amazonaws.com`,
        signInOrigin(config.stage),
        `https://${bucketName}.s3.${Aws.REGION}.amazonaws.com`,
        `https://${bucketName}.s3.amazonaws.com`,
      ],
      formActions: [signInOrigin(config.stage)],
    });
    this.users = new UserDirectory(this, 'Users', {
      stage: config.stage,
      mfaRequired: config.mfaRequired,
      removalPolicy: config.removalPolicy,
      dashboardUrl: this.site.url,
    });

    this.reportsBucket = new Bucket(this, 'Reports', {
      bucketName,
      // SSE-S3 so distributors upload with s3:PutObject alone, without grants on a KMS key.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      // A corrected report is a new version of the same key.
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: REPORTS_LIFECYCLE,
      // The dashboard uploads reports straight to S3 with a presigned PUT (POST /uploads).
      cors: [
        {
          id: 'dashboard-uploads',
          allowedOrigins: [this.site.origin],
          allowedMethods: [HttpMethods.PUT],
          allowedHeaders: ['content-type'],
          maxAge: 3600,
        },
      ],
      removalPolicy: config.removalPolicy,
      autoDeleteObjects,
    });

    this.table = new Table(this, 'Table', {
      tableName: tableName(config.stage),
      partitionKey: { name: TABLE_KEYS.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: config.retainData,
      encryption: TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.dataKey,
      removalPolicy: config.removalPolicy,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: GSI1.indexName,
      partitionKey: { name: GSI1.partitionKey, type: AttributeType.STRING },
      sortKey: { name: GSI1.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });
    // The trail indexes: report records' audit entries by month (gsi2) and by actor (gsi3), sparse,
    // copying only `entry`. CloudFormation adds one index per update: a table deployed before both
    // gets them in two deploys (docs/deploy.md).
    for (const trail of [GSI2, GSI3])
      this.table.addGlobalSecondaryIndex({
        indexName: trail.indexName,
        partitionKey: { name: trail.partitionKey, type: AttributeType.STRING },
        sortKey: { name: trail.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.INCLUDE,
        nonKeyAttributes: [...trail.projected],
      });
  }
}
