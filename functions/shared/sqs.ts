import { processPartialResponse, type BasePartialBatchProcessor } from '@aws-lambda-powertools/batch';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { z } from 'zod';
import { InputValidationError } from '../../shared/errors.js';

/** A queue message's JSON body, validated; a bad message is an InputValidationError naming `what`. */
export function parseMessage<T extends z.ZodType>(record: SQSRecord, schema: T, what: string): z.output<T> {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch (cause) {
    throw new InputValidationError(`The ${what} is not JSON.`, [], { cause, key: 'message-not-json' });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new InputValidationError(
      `The ${what} is not valid.`,
      parsed.error.issues.map((i) => i.message),
      { cause: parsed.error, key: 'message-invalid' },
    );
  return parsed.data;
}

/** The Lambda entry for an SQS batch: each record on its own, failures reported back (partial batch response). */
export function sqsBatchHandler(
  processor: BasePartialBatchProcessor,
  recordHandler: (record: SQSRecord) => Promise<void>,
  { logger, metrics }: { logger: Logger; metrics: Metrics },
) {
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    logger.addContext(context);
    try {
      return await processPartialResponse(event, recordHandler, processor, { context });
    } finally {
      // A batch that recorded nothing (a record failed first) has nothing to publish; publishing
      // anyway only logs a warning saying so.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
