/**
 * `rebates`: the command line of the local pipeline. Every command runs the same handlers that run
 * in Lambda, on the embedded stack (DynamoDB Local + s3rver).
 */
import './env-defaults.js';
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Decimal } from 'decimal.js';
import { asWrittenIn, distributorKey, lineAsWritten, shownDistributorId } from '../shared/domain/ids.js';
import { normalizePartnerId } from '../shared/domain/partner-id.js';
import { RulesBook } from '../shared/domain/rules/load.js';
import type { PartnerQuarterResult } from '../shared/domain/types.js';
import { financeExportCsv } from '../shared/export/finance-csv.js';
import { exportQuarter } from '../shared/pipeline/quarters.js';
import { verifyQuarter } from '../shared/pipeline/verify.js';
import { latestComputation, type ComputationBody } from '../shared/pipeline/compute.js';
import { InputValidationError, toUserError } from '../shared/errors.js';
import { REJECT_REASONS } from '../shared/pipeline/line-checks.js';
import {
  importReference,
  migrateAcceptances,
  type ReferenceChange,
} from '../shared/pipeline/reference-import.js';
import type { ReportRecord, StoredPayouts } from '../shared/ports/index.js';
import { checkReferenceAgainstRules } from '../shared/reference/parse.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import type { FileProblem } from '../shared/reference/types.js';
import { createProgress } from './ui/progress.js';
import { formatRub, renderTable } from './ui/table.js';
import { PROJECT_ROOT, reportUploadName, startLocalRuntime, type LocalRuntime } from './runtime.js';
import { devTokenSecret, startApiServer } from './api-server.js';
import { signDevToken } from '../shared/auth/dev-token.js';
import { principalFromClaims, ROLES } from '../shared/auth/principal.js';

const DEFAULT_STATE = join(PROJECT_ROOT, '.state');
const DEFAULT_PORT = 8787;
const TOKEN_TTL_SECONDS = 12 * 60 * 60;

const USAGE = `rebates — the rebate pipeline on an embedded local AWS stack

Usage: npm run rebates -- <command> [options]

Commands:
  run --data DIR --quarter Q --out DIR [--rules FILE]
        One shot: start a temporary stack, import the data folder's reference data, upload every
        report through S3 as in AWS, wait for the pipeline, write payouts-Q.csv and the rejects
        files to --out, and print a summary.
  up [--data DIR] [--state DIR] [--rules FILE] [--port N]
        Start a long-running local stack with persistent state (default .state/), optionally
        loading a data folder, and serve the HTTP API at http://127.0.0.1:N/api/ and the
        dashboard at http://127.0.0.1:N/ (default port ${DEFAULT_PORT}; 0 picks a free one);
        prints the endpoints and "ready"; stops on Ctrl-C.
  token --role finance|program|manager|distributor [--regions R1,R2] [--distributor ID]
        [--sub NAME] [--state DIR]
                                       Print a bearer token for the API of "up" (valid 12 hours).
  import --data DIR [--state DIR]      Import a data folder's reference data (recomputes its quarters).
  ingest FILE --distributor ID [--state DIR]
                                       Upload one report and wait for its result.
  payouts --quarter Q [--partner ID] [--format table|json|csv] [--state DIR]
  export --quarter Q [--out DIR] [--format csv|xlsx] [--state DIR]
                                       Write the finance export payouts-Q.csv (or .xlsx).
  verify --quarter Q [--state DIR]     Recompute the quarter from the raw reports and prove the
                                       stored counts, tallies and payouts equal it.
  migrate [--state DIR]                Rewrite data stored by earlier versions into today's form
                                       (acceptances: one item each instead of one per program).
                                       Safe to run again; changes no payout.
  help                                 This text.

The commands other than run work on the persistent state folder; stop "up" before using them.`;

class UsageError extends InputValidationError {
  override readonly code = 'usage';
}

const log = (s = '') => process.stdout.write(`${s}\n`);
const note = (s: string) => process.stderr.write(`${s}\n`);

function printProblems(problems: FileProblem[]): void {
  if (!problems.length) return;
  note(`${problems.length} problem(s) in the reference data (those rows were skipped):`);
  for (const p of problems.slice(0, 30)) note(`  ${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`);
  if (problems.length > 30) note(`  … and ${problems.length - 30} more`);
}

