import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { COMPUTE_HEAP_MB, COMPUTE_YOUNG_MB, INGEST_HEAP_MB } from '../../infra/config.js';
import type { RebatesFunction } from '../../infra/rebates-function.js';
import { loadAppConfig } from '../../shared/aws/clients.js';
import {
  allows,
  flat,
  logicalId,
  objectActions,
  roleStatements,
  synthStage,
  type Statement,
  type Synthesized,
} from './synth.js';

let s: Synthesized;
// Template JSON is untyped CloudFormation; the assertions below check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cfn = any;
let resources: Record<string, { Type: string; Properties: Record<string, Cfn> }>;
let bucketArn: string;
let tableArn: string;

beforeAll(() => {
  s = synthStage('dev', {
    dev: { alarmEmails: ['ops@example.com'], distributors: [] },
    prod: {},
  });
  resources = s.statelessTemplate.toJSON().Resources;
  // The stateful stack's bucket and table, by the names both stacks derive (storage.test.ts checks the other side).
  bucketArn = 'arn:<AWS::Partition>:s3:::rebates-dev-reports-<AWS::AccountId>-<AWS::Region>';
  tableArn = `arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/rebates-dev`;
});

const fnId = (f: RebatesFunction) => logicalId(s.stateless, f.fn);
const id = (c: { node: { defaultChild?: unknown } }) => logicalId(s.stateless, c);
const fnProps = (f: RebatesFunction) => resources[fnId(f)]!.Properties;
const statementsOf = (f: RebatesFunction) => roleStatements(s.statelessTemplate, id(f.role));
const esmOf = (f: RebatesFunction) => {
  const found = Object.values(resources).filter(
    (r) => r.Type === 'AWS::Lambda::EventSourceMapping' && r.Properties.FunctionName.Ref === fnId(f),
  );
  expect(found).toHaveLength(1);
  return found[0]!.Properties;
};

describe('S3 -> SQS -> ingest wiring', () => {
  it('notifies the ingest queue for .csv and .csv.gz objects under incoming/, and rules files for their writer', () => {
    const notifications = Object.values(resources).filter((r) => r.Type === 'Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    const props = notifications[0]!.Properties;
    expect(`arn:<AWS::Partition>:s3:::${flat(props.BucketName)}`).toBe(bucketArn);
    const configs = props.NotificationConfiguration.QueueConfigurations as {
      Events: string[];
      QueueArn: unknown;
      Filter: { Key: { FilterRules: { Name: string; Value: string }[] } };
    }[];
    const filters = configs.map((c) => {
      expect(c.Events).toEqual(['s3:ObjectCreated:*']);
      expect(flat(c.QueueArn)).toBe(`<${id(s.stateless.ingestQueue)}.Arn>`);
      return Object.fromEntries(c.Filter.Key.FilterRules.map((r) => [r.Name, r.Value]));
    });
    expect(filters).toEqual(
      expect.arrayContaining([
        { prefix: 'incoming/', suffix: '.csv' },
        { prefix: 'incoming/', suffix: '.csv.gz' },
        { prefix: 'rules/', suffix: '.json' },
      ]),
    );
    expect(filters).toHaveLength(3);
    expect(props.NotificationConfiguration).not.toHaveProperty('LambdaFunctionConfigurations');
    expect(props.NotificationConfiguration).not.toHaveProperty('TopicConfigurations');
  });

  it('lets only S3, from the reports bucket, send to the ingest queue', () => {
    s.statelessTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id(s.stateless.ingestQueue) }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 's3.amazonaws.com' },
            Action: Match.arrayWith(['sqs:SendMessage']),
            Condition: { ArnLike: { 'aws:SourceArn': Match.anyValue() } },
          }),
        ]),
      },
    });
    const policy = Object.values(resources).find(
      (r) => r.Type === 'AWS::SQS::QueuePolicy' && r.Properties.Queues[0].Ref === id(s.stateless.ingestQueue),
    )!;
    const allow = (policy.Properties.PolicyDocument.Statement as Record<string, Cfn>[]).filter(
      (st) => st.Effect === 'Allow',
    );
    expect(allow).toHaveLength(1);
    expect(flat(allow[0]!.Condition.ArnLike['aws:SourceArn'])).toBe(bucketArn);
  });

  it('hands failed reports to a DLQ after 5 receives, with partial batch failures', () => {
    const queue = resources[id(s.stateless.ingestQueue)]!.Properties;
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(s.stateless.ingestDlq), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(resources[id(s.stateless.ingestDlq)]!.Properties.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    const esm = esmOf(s.stateless.ingest);
    expect(flat(esm.EventSourceArn)).toBe(`<${id(s.stateless.ingestQueue)}.Arn>`);
    expect(esm.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(esm.BatchSize).toBeGreaterThanOrEqual(1);
    expect(esm.BatchSize).toBeLessThanOrEqual(5);
  });

  it('gives the ingest queue a visibility timeout of at least 6 x the function timeout', () => {
    const timeout = fnProps(s.stateless.ingest).Timeout as number;
    expect(resources[id(s.stateless.ingestQueue)]!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * timeout,
    );
  });
});

