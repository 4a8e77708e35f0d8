/**
 * `npm run bench [-- --quick | --lines N | --partners N]`: the pipeline's performance on the embedded
 * local stack, measured in one run on data from bench/generate.ts, against the targets of the
 * performance issue. Prints a table and writes bench/results.json.
 *
 * 1. Floor: a bare papaparse parse of the same report bytes (read, gunzip, decode, Papa.parse with
 *    chunks, counting rows), best of two runs.
 * 2. End to end: a fresh local runtime (DynamoDB Local + s3rver + in-process queues), reference data
 *    imported, then every report uploaded; timed from the first upload until the runtime is idle,
 *    that is until every payout the reports caused is written. DynamoDB writes are counted.
 * 3. Stack floor (bench/stack-floor.ts): on that runtime's emulators, idle, with no code of ours,
 *    the reports put and got with raw S3 calls, and the payouts and tallies that end to end stored
 *    written again with BatchWriteItem: what this stack costs even if our code took no time at all.
 *    Beside it, the upload path alone (`runtime.upload` with no ingest running) and an fs copy.
 * 4. Recalculation: 10,000 partners of a second data folder, each recalculated once through the
 *    local recalc queue (the Lambda handler, 4 at a time).
 * 5. Ingest process memory: the ingest handler in a child Node process of its own, each time on a
 *    fresh stack, with the deployed function's heap bound, on one report of a tenth of the lines and
 *    one of all of them (and that one again with V8's default heap), with its peak RSS and DynamoDB
 *    writes.
 *
 * A failed report or a message that failed for good stops the run: figures of a broken run mislead.
 */
import '../local/env-defaults.js';
import { fork } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem, type as osType, release } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { build } from 'esbuild';
import Papa from 'papaparse';
import { RULES_PREFIX } from '../shared/adapters/s3/rules-repository.js';
import { readReport } from '../shared/csv/read-report.js';
import { catalogIndex } from '../shared/domain/classify.js';
import { RulesBook } from '../shared/domain/rules/load.js';
import { RejectsCsvWriter } from '../shared/export/rejects-csv.js';
import { ReportTallier, type IngestReference } from '../shared/pipeline/lines.js';
import { importReference } from '../shared/pipeline/reference-import.js';
import { reportIdOf } from '../shared/pipeline/ingest.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { wire } from '../shared/wiring.js';
import { startLocalStack } from '../local/local-stack.js';
import { collectRules, startLocalRuntime, type LocalRuntime } from '../local/runtime.js';
import { createProgress, duration } from '../local/ui/progress.js';
import { renderTable } from '../local/ui/table.js';
import { INGEST_HEAP_MB } from '../infra/config.js';
import { WriteCounter } from './count-writes.js';
import { stackFloor } from './stack-floor.js';
import { BENCH_OUT, generate, optionsFromArgs, type BenchData, type GeneratedReport } from './generate.js';
import type { IngestChildResult, IngestJob } from './ingest-child.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const RESULTS = join(HERE, 'results.json');
const QUARTER = '2016-Q1';
const MB = 1024 * 1024;

const TARGETS = {
  endToEndVsParse: 1.5,
  peakRssMB: 256,
  /** Writes for a report ten times longer may differ this little (the same partners, so the same tallies). */
  writesGrowth: 1.1,
};

const note = (s: string) => process.stderr.write(`${s}\n`);
const round = (n: number, digits = 0) => Number(n.toFixed(digits));

function machine() {
  const cpu = cpus();
  return {
    cpu: cpu[0]?.model.trim() ?? 'unknown',
    cores: cpu.length,
    ramGB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    os: `${osType()} ${release()}`,
    date: new Date().toISOString(),
  };
}

/**
 * Other work on the machine skews the figures, so the highest 1-minute load average is kept for
 * each phase (the benchmark alone keeps it between the number of cores and half as much again).
 */
function loadWatch() {
  const peaks: Record<string, number> = {};
  let peak = 0;
  const timer = setInterval(() => (peak = Math.max(peak, loadavg()[0] ?? 0)), 5_000);
  timer.unref();
  return {
    peaks,
    /** Closes the phase that just ended. */
    phase(name: string) {
      peaks[name] = round(Math.max(peak, loadavg()[0] ?? 0), 2);
      peak = 0;
    },
    stop: () => clearInterval(timer),
  };
}

