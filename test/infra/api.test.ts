import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROLES } from '../../shared/auth/principal.js';
import { DashboardContent } from '../../infra/dashboard.js';
import {
  allows,
  flat,
  logicalId,
  objectActions,
  roleStatements,
  synthStage,
  tempApp,
  throughStateful,
  type Statement,
  type Synthesized,
} from './synth.js';

// Template JSON is untyped CloudFormation; the assertions below check its shape.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Cfn = any;
type Resources = Record<string, { Type: string; Properties: Record<string, Cfn>; DeletionPolicy?: string }>;

let s: Synthesized;
let stateless: Resources;
let stateful: Resources;
const BUCKET = 'arn:<AWS::Partition>:s3:::rebates-dev-reports-<AWS::AccountId>-<AWS::Region>';
const TABLE = 'arn:<AWS::Partition>:dynamodb:<AWS::Region>:<AWS::AccountId>:table/rebates-dev';

beforeAll(() => {
  s = synthStage('dev', { dev: { alarmEmails: ['ops@example.com'] }, prod: {} });
  stateless = s.statelessTemplate.toJSON().Resources;
  stateful = s.statefulTemplate.toJSON().Resources;
});

const lessId = (c: { node: { defaultChild?: unknown } }) => logicalId(s.stateless, c);
const fulId = (c: { node: { defaultChild?: unknown } }) => logicalId(s.stateful, c);
const ofType = (r: Resources, type: string) => Object.entries(r).filter(([, x]) => x.Type === type);
const only = <T>(list: T[]): T => {
  expect(list).toHaveLength(1);
  return list[0]!;
};
/** A stateless value, weak references to the stateful stack resolved, as one string. */
const viaStateful = (v: unknown) => flat(throughStateful(s, v));
const distributionDomain = () => `<${fulId(s.stateful.site.distribution)}.DomainName>`;
const apiStatements = (): Statement[] => roleStatements(s.statelessTemplate, lessId(s.stateless.api.fn.role));

