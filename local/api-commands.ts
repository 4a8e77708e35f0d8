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
import { renderTable } from './ui/table.js';
import { AppError } from '../shared/errors.js';
import type { ApiClient } from './up-client.js';
import { cliWords, type SentRows } from './cli-words.js';
import type { Lang } from '../shared/domain/render/format.js';

export class IngestWaitError extends AppError {
  readonly code = 'ingest-wait';
}

export class EvaluationWaitError extends AppError {
  readonly code = 'evaluation-wait';
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

/** The finance export's CSV of the lines given (IDs already as written), causes worded in `lang`. */
export function linesCsv(quarter: string, lines: PayoutLineJson[], lang: 'en' | 'ru' = 'en'): string {
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
    { lang },
  );
}

/** Partners × programs, with a TOTAL row: the same table `run` prints. */
/** What the payouts table needs of a line: the API's lines, or a stored result's (`rebates run`). */
export type TableLine = Pick<PayoutLineJson, 'partnerId' | 'partnerName' | 'program'> & { amount: Decimal.Value };

export function payoutLinesTable(lines: TableLine[], lang: Lang = 'en'): string {
  const say = cliWords(lang);
  const programs = [...new Set(lines.map((l) => l.program))].sort();
  const byPartner = new Map<string, TableLine[]>();
  for (const l of lines) {
    const list = byPartner.get(l.partnerId);
    if (list) list.push(l);
    else byPartner.set(l.partnerId, [l]);
  }
  const sum = (ls: TableLine[]) => ls.reduce((s, l) => s.plus(l.amount), new Decimal(0));
  const zero = new Decimal(0);
  const rows = [...byPartner]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([id, ls]) => {
      // Each program's sum in one pass over the partner's lines (10,000 partners in a `run`).
      const byProgram = new Map<string, Decimal>();
      for (const l of ls) byProgram.set(l.program, (byProgram.get(l.program) ?? zero).plus(l.amount));
      return [
        id,
        ls[0]!.partnerName ?? '',
        ...programs.map((p) => say.money(byProgram.get(p) ?? zero)),
        say.money(sum(ls)),
      ];
    });
  rows.push([say.totalRow, '', ...programs.map(() => ''), say.money(sum(lines))]);
  return renderTable(
    [
      { header: say.headers.partner },
      { header: say.headers.name },
      ...programs.map((p) => ({ header: say.program(p), align: 'right' as const })),
      { header: say.headers.total, align: 'right' },
    ],
    rows,
  );
}

/** The data folder's rows as the API's JSON rows, in an order where every row's partner is known first. */
export async function importThroughApi(api: ApiClient, ref: ReferenceData): Promise<SentRows[]> {
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
  const done: SentRows[] = [];
  for (const [kind, rows] of sets) {
    if (!rows.length) continue;
    const answer = await api.json<{ change?: { id: string; status: string }; note?: string }>(
      'PUT',
      `/reference/${kind}`,
      { rows },
    );
    if (!answer.change) {
      done.push({ kind, rows: rows.length, outcome: 'written' });
      continue;
    }
    // With a quarter closed the change is checked against it first; the next kind may name rows of
    // this one (acceptances name partners), so wait for the outcome before sending it.
    const settled = await evaluatedChange(api, answer.change.id);
    done.push(
      settled.status === 'applied'
        ? { kind, rows: rows.length, outcome: 'checked' }
        : settled.status === 'pending'
          ? {
              kind,
              rows: rows.length,
              outcome: 'pending',
              id: settled.id,
              quarters: settled.quarters ?? [],
              totalRub: settled.effect?.totalRub,
            }
          : { kind, rows: rows.length, outcome: 'other', id: settled.id, status: settled.status },
    );
  }
  return done;
}

interface ChangeApproval {
  id: string;
  status: string;
  quarters?: string[];
  effect?: { totalRub: string };
}

const EVALUATION_WAIT_MS = 10 * 60 * 1000;

/** `GET /approvals` comes a page at a time, newest first: the pages are read until the one asked for. */
async function approvalById(api: ApiClient, id: string): Promise<ChangeApproval | undefined> {
  let cursor: string | null = null;
  do {
    const path: string = `/approvals?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res: { approvals: ChangeApproval[]; page?: { nextCursor: string | null } } = await api.json('GET', path);
    const found = res.approvals.find((a) => a.id === id);
    if (found) return found;
    cursor = res.page?.nextCursor ?? null;
  } while (cursor);
  return undefined;
}

/** The change's approval once `up` has checked it against the closed quarters. */
async function evaluatedChange(api: ApiClient, id: string): Promise<ChangeApproval> {
  const deadline = Date.now() + EVALUATION_WAIT_MS;
  while (Date.now() < deadline) {
    const found = await approvalById(api, id);
    if (found && found.status !== 'evaluating') return found;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new EvaluationWaitError(
    `The change ${id} is still being checked against the closed quarters after ${EVALUATION_WAIT_MS / 60_000} minutes; ` +
      'see `approvals` later. The rows after it were not sent.',
    { key: 'evaluation-wait', params: { id, minutes: EVALUATION_WAIT_MS / 60_000 } },
  );
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
    { key: 'ingest-wait', params: { name, minutes: WAIT_MS / 60_000 } },
  );
}
