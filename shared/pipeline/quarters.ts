/**
 * Quarter close and the finance export (docs/api.md, "Quarter close").
 *
 * Closing freezes the quarter's effective lines as they are stored at that instant (the pipeline
 * is not paused: a report still being processed counts once its recalculation has written, i.e.
 * in a later adjustment). The snapshot body goes to S3 first, under a key named by the sha256 of
 * the body itself, then one conditional DynamoDB write marks the quarter closed and points to it:
 * - two concurrent closes each write their own object, and exactly one conditional write wins;
 *   the loser's object is an unreferenced leftover, never a body swapped under the winner's record;
 * - a crash between the two writes leaves the quarter open, so the close can simply be retried.
 *
 * After close, recalculation still updates the quarter's live payouts. The difference from what
 * was paid (the snapshot, plus corrections already frozen in later closed quarters) is booked as
 * adjustment lines in the first open quarter after it (the arithmetic: shared/domain/adjustments.ts).
 * A closed quarter with no open quarter after it keeps its pending corrections until the next
 * quarter's rules arrive.
 */
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import {
  adjustmentLine,
  contributing,
  pendingCorrections,
  totalOf,
  type EffectiveLine,
} from '../domain/adjustments.js';
import { causesOfPartner } from '../domain/causes.js';
import { creditQuarter } from '../domain/points.js';
import type { Lang } from '../domain/render/index.js';
import { RulesBook } from '../domain/rules/load.js';
import {
  InputValidationError,
  NotFoundError,
  QuarterClosedError,
  SnapshotIntegrityError,
} from '../errors.js';
import {
  financeExportCsvBytes,
  financeExportFileName,
  financeExportRows,
  financeExportTotals,
} from '../export/finance-csv.js';
import { financeExportXlsx, XLSX_CONTENT_TYPE } from '../export/xlsx.js';
import { PREFIX } from '../storage-contract.js';
import { causesSince } from './causes.js';
import type {
  ComputeQueue,
  LedgerRepository,
  ComputationRepository,
  ObjectStore,
  PayoutsRepository,
  QuarterRecord,
  QuarterRepository,
  ReferenceRepository,
  ReportRecord,
  ReportsRepository,
  RulesRepository,
} from '../ports/index.js';
import type { PaymentsRepository } from '../ports/finance.js';
import { asWrittenIn } from '../domain/ids.js';

export interface QuarterDeps {
  quarters: QuarterRepository;
  ledger: LedgerRepository;
  payouts: PayoutsRepository;
  reports: ReportsRepository;
  reference: ReferenceRepository;
  rules: RulesRepository;
  objects: ObjectStore;
  /** Payments finance recorded; the export marks them (absent: nothing marked). */
  payments?: PaymentsRepository;
  /** For which computation of each quarter a close froze (absent: causes are taken since the close time). */
  computations?: ComputationRepository;
}

export interface QuarterSnapshot {
  quarter: string;
  closedAt: string;
  closedBy: string;
  rulesVersion: string;
  /** reportId → active version used. */
  reportVersions: Record<string, string>;
  /** Partner names at close, so the export of a closed quarter stays byte-for-byte the same. */
  partnerNames: Record<string, string>;
  /** Frozen figures, including corrections of earlier quarters booked in this one. */
  lines: EffectiveLine[];
  total: Decimal;
  /** Of the canonical CSV export of `lines`. */
  sha256: string;
  /**
   * When the latest computation of each quarter ran, at close: the figures frozen here (the
   * quarter's own, and corrections of earlier ones) are those computations', so later causes are
   * the ones after them. Absent in snapshots taken before it was kept.
   */
  computedAt?: Record<string, string>;
}

export interface QuarterInfo {
  quarter: string;
  firstDay: string;
  lastDay: string;
  rulesVersion: string;
  status: 'open' | 'closed';
  closedAt?: string;
  snapshotSha256?: string;
}

