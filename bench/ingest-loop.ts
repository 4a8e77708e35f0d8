/**
 * A quick loop for work on ingest's speed: in one process, alternating, best of N, the bare
 * papaparse parse of one report (bench/run.ts's floor) against the report reader alone and against
 * ingest's in-memory work (reader, extractor, rejects file, encoding of the extract). No emulators: the
 * S3 and DynamoDB part is what `npm run bench` adds in its child process.
 *
 *   node --import tsx bench/ingest-loop.ts [report.csv] [--runs N] [--only parse,read,ingest,child] [--child]
 *
 * Without a path it takes the largest single report of the newest generated data in bench/out/.
 * `--only` runs those stages only, e.g. under `node --cpu-prof`. `--child` adds the stage
 * `npm run bench` reports: the ingest Lambda handler in a child process with the deployed heap bound,
 * reading the report from s3rver (one local stack for all runs; each run a copy under a new name).
 * `--child-warmups N` has the same child ingest N copies first and times the next: a warm process.
 */
import '../local/env-defaults.js';
import { fork } from 'node:child_process';
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { INGEST_HEAP_MB } from '../infra/config.js';
import { readReport } from '../shared/csv/read-report.js';
import { storableExtract } from '../shared/pipeline/extract-codec.js';
import { readAndExtract, reportIdOf } from '../shared/pipeline/ingest.js';
import { wire } from '../shared/wiring.js';
import { startLocalStack } from '../local/local-stack.js';
import { collectRules } from '../local/runtime.js';
import { bareParse } from './bare-parse.js';
import { cpuMs, takeFlag, takeSwitch } from './loop-args.js';
import { bundleIngestChild, ingestJobFor, seedRulesAndReference } from './ingest-child-setup.js';
import type { IngestChildResult } from './ingest-child.js';

// Not imported from generate.ts, which runs itself when bundled into one file with this one.
const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH_OUT = join(HERE, 'out');
const args = process.argv.slice(2);
const flag = (name: string) => takeFlag(args, name);
const runs = Number(flag('--runs') ?? 3);
const only = flag('--only');
// e.g. --child-flags "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile the child.
const childFlags = (flag('--child-flags') ?? '').split(' ').filter(Boolean);
const withChild = takeSwitch(args, '--child');
// Reports ingested by the same child before the timed one: a warm process, to part the cost of a
// fresh one (code not yet optimised) from reading over HTTP from s3rver.
const childWarmups = Number(flag('--child-warmups') ?? 0);
const path = args[0] ?? largestSingle();

function largestSingle(): string {
  const files = readdirSync(BENCH_OUT)
    .filter((d) => d.startsWith('data-'))
    .flatMap((d) => {
      try {
        return readdirSync(join(BENCH_OUT, d, 'single')).map((f) => join(BENCH_OUT, d, 'single', f));
      } catch {
        return [];
      }
    });
  if (!files.length) throw new Error('No generated report in bench/out/: run `npm run bench -- --quick` once.');
  return files.reduce((a, b) => (statSync(a).size >= statSync(b).size ? a : b));
}

const gz = path.endsWith('.gz');
const rules = await collectRules();

// The floor as bench/run.ts measures it: the encoding known in advance (UTF-8 for the single files).
const parse = () => bareParse(path, { compressed: gz, encoding: 'utf-8' });

async function read(): Promise<number> {
  const reading = readReport(createReadStream(path));
  await reading.format;
  let n = 0;
  for await (const batch of reading.records) n += batch.length;
  await reading.done;
  return n;
}

async function ingest(): Promise<number> {
  // Ingest's own read (shared/pipeline/ingest.ts), then what its handler does with it in memory.
  const { extract, rejects } = await readAndExtract(createReadStream(path), { rules, distributorId: 'kvant', shown: undefined });
  try {
    for await (const chunk of rejects.toReadable()) void chunk;
    storableExtract('rpt_loop', extract);
  } finally {
    rejects.dispose();
  }
  return extract.counts.read;
}

let stack: Awaited<ReturnType<typeof childStage>> | undefined;
let copies = 0;
async function child(): Promise<number> {
  stack ??= await childStage();
  return stack.run(++copies);
}

