/**
 * Ingest Lambda: an SQS batch whose messages are S3 ObjectCreated notifications for
 * incoming/<distributor>/<name>.csv[.gz]. Each message is processed on its own; a failed one is
 * reported back (partial batch failure) so only it is retried, and lands in the DLQ after retries.
 */
import { BatchProcessor, EventType } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { ingestReport, type IngestDeps } from '../../shared/pipeline/ingest.js';
import { isRulesKey, recordRulesWriter } from '../../shared/pipeline/rules-audit.js';
import type { UploadLog } from '../../shared/ports/finance.js';
import type { S3Writer } from '../../shared/pipeline/uploader.js';
import { lazy, wireFromEnv } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';
import { parseMessage, sqsBatchHandler } from '../shared/sqs.js';

/**
 * Who wrote the object, as S3 says (optional in events). A value that is not a plausible principal
 * or address is dropped rather than failing the report: it only names the uploader.
 */
const Principal = z.string().trim().min(1).max(256).regex(/^[\x21-\x7e]+$/).optional().catch(undefined);
const SourceIp = z.string().trim().regex(/^[0-9A-Fa-f:.]{2,45}$/).optional().catch(undefined);
const Instant = z.iso.datetime({ offset: true }).optional().catch(undefined);

export const S3Notification = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string(),
        eventTime: Instant,
        userIdentity: z.object({ principalId: Principal }).optional().catch(undefined),
        requestParameters: z.object({ sourceIPAddress: SourceIp }).optional().catch(undefined),
        s3: z.object({
          bucket: z.object({ name: z.string().min(1) }),
          object: z.object({
            key: z.string().min(1),
            eTag: z.string().optional(),
            versionId: z.string().optional(),
            sequencer: z.string().min(1),
          }),
        }),
      }),
    )
    .min(1),
});

const S3Message = z.union([z.object({ Event: z.literal('s3:TestEvent') }).loose(), S3Notification]);

/** S3 notifications URL-encode keys, with '+' for spaces. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

type S3Record = z.infer<typeof S3Notification>['Records'][number];

/** The writer and write time an event names; nothing when it names no principal. */
export function writerOf(r: S3Record): { writer?: S3Writer; writtenAt?: string } {
  const principalId = r.userIdentity?.principalId;
  const sourceIp = r.requestParameters?.sourceIPAddress;
  return {
    ...(principalId ? { writer: { principalId, ...(sourceIp ? { sourceIp } : {}) } } : {}),
    ...(r.eventTime ? { writtenAt: new Date(r.eventTime).toISOString() } : {}),
  };
}

export function createIngestHandler(getDeps: () => IngestDeps & { uploads?: Pick<UploadLog, 'record' | 'uploaderOf'> }) {
  const { logger, metrics } = observability('ingest');
  const processor = new BatchProcessor(EventType.SQS);

  const recordHandler = async (record: SQSRecord) => {
    const body = parseMessage(record, S3Message, 'queue message');
    // S3 sends a test event when notifications are configured; nothing to do.
    if ('Event' in body) return;
    for (const r of body.Records) {
      if (!r.eventName.startsWith('ObjectCreated')) continue;
      const key = decodeS3Key(r.s3.object.key);
      if (isRulesKey(key)) {
        // Not a report: only who wrote it is kept, for the audit entry of the rules change.
        const { writer, writtenAt } = writerOf(r);
        const deps = getDeps();
        const at = writtenAt ?? deps.clock.now().toISOString();
        const kept = deps.uploads ? await recordRulesWriter(deps.uploads, key, writer, at) : false;
        logger.info('rules file written', { key, writerRecorded: kept });
        continue;
      }
      const outcome = await ingestReport(getDeps(), {
        bucket: r.s3.bucket.name,
        key,
        versionId: r.s3.object.versionId ?? null,
        etag: (r.s3.object.eTag ?? '').replace(/"/g, ''),
        sequencer: r.s3.object.sequencer,
        ...writerOf(r),
      });
      logger.info('report ingested', { key, ...outcome });
      metrics.addMetric(outcome.status === 'processed' ? 'ReportsProcessed' : outcome.status === 'failed' ? 'ReportsFailed' : 'ReportEventsSkipped', MetricUnit.Count, 1);
    }
  };

  return sqsBatchHandler(processor, recordHandler, { logger, metrics });
}

export const handler = createIngestHandler(lazy(() => wireFromEnv()));