describe('the API function', () => {
  it('has exactly the object actions its routes need, per prefix of the reports bucket', () => {
    const st = apiStatements();
    const on = (key: string) => objectActions(st, `${BUCKET}/${key}`);
    // Presigns distributors' uploads (PutObject); reference edits no longer re-read reports.
    expect(on('incoming/ACME/feb 2016.csv')).toEqual(['s3:PutObject']);
    // Shows and links rejects; only ingest writes them.
    expect(on('rejects/ACME/feb 2016.rejects.csv')).toEqual(['s3:GetObject']);
    // What-if previews compute from the extracts; held lines come from the computation records.
    expect(on('extracts/rpt_0123/ab12.json.gz')).toEqual(['s3:GetObject']);
    expect(on('computations/2016-Q1/cd34.json.gz')).toEqual(['s3:GetObject']);
    // Quarter close writes the snapshot; payouts of a closed quarter read it.
    expect(on('exports/2016-Q1/snapshot-ab12.json')).toEqual(['s3:GetObject', 's3:PutObject']);
    expect(on('rules/2016-Q1.json')).toEqual(['s3:GetObject']);
    // Nothing outside those prefixes, not even a look-alike one or v1's claim indexes; never a delete.
    for (const key of ['incoming-old/x.csv', 'exports.csv', 'other/x', 'x.csv', 'claims/2016-Q1/rpt_0123/v1.claimed'])
      expect(on(key), key).toEqual([]);
  });

  it('may list the bucket (so a missing rejects file or record reads as 404), and change nothing about the bucket', () => {
    const st = apiStatements();
    const list = st.filter((x) => x.actions.includes('s3:ListBucket'));
    expect(only(list)).toMatchObject({ resources: [BUCKET], conditions: undefined });
    for (const action of [
      's3:PutBucketPolicy',
      's3:PutBucketCors',
      's3:DeleteBucket',
      's3:PutLifecycleConfiguration',
    ])
      expect(allows(st, action, BUCKET), action).toBe(false);
  });

  it('holds no wildcard beyond its grants: literal S3 actions on its prefixes only', () => {
    const prefixes = ['incoming', 'rejects', 'extracts', 'computations', 'exports', 'rules'].map(
      (p) => `${BUCKET}/${p}/*`,
    );
    for (const st of apiStatements()) {
      expect(st.effect).toBe('Allow');
      if (st.resources.includes('*'))
        expect(st.actions).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      // CDK's key grant is the only wildcard action (GenerateDataKey*, ReEncrypt* on the one table key).
      for (const a of st.actions.filter((x) => x.includes('*')))
        expect(a).toMatch(/^kms:(GenerateDataKey|ReEncrypt)\*$/);
      if (st.actions.some((a) => a.startsWith('s3:')))
        for (const r of st.resources) expect([BUCKET, ...prefixes], r).toContain(r);
    }
  });

  it('acknowledges its incoming/* wildcard with the presigning trade-off', () => {
    const acks = s.stateless.api.fn.role.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>));
    const incoming = only(acks.filter(([id]) => id.includes('/incoming/*')));
    expect(incoming[1]).toMatch(/presigned/);
    expect(incoming[1]).toMatch(/custom:distributor/);
  });

  it('reads and writes the table (reference, quarters, payouts) and its index with the table key, nothing else in DynamoDB', () => {
    const st = apiStatements();
    const ddb = only(st.filter((x) => x.actions.some((a) => a.startsWith('dynamodb:'))));
    expect(ddb.resources).toEqual([TABLE, `${TABLE}/index/*`]);
    expect(ddb.actions).toEqual(
      expect.arrayContaining([
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        'dynamodb:UpdateItem',
        'dynamodb:Query',
        'dynamodb:BatchWriteItem',
      ]),
    );
    for (const a of ['dynamodb:DeleteTable', 'dynamodb:UpdateTable', 'dynamodb:CreateBackup'])
      expect(allows(st, a, TABLE), a).toBe(false);
    const kms = only(st.filter((x) => x.actions.some((a) => a.startsWith('kms:'))));
    expect(kms.resources).toHaveLength(1);
    expect(kms.resources[0]).toContain('DataKey');
  });

  it('sends computation requests and consumes no queue', () => {
    const st = apiStatements();
    const compute = `<${lessId(s.stateless.computeQueue)}.Arn>`;
    expect(allows(st, 'sqs:SendMessage', compute)).toBe(true);
    expect(allows(st, 'sqs:ReceiveMessage', compute)).toBe(false);
    expect(allows(st, 'sqs:SendMessage', `<${lessId(s.stateless.ingestQueue)}.Arn>`)).toBe(false);
  });

  it('is the house function with the pipeline environment, inside API Gateway’s 30 s limit', () => {
    const p = stateless[lessId(s.stateless.api.fn.fn)]!.Properties;
    expect(p.Runtime).toBe('nodejs22.x');
    expect(p.Architectures).toEqual(['arm64']);
    expect(p.Timeout).toBeLessThan(30);
    expect(p.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(2);
    expect(p.Environment.Variables).toMatchObject({
      POWERTOOLS_SERVICE_NAME: 'api',
      TABLE_NAME: 'rebates-dev',
    });
    expect(flat(p.Environment.Variables.REPORTS_BUCKET)).toBe(
      BUCKET.replace('arn:<AWS::Partition>:s3:::', ''),
    );
    expect(p.Environment.Variables.COMPUTE_QUEUE_URL).toEqual({ Ref: lessId(s.stateless.computeQueue) });
    expect(p.Environment.Variables).not.toHaveProperty('RECALC_QUEUE_URL');
    expect(stateless[lessId(s.stateless.api.fn.role)]!.Properties).not.toHaveProperty('ManagedPolicyArns');
  });
});

