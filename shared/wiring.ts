/**
 * The one place that connects ports to adapters. Handlers call `wireFromEnv()` once per container;
 * the local runtime passes its own compute queue (in-process, instead of SQS) and nothing else differs.
 */
import { createAwsClients, loadAppConfig, type AwsClients } from './aws/clients.js';
import { DynamoReportsRepository } from './adapters/dynamo/reports.js';
import { DynamoComputationRepository } from './adapters/dynamo/computations.js';
import { DynamoPayoutsRepository } from './adapters/dynamo/payouts.js';
import { DynamoLedgerRepository, DynamoReferenceRepository } from './adapters/dynamo/reference.js';
import { DynamoQuarterRepository } from './adapters/dynamo/quarters.js';
import { DynamoPaymentsRepository, DynamoUploadLog } from './adapters/dynamo/finance.js';
import { DynamoApprovalRepository, DynamoAuditRepository } from './adapters/dynamo/approvals.js';
import { DynamoFileClaimRepository } from './adapters/dynamo/file-claims.js';
import { S3ObjectStore } from './adapters/s3/object-store.js';
import { S3ObjectUrls } from './adapters/s3/object-urls.js';
import { S3RulesRepository } from './adapters/s3/rules-repository.js';
import { SqsComputeQueue } from './adapters/sqs/compute-queue.js';
import { ConfigError } from './errors.js';
import type { IngestDeps } from './pipeline/ingest.js';
import { EXTRACT_FORMS, type ExtractForm } from './pipeline/extract-codec.js';
import { quarterPartnerIds, type ComputeDeps } from './pipeline/compute.js';
import type { ReferenceImportDeps } from './pipeline/reference-import.js';
import type { ComputeQueue, LedgerRepository, ObjectUrls, QuarterRepository } from './ports/index.js';
import type { PaymentsRepository, UploadLog } from './ports/finance.js';
import type { ApprovalRepository, AuditRepository } from './ports/approvals.js';

// The ledger is written only by a quarter's close (credits) and redemptions; computations write none.
export type AppDeps = IngestDeps &
  ComputeDeps &
  ReferenceImportDeps & {
    bucket: string;
    table: string;
    urls: ObjectUrls;
    quarters: QuarterRepository;
    ledger: LedgerRepository;
    payments: PaymentsRepository;
    uploads: UploadLog;
    audit: AuditRepository;
    approvals: ApprovalRepository;
  };

export function wire(
  clients: AwsClients,
  config: { table: string; bucket: string; extractForm?: ExtractForm },
  compute: ComputeQueue,
): AppDeps {
  const objects = new S3ObjectStore(clients.s3, config.bucket);
  const computations = new DynamoComputationRepository(clients.doc, config.table);
  // A quarter's payouts are found by the partners of its computation bodies.
  const partnersOf = (quarter: string) => quarterPartnerIds({ objects, computations }, quarter);
  return {
    bucket: config.bucket,
    table: config.table,
    objects,
    urls: new S3ObjectUrls(clients.s3, config.bucket),
    reports: new DynamoReportsRepository(clients.doc, config.table),
    files: new DynamoFileClaimRepository(clients.doc, config.table),
    reference: new DynamoReferenceRepository(clients.doc, config.table),
    payouts: new DynamoPayoutsRepository(clients.doc, config.table, partnersOf),
    ledger: new DynamoLedgerRepository(clients.doc, config.table),
    quarters: new DynamoQuarterRepository(clients.doc, config.table),
    payments: new DynamoPaymentsRepository(clients.doc, config.table),
    uploads: new DynamoUploadLog(clients.doc, config.table),
    audit: new DynamoAuditRepository(clients.doc, config.table),
    approvals: new DynamoApprovalRepository(clients.doc, config.table),
    computations,
    rules: new S3RulesRepository(objects),
    compute,
    clock: { now: () => new Date() },
    ...(config.extractForm ? { extractFormat: EXTRACT_FORMS[config.extractForm] } : {}),
  };
}

/** Wiring for Lambda: everything from the environment; fails fast naming what is missing. */
export function wireFromEnv(env: NodeJS.ProcessEnv = process.env): AppDeps {
  const config = loadAppConfig(env);
  const clients = createAwsClients(env);
  const queueUrl = config.computeQueueUrl;
  const compute: ComputeQueue = queueUrl
    ? new SqsComputeQueue(clients.sqs, queueUrl)
    : {
        publish: () =>
          Promise.reject(
            new ConfigError('COMPUTE_QUEUE_URL is not set, so a quarter computation cannot be requested.', {
              key: 'compute-queue-unset',
            }),
          ),
      };
  return wire(
    clients,
    { table: config.tableName, bucket: config.reportsBucket, extractForm: config.extractForm },
    compute,
  );
}

/** A lazily created value: the first call wires, later calls reuse (one per Lambda container). */
export function lazy<T>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= make());
}