// ---------------------------------------------------------------- 1. the floor: a bare parse

async function parseOnce(reports: GeneratedReport[]): Promise<{ ms: number; rows: number }> {
  let rows = 0;
  const started = performance.now();
  for (const r of reports) {
    const raw = createReadStream(r.path, { highWaterMark: 64 * 1024 });
    const bytes: AsyncIterable<Buffer> = r.compressed ? raw.pipe(createGunzip()) : raw;
    const decoder = new TextDecoder(r.encoding === 'windows-1251' ? 'windows-1251' : 'utf-8');
    async function* text() {
      for await (const b of bytes) {
        const s = decoder.decode(b, { stream: true });
        if (s) yield s;
      }
      const rest = decoder.decode();
      if (rest) yield rest;
    }
    await new Promise<void>((resolve, reject) =>
      Papa.parse<string[]>(Readable.from(text()), {
        header: false,
        delimiter: r.delimiter,
        chunk: (res) => void (rows += res.data.length),
        complete: () => resolve(),
        error: reject,
      }),
    );
  }
  return { ms: performance.now() - started, rows };
}

async function bareParse(reports: GeneratedReport[]) {
  const progress = createProgress({ label: 'bare papaparse parse (best of 2)', total: 2 });
  const runs = [];
  for (let i = 0; i < 2; i++) {
    runs.push(await parseOnce(reports));
    progress.update(i + 1);
  }
  const best = runs.reduce((a, b) => (a.ms <= b.ms ? a : b));
  const bytes = reports.reduce((s, r) => s + r.bytes, 0);
  const lines = reports.reduce((s, r) => s + r.lines, 0);
  progress.done(`${duration(best.ms)} for ${(bytes / MB).toFixed(1)} MB`);
  if (best.rows < lines)
    throw new Error(`the bare parse found ${best.rows} rows, fewer than the ${lines} lines written`);
  return { ms: best.ms, runsMs: runs.map((r) => r.ms), rows: best.rows, bytes, lines };
}

/**
 * Where ingest's time goes before any I/O: the report reader alone (gunzip, decoding, papaparse,
 * records), then the reader with every line checked and tallied, all in memory, in this process.
 */
async function inMemoryStages(data: BenchData) {
  const progress = createProgress({
    label: 'report reader, then reader and line checks (in memory)',
    total: 2,
  });
  const folder = await loadDataFolder(data.main.dir);
  // What the ingest reads from DynamoDB (DynamoReferenceRepository.loadForIngest), from the folder instead.
  const reference: IngestReference = {
    partners: new Map(folder.reference.partners.map((p) => [p.id, p])),
    distributors: new Map(folder.reference.distributors.map((d) => [d.id, d])),
    catalog: catalogIndex(folder.reference.catalog),
  };
  const book = new RulesBook(await collectRules());
  const run = async (check: boolean) => {
    let rejected = 0;
    const started = performance.now();
    for (const r of folder.reports) {
      const reading = readReport(createReadStream(r.path));
      const format = await reading.format;
      const tallier = new ReportTallier(book, reference, r.distributorId);
      const rejects = new RejectsCsvWriter(format.headers);
      for await (const batch of reading.records)
        if (check)
          for (const record of batch) {
            const reject = tallier.add(record);
            if (reject) rejects.add(reject);
          }
      await reading.done;
      tallier.result();
      rejected += tallier.counts.rejected;
    }
    return { ms: performance.now() - started, rejected };
  };
  const reader = await run(false);
  progress.update(1);
  const checked = await run(true);
  progress.update(2);
  progress.done();
  return { readerMs: reader.ms, checkedMs: checked.ms, rejected: checked.rejected };
}

// ---------------------------------------------------------------- 2. end to end, and 4. recalculation

/** Samples this process's RSS; s3rver, the handlers and the in-process queues all live here. */
function rssSampler() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss) / MB;
    },
  };
}