describe('the HTTP API', () => {
  const apiId = () => lessId(s.stateless.api.httpApi);
  const routes = () => ofType(stateless, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);

  it('checks every token with a JWT authorizer: issuer = the user pool, audience = the dashboard client', () => {
    const [authId, auth] = only(ofType(stateless, 'AWS::ApiGatewayV2::Authorizer'));
    expect(auth.Properties.AuthorizerType).toBe('JWT');
    expect(auth.Properties.IdentitySource).toEqual(['$request.header.Authorization']);
    const pool = fulId(s.stateful.users.userPool);
    expect(viaStateful(auth.Properties.JwtConfiguration.Issuer)).toBe(
      `https://cognito-idp.<AWS::Region>.amazonaws.com/<${pool}>`,
    );
    expect(auth.Properties.JwtConfiguration.Audience.map(viaStateful)).toEqual([
      `<${fulId(s.stateful.users.client)}>`,
    ]);
    const byDefault = only(routes().filter((r) => r.RouteKey === '$default'));
    expect(byDefault).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authId } });
  });

  it('sends every route to the API function (proxy, payload 2.0); API Gateway may invoke it for this API only', () => {
    const [integrationId, integration] = only(ofType(stateless, 'AWS::ApiGatewayV2::Integration'));
    expect(integration.Properties).toMatchObject({
      IntegrationType: 'AWS_PROXY',
      PayloadFormatVersion: '2.0',
    });
    expect(flat(integration.Properties.IntegrationUri)).toBe(`<${lessId(s.stateless.api.fn.fn)}.Arn>`);
    for (const r of routes()) expect(flat(r.Target)).toBe(`integrations/<${integrationId}>`);
    const permissions = ofType(stateless, 'AWS::Lambda::Permission')
      .map(([, p]) => p.Properties)
      .filter((p) => flat(p.FunctionName) === `<${lessId(s.stateless.api.fn.fn)}.Arn>`);
    expect(permissions.length).toBeGreaterThan(0);
    for (const p of permissions) {
      expect(p.Principal).toBe('apigateway.amazonaws.com');
      expect(flat(p.SourceArn)).toMatch(
        new RegExp(`^arn:<AWS::Partition>:execute-api:<AWS::Region>:<AWS::AccountId>:<${apiId()}>/`),
      );
    }
  });

  it('lets only CORS preflight requests past without a token', () => {
    const open = routes().filter((r) => r.AuthorizationType !== 'JWT');
    expect(open.map((r) => r.RouteKey)).toEqual(['OPTIONS /{proxy+}']);
  });

  it('allows cross-origin calls from the dashboard origin only', () => {
    const cors = stateless[apiId()]!.Properties.CorsConfiguration;
    expect(cors.AllowOrigins.map(viaStateful)).toEqual([`https://${distributionDomain()}`]);
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type']));
    expect(cors.AllowCredentials).toBeUndefined();
  });

  it('has one auto-deployed stage with throttling and JSON access logs kept as long as the function logs', () => {
    const stage = only(ofType(stateless, 'AWS::ApiGatewayV2::Stage'))[1].Properties;
    expect(stage).toMatchObject({ StageName: '$default', AutoDeploy: true, ApiId: { Ref: apiId() } });
    expect(stage.DefaultRouteSettings.ThrottlingRateLimit).toBeGreaterThan(0);
    expect(stage.DefaultRouteSettings.ThrottlingBurstLimit).toBeGreaterThanOrEqual(
      stage.DefaultRouteSettings.ThrottlingRateLimit,
    );
    expect(flat(stage.AccessLogSettings.DestinationArn)).toBe(`<${lessId(s.stateless.api.accessLogs)}.Arn>`);
    const format = JSON.parse(stage.AccessLogSettings.Format as string) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(JSON.stringify(format)).not.toMatch(/header\.Authorization/i);
    expect(stateless[lessId(s.stateless.api.accessLogs)]!.Properties.RetentionInDays).toBe(14);
  });
});

