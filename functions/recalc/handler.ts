/**
 * Recalc Lambda: a FIFO batch of { quarter, partnerId } requests, grouped by partner so one partner
 * is never recalculated twice at once. After a failure the rest of that group waits (FIFO order).
 */
import { processPartialResponse, SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { InputValidationError } from '../../shared/errors.js';
import { recalcPartner, type RecalcDeps } from '../../shared/pipeline/recalc.js';
import { lazy, wireFromEnv } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';

export const RecalcMessage = z.object({
  quarter: z.string().regex(/^\d{4}-Q[1-4]$/),
  partnerId: z.string().min(1),
  cause: z.string().default(''),
});

export function createRecalcHandler(getDeps: () => RecalcDeps) {
  const { logger, metrics } = observability('recalc');
  const processor = new SqsFifoPartialProcessorAsync();

  const recordHandler = async (record: SQSRecord) => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch (cause) {
      throw new InputValidationError('The recalculation request is not JSON.', [], { cause });
    }
    const msg = RecalcMessage.safeParse(body);
    if (!msg.success)
      throw new InputValidationError('The recalculation request is not valid.', msg.error.issues.map((i) => i.message), {
        cause: msg.error,
      });
    const result = await recalcPartner(getDeps(), msg.data.quarter, msg.data.partnerId);
    logger.info('partner recalculated', { ...msg.data, total: result.total.toFixed(2), lines: result.lines.length });
    metrics.addMetric('PartnersRecalculated', MetricUnit.Count, 1);
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

export const handler = createRecalcHandler(lazy(() => wireFromEnv()));
