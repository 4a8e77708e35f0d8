/**
 * Reports read in worker threads (LocalRuntimeOptions.ingestThreads, as `rebates run` does): the
 * same handler, its own SDK clients, and what it asks of the pipeline — computation requests,
 * reading progress, a failure to retry — reaching the runtime as if it ran on its thread.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx: 154 RUB per unit at plan 50
const sale = salesOf(VOSTRO);

const env = useLocalRuntime({ ingestThreads: 2 });
const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('ingest in worker threads', () => {
  it('reads reports sent together on two threads, reports progress, and the computation that follows pays', async () => {
    await env.importReference({
      distributors: ['th-a', 'th-b'],
      partners: ['TH1', 'TH2'],
      acceptances: [
        { partnerId: 'TH1', program: 'client' },
        { partnerId: 'TH2', program: 'client' },
      ],
    });
    const progress = new Map<string, number>();
    env.rt.deps.onProgress = ({ key, records }) => progress.set(key, records);
    try {
      const keys = await env.uploadAll([
        { distributorId: 'th-a', name: 'a.csv', content: renderReport([sale({ invoice: 'A-1', partnerId: 'TH1', qty: 30 }), sale({ invoice: 'A-2', partnerId: 'TH2', qty: 5 })]) },
        { distributorId: 'th-b', name: 'b.csv', content: renderReport([sale({ invoice: 'B-1', partnerId: 'TH1', qty: 25 }), sale({ invoice: 'B-2', partnerId: 'TH1', qty: -1 })]) },
      ]);
      const [a, b] = await Promise.all(keys.map((k) => env.report(k)));
      expect(a).toMatchObject({ status: 'processed', counts: { read: 2, extracted: 2, rejected: 0 } });
      expect(b!.status).toBe('processed');
      expect(b!.counts!.read).toBe(2);
      // Progress posted by the threads reached the hook set on the runtime's own deps.
      expect([...progress.keys()].sort()).toEqual([...keys].sort());
    } finally {
      delete env.rt.deps.onProgress;
    }
    // 30 + 25 - 1 (a return) units of TH1 over two reports meet the plan of 50: the requests the
    // threads posted reached the computation, which saw both reports.
    const paid = (await env.payouts(Q1, 'TH1'))!;
    expect(paid.lines.map((l) => [l.distributorId, l.rateRow, l.units]).sort()).toEqual([
      ['th-a', 'vostro-3xxx', 30],
      ['th-b', 'vostro-3xxx', 24],
    ]);
    expect(paid.total.toFixed(2)).toBe((54 * 154).toFixed(2));
  });

  it('reads a key served from a local file in the thread, and retries then parks a report whose read fails', async () => {
    await env.importReference({ distributors: ['th-c'], partners: ['TH3'] });
    const dir = await mkdtemp(join(tmpdir(), 'ingest-threads-'));
    dirs.push(dir);
    const file = join(dir, 'c.csv');
    const content = renderReport([sale({ invoice: 'C-1', partnerId: 'TH3', qty: 7 })]);
    await writeFile(file, content);
    env.rt.serveFromFile('incoming/th-c/c.csv', file);
    const key = await env.upload('th-c', 'c.csv', content);
    expect(await env.report(key)).toMatchObject({ status: 'processed', counts: { read: 1, extracted: 1 } });

    // The thread reads the missing file: an error that is not the file's fault is retried, then parked.
    env.rt.serveFromFile('incoming/th-c/gone.csv', join(dir, 'gone.csv'));
    await env.upload('th-c', 'gone.csv', content);
    const dead = env.rt.deadLetters().filter((d) => d.queue === 'ingest' && d.letter.body.includes('gone.csv'));
    expect(dead).toHaveLength(1);
    expect(dead[0]!.letter.attempts).toBe(3);
    expect((await env.rt.deps.reports.list({ distributorId: 'th-c' })).filter((r) => r.key.endsWith('gone.csv') && r.status === 'processed')).toEqual([]);
  });
});
