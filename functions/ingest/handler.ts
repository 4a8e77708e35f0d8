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
import { lazy, wireFromEnv } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';
import { parseMessage, sqsBatchHandler } from '../shared/sqs.js';

const S3Notification = z.object({
  Records: z
    .array(
      z.object({
        eventName: z.string(),
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

export function createIngestHandler(getDeps: () => IngestDeps) {
  const { logger, metrics } = observability('ingest');
  const processor = new BatchProcessor(EventType.SQS);

  const recordHandler = async (record: SQSRecord) => {
    const body = parseMessage(record, S3Message, 'queue message');
    // S3 sends a test event when notifications are configured; nothing to do.
    if ('Event' in body) return;
    for (const r of body.Records) {
      if (!r.eventName.startsWith('ObjectCreated')) continue;
      const key = decodeS3Key(r.s3.object.key);
      const outcome = await ingestReport(getDeps(), {
        bucket: r.s3.bucket.name,
        key,
        versionId: r.s3.object.versionId ?? null,
        etag: (r.s3.object.eTag ?? '').replace(/"/g, ''),
        sequencer: r.s3.object.sequencer,
      });
      logger.info('report ingested', { key, ...outcome });
      metrics.addMetric(outcome.status === 'processed' ? 'ReportsProcessed' : outcome.status === 'failed' ? 'ReportsFailed' : 'ReportEventsSkipped', MetricUnit.Count, 1);
    }
  };

  return sqsBatchHandler(processor, recordHandler, { logger, metrics });
}

export const handler = createIngestHandler(lazy(() => wireFromEnv()));