export interface EffectiveLines {
  status: 'open' | 'closed';
  lines: EffectiveLine[];
  total: Decimal;
  snapshot?: QuarterSnapshot;
}

export interface QuarterExport {
  fileName: string;
  contentType: string;
  body: Buffer;
  sha256: string;
}

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const nameIn = (names: Record<string, string>) => (id: string) =>
  Object.hasOwn(names, id) ? names[id]! : '';
const isClosed = (r: QuarterRecord | null | undefined): r is QuarterRecord => r?.status === 'closed';

// ---------------------------------------------------------------- state of every quarter

interface Context {
  book: RulesBook;
  records: Map<string, QuarterRecord | null>;
  /** All report records, read once and only when needed. */
  reports: () => Promise<ReportRecord[]>;
}

async function context(deps: QuarterDeps): Promise<Context> {
  const book = new RulesBook(await deps.rules.loadAll());
  const records = new Map(
    await Promise.all(book.quarters.map(async (q) => [q, await deps.quarters.get(q)] as const)),
  );
  let reports: Promise<ReportRecord[]> | undefined;
  return { book, records, reports: () => (reports ??= deps.reports.list({})) };
}

function requireQuarter(ctx: Context, quarter: string) {
  const rules = ctx.book.get(quarter);
  if (!rules)
    throw new NotFoundError(
      `There is no quarter ${quarter}. Quarters with rules: ${ctx.book.quarters.join(', ') || 'none'}.`,
      { key: 'quarter-unknown', params: { quarter, known: ctx.book.quarters } },
    );
  return rules;
}

export async function listQuarters(deps: QuarterDeps): Promise<QuarterInfo[]> {
  const ctx = await context(deps);
  return ctx.book.quarters.map((quarter) => {
    const rules = requireQuarter(ctx, quarter);
    const record = ctx.records.get(quarter);
    const base = { quarter, firstDay: rules.firstDay, lastDay: rules.lastDay };
    return isClosed(record)
      ? {
          ...base,
          rulesVersion: record.rulesVersion,
          status: 'closed',
          closedAt: record.closedAt,
          snapshotSha256: record.sha256,
        }
      : { ...base, rulesVersion: rules.version, status: 'open' };
  });
}

// ---------------------------------------------------------------- snapshots

const DecimalString = z
  .string()
  .refine((s) => /^-?\d+(\.\d+)?$/.test(s), 'not a decimal number')
  .transform((s) => new Decimal(s));

const SnapshotBody = z.object({
  quarter: z.string(),
  closedAt: z.string(),
  closedBy: z.string(),
  rulesVersion: z.string(),
  reportVersions: z.record(z.string(), z.string()),
  partnerNames: z.record(z.string(), z.string()),
  lines: z.array(
    z.looseObject({
      quarter: z.string(),
      partnerId: z.string(),
      distributorId: z.string(),
      // As written, frozen with the figures (absent in snapshots taken before they were kept).
      partnerDisplayId: z.string().optional(),
      distributorDisplayId: z.string().optional(),
      program: z.string(),
      rateRow: z.string(),
      units: z.number().int(),
      paidUnits: z.number().int(),
      rate: DecimalString,
      amount: DecimalString,
      // Codes and params; snapshots taken before them hold English sentences, kept as stored text.
      explanation: z
        .looseObject({ code: z.string().optional(), text: z.string().optional() })
        .transform(({ text, ...e }) =>
          e.code === undefined ? { ...e, code: 'stored-text', params: { text: text ?? '' } } : e,
        ),
      warnings: z.array(
        z.union([
          z.string().transform((text) => ({ code: 'stored-text', params: { text } })),
          z.looseObject({ code: z.string() }),
        ]),
      ),
      adjustmentOf: z.string().optional(),
    }),
  ),
  total: DecimalString,
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  computedAt: z.record(z.string(), z.string()).optional(),
});

/** Its bytes, which are what is hashed: the text form would only be encoded again. */
function canonicalCsv(s: Pick<QuarterSnapshot, 'quarter' | 'lines' | 'partnerNames'>): Buffer {
  return financeExportCsvBytes(s.quarter, s.lines, nameIn(s.partnerNames), { canonical: true });
}

