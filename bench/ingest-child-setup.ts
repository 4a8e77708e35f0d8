/**
 * What both benches do before they time the ingest child: bundle it into one file (as the Lambda
 * is deployed), fill a fresh local stack with only the rules and the reference data, and make the
 * job that names the stored report.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import { RULES_PREFIX } from '../shared/adapters/s3/rules-repository.js';
import { importReference } from '../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import type { AppDeps } from '../shared/wiring.js';
import type { LocalStack } from '../local/local-stack.js';
import { collectRules } from '../local/runtime.js';
import type { IngestJob } from './ingest-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Bundles bench/ingest-child.ts into bench/out/ingest-child.mjs and returns that path. */
export async function bundleIngestChild(): Promise<string> {
  const outfile = join(HERE, 'out', 'ingest-child.mjs');
  await build({
    entryPoints: [join(HERE, 'ingest-child.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

/** Stores every quarter's rules and imports the reference data of the data folder `mainDir`. */
export async function seedRulesAndReference(deps: AppDeps, mainDir: string): Promise<void> {
  for (const rules of await collectRules())
    await deps.objects.put(`${RULES_PREFIX}${rules.quarter}.json`, JSON.stringify(rules.file), 'application/json');
  await importReference(deps, (await loadDataFolder(mainDir)).reference, { quarters: [] });
}

/** The S3 event the ingest child is given for the object `key` just stored on `stack`. */
export async function ingestJobFor(stack: LocalStack, key: string): Promise<IngestJob> {
  const head = await stack.clients.s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: key }));
  return {
    env: stack.env,
    table: stack.tableName,
    bucket: stack.bucket,
    key,
    etag: (head.ETag ?? '').replace(/"/g, ''),
    sequencer: (Date.now() * 1000).toString(16).toUpperCase(),
  };
}
