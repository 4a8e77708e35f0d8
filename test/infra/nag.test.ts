import { Stack } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Bucket, BucketGrants } from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { acknowledgeWildcardResource } from '../../infra/nag.js';
import { tempApp } from './synth.js';

/** A role with two prefix grants; returns the IAM5 findings cdk-nag reports for it. */
function iam5Findings(
  acknowledge: (role: Role, bucket: ReturnType<typeof Bucket.fromBucketName>) => void,
): string[] {
  const app = tempApp();
  const stack = new Stack(app, 'Probe');
  const bucket = Bucket.fromBucketName(stack, 'B', 'probe-bucket');
  const role = new Role(stack, 'R', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
  BucketGrants.fromBucket(bucket).actionsOnObjectKeys(role, 'incoming/*', 's3:GetObject');
  BucketGrants.fromBucket(bucket).actionsOnObjectKeys(role, 'rejects/*', 's3:PutObject');
  acknowledge(role, bucket);
  return new AwsSolutionsChecks()
    .validateScope(app)
    .violations.map((v) => v.ruleName)
    .filter((r) => r.startsWith('AwsSolutions-IAM5'));
}

describe('acknowledgeWildcardResource', () => {
  it('silences exactly the finding for that resource; other wildcards stay reported', () => {
    const incoming = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::probe-bucket/incoming/*]';
    const rejects = 'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::probe-bucket/rejects/*]';
    expect(iam5Findings(() => {}).sort()).toEqual([incoming, rejects]);
    expect(
      iam5Findings((role, bucket) =>
        acknowledgeWildcardResource(
          role,
          bucket.arnForObjects('incoming/*'),
          'Names under incoming/ are not known.',
        ),
      ),
    ).toEqual([rejects]);
  });
});