async function readSnapshot(objects: ObjectStore, record: QuarterRecord): Promise<QuarterSnapshot> {
  const where = `the snapshot of ${record.quarter} (${record.snapshotKey})`;
  let snapshot: QuarterSnapshot;
  try {
    const body = SnapshotBody.parse(JSON.parse(await objects.getText(record.snapshotKey)));
    snapshot = { ...body, lines: body.lines as unknown as EffectiveLine[] };
  } catch (cause) {
    throw new SnapshotIntegrityError(`Could not read ${where}.`, {
      cause,
      key: 'snapshot-unreadable',
      params: { quarter: record.quarter, file: record.snapshotKey },
    });
  }
  const actual = sha256(canonicalCsv(snapshot));
  if (snapshot.quarter !== record.quarter || actual !== record.sha256 || snapshot.sha256 !== record.sha256)
    throw new SnapshotIntegrityError(
      `${where} does not match its checksum ${record.sha256} (its lines give ${actual}).`,
      { key: 'snapshot-checksum', params: { quarter: record.quarter, file: record.snapshotKey, expected: record.sha256, actual } },
    );
  return snapshot;
}

export async function getSnapshot(deps: QuarterDeps, quarter: string): Promise<QuarterSnapshot | null> {
  const record = await deps.quarters.get(quarter);
  return isClosed(record) ? readSnapshot(deps.objects, record) : null;
}

/**
 * Closes the quarter: the snapshot, then the close record (conditional, with `creditsComplete:
 * false`), then a computation request. The points credits are not written here: one ledger write
 * per partner would outlast an API request (API Gateway's 29 s) at 10,000 partners. The request is
 * durable (SQS in AWS) and the computation credits every partner of a closed quarter whose flag is
 * false, then sets it, so the credits land once whether or not the close was cut off.
 */
export async function closeQuarter(
  deps: QuarterDeps & { compute: ComputeQueue },
  quarter: string,
  closedBy: string,
  at: Date | string,
  options: { approvalId?: string } = {},
): Promise<QuarterSnapshot> {
  const closedAt = new Date(at);
  if (Number.isNaN(closedAt.getTime()))
    throw new InputValidationError(`The closing time ${String(at)} is not a valid instant.`, [], {
      key: 'closing-time-invalid',
      params: { at: String(at) },
    });
  const ctx = await context(deps);
  const rules = requireQuarter(ctx, quarter);
  const existing = ctx.records.get(quarter);
  if (isClosed(existing)) throw closedError(existing);

  // Read first: the lines read next are at least these computations' results.
  const pointers = await Promise.all(
    ctx.book.quarters.map(async (q) => [q, (await deps.computations?.latest(q))?.computedAt] as const),
  );
  const computedAt = Object.fromEntries(pointers.filter((p): p is readonly [string, string] => !!p[1]));
  const [{ lines, total }, reports, partners] = await Promise.all([
    openLines(deps, ctx, quarter),
    ctx.reports(),
    deps.reference.listPartners(),
  ]);
  const names = new Map(partners.map((p) => [p.id, p.name]));
  const byId = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
  const partnerNames = Object.fromEntries(
    [...new Set(lines.map((l) => l.partnerId))]
      .map((id): [string, string] => [id, names.get(id) ?? ''])
      .sort(byId),
  );
  const reportVersions = Object.fromEntries(
    [...contributing(reports, quarter).values()]
      .map((r): [string, string] => [r.reportId, r.activeVersion])
      .sort(byId),
  );
  const snapshot: QuarterSnapshot = {
    quarter,
    closedAt: closedAt.toISOString(),
    closedBy,
    rulesVersion: rules.version,
    reportVersions,
    partnerNames,
    lines,
    total,
    sha256: '',
    computedAt,
  };
  snapshot.sha256 = sha256(canonicalCsv(snapshot));

  // Decimals serialise as strings (decimal.js toJSON): exact.
  const body = JSON.stringify(snapshot);
  const snapshotKey = `${PREFIX.exports}${quarter}/snapshot-${sha256(body)}.json`;
  await deps.objects.put(snapshotKey, body, 'application/json');
  const won = await deps.quarters.close({
    quarter,
    status: 'closed',
    closedAt: snapshot.closedAt,
    closedBy,
    sha256: snapshot.sha256,
    rulesVersion: snapshot.rulesVersion,
    snapshotKey,
    total: total.toFixed(2),
    creditsComplete: false,
    ...(options.approvalId ? { approvalId: options.approvalId } : {}),
  });
  if (!won) throw closedError((await deps.quarters.get(quarter)) ?? undefined, quarter);
  await deps.compute.publish([{ quarter, cause: `close of ${quarter} by ${closedBy}: credit its points` }]);
  return snapshot;
}

