/**
 * `rebates run` reads its reports while the emulators start (local/early-reads.ts); ingest, when the
 * upload's event comes, takes that read instead of opening the file. What it stores must be what a
 * plain read of the same upload stores, and a read made with other inputs than ingest finds must
 * never be used. The sample data folder on the real emulators.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EarlyReports } from '../../local/early-reads.js';
import { LocalReportFiles } from '../../local/local-reports.js';
import { asWrittenIn } from '../../shared/domain/ids.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import type { ObjectStore } from '../../shared/ports/index.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { countingReportGets } from '../support/report-gets.js';
import { useLocalRuntime } from '../support/runtime.js';
import { SAMPLE_DATA } from '../support/sample-quarter.js';

const Q1 = '2016-Q1';
const env = useLocalRuntime({ computeAfterIngest: true });
const scratch = mkdtempSync(join(tmpdir(), 'early-reads-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function readAll(objects: ObjectStore, key: string): Promise<Buffer> {
  const { body } = await objects.get(key, null);
  const chunks: Buffer[] = [];
  for await (const c of body) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Runs `fn` with raw reports served from their files, as `run` does, and every read of one counted. */
async function asRun<T>(fn: (files: LocalReportFiles, gets: string[]) => Promise<T>): Promise<T> {
  const { deps } = env.rt;
  const s3 = deps.objects;
  const files = new LocalReportFiles();
  // Counted above the files: a read of the report at all, from its file or from S3.
  const counting = countingReportGets(files.over(s3));
  deps.objects = counting.objects;
  try {
    return await fn(files, counting.gets);
  } finally {
    deps.objects = s3;
    delete deps.early;
  }
}

async function upload(files: LocalReportFiles, key: string, path: string): Promise<void> {
  files.add(key, path);
  await env.rt.uploadFile(key, path, /\.gz$/i.test(path) ? 'application/gzip' : 'text/csv');
  await env.rt.idle();
}

