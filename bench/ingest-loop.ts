/**
 * A quick loop for work on ingest's speed: in one process, alternating, best of N, the bare
 * papaparse parse of one report (bench/run.ts's floor) against the report reader alone and against
 * ingest's in-memory work (reader, extractor, rejects file, gzip of the extract). No emulators: the
 * S3 and DynamoDB part is what `npm run bench` adds in its child process.
 *
 *   node --import tsx bench/ingest-loop.ts [report.csv] [--runs N] [--only parse|read|ingest]
 *
 * Without a path it takes the largest single report of the newest generated data in bench/out/.
 * `--only` runs one stage N times, e.g. under `node --cpu-prof`.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import Papa from 'papaparse';
import { readReport } from '../shared/csv/read-report.js';
import { RulesBook } from '../shared/domain/rules/load.js';
import { RejectsCsvWriter } from '../shared/export/rejects-csv.js';
import { ReportExtractor, storableExtract } from '../shared/pipeline/extract.js';
import { collectRules } from '../local/runtime.js';

// Not imported from generate.ts, which runs itself when bundled into one file with this one.
const BENCH_OUT = join(dirname(fileURLToPath(import.meta.url)), 'out');
const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
};
const runs = Number(flag('--runs') ?? 3);
const only = flag('--only');
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
const book = new RulesBook(await collectRules());

async function parse(): Promise<number> {
  let rows = 0;
  const raw = createReadStream(path, { highWaterMark: 64 * 1024 });
  const bytes: AsyncIterable<Buffer> = gz ? raw.pipe(createGunzip()) : raw;
  // The floor as bench/run.ts measures it: the encoding known in advance (UTF-8 for the single files).
  const decoder = new TextDecoder('utf-8');
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
      chunk: (res) => void (rows += res.data.length),
      complete: () => resolve(),
      error: reject,
    }),
  );
  return rows;
}

async function read(): Promise<number> {
  const reading = readReport(createReadStream(path));
  await reading.format;
  let n = 0;
  for await (const batch of reading.records) n += batch.length;
  await reading.done;
  return n;
}

async function ingest(): Promise<number> {
  const reading = readReport(createReadStream(path));
  const format = await reading.format;
  const extractor = new ReportExtractor(book, 'kvant');
  const rejects = new RejectsCsvWriter(format.headers);
  try {
    for await (const batch of reading.records)
      for (const record of batch) {
        const reject = extractor.add(record);
        if (reject) rejects.add(reject);
      }
    const summary = await reading.done;
    for await (const chunk of rejects.toReadable()) void chunk;
    storableExtract('rpt_loop', extractor.result({ sha256: summary.sha256, bytes: summary.rawBytes }));
  } finally {
    rejects.dispose();
  }
  return extractor.counts.read;
}

const stages = { parse, read, ingest } as const;
type Stage = keyof typeof stages;
const chosen: Stage[] = only ? [only as Stage] : ['parse', 'read', 'ingest'];
const best: Partial<Record<Stage, number>> = {};
const bestCpu: Partial<Record<Stage, number>> = {};
console.log(`${path} (${(statSync(path).size / 2 ** 20).toFixed(1)} MB), best of ${runs}`);
for (let i = 0; i < runs; i++) {
  for (const stage of chosen) {
    const t = performance.now();
    const c = process.cpuUsage();
    const rows = await stages[stage]();
    const ms = performance.now() - t;
    const used = process.cpuUsage(c);
    // On a shared machine the process's CPU time moves less with the load than the wall time.
    const cpu = (used.user + used.system) / 1000;
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
console.log(`peak RSS ${((process.resourceUsage().maxRSS * 1024) / 2 ** 20).toFixed(0)} MB`);
