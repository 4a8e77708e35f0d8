import { Duration } from 'aws-cdk-lib';
import { Role, type IPrincipal } from 'aws-cdk-lib/aws-iam';
import { BucketGrants, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ConfigError } from '../shared/errors.js';
import { PREFIX } from '../shared/storage-contract.js';
import { distributorIdSchema } from './config.js';
import { acknowledgeWildcardResource } from './nag.js';

/** The only key pattern a distributor may write: `incoming/<distributorId>/*`. */
export function distributorUploadPattern(distributorId: string): string {
  const parsed = distributorIdSchema.safeParse(distributorId);
  if (!parsed.success) {
    throw new ConfigError(
      `Distributor ID "${distributorId}" cannot be used in an upload permission: ${parsed.error.issues[0]?.message}`,
      { cause: parsed.error },
    );
  }
  return `${PREFIX.incoming}${parsed.data}/*`;
}

export interface DistributorUploadRoleProps {
  readonly bucket: IBucket;
  readonly distributorId: string;
  /** Who may assume the role, usually `new AccountPrincipal(<distributor account>)`. */
  readonly assumedBy: IPrincipal;
  /** Required in the trust policy when the role is assumed from another account. */
  readonly externalId?: string;
}

/**
 * A role a distributor assumes to upload its reports: `s3:PutObject` on `incoming/<its id>/*` and
 * nothing else (no read, no list, no other distributor's prefix). The key's distributor ID is
 * authoritative downstream precisely because of this scoping.
 */
export class DistributorUploadRole extends Construct {
  readonly role: Role;
  readonly keyPattern: string;

  constructor(scope: Construct, id: string, props: DistributorUploadRoleProps) {
    super(scope, id);
    this.keyPattern = distributorUploadPattern(props.distributorId);
    this.role = new Role(this, 'Role', {
      assumedBy: props.assumedBy,
      externalIds: props.externalId ? [props.externalId] : undefined,
      description: `Distributor ${props.distributorId}: upload sell-out reports to ${this.keyPattern}`,
      maxSessionDuration: Duration.hours(1),
    });
    BucketGrants.fromBucket(props.bucket).actionsOnObjectKeys(this.role, this.keyPattern, 's3:PutObject');
    acknowledgeWildcardResource(
      this.role,
      props.bucket.arnForObjects(this.keyPattern),
      "Report file names are the distributor's choice; the wildcard stays inside its own prefix.",
    );
  }
}