function requireQuarter(q: string | undefined): string {
  if (!q || !/^\d{4}-Q[1-4]$/.test(q)) throw new UsageError('Give the quarter as --quarter 2016-Q1.');
  return q;
}

async function openRuntime(
  stateDir: string | undefined,
  rulesFiles: string[],
  quiet = false,
  computeAfterIngest = false,
): Promise<LocalRuntime> {
  if (!quiet) note('starting the local stack (DynamoDB Local, s3rver)…');
  const runtime = await startLocalRuntime({
    ...(stateDir ? { stateDir } : {}),
    rulesFiles,
    computeAfterIngest,
    onError: (what, err) => note(`  ${what}: ${(err as Error).message ?? String(err)} (will retry)`),
  });
  return runtime;
}

async function importDataFolder(
  runtime: LocalRuntime,
  dir: string,
  quarters?: string[],
  loaded?: Awaited<ReturnType<typeof loadDataFolder>>,
) {
  const folder = loaded ?? (await loadDataFolder(dir));
  const book = new RulesBook(runtime.rules);
  const problems = [...folder.errors];
  for (const q of quarters ?? book.quarters)
    problems.push(...checkReferenceAgainstRules(folder.reference, book.require(q)));
  printProblems(problems);
  const change: ReferenceChange = folder.reference;
  const result = await importReference(runtime.deps, change, { ...(quarters ? { quarters } : {}), by: 'rebates import' });
  const w = result.written;
  note(
    `imported ${w.partners} partners, ${w.distributors} distributors, ${w.acceptances} acceptances, ${w.trainings} trainings, ${w.catalog} catalog mappings`,
  );
  return { folder, change, result };
}

