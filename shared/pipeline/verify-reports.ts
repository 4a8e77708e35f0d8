/**
 * For `verify`: every report, whatever its distributor, must be in a final state. The uploaded
 * objects are the source of truth (a record is made only once ingest has read the version), so the reports are
 * the report objects under incoming/ together with every record the registry's distributors list:
 * a report of a distributor since removed from the registry, or one not read yet, is
 * seen too.
 */
import type { DifferenceWhy } from '../domain/render/verify.js';
import type { ObjectStore, ReportRecord, ReportsRepository } from '../ports/index.js';
import { isReportKey, PREFIX } from '../storage-contract.js';
import { parseIncomingKey, reportIdOf } from './ingest.js';

export interface UnfinishedReport {
  key: string;
  why: DifferenceWhy;
}

const FINAL = new Set(['processed', 'failed']);

export async function unfinishedReports(
  deps: { objects: ObjectStore; reports: ReportsRepository },
  registered: ReadonlySet<string>,
): Promise<UnfinishedReport[]> {
  const [keys, listed] = await Promise.all([deps.objects.list(PREFIX.incoming), deps.reports.list({})]);
  const records = new Map<string, ReportRecord | null>(listed.map((r) => [r.key, r]));
  // Keys ingest skips (no distributor folder) are no report, and never get a record.
  const unread = [...new Set(keys.filter((k) => isReportKey(k) && parseIncomingKey(k)))].filter((k) => !records.has(k));
  // A few reads at a time: the table may be DynamoDB Local on a laptop.
  for (let i = 0; i < unread.length; i += 16) {
    const batch = unread.slice(i, i + 16);
    const got = await Promise.all(batch.map((k) => deps.reports.get(reportIdOf(k))));
    batch.forEach((k, j) => records.set(k, got[j] ?? null));
  }
  const out: UnfinishedReport[] = [];
  for (const [key, record] of [...records].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (record && FINAL.has(record.status)) continue;
    const distributor = record?.distributorId ?? parseIncomingKey(key)?.distributorId ?? '';
    out.push({
      key,
      why: {
        code: 'report-unfinished',
        params: { status: record?.status ?? null, distributor: registered.has(distributor) ? null : distributor },
      },
    });
  }
  return out;
}
