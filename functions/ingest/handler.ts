/**
 * Ingest Lambda: an SQS batch whose messages are S3 ObjectCreated notifications for
 * incoming/<distributor>/<name>.csv[.gz]. Each message is processed on its own; a failed one is
 * reported back (partial batch failure) so only it is retried, and lands in the DLQ after retries.
 */
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { InputValidationError } from '../../shared/errors.js';
import { ingestReport, type IngestDeps } from '../../shared/pipeline/ingest.js';
import { lazy, wireFromEnv } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';

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

/** S3 notifications URL-encode keys, with '+' for spaces. */
export const decodeS3Key = (key: string) => decodeURIComponent(key.replace(/\+/g, ' '));

export function createIngestHandler(getDeps: () => IngestDeps) {
  const { logger, metrics } = observability('ingest');
  const processor = new BatchProcessor(EventType.SQS);

  const recordHandler = async (record: SQSRecord) => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (cause) {
      throw new InputValidationError('The queue message is not JSON.', [], { cause });
    }
    // S3 sends a test event when notifications are configured; nothing to do.
    if ((body as { Event?: string }).Event === 's3:TestEvent') return;
    const parsed = S3Notification.safeParse(body);
    if (!parsed.success)
      throw new InputValidationError('The queue message is not an S3 notification.', parsed.error.issues.map((i) => i.message), {
        cause: parsed.error,
      });
    for (const r of parsed.data.Records) {
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

  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    try {
      return await processPartialResponse(event, recordHandler, processor, { context });
    } finally {
      metrics.publishStoredMetrics();
    }
  };
}

export const handler = createIngestHandler(lazy(() => wireFromEnv()));