async function uploadReports(
  runtime: LocalRuntime,
  reports: { distributorId: string; path: string; name: string }[],
) {
  const sizes = await Promise.all(reports.map(async (r) => (await stat(r.path)).size));
  const total = sizes.reduce((a, b) => a + b, 0);
  const read = new Map<string, number>();
  const progress = createProgress({ label: `processing ${reports.length} report(s)`, total });
  runtime.deps.onProgress = ({ key, bytesRead }) => {
    read.set(key, bytesRead);
    let sum = 0;
    for (const v of read.values()) sum += v;
    progress.update(Math.min(sum, total), key.replace(/^incoming\//, ''));
  };
  for (const r of reports)
    await runtime.upload(
      `incoming/${r.distributorId}/${reportUploadName(r.name)}`,
      createReadStream(r.path),
      /\.gz$/i.test(r.name) ? 'application/gzip' : 'text/csv',
    );
  await runtime.idle();
  progress.update(total);
  progress.done('done');
  delete runtime.deps.onProgress;
}

/** Key → as written in the registry (output names IDs as written), and partner names. */
interface Shown {
  distributor: (key: string) => string;
  partner: (key: string) => string;
  partnerName: (key: string) => string;
}

async function shownIds(runtime: LocalRuntime): Promise<Shown> {
  const [distributors, partners] = await Promise.all([
    runtime.deps.reference.listDistributors(),
    runtime.deps.reference.listPartners(),
  ]);
  const names = new Map(partners.map((p) => [p.id, p.name]));
  return {
    distributor: asWrittenIn(distributors),
    partner: asWrittenIn(partners),
    partnerName: (key) => names.get(key) ?? '',
  };
}

/** A report as people know it: its distributor as written and its name within the folder. */
const reportPath = (r: ReportRecord, shown: Shown) => `${shown.distributor(r.distributorId)}/${r.name}`;

function reportTable(reports: ReportRecord[], shown: Shown): string {
  return renderTable(
    [
      { header: 'report' },
      { header: 'status' },
      { header: 'read', align: 'right' },
      { header: 'extracted', align: 'right' },
      { header: 'rejected', align: 'right' },
      { header: 'note' },
    ],
    reports
      .map((r) => ({ r, path: reportPath(r, shown) }))
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map(({ r, path }) => [
        path,
        r.status,
        String(r.counts?.read ?? '–'),
        String(r.counts?.extracted ?? '–'),
        String(r.counts?.rejected ?? '–'),
        r.error?.message ?? '',
      ]),
  );
}

/** Per quarter: extracted = counted + held, by reason; per report, the same for its lines of the quarter. */
function quarterCounts(body: ComputationBody, reports: ReportRecord[], shown: Shown): string {
  const c = body.counts;
  const held = Object.entries(c.heldByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const byId = new Map(reports.map((r) => [r.reportId, r]));
  const table = renderTable(
    [
      { header: 'report' },
      { header: 'extracted', align: 'right' },
      { header: 'counted', align: 'right' },
      { header: 'held', align: 'right' },
      { header: 'held because' },
    ],
    body.reports
      .map((r) => ({ r, path: byId.get(r.reportId) ? reportPath(byId.get(r.reportId)!, shown) : r.reportId }))
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map(({ r, path }) => [
        path,
        String(r.extracted),
        String(r.counted),
        String(r.held),
        Object.entries(r.heldByReason)
          .map(([reason, n]) => `${reason} ${n}`)
          .join(', '),
      ]),
  );
  return `extracted ${c.extracted} = counted ${c.counted} + held ${c.held}${held ? ` (${held})` : ''}\n${table}`;
}

function rejectsTable(reports: ReportRecord[]): string | null {
  const byReason = new Map<string, number>();
  for (const r of reports)
    for (const [code, n] of Object.entries(r.counts?.byReason ?? {}))
      byReason.set(code, (byReason.get(code) ?? 0) + n);
  if (!byReason.size) return null;
  return renderTable(
    [{ header: 'reject reason' }, { header: 'lines', align: 'right' }, { header: 'meaning' }],
    [...byReason]
      .sort((a, b) => b[1] - a[1])
      .map(([code, n]) => [code, String(n), REJECT_REASONS[code as keyof typeof REJECT_REASONS] ?? '']),
  );
}

function payoutsTable(results: StoredPayouts[], shown: Shown): string {
  const programs = [...new Set(results.flatMap((r) => r.result.lines.map((l) => l.program)))].sort();
  const rows = results
    .map((s) => s.result)
    .filter((r) => r.lines.length)
    .map((r) => ({ ...r, shownId: shown.partner(r.partnerId) }))
    .sort((a, b) => (a.shownId < b.shownId ? -1 : 1))
    .map((r) => {
      const byProgram = programs.map((p) =>
        formatRub(
          r.lines.filter((l) => l.program === p).reduce((sum, l) => sum.plus(l.amount), new Decimal(0)),
        ),
      );
      return [r.shownId, shown.partnerName(r.partnerId), ...byProgram, formatRub(r.total)];
    });
  const total = results.reduce((sum, s) => sum.plus(s.result.total), new Decimal(0));
  rows.push(['TOTAL', '', ...programs.map(() => ''), formatRub(total)]);
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

/**
 * Every line that pays less than its units at the plan's rate, with its explanation: a `run` keeps
 * no state to ask `payouts --partner` later, so the why is printed with the figures.
 */
function shortfalls(results: StoredPayouts[], shown: Shown): string[] {
  return results
    .map((s) => ({ ...s.result, shownId: shown.partner(s.result.partnerId) }))
    .sort((a, b) => (a.shownId < b.shownId ? -1 : 1))
    .flatMap((r) =>
      r.lines.filter((l) => l.explanation.reason !== null).map((l) => ({ ...l, shownId: r.shownId })),
    )
    .map(
      (l) =>
        `${l.shownId} ${shown.distributor(l.distributorId)} ${l.program}/${l.rateRow}: ${formatRub(l.amount)} — ${l.explanation.text}`,
    );
}

/** The finance export as finance gets it from the API: a closed quarter from its snapshot, adjustments included. */
async function writeExport(
  runtime: LocalRuntime,
  quarter: string,
  outDir: string,
  format: 'csv' | 'xlsx' = 'csv',
): Promise<{ path: string; rows: number; sha256: string }> {
  const file = await exportQuarter(runtime.deps, quarter, format);
  const path = join(outDir, file.fileName);
  await mkdir(outDir, { recursive: true });
  await writeFile(path, file.body);
  const rows = format === 'csv' ? file.body.toString('utf8').split('\n').filter(Boolean).length - 1 : 0;
  return { path, rows, sha256: file.sha256 };
}

/** Rejects files to `<out>/rejects/<distributor as written>/…`, beside the report's name. */
async function copyRejects(
  runtime: LocalRuntime,
  reports: ReportRecord[],
  outDir: string,
  shown: Shown,
): Promise<number> {
  let n = 0;
  for (const r of reports) {
    if (!r.rejectsKey || (r.counts && r.counts.rejected === 0 && r.status === 'processed')) continue;
    // The stored key's folder is the distributor's key (rejects/d-merl/…); people look for D-MERL.
    const below = r.rejectsKey.replace(/^rejects\/[^/]+\//, '');
    const target = join(outDir, 'rejects', shown.distributor(r.distributorId), below);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await runtime.deps.objects.getText(r.rejectsKey));
    n++;
  }
  return n;
}

/** A result as people read it: IDs as written, in its lines, progress and own partner ID. */
function resultAsWritten(r: PartnerQuarterResult, shown: Shown) {
  const partnerId = shown.partner(r.partnerId);
  return {
    ...r,
    partnerId,
    lines: r.lines.map(lineAsWritten),
    progress: r.progress.map((p) => ({ ...p, partnerId })),
  };
}

function reportDeadLetters(runtime: LocalRuntime): boolean {
  const dead = runtime.deadLetters();
  for (const d of dead) note(`FAILED after ${d.letter.attempts} attempts (${d.queue}): ${d.letter.error}`);
  return dead.length > 0;
}

// ---------------------------------------------------------------- commands

async function cmdRun(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const data = values.data as string | undefined;
  const out = values.out as string | undefined;
  if (!data || !out) throw new UsageError('run needs --data DIR and --out DIR (and --quarter Q).');
  const quarter = requireQuarter(values.quarter as string | undefined);
  // The emulators take seconds to start: the data folder is read meanwhile. One computation per
  // quarter, after the last report, rather than one per report.
  const [started, loaded] = await Promise.allSettled([
    openRuntime(undefined, (values.rules as string[] | undefined) ?? [], false, true),
    loadDataFolder(resolve(data)),
  ]);
  if (started.status === 'rejected') throw started.reason;
  const runtime = started.value;
  try {
    if (loaded.status === 'rejected') throw loaded.reason;
    new RulesBook(runtime.rules).require(quarter);
    const { folder } = await importDataFolder(runtime, resolve(data), [quarter], loaded.value);
    await runtime.idle();
    await uploadReports(runtime, folder.reports);
    const [reports, shown] = await Promise.all([runtime.deps.reports.list({}), shownIds(runtime)]);
    const outDir = resolve(out);
    const { path, rows } = await writeExport(runtime, quarter, outDir);
    const rejectFiles = await copyRejects(runtime, reports, outDir, shown);
    const results = await runtime.deps.payouts.listQuarter(quarter);

    log(`\nReports`);
    log(reportTable(reports, shown));
    const rt = rejectsTable(reports);
    if (rt) log(`\nRejected lines (details in ${join(outDir, 'rejects')}/)\n${rt}`);
    const computed = await latestComputation(runtime.deps, quarter);
    if (computed) log(`\nLines of ${quarter}\n${quarterCounts(computed.body, reports, shown)}`);
    log(`\nPayouts ${quarter} (RUB)`);
    log(payoutsTable(results, shown));
    const why = shortfalls(results, shown);
    if (why.length) log(`\nLines that pay less than their units, and why\n${why.join('\n')}`);
    log(`\nWrote ${path} (${rows} payout lines) and ${rejectFiles} rejects file(s).`);
    return reportDeadLetters(runtime) ? 1 : 0;
  } finally {
    await runtime.stop();
  }
}

function requirePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535)
    throw new UsageError(`--port takes a port number (0 picks a free one), not "${raw}".`);
  return port;
}

async function cmdUp(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  const port = requirePort(values.port as string | undefined);
  const runtime = await openRuntime(stateDir, (values.rules as string[] | undefined) ?? []);
  let api: Awaited<ReturnType<typeof startApiServer>> | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    note('stopping…');
    await api?.close();
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (values.data) {
    const { folder } = await importDataFolder(runtime, resolve(values.data as string));
    await uploadReports(runtime, folder.reports);
  }
  try {
    api = await startApiServer({ port, host: '127.0.0.1', deps: runtime.deps, stateDir });
  } catch (err) {
    await runtime.stop();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(
        `Port ${port} is already in use; choose another with --port N (0 picks a free one).`,
      );
    throw err;
  }
  const env = runtime.stack.env;
  log(
    `S3:        ${env.AWS_ENDPOINT_URL_S3} (bucket ${runtime.stack.bucket}; upload reports under incoming/<distributor_id>/)`,
  );
  log(`DynamoDB:  ${env.AWS_ENDPOINT_URL_DYNAMODB} (table ${runtime.stack.tableName})`);
  log(`API:       ${api.url}/api/ (bearer token: npm run rebates -- token --role finance)`);
  log(`dashboard: ${api.url}/`);
  log(`state:     ${stateDir}`);
  log('ready');
  await new Promise(() => undefined);
  return 0;
}

async function cmdToken(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const role = values.role as string | undefined;
  if (!role || !(ROLES as readonly string[]).includes(role))
    throw new UsageError(`token needs --role ${ROLES.join('|')}.`);
  const claims: Record<string, unknown> = {
    sub: (values.sub as string | undefined) ?? `local-${role}`,
    'cognito:groups': [role],
    ...(values.regions ? { 'custom:regions': values.regions } : {}),
    ...(values.distributor ? { 'custom:distributor': values.distributor } : {}),
  };
  // Caught here rather than at every request the token would be refused.
  if (role === 'manager' && !values.regions)
    throw new UsageError(
      'A manager token needs the territory: --regions R1,R2 (partner regions, e.g. Central,North-West).',
    );
  if (role === 'distributor' && !values.distributor)
    throw new UsageError('A distributor token needs --distributor ID.');
  principalFromClaims(claims);
  const secret = await devTokenSecret(resolve((values.state as string | undefined) ?? DEFAULT_STATE));
  log(signDevToken(claims, secret, TOKEN_TTL_SECONDS));
  return 0;
}

async function withState<T>(
  values: Record<string, unknown>,
  fn: (rt: LocalRuntime) => Promise<T>,
): Promise<T> {
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  const runtime = await openRuntime(stateDir, (values.rules as string[] | undefined) ?? [], true);
  try {
    return await fn(runtime);
  } finally {
    await runtime.stop();
  }
}

async function cmdImport(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  if (!values.data)
    throw new UsageError('import needs --data DIR (a folder with partners.csv, distributors.csv, …).');
  return withState(values, async (runtime) => {
    const { result } = await importDataFolder(runtime, resolve(values.data as string));
    await runtime.idle();
    note(
      `requested the computation of ${result.computationsRequested.length} quarter(s) (${result.computationsRequested.join(', ')}); no report was read again`,
    );
    return reportDeadLetters(runtime) ? 1 : 0;
  });
}

async function cmdIngest(
  positionals: string[],
  values: Record<string, string | string[] | boolean | undefined>,
): Promise<number> {
  const file = positionals[0];
  const written = values.distributor as string | undefined;
  if (!file || !written?.trim()) throw new UsageError('ingest needs a FILE and --distributor ID.');
  // Matched in any case: --distributor D-MERL and d-merl upload to the same folder.
  const distributorId = distributorKey(written);
  return withState(values, async (runtime) => {
    const name = reportUploadName(file.split(/[\\/]/).pop()!);
    await uploadReports(runtime, [{ distributorId, path: resolve(file), name }]);
    const reports = (await runtime.deps.reports.list({ distributorId })).filter((r) => r.name === name);
    log(reportTable(reports, await shownIds(runtime)));
    const rt = rejectsTable(reports);
    if (rt) log(`\n${rt}`);
    const failed = reports.some((r) => r.status === 'failed');
    return reportDeadLetters(runtime) || failed ? 1 : 0;
  });
}

async function cmdPayouts(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const quarter = requireQuarter(values.quarter as string | undefined);
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'csv'].includes(format))
    throw new UsageError('--format is one of table, json, csv.');
  const written = values.partner as string | undefined;
  // Matched as report lines are: --partner ru100103 is RU100103.
  const partner = written === undefined ? undefined : normalizePartnerId(written);
  if (partner === '') throw new UsageError('--partner needs a partner ID, e.g. --partner RU100103.');
  return withState(values, async (runtime) => {
    let results = await runtime.deps.payouts.listQuarter(quarter);
    if (partner) results = results.filter((r) => r.result.partnerId === partner);
    const shown = await shownIds(runtime);
    if (format === 'json')
      log(
        JSON.stringify(
          results.map((r) => resultAsWritten(r.result, shown)),
          null,
          2,
        ),
      );
    else if (format === 'csv')
      process.stdout.write(
        financeExportCsv(
          quarter,
          results.flatMap((r) => r.result.lines),
          shown.partnerName,
        ),
      );
    else if (partner) {
      for (const r of results) {
        for (const l of r.result.lines)
          log(
            `${shownDistributorId(l)} ${l.program}/${l.rateRow}: ${formatRub(l.amount)} — ${l.explanation.text}`,
          );
        for (const p of r.result.progress) log(`progress: ${p.summary}`);
      }
      if (!results.length) log(`No payouts stored for ${shown.partner(partner)} in ${quarter}.`);
    } else log(payoutsTable(results, shown));
    return 0;
  });
}