describe('compute FIFO queue', () => {
  it('is FIFO with one deduplication scope and throughput limit per quarter group, and a FIFO DLQ after 5 receives', () => {
    const queue = resources[id(s.stateless.computeQueue)]!.Properties;
    expect(queue.FifoQueue).toBe(true);
    // The publisher sends an explicit deduplication ID; content-based is the fallback.
    expect(queue.ContentBasedDeduplication).toBe(true);
    expect(queue.DeduplicationScope).toBe('messageGroup');
    expect(queue.FifoThroughputLimit).toBe('perMessageGroupId');
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(s.stateless.computeDlq), 'Arn'] },
      maxReceiveCount: 5,
    });
    const dlq = resources[id(s.stateless.computeDlq)]!.Properties;
    expect(dlq.FifoQueue).toBe(true);
    expect(dlq.MessageRetentionPeriod).toBe(14 * 24 * 3600);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * (fnProps(s.stateless.compute).Timeout as number),
    );
  });

  it('feeds the compute function one request at a time, with partial batch failures', () => {
    const esm = esmOf(s.stateless.compute);
    expect(flat(esm.EventSourceArn)).toBe(`<${id(s.stateless.computeQueue)}.Arn>`);
    expect(esm.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(esm.BatchSize).toBe(1);
  });

  it('sizes the compute function for one quarter in one pass: a full vCPU, a bounded heap below its memory, 15 minutes', () => {
    const p = fnProps(s.stateless.compute);
    // Lambda gives one full vCPU from 1,769 MB; the computation is single-threaded.
    expect(p.MemorySize).toBeGreaterThanOrEqual(1769);
    expect(p.Timeout).toBe(15 * 60);
    // Old space and the young generation (up to three semi-spaces) leave room for code and buffers.
    expect(COMPUTE_HEAP_MB + 3 * COMPUTE_YOUNG_MB).toBeLessThanOrEqual((p.MemorySize as number) - 200);
    expect(COMPUTE_HEAP_MB).toBeGreaterThan((p.MemorySize as number) / 2);
    expect(p.Environment.Variables.NODE_OPTIONS).toBe(
      `--enable-source-maps --max-old-space-size=${COMPUTE_HEAP_MB} --max-semi-space-size=${COMPUTE_YOUNG_MB}`,
    );
    expect(p.Description).toMatch(/quarter/);
  });
});

