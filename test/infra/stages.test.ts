import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Validations, type Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { logicalId, synthStage, type Synthesized } from './synth.js';

let dev: Synthesized;
let prod: Synthesized;
beforeAll(() => {
  dev = synthStage('dev');
  prod = synthStage('prod');
});

const resourceOf = (s: Synthesized, stack: Stack, c: IConstruct) => {
  const template = stack === s.stateful ? s.statefulTemplate : s.statelessTemplate;
  return template.toJSON().Resources[logicalId(stack, c)] as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
};
const dataResources = (s: Synthesized) => [
  s.stateful.reportsBucket,
  s.stateful.accessLogsBucket,
  s.stateful.table,
  s.stateful.dataKey,
  // Users are state: a recreated pool would lose every account, group membership and MFA device.
  s.stateful.users.userPool,
];

describe('stages', () => {
  it('are separate stacks named Rebates-<stage>-Stateful / -Stateless', () => {
    expect([dev.stateful.stackName, dev.stateless.stackName]).toEqual([
      'Rebates-dev-Stateful',
      'Rebates-dev-Stateless',
    ]);
    expect([prod.stateful.stackName, prod.stateless.stackName]).toEqual([
      'Rebates-prod-Stateful',
      'Rebates-prod-Stateless',
    ]);
    expect(prod.stateless.dependencies).toContain(prod.stateful);
  });

  it('prod retains buckets, table and key, protects the table and the stack from deletion', () => {
    for (const c of dataResources(prod)) {
      const r = resourceOf(prod, prod.stateful, c);
      expect(r.DeletionPolicy, c.node.path).toBe('Retain');
      expect(r.UpdateReplacePolicy, c.node.path).toBe('Retain');
    }
    expect(resourceOf(prod, prod.stateful, prod.stateful.table).Properties.DeletionProtectionEnabled).toBe(
      true,
    );
    expect(prod.stateful.terminationProtection).toBe(true);
    // Nothing may empty a prod bucket on stack deletion.
    expect(Object.keys(prod.statefulTemplate.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
  });

  it('dev cleans up after itself: data is destroyed with the stack, buckets emptied first', () => {
    for (const c of dataResources(dev)) {
      expect(resourceOf(dev, dev.stateful, c).DeletionPolicy, c.node.path).toBe('Delete');
    }
    expect(resourceOf(dev, dev.stateful, dev.stateful.table).Properties.DeletionProtectionEnabled).toBe(
      false,
    );
    expect(dev.stateful.terminationProtection).toBe(false);
    // Reports, access logs, and the dashboard's files and logs.
    expect(Object.keys(dev.statefulTemplate.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(4);
  });

  it('prod requires MFA and protects the user pool from deletion; dev keeps MFA optional', () => {
    const pool = (s: Synthesized) => resourceOf(s, s.stateful, s.stateful.users.userPool).Properties;
    expect(pool(prod)).toMatchObject({ MfaConfiguration: 'ON', DeletionProtection: 'ACTIVE' });
    expect(pool(dev)).toMatchObject({ MfaConfiguration: 'OPTIONAL', DeletionProtection: 'INACTIVE' });
    for (const s of [dev, prod]) expect(pool(s).EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
  });

  it('prod: only the dashboard distribution may read the dashboard bucket', () => {
    const bucketId = logicalId(prod.stateful, prod.stateful.site.bucket);
    const policies = Object.values(prod.statefulTemplate.findResources('AWS::S3::BucketPolicy')).filter(
      (p) => p.Properties.Bucket.Ref === bucketId,
    );
    expect(policies).toHaveLength(1);
    const allow = (policies[0]!.Properties.PolicyDocument.Statement as { Effect: string }[]).filter(
      (st) => st.Effect === 'Allow',
    );
    expect(allow).toHaveLength(1);
    expect(allow[0]).toMatchObject({
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
      Condition: {
        StringEquals: {
          'AWS:SourceArn': {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':cloudfront::',
                { Ref: 'AWS::AccountId' },
                ':distribution/',
                { Ref: logicalId(prod.stateful, prod.stateful.site.distribution) },
              ],
            ],
          },
        },
      },
    });
  });

  it('both keep point-in-time recovery; prod keeps logs and access logs longer', () => {
    for (const s of [dev, prod]) {
      expect(
        resourceOf(s, s.stateful, s.stateful.table).Properties.PointInTimeRecoverySpecification
          .PointInTimeRecoveryEnabled,
      ).toBe(true);
    }
    const retention = (s: Synthesized) =>
      resourceOf(s, s.stateless, s.stateless.ingest.logGroup).Properties.RetentionInDays as number;
    expect(retention(dev)).toBe(14);
    expect(retention(prod)).toBe(365);
    expect(resourceOf(prod, prod.stateless, prod.stateless.ingest.logGroup).DeletionPolicy).toBe('Retain');
    const accessLogDays = (s: Synthesized) =>
      resourceOf(s, s.stateful, s.stateful.accessLogsBucket).Properties.LifecycleConfiguration.Rules[0]
        .ExpirationInDays as number;
    expect(accessLogDays(dev)).toBe(30);
    expect(accessLogDays(prod)).toBe(365);
  });
});

describe('cdk-nag AwsSolutions', () => {
  for (const stage of ['dev', 'prod'] as const) {
    it(`${stage}: no unacknowledged finding (errors or warnings) in either stack`, () => {
      const s = stage === 'dev' ? dev : prod;
      const report = new AwsSolutionsChecks().validateScope(s.app);
      const findings = report.violations.map(
        (v) => `${v.severity} ${v.ruleName} @ ${v.violatingResources.map((r) => r.constructPath).join(', ')}`,
      );
      expect(findings).toEqual([]);
      for (const stack of [s.stateful, s.stateless]) {
        expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
      }
    });

    it(`${stage}: every acknowledgement states a reason and silences a finding that really exists`, () => {
      const s = stage === 'dev' ? dev : prod;
      // The same pack with acknowledgements ignored: the raw findings.
      const raw = new AwsSolutionsChecks();
      (raw as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
      const findings = raw
        .validateScope(s.app)
        .violations.flatMap((v) =>
          v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath })),
        );
      const acks = s.app.node.findAll().flatMap((c) =>
        c.node.metadata
          .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
          .flatMap((m) => Object.entries(m.data as Record<string, string>))
          .map(([id, reason]) => ({ path: c.node.path, rule: id.replace(/^annotation::/i, ''), reason })),
      );
      expect(acks.length).toBeGreaterThan(0);
      for (const ack of acks) {
        // A reason is a sentence, not a placeholder.
        expect(ack.reason, ack.rule).toEqual(expect.stringMatching(/\w+ \w+ \w+ \w+/));
        const hit = findings.some(
          (f) => f.rule === ack.rule && (f.path === ack.path || f.path?.startsWith(`${ack.path}/`)),
        );
        expect(hit, `${ack.rule} acknowledged at ${ack.path} but not found there`).toBe(true);
      }
    });
  }
});
