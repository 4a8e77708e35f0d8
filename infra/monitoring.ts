import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  HorizontalAnnotation,
  MathExpression,
  Metric,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { Stage } from './config.js';
import { METRICS_NAMESPACE, type RebatesFunction } from './rebates-function.js';

export interface PipelineMonitoringProps {
  readonly stage: Stage;
  readonly ingest: RebatesFunction;
  readonly compute: RebatesFunction;
  readonly ingestQueue: Queue;
  readonly ingestDlq: Queue;
  readonly computeQueue: Queue;
  readonly computeDlq: Queue;
  readonly table: ITable;
  /** Age after which a waiting message means trouble: one visibility timeout of its queue. */
  readonly ingestStuckAfter: Duration;
  readonly computeStuckAfter: Duration;
  readonly alarmEmails: readonly string[];
  /** The HTTP API and its function, when deployed. */
  readonly api?: { readonly httpApi: IHttpApi; readonly fn: RebatesFunction };
}

/** p99 latency above which the API is too slow for the dashboard (its integration limit is 30 s). */
export const API_LATENCY_P99_MS = 10_000;
/** Share of requests answered 5xx, in percent, once at least 3 requests failed in 5 minutes. */
export const API_5XX_PERCENT = 5;

const PERIOD = Duration.minutes(5);

/**
 * Alarms someone acts on (each description says what to do), an SNS topic that notifies, and one
 * dashboard for the pipeline.
 */
