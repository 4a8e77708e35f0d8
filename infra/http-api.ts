import { Duration, Validations, type RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import {
  CorsHttpMethod,
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
  PayloadFormatVersion,
} from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUserPoolAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IUserPool, IUserPoolClient } from 'aws-cdk-lib/aws-cognito';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ApiSizing, Stage } from './config.js';
import { RebatesFunction } from './rebates-function.js';

export interface RebatesApiProps {
  readonly stage: Stage;
  readonly sizing: ApiSizing;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  /** TABLE_NAME, REPORTS_BUCKET, COMPUTE_QUEUE_URL. */
  readonly environment: Record<string, string>;
  readonly userPool: IUserPool;
  /** The dashboard's app client: the only audience the authorizer accepts. */
  readonly client: IUserPoolClient;
  /** The dashboard's origin (`https://…`, no path): the only origin CORS allows. */
  readonly allowedOrigin: string;
}

/** One access-log line per request, as JSON; never the token itself. */
const ACCESS_LOG_FORMAT = JSON.stringify({
  requestId: '$context.requestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  path: '$context.path',
  status: '$context.status',
  responseLength: '$context.responseLength',
  latencyMs: '$context.responseLatency',
  integrationStatus: '$context.integrationStatus',
  integrationLatencyMs: '$context.integrationLatency',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  error: '$context.error.message',
  sub: '$context.authorizer.claims.sub',
});

/**
 * The HTTP API: one Lambda (`functions/api/handler.ts`) behind API Gateway's `$default` route, a JWT
 * authorizer that accepts only ID or access tokens of the dashboard client of the user pool, CORS for
 * the dashboard's origin only, stage-wide throttling and JSON access logs. Callers grant the
 * function its data access.
 */
export class RebatesApi extends Construct {
  readonly fn: RebatesFunction;
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: RebatesApiProps) {
    super(scope, id);

    this.fn = new RebatesFunction(this, 'Handler', {
      entry: 'functions/api/handler.ts',
      serviceName: 'api',
      description: 'HTTP API: payouts, reports, uploads, reference data, quarter close and export',
      memorySize: props.sizing.memorySize,
      timeout: props.sizing.timeout,
      reservedConcurrency: props.sizing.concurrency,
      logRetention: props.logRetention,
      removalPolicy: props.removalPolicy,
      environment: props.environment,
    });

    const integration = new HttpLambdaIntegration('Lambda', this.fn.fn, {
      payloadFormatVersion: PayloadFormatVersion.VERSION_2_0,
    });
    // Issuer = the pool, audience = the dashboard client (ID tokens: aud; access tokens: client_id).
    const authorizer = new HttpUserPoolAuthorizer('Cognito', props.userPool, {
      userPoolClients: [props.client],
      identitySource: ['$request.header.Authorization'],
    });

    this.httpApi = new HttpApi(this, 'Http', {
      apiName: `rebates-${props.stage}`,
      description: `Rebates ${props.stage} HTTP API (docs/api.md)`,
      createDefaultStage: false,
      defaultIntegration: integration,
      defaultAuthorizer: authorizer,
      corsPreflight: {
        allowOrigins: [props.allowedOrigin],
        allowMethods: [CorsHttpMethod.GET, CorsHttpMethod.POST, CorsHttpMethod.PUT, CorsHttpMethod.OPTIONS],
        allowHeaders: ['authorization', 'content-type'],
        exposeHeaders: ['content-disposition'],
        maxAge: Duration.hours(1),
      },
    });
    // The authorized $default route would also catch browsers' preflight requests, which carry no
    // token; this route lets API Gateway answer them from the CORS settings above.
    const preflight = this.httpApi.addRoutes({
      path: '/{proxy+}',
      methods: [HttpMethod.OPTIONS],
      integration,
      authorizer: new HttpNoneAuthorizer(),
    });
    for (const route of preflight) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'CORS preflight (OPTIONS) requests carry no token by design; the handler refuses any OPTIONS request without claims.',
      });
    }

    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.stage = new HttpStage(this, 'Stage', {
      httpApi: this.httpApi,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.sizing.rateLimit, burstLimit: props.sizing.burstLimit },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(ACCESS_LOG_FORMAT),
      },
    });
  }

  /** The API's base URL, without a trailing slash (`https://<id>.execute-api.<region>.amazonaws.com`). */
  get url(): string {
    return this.httpApi.apiEndpoint;
  }
}