async function importFolder(runtime: LocalRuntime, dir: string) {
  const folder = await loadDataFolder(dir);
  if (folder.errors.length)
    throw new Error(`the generated data folder ${dir} has problems: ${folder.errors[0]!.message}`);
  // No quarters: the import itself computes nothing; the reports' ingest asks for the quarters it touches.
  await importReference(runtime.deps, folder.reference, { quarters: [] });
  await runtime.idle();
  return folder;
}

/** Follows the ingest's reading progress over all reports, as "x/y MB read". */
function trackReading(runtime: LocalRuntime, reports: GeneratedReport[], onRead: (detail: string) => void) {
  const total = reports.reduce((s, r) => s + r.bytes, 0);
  const read = new Map<string, number>();
  runtime.deps.onProgress = ({ key, bytesRead }) => {
    read.set(key, bytesRead);
    let sum = 0;
    for (const v of read.values()) sum += v;
    onRead(`${(sum / MB).toFixed(1)}/${(total / MB).toFixed(1)} MB read`);
  };
}

const uploadKey = (r: GeneratedReport) => `incoming/${r.distributorId}/${r.name}`;
const upload = (runtime: LocalRuntime, r: GeneratedReport) =>
  runtime.upload(uploadKey(r), createReadStream(r.path), r.compressed ? 'application/gzip' : 'text/csv');

async function endToEnd(runtime: LocalRuntime, counter: WriteCounter, data: BenchData) {
  const reports = data.main.reports;
  await importFolder(runtime, data.main.dir);
  counter.take();

  // Counts payouts written (one per recalculation); the detail follows the reading.
  const progress = createProgress({ label: 'end to end: payouts written' });
  let detail = '';
  let payouts = 0;
  trackReading(runtime, reports, (d) => progress.update(payouts, (detail = d)));
  counter.onWrite = (c) => progress.update((payouts = c.byKind.PAYOUT ?? 0), detail);
  const rss = rssSampler();
  const t0 = Date.now();
  const started = performance.now();
  for (const r of reports) await upload(runtime, r);
  const uploadedMs = performance.now() - started;
  await runtime.idle();
  const ms = performance.now() - started;
  const peakRssMB = rss.stop();
  counter.onWrite = undefined;
  delete runtime.deps.onProgress;
  progress.done(`idle after ${duration(ms)}`);
  const writes = counter.take();

  const records = (await runtime.deps.reports.list({})).filter((r) =>
    reports.some((g) => r.key === uploadKey(g)),
  );
  const unprocessed = records.filter((r) => r.status !== 'processed');
  if (records.length !== reports.length || unprocessed.length)
    throw new Error(
      `not every report was processed: ${unprocessed.map((r) => `${r.key} ${r.status} ${r.error?.message ?? ''}`).join('; ')}`,
    );
  const dead = runtime.deadLetters();
  if (dead.length)
    throw new Error(`${dead.length} message(s) failed for good, e.g. ${dead[0]!.letter.error}`);
  const ingestMs = Math.max(...records.map((r) => Date.parse(r.updatedAt))) - t0;
  const lines = sum(records, (r) => r.counts?.read ?? 0);
  return {
    ms,
    uploadedMs,
    ingestMs,
    recalcTailMs: ms - ingestMs,
    lines,
    rawBytes: sum(records, (r) => r.bytes ?? 0),
    rejected: sum(records, (r) => r.counts?.rejected ?? 0),
    rejectsByReason: mergeCounts(records.map((r) => r.counts?.byReason ?? {})),
    peakRssMB,
    writes,
    recalcsRun: writes.byKind.PAYOUT ?? 0,
    partnersPaid: new Set((await runtime.deps.payouts.listQuarter(QUARTER)).map((p) => p.result.partnerId))
      .size,
  };
}