describe('API alarms', () => {
  const alarms = () => ofType(stateless, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
  const topic = () => [{ Ref: lessId(s.stateless.monitoring.topic) }];
  const apiDim = () => ({ Name: 'ApiId', Value: { Ref: lessId(s.stateless.api.httpApi) } });

  it('fire on a 5xx rate of 5 % once at least 3 requests failed', () => {
    const a = only(
      alarms().filter((x) =>
        (x.Metrics as Cfn[] | undefined)?.some((m) => m.Expression?.includes('100 * e / r')),
      ),
    );
    expect(a).toMatchObject({
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: topic(),
    });
    const stats = (a.Metrics as Cfn[]).filter((m) => m.MetricStat).map((m) => m.MetricStat);
    expect(stats.map((m) => m.Metric.MetricName).sort()).toEqual(['5xx', 'Count']);
    for (const m of stats) {
      expect(m.Metric).toMatchObject({ Namespace: 'AWS/ApiGateway', Dimensions: [apiDim()] });
      expect(m.Stat).toBe('Sum');
    }
    expect((a.Metrics as Cfn[]).find((m) => m.Expression).Expression).toBe('IF(e >= 3, 100 * e / r, 0)');
  });

  it('fire when p99 latency stays over 10 s in 2 of 3 periods, and on any throttle of the API function', () => {
    // A labelled metric renders as a one-metric `Metrics` list.
    const metricOf = (a: Cfn) => {
      const stat = (a.Metrics as Cfn[] | undefined)?.find((m) => m.MetricStat)?.MetricStat;
      return stat
        ? { ...stat.Metric, stat: stat.Stat }
        : {
            MetricName: a.MetricName,
            Namespace: a.Namespace,
            Dimensions: a.Dimensions,
            stat: a.ExtendedStatistic ?? a.Statistic,
          };
    };
    const latency = only(alarms().filter((a) => metricOf(a).MetricName === 'Latency'));
    expect(metricOf(latency)).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      Dimensions: [apiDim()],
      stat: 'p99',
    });
    expect(latency).toMatchObject({
      Threshold: 10_000,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      AlarmActions: topic(),
    });
    const throttles = only(
      alarms().filter(
        (a) =>
          metricOf(a).MetricName === 'Throttles' &&
          metricOf(a).Dimensions[0].Value.Ref === lessId(s.stateless.api.fn.fn),
      ),
    );
    expect(metricOf(throttles)).toMatchObject({ Namespace: 'AWS/Lambda', stat: 'Sum' });
    expect(throttles).toMatchObject({ Threshold: 1, AlarmActions: topic() });
    for (const a of [latency, throttles]) expect(String(a.AlarmDescription).length).toBeGreaterThan(40);
  });
});

