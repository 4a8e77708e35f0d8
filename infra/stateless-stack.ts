import { CfnOutput, Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { UserPool, UserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { Table } from 'aws-cdk-lib/aws-dynamodb';
import { AccountPrincipal, Grant } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Bucket, BucketGrants, EventType, type IBucket } from 'aws-cdk-lib/aws-s3';
import { SqsDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import type { Construct, IConstruct } from 'constructs';
import { GSI1, GSI2, GSI3, PREFIX } from '../shared/storage-contract.js';
import type { FunctionSizing, StageConfig } from './config.js';
import { DashboardContent, dashboardBucketName, type DashboardSite } from './dashboard.js';
import { DistributorUploadRole } from './distributor-upload.js';
import { RebatesApi } from './http-api.js';
import { PipelineMonitoring } from './monitoring.js';
import { acknowledgeWildcardAction, acknowledgeWildcardResource } from './nag.js';
import { RebatesFunction } from './rebates-function.js';
import { reportsBucketName, tableName } from './stateful-stack.js';
import { signInOrigin, type UserDirectory } from './user-directory.js';

export interface StatelessStackProps extends StackProps {
  readonly config: StageConfig;
  /** The key that encrypts the table (the one cross-stack reference: key IDs are random). */
  readonly dataKey: IKey;
  /** The user pool and dashboard client (stateful stack): the API's authorizer. */
  readonly users: UserDirectory;
  /** The dashboard's bucket and distribution (stateful stack): this stack deploys the files. */
  readonly site: DashboardSite;
}

/** Report files that start an ingest: S3 suffix filters are case-sensitive. */
export const REPORT_SUFFIXES = ['.csv', '.csv.gz'] as const;

/** Maximum receives before a message goes to its DLQ; AWS suggests at least 5 for Lambda consumers. */
export const MAX_RECEIVE_COUNT = 5;

/** AWS guidance for SQS event sources: visibility timeout at least six times the function timeout. */
export function visibilityTimeoutFor(sizing: FunctionSizing): Duration {
  return Duration.seconds(6 * sizing.timeout.toSeconds());
}

/**
 * Functions, queues, notifications, access roles, the HTTP API, the dashboard's files and
 * monitoring. Finds the bucket and table by name, so it can be destroyed and redeployed without
 * touching data.
 */
export class StatelessStack extends Stack {
  readonly ingest: RebatesFunction;
  readonly compute: RebatesFunction;
  readonly api: RebatesApi;
  readonly dashboardContent: DashboardContent;
  readonly ingestQueue: Queue;
  readonly ingestDlq: Queue;
  readonly computeQueue: Queue;
  readonly computeDlq: Queue;
  readonly monitoring: PipelineMonitoring;
  readonly distributorRoles: DistributorUploadRole[];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;

    const bucket = Bucket.fromBucketName(this, 'ReportsBucket', reportsBucketName(this, config.stage));
    const table = Table.fromTableAttributes(this, 'Table', {
      tableName: tableName(config.stage),
      globalIndexes: [GSI1.indexName, GSI2.indexName, GSI3.indexName],
      encryptionKey: props.dataKey,
    });

    // Ingest: S3 ObjectCreated -> standard queue -> ingest function.
    this.ingestDlq = new Queue(this, 'IngestDlq', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.ingestQueue = new Queue(this, 'IngestQueue', {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(config.ingest),
      // Long enough to survive an outage over a long weekend without losing a notification.
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.ingestDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    // Compute: FIFO, one message group per quarter (shared/adapters/sqs/compute-queue.ts), so a
    // quarter is never computed twice at once while different quarters run in parallel.
    this.computeDlq = new Queue(this, 'ComputeDlq', {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.computeQueue = new Queue(this, 'ComputeQueue', {
      fifo: true,
      // The publisher sets an explicit deduplication ID per publish; content-based is the fallback
      // for a sender that sets none.
      contentBasedDeduplication: true,
      // Deduplication and throughput limits per quarter group, not for the whole queue.
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(config.compute),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.computeDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
    });

    const common = {
      logRetention: config.logRetention,
      removalPolicy: config.removalPolicy,
    };
    const baseEnv = { TABLE_NAME: table.tableName, REPORTS_BUCKET: bucket.bucketName };

    this.ingest = new RebatesFunction(this, 'Ingest', {
      ...common,
      entry: 'functions/ingest/handler.ts',
      serviceName: 'ingest',
      description: 'Reads an uploaded sell-out report, writes its extract and rejects, requests quarter computations',
      memorySize: config.ingest.memorySize,
      heapMB: config.ingest.heapMB,
      timeout: config.ingest.timeout,
      reservedConcurrency: config.ingest.concurrency,
      environment: { ...baseEnv, COMPUTE_QUEUE_URL: this.computeQueue.queueUrl },
    });
    // Publishes only the open quarters' computations of a reference change it evaluated and applied.
    this.compute = new RebatesFunction(this, 'Compute', {
      ...common,
      entry: 'functions/compute/handler.ts',
      serviceName: 'compute',
      description: "Computes one quarter's payouts, tier progress and points from the extracts of its reports",
      memorySize: config.compute.memorySize,
      heapMB: config.compute.heapMB,
      youngMB: config.compute.youngMB,
      timeout: config.compute.timeout,
      reservedConcurrency: config.compute.concurrency,
      environment: { ...baseEnv, COMPUTE_QUEUE_URL: this.computeQueue.queueUrl },
    });

    // The stateful stack's user pool and dashboard, imported by their IDs (weak references).
    const userPool = UserPool.fromUserPoolId(this, 'UserPool', props.users.userPool.userPoolId);
    const client = UserPoolClient.fromUserPoolClientId(
      this,
      'DashboardClient',
      props.users.client.userPoolClientId,
    );
    this.api = new RebatesApi(this, 'Api', {
      ...common,
      stage: config.stage,
      sizing: config.api,
      environment: { ...baseEnv, COMPUTE_QUEUE_URL: this.computeQueue.queueUrl },
      userPool,
      client,
      allowedOrigin: props.site.origin,
    });

    // Event source max concurrency equals reserved concurrency: the poller never gets throttled.
    this.ingest.fn.addEventSource(
      new SqsEventSource(this.ingestQueue, {
        batchSize: config.ingest.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: config.ingest.concurrency,
      }),
    );
    this.compute.fn.addEventSource(
      new SqsEventSource(this.computeQueue, {
        batchSize: config.compute.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: config.compute.concurrency,
      }),
    );

    for (const suffix of REPORT_SUFFIXES) {
      bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.ingestQueue), {
        prefix: PREFIX.incoming,
        suffix,
      });
    }
    // A rules file's writer, for the audit entry of the change (ingest keeps only who wrote it).
    bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.ingestQueue), {
      prefix: PREFIX.rules,
      suffix: '.json',
    });

    // Least privilege, per key prefix (docs/deploy.md, "What each function may do").
    const api = this.api.fn;
    const compute = this.compute;
    const ingest = this.ingest;
    grantObjects(ingest, bucket, `${PREFIX.incoming}*`, ['s3:GetObject', 's3:GetObjectVersion']);
    // Large rejects files go up as multipart uploads, which abort on failure; a replaced version's
    // rejects file (named by its version) is removed.
    grantObjects(ingest, bucket, `${PREFIX.rejects}*`, ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject']);
    grantObjects(ingest, bucket, `${PREFIX.extracts}*`, ['s3:PutObject']);
    // The computation reads extracts only, never a raw report; it reads the previous record to
    // name what changed.
    grantObjects(compute, bucket, `${PREFIX.extracts}*`, ['s3:GetObject']);
    grantObjects(compute, bucket, `${PREFIX.computations}*`, ['s3:GetObject', 's3:PutObject']);
    // Presigns distributors' uploads, which S3 checks against this role; reads nothing there.
    grantObjects(
      api,
      bucket,
      `${PREFIX.incoming}*`,
      ['s3:PutObject'],
      'PutObject because S3 checks presigned uploads against this role. The handler builds the key from ' +
        "the caller's verified custom:distributor claim, so each URL names one key in the caller's own " +
        'folder (IAM alone does not enforce that; see docs/deploy.md).',
    );
    // Shows and links a report's rejects; ingest writes them.
    grantObjects(api, bucket, `${PREFIX.rejects}*`, ['s3:GetObject']);
    // What-if previews compute from the extracts; held lines and exceptions come from the records.
    grantObjects(api, bucket, `${PREFIX.extracts}*`, ['s3:GetObject']);
    grantObjects(api, bucket, `${PREFIX.computations}*`, ['s3:GetObject']);
    // Quarter close writes the snapshot; payouts of a closed quarter read it.
    grantObjects(api, bucket, `${PREFIX.exports}*`, ['s3:GetObject', 's3:PutObject']);
    for (const fn of [ingest, compute, api]) {
      grantObjects(fn, bucket, `${PREFIX.rules}*`, ['s3:GetObject']);
      table.grantReadWriteData(fn.fn);
      acknowledgeWildcardResource(
        fn.role,
        `${table.tableArn}/index/*`,
        'Queries gsi1 (reports by distributor, reference snapshot, payouts stored by earlier versions), gsi2 and gsi3 (the audit entries of report versions, by month and by actor); CDK grants on the table indexes.',
      );
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        acknowledgeWildcardAction(
          fn.role,
          action,
          'Key actions CDK grants to use the table key; scoped to that one key.',
        );
      }
    }
    // The rules loader lists rules/ to find every quarter's file; ingest reads nothing that may be absent.
    Grant.addToPrincipal({
      grantee: ingest.fn,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${PREFIX.rules}*`] } },
    });
    // Both read objects that may be absent and handle that (a missing extract is an error in plain
    // words, a missing rejects file or earlier record is no error). S3 answers a GET of a missing key
    // with 404 only to a caller allowed to list the bucket, and with 403 otherwise; a condition on
    // s3:prefix has nothing to match in a GET. Listing shows key names only, which both see in the table.
    for (const fn of [compute, api]) {
      Grant.addToPrincipal({ grantee: fn.fn, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
    }
    this.computeQueue.grantSendMessages(api.fn);
    this.computeQueue.grantSendMessages(ingest.fn);
    this.computeQueue.grantSendMessages(compute.fn);

    this.distributorRoles = config.distributors.map((d) => {
      const access = new DistributorUploadRole(this, `Distributor-${d.id}`, {
        bucket,
        distributorId: d.id,
        assumedBy: new AccountPrincipal(d.accountId),
        externalId: d.externalId,
      });
      new CfnOutput(this, `UploadRoleArn-${d.id}`, {
        value: access.role.roleArn,
        description: `Role distributor ${d.id} assumes to upload to ${access.keyPattern}`,
      });
      return access;
    });

    const dashboardBucket = Bucket.fromBucketName(
      this,
      'DashboardBucket',
      dashboardBucketName(this, config.stage),
    );
    const distribution = Distribution.fromDistributionAttributes(this, 'DashboardDistribution', {
      distributionId: props.site.distribution.distributionId,
      domainName: props.site.distribution.distributionDomainName,
    });
    this.dashboardContent = new DashboardContent(this, 'DashboardFiles', {
      ...common,
      bucket: dashboardBucket,
      distribution,
      config: {
        stage: config.stage,
        region: this.region,
        apiUrl: this.api.url,
        userPoolId: userPool.userPoolId,
        clientId: client.userPoolClientId,
        signInUrl: signInOrigin(config.stage),
        redirectUri: props.site.url,
        scopes: ['openid', 'email', 'profile'],
        // Custom attributes (custom:regions, custom:distributor) are in the ID token only.
        sendToken: 'id',
      },
    });

    this.monitoring = new PipelineMonitoring(this, 'Monitoring', {
      stage: config.stage,
      ingest: this.ingest,
      compute: this.compute,
      ingestQueue: this.ingestQueue,
      ingestDlq: this.ingestDlq,
      computeQueue: this.computeQueue,
      computeDlq: this.computeDlq,
      table,
      ingestStuckAfter: visibilityTimeoutFor(config.ingest),
      computeStuckAfter: visibilityTimeoutFor(config.compute),
      alarmEmails: config.alarmEmails,
      api: { httpApi: this.api.httpApi, fn: this.api.fn },
    });

    acknowledgeCdkInternals(this);

    new CfnOutput(this, 'ReportsBucketName', { value: bucket.bucketName });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'DashboardUrl', { value: props.site.url });
    new CfnOutput(this, 'UserPoolId', { value: userPool.userPoolId });
    new CfnOutput(this, 'DashboardClientId', { value: client.userPoolClientId });
  }
}

/** Actions on the objects under one key pattern, acknowledging the prefix wildcard for cdk-nag. */
function grantObjects(
  fn: RebatesFunction,
  bucket: IBucket,
  pattern: string,
  actions: string[],
  reason = `Object names under ${pattern.slice(0, -1)} are not known in advance; access is limited to that prefix.`,
): void {
  BucketGrants.fromBucket(bucket).actionsOnObjectKeys(fn.fn, pattern, ...actions);
  acknowledgeWildcardResource(fn.role, bucket.arnForObjects(pattern), reason);
}

/**
 * CDK's own helper for bucket notifications on an imported bucket: a singleton function whose role
 * carries the AWS managed basic-execution policy. Not ours to tune.
 */
function acknowledgeCdkInternals(stack: Stack): void {
  const handler = stack.node.children.find((c: IConstruct) =>
    c.node.id.startsWith('BucketNotificationsHandler'),
  );
  if (!handler) return;
  Validations.of(handler).acknowledge({
    id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    reason: 'CDK-provided bucket notification handler; the managed policy only lets it write its own logs.',
  });
}
