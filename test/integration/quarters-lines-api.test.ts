/**
 * `GET /quarters` shows each quarter's line balance from its latest computation (issue #12, point
 * 2): extracted = counted + held, held by reason. On the sample data folder, uploaded as
 * distributors would, on the real emulators through the local API server. The extracted lines of
 * all quarters are checked against the report records, which ingest counted on its own.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { reportUploadName } from '../../local/runtime.js';
import { HELD_REASONS } from '../../shared/pipeline/compute-quarter.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { useTestApi } from '../support/api-client.js';
import { SAMPLES } from '../support/closed-quarter.js';
import { useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';

const env = useLocalRuntime();
const api = useTestApi(env);

interface QuarterLines {
  computedAt: string;
  extracted: number;
  counted: number;
  held: number;
  heldByReason: Record<string, number>;
}
interface QuarterItem {
  quarter: string;
  status: string;
  lines: QuarterLines | null;
}

let reportKeys: string[] = [];

beforeAll(async () => {
  const folder = await loadDataFolder(SAMPLES);
  await importReference(env.rt.deps, folder.reference);
  reportKeys = await env.uploadAll(
    await Promise.all(
      folder.reports.map(async (r) => ({
        distributorId: r.distributorId,
        name: reportUploadName(r.name),
        content: await readFile(r.path),
      })),
    ),
  );
}, 120_000);

describe('GET /quarters: the line balance of each quarter', () => {
  it('gives the sample quarter extracted = counted + held, held by reason, as its latest computation stored it', async () => {
    const res = await api.call('finance', 'GET', '/api/quarters');
    expect(res.status).toBe(200);
    const quarters = res.body.quarters as QuarterItem[];
    const q1 = quarters.find((q) => q.quarter === Q1)!;
    expect(q1.status).toBe('open');
    const lines = q1.lines!;
    // The sample is messy on purpose: some lines count, some are held.
    expect(lines.counted).toBeGreaterThan(0);
    expect(lines.held).toBeGreaterThan(0);
    const byReason = Object.values(lines.heldByReason).reduce((a, b) => a + b, 0);
    expect(lines.extracted).toBe(lines.counted + byReason);
    expect(lines.held).toBe(byReason);
    for (const reason of Object.keys(lines.heldByReason)) expect(HELD_REASONS).toContain(reason);

    const pointer = (await env.rt.deps.computations.latest(Q1))!;
    expect(lines.computedAt).toBe(pointer.computedAt);

    // Every extracted line is in exactly one quarter: the quarters' sum is what ingest extracted.
    const records = await Promise.all(reportKeys.map((k) => env.report(k)));
    const ingested = records.reduce((n, r) => n + (r.counts?.extracted ?? 0), 0);
    const computed = quarters.reduce((n, q) => n + (q.lines?.extracted ?? 0), 0);
    expect(computed).toBe(ingested);
  });

  it('is the same for a program manager and refused to a distributor', async () => {
    const finance = (await api.call('finance', 'GET', '/api/quarters')).body.quarters as QuarterItem[];
    const program = (await api.call('program', 'GET', '/api/quarters')).body.quarters as QuarterItem[];
    expect(program.map((q) => q.lines)).toEqual(finance.map((q) => q.lines));
    expect((await api.call('alfa', 'GET', '/api/quarters')).status).toBe(403);
  });
});