export class PipelineMonitoring extends Construct {
  readonly topic: Topic;
  readonly dashboard: Dashboard;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: PipelineMonitoringProps) {
    super(scope, id);
    const { ingest, compute, ingestQueue, ingestDlq, computeQueue, computeDlq, table } = props;

    this.topic = new Topic(this, 'AlarmTopic', {
      displayName: `Rebates ${props.stage} pipeline alarms`,
      enforceSSL: true,
    });
    for (const email of props.alarmEmails) this.topic.addSubscription(new EmailSubscription(email));

    const dlqDepth = (q: Queue) =>
      q.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' });
    const oldestAge = (q: Queue) =>
      q.metricApproximateAgeOfOldestMessage({ period: PERIOD, statistic: 'Maximum' });

    this.alarm('IngestDlqNotEmpty', dlqDepth(ingestDlq), 1, {
      description:
        'A report notification failed ingest 5 times and is parked in the ingest DLQ. Read the ingest logs for the ' +
        'object key, fix the cause, then redrive the DLQ to the ingest queue (SQS console: "Start DLQ redrive").',
    });
    this.alarm('ComputeDlqNotEmpty', dlqDepth(computeDlq), 1, {
      description:
        "A quarter computation request failed 5 times; that quarter's payouts are stale. Read the compute logs for " +
        'the quarter and the error, fix the cause, then redrive the compute DLQ to the compute queue (SQS console: ' +
        '"Start DLQ redrive"). Any later request for the quarter also brings it up to date.',
    });
    this.alarm('IngestErrors', ingest.fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, {
      description:
        'The ingest function crashed or timed out (handled report errors do not count here). Look for timeouts or ' +
        'out-of-memory in the ingest logs: a report may be too large for its memory or timeout.',
    });
    this.alarm('ComputeErrors', compute.fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 1, {
      description:
        'The compute function crashed, ran out of memory or timed out. Check the compute logs; the request will be ' +
        'retried. Out of memory or a timeout on every try means a quarter outgrew the memory or timeout in ' +
        'infra/config.ts.',
    });
    const ingestStuckSeconds = props.ingestStuckAfter.toSeconds();
    this.alarm('ReportsStuck', oldestAge(ingestQueue), ingestStuckSeconds, {
      description:
        `A report notification has waited ${ingestStuckSeconds / 60} minutes (one visibility timeout) without being ` +
        'ingested: it has failed at least once or the backlog exceeds the reserved concurrency. Check ingest ' +
        'errors and throttles; the report will reach the DLQ after 5 attempts.',
    });
    const computeStuckSeconds = props.computeStuckAfter.toSeconds();
    this.alarm('ComputeBacklog', oldestAge(computeQueue), computeStuckSeconds, {
      description:
        `A quarter computation request has waited ${computeStuckSeconds / 60} minutes (one visibility timeout): ` +
        "that quarter's payouts are stale. A failing request blocks its quarter's group; check compute errors.",
    });
    this.alarm('IngestThrottles', ingest.fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), 1, {
      description:
        'The ingest function was throttled although the event source never asks for more than its reserved ' +
        'concurrency: check the account concurrency quota and the reserved concurrency settings.',
    });
    this.alarm('ComputeThrottles', compute.fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), 1, {
      description:
        'The compute function was throttled: check the account concurrency quota and the reserved concurrency.',
    });
    const tableThrottles = new MathExpression({
      expression: 'r + w',
      usingMetrics: {
        r: table.metric('ReadThrottleEvents', { period: PERIOD, statistic: 'Sum' }),
        w: table.metric('WriteThrottleEvents', { period: PERIOD, statistic: 'Sum' }),
      },
      label: 'Table throttle events',
      period: PERIOD,
    });
    this.alarm('TableThrottles', tableThrottles, 1, {
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        'DynamoDB throttled reads or writes in 2 of the last 3 five-minute periods (the SDK retries single ' +
        'events). Lower the ingest/compute reserved concurrency, or look for a hot partition key.',
    });

    const apiMetrics = props.api && this.apiAlarms(props.api);

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: `Rebates-${props.stage}-pipeline`,
      defaultInterval: Duration.hours(24),
    });
    const fnWidget = (title: string, pick: (f: RebatesFunction) => IMetric) =>
      new GraphWidget({
        title,
        left: [ingest, compute].map((f) => withLabel(pick(f), f === ingest ? 'ingest' : 'compute')),
        width: 8,
      });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: `# Rebates ${props.stage} pipeline\nS3 incoming/ → ingest queue → ingest → extracts/ + compute FIFO (one group per quarter) → compute → DynamoDB`,
        width: 24,
        height: 2,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Ingest queue',
        left: [ingestQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting' })],
        right: [oldestAge(ingestQueue)],
        rightAnnotations: [annotation(ingestStuckSeconds, 'stuck')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Compute queue',
        left: [computeQueue.metricApproximateNumberOfMessagesVisible({ period: PERIOD, label: 'waiting' })],
        right: [oldestAge(computeQueue)],
        rightAnnotations: [annotation(computeStuckSeconds, 'stale')],
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-letter queues',
        left: [withLabel(dlqDepth(ingestDlq), 'ingest DLQ'), withLabel(dlqDepth(computeDlq), 'compute DLQ')],
        leftAnnotations: [annotation(1, 'act')],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      fnWidget('Invocations', (f) => f.fn.metricInvocations({ period: PERIOD })),
      fnWidget('Errors', (f) => f.fn.metricErrors({ period: PERIOD })),
      fnWidget('Throttles', (f) => f.fn.metricThrottles({ period: PERIOD })),
    );
    this.dashboard.addWidgets(
      fnWidget('Duration p95 (ms)', (f) => f.fn.metricDuration({ period: PERIOD, statistic: 'p95' })),
      fnWidget('Concurrent executions', (f) =>
        f.fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum' }),
      ),
      new GraphWidget({
        title: 'DynamoDB',
        left: [
          table.metric('ConsumedWriteCapacityUnits', {
            period: PERIOD,
            statistic: 'Sum',
            label: 'write units',
          }),
          table.metric('ConsumedReadCapacityUnits', {
            period: PERIOD,
            statistic: 'Sum',
            label: 'read units',
          }),
        ],
        right: [tableThrottles],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: `Pipeline metrics (namespace ${METRICS_NAMESPACE})`,
        // Whatever the handlers emit through Powertools Metrics, without hard-coding metric names here.
        left: [
          new MathExpression({
            expression: `SEARCH('{${METRICS_NAMESPACE},service} MetricName=*', 'Sum', 300)`,
            label: '',
            period: PERIOD,
          }),
        ],
        width: 16,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 8 }),
    );
    if (props.api && apiMetrics) this.dashboard.addWidgets(...apiWidgets(props.api, apiMetrics));
  }

  /** 5xx rate, p99 latency and function throttles of the HTTP API. */
  private apiAlarms(api: NonNullable<PipelineMonitoringProps['api']>): ApiMetrics {
    const requests = api.httpApi.metricCount({ period: PERIOD, statistic: 'Sum', label: 'requests' });
    const serverErrors = api.httpApi.metricServerError({ period: PERIOD, statistic: 'Sum', label: '5xx' });
    const latencyP99 = api.httpApi.metricLatency({ period: PERIOD, statistic: 'p99', label: 'latency p99' });
    // A rate, but only once a few requests failed: at night one failure in two requests is no outage.
    const rate = new MathExpression({
      expression: 'IF(e >= 3, 100 * e / r, 0)',
      usingMetrics: { e: serverErrors, r: requests },
      label: 'API 5xx (% of requests)',
      period: PERIOD,
    });
    this.alarm('Api5xxRate', rate, API_5XX_PERCENT, {
      description:
        `At least ${API_5XX_PERCENT} % of API requests (and at least 3) failed with 5xx in 5 minutes: users see ` +
        'errors. Read the api function logs ("request failed") and the API access logs (integrationError): a ' +
        'crash, a timeout (29 s), or DynamoDB/S3 refusing the function.',
    });
    this.alarm('ApiLatencyP99', latencyP99, API_LATENCY_P99_MS, {
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        `The slowest 1 % of API requests took over ${API_LATENCY_P99_MS / 1000} s in 2 of the last 3 five-minute ` +
        'periods. Find the slow routes in the API access logs (latencyMs); a what-if preview computes a whole ' +
        'quarter from its extracts inside the request and is the usual suspect.',
    });
    this.alarm('ApiThrottles', api.fn.fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), 1, {
      description:
        'The API function hit its reserved concurrency and refused requests (users got errors). Look for a ' +
        'client retrying in a loop in the access logs, or raise the API concurrency in infra/config.ts.',
    });
    return { requests, serverErrors, latencyP99 };
  }

  private alarm(
    id: string,
    metric: IMetric,
    threshold: number,
    opts: { description: string; evaluationPeriods?: number; datapointsToAlarm?: number },
  ): Alarm {
    const alarm = new Alarm(this, id, {
      metric,
      threshold,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: opts.evaluationPeriods ?? 1,
      datapointsToAlarm: opts.datapointsToAlarm ?? opts.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
      alarmDescription: opts.description,
    });
    const action = new SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}