async function cmdExport(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const quarter = requireQuarter(values.quarter as string | undefined);
  const format = (values.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'xlsx') throw new UsageError('--format is csv or xlsx for export.');
  return withState(values, async (runtime) => {
    const { path, rows, sha256 } = await writeExport(
      runtime,
      quarter,
      resolve((values.out as string | undefined) ?? 'out'),
      format,
    );
    log(`Wrote ${path}${format === 'csv' ? ` (${rows} payout lines)` : ''}; sha256 ${sha256}.`);
    return 0;
  });
}

async function cmdVerify(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const quarter = requireQuarter(values.quarter as string | undefined);
  return withState(values, async (runtime) => {
    const progress = createProgress({ label: `verifying ${quarter}` });
    const result = await verifyQuarter(runtime.deps, quarter, (done, total, what) =>
      progress.update(done, what),
    );
    progress.done();
    log(
      `${result.reportsChecked} report(s), ${result.linesRead} lines re-read; ${result.partnersChecked} partner(s) recomputed: ` +
        `${formatRub(result.recomputedTotal)} recomputed, ${formatRub(result.storedTotal)} stored.`,
    );
    if (!result.differences.length) {
      log('Verified: the stored report counts, tallies and payouts equal the recomputation.');
      return 0;
    }
    log(`${result.differences.length} difference(s):`);
    log(
      renderTable(
        [{ header: 'what' }, { header: 'report or partner' }, { header: 'difference' }],
        result.differences.map((d) => [d.what, d.subject, d.detail]),
      ),
    );
    return 1;
  });
}

