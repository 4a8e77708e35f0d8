import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RebatesFunction } from '../../infra/rebates-function.js';
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
  it('notifies the ingest queue for .csv and .csv.gz objects under incoming/ only', () => {
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
      ]),
    );
    expect(filters).toHaveLength(2);
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

describe('recalc FIFO queue', () => {
  it('is FIFO with content-based dedup and a FIFO DLQ after 5 receives', () => {
    const queue = resources[id(s.stateless.recalcQueue)]!.Properties;
    expect(queue.FifoQueue).toBe(true);
    expect(queue.ContentBasedDeduplication).toBe(true);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [id(s.stateless.recalcDlq), 'Arn'] },
      maxReceiveCount: 5,
    });
    expect(resources[id(s.stateless.recalcDlq)]!.Properties.FifoQueue).toBe(true);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
      6 * (fnProps(s.stateless.recalc).Timeout as number),
    );
  });

  it('feeds the recalc function with partial batch failures; ingest gets the queue URL', () => {
    const esm = esmOf(s.stateless.recalc);
    expect(flat(esm.EventSourceArn)).toBe(`<${id(s.stateless.recalcQueue)}.Arn>`);
    expect(esm.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(fnProps(s.stateless.ingest).Environment.Variables.RECALC_QUEUE_URL).toEqual({
      Ref: id(s.stateless.recalcQueue),
    });
  });
});

describe('queues', () => {
  it('are all encrypted and refuse requests without TLS', () => {
    const queues = [
      s.stateless.ingestQueue,
      s.stateless.ingestDlq,
      s.stateless.recalcQueue,
      s.stateless.recalcDlq,
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
    for (const f of [s.stateless.ingest, s.stateless.recalc]) {
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
    for (const [f, service] of [
      [s.stateless.ingest, 'ingest'],
      [s.stateless.recalc, 'recalc'],
    ] as const) {
      const p = fnProps(f);
      expect(p.Runtime).toBe('nodejs22.x');
      expect(p.Architectures).toEqual(['arm64']);
      expect(p.TracingConfig).toEqual({ Mode: 'Active' });
      expect(p.Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: 'Rebates',
        NODE_OPTIONS:
          service === 'ingest' ? '--enable-source-maps --max-old-space-size=160' : '--enable-source-maps',
        TABLE_NAME: 'rebates-dev',
      });
      expect(flat(p.Environment.Variables.REPORTS_BUCKET)).toBe(
        bucketArn.replace('arn:<AWS::Partition>:s3:::', ''),
      );
    }
    expect(fnProps(s.stateless.recalc).Environment.Variables).not.toHaveProperty('RECALC_QUEUE_URL');
  });

  it('log to their own log group with a retention, and their roles carry no managed policies', () => {
    for (const f of [s.stateless.ingest, s.stateless.recalc]) {
      const p = fnProps(f);
      expect(p.LoggingConfig).toEqual({ LogGroup: { Ref: id(f.logGroup) } });
      expect(resources[id(f.logGroup)]!.Properties.RetentionInDays).toBe(14);
      expect(resources[id(f.role)]!.Properties).not.toHaveProperty('ManagedPolicyArns');
    }
  });

  it('are bundled locally into an ESM file with a linked source map', () => {
    for (const f of [s.stateless.ingest, s.stateless.recalc]) {
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

  it('ingest reads incoming/ (with versions), rules/ and claims/, writes rejects/ and claims/, nothing else', () => {
    const st = statementsOf(s.stateless.ingest);
    noBroaderThanGrants(st);
    const on = (key: string) => objectActions(st, `${bucketArn}/${key}`);
    expect(on('incoming/d1/r.csv')).toEqual(['s3:GetObject', 's3:GetObjectVersion']);
    expect(on('rejects/d1/r.rejects.csv')).toEqual(['s3:AbortMultipartUpload', 's3:PutObject']);
    expect(on('rules/2016-Q1.json')).toEqual(['s3:GetObject']);
    // Service-tag claim indexes of every report version.
    expect(on('claims/2016-Q1/rpt_0123/v1.lost')).toEqual(['s3:GetObject', 's3:PutObject']);
    // Writing to incoming/ would re-trigger ingest; exports/ is finance's business.
    expect(on('exports/2016-Q1/payouts.csv')).toEqual([]);
    expect(on('claims-old/x')).toEqual([]);
    // Listing lets a GET of a claim index that was never written answer 404 instead of 403.
    expect(s3Statements(st).filter((x) => x.actions.includes('s3:ListBucket'))).toEqual([
      { actions: ['s3:ListBucket'], resources: [bucketArn], conditions: undefined },
    ]);
    const resources = new Set(s3Statements(st).flatMap((x) => x.resources));
    expect([...resources].sort()).toEqual(
      [bucketArn, ...['claims', 'incoming', 'rejects', 'rules'].map((p) => `${bucketArn}/${p}/*`)].sort(),
    );
  });

  it('recalc reads rules/ only, and cannot publish recalc requests', () => {
    const st = statementsOf(s.stateless.recalc);
    noBroaderThanGrants(st);
    expect(s3Statements(st)).toEqual([
      { actions: ['s3:GetObject'], resources: [`${bucketArn}/rules/*`] },
      listRules(),
    ]);
    expect(allows(st, 's3:GetObject', `${bucketArn}/incoming/d1/r.csv`)).toBe(false);
    expect(allows(st, 'sqs:SendMessage', `<${id(s.stateless.recalcQueue)}.Arn>`)).toBe(false);
  });

  it('both read and write the table and its indexes, with the table key, and nothing else in DynamoDB', () => {
    for (const f of [s.stateless.ingest, s.stateless.recalc]) {
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

  it('ingest may send to the recalc queue and consume only its own queue', () => {
    const st = statementsOf(s.stateless.ingest);
    const recalcArn = `<${id(s.stateless.recalcQueue)}.Arn>`;
    const ingestArn = `<${id(s.stateless.ingestQueue)}.Arn>`;
    expect(allows(st, 'sqs:SendMessage', recalcArn)).toBe(true);
    expect(allows(st, 'sqs:ReceiveMessage', ingestArn)).toBe(true);
    expect(allows(st, 'sqs:ReceiveMessage', recalcArn)).toBe(false);
    expect(allows(st, 'sqs:SendMessage', ingestArn)).toBe(false);
  });

  it('each function writes only its own log group', () => {
    for (const [f, other] of [
      [s.stateless.ingest, s.stateless.recalc],
      [s.stateless.recalc, s.stateless.ingest],
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
    for (const dlq of [s.stateless.ingestDlq, s.stateless.recalcDlq]) {
      const a = alarmOn('ApproximateNumberOfMessagesVisible', 'QueueName', id(dlq));
      expect(a).toMatchObject({
        Namespace: 'AWS/SQS',
        Threshold: 1,
        EvaluationPeriods: 1,
        Statistic: 'Maximum',
      });
    }
  });

  it('fire on any ingest or recalc error (crash or timeout) and on any throttle', () => {
    for (const f of [s.stateless.ingest, s.stateless.recalc]) {
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
    const backlog = alarmOn('ApproximateAgeOfOldestMessage', 'QueueName', id(s.stateless.recalcQueue));
    expect(backlog.Threshold).toBe(resources[id(s.stateless.recalcQueue)]!.Properties.VisibilityTimeout);
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
  });
});