describe('environment', () => {
  const envOf = (f: RebatesFunction) => fnProps(f).Environment.Variables as Record<string, Cfn>;
  // What the deployed values will look like once CloudFormation resolves the references.
  const QUEUE_URL = 'https://sqs.eu-central-1.amazonaws.com/123456789012/rebates-compute.fifo';
  const resolved = (f: RebatesFunction) =>
    Object.fromEntries(
      Object.entries(envOf(f)).map(([k, v]) => {
        if (typeof v === 'string') return [k, v];
        if (v.Ref === id(s.stateless.computeQueue)) return [k, QUEUE_URL];
        return [k, flat(v)];
      }),
    );
  // Compute publishes the computations of a reference change it evaluated and applied.
  const publishers = () => [s.stateless.ingest, s.stateless.api.fn, s.stateless.compute];
  const all = () => [s.stateless.ingest, s.stateless.compute, s.stateless.api.fn];

  it('gives COMPUTE_QUEUE_URL to every function that requests computations, and no one the old recalc queue', () => {
    for (const f of publishers()) expect(envOf(f).COMPUTE_QUEUE_URL).toEqual({ Ref: id(s.stateless.computeQueue) });
    for (const f of all()) expect(envOf(f)).not.toHaveProperty('RECALC_QUEUE_URL');
  });

  it('sets only variables the functions read, and the functions’ config validation accepts what it sets', () => {
    const read = ['TABLE_NAME', 'REPORTS_BUCKET', 'COMPUTE_QUEUE_URL'];
    for (const f of all()) {
      const ours = Object.keys(envOf(f)).filter((k) => !k.startsWith('POWERTOOLS_') && k !== 'NODE_OPTIONS');
      for (const k of ours) expect(read, k).toContain(k);
      const config = loadAppConfig(resolved(f));
      expect(config.tableName).toBe('rebates-dev');
      expect(config.reportsBucket).toBe('rebates-dev-reports-<AWS::AccountId>-<AWS::Region>');
      expect(config.computeQueueUrl).toBe(publishers().includes(f) ? QUEUE_URL : undefined);
    }
  });
});

describe('queues', () => {
  it('are all encrypted and refuse requests without TLS', () => {
    const queues = [
      s.stateless.ingestQueue,
      s.stateless.ingestDlq,
      s.stateless.computeQueue,
      s.stateless.computeDlq,
    ];
    for (const q of queues) {
      expect(resources[id(q)]!.Properties.SqsManagedSseEnabled).toBe(true);
      s.statelessTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: id(q) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Effect: 'Deny',
              Action: 'sqs:*',
              Principal: { AWS: '*' },
              Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            }),
          ]),
        },
      });
    }
  });
});

describe('concurrency', () => {
  it('reserves concurrency per function and never lets the event source ask for more', () => {
    for (const f of [s.stateless.ingest, s.stateless.compute]) {
      const reserved = fnProps(f).ReservedConcurrentExecutions as number;
      expect(reserved).toBeGreaterThanOrEqual(2);
      // Sized for the table: see docs/deploy.md; a larger number needs that arithmetic redone.
      expect(reserved).toBeLessThanOrEqual(10);
      expect(esmOf(f).ScalingConfig).toEqual({ MaximumConcurrency: reserved });
    }
  });
});