async function cmdMigrate(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  return withState(values, async (runtime) => {
    const rewritten = await migrateAcceptances(runtime.deps);
    log(
      rewritten
        ? `Rewrote ${rewritten} acceptance(s) stored one per partner and program into one item each.`
        : 'Nothing to migrate: every acceptance is already stored in an item of its own.',
    );
    // Items given their index keys now count: bring every quarter up to date (nothing if unchanged).
    await runtime.deps.compute.publish(runtime.rules.map((r) => ({ quarter: r.quarter, cause: 'rebates migrate' })));
    await runtime.idle();
    return reportDeadLetters(runtime) ? 1 : 0;
  });
}

export async function main(argv: string[]): Promise<number> {
  // A mistyped option is the user's to fix (exit 2), not an internal error.
  const { values, positionals } = (() => {
    try {
      return parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          data: { type: 'string' },
          quarter: { type: 'string' },
          out: { type: 'string' },
          rules: { type: 'string', multiple: true },
          state: { type: 'string' },
          partner: { type: 'string' },
          distributor: { type: 'string' },
          format: { type: 'string' },
          port: { type: 'string' },
          role: { type: 'string' },
          regions: { type: 'string' },
          sub: { type: 'string' },
          help: { type: 'boolean', short: 'h' },
        },
      });
    } catch (cause) {
      throw new UsageError(
        (cause as Error).message,
        ['Run "npm run rebates -- help" for the commands and options.'],
        { cause },
      );
    }
  })();
  const [command, ...rest] = positionals;
  if (!command || command === 'help' || values.help) {
    log(USAGE);
    return command || values.help ? 0 : 2;
  }
  switch (command) {
    case 'run':
      return cmdRun(values);
    case 'up':
      return cmdUp(values);
    case 'import':
      return cmdImport(values);
    case 'ingest':
      return cmdIngest(rest, values);
    case 'payouts':
      return cmdPayouts(values);
    case 'export':
      return cmdExport(values);
    case 'verify':
      return cmdVerify(values);
    case 'token':
      return cmdToken(values);
    case 'migrate':
      return cmdMigrate(values);
    default:
      throw new UsageError(`Unknown command "${command}". Run "npm run rebates -- help" for the list.`);
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('cli.ts')) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const u = toUserError(err);
      note(`error: ${u.message}`);
      for (const i of u.issues ?? []) note(`  - ${i}`);
      if (u.code === 'internal') console.error(err);
      process.exit(u.code === 'usage' ? 2 : 1);
    },
  );
}