/** A local stack with the rules and the bench's reference data, and the bundled ingest child. */
async function childStage() {
  const script = await bundleIngestChild();
  const local = await startLocalStack();
  const deps = wire(local.clients, { table: local.tableName, bucket: local.bucket }, { publish: async () => undefined });
  await seedRulesAndReference(deps, join(dirname(dirname(path)), 'main'));
  const bytes = await readFile(path);
  return {
    stop: () => local.stop(),
    /** The time the handler took, measured inside the child as the bench does. */
    async run(copy: number): Promise<number> {
      const proc = fork(script, [], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        execArgv: [`--max-old-space-size=${INGEST_HEAP_MB}`, ...childFlags],
      });
      const exited = new Promise<never>((_, reject) => {
        proc.once('error', reject);
        proc.once('exit', (code) => reject(new Error(`the ingest child ended (code ${code}) before reporting`)));
      });
      exited.catch(() => undefined);
      let key = '';
      let result: IngestChildResult | undefined;
      for (let w = 0; w <= childWarmups; w++) {
        // New bytes (blank lines more) and a new name, so no run is a re-upload of another.
        const n = copy * (childWarmups + 1) + w;
        if (key) await local.clients.s3.send(new DeleteObjectCommand({ Bucket: local.bucket, Key: key }));
        key = `incoming/kvant/loop-${n}.csv`;
        await deps.objects.put(key, Buffer.concat([bytes, Buffer.from('\n'.repeat(n))]), 'text/csv');
        const job = { ...(await ingestJobFor(local, key)), more: w < childWarmups };
        const answer = new Promise<IngestChildResult>((resolve) => proc.once('message', (m) => resolve(m as IngestChildResult)));
        proc.send(job);
        result = await Promise.race([answer, exited]);
        if (!result.ok) throw new Error(`the ingest child failed: ${result.error}`);
      }
      result = result!;
      childMs = result.ms;
      childCpuMs = result.cpuMs;
      childRss = Math.max(childRss, result.peakRssMB);
      console.log(
        `    child: RSS ${result.rssBeforeMB.toFixed(0)} MB before, peak ${result.peakRssMB.toFixed(0)} MB; ` +
          `heap peak ${result.peakHeapUsedMB.toFixed(0)} MB, after full GCs ${result.peakLiveHeapMB.toFixed(0)} MB; ` +
          `at the sampled RSS peak (MB) ${JSON.stringify(result.atPeakRss, (_, v: unknown) => (typeof v === 'number' ? Math.round(v) : v))}`,
      );
      await local.clients.s3.send(new DeleteObjectCommand({ Bucket: local.bucket, Key: key }));
      return (await deps.reports.get(reportIdOf(key)))?.counts?.read ?? 0;
    },
  };
}
let childMs = 0;
let childCpuMs = 0;
let childRss = 0;

const stages = { parse, read, ingest, child } as const;
type Stage = keyof typeof stages;
const chosen: Stage[] = only ? (only.split(',') as Stage[]) : ['parse', 'read', 'ingest', ...(withChild ? (['child'] as const) : [])];
const best: Partial<Record<Stage, number>> = {};
const bestCpu: Partial<Record<Stage, number>> = {};
console.log(`${path} (${(statSync(path).size / 2 ** 20).toFixed(1)} MB), best of ${runs}`);
for (let i = 0; i < runs; i++) {
  for (const stage of chosen) {
    const t = performance.now();
    const c = process.cpuUsage();
    const rows = await stages[stage]();
    // The child's own figure: its time from the event to the handler's answer.
    const ms = stage === 'child' ? childMs : performance.now() - t;
    const used = process.cpuUsage(c);
    // On a shared machine the process's CPU time moves less with the load than the wall time.
    // The child's is its own (this process's is s3rver's).
    const cpu = stage === 'child' ? childCpuMs : cpuMs(used);
    best[stage] = Math.min(best[stage] ?? Infinity, ms);
    bestCpu[stage] = Math.min(bestCpu[stage] ?? Infinity, cpu);
    console.log(`  ${stage.padEnd(6)} ${ms.toFixed(0).padStart(6)} ms  ${cpu.toFixed(0).padStart(6)} ms CPU  ${rows} rows`);
  }
}
const floor = best.parse;
const floorCpu = bestCpu.parse;
for (const stage of chosen)
  console.log(
    `best ${stage.padEnd(6)} ${best[stage]!.toFixed(0).padStart(6)} ms` +
      (floor && stage !== 'parse' ? ` = ${(best[stage]! / floor).toFixed(2)}× the parse` : '') +
      `, ${bestCpu[stage]!.toFixed(0)} ms CPU` +
      (floorCpu && stage !== 'parse' ? ` = ${(bestCpu[stage]! / floorCpu).toFixed(2)}×` : ''),
  );
console.log(`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (stack) {
  console.log(`ingest child: peak RSS ${childRss.toFixed(0)} MB (CPU above is the child's own)`);
  await stack.stop();
}
console.log(`peak RSS ${((process.resourceUsage().maxRSS * 1024) / 2 ** 20).toFixed(0)} MB`);