async function recalculation(runtime: LocalRuntime, counter: WriteCounter, data: BenchData) {
  const folder = await importFolder(runtime, data.recalc.dir);
  const progress = createProgress({
    label: `recalculation set: ${n(data.recalc.partners)} partners, ${n(data.recalc.lines)} lines (setup)`,
  });
  trackReading(runtime, data.recalc.reports, (d) => progress.update(0, d));
  // Set-up only: the extracts are stored without the computation their ingest would ask for.
  const computeQueue = runtime.deps.compute;
  runtime.deps.compute = { publish: async () => undefined };
  try {
    for (const r of data.recalc.reports) await upload(runtime, r);
    await runtime.idle();
  } finally {
    runtime.deps.compute = computeQueue;
    delete runtime.deps.onProgress;
  }
  progress.done('stored; no computation asked for');
  counter.take();

  const partners = folder.reference.partners.map((p) => p.id);
  const timed = createProgress({
    label: `recalculating ${partners.length} partners`,
    total: partners.length,
  });
  counter.onWrite = (c) => timed.update(c.byKind.PAYOUT ?? 0);
  const started = performance.now();
  // One quarter computation (pipeline v2) pays every partner of the set.
  await runtime.deps.compute.publish([{ quarter: QUARTER, cause: 'benchmark' }]);
  await runtime.idle();
  const ms = performance.now() - started;
  counter.onWrite = undefined;
  const writes = counter.take();
  timed.done();
  return { partners: partners.length, ms, partnersPerSecond: partners.length / (ms / 1000), writes };
}

// ---------------------------------------------------------------- 5. the ingest process on its own

async function bundleChild(): Promise<string> {
  const outfile = join(BENCH_OUT, 'ingest-child.mjs');
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

function runChild(script: string, job: IngestJob, heapCapMB: number | null): Promise<IngestChildResult> {
  return new Promise((resolve, reject) => {
    const child = fork(script, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: heapCapMB ? [`--max-old-space-size=${heapCapMB}`] : [],
    });
    let result: IngestChildResult | undefined;
    child.once('message', (m) => (result = m as IngestChildResult));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      resolve(
        result ?? {
          ok: false,
          error: `the process ended (${signal ?? `code ${code}`}) before reporting`,
          ms: 0,
          rssBeforeMB: 0,
          peakRssMB: 0,
          peakHeapUsedMB: 0,
          peakLiveHeapMB: 0,
          writes: { requests: 0, items: 0, byKind: {} },
          recalcRequests: 0,
        },
      ),
    );
    child.send(job);
  });
}

/**
 * Ingests one report in a child process, on a fresh stack holding only the rules and the reference
 * data, so that no earlier report (its service-tag claims, its tallies) changes the work.
 */
