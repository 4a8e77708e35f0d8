import { Stack } from 'aws-cdk-lib';
import { AccountPrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { stageConfig, stageConfigFromContext } from '../../infra/config.js';
import { DistributorUploadRole, distributorUploadPattern } from '../../infra/distributor-upload.js';
import { allows, flat, logicalId, roleStatements, synthStage, tempApp, type Synthesized } from './synth.js';

const ACME = { id: 'ACME', accountId: '111111111111', externalId: 'acme-upload-7f3a' };
const BETA = { id: 'BETA-2', accountId: '222222222222', externalId: 'beta-upload-91c2' };
const BUCKET = 'arn:<AWS::Partition>:s3:::rebates-dev-reports-<AWS::AccountId>-<AWS::Region>';

let s: Synthesized;
beforeAll(() => {
  s = synthStage('dev', { dev: { distributors: [ACME, BETA] }, prod: {} });
});

const roleOf = (distributorId: string) => {
  const found = s.stateless.distributorRoles.find((r) => r.keyPattern === `incoming/${distributorId}/*`);
  expect(found, distributorId).toBeDefined();
  return found!.role;
};
const statementsOf = (distributorId: string) =>
  roleStatements(s.statelessTemplate, logicalId(s.stateless, roleOf(distributorId)));

describe('distributor upload roles', () => {
  it('let a distributor put objects under its own prefix and nowhere else', () => {
    const acme = statementsOf('ACME');
    expect(acme).toEqual([
      { effect: 'Allow', actions: ['s3:PutObject'], resources: [`${BUCKET}/incoming/ACME/*`] },
    ]);
    expect(allows(acme, 's3:PutObject', `${BUCKET}/incoming/ACME/2016-02.csv`)).toBe(true);
    expect(allows(acme, 's3:PutObject', `${BUCKET}/incoming/ACME/sub/2016-02.csv.gz`)).toBe(true);
    // Another distributor's prefix, a look-alike prefix, the rest of the bucket.
    expect(allows(acme, 's3:PutObject', `${BUCKET}/incoming/BETA-2/2016-02.csv`)).toBe(false);
    expect(allows(acme, 's3:PutObject', `${BUCKET}/incoming/ACME-EVIL/2016-02.csv`)).toBe(false);
    expect(allows(acme, 's3:PutObject', `${BUCKET}/incoming/x.csv`)).toBe(false);
    expect(allows(acme, 's3:PutObject', `${BUCKET}/rules/2016-Q1.json`)).toBe(false);
    // No reading back: not even its own reports or anyone's rejects.
    expect(allows(acme, 's3:GetObject', `${BUCKET}/incoming/ACME/2016-02.csv`)).toBe(false);
    expect(allows(acme, 's3:ListBucket', BUCKET)).toBe(false);

    const beta = statementsOf('BETA-2');
    expect(allows(beta, 's3:PutObject', `${BUCKET}/incoming/BETA-2/r.csv`)).toBe(true);
    expect(allows(beta, 's3:PutObject', `${BUCKET}/incoming/ACME/r.csv`)).toBe(false);
  });

  it('can be assumed only from the distributor account, with its external ID', () => {
    const role = s.statelessTemplate.toJSON().Resources[logicalId(s.stateless, roleOf('ACME'))].Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toHaveLength(1);
    const trust = role.AssumeRolePolicyDocument.Statement[0];
    expect(trust.Action).toBe('sts:AssumeRole');
    expect(flat(trust.Principal.AWS)).toBe('arn:<AWS::Partition>:iam::111111111111:root');
    expect(trust.Condition).toEqual({ StringEquals: { 'sts:ExternalId': 'acme-upload-7f3a' } });
    expect(role.MaxSessionDuration).toBe(3600);
    expect(role).not.toHaveProperty('ManagedPolicyArns');
  });

  it('pass cdk-nag: the prefix wildcard is acknowledged, nothing else is needed', () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  });

  it('publish each role ARN as a stack output to hand to the distributor', () => {
    const outputs = s.statelessTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    const acmeRole = `<${logicalId(s.stateless, roleOf('ACME'))}.Arn>`;
    expect(Object.values(outputs).map((o) => flat(o.Value))).toContain(acmeRole);
  });

  it('the construct works on any bucket and refuses IDs that would widen the grant', () => {
    const stack = new Stack(tempApp(), 'Probe');
    const bucket = Bucket.fromBucketName(stack, 'B', 'probe-bucket');
    const ok = new DistributorUploadRole(stack, 'Ok', {
      bucket,
      distributorId: 'D-01',
      assumedBy: new AccountPrincipal('333333333333'),
    });
    expect(ok.keyPattern).toBe('incoming/D-01/*');
    for (const bad of ['*', 'ACME/*', 'A/B', '', '?', 'ACME*', '../rules', 'a'.repeat(65)]) {
      expect(() => distributorUploadPattern(bad), JSON.stringify(bad)).toThrow(ConfigError);
    }
  });
});

describe('stage configuration', () => {
  const appWith = (context: Record<string, unknown>) => tempApp({ context }).node;

  it('defaults to dev and reads the stage settings from the context', () => {
    const cfg = stageConfigFromContext(
      appWith({ 'rebates:stages': { dev: { alarmEmails: ['a@example.com'] }, prod: {} } }),
    );
    expect(cfg.stage).toBe('dev');
    expect(cfg.alarmEmails).toEqual(['a@example.com']);
    expect(cfg.retainData).toBe(false);
  });

  it('fails fast, in plain words, on an unknown stage or bad distributor settings', () => {
    expect(() => stageConfigFromContext(appWith({ stage: 'staging' }))).toThrow(ConfigError);
    expect(() => stageConfig('prod', { distributors: [{ ...ACME, accountId: '12345' }] })).toThrow(
      /12-digit AWS account ID/,
    );
    expect(() => stageConfig('prod', { distributors: [{ ...ACME, id: 'ACME/*' }] })).toThrow(ConfigError);
    expect(() => stageConfig('prod', { distributors: [ACME, { ...BETA, id: 'ACME' }] })).toThrow(/unique/);
    expect(() => stageConfig('prod', { alarmEmails: ['not-an-address'] })).toThrow(ConfigError);
  });
});
