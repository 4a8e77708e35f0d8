/**
 * `node --import tsx bench/payout-shards.ts <rebates run data folder> [--counts 64,128,256] [--rounds 2]`:
 * what a quarter's payouts cost to write packed in shards against one item per partner, on
 * DynamoDB Local. The folder's reference is imported and its reports ingested and computed once;
 * then, per round and alternating, its payouts are written as a full computation would write them
 * (every partner new) to a quarter of their own: in shards for each count, and one item per
 * partner as before. Each write prints its wall time, this process's CPU, DynamoDB Local's (the
 * java process, from /proc) and the items' sizes (largest shard, bytes per partner).
 */
import '../local/env-defaults.js';
import { createReadStream, readdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { bucketOf } from '../shared/adapters/dynamo/buckets.js';
import { batchWriteChunks } from '../shared/adapters/dynamo/doc.js';
import { keys } from '../shared/adapters/dynamo/keys.js';
import { encodePayoutItem, encodePayoutShard, shardEntryOf } from '../shared/adapters/dynamo/payout-item.js';
import { DynamoPayoutsRepository } from '../shared/adapters/dynamo/payouts.js';
import { importReference } from '../shared/pipeline/reference-import.js';
import type { PayoutToStore } from '../shared/ports/index.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { startLocalRuntime } from '../local/runtime.js';
import { takeFlag } from './loop-args.js';
import { findDynamoJava, processCpuMs } from './dynamo-cpu.js';

const args = process.argv.slice(2);
const counts = (takeFlag(args, '--counts') ?? '64,128,256').split(',').map(Number);
const rounds = Number(takeFlag(args, '--rounds') ?? 2);
const dir = resolve(args[0] ?? 'samples/data');
const QUARTER = '2016-Q1';
const AT = '2016-05-01T00:00:00.000Z';



const runtime = await startLocalRuntime({ computeAfterIngest: true });
try {
  const folder = await loadDataFolder(dir);
  await importReference(runtime.deps, folder.reference, { quarters: [] });
  await runtime.idle();
  const reportsDir = join(dir, 'reports');
  for (const name of readdirSync(reportsDir, { recursive: true, encoding: 'utf8' }))
    if (/\.csv(\.gz)?$/.test(name))
      await runtime.upload(`incoming/${name}`, createReadStream(join(reportsDir, name)), name.endsWith('.gz') ? 'application/gzip' : 'text/csv');
  await runtime.idle();
  const stored = await runtime.deps.payouts.listQuarter(QUARTER);
  console.log(`${stored.length} payouts of ${QUARTER} computed from ${dir}`);
  const { doc } = runtime.stack.clients;
  const table = runtime.stack.tableName;
  const javaPid = findDynamoJava(new URL(runtime.stack.env.AWS_ENDPOINT_URL_DYNAMODB).port);

  const entries = stored.map((p) => shardEntryOf(p, AT));
  const sizes = (count: number) => {
    const groups = new Map<number, typeof entries>();
    for (const e of entries) {
      const b = bucketOf(e.partnerId, count);
      groups.set(b, [...(groups.get(b) ?? []), e]);
    }
    const bytes = [...groups.values()].map((g) => (encodePayoutShard(g).z as Uint8Array).length);
    const total = bytes.reduce((a, b) => a + b, 0);
    // A write costs a unit per KB of the item: the blob and about 70 bytes of keys and attribute names.
    const units = bytes.reduce((a, b) => a + Math.ceil((b + 70) / 1024), 0);
    return `${groups.size} shards, largest ${(Math.max(...bytes) / 1024).toFixed(1)} KB, ${(total / stored.length).toFixed(0)} B a partner, ${(total / 1024).toFixed(0)} KB in all, ${units} WCU`;
  };

  const measure = async (what: string, write: () => Promise<void>, size: string) => {
    const j = processCpuMs(javaPid);
    const c = process.cpuUsage();
    const t = performance.now();
    await write();
    const u = process.cpuUsage(c);
    console.log(
      `  ${what.padEnd(22)} ${((performance.now() - t) / 1000).toFixed(2)} s, node ${((u.user + u.system) / 1e6).toFixed(2)} s, ` +
        `java ${((processCpuMs(javaPid) - j) / 1000).toFixed(2)} s; ${size}; load ${loadavg()[0]!.toFixed(2)}`,
    );
  };

  let n = 0;
  for (let round = 0; round < rounds; round++) {
    console.log(`round ${round + 1}`);
    for (const count of counts) {
      const quarter = `2099-Q${++n}`;
      const moved: PayoutToStore[] = stored.map((p) => ({ ...p, result: { ...p.result, quarter } }));
      const repo = new DynamoPayoutsRepository(doc, table, async () => [], { shards: count });
      const present = new Set(moved.map((p) => p.result.partnerId));
      await measure(`${count} shards`, () => repo.putMany(moved, AT, { quarter, present, gone: [], before: [] }), sizes(count));
    }
    const quarter = `2099-Q${++n}`;
    const item = (p: PayoutToStore) => ({ ...keys.payout(quarter, p.result.partnerId), ...encodePayoutItem(p, AT) });
    const bytes = stored.reduce((a, p) => a + (encodePayoutItem(p, AT).z as Uint8Array).length, 0);
    // As the computation wrote them before: encoded as a request slot frees, 25 a request, 8 in flight.
    await measure(
      'an item per partner',
      () =>
        batchWriteChunks(doc, table, Math.ceil(stored.length / 25), (c) => stored.slice(c * 25, c * 25 + 25).map((p) => ({ PutRequest: { Item: item(p) } })), 8),
      `${stored.length} items, ${(bytes / stored.length).toFixed(0)} B a partner`,
    );
  }
} finally {
  await runtime.stop();
}
