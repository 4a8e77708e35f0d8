/**
 * A quick loop for work on the quarter computation's speed (issue #12): the CPU work of the
 * computation tail in one process, best of N, without the emulators. Its inputs are captured once
 * from the embedded stack (`--capture`: the bench data folder's reference imported and its reports
 * ingested, then the reference snapshot and the stored extracts saved under bench/out/); each run
 * then decodes the extracts, computes the quarter and encodes every payout shard as the repository
 * would write it. It prints wall and CPU time per phase and a digest of every item's stored
 * blob (computedAt fixed, hashes left out), so two versions of the code can be compared for the same output.
 *
 *   node --import tsx bench/compute-loop.ts --capture [--quick | --lines N]
 *   node --import tsx bench/compute-loop.ts [--quick | --lines N] [--runs N]
 */
import '../local/env-defaults.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { bucketOf } from '../shared/adapters/dynamo/buckets.js';
import { encodePayoutShard, shardEntryOf, type ShardEntry } from '../shared/adapters/dynamo/payout-item.js';
import { PAYOUT_SHARDS } from '../shared/adapters/dynamo/payouts.js';
import { RulesBook } from '../shared/domain/rules/load.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../shared/domain/types.js';
import { computeQuarter, type ActiveExtract, type QuarterReference } from '../shared/pipeline/compute-quarter.js';
import { decodeExtract } from '../shared/pipeline/extract-codec.js';
import { importReference } from '../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { collectRules, startLocalRuntime } from '../local/runtime.js';
import { cacheDir, generate, optionsFromArgs } from './generate.js';
import { cpuMs, takeFlag, takeSwitch } from './loop-args.js';

const QUARTER = '2016-Q1';
const args = process.argv.slice(2);
const runs = Number(takeFlag(args, '--runs') ?? 3);
const capture = takeSwitch(args, '--capture');
const options = optionsFromArgs(args);
const inputsDir = join(dirname(cacheDir(options)), `compute-inputs-${basename(cacheDir(options))}`);

interface Captured {
  reference: {
    partners: [string, Partner][];
    distributors: [string, Distributor][];
    catalog: [string, CatalogEntry][];
    acceptances: [string, Acceptance[]][];
    trainings: [string, Training[]][];
    revision: string;
  };
  reports: Omit<ActiveExtract, 'extract'>[];
}

if (capture) {
  const data = await generate(options);
  const runtime = await startLocalRuntime({ computeAfterIngest: true });
  try {
    const folder = await loadDataFolder(data.main.dir);
    await importReference(runtime.deps, folder.reference, { quarters: [] });
    await runtime.idle();
    for (const r of data.main.reports)
      await runtime.upload(
        `incoming/${r.distributorId}/${r.name}`,
        createReadStream(r.path),
        r.compressed ? 'application/gzip' : 'text/csv',
      );
    await runtime.idle();
    const d = runtime.deps;
    const [snapshot, records] = await Promise.all([d.reference.loadSnapshot(), d.reports.activeInQuarter(QUARTER)]);
    await mkdir(inputsDir, { recursive: true });
    const captured: Captured = {
      reference: {
        partners: [...snapshot.partners],
        distributors: [...snapshot.distributors],
        catalog: [...snapshot.catalog],
        acceptances: [...snapshot.acceptances].map(([k, v]) => [k, [...v]]),
        trainings: [...snapshot.trainings].map(([k, v]) => [k, [...v]]),
        revision: snapshot.revision,
      },
      reports: records.map((r) => ({
        reportId: r.reportId,
        version: r.activeVersion!,
        distributorId: r.distributorId,
        receivedAt: r.receivedAt,
        sha256: r.extractSha256!,
      })),
    };
    // Named as stored (`<sha256>.bin`, or `.json.gz` in the first form): decodeExtract reads either.
    for (const r of records) await writeFile(join(inputsDir, basename(r.extractKey!)), (await d.objects.getBytes(r.extractKey!))!);
    await writeFile(join(inputsDir, 'inputs.json'), JSON.stringify(captured));
    console.log(`captured ${records.length} extracts and the reference snapshot in ${inputsDir}`);
  } finally {
    await runtime.stop();
  }
  process.exit(0);
}

const captured = JSON.parse(await readFile(join(inputsDir, 'inputs.json'), 'utf8')) as Captured;
const reference: QuarterReference = {
  partners: new Map(captured.reference.partners),
  distributors: new Map(captured.reference.distributors),
  catalog: new Map(captured.reference.catalog),
  acceptances: new Map(captured.reference.acceptances),
  trainings: new Map(captured.reference.trainings),
  revision: captured.reference.revision,
};
const bytes = new Map(
  await Promise.all(
    (await readdir(inputsDir))
      .filter((f) => /^[0-9a-f]{64}\./.test(f))
      .map(async (f) => [f.slice(0, 64), await readFile(join(inputsDir, f))] as const),
  ),
);
const rules = new RulesBook(await collectRules()).require(QUARTER);
const AT = '2016-05-01T00:00:00.000Z';

/** One phase's wall and CPU time. */
function timed<T>(fn: () => T): { value: T; ms: number; cpu: number } {
  const t = performance.now();
  const c = process.cpuUsage();
  const value = fn();
  const used = process.cpuUsage(c);
  return { value, ms: performance.now() - t, cpu: cpuMs(used) };
}

const best: Record<string, { ms: number; cpu: number }> = {};
const keep = (phase: string, t: { ms: number; cpu: number }) => {
  const b = (best[phase] ??= { ms: Infinity, cpu: Infinity });
  b.ms = Math.min(b.ms, t.ms);
  b.cpu = Math.min(b.cpu, t.cpu);
};
let digest = '';
for (let run = 0; run < runs; run++) {
  const decoded = timed(() =>
    captured.reports.map((r) => ({ ...r, extract: decodeExtract(bytes.get(r.sha256)!, r.sha256) })),
  );
  const computed = timed(() => computeQuarter({ rules, reference, extracts: decoded.value }));
  const encoded = timed(() => {
    const h = createHash('sha256');
    // The payout shards as the repository writes them on a quarter's first computation.
    const shards = new Map<number, ShardEntry[]>();
    for (const p of computed.value.partners) {
      const b = bucketOf(p.partnerId, PAYOUT_SHARDS);
      let list = shards.get(b);
      if (!list) shards.set(b, (list = []));
      // The hash is left out: a change of how it is computed is not a change of the payout.
      list.push({ ...shardEntryOf(p, AT), hash: '' });
    }
    for (const b of [...shards.keys()].sort((x, y) => x - y)) h.update(encodePayoutShard(shards.get(b)!).z as Buffer);
    return h.digest('hex');
  });
  digest = encoded.value;
  keep('decode', decoded);
  keep('compute', computed);
  keep('encode', encoded);
  const line = (name: string, t: { ms: number; cpu: number }) =>
    `${name} ${t.ms.toFixed(0).padStart(5)} ms (${t.cpu.toFixed(0).padStart(5)} CPU)`;
  console.log(`  ${line('decode', decoded)}  ${line('compute', computed)}  ${line('encode', encoded)}`);
}
console.log(
  `best of ${runs}: ${Object.entries(best)
    .map(([k, v]) => `${k} ${v.ms.toFixed(0)} ms, ${v.cpu.toFixed(0)} ms CPU`)
    .join('; ')}`,
);
console.log(`digest of the payout shards (z) ${digest}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