/**
 * Credits every partner of a closed quarter whose credits are not complete, then marks them
 * complete; returns the entries written, or null when there was nothing to finish (open, complete,
 * or closed before the flag existed). Safe to run twice at once: both write the same entries.
 */
export async function finishCredits(
  deps: Pick<QuarterDeps, 'quarters' | 'payouts' | 'reference' | 'ledger'>,
  quarter: string,
): Promise<number | null> {
  const record = await deps.quarters.get(quarter);
  if (record?.status !== 'closed' || record.creditsComplete !== false) return null;
  const written = await creditPoints(deps, quarter, record.closedAt);
  await deps.quarters.markCreditsComplete(quarter);
  return written;
}

/**
 * Brings the ledger to the pending points of a closed quarter: one entry per partner whose credit
 * differs (the credit at close, then adjustments). Deterministic entry IDs, written only if new, so
 * a retry appends nothing twice. `partnerIds` limits it (a computation passes the partners it changed).
 */
export async function creditPoints(
  deps: Pick<QuarterDeps, 'payouts' | 'reference'> & { ledger: LedgerRepository },
  quarter: string,
  at: string,
  partnerIds?: readonly string[],
): Promise<number> {
  const stored = new Map(
    (await deps.payouts.listQuarter(quarter)).map((s) => [s.result.partnerId, s.points]),
  );
  const ids = partnerIds ?? [...stored.keys()].sort();
  let written = 0;
  for (const partnerId of ids) {
    // The ledger alone: a quarter close reads it for every partner of the quarter.
    const ledger = await deps.reference.partnerLedger(partnerId);
    const entry = creditQuarter(ledger, partnerId, quarter, stored.get(partnerId) ?? [], at);
    if (!entry) continue;
    await deps.ledger.append([entry]);
    written++;
  }
  return written;
}

function closedError(record: QuarterRecord | undefined, quarter = record?.quarter): QuarterClosedError {
  const who = record ? ` on ${record.closedAt} by ${record.closedBy}` : '';
  return new QuarterClosedError(`Quarter ${quarter} is already closed${who}; its figures are frozen.`, {
    key: 'quarter-closed',
    params: { quarter: quarter ?? '', closedAt: record?.closedAt ?? null, closedBy: record?.closedBy ?? null },
  });
}

// ---------------------------------------------------------------- effective lines (adjustments booked)

export async function effectiveLines(deps: QuarterDeps, quarter: string): Promise<EffectiveLines> {
  const { effective } = await resolve(deps, quarter);
  return effective;
}

async function resolve(
  deps: QuarterDeps,
  quarter: string,
): Promise<{ effective: EffectiveLines; rulesVersion: string }> {
  const ctx = await context(deps);
  const rules = requireQuarter(ctx, quarter);
  const record = ctx.records.get(quarter);
  if (isClosed(record)) {
    const snapshot = await readSnapshot(deps.objects, record);
    return {
      effective: { status: 'closed', lines: snapshot.lines, total: snapshot.total, snapshot },
      rulesVersion: snapshot.rulesVersion,
    };
  }
  return {
    effective: { status: 'open', ...(await openLines(deps, ctx, quarter)) },
    rulesVersion: rules.version,
  };
}

