/**
 * `npx tsx bench/rejects-fields.ts <reports folder> <rejects folder> [rounds]`: the cost of finding the
 * original fields of the lines a rejects file names, in every report of a `rebates run` data folder:
 * the full reader (what the rejects files did before) against the record scanner (record-scan.ts), on
 * the decoded text and on the bytes.
 * The rejects folder is a run's `<out>/rejects`, matched to the reports by file name.
 */
import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join } from 'node:path';
import { readReport } from '../shared/csv/read-report.js';
import { recordsAt } from '../shared/csv/record-scan.js';

const [reportsDir, rejectsDir, roundsArg] = process.argv.slice(2);
if (!reportsDir || !rejectsDir) throw new Error('usage: bench/rejects-fields.ts <reports folder> <rejects folder> [rounds]');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
const rejects = new Map(files(rejectsDir).map((f) => [basename(f).replace(/\.rejects\.csv$/, ''), f]));
const jobs = files(reportsDir).flatMap((report) => {
  const name = basename(report).replace(/\.csv(\.gz)?$/i, '');
  const rejectsFile = rejects.get(name);
  if (!rejectsFile) return [];
  const lines = new Set(
    readFileSync(rejectsFile, 'utf8').split('\n').slice(1).map((l) => Number(l.split(',')[0])).filter((n) => n > 1),
  );
  return [{ report, lines }];
});

const open = (path: string) => createReadStream(path, { highWaterMark: 256 * 1024 });
async function byReader(path: string, lines: ReadonlySet<number>): Promise<number> {
  const reading = readReport(open(path));
  await reading.format;
  let n = 0;
  for await (const batch of reading.records) for (const r of batch) if (lines.has(r.line)) n++;
  await reading.done;
  return n;
}
const byScanner = async (path: string, lines: ReadonlySet<number>) => (await recordsAt(open(path), lines)).fields.size;
// The scan of the bytes (given an opener), as the rejects files use it.
const byBytes = async (path: string, lines: ReadonlySet<number>) => (await recordsAt(() => open(path), lines)).fields.size;

const cpu = async (fn: () => Promise<number>) => {
  const c = process.cpuUsage();
  const t = performance.now();
  const n = await fn();
  const u = process.cpuUsage(c);
  return { n, wall: performance.now() - t, cpu: (u.user + u.system) / 1000 };
};
const best: Record<string, number> = { reader: Infinity, scanner: Infinity, bytes: Infinity };
for (let round = 0; round < Number(roundsArg ?? 3); round++) {
  for (const [what, fn] of [['reader', byReader], ['scanner', byScanner], ['bytes', byBytes]] as const) {
    let total = 0;
    let found = 0;
    for (const { report, lines } of jobs) {
      const r = await cpu(() => fn(report, lines));
      total += r.cpu;
      found += r.n;
    }
    best[what] = Math.min(best[what]!, total);
    console.log(`round ${round + 1} ${what}: ${found} lines of ${jobs.length} reports, ${total.toFixed(0)} ms CPU, load ${loadavg()[0]!.toFixed(2)}`);
  }
}
console.log(`best: reader ${best.reader!.toFixed(0)} ms, scanner ${best.scanner!.toFixed(0)} ms, bytes ${best.bytes!.toFixed(0)} ms CPU`);
