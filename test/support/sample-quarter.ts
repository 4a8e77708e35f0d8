/**
 * The sample data folder's quarter computed in memory, as the compute function would: reference
 * rows, every report read and extracted, then computeQuarter. For tests that need realistic
 * results (item sizes, renderings) without the emulators.
 */
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { readReport, type ReportRecord } from '../../shared/csv/read-report.js';
import { catalogIndex } from '../../shared/domain/classify.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { computeQuarter, type ActiveExtract, type QuarterComputation } from '../../shared/pipeline/compute-quarter.js';
import { ReportExtractor, type ReportExtract } from '../../shared/pipeline/extract.js';
import { decodeExtract, storableExtract } from '../../shared/pipeline/extract-codec.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { sampleRules } from './domain-fixtures.js';

export const SAMPLE_DATA = join(import.meta.dirname, '..', '..', 'samples', 'data');

function byPartner<T extends { partnerId: string }>(rows: readonly T[]): Map<string, T[]> {
  const m = new Map<string, T[]>();
  for (const r of rows) m.set(r.partnerId, [...(m.get(r.partnerId) ?? []), r]);
  return m;
}

/** An extract as the computation reads it: stored as ingest stores it, then decoded from its bytes. */
export function activeExtractOf(reportId: string, distributorId: string, receivedAt: string, extract: ReportExtract): ActiveExtract {
  const stored = storableExtract(reportId, extract);
  return {
    reportId,
    version: 'v1',
    distributorId,
    receivedAt,
    sha256: stored.sha256,
    extract: decodeExtract(stored.bytes, stored.sha256),
  };
}

export async function computeSampleQuarter(quarter = '2016-Q1'): Promise<QuarterComputation> {
  const rules = sampleRules(quarter);
  const book = new RulesBook(['2016-Q1', '2016-Q2', '2016-Q3', '2016-Q4'].map((q) => sampleRules(q)));
  const folder = await loadDataFolder(SAMPLE_DATA);
  if (folder.errors.length) throw new Error(`The sample folder has errors: ${folder.errors.join('; ')}`);
  const ref = folder.reference;
  const extracts = [];
  for (const [i, r] of folder.reports.entries()) {
    const reading = readReport(createReadStream(r.path));
    const x = new ReportExtractor(book, r.distributorId);
    for await (const batch of reading.records) for (const rec of batch as ReportRecord[]) x.add(rec);
    await reading.done;
    extracts.push(activeExtractOf(`r${i}`, r.distributorId, `2016-03-01T10:${String(i).padStart(2, '0')}:00+03:00`, x.result()));
  }
  return computeQuarter({
    rules,
    reference: {
      partners: new Map(ref.partners.map((p) => [p.id, p])),
      distributors: new Map(ref.distributors.map((d) => [d.id, d])),
      catalog: catalogIndex(ref.catalog),
      acceptances: byPartner(ref.acceptances),
      trainings: byPartner(ref.trainings),
      revision: 'samples',
    },
    extracts,
  });
}