describe('sign-in: the Cognito user pool', () => {
  const pool = () => stateful[fulId(s.stateful.users.userPool)]!.Properties;
  const client = () => stateful[fulId(s.stateful.users.client)]!.Properties;

  it('takes no self sign-up, asks strong passwords, offers TOTP only and blocks risky sign-ins', () => {
    const p = pool();
    expect(p.AdminCreateUserConfig.AllowAdminCreateUserOnly).toBe(true);
    expect(p.Policies.PasswordPolicy).toMatchObject({
      RequireLowercase: true,
      RequireUppercase: true,
      RequireNumbers: true,
      RequireSymbols: true,
    });
    expect(p.Policies.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    expect(p.EnabledMfas).toEqual(['SOFTWARE_TOKEN_MFA']);
    expect(p.MfaConfiguration).toBe('OPTIONAL'); // dev; prod requires it (stages.test.ts)
    expect(p.UserPoolTier).toBe('PLUS');
    expect(p.UserPoolAddOns).toEqual({ AdvancedSecurityMode: 'ENFORCED' });
  });

  it('has one group per API role', () => {
    const groups = ofType(stateful, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties);
    expect(groups.map((g) => g.GroupName).sort()).toEqual([...ROLES].sort());
    for (const g of groups) expect(g.UserPoolId).toEqual({ Ref: fulId(s.stateful.users.userPool) });
  });

  it('carries custom:regions and custom:distributor, which only administrators can change', () => {
    const custom = (pool().Schema as Cfn[]).filter((a) => a.AttributeDataType === 'String');
    expect(custom.map((a) => [a.Name, a.Mutable])).toEqual([
      ['regions', true],
      ['distributor', true],
    ]);
    // A user's own token may write only these; admin APIs ignore client permissions.
    expect(client().WriteAttributes).toEqual(['email', 'name']);
  });

  it('has a public dashboard client: authorization code (with PKCE), back to the dashboard only', () => {
    const c = client();
    expect(c.GenerateSecret).toBe(false);
    expect(c.AllowedOAuthFlows).toEqual(['code']);
    expect(c.AllowedOAuthScopes).toEqual(expect.arrayContaining(['openid']));
    expect(c.ExplicitAuthFlows).toEqual(['ALLOW_REFRESH_TOKEN_AUTH']);
    expect(c.SupportedIdentityProviders).toEqual(['COGNITO']);
    expect(c.CallbackURLs.map(flat)).toEqual([`https://${distributionDomain()}/`]);
    expect(c.LogoutURLs.map(flat)).toEqual([`https://${distributionDomain()}/`]);
    expect(c.PreventUserExistenceErrors).toBe('ENABLED');
  });
});

describe('dashboard hosting', () => {
  const filesId = () => fulId(s.stateful.site.bucket);
  const distribution = () => stateful[fulId(s.stateful.site.distribution)]!.Properties.DistributionConfig;

  it('keeps the files in a private, encrypted, access-logged bucket', () => {
    const b = stateful[filesId()]!.Properties;
    expect(b.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(
      b.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm,
    ).toBe('AES256');
    expect(b.LoggingConfiguration.DestinationBucketName).toEqual({ Ref: fulId(s.stateful.site.logsBucket) });
    expect(flat(b.BucketName)).toBe('rebates-dev-dashboard-<AWS::AccountId>-<AWS::Region>');
  });

  it('lets CloudFront read it through origin access control, for this distribution only', () => {
    const d = distribution();
    const origin = only(d.Origins as Cfn[]);
    expect(flat(origin.DomainName)).toBe(`<${filesId()}.RegionalDomainName>`);
    expect(origin.OriginAccessControlId).toBeDefined();
    expect(origin.S3OriginConfig.OriginAccessIdentity).toBe('');
    const oac = only(ofType(stateful, 'AWS::CloudFront::OriginAccessControl'))[1].Properties;
    expect(oac.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
    });

    const policy = only(
      ofType(stateful, 'AWS::S3::BucketPolicy').filter(([, p]) => p.Properties.Bucket.Ref === filesId()),
    )[1].Properties.PolicyDocument.Statement as Cfn[];
    const allow = policy.filter((st) => st.Effect === 'Allow');
    const cloudfront = only(allow.filter((st) => st.Principal.Service === 'cloudfront.amazonaws.com'));
    expect(cloudfront.Action).toBe('s3:GetObject');
    expect(flat(cloudfront.Condition.StringEquals['AWS:SourceArn'])).toBe(
      `arn:<AWS::Partition>:cloudfront::<AWS::AccountId>:distribution/<${fulId(s.stateful.site.distribution)}>`,
    );
    // dev only: CDK's provider that empties the bucket when the stack is deleted (prod: stages.test.ts).
    for (const st of allow.filter((x) => x !== cloudfront))
      expect(flat(st.Principal.AWS)).toMatch(/AutoDeleteObjects/);
  });

  it('serves HTTPS only, index.html at the root, with security headers, and logs requests', () => {
    const d = distribution();
    expect(d.DefaultRootObject).toBe('index.html');
    expect(d.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    expect(d.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(flat(d.Logging.Bucket)).toBe(`<${fulId(s.stateful.site.logsBucket)}.RegionalDomainName>`);
    const headers =
      stateful[d.DefaultCacheBehavior.ResponseHeadersPolicyId.Ref]!.Properties.ResponseHeadersPolicyConfig
        .SecurityHeadersConfig;
    expect(headers.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(365 * 24 * 3600);
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
    expect(headers.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
    const csp = flat(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    const connect = csp
      .split('; ')
      .find((d) => d.startsWith('connect-src'))!
      .split(' ')
      .slice(1);
    expect(connect).toEqual([
      "'self'",
      'https://*.execute-api.<AWS::Region>.amazonaws.com',
      'https://rebates-dev-<AWS::AccountId>.auth.<AWS::Region>.amazoncognito.com',
      'https://rebates-dev-reports-<AWS::AccountId>-<AWS::Region>.s3.<AWS::Region>.amazonaws.com',
      'https://rebates-dev-reports-<AWS::AccountId>-<AWS::Region>.s3.amazonaws.com',
    ]);
  });

  it('deploys web/ and a config.json naming the API, the pool and the client, then invalidates CloudFront', () => {
    const [, deployment] = only(ofType(stateless, 'Custom::CDKBucketDeployment'));
    const p = deployment.Properties;
    expect(flat(p.DestinationBucketName)).toBe('rebates-dev-dashboard-<AWS::AccountId>-<AWS::Region>');
    expect(viaStateful(p.DistributionId)).toBe(`<${fulId(s.stateful.site.distribution)}>`);
    expect(p.DistributionPaths).toEqual(['/*']);
    expect(p.Prune).toBe(true);

    const keys = p.SourceObjectKeys as string[];
    expect(keys).toHaveLength(2); // web/ exists in the repository
    const dirs = keys.map((k) => join(s.app.outdir, `asset.${k.replace(/\.zip$/, '')}`));
    expect(existsSync(join(dirs[0]!, 'index.html'))).toBe(true);
    const configAt = dirs.findIndex((d) => existsSync(join(d, 'config.json')));
    expect(configAt).toBeGreaterThanOrEqual(0);
    let text = readFileSync(join(dirs[configAt]!, 'config.json'), 'utf8');
    for (const [marker, value] of Object.entries(p.SourceMarkers[configAt] as Record<string, unknown>))
      text = text.split(marker).join(viaStateful(value));
    const config = JSON.parse(text) as Record<string, unknown>;
    expect(config).toMatchObject({
      stage: 'dev',
      apiUrl: `<${lessId(s.stateless.api.httpApi)}.ApiEndpoint>`,
      userPoolId: `<${fulId(s.stateful.users.userPool)}>`,
      clientId: `<${fulId(s.stateful.users.client)}>`,
      signInUrl: 'https://rebates-dev-<AWS::AccountId>.auth.<AWS::Region>.amazoncognito.com',
      redirectUri: `https://${distributionDomain()}/`,
      sendToken: 'id',
    });
  });

  it('lets the browser PUT presigned uploads into the reports bucket from the dashboard origin only', () => {
    const reports = stateful[fulId(s.stateful.reportsBucket)]!.Properties;
    const rule = only(reports.CorsConfiguration.CorsRules as Cfn[]);
    expect(rule.AllowedMethods).toEqual(['PUT']);
    expect(rule.AllowedOrigins.map(flat)).toEqual([`https://${distributionDomain()}`]);
  });
});

describe('DashboardContent', () => {
  it('deploys only config.json when the web folder is missing', () => {
    const stack = new Stack(tempApp(), 'Probe');
    const content = new DashboardContent(stack, 'Content', {
      bucket: Bucket.fromBucketName(stack, 'B', 'probe-dashboard'),
      distribution: Distribution.fromDistributionAttributes(stack, 'D', {
        distributionId: 'E123',
        domainName: 'd123.cloudfront.net',
      }),
      config: { apiUrl: 'https://api.example.com' },
      logRetention: RetentionDays.ONE_WEEK,
      removalPolicy: RemovalPolicy.DESTROY,
      webDir: join(s.app.outdir, 'no-such-folder'),
    });
    expect(content.hasWebFiles).toBe(false);
    const deployment = Template.fromStack(stack).findResources('Custom::CDKBucketDeployment');
    expect(Object.values(deployment).map((d) => d.Properties.SourceObjectKeys.length)).toEqual([1]);
  });
});
