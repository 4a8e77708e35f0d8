/**
 * `npx tsx bench/reference-import.ts <data folder> [rounds]`: the reference import of a data folder
 * into a fresh local stack, alone, with this process's CPU and DynamoDB Local's (the java process,
 * from /proc) for each round. Each round uses a new table, so every round writes everything.
 * Then the largest bucket item of each kind (reference-buckets.ts): its rows and bytes.
 */
import '../local/env-defaults.js';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchGet } from '../shared/adapters/dynamo/doc.js';
import { keys } from '../shared/adapters/dynamo/keys.js';
import { BUCKET_KINDS, itemBytes, REFERENCE_BUCKETS } from '../shared/adapters/dynamo/reference-buckets.js';
import { ensureTable } from '../shared/adapters/dynamo/table.js';
import { wire } from '../shared/wiring.js';
import { importReference } from '../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { startLocalStack } from '../local/local-stack.js';
import { findDynamoJava, processCpuMs } from './dynamo-cpu.js';

if (process.argv.includes('--help')) {
  console.log(
    'node --import tsx bench/reference-import.ts [data folder (samples/data)] [rounds (3)]\n' +
      'Imports the folder\'s reference rows into a fresh table of a local stack, once a round, and prints the\n' +
      'time, this process\'s CPU and DynamoDB Local\'s for the whole import and for each bucketed kind, and\n' +
      'the largest bucket item of each kind.',
  );
  process.exit(0);
}
const dir = resolve(process.argv[2] ?? 'samples/data');
const rounds = Number(process.argv[3] ?? 3);
const folder = await loadDataFolder(dir);
const stack = await startLocalStack();
const javaPid = findDynamoJava(new URL(stack.env.AWS_ENDPOINT_URL_DYNAMODB).port);


async function largestBuckets(doc: DynamoDBDocumentClient, table: string): Promise<string> {
  const all = Array.from({ length: REFERENCE_BUCKETS }, (_, b) => b);
  const items = await batchGet(doc, table, BUCKET_KINDS.flatMap((k) => all.map((b) => keys.referenceBucket(k, b))));
  return BUCKET_KINDS.map((kind) => {
    const mine = items.filter((i) => String(i.pk).split('#')[1] === kind);
    const top = mine.reduce((a, b) => (itemBytes(a) >= itemBytes(b) ? a : b));
    return `${kind} ${mine.length} items, largest ${String(top.count)} rows ${(itemBytes(top) / 1000).toFixed(1)} KB`;
  }).join('; ');
}


try {
  const noCompute = { publish: async () => undefined } as never;
  for (let round = 0; round < rounds; round++) {
    const table = `bench-ref-${round}`;
    await ensureTable(stack.clients.dynamo, table);
    const deps = wire(stack.clients, { table, bucket: stack.bucket }, noCompute);
    // Each kind's share: this process's CPU and DynamoDB Local's while it is written.
    const reference: typeof deps.reference = Object.create(deps.reference);
    const kinds: string[] = [];
    for (const method of ['putPartners', 'putAcceptances', 'putTrainings'] as const) {
      const put = deps.reference[method].bind(deps.reference) as (...a: unknown[]) => Promise<void>;
      (reference as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
        const j = processCpuMs(javaPid);
        const c = process.cpuUsage();
        const t = performance.now();
        await put(...args);
        const u = process.cpuUsage(c);
        kinds.push(
          `${method} ${(args[0] as unknown[]).length}: ${((performance.now() - t) / 1000).toFixed(2)} s, node ${((u.user + u.system) / 1e6).toFixed(2)} s, java ${((processCpuMs(javaPid) - j) / 1000).toFixed(2)} s`,
        );
      };
    }
    deps.reference = reference;
    const j0 = processCpuMs(javaPid);
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await importReference({ ...deps, compute: noCompute }, folder.reference, { quarters: ['2016-Q1'] });
    const c = process.cpuUsage(c0);
    console.log(
      `round ${round + 1}: ${((performance.now() - t0) / 1000).toFixed(2)} s, node cpu ${((c.user + c.system) / 1e6).toFixed(2)} s, ` +
        `java cpu ${((processCpuMs(javaPid) - j0) / 1000).toFixed(2)} s, written ${JSON.stringify(result.written)}, load ${loadavg()[0]!.toFixed(2)}`,
    );
    for (const k of kinds) console.log(`  ${k}`);
    if (round === 0) console.log(`  largest buckets (of ${REFERENCE_BUCKETS}): ${await largestBuckets(stack.clients.doc, table)}`);
  }
} finally {
  await stack.stop();
}