async function ingestAlone(script: string, data: BenchData, r: GeneratedReport, heapCapMB: number | null) {
  const stack = await startLocalStack();
  try {
    const deps = wire(
      stack.clients,
      { table: stack.tableName, bucket: stack.bucket },
      { publish: async () => undefined },
    );
    for (const rules of await collectRules())
      await deps.objects.put(
        `${RULES_PREFIX}${rules.quarter}.json`,
        JSON.stringify(rules.file),
        'application/json',
      );
    await importReference(deps, (await loadDataFolder(data.main.dir)).reference, { quarters: [] });
    const key = uploadKey(r);
    await deps.objects.put(key, createReadStream(r.path), 'text/csv');
    const head = await stack.clients.s3.send(new HeadObjectCommand({ Bucket: stack.bucket, Key: key }));
    const child = await runChild(
      script,
      {
        env: stack.env,
        table: stack.tableName,
        bucket: stack.bucket,
        key,
        etag: (head.ETag ?? '').replace(/"/g, ''),
        sequencer: (Date.now() * 1000).toString(16).toUpperCase(),
      },
      heapCapMB,
    );
    const record = child.ok ? await deps.reports.get(reportIdOf(key)) : null;
    const ok = record?.status === 'processed';
    return {
      lines: r.lines,
      bytes: r.bytes,
      heapCapMB,
      ok,
      ...(ok ? {} : { error: child.error ?? record?.error?.message ?? `status ${record?.status}` }),
      ms: child.ms,
      linesPerSecond: r.lines / (child.ms / 1000),
      rssBeforeMB: child.rssBeforeMB,
      peakRssMB: child.peakRssMB,
      peakHeapUsedMB: child.peakHeapUsedMB,
      peakLiveHeapMB: child.peakLiveHeapMB,
      writes: child.writes,
      recalcRequests: child.recalcRequests,
    };
  } finally {
    await stack.stop();
  }
}

/**
 * The small and the large report as the ingest function is deployed, with its heap bound
 * (infra/config.ts INGEST_HEAP_MB); then the large one again with V8's default heap, sized from this
 * machine's memory, which lets garbage pile up while memory is plentiful (for comparison).
 */
async function singleFiles(data: BenchData) {
  const [small, large] = [data.single[0]!, data.single[data.single.length - 1]!];
  const progress = createProgress({ label: 'ingest process alone (a child process per report)', total: 3 });
  const script = await bundleChild();
  const runs = [];
  for (const r of [small, large]) {
    progress.update(runs.length, `${n(r.lines)} lines, heap bound ${INGEST_HEAP_MB} MB`);
    runs.push(await ingestAlone(script, data, r, INGEST_HEAP_MB));
  }
  progress.update(runs.length, `${n(large.lines)} lines, V8's default heap`);
  runs.push(await ingestAlone(script, data, large, null));
  progress.update(runs.length);
  progress.done();
  const floors = [await parseOnce([large]), await parseOnce([large])];
  return { runs, floorLargeMs: Math.min(...floors.map((f) => f.ms)) };
}

// ---------------------------------------------------------------- the report

const sum = <T>(xs: readonly T[], f: (x: T) => number) => xs.reduce((s, x) => s + f(x), 0);

function mergeCounts(all: Record<string, number>[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of all) for (const [k, v] of Object.entries(c)) out[k] = (out[k] ?? 0) + v;
  return Object.fromEntries(Object.entries(out).sort((a, b) => b[1] - a[1]));
}

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const s = (ms: number) => `${(ms / 1000).toFixed(ms < 1000 ? 2 : 1)} s`;
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const times = (ratio: number) => `${ratio.toFixed(ratio < 10 ? 1 : 0)}×`;
const mbps = (bytes: number, ms: number) => `${(bytes / MB / (ms / 1000)).toFixed(0)} MB/s`;

type Results = Awaited<ReturnType<typeof measure>>;
type SingleRun = Awaited<ReturnType<typeof singleFiles>>['runs'][number];

function table(r: Results): string {
  const { floor, stages, e2e, recalc, stack } = r;
  const [small, large, unbounded] = r.single.runs as [SingleRun, SingleRun, SingleRun];
  const perMillion = (items: number, lines: number) => n((items / lines) * 1e6);
  const rss = (x: SingleRun) =>
    x.ok
      ? `${x.peakRssMB.toFixed(0)} MB (${x.rssBeforeMB.toFixed(0)} MB at start, heap live after GC up to ${x.peakLiveHeapMB.toFixed(0)} MB)`
      : `failed: ${x.error?.split('\n')[0]}`;
  const rows: string[][] = [
    [
      'bare papaparse parse (floor)',
      `${s(floor.ms)}; ${n(floor.lines / (floor.ms / 1000))} lines/s, ${(floor.bytes / MB / (floor.ms / 1000)).toFixed(1)} MB/s`,
      '',
      '',
    ],
    [
      'report reader alone, in memory',
      `${s(stages.readerMs)} = ${r.ratios.reader.toFixed(1)}× the floor`,
      '',
      '',
    ],
    [
      'reader + line checks and tallies, in memory',
      `${s(stages.checkedMs)} = ${r.ratios.readerAndChecks.toFixed(1)}× the floor`,
      '',
      '',
    ],
    [
      'stack floor: S3 put and get, least DynamoDB writes',
      `${s(stack.ms)} = ${times(r.ratios.stackFloor)} the floor, with no code of ours`,
      '',
      '',
    ],
    [
      '  S3 PutObject, one request a report',
      `${s(stack.put.ms)} = ${times(r.ratios.s3Put)} the floor; ${mbps(stack.bytes, stack.put.ms)}`,
      '',
      '',
    ],
    [
      '  S3 GetObject, read to the end',
      `${s(stack.get.ms)} = ${times(r.ratios.s3Get)} the floor; ${mbps(stack.bytes, stack.get.ms)}`,
      '',
      '',
    ],
    [
      `  DynamoDB BatchWriteItem, ${n(stack.batchWrite.payouts)} payouts + ${n(stack.batchWrite.tallies)} tallies`,
      `${s(stack.batchWrite.ms)} = ${times(r.ratios.dynamoWrites)} the floor; ${n(stack.batchWrite.itemsPerSecond)} items/s, ${stack.batchWrite.itemMB.toFixed(0)} MB as JSON`,
      '',
      '',
    ],
    [
      '  DynamoDB PutItem of payouts, 1 and 4 at a time',
      `${n(stack.singlePut.itemsPerSecond)} and ${n(stack.singlePut4.itemsPerSecond)} items/s`,
      '',
      '',
    ],
    [
      'upload (runtime.upload), nothing else running',
      `${s(stack.runtimeUpload.ms)} = ${times(r.ratios.uploadAlone)} the floor; ${mbps(stack.bytes, stack.runtimeUpload.ms)} (fs copy: ${mbps(stack.bytes, stack.fsCopy.ms)})`,
      '',
      '',
    ],
    [
      'upload during end to end, ingest alongside',
      `${s(e2e.uploadedMs)} = ${times(r.ratios.uploadInEndToEnd)} the floor; ${mbps(stack.bytes, e2e.uploadedMs)}`,
      '',
      '',
    ],
    [
      'end to end: upload to payouts written',
      `${s(e2e.ms)} = ${r.ratios.endToEnd.toFixed(0)}× the floor`,
      `≤ ${TARGETS.endToEndVsParse}×`,
      verdict(r.ratios.endToEnd <= TARGETS.endToEndVsParse),
    ],
    [
      '  ingest: upload to last report stored',
      `${s(e2e.ingestMs)} = ${r.ratios.ingest.toFixed(0)}× the floor`,
      '',
      '',
    ],
    [
      '  recalculation after the last report',
      `${s(e2e.recalcTailMs)}: ${n(e2e.recalcsRun)} recalculations of ${n(e2e.partnersPaid)} partners`,
      '',
      '',
    ],
    [
      'ingest throughput, end to end',
      `${n(e2e.lines / (e2e.ingestMs / 1000))} lines/s, ${(e2e.rawBytes / MB / (e2e.ingestMs / 1000)).toFixed(1)} MB/s`,
      '',
      '',
    ],
    [
      `ingest throughput, one ${n(large.lines)}-line report alone`,
      `${n(large.linesPerSecond)} lines/s, ${(large.bytes / MB / (large.ms / 1000)).toFixed(1)} MB/s = ${r.ratios.ingestAlone.toFixed(0)}× its bare parse`,
      '',
      '',
    ],
    [
      `peak RSS, ingest process as deployed (heap bound ${small.heapCapMB} MB), ${n(small.lines)} lines`,
      rss(small),
      `≤ ${TARGETS.peakRssMB} MB`,
      verdict(small.ok && small.peakRssMB <= TARGETS.peakRssMB),
    ],
    [
      `peak RSS, ingest process as deployed (heap bound ${large.heapCapMB} MB), ${n(large.lines)} lines`,
      rss(large),
      `≤ ${TARGETS.peakRssMB} MB`,
      verdict(large.ok && large.peakRssMB <= TARGETS.peakRssMB),
    ],
    [
      `  the same with V8's default heap (sized from this machine)`,
      rss(unbounded),
      '',
      '',
    ],
    [
      'peak RSS, local runtime process, end to end',
      `${e2e.peakRssMB.toFixed(0)} MB (s3rver, ingest, recalc, queues in one)`,
      '',
      '',
    ],
    [
      `DynamoDB items written, ingest, ${n(small.lines)} lines`,
      `${n(small.writes.items)} (${perMillion(small.writes.items, small.lines)} per million lines)`,
      '',
      '',
    ],
    [
      `DynamoDB items written, ingest, ${n(large.lines)} lines`,
      `${n(large.writes.items)} (${perMillion(large.writes.items, large.lines)} per million lines)`,
      `≤ ${TARGETS.writesGrowth}× the above`,
      verdict(r.ratios.writesGrowth <= TARGETS.writesGrowth),
    ],
    [
      'DynamoDB items written, end to end',
      `${n(e2e.writes.items)} (${perMillion(e2e.writes.items, e2e.lines)} per million lines)`,
      '',
      '',
    ],
    [
      `recalculation, ${n(recalc.partners)} partners`,
      `${s(recalc.ms)}; ${n(recalc.partnersPerSecond)} partners/s`,
      '',
      '',
    ],
  ];
  return renderTable(
    [{ header: 'measure' }, { header: 'result' }, { header: 'target' }, { header: '' }],
    rows,
  );
}

async function measure(data: BenchData) {
  const load = loadWatch();
  const floor = await bareParse(data.main.reports);
  const stages = await inMemoryStages(data);
  load.phase('floor and in-memory stages');

  note('starting the local stack (DynamoDB Local, s3rver)…');
  const counter = new WriteCounter();
  const errors: string[] = [];
  const runtime = await startLocalRuntime({
    wrapClients: counter.wrap,
    onError: (what, err) => errors.push(`${what}: ${(err as Error).message ?? String(err)}`),
  });
  let e2e, stack, recalc;
  try {
    e2e = await endToEnd(runtime, counter, data);
    load.phase('end to end');
    // Before the recalculation set: the payouts and tallies copied are those of this data alone.
    stack = await stackFloor(runtime, data.main.reports, data.main.reports.map(uploadKey));
    load.phase('stack floor');
    recalc = await recalculation(runtime, counter, data);
    load.phase('recalculation');
  } finally {
    await runtime.stop();
  }
  const single = await singleFiles(data);
  load.phase('ingest process alone');
  load.stop();
  const [small, large] = single.runs as [SingleRun, SingleRun];
  return {
    machine: { ...machine(), peakLoad1m: load.peaks },
    data: {
      options: data.options,
      dir: data.dir,
      reports: data.main.reports.map(({ path: _path, ...r }) => r),
    },
    targets: TARGETS,
    ratios: {
      reader: stages.readerMs / floor.ms,
      readerAndChecks: stages.checkedMs / floor.ms,
      endToEnd: e2e.ms / floor.ms,
      ingest: e2e.ingestMs / floor.ms,
      stackFloor: stack.ms / floor.ms,
      s3Put: stack.put.ms / floor.ms,
      s3Get: stack.get.ms / floor.ms,
      dynamoWrites: stack.batchWrite.ms / floor.ms,
      uploadAlone: stack.runtimeUpload.ms / floor.ms,
      uploadInEndToEnd: e2e.uploadedMs / floor.ms,
      writesGrowth: large.writes.items / small.writes.items,
      rssGrowth: large.peakRssMB / small.peakRssMB,
      ingestAlone: large.ms / single.floorLargeMs,
    },
    floor,
    stages,
    e2e,
    stack,
    recalc,
    single,
    retriedErrors: errors.slice(0, 20),
  };
}

const data = await generate(optionsFromArgs(process.argv.slice(2)));
const results = await measure(data);
const printed = table(results);
process.stdout.write(`\n${printed}\n`);
const { machine: m } = results;
const busiest = Math.max(...Object.values(m.peakLoad1m));
process.stdout.write(
  `${m.cpu}, ${m.cores} cores, ${m.ramGB} GB RAM, Node ${m.node}; ` +
    `${n(results.e2e.lines)} lines (${(results.floor.bytes / MB).toFixed(1)} MB) over ${results.data.reports.length} reports, ${n(data.main.partners)} partners\n` +
    `highest 1-minute load average: ${Object.entries(m.peakLoad1m)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}\n` +
    (busiest > m.cores * 2
      ? `Other work ran on this machine meanwhile (the benchmark alone keeps the load between ${m.cores} and ${m.cores * 1.5}): the figures are slower than they should be.\n`
      : ''),
);
await writeFile(RESULTS, JSON.stringify({ ...results, table: printed }, null, 2) + '\n');
note(`wrote ${RESULTS}`);
