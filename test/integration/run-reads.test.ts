/**
 * `rebates run` reads back neither the reports it uploaded nor the payouts its computation wrote:
 * the reports come from their files (LocalReportFiles), the payouts from what was stored
 * (RememberedPayouts). Both must give exactly what S3 and DynamoDB Local hold. The sample data
 * folder on the real emulators.
 */
import { describe, expect, it } from 'vitest';
import { LocalReportFiles } from '../../local/local-reports.js';
import { RememberedPayouts } from '../../local/remembered-payouts.js';
import { reportUploadName } from '../../local/runtime.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { reportRejectsWithHeld } from '../../shared/pipeline/report-rejects.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { countingReportGets } from '../support/report-gets.js';
import { useLocalRuntime } from '../support/runtime.js';
import { SAMPLE_DATA } from '../support/sample-quarter.js';

const Q1 = '2016-Q1';
const env = useLocalRuntime({ computeAfterIngest: true });

describe('rebates run: reports read from their files, payouts as stored', () => {
  it('ingests and writes the rejects files with no GET of a raw report, and remembers exactly the stored payouts', async () => {
    const { deps } = env.rt;
    const s3 = deps.objects;
    const s3Payouts = deps.payouts;
    const counting = countingReportGets(s3);
    const files = new LocalReportFiles();
    const payouts = new RememberedPayouts();
    deps.objects = files.over(counting.objects);
    deps.payouts = payouts.over(s3Payouts);
    try {
      const folder = await loadDataFolder(SAMPLE_DATA);
      expect(folder.reports.length).toBeGreaterThan(1);
      const release = env.rt.holdComputations();
      await importReference(deps, folder.reference, { quarters: [Q1] });
      for (const r of folder.reports) {
        const key = `incoming/${r.distributorId}/${reportUploadName(r.name)}`;
        files.add(key, r.path);
        // As `rebates run` puts them: the file copied into the local S3 (putFile), not sent through HTTP.
        await env.rt.uploadFile(key, r.path, /\.gz$/i.test(r.name) ? 'application/gzip' : 'text/csv');
      }
      release();
      await env.rt.idle();
      expect(env.rt.deadLetters()).toEqual([]);

      const reports = await deps.reports.list({});
      expect(reports.filter((r) => r.status === 'processed').length).toBeGreaterThan(1);
      // The same rejects files from the local files as from S3, held lines' fields included.
      let held = 0;
      for (const r of reports) {
        const local = await reportRejectsWithHeld(deps, r);
        const fromS3 = await reportRejectsWithHeld({ ...deps, objects: s3 }, r);
        expect(local).toEqual(fromS3);
        held += local?.held ?? 0;
      }
      expect(held).toBeGreaterThan(0);
      // Neither ingest nor the rejects files asked S3 for a report; the comparison above did.
      expect(counting.gets).toEqual([]);

      expect((await s3Payouts.listQuarter(Q1)).length).toBeGreaterThan(10);
      // Every quarter the reports touched was computed; each as DynamoDB Local holds it.
      for (const { quarter } of env.rt.rules)
        expect(payouts.stored(quarter), quarter).toEqual(await s3Payouts.listQuarter(quarter));
    } finally {
      deps.objects = s3;
      deps.payouts = s3Payouts;
    }
  });

  it('sends a read of a given object version, and of any other key, to S3', async () => {
    const { deps } = env.rt;
    const key = 'incoming/run-reads/versioned.csv';
    await deps.objects.put(key, 'in S3\n', 'text/csv');
    const files = new LocalReportFiles();
    files.add(key, new URL(import.meta.url).pathname);
    const served = files.over(deps.objects);
    const text = async (p: Promise<{ body: NodeJS.ReadableStream }>) => {
      let s = '';
      for await (const chunk of (await p).body) s += String(chunk);
      return s;
    };
    expect(await text(served.get(key))).toContain('LocalReportFiles');
    expect(await text(served.get(key, 'v-1'))).toBe('in S3\n');
    expect(await served.getText(key)).toBe('in S3\n');
    await deps.objects.put('incoming/run-reads/other.csv', 'other\n', 'text/csv');
    expect(await text(served.get('incoming/run-reads/other.csv'))).toBe('other\n');
  });
});
