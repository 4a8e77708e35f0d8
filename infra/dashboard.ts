import { existsSync } from 'node:fs';
import { DefaultStackSynthesizer, Duration, Stack, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type IDistribution,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  ObjectOwnership,
  type IBucket,
} from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { Stage } from './config.js';
import { acknowledgeWildcardAction, acknowledgeWildcardResource } from './nag.js';
import { PROJECT_ROOT } from './rebates-function.js';

/** Where the dashboard's static files live in the repository. */
export const WEB_DIR = `${PROJECT_ROOT}web`;

export interface DashboardSiteProps {
  readonly stage: Stage;
  /** Fixed, so the stack that deploys the files finds the bucket by name. */
  readonly bucketName: string;
  readonly removalPolicy: RemovalPolicy;
  readonly autoDeleteObjects: boolean;
  readonly logsExpiration: Duration;
  /** Hosts the page may call besides itself: the API, the hosted sign-in, the reports bucket. */
  readonly connectTo: readonly string[];
  /** Where the sign-in form posts. */
  readonly formActions: readonly string[];
}

/**
 * The dashboard's address: a private bucket served only through CloudFront (origin access control),
 * HTTPS only, with security headers. Its files are deployed by `DashboardContent`; the address stays
 * put when the stack that deploys them is replaced (sign-in callbacks and CORS name it).
 */
export class DashboardSite extends Construct {
  readonly bucket: Bucket;
  /** CloudFront standard logs need a bucket with ACLs; the site bucket's access logs go here too. */
  readonly logsBucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: DashboardSiteProps) {
    super(scope, id);
    const common = {
      // SSE-S3: origin access control reads it without a key policy; CloudFront logs need it too.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.autoDeleteObjects,
    };

    this.logsBucket = new Bucket(this, 'Logs', {
      ...common,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: props.logsExpiration }],
    });
    this.bucket = new Bucket(this, 'Files', {
      ...common,
      bucketName: props.bucketName,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'files/',
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `Rebates ${props.stage} dashboard security headers`,
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            `connect-src 'self' ${props.connectTo.join(' ')}`,
            `form-action 'self' ${props.formActions.join(' ')}`,
            "base-uri 'self'",
            "frame-ancestors 'none'",
          ].join('; '),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        // The sign-in callback URL carries the authorization code: never send it on.
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `Rebates ${props.stage} dashboard`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
        compress: true,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'cloudfront/',
    });

    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Users are staff and distributors wherever they travel; the files are public code, data needs a Cognito sign-in.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR2',
      reason:
        'The distribution serves static files only; the API has its own throttling and a JWT authorizer, and a web ACL costs more than the whole pipeline.',
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'The default *.cloudfront.net certificate allows no minimum TLS version; a custom domain with an ACM certificate would set TLSv1.2_2021.',
    });
  }

  /** `https://<distribution domain>` */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** The dashboard's URL, also the sign-in callback: `https://<distribution domain>/` */
  get url(): string {
    return `${this.origin}/`;
  }
}

/** The dashboard bucket's name: rebates-<stage>-dashboard-<account>-<region>. */
export function dashboardBucketName(scope: Construct, stage: Stage): string {
  const stack = Stack.of(scope);
  return `rebates-${stage}-dashboard-${stack.account}-${stack.region}`;
}

export interface DashboardContentProps {
  readonly bucket: IBucket;
  readonly distribution: IDistribution;
  /** Written to `config.json` beside `index.html`: how the page finds the API and the sign-in. */
  readonly config: Record<string, unknown>;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** The folder to deploy; defaults to `web/`. Without it only `config.json` is deployed. */
  readonly webDir?: string;
}

/**
 * Deploys the `web/` folder and a generated `config.json` into the dashboard bucket, then
 * invalidates CloudFront. Files are served with `no-cache` (revalidated by ETag): their names carry
 * no content hash, so a deploy must never leave a browser with a mix of old and new modules.
 */
export class DashboardContent extends Construct {
  readonly deployment: BucketDeployment;
  /** Whether the web folder existed at synth time (if not, only config.json is deployed). */
  readonly hasWebFiles: boolean;

  constructor(scope: Construct, id: string, props: DashboardContentProps) {
    super(scope, id);
    const webDir = props.webDir ?? WEB_DIR;
    this.hasWebFiles = existsSync(`${webDir}/index.html`);
    const config = Source.jsonData('config.json', props.config);

    // Our own role and log group: no AWS managed policy, logs kept as long as the functions'.
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    const role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'Deploys the dashboard files and invalidates CloudFront',
    });
    logGroup.grantWrite(role);

    this.deployment = new BucketDeployment(this, 'Files', {
      sources: this.hasWebFiles ? [Source.asset(webDir), config] : [config],
      destinationBucket: props.bucket,
      distribution: props.distribution,
      distributionPaths: ['/*'],
      cacheControl: [CacheControl.noCache()],
      prune: true,
      role,
      logGroup,
      memoryLimit: 256,
    });

    // CDK's deployment handler reads the zipped files from the bootstrap asset bucket.
    const { partition, account, region } = Stack.of(this);
    const assets = `arn:${partition}:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${account}-${region}/*`;
    acknowledgeWildcardResource(
      role,
      assets,
      'CDK file assets have generated names; read-only, in the bootstrap bucket.',
    );
    acknowledgeWildcardResource(
      role,
      props.bucket.arnForObjects('*'),
      'Replaces every file of the dashboard bucket and prunes files no longer in web/; that bucket holds nothing else.',
    );
    const copying =
      'Actions CDK grants its deployment handler to copy, overwrite and prune the files; limited to the two buckets above.';
    for (const action of ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*']) {
      acknowledgeWildcardAction(role, action, copying);
    }
    Validations.of(role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudFront CreateInvalidation and GetInvalidation as CDK grants them to invalidate the dashboard after a deploy.',
    });
    // The handler is a singleton function at stack level, outside this construct.
    const handler = Stack.of(this).node.children.find((c) =>
      c.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (handler) {
      Validations.of(handler).acknowledge({
        id: 'AwsSolutions-L1',
        reason:
          'CDK-provided deployment handler; its runtime is chosen by aws-cdk-lib and moves with upgrades of it.',
      });
    }
  }
}