describe('rebates run: reports read before their uploads', () => {
  it('stores from the early read what a plain read of the same upload stores, without opening the file again', async () => {
    const { deps } = env.rt;
    const folder = await loadDataFolder(SAMPLE_DATA);
    await importReference(deps, folder.reference, { quarters: [Q1] });
    const report = folder.reports.find((r) => r.distributorId === 'kvant')!;
    const key = `incoming/kvant/${report.name}`;
    const shown = asWrittenIn(await deps.reference.listDistributors());

    await asRun(async (files, gets) => {
      const early = new EarlyReports();
      early.start([{ key, path: report.path }], (d) => ({ rules: env.rt.rules, shown: shown(d) }));
      deps.early = early;
      await upload(files, key, report.path);
      expect(env.rt.deadLetters()).toEqual([]);
      // Taken: nothing left for a later delivery, which reads the file as ever.
      expect(early.has(key)).toBe(false);
      expect(gets).toEqual([]);
      const first = (await deps.reports.get(reportIdOf(key)))!;
      expect(first.status).toBe('processed');
      const firstRejects = await readAll(deps.objects, first.rejectsKey!);

      // The same bytes uploaded again replace that version: read plainly this time.
      await upload(files, key, report.path);
      expect(gets).toEqual([key]);
      const second = (await deps.reports.get(reportIdOf(key)))!;
      expect(second.status).toBe('processed');
      expect(second.sequencer > first.sequencer).toBe(true);
      for (const field of ['sha256', 'bytes', 'counts', 'quarters', 'extractKey', 'extractSha256', 'format', 'rulesVersions'] as const)
        expect(second[field], field).toEqual(first[field]);
      expect(firstRejects.length).toBeGreaterThan(0);
      expect(await readAll(deps.objects, second.rejectsKey!)).toEqual(firstRejects);
    });
  });

  it('reads the file itself when the early read was made with other inputs (the distributor written otherwise)', async () => {
    const { deps } = env.rt;
    const folder = await loadDataFolder(SAMPLE_DATA);
    const report = folder.reports.find((r) => r.distributorId === 'orbita')!;
    const key = `incoming/orbita/${report.name}`;
    await asRun(async (files, gets) => {
      const early = new EarlyReports();
      early.start([{ key, path: report.path }], () => ({ rules: env.rt.rules, shown: 'Not the registry' }));
      deps.early = early;
      await upload(files, key, report.path);
      expect(gets).toEqual([key]);
      const record = (await deps.reports.get(reportIdOf(key)))!;
      expect(record.status).toBe('processed');
      const rejects = (await readAll(deps.objects, record.rejectsKey!)).toString('utf8');
      expect(rejects).not.toContain('Not the registry');
    });
  });

  it('reads the file again when it changed after its early read began', async () => {
    const { deps } = env.rt;
    const folder = await loadDataFolder(SAMPLE_DATA);
    const report = folder.reports.find((r) => r.distributorId === 'kvant')!;
    const path = join(scratch, 'changed.csv');
    const original = readFileSync(report.path);
    writeFileSync(path, original);
    const shown = asWrittenIn(await deps.reference.listDistributors());
    const key = 'incoming/kvant/early-changed.csv';
    await asRun(async (files, gets) => {
      // Its read is timed as a phase: that phase's end says it is whole, with nothing taken.
      let readWhole!: () => void;
      const whole = new Promise<void>((r) => (readWhole = r));
      const early = new EarlyReports(async (_name, fn) => {
        try {
          return await fn();
        } finally {
          readWhole();
        }
      });
      early.start([{ key, path }], (d) => ({ rules: env.rt.rules, shown: shown(d) }));
      deps.early = early;
      await whole;
      expect(early.has(key)).toBe(true);
      // The file changes before its upload: its last line goes.
      const lines = original.toString('utf8').trimEnd().split('\n');
      writeFileSync(path, `${lines.slice(0, -1).join('\n')}\n`);
      utimesSync(path, new Date(), new Date(Date.now() + 5_000));
      await upload(files, key, path);
      expect(gets).toEqual([key]);
      const record = (await deps.reports.get(reportIdOf(key)))!;
      expect(record.status).toBe('processed');
      expect(record.sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
    });
  });

  it('a file that cannot be read fails as it would read plainly', async () => {
    const { deps } = env.rt;
    const path = join(scratch, 'empty.csv');
    writeFileSync(path, '');
    const shown = asWrittenIn(await deps.reference.listDistributors());
    const key = 'incoming/meridian/early-empty.csv';
    await asRun(async (files, gets) => {
      const early = new EarlyReports();
      early.start([{ key, path }], (d) => ({ rules: env.rt.rules, shown: shown(d) }));
      deps.early = early;
      await upload(files, key, path);
      expect(gets).toEqual([]);
      const record = (await deps.reports.get(reportIdOf(key)))!;
      expect(record.status).toBe('failed');
      expect(record.error?.code).toBe('empty-file');
    });
  });

  it('stops reading when the run stops, and lets go of what nobody took', async () => {
    const folder = await loadDataFolder(SAMPLE_DATA);
    const files = folder.reports.map((r) => ({ key: `incoming/${r.distributorId}/${r.name}`, path: r.path }));
    const early = new EarlyReports();
    const read: string[] = [];
    early.onProgress = (p) => read.push(p.key);
    const inputs = { rules: env.rt.rules, shown: undefined };
    early.start(files, () => inputs);
    expect(files.every((f) => early.has(f.key))).toBe(true);
    await early.stop();
    // Nothing left to take, and the reads not yet begun never began.
    expect(files.some((f) => early.has(f.key))).toBe(false);
    expect(await early.take(files[0]!.key, { ...inputs, distributorId: files[0]!.key.split('/')[1]! })).toBeNull();
    expect(read).toEqual([]);
  });

  it('gives a read only to the inputs it was made with', async () => {
    const folder = await loadDataFolder(SAMPLE_DATA);
    const report = folder.reports.find((r) => r.distributorId === 'kvant')!;
    const key = `incoming/kvant/${report.name}`;
    const inputs = { rules: env.rt.rules, shown: 'KVANT' };
    const early = new EarlyReports();
    early.start([{ key, path: report.path }], () => inputs);
    const asked = { ...inputs, distributorId: 'kvant' };
    // Other rules: refused (and let go), never half-used.
    const otherRules = env.rt.rules.map((r) => ({ ...r, version: `${r.version}-other` }));
    expect(await early.take(key, { ...asked, rules: otherRules })).toBeNull();
    expect(early.has(key)).toBe(false);

    early.start([{ key, path: report.path }], () => inputs);
    const got = await early.take(key, { ...asked, rules: [...env.rt.rules].reverse() });
    expect(got?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(got?.extract.counts.extracted).toBeGreaterThan(0);
    got?.rejects.dispose();
  });
});
