import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTableInput } from '../../shared/adapters/dynamo/table.js';
import { flat, logicalId, synthStage, type Synthesized } from './synth.js';

let s: Synthesized;
beforeAll(() => {
  s = synthStage('dev');
});

const denyInsecure = (bucketId: string) =>
  Match.objectLike({
    Effect: 'Deny',
    Action: 's3:*',
    Principal: { AWS: '*' },
    Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    Resource: [
      { 'Fn::GetAtt': [bucketId, 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
    ],
  });

describe('reports bucket', () => {
  const reportsId = () => logicalId(s.stateful, s.stateful.reportsBucket);

  it('blocks public access, encrypts at rest and keeps versions of corrected reports', () => {
    const bucket = s.statefulTemplate.toJSON().Resources[reportsId()].Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
    ]);
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.OwnershipControls.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerEnforced' }]);
  });

  it('has a name the stateless stack can derive: rebates-<stage>-reports-<account>-<region>', () => {
    const bucket = s.statefulTemplate.toJSON().Resources[reportsId()].Properties;
    expect(flat(bucket.BucketName)).toBe('rebates-dev-reports-<AWS::AccountId>-<AWS::Region>');
  });

  it('refuses plain HTTP and TLS older than 1.2 in its bucket policy', () => {
    s.statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: reportsId() },
      PolicyDocument: {
        Statement: Match.arrayWith([
          denyInsecure(reportsId()),
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } },
          }),
        ]),
      },
    });
  });

  it('writes access logs to the access-log bucket, which only S3 logging of this bucket may write', () => {
    const logsId = logicalId(s.stateful, s.stateful.accessLogsBucket);
    const bucket = s.statefulTemplate.toJSON().Resources[reportsId()].Properties;
    expect(bucket.LoggingConfiguration).toEqual({
      DestinationBucketName: { Ref: logsId },
      LogFilePrefix: 'reports/',
    });
    s.statefulTemplate.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: logsId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          denyInsecure(logsId),
          Match.objectLike({
            Effect: 'Allow',
            Action: 's3:PutObject',
            Principal: { Service: 'logging.s3.amazonaws.com' },
            Condition: Match.objectLike({
              ArnLike: { 'aws:SourceArn': { 'Fn::GetAtt': [reportsId(), 'Arn'] } },
            }),
          }),
        ]),
      },
    });
    const logs = s.statefulTemplate.toJSON().Resources[logsId].Properties;
    expect(
      logs.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('AES256');
    expect(logs.LifecycleConfiguration.Rules).toEqual([
      expect.objectContaining({ ExpirationInDays: 30, Status: 'Enabled' }),
    ]);
  });

  it('expires rejects, archives exports, and never expires current reports, rules, extracts or records', () => {
    const rules = s.statefulTemplate.toJSON().Resources[reportsId()].Properties.LifecycleConfiguration
      .Rules as {
      Prefix?: string;
      ExpirationInDays?: number;
      Status: string;
      [k: string]: unknown;
    }[];
    const byPrefix = (p: string) => rules.filter((r) => r.Prefix === p);
    expect(byPrefix('rejects/')).toEqual([
      expect.objectContaining({ ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
    ]);
    expect(byPrefix('exports/')).toEqual([
      expect.objectContaining({
        Transitions: [{ StorageClass: 'GLACIER_IR', TransitionInDays: 90 }],
        NoncurrentVersionExpiration: { NoncurrentDays: 365 },
      }),
    ]);
    expect(byPrefix('exports/')[0]).not.toHaveProperty('ExpirationInDays');
    // Content-addressed: a key is only written again with the same bytes, so old versions are garbage;
    // the current ones are what verify and the API read.
    for (const prefix of ['extracts/', 'computations/']) {
      expect(byPrefix(prefix), prefix).toEqual([
        expect.objectContaining({ NoncurrentVersionExpiration: { NoncurrentDays: 30 }, Status: 'Enabled' }),
      ]);
      expect(byPrefix(prefix)[0]).not.toHaveProperty('ExpirationInDays');
    }
    // Pipeline v1's claim indexes are read by nothing any more: they go, versions and all.
    expect(byPrefix('claims/')).toEqual([
      expect.objectContaining({
        ExpirationInDays: 30,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
        Status: 'Enabled',
      }),
    ]);
    // Reports and rules are the audit trail: no rule may expire them (a rule without prefix covers all keys).
    const expiring = rules.filter((r) => r.ExpirationInDays !== undefined);
    expect(expiring.map((r) => r.Prefix).sort()).toEqual(['claims/', 'rejects/']);
    expect(rules).toContainEqual(
      expect.objectContaining({
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
        Status: 'Enabled',
      }),
    );
  });
});

const byName = (a: { AttributeName?: string }, b: { AttributeName?: string }) =>
  (a.AttributeName ?? '').localeCompare(b.AttributeName ?? '');

describe('table', () => {
  const tableProps = () =>
    s.statefulTemplate.toJSON().Resources[logicalId(s.stateful, s.stateful.table)].Properties;

  it('has the single-table keys, gsi1 and the trail index from the storage contract, and no TTL (nothing expires)', () => {
    const t = tableProps();
    expect(t.TableName).toBe('rebates-dev');
    expect(t.KeySchema).toEqual([
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ]);
    expect(t.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'gsi2',
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['entry'] },
      },
      {
        IndexName: 'gsi3',
        KeySchema: [
          { AttributeName: 'gsi3pk', KeyType: 'HASH' },
          { AttributeName: 'gsi3sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['entry'] },
      },
    ]);
    expect(t.AttributeDefinitions).toEqual(
      expect.arrayContaining(
        ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk'].map((n) => ({ AttributeName: n, AttributeType: 'S' })),
      ),
    );
    expect(t).not.toHaveProperty('TimeToLiveSpecification');
  });

  it('is the table the local stack creates: same keys, attributes and index', () => {
    const t = tableProps();
    const local = createTableInput('rebates-dev');
    expect(t.KeySchema).toEqual(local.KeySchema);
    expect([...t.AttributeDefinitions].sort(byName)).toEqual([...local.AttributeDefinitions!].sort(byName));
    expect(t.GlobalSecondaryIndexes).toEqual(local.GlobalSecondaryIndexes);
    expect(t.BillingMode).toBe(local.BillingMode);
  });

  it('is on-demand, with point-in-time recovery, encrypted with the stack key that rotates', () => {
    const t = tableProps();
    expect(t.BillingMode).toBe('PAY_PER_REQUEST');
    expect(t.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    const keyId = logicalId(s.stateful, s.stateful.dataKey);
    expect(t.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: 'KMS',
      KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
    });
    expect(s.statefulTemplate.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
  });
});

describe('names shared between the stacks', () => {
  it('the functions get the table and bucket names the stateful stack creates', () => {
    const env =
      s.statelessTemplate.toJSON().Resources[logicalId(s.stateless, s.stateless.ingest.fn)].Properties
        .Environment.Variables;
    const resources = s.statefulTemplate.toJSON().Resources;
    expect(env.TABLE_NAME).toBe(resources[logicalId(s.stateful, s.stateful.table)].Properties.TableName);
    expect(flat(env.REPORTS_BUCKET)).toBe(
      flat(resources[logicalId(s.stateful, s.stateful.reportsBucket)].Properties.BucketName),
    );
  });
});