const liveLines = async (deps: QuarterDeps, quarter: string) =>
  (await deps.payouts.listQuarter(quarter)).flatMap((s) => s.result.lines);

/** An open quarter's live lines, plus the corrections of the closed quarters right before it. */
async function openLines(
  deps: QuarterDeps,
  ctx: Context,
  quarter: string,
): Promise<{ lines: EffectiveLine[]; total: Decimal }> {
  const order = ctx.book.quarters;
  // This quarter is the first open one after each closed quarter of the run just before it.
  const run: QuarterRecord[] = [];
  for (let i = order.indexOf(quarter) - 1; i >= 0; i--) {
    const r = ctx.records.get(order[i]!);
    if (!isClosed(r)) break;
    run.unshift(r);
  }
  const [live, snapshots, liveOfRun] = await Promise.all([
    liveLines(deps, quarter),
    Promise.all(run.map((r) => readSnapshot(deps.objects, r))),
    Promise.all(run.map((r) => liveLines(deps, r.quarter))),
  ]);
  const lines: EffectiveLine[] = [...live];
  const withLive = snapshots.map((s, k) => ({ ...s, live: liveOfRun[k]! }));
  lines.push(...(await bookedCorrections(deps, quarter, withLive)).flatMap((c) => c.lines));
  return { lines, total: totalOf(lines) };
}

/**
 * The corrections still to pay for each closed quarter of `run` (consecutive, oldest first), as
 * adjustment lines booked in `bookedIn`, each naming the causes recorded since what was paid.
 */
async function bookedCorrections(
  deps: QuarterDeps,
  bookedIn: string,
  run: (QuarterSnapshot & { live: readonly EffectiveLine[] })[],
): Promise<{ of: string; lines: EffectiveLine[] }[]> {
  const out: { of: string; lines: EffectiveLine[] }[] = [];
  for (const { closed, deltas } of pendingCorrections(run)) {
    // Paid so far: the close, and corrections frozen by the closes after it; causes after those.
    const since = run
      .slice(run.findIndex((s) => s.quarter === closed.quarter))
      .map((s) => s.computedAt?.[closed.quarter] ?? s.closedAt)
      .reduce((t, at) => (at > t ? at : t), '');
    const entries = await causesSince(deps.objects, closed.quarter, since);
    out.push({
      of: closed.quarter,
      lines: deltas.map((d) => {
        const causes = causesOfPartner(entries, d.ref.partnerId);
        return adjustmentLine(bookedIn, closed.quarter, d, causes.length ? causes : [{ kind: 'not-recorded' }], causes);
      }),
    });
  }
  return out;
}

export interface ClosedQuarterView {
  snapshot: QuarterSnapshot;
  /** Corrections of this quarter frozen in later closed quarters (each line's `quarter` says which). */
  frozenAdjustments: EffectiveLine[];
  /** Corrections found since, not yet frozen: booked in `bookedIn` (null until a later quarter has rules). */
  pendingAdjustments: EffectiveLine[];
  bookedIn: string | null;
  /** The live recalculation, for the explicit view of pending corrections. */
  live: EffectiveLine[];
}

