/**
 * Reading rejects files back (`line,reason_code,message,<original header…>`): the first rows of one
 * report for its detail page, and the unclassified/unrated product lines of many reports grouped
 * by product — the queue a catalog mapping fixes. Files are streamed and parsing stops as soon as
 * enough is read, so a million-line rejects file costs only what is needed.
 */
import type { Duplex, Readable } from 'node:stream';
import Papa from 'papaparse';
import { mapHeader } from '../../shared/csv/header.js';
import { parseInvoiceDate } from '../../shared/csv/fields.js';
import type { RulesBook } from '../../shared/domain/rules/load.js';
import { csvPlainText } from '../../shared/export/csv-cell.js';
import type { RejectRow } from '../../shared/export/rejects-csv.js';
import type { ObjectStore, ReportsRepository } from '../../shared/ports/index.js';

const PRODUCT_CODES = ['unclassified-product', 'unrated-product'] as const;

/** Cells were neutralised against spreadsheet formulas when written; give back what the distributor sent. */
const plain = csvPlainText;

const isMissing = (err: unknown) => (err as { name?: string }).name === 'NoSuchKey';

/**
 * The records of a CSV object, read as they are consumed: Papa's stream mode honours backpressure,
 * so leaving the loop early stops reading from S3. A missing object has no records.
 */
async function* csvRecords(objects: ObjectStore, key: string): AsyncGenerator<string[]> {
  let body: Readable;
  try {
    body = (await objects.get(key)).body;
  } catch (err) {
    if (isMissing(err)) return;
    throw err;
  }
  // Decoded here as a stream, so a Cyrillic character split across chunks stays whole.
  body.setEncoding('utf8');
  const parser: Duplex = Papa.parse(Papa.NODE_STREAM_INPUT, { delimiter: ',', skipEmptyLines: true });
  body.on('error', (err) => parser.destroy(err));
  body.pipe(parser);
  try {
    for await (const record of parser) yield (record as string[]).map(plain);
  } finally {
    body.destroy();
    parser.destroy();
  }
}

function toRejectRow(row: string[]): RejectRow {
  const [line, code, message, ...fields] = row;
  return { line: Number(line), code: code ?? '', message: message ?? '', fields };
}

/** The original header of the report (may be empty) and its first `limit` rejected lines. */
export async function readRejects(objects: ObjectStore, key: string, limit: number): Promise<{ columns: string[]; rows: RejectRow[] }> {
  let columns: string[] | null = null;
  const rows: RejectRow[] = [];
  for await (const record of csvRecords(objects, key)) {
    if (columns === null) columns = record.slice(3);
    else if (rows.push(toRejectRow(record)) >= limit) break;
  }
  return { columns: columns ?? [], rows };
}

export interface ProductException {
  code: (typeof PRODUCT_CODES)[number];
  description: string;
  sku: string;
  count: number;
  distributors: string[];
  example: { reportId: string; line: number };
}

/**
 * Unclassified and unrated lines of the current reports, grouped by code, description and SKU,
 * most frequent first. With `quarter`, only lines whose invoice date falls in it.
 */
export async function collectExceptions(
  deps: { reports: ReportsRepository; objects: ObjectStore },
  book: RulesBook,
  quarter: string | undefined,
): Promise<ProductException[]> {
  const reports = (await deps.reports.list({})).filter(
    (r) => r.status === 'processed' && r.rejectsKey && PRODUCT_CODES.some((c) => (r.counts?.byReason[c] ?? 0) > 0),
  );
  const groups = new Map<string, Omit<ProductException, 'distributors'> & { distributors: Set<string> }>();

  for (const report of reports) {
    let fieldIndex: ReturnType<typeof mapHeader> | null = null;
    for await (const record of csvRecords(deps.objects, report.rejectsKey!)) {
      if (!fieldIndex) {
        fieldIndex = mapHeader(record.slice(3));
        continue;
      }
      const r = toRejectRow(record);
      const code = PRODUCT_CODES.find((c) => c === r.code);
      if (!code) continue;
      const field = (i: number | undefined) => (i === undefined ? '' : (r.fields[i] ?? '').replace(/\s+/g, ' ').trim());
      if (quarter) {
        const date = parseInvoiceDate(field(fieldIndex.invoice_date));
        if (!date.ok || book.quarterOfDate(date.value)?.quarter !== quarter) continue;
      }
      const description = field(fieldIndex.description);
      const sku = field(fieldIndex.sku);
      const key = JSON.stringify([code, description.toLowerCase(), sku.toUpperCase()]);
      const group = groups.get(key);
      if (group) {
        group.count++;
        group.distributors.add(report.distributorId);
      } else
        groups.set(key, {
          code,
          description,
          sku,
          count: 1,
          distributors: new Set([report.distributorId]),
          example: { reportId: report.reportId, line: r.line },
        });
    }
  }

  return [...groups.values()]
    .map((g) => ({ ...g, distributors: [...g.distributors].sort() }))
    .sort((a, b) => b.count - a.count || (a.description < b.description ? -1 : a.description > b.description ? 1 : 0));
}
