/**
 * The commands' work done through the HTTP API (of `up`, or one served for the command alone):
 * the answers' shapes as docs/api.md gives them, and how the CLI shows them.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { Decimal } from 'decimal.js';
import type { PayoutLine } from '../shared/domain/types.js';
import { financeExportCsv } from '../shared/export/finance-csv.js';
import type { ReportRecord } from '../shared/ports/index.js';
import type { ReferenceData } from '../shared/reference/types.js';
import { formatRub, renderTable } from './ui/table.js';
import { AppError } from '../shared/errors.js';
import type { ApiClient } from './up-client.js';

export class IngestWaitError extends AppError {
  readonly code = 'ingest-wait';
}

/** `PayoutLineJson` of docs/api.md: amounts as strings with two decimals, IDs as written, sentences in the asked language. */
export type PayoutLineJson = Omit<PayoutLine, 'rate' | 'amount' | 'explanation' | 'warnings'> & {
  rate: string;
  amount: string;
  explanation: PayoutLine['explanation'] & { text: string };
  warnings: string[];
  partnerName: string | null;
  region: string | null;
  adjustment?: { ofQuarter: string };
};

/** Of a closed quarter (issue #14): who closed it, when, and the snapshot's checksum. */
export interface ClosedMark {
  by: string;
  at: string;
  sha256: string;
  total: string;
  correctionsBookedIn: string | null;
}

export interface PayoutsAnswer {
  quarter: string;
  status: string;
  view?: string;
  closed?: ClosedMark;
  lines: PayoutLineJson[];
  total: string;
  adjustments?: (PayoutLineJson & { bookedIn: string; frozen: boolean })[];
  adjustmentsTotal?: string;
}

export interface PartnerAnswer {
  partner: { id: string; name: string };
  quarter: string;
  status?: string;
  view?: string;
  closed?: ClosedMark;
  adjustments?: (PayoutLineJson & { bookedIn: string; frozen: boolean })[];
  lines: PayoutLineJson[];
  progress: { summary: string }[];
  total: string;
}

/** The finance export's CSV of the lines given (IDs already as written). */
export function linesCsv(quarter: string, lines: PayoutLineJson[]): string {
  const names = new Map(lines.map((l) => [l.partnerId, l.partnerName ?? '']));
  return financeExportCsv(
    quarter,
    lines.map(({ adjustment, partnerName: _n, region: _r, warnings: _w, ...l }) => ({
      ...l,
      warnings: [],
      rate: new Decimal(l.rate),
      amount: new Decimal(l.amount),
      ...(adjustment ? { adjustmentOf: adjustment.ofQuarter } : {}),
    })),
    (id) => names.get(id) ?? '',
  );
}

/** Partners × programs, with a TOTAL row: the same table `run` prints. */
/** What the payouts table needs of a line: the API's lines, or a stored result's (`rebates run`). */
export type TableLine = Pick<PayoutLineJson, 'partnerId' | 'partnerName' | 'program'> & { amount: Decimal.Value };

export function payoutLinesTable(lines: TableLine[]): string {
  const programs = [...new Set(lines.map((l) => l.program))].sort();
  const byPartner = new Map<string, TableLine[]>();
  for (const l of lines) byPartner.set(l.partnerId, [...(byPartner.get(l.partnerId) ?? []), l]);
  const sum = (ls: TableLine[]) => ls.reduce((s, l) => s.plus(l.amount), new Decimal(0));
  const rows = [...byPartner]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([id, ls]) => [
      id,
      ls[0]!.partnerName ?? '',
      ...programs.map((p) => formatRub(sum(ls.filter((l) => l.program === p)))),
      formatRub(sum(ls)),
    ]);
  rows.push(['TOTAL', '', ...programs.map(() => ''), formatRub(sum(lines))]);
  return renderTable(
    [
      { header: 'partner' },
      { header: 'name' },
      ...programs.map((p) => ({ header: p, align: 'right' as const })),
      { header: 'total', align: 'right' },
    ],
    rows,
  );
}

/** The data folder's rows as the API's JSON rows, in an order where every row's partner is known first. */
export async function importThroughApi(api: ApiClient, ref: ReferenceData): Promise<string> {
  const sets: [string, unknown[]][] = [
    ['partners', ref.partners.map((p) => ({ id: p.displayId, name: p.name, status: p.status, region: p.region }))],
    ['distributors', ref.distributors.map((d) => ({ id: d.displayId, name: d.name, segments: d.segments }))],
    ['catalog', ref.catalog.map((c) => ({ sku: c.sku, program: c.program, rateRow: c.rateRow }))],
    [
      'acceptances',
      ref.acceptances.map((a) => ({ partnerId: a.partnerId, program: a.program, plan: a.plan, acceptedAt: a.acceptedAt })),
    ],
    [
      'trainings',
      ref.trainings.map((t) => ({ partnerId: t.partnerId, courseCode: t.courseCode, completedAt: t.completedAt })),
    ],
  ];
  const done: string[] = [];
  for (const [kind, rows] of sets) {
    if (!rows.length) continue;
    const answer = await api.json<{ approval?: { id: string }; note?: string }>('PUT', `/reference/${kind}`, { rows });
    // A change of a closed quarter is kept for approval, not written: say so instead of "imported".
    done.push(answer.approval ? `${rows.length} ${kind} waiting for approval (${answer.approval.id}: ${answer.note})` : `${rows.length} ${kind}`);
  }
  return done.join(', ') || 'nothing (the folder has no rows)';
}

const POLL_MS = 200;
const WAIT_MS = 30 * 60 * 1000;

/**
 * Uploads a report as a distributor does (a presigned PUT from `POST /uploads`) and waits until
 * `up` has read it. Its partners' computation goes on in `up` afterwards.
 */
export async function ingestThroughApi(api: ApiClient, path: string, name: string): Promise<ReportRecord[]> {
  const upload = await api.json<{ url: string }>('POST', '/uploads', { name });
  const body = await readFile(path);
  // A single PUT's ETag is the MD5 of its bytes: it tells this upload's record from an earlier one.
  const etag = createHash('md5').update(body).digest('hex');
  const put = await fetch(upload.url, { method: 'PUT', body });
  if (!put.ok) throw new Error(`The upload was refused: ${put.status} ${await put.text()}`);
  const deadline = Date.now() + WAIT_MS;
  while (Date.now() < deadline) {
    const { reports } = await api.json<{ reports: ReportRecord[] }>('GET', '/reports');
    const mine = reports.filter((r) => r.name === name && r.etag === etag);
    if (mine.length && mine.every((r) => r.status === 'processed' || r.status === 'failed')) return mine;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  throw new IngestWaitError(
    `"rebates up" has not finished ${name} in ${WAIT_MS / 60_000} minutes; see its status on the dashboard's reports page.`,
  );
}
