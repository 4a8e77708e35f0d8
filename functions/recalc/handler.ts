/**
 * Recalc Lambda: a FIFO batch of { quarter, partnerId } requests, grouped by partner so one partner
 * is never recalculated twice at once. After a failure the rest of that group waits (FIFO order).
 */
import { SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { recalcPartner, type RecalcDeps } from '../../shared/pipeline/recalc.js';
import { lazy, wireFromEnv } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';
import { parseMessage, sqsBatchHandler } from '../shared/sqs.js';

export const RecalcMessage = z.object({
  quarter: z.string().regex(/^\d{4}-Q[1-4]$/),
  partnerId: z.string().min(1),
  cause: z.string().default(''),
});

export function createRecalcHandler(getDeps: () => RecalcDeps) {
  const { logger, metrics } = observability('recalc');
  const processor = new SqsFifoPartialProcessorAsync();

  const recordHandler = async (record: SQSRecord) => {
    const msg = parseMessage(record, RecalcMessage, 'recalculation request');
    const result = await recalcPartner(getDeps(), msg.quarter, msg.partnerId);
    logger.info('partner recalculated', { ...msg, total: result.total.toFixed(2), lines: result.lines.length });
    metrics.addMetric('PartnersRecalculated', MetricUnit.Count, 1);
  };

  return sqsBatchHandler(processor, recordHandler, { logger, metrics });
}

export const handler = createRecalcHandler(lazy(() => wireFromEnv()));