describe('house function defaults', () => {
  it('run Node.js 22 on ARM64 with X-Ray, source maps and the Powertools environment', () => {
    for (const [f, service, heap] of [
      [s.stateless.ingest, 'ingest', `${INGEST_HEAP_MB}`],
      [s.stateless.compute, 'compute', `${COMPUTE_HEAP_MB} --max-semi-space-size=${COMPUTE_YOUNG_MB}`],
    ] as const) {
      const p = fnProps(f);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: 'Rebates',
        NODE_OPTIONS: `--enable-source-maps --max-old-space-size=${heap}`,
        TABLE_NAME: 'rebates-dev',
      });
      expect(flat(p.Environment.Variables.REPORTS_BUCKET)).toBe(
        bucketArn.replace('arn:<AWS::Partition>:s3:::', ''),
      );
    }
  });

  it('log to their own log group with a retention, and their roles carry no managed policies', () => {
    for (const f of [s.stateless.ingest, s.stateless.compute]) {
      const p = fnProps(f);
      expect(p.LoggingConfig).toEqual({ LogGroup: { Ref: id(f.logGroup) } });
      expect(resources[id(f.logGroup)]!.Properties.RetentionInDays).toBe(14);
      expect(resources[id(f.role)]!.Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  it('are bundled locally into an ESM file with a linked source map', () => {
    for (const f of [s.stateless.ingest, s.stateless.compute]) {
      const asset = f.fn.node.findChild('Code') as Asset;
      const dir = join(s.app.outdir, asset.assetPath);
      expect(existsSync(join(dir, 'index.mjs.map'))).toBe(true);
      expect(readFileSync(join(dir, 'index.mjs'), 'utf8')).toMatch(
        /\/\/# sourceMappingURL=index\.mjs\.map\s*$/,
      );
      expect(fnProps(f).Handler).toBe('index.handler');
    }
  });
});

describe('least privilege', () => {
  const noBroaderThanGrants = (statements: Statement[]) => {
    for (const st of statements) {
      expect(st.effect).toBe('Allow');
      for (const a of st.actions) expect(a).not.toMatch(/^(\*|s3:\*|dynamodb:\*|sqs:\*|kms:\*)$/);
      // The only `*` resource is X-Ray, which has no resource-level permissions.
      if (st.resources.includes('*'))
        expect(st.actions).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      // No grant covers the whole bucket.
      for (const r of st.resources) expect(r).not.toBe(`${bucketArn}/*`);
    }
  };

  const listRules = () => ({
    actions: ['s3:ListBucket'],
    resources: [bucketArn],
    conditions: { StringLike: { 's3:prefix': ['rules/*'] } },
  });
  const s3Statements = (st: Statement[]) =>
    st
      .filter((x) => x.actions.some((a) => a.startsWith('s3:')))
      .map((x) => ({ actions: x.actions, resources: x.resources, conditions: x.conditions }));

  const prefixResources = (...prefixes: string[]) => [bucketArn, ...prefixes.map((p) => `${bucketArn}/${p}/*`)].sort();

  it('ingest reads incoming/ (with versions) and rules/, writes rejects/ (and removes replaced ones) and extracts/, nothing else', () => {
    const st = statementsOf(s.stateless.ingest);
    noBroaderThanGrants(st);
    const on = (key: string) => objectActions(st, `${bucketArn}/${key}`);
    expect(on('incoming/d1/r.csv')).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(on('rejects/d1/r.rejects.csv')).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:PutObject']);
    expect(on('extracts/rpt_0123/ab12.json.gz')).toEqual(['s3:PutObject']);
    expect(on('rules/2016-Q1.json')).toEqual(['s3:GetObject']);
    // Writing to incoming/ would re-trigger ingest; computations/ and exports/ are others' business;
    // v1's claim indexes are read by no one.
    expect(on('computations/2016-Q1/cd34.json.gz')).toEqual([]);
    expect(on('exports/2016-Q1/payouts.csv')).toEqual([]);
    expect(on('claims/2016-Q1/rpt_0123/v1.lost')).toEqual([]);
    expect(on('extracts-old/x')).toEqual([]);
    // It reads nothing that may be absent, so it lists only rules/ (the rules loader's listing).
    expect(s3Statements(st).filter((x) => x.actions.includes('s3:ListBucket'))).toEqual([listRules()]);
    const resources = new Set(s3Statements(st).flatMap((x) => x.resources));
    expect([...resources].sort()).toEqual(prefixResources('extracts', 'incoming', 'rejects', 'rules'));
  });

  it('compute reads extracts/ and rules/, reads and writes computations/, never a raw report', () => {
    const st = statementsOf(s.stateless.compute);
    noBroaderThanGrants(st);
    const on = (key: string) => objectActions(st, `${bucketArn}/${key}`);
    expect(on('extracts/rpt_0123/ab12.json.gz')).toEqual(['s3:GetObject']);
    expect(on('computations/2016-Q1/cd34.json.gz')).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(on('rules/2016-Q1.json')).toEqual(['s3:GetObject']);
    for (const key of ['incoming/d1/r.csv', 'rejects/d1/r.rejects.csv', 'exports/2016-Q1/x.json', 'claims/x'])
      expect(on(key), key).toEqual([]);
    // Listing lets a GET of a missing extract answer 404 (an error in plain words) instead of 403.
    expect(s3Statements(st).filter((x) => x.actions.includes('s3:ListBucket'))).toEqual([
      { actions: ['s3:ListBucket'], resources: [bucketArn], conditions: undefined },
    ]);
    const resources = new Set(s3Statements(st).flatMap((x) => x.resources));
    expect([...resources].sort()).toEqual(prefixResources('computations', 'extracts', 'rules'));
  });

  it('compute consumes its own queue and publishes to it only (an applied change requests computations)', () => {
    const st = statementsOf(s.stateless.compute);
    const computeArn = `<${id(s.stateless.computeQueue)}.Arn>`;
    expect(allows(st, 'sqs:ReceiveMessage', computeArn)).toBe(true);
    expect(allows(st, 'sqs:DeleteMessage', computeArn)).toBe(true);
    expect(allows(st, 'sqs:SendMessage', computeArn)).toBe(true);
    expect(allows(st, 'sqs:ReceiveMessage', `<${id(s.stateless.ingestQueue)}.Arn>`)).toBe(false);
    expect(allows(st, 'sqs:SendMessage', `<${id(s.stateless.ingestQueue)}.Arn>`)).toBe(false);
  });

  it('both read and write the table and its indexes, with the table key, and nothing else in DynamoDB', () => {
    for (const f of [s.stateless.ingest, s.stateless.compute]) {
      const st = statementsOf(f);
      const ddb = st.filter((x) => x.actions.some((a) => a.startsWith('dynamodb:')));
      expect(ddb).toHaveLength(1);
      expect(ddb[0]!.resources).toEqual([tableArn, `${tableArn}/index/*`]);
      expect(ddb[0]!.actions).toEqual(
        expect.arrayContaining([
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:Query',
        ]),
      );
      expect(ddb[0]!.actions).not.toContain('dynamodb:DeleteTable');
      const kms = st.filter((x) => x.actions.some((a) => a.startsWith('kms:')));
      expect(kms).toHaveLength(1);
      expect(kms[0]!.resources).toHaveLength(1);
      expect(kms[0]!.resources[0]).toContain('Fn::GetStackOutput');
      expect(kms[0]!.resources[0]).toContain('DataKey');
    }
  });

  it('ingest may send to the compute queue and consume only its own queue', () => {
    const st = statementsOf(s.stateless.ingest);
    const computeArn = `<${id(s.stateless.computeQueue)}.Arn>`;
    const ingestArn = `<${id(s.stateless.ingestQueue)}.Arn>`;
    expect(allows(st, 'sqs:SendMessage', computeArn)).toBe(true);
    expect(allows(st, 'sqs:ReceiveMessage', ingestArn)).toBe(true);
    expect(allows(st, 'sqs:ReceiveMessage', computeArn)).toBe(false);
    expect(allows(st, 'sqs:SendMessage', ingestArn)).toBe(false);
  });

  it('each function writes only its own log group', () => {
    for (const [f, other] of [
      [s.stateless.ingest, s.stateless.compute],
      [s.stateless.compute, s.stateless.ingest],
    ] as const) {
      const st = statementsOf(f);
      expect(allows(st, 'logs:PutLogEvents', `<${id(f.logGroup)}.Arn>`)).toBe(true);
      expect(allows(st, 'logs:PutLogEvents', `<${id(other.logGroup)}.Arn>`)).toBe(false);
    }
  });
});

describe('alarms', () => {
  const alarms = () =>
    Object.entries(resources)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([k, r]): Record<string, Cfn> => ({ id: k, ...r.Properties }));
  const topicRef = () => ({ Ref: id(s.stateless.monitoring.topic) });
  const alarmOn = (metricName: string, dimension: string, ref: string) => {
    const found = alarms().filter(
      (a) =>
        a.MetricName === metricName &&
        (a.Dimensions as { Name: string; Value: unknown }[] | undefined)?.some(
          (d) => d.Name === dimension && flat(d.Value).includes(ref),
        ),
    );
    expect(found, `${metricName} on ${ref}`).toHaveLength(1);
    const alarm = found[0]!;
    expect(alarm.ComparisonOperator).toBe('GreaterThanOrEqualToThreshold');
    expect(alarm.AlarmActions).toEqual([topicRef()]);
    expect(alarm.TreatMissingData).toBe('notBreaching');
    expect(String(alarm.AlarmDescription).length).toBeGreaterThan(40);
    return alarm;
  };

  it('fire as soon as one message sits in either DLQ', () => {
    for (const dlq of [s.stateless.ingestDlq, s.stateless.computeDlq]) {
      const a = alarmOn('ApproximateNumberOfMessagesVisible', 'QueueName', id(dlq));
      expect(a).toMatchObject({
        Namespace: 'AWS/SQS',
        Threshold: 1,
        EvaluationPeriods: 1,
        Statistic: 'Maximum',
      });
    }
  });

  it('fire on any ingest or compute error (crash or timeout) and on any throttle', () => {
    for (const f of [s.stateless.ingest, s.stateless.compute]) {
      for (const metric of ['Errors', 'Throttles']) {
        const a = alarmOn(metric, 'FunctionName', fnId(f));
        expect(a).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 1, Statistic: 'Sum', Period: 300 });
      }
    }
  });

  it('call a report stuck when its notification is older than one visibility timeout', () => {
    const visibility = resources[id(s.stateless.ingestQueue)]!.Properties.VisibilityTimeout as number;
    const stuck = alarmOn('ApproximateAgeOfOldestMessage', 'QueueName', id(s.stateless.ingestQueue));
    expect(stuck).toMatchObject({ Namespace: 'AWS/SQS', Threshold: visibility, Statistic: 'Maximum' });
    expect(stuck.Threshold).toBe(1800);
    const backlog = alarmOn('ApproximateAgeOfOldestMessage', 'QueueName', id(s.stateless.computeQueue));
    expect(backlog.Threshold).toBe(resources[id(s.stateless.computeQueue)]!.Properties.VisibilityTimeout);
    expect(backlog.AlarmDescription).toMatch(/quarter/);
  });

  it('fire on DynamoDB read or write throttling in 2 of 3 periods', () => {
    const found = alarms().filter((a) =>
      (a.Metrics as { Expression?: string }[] | undefined)?.some((m) => m.Expression === 'r + w'),
    );
    expect(found).toHaveLength(1);
    const a = found[0]!;
    expect(a).toMatchObject({
      Threshold: 1,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      AlarmActions: [topicRef()],
    });
    const metrics = a.Metrics as { Expression?: string; MetricStat?: { Metric: Record<string, Cfn> } }[];
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('r + w');
    const names = metrics.filter((m) => m.MetricStat).map((m) => m.MetricStat!.Metric);
    expect(names.map((m) => m.MetricName).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    for (const m of names) expect(m.Dimensions).toEqual([{ Name: 'TableName', Value: 'rebates-dev' }]);
  });

  it('notify an SNS topic that requires TLS and mails the configured addresses', () => {
    s.statelessTemplate.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: topicRef(),
    });
    s.statelessTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('and a dashboard shows the pipeline', () => {
    const dash = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
    expect(dash).toHaveLength(1);
    expect(dash[0]!.Properties.DashboardName).toBe('Rebates-dev-pipeline');
    const body = flat(dash[0]!.Properties.DashboardBody);
    for (const text of [
      'ApproximateAgeOfOldestMessage',
      'ConcurrentExecutions',
      'WriteThrottleEvents',
      'SEARCH(',
    ]) {
      expect(body).toContain(text);
    }
    // The compute queue, its DLQ and function are on it; nothing of the retired recalc pipeline is.
    for (const ref of [id(s.stateless.computeQueue), id(s.stateless.computeDlq), fnId(s.stateless.compute)])
      expect(body).toContain(ref);
    expect(body).toContain('compute DLQ');
    expect(body).not.toMatch(/recalc/i);
    expect(alarms().map((a) => a.id).join(' ')).not.toMatch(/recalc/i);
  });
});
