import { fileURLToPath } from 'node:url';
import { RemovalPolicy, Validations, type Duration } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { LogLevel, NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Namespace of the custom metrics the handlers emit with Powertools Metrics. */
export const METRICS_NAMESPACE = 'Rebates';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface RebatesFunctionProps {
  /** Handler file relative to the repository root, e.g. `functions/ingest/handler.ts` (exports `handler`). */
  readonly entry: string;
  /** Powertools service name; also names the log group's function. */
  readonly serviceName: string;
  readonly description: string;
  readonly memorySize: number;
  /** See FunctionSizing.heapMB. */
  readonly heapMB?: number | undefined;
  /** See FunctionSizing.youngMB. */
  readonly youngMB?: number | undefined;
  readonly timeout: Duration;
  readonly reservedConcurrency: number;
  readonly logRetention: RetentionDays;
  readonly removalPolicy: RemovalPolicy;
  readonly environment?: Record<string, string>;
}

/**
 * The house Lambda function: Node.js 22 on ARM64, bundled by the local esbuild (never Docker), source
 * maps on, its own log group with retention, X-Ray active tracing, Powertools environment, and a
 * role that starts empty apart from writing its own logs. Callers add access with `grant*` calls.
 */
export class RebatesFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: RebatesFunctionProps) {
    super(scope, id);

    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });

    // An explicit role keeps AWS managed policies (AWSLambdaBasicExecutionRole: logs on `*`) away.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${props.serviceName} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      description: props.description,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      environment: {
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: [
          '--enable-source-maps',
          ...(props.heapMB ? [`--max-old-space-size=${props.heapMB}`] : []),
          ...(props.youngMB ? [`--max-semi-space-size=${props.youngMB}`] : []),
        ].join(' '),
        ...props.environment,
      },
      bundling: {
        forceDockerBundling: false,
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        sourcesContent: false,
        // esbuild's warnings and errors, not its size table and timing on every synth.
        logLevel: LogLevel.WARNING,
        // Pin the SDK version we test with instead of whatever the runtime ships.
        bundleAwsSDK: true,
        mainFields: ['module', 'main'],
        // CommonJS dependencies (papaparse) call require(); ESM output needs it defined.
        banner:
          "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
    });

    // X-Ray has no resource-level permissions; CDK adds PutTraceSegments/PutTelemetryRecords on `*`.
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'X-Ray PutTraceSegments and PutTelemetryRecords support no resource-level permissions.',
    });
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'House runtime is Node.js 22 (LTS, supported on Lambda); runtime upgrades are a deliberate change.',
    });
  }
}
