/**
 * `npm run bench:tail [-- --quick | --lines N] [--spans] [--runs N]`: the end-to-end stage of
 * `npm run bench` alone, with a timeline of the quarter computation that follows the last report.
 * Timed as the bench times it: from the first upload to the computation's pointer, and the
 * computation's tail from the last report stored (its record's `updatedAt`) to the pointer. It
 * prints the compute handler's steps (`rebates run --timings`' rows), this process's CPU and
 * DynamoDB Local's (the JVM, from /proc) over the tail, and with `--spans` when each storage call of
 * the computation started and ended. For finding where the tail's time goes without the whole
 * bench's ten minutes. Items written are counted by kind, as the bench does. `--runs N` repeats the
 * stage on fresh runtimes in one process (the first run's code loading counts in none of them).
 */
import '../local/env-defaults.js';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { loadavg } from 'node:os';
import { latestComputation } from '../shared/pipeline/compute.js';
import { importReference } from '../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { startLocalRuntime } from '../local/runtime.js';
import { phases } from '../local/timings.js';
import { WriteCounter } from './count-writes.js';
import { findDynamoJava, processCpuMs, threadCpuMs } from './dynamo-cpu.js';
import { generate, optionsFromArgs, type GeneratedReport } from './generate.js';
import { cpuMs, takeFlag, takeSwitch } from './loop-args.js';

const args = process.argv.slice(2);
const withSpans = takeSwitch(args, '--spans');
const runs = Number(takeFlag(args, '--runs') ?? 1);
const data = await generate(optionsFromArgs(args));
const s = (ms: number) => (ms / 1000).toFixed(2);
const QUARTER = '2016-Q1';

/** Times every method of a dependency: the computation's calls show as spans on one clock. */
function timed<T extends object>(name: string, target: T, spans: { what: string; start: number; end: number }[]): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
        } finally {
          const label = typeof args[0] === 'string' ? ` ${String(args[0]).slice(0, 48)}` : Array.isArray(args[0]) ? ` ×${args[0].length}` : '';
          spans.push({ what: `${name}.${String(prop)}${label}`, start, end: performance.now() });
        }
      };
    },
  });
}

for (let run = 0; run < runs; run++) {
  const counter = new WriteCounter();
  const runtime = await startLocalRuntime({ computeAfterIngest: true, wrapClients: counter.wrap });
  const spans: { what: string; start: number; end: number }[] = [];
  try {
    const folder = await loadDataFolder(data.main.dir);
    await importReference(runtime.deps, folder.reference, { quarters: [] });
    await runtime.idle();
    counter.take();
    const d = runtime.deps;
    if (withSpans)
      for (const k of ['payouts', 'objects', 'reports', 'reference', 'computations', 'quarters', 'ledger', 'rules'] as const)
        (d as unknown as Record<string, object>)[k] = timed(k, d[k] as object, spans);
    const javaPid = findDynamoJava(new URL(runtime.stack.env.AWS_ENDPOINT_URL_DYNAMODB).port);
    // The CPU of both processes when the pointer is written, to take the tail's share from.
    let pointerAt = 0;
    let pointerCpu = 0;
    let pointerJava = 0;
    let pointerMain = 0;
    // On the monotonic clock a CPU profile's samples are timed by, to cut the tail out of one.
    let pointerMono = 0n;
    let lastMono = 0n;
    counter.onWrite = (c) => {
      if (!pointerAt && (c.byKind.COMPUTATION ?? 0) > 0) {
        pointerAt = performance.now();
        pointerMono = process.hrtime.bigint();
        pointerCpu = cpuMs(process.cpuUsage());
        pointerJava = processCpuMs(javaPid);
        pointerMain = threadCpuMs(process.pid);
      }
    };
    // The CPU at the last report stored: sampled at every report record's write, the last one kept.
    let lastReport = { at: 0, cpu: 0, java: 0, main: 0 };
    const commit = d.reports.commit.bind(d.reports);
    d.reports.commit = async (...a: Parameters<typeof commit>) => {
      const out = await commit(...a);
      lastReport = {
        at: performance.now(),
        cpu: cpuMs(process.cpuUsage()),
        java: processCpuMs(javaPid),
        main: threadCpuMs(process.pid),
      };
      lastMono = process.hrtime.bigint();
      return out;
    };
    phases.enable();
    const firstPhase = phases.list().length;
    const key = (r: GeneratedReport) => `incoming/${r.distributorId}/${r.name}`;
    const t0 = performance.now();
    for (const r of data.main.reports)
      await runtime.upload(key(r), createReadStream(r.path), r.compressed ? 'application/gzip' : 'text/csv');
    await runtime.idle();
    const idle = performance.now();
    if (!pointerAt) throw new Error('no computation pointer was written');
    const writes = counter.take();
    console.log(
      `run ${run + 1}: end to end ${s(pointerAt - t0)} s to the pointer (idle ${s(idle - t0)} s); ` +
        `computation tail, last report to pointer ${s(pointerAt - lastReport.at)} s, ` +
        `CPU this process ${s(pointerCpu - lastReport.cpu)} s (main thread ${s(pointerMain - lastReport.main)} s, other threads ${s(pointerCpu - lastReport.cpu - (pointerMain - lastReport.main))} s), DynamoDB Local ${s(pointerJava - lastReport.java)} s; ` +
        `load ${loadavg()[0]!.toFixed(2)} (monotonic µs ${lastMono / 1000n}–${pointerMono / 1000n})`,
    );
    console.log(`items written ${writes.items}:`, JSON.stringify(writes.byKind));
    // What two versions of the code must store alike: every payout as stored (partner, hash, text),
    // the time of the computation left out.
    const digest = createHash('sha256');
    for (const p of await d.payouts.listQuarter(QUARTER)) digest.update(`${JSON.stringify({ ...p, computedAt: undefined })}\n`);
    const computed = await latestComputation(d, QUARTER);
    console.log(`  stored payouts digest ${digest.digest('hex').slice(0, 16)} (computedAt aside); result hash ${computed?.pointer.resultHash.slice(0, 16)}`);
    // The compute handler's steps, from the last report stored (phases are timed from the process's start).
    const origin = lastReport.at;
    for (const p of phases.list().slice(firstPhase)) {
      if (p.startMs < origin - 1 || !/compute|^ {4}/.test(p.name)) continue;
      const end = p.endMs === undefined ? 'unfinished' : s(p.endMs - origin).padStart(6);
      const cpu = p.cpuEndMs === undefined ? '' : ` cpu ${s(p.cpuEndMs - p.cpuStartMs)}`;
      console.log(`  ${s(p.startMs - origin).padStart(6)} → ${end}  ${p.name.trim()}${cpu}`);
    }
    if (withSpans)
      for (const x of spans.filter((x) => x.start >= origin).sort((a, b) => a.start - b.start))
        console.log(`  ${s(x.start - origin).padStart(6)} → ${s(x.end - origin).padStart(6)}  ${x.what}`);
  } finally {
    counter.onWrite = undefined;
    await runtime.stop();
  }
}
