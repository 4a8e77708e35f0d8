import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import { z } from 'zod';
import { ConfigError } from '../shared/errors.js';

export const STAGES = ['dev', 'prod'] as const;
export type Stage = (typeof STAGES)[number];

/**
 * A distributor ID becomes part of an IAM resource ARN (`incoming/<id>/*`), so it must not contain
 * anything IAM would read as a wildcard or a path step (`*`, `?`, `/`).
 */
export const distributorIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, ".", "_" or "-", at most 64 characters');

const distributorSchema = z.object({
  id: distributorIdSchema,
  /** The distributor's own AWS account, which may assume its upload role. */
  accountId: z.string().regex(/^\d{12}$/, 'a 12-digit AWS account ID'),
  /** Shared secret against the confused-deputy problem; handed to the distributor with the role ARN. */
  externalId: z.string().regex(/^[\w+=,.@:/-]{8,1224}$/, 'an external ID of at least 8 characters'),
});
export type DistributorAccess = z.infer<typeof distributorSchema>;

const stageSettingsSchema = z.object({
  alarmEmails: z.array(z.email()).default([]),
  distributors: z
    .array(distributorSchema)
    .default([])
    .refine((list) => new Set(list.map((d) => d.id)).size === list.length, 'distributor IDs must be unique'),
});

/** Per-stage settings kept in cdk.json under `rebates:stages`. */
const stagesContextSchema = z.object({ dev: stageSettingsSchema, prod: stageSettingsSchema });

export interface FunctionSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Reserved concurrency, also the SQS event source's maximum concurrency. */
  readonly concurrency: number;
  readonly batchSize: number;
  /** V8's old-space bound (`--max-old-space-size`), when the function's work must stay in a fixed heap. */
  readonly heapMB?: number;
  /** V8's semi-space size (`--max-semi-space-size`): a larger young generation for allocation-heavy work. */
  readonly youngMB?: number;
}

/** The API function sits behind API Gateway, whose integration timeout is 30 s at most. */
export interface ApiSizing {
  readonly memorySize: number;
  readonly timeout: Duration;
  /** Reserved concurrency: an API burst must not take the concurrency ingest and compute need. */
  readonly concurrency: number;
  /** Stage-wide default throttling: steady requests per second and burst. */
  readonly rateLimit: number;
  readonly burstLimit: number;
}

export interface StageConfig {
  readonly stage: Stage;
  /** prod keeps buckets, table and key when a stack is deleted; dev cleans up after itself. */
  readonly retainData: boolean;
  readonly removalPolicy: RemovalPolicy;
  readonly logRetention: RetentionDays;
  readonly accessLogsExpiration: Duration;
  readonly ingest: FunctionSizing;
  readonly compute: FunctionSizing;
  readonly api: ApiSizing;
  /**
   * Whether every user must set up a TOTP authenticator. Required in prod (payouts, closing a
   * quarter); optional in dev, which holds test data and throwaway test accounts.
   */
  readonly mfaRequired: boolean;
  readonly alarmEmails: readonly string[];
  readonly distributors: readonly DistributorAccess[];
}

/**
 * Ingest streams whatever it is fed, so its live heap stays small; but V8 sizes its heap from the
 * machine and collects lazily, so without a bound the process grows with the file anyway. 160 MB of
 * old space keeps the whole process under 256 MB (measured by `npm run bench`), while the 1,024 MB
 * of memory buys the CPU share a million-line report needs.
 */
export const INGEST_HEAP_MB = 160;

/** Sizing shared by both stages; only data retention and log retention differ. */
const INGEST: FunctionSizing = {
  memorySize: 1024,
  heapMB: INGEST_HEAP_MB,
  timeout: Duration.minutes(5),
  concurrency: 5,
  batchSize: 1,
};
/**
 * V8 sizes its old space from the machine, about a quarter of it: some 440 MB at 1,769 MB. The
 * decoded extracts of a 1,000,000-line quarter take about 110 MB of heap (`npm run bench:quarter`)
 * before the computation builds every partner's result, so a few large quarters would reach that
 * limit. The bound lets the computation use the memory it pays for and leaves ~230 MB for code,
 * buffers and the young generation.
 */
export const COMPUTE_HEAP_MB = 1344;

/**
 * The computation allocates an object per line and partner it works on; with 64 MB semi-spaces
 * (V8's default is 16) far fewer of them survive into old space: `npm run bench:quarter` took 2.51
 * instead of 2.90 s at the same load (the `rebates` command runs with the same setting). The young
 * generation takes up to three semi-spaces, 192 MB, which the heap bound above gave up.
 */
export const COMPUTE_YOUNG_MB = 64;

/**
 * One quarter computed in one pass: its extracts, reference snapshot and every partner's result in
 * memory. 1,769 MB is one full vCPU (the computation is single-threaded CPU work); 15 minutes is
 * Lambda's limit, far above the seconds a quarter takes, so a slow DynamoDB write phase never times
 * out halfway. One request per batch: a FIFO group is one quarter, and a request that finds nothing
 * changed costs a few reads. Two at once, the least an SQS event source allows: at most a couple of
 * quarters are open, and each writes its changed payout items as fast as one function can.
 */
const COMPUTE: FunctionSizing = {
  memorySize: 1769,
  heapMB: COMPUTE_HEAP_MB,
  youngMB: COMPUTE_YOUNG_MB,
  timeout: Duration.minutes(15),
  concurrency: 2,
  batchSize: 1,
};

const API: ApiSizing = {
  // What-if previews compute a quarter from its extracts inside the request: memory as ingest's.
  memorySize: 1024,
  timeout: Duration.seconds(29),
  concurrency: 10,
  // A few dozen staff and distributors; a dashboard page makes a handful of calls.
  rateLimit: 50,
  burstLimit: 100,
};

export function stageConfig(stage: Stage, settings: z.input<typeof stageSettingsSchema> = {}): StageConfig {
  const parsed = parseOrThrow(stageSettingsSchema, settings, `stage settings for "${stage}"`);
  const prod = stage === 'prod';
  return {
    stage,
    retainData: prod,
    removalPolicy: prod ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    logRetention: prod ? RetentionDays.ONE_YEAR : RetentionDays.TWO_WEEKS,
    accessLogsExpiration: Duration.days(prod ? 365 : 30),
    ingest: INGEST,
    compute: COMPUTE,
    api: API,
    mfaRequired: prod,
    alarmEmails: parsed.alarmEmails,
    distributors: parsed.distributors,
  };
}

/** Reads `-c stage=dev|prod` and that stage's settings from the app context; fails fast on bad values. */
export function stageConfigFromContext(node: Node): StageConfig {
  const stage = parseOrThrow(z.enum(STAGES), node.tryGetContext('stage') ?? 'dev', 'context "stage"');
  const stages = parseOrThrow(
    stagesContextSchema,
    node.tryGetContext('rebates:stages') ?? { dev: {}, prod: {} },
    'context "rebates:stages"',
  );
  return stageConfig(stage, stages[stage]);
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`);
    throw new ConfigError(`The ${what} is not valid: ${issues.join('; ')}`, { cause: result.error });
  }
  return result.data;
}
