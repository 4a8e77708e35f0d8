import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import type { ExtractForm } from '../pipeline/extract-codec.js';

export interface AwsClients {
  s3: S3Client;
  dynamo: DynamoDBClient;
  doc: DynamoDBDocumentClient;
  sqs: SQSClient;
}

export interface AppConfig {
  tableName: string;
  reportsBucket: string;
  computeQueueUrl: string | undefined;
  /** The form ingest stores extracts in (docs/deploy.md, "Changing the extract's stored form"). */
  extractForm: ExtractForm;
}

type Env = Record<string, string | undefined>;

const endpointUrl = z.url({ error: 'must be a URL such as http://127.0.0.1:8000' });

const awsEnvSchema = z
  .object({
    AWS_REGION: z.string(),
    AWS_ENDPOINT_URL_S3: endpointUrl.optional(),
    AWS_ENDPOINT_URL_DYNAMODB: endpointUrl.optional(),
    AWS_ENDPOINT_URL_SQS: endpointUrl.optional(),
    S3_FORCE_PATH_STYLE: z.enum(['true', 'false'], { error: 'must be "true" or "false"' }).optional(),
    AWS_ACCESS_KEY_ID: z.string().optional(),
    AWS_SECRET_ACCESS_KEY: z.string().optional(),
    AWS_SESSION_TOKEN: z.string().optional(),
  })
  .refine((e) => (e.AWS_ACCESS_KEY_ID === undefined) === (e.AWS_SECRET_ACCESS_KEY === undefined), {
    path: ['AWS_SECRET_ACCESS_KEY'],
    error: 'must be set together with AWS_ACCESS_KEY_ID',
  });

const appEnvSchema = z.object({
  TABLE_NAME: z.string(),
  REPORTS_BUCKET: z.string(),
  COMPUTE_QUEUE_URL: z.url({ error: 'must be a URL' }).optional(),
  // Set to json for a release that must be safe to roll back to code that reads only gzip JSON.
  EXTRACT_FORM: z
    .enum(['binary', 'json'] as const satisfies readonly ExtractForm[], {
      error: 'must be "binary" or "json"',
    })
    .default('binary'),
});

/** Validates the variables `schema` names; an empty variable counts as unset, as the SDK treats it. */
function parseEnv<T extends z.ZodType>(schema: T, env: Env, what: string): z.output<T> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (i) => `${String(i.path[0])} ${i.code === 'invalid_type' ? 'is not set' : i.message}`,
  );
  throw new ConfigError(`The ${what} configuration is incomplete: ${problems.join('; ')}.`, {
    cause: parsed.error,
    key: 'config-incomplete',
    params: {
      unset: parsed.error.issues.filter((i) => i.code === 'invalid_type').map((i) => String(i.path[0])),
      invalid: parsed.error.issues.filter((i) => i.code !== 'invalid_type').map((i) => String(i.path[0])),
    },
  });
}

/**
 * The one place SDK clients are made. Everything is read from `env`, so clients built from an env
 * object other than process.env (the local stack's) still reach the right endpoints; with
 * process.env this matches what the SDK would read by itself.
 */
export function createAwsClients(env: Env = process.env): AwsClients {
  const cfg = parseEnv(awsEnvSchema, env, 'AWS');
  const region = cfg.AWS_REGION;
  const credentials = cfg.AWS_ACCESS_KEY_ID
    ? {
        accessKeyId: cfg.AWS_ACCESS_KEY_ID,
        secretAccessKey: cfg.AWS_SECRET_ACCESS_KEY ?? '',
        sessionToken: cfg.AWS_SESSION_TOKEN,
      }
    : undefined; // the SDK's default chain (profile, container, instance role)

  const s3 = new S3Client({
    region,
    credentials,
    endpoint: cfg.AWS_ENDPOINT_URL_S3,
    forcePathStyle: cfg.S3_FORCE_PATH_STYLE === 'true',
    // Default flexible checksums send streamed bodies aws-chunked, which emulators store verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const dynamo = new DynamoDBClient({ region, credentials, endpoint: cfg.AWS_ENDPOINT_URL_DYNAMODB });
  const doc = DynamoDBDocumentClient.from(dynamo, { marshallOptions: { removeUndefinedValues: true } });
  const sqs = new SQSClient({ region, credentials, endpoint: cfg.AWS_ENDPOINT_URL_SQS });
  return { s3, dynamo, doc, sqs };
}

/** The functions' own settings (see docs/architecture.md, "Environment"). */
export function loadAppConfig(env: Env = process.env): AppConfig {
  const cfg = parseEnv(appEnvSchema, env, 'application');
  return {
    tableName: cfg.TABLE_NAME,
    reportsBucket: cfg.REPORTS_BUCKET,
    computeQueueUrl: cfg.COMPUTE_QUEUE_URL,
    extractForm: cfg.EXTRACT_FORM,
  };
}