/** A closed quarter: its frozen figures, and the corrections of it booked since, apart; null when open. */
export async function closedQuarterView(deps: QuarterDeps, quarter: string): Promise<ClosedQuarterView | null> {
  const ctx = await context(deps);
  requireQuarter(ctx, quarter);
  const order = ctx.book.quarters;
  const run: QuarterRecord[] = [];
  let bookedIn: string | null = null;
  for (let i = order.indexOf(quarter); i < order.length; i++) {
    const r = ctx.records.get(order[i]!);
    if (!isClosed(r)) {
      bookedIn = order[i]!;
      break;
    }
    run.push(r);
  }
  if (!run.length) return null;
  const [snapshots, live] = await Promise.all([
    Promise.all(run.map((r) => readSnapshot(deps.objects, r))),
    liveLines(deps, quarter),
  ]);
  const [snapshot, ...later] = snapshots;
  // Only this quarter's pending corrections: the later closed quarters only say what was paid for it.
  const withLive = snapshots.map((s, k) => ({
    ...s,
    live: k === 0 ? live : s.lines.filter((l) => l.adjustmentOf === undefined),
  }));
  const pending = (await bookedCorrections(deps, bookedIn ?? quarter, withLive)).find((c) => c.of === quarter);
  return {
    snapshot: snapshot!,
    frozenAdjustments: later.flatMap((s) => s.lines.filter((l) => l.adjustmentOf === quarter)),
    pendingAdjustments: pending?.lines ?? [],
    bookedIn,
    live,
  };
}

// ---------------------------------------------------------------- export

/**
 * The finance export of the quarter's effective figures. `lang` is the language of its sentences
 * (an adjustment's causes and explanation), as the API renders them for the same reader.
 */
export async function exportQuarter(
  deps: QuarterDeps,
  quarter: string,
  format: 'csv' | 'xlsx',
  lang: Lang = 'en',
): Promise<QuarterExport> {
  if (format !== 'csv' && format !== 'xlsx')
    throw new InputValidationError(`Unknown export format "${String(format)}": use csv or xlsx.`, [], {
      key: 'export-format',
      params: { format: String(format) },
    });
  const { effective, rulesVersion } = await resolve(deps, quarter);
  const { snapshot, lines } = effective;
  const [partners, distributors, payments] = await Promise.all([
    deps.reference.listPartners(),
    deps.reference.listDistributors(),
    deps.payments?.listQuarter(quarter) ?? [],
  ]);
  const registryName = nameIn(Object.fromEntries(partners.map((p) => [p.id, p.name])));
  const partnerName = snapshot ? nameIn(snapshot.partnerNames) : registryName;
  const csvName = financeExportFileName(quarter);
  let file: Omit<QuarterExport, 'sha256'>;
  if (format === 'csv') {
    file = {
      fileName: csvName,
      contentType: 'text/csv; charset=utf-8',
      body: financeExportCsvBytes(quarter, lines, partnerName, { payments, lang }),
    };
  } else {
    const [partnerShown, distributorShown] = [asWrittenIn(partners), asWrittenIn(distributors)];
    // One truth (issue #14): a closed quarter's figures stay frozen, and the corrections found since
    // are listed apart. The CSV leaves them out: a ledger imports its every row as this quarter's.
    const since = snapshot ? await closedQuarterView(deps, quarter) : null;
    // A partner first paid by a correction has no name in the snapshot.
    const correctionName = (id: string) => partnerName(id) || registryName(id);
    const correctionRows = (ls: readonly EffectiveLine[], frozen: boolean) =>
      financeExportRows(quarter, ls, correctionName, [], lang).map((r) => ({ ...r, frozen }));
    const body = financeExportXlsx({
      quarter,
      rows: financeExportRows(quarter, lines, partnerName, payments, lang),
      totals: financeExportTotals(lines),
      rulesVersion,
      payments: payments.map((p) => ({
        ...p,
        partnerShown: partnerShown(p.partnerId),
        distributorShown: distributorShown(p.distributorId),
      })),
      ...(snapshot
        ? { closed: { at: snapshot.closedAt, by: snapshot.closedBy, sha256: snapshot.sha256 } }
        : {}),
      ...(since
        ? {
            correctionsSince: {
              rows: [...correctionRows(since.frozenAdjustments, true), ...correctionRows(since.pendingAdjustments, false)],
              bookedIn: since.bookedIn,
            },
          }
        : {}),
      lang,
    });
    file = { fileName: csvName.replace(/\.csv$/, '.xlsx'), contentType: XLSX_CONTENT_TYPE, body };
  }
  return { ...file, sha256: sha256(file.body) };
}