interface ApiMetrics {
  readonly requests: IMetric;
  readonly serverErrors: IMetric;
  readonly latencyP99: IMetric;
}

function apiWidgets(api: NonNullable<PipelineMonitoringProps['api']>, m: ApiMetrics): GraphWidget[] {
  const fn = api.fn.fn;
  return [
    new GraphWidget({
      title: 'API requests',
      left: [
        m.requests,
        api.httpApi.metricClientError({ period: PERIOD, label: '4xx (refusals, throttling)' }),
        m.serverErrors,
      ],
      width: 8,
    }),
    new GraphWidget({
      title: 'API latency (ms)',
      left: [
        m.latencyP99,
        api.httpApi.metricLatency({ period: PERIOD, statistic: 'p50', label: 'latency p50' }),
        api.httpApi.metricIntegrationLatency({ period: PERIOD, statistic: 'p99', label: 'function p99' }),
      ],
      leftAnnotations: [annotation(API_LATENCY_P99_MS, 'slow')],
      width: 8,
    }),
    new GraphWidget({
      title: 'API function',
      left: [
        withLabel(fn.metricErrors({ period: PERIOD, statistic: 'Sum' }), 'errors'),
        withLabel(fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }), 'throttles'),
      ],
      right: [
        withLabel(fn.metric('ConcurrentExecutions', { period: PERIOD, statistic: 'Maximum' }), 'concurrent'),
      ],
      width: 8,
    }),
  ];
}

function withLabel(metric: IMetric, label: string): IMetric {
  return metric instanceof Metric ? metric.with({ label }) : metric;
}

function annotation(value: number, label: string): HorizontalAnnotation {
  return { value, label };
}
