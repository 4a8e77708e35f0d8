import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** One logger and one metrics instance per container, named after the function. */
export function observability(serviceName: string) {
  const logger = new Logger({ serviceName });
  const metrics = new Metrics({
    serviceName,
    // Its warnings as our log lines: structured, and quiet below POWERTOOLS_LOG_LEVEL.
    logger,
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Rebates',
  });
  return { logger, metrics };
}
