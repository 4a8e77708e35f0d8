/**
 * Every line of one report that does not count, and why, in the shape of its rejects file
 * (`line,reason_code,message,<original header…>`): the file's own rejects as ingest stored them,
 * and the lines the latest computation of each quarter the report touches held (unknown partner,
 * product or segment, duplicate claim). Held lines are decided by the computation, not by the
 * file, so ingest cannot write them; this joins both for one reader at one moment.
 *
 * The held lines' original fields come from the raw report object (the version in force), so a
 * held row carries the same evidence as a rejected one.
 */
import Papa from 'papaparse';
import { recordsAt } from '../csv/record-scan.js';
import { RejectsCsvWriter, type RejectRow } from '../export/rejects-csv.js';
import type { ObjectStore, ReportRecord, ComputationRepository } from '../ports/index.js';
import { cachedLatestComputation } from './body-cache.js';
import type { HeldLines } from './compute-quarter.js';

export interface ReportRejectsDeps {
  objects: ObjectStore;
  computations: ComputationRepository;
}

export interface ReportRejects {
  /** The whole file in UTF-8, rows in line order. */
  csv: Buffer;
  /** Rows from the stored rejects file. */
  rejected: number;
  /** Rows for lines the computation held. */
  held: number;
}

/** A held entry's message for this reader; the default is the computation's own words. */
export type DescribeHeld = (entry: HeldLines, quarter: string) => string;

/** The held lines of one report version, from the latest computation of each quarter it touches. */
export async function heldLinesOfReport(
  deps: ReportRejectsDeps,
  record: ReportRecord,
): Promise<{ quarter: string; entry: HeldLines }[]> {
  const out: { quarter: string; entry: HeldLines }[] = [];
  for (const quarter of record.quarters ?? []) {
    // Read once for all the reports of a quarter (the body is tens of MB parsed), never changed here.
    const latest = await cachedLatestComputation(deps, quarter);
    for (const entries of Object.values(latest?.body.exceptions ?? {}))
      for (const entry of entries ?? [])
        // A computation made before the report's latest version holds lines of the old one.
        if (entry.reportId === record.reportId && entry.version === record.activeVersion)
          out.push({ quarter, entry });
  }
  return out;
}

/** The rejects file of a report with its held lines added, or null when the report has neither. */
export async function reportRejectsWithHeld(
  deps: ReportRejectsDeps,
  record: ReportRecord,
  describe: DescribeHeld = (entry) => entry.message,
): Promise<ReportRejects | null> {
  const stored = record.rejectsKey ? await storedRejects(deps.objects, record.rejectsKey) : null;
  const held = record.status === 'processed' ? await heldLinesOfReport(deps, record) : [];
  if (!held.length) {
    if (!stored?.rows.length && record.status === 'processed') return null;
    return stored ? { csv: Buffer.from(stored.text, 'utf8'), rejected: stored.rows.length, held: 0 } : null;
  }

  const messages = new Map<number, { code: string; message: string }>();
  for (const { quarter, entry } of held)
    for (const line of entry.lines) messages.set(line, { code: entry.reason, message: describe(entry, quarter) });
  const fields = await fieldsOfLines(deps.objects, record, new Set(messages.keys()));

  const rows: RejectRow[] = [
    ...(stored?.rows ?? []),
    ...[...messages].map(([line, m]) => ({ line, code: m.code, message: m.message, fields: fields.get(line) ?? [] })),
  ].sort((a, b) => a.line - b.line);
  const writer = new RejectsCsvWriter(stored?.header ?? fields.get(1) ?? null);
  try {
    for (const row of rows) writer.add(row);
    return { csv: writer.toBuffer(), rejected: stored?.rows.length ?? 0, held: messages.size };
  } finally {
    writer.dispose();
  }
}

/** The stored rejects file, parsed back into rows (ragged rows kept as they are). */
async function storedRejects(objects: ObjectStore, key: string) {
  const text = await objects.getText(key);
  const [head, ...data] = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
  const header = head && head.length > 3 ? head.slice(3) : null;
  const rows: RejectRow[] = data.map(([line, code, message, ...fields]) => ({
    line: Number(line),
    code: code ?? '',
    message: message ?? '',
    fields,
  }));
  return { text, header, rows };
}

/**
 * The original fields of the given lines (and the header, as line 1), read from the raw report: only
 * the records' ends are found in its bytes (record-scan.ts), the wanted ones alone decoded and split
 * into fields. The scan opens the object again in the rare case its bytes cannot settle a record.
 */
async function fieldsOfLines(
  objects: ObjectStore,
  record: ReportRecord,
  lines: ReadonlySet<number>,
): Promise<Map<number, string[]>> {
  const open = async () => (await objects.get(record.key, record.objectVersionId)).body;
  const { headers, fields } = await recordsAt(open, lines);
  return new Map<number, string[]>([[1, headers], ...fields]);
}
