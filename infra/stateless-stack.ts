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
import type { FunctionSizing, StageConfig } from './config.js';
import { DashboardContent, dashboardBucketName, type DashboardSite } from './dashboard.js';
import { DistributorUploadRole } from './distributor-upload.js';
import { RebatesApi } from './http-api.js';
import { PipelineMonitoring } from './monitoring.js';
import { acknowledgeWildcardAction, acknowledgeWildcardResource } from './nag.js';
import { RebatesFunction } from './rebates-function.js';
import { GSI1, PREFIX, reportsBucketName, tableName } from './stateful-stack.js';
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
  readonly recalc: RebatesFunction;
  readonly api: RebatesApi;
  readonly dashboardContent: DashboardContent;
  readonly ingestQueue: Queue;
  readonly ingestDlq: Queue;
  readonly recalcQueue: Queue;
  readonly recalcDlq: Queue;
  readonly monitoring: PipelineMonitoring;
  readonly distributorRoles: DistributorUploadRole[];

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config } = props;

    const bucket = Bucket.fromBucketName(this, 'ReportsBucket', reportsBucketName(this, config.stage));
    const table = Table.fromTableAttributes(this, 'Table', {
      tableName: tableName(config.stage),
      globalIndexes: [GSI1],
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

    // Recalc: FIFO, one message group per quarter x partner, so a partner is never recalculated twice at once.
    this.recalcDlq = new Queue(this, 'RecalcDlq', {
      fifo: true,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.recalcQueue = new Queue(this, 'RecalcQueue', {
      fifo: true,
      contentBasedDeduplication: true,
      // High-throughput FIFO: limits apply per partner group, not to the whole queue.
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: visibilityTimeoutFor(config.recalc),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.recalcDlq, maxReceiveCount: MAX_RECEIVE_COUNT },
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
      description: 'Reads an uploaded sell-out report, writes tallies and rejects, requests recalculation',
      memorySize: config.ingest.memorySize,
      heapMB: config.ingest.heapMB,
      timeout: config.ingest.timeout,
      reservedConcurrency: config.ingest.concurrency,
      environment: { ...baseEnv, RECALC_QUEUE_URL: this.recalcQueue.queueUrl },
    });
    this.recalc = new RebatesFunction(this, 'Recalc', {
      ...common,
      entry: 'functions/recalc/handler.ts',
      serviceName: 'recalc',
      description: 'Recomputes payouts, tier progress and points of one partner in one quarter',
      memorySize: config.recalc.memorySize,
      timeout: config.recalc.timeout,
      reservedConcurrency: config.recalc.concurrency,
      environment: baseEnv,
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
      environment: { ...baseEnv, RECALC_QUEUE_URL: this.recalcQueue.queueUrl },
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
    this.recalc.fn.addEventSource(
      new SqsEventSource(this.recalcQueue, {
        batchSize: config.recalc.batchSize,
        reportBatchItemFailures: true,
        maxConcurrency: config.recalc.concurrency,
      }),
    );

    for (const suffix of REPORT_SUFFIXES) {
      bucket.addEventNotification(EventType.OBJECT_CREATED, new SqsDestination(this.ingestQueue), {
        prefix: PREFIX.incoming,
        suffix,
      });
    }

    // Least privilege, per key prefix.
    const api = this.api.fn;
    grantObjects(this.ingest, bucket, `${PREFIX.incoming}*`, ['s3:GetObject', 's3:GetObjectVersion']);
    // The API re-reads reports after a catalog change (as ingest does) and presigns distributors'
    // uploads, which S3 checks against this role: see docs/deploy.md for that trade-off.
    grantObjects(
      api,
      bucket,
      `${PREFIX.incoming}*`,
      ['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject'],
      'Re-reads any report after a catalog change; PutObject because S3 checks presigned uploads against this ' +
        "role. The handler builds the key from the caller's verified custom:distributor claim, so each URL " +
        "names one key in the caller's own folder (IAM alone does not enforce that; see docs/deploy.md).",
    );
    // Large rejects files go up as multipart uploads, which abort on failure.
    grantObjects(this.ingest, bucket, `${PREFIX.rejects}*`, ['s3:PutObject', 's3:AbortMultipartUpload']);
    grantObjects(api, bucket, `${PREFIX.rejects}*`, [
      's3:GetObject',
      's3:PutObject',
      's3:AbortMultipartUpload',
    ]);
    // Service-tag claim indexes, read and written by every read of a report.
    for (const fn of [this.ingest, api])
      grantObjects(fn, bucket, `${PREFIX.claims}*`, ['s3:GetObject', 's3:PutObject']);
    // Quarter close writes the snapshot; payouts of a closed quarter read it.
    grantObjects(api, bucket, `${PREFIX.exports}*`, ['s3:GetObject', 's3:PutObject']);
    for (const fn of [this.ingest, this.recalc, api]) {
      grantObjects(fn, bucket, `${PREFIX.rules}*`, ['s3:GetObject']);
      table.grantReadWriteData(fn.fn);
      acknowledgeWildcardResource(
        fn.role,
        `${table.tableArn}/index/*`,
        'Queries gsi1 (reports by distributor, tallies by partner, payouts by quarter); CDK grants on the table indexes.',
      );
      for (const action of ['kms:GenerateDataKey*', 'kms:ReEncrypt*']) {
        acknowledgeWildcardAction(
          fn.role,
          action,
          'Key actions CDK grants to use the table key; scoped to that one key.',
        );
      }
    }
    // Recalc only lists rules/ to find every quarter's file.
    Grant.addToPrincipal({
      grantee: this.recalc.fn,
      actions: ['s3:ListBucket'],
      resourceArns: [bucket.bucketArn],
      conditions: { StringLike: { 's3:prefix': [`${PREFIX.rules}*`] } },
    });
    // Claim indexes are often absent (a report without service tags writes none). S3 answers a GET of
    // a missing key with 404 only to a caller allowed to list the bucket, and with 403 otherwise, which
    // would fail every such read. Both functions already see every report's key in the table.
    for (const fn of [this.ingest, api]) {
      Grant.addToPrincipal({ grantee: fn.fn, actions: ['s3:ListBucket'], resourceArns: [bucket.bucketArn] });
    }
    this.recalcQueue.grantSendMessages(api.fn);
    this.recalcQueue.grantSendMessages(this.ingest.fn);

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
      recalc: this.recalc,
      ingestQueue: this.ingestQueue,
      ingestDlq: this.ingestDlq,
      recalcQueue: this.recalcQueue,
      recalcDlq: this.recalcDlq,
      table,
      ingestStuckAfter: visibilityTimeoutFor(config.ingest),
      recalcStuckAfter: visibilityTimeoutFor(config.recalc),
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
