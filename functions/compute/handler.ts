/**
 * Compute Lambda: a FIFO batch of { quarter, cause } requests, grouped by quarter so one quarter is
 * never computed twice at once. A request that finds the quarter's inputs unchanged since the last
 * completed computation does nothing, so requests that queued up behind one run cost a few reads.
 * An { evaluate } request, in a group of its own, works out a stored reference change's effect on
 * the closed quarters (shared/pipeline/evaluate-change.ts).
 */
import { SqsFifoPartialProcessorAsync } from '@aws-lambda-powertools/batch';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { computeQuarterNow } from '../../shared/pipeline/compute.js';
import { evaluateReferenceChange } from '../../shared/pipeline/evaluate-change.js';
import { lazy, wireFromEnv, type AppDeps } from '../../shared/wiring.js';
import { observability } from '../shared/observability.js';
import { parseMessage, sqsBatchHandler } from '../shared/sqs.js';

export const ComputeMessage = z.object({
  quarter: z.string().regex(/^\d{4}-Q[1-4]$/),
  cause: z.string().default(''),
});

export const EvaluateMessage = z.object({
  evaluate: z.string().regex(/^apr_[0-9a-f]{20}$/, 'is not an approval ID'),
});

const QueueMessage = z.union([ComputeMessage, EvaluateMessage]);

export function createComputeHandler(getDeps: () => AppDeps) {
  const { logger, metrics } = observability('compute');
  const processor = new SqsFifoPartialProcessorAsync();

  const recordHandler = async (record: SQSRecord) => {
    const parsed = parseMessage(record, QueueMessage, 'computation request');
    if ('evaluate' in parsed) {
      const outcome = await evaluateReferenceChange(getDeps(), parsed.evaluate);
      logger.info(`reference change evaluated: ${outcome}`, { approvalId: parsed.evaluate });
      metrics.addMetric('ChangesEvaluated', MetricUnit.Count, 1);
      return;
    }
    const msg = parsed;
    const outcome = await computeQuarterNow(getDeps(), msg.quarter, msg.cause);
    if (outcome.status === 'computed') {
      logger.info('quarter computed', {
        ...msg,
        resultHash: outcome.resultHash,
        partnersWritten: outcome.partnersWritten,
        partnersDeleted: outcome.partnersDeleted,
        counts: outcome.computation.counts,
      });
      metrics.addMetric('QuartersComputed', MetricUnit.Count, 1);
      if (outcome.workbenchFailure !== undefined)
        logger.warn('the watchlist and the exceptions were not saved for quick reading: they will be worked out from the payouts, more slowly', {
          ...msg,
          error: outcome.workbenchFailure as Error,
        });
    } else {
      logger.info(`quarter not computed: ${outcome.status}`, {
        ...msg,
        ...(outcome.status === 'unchanged' && outcome.creditsFinished !== undefined
          ? { creditsFinished: outcome.creditsFinished }
          : {}),
      });
      metrics.addMetric('ComputationsSkipped', MetricUnit.Count, 1);
    }
  };

  return sqsBatchHandler(processor, recordHandler, { logger, metrics });
}

export const handler = createComputeHandler(lazy(() => wireFromEnv()));
