/**
 * `rebates`: the command line of the local pipeline. Every command runs the same handlers that run
 * in Lambda, on the embedded stack (DynamoDB Local + s3rver).
 */
import './env-defaults.js';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Decimal } from 'decimal.js';
import { asWrittenIn, distributorKey } from '../shared/domain/ids.js';
import { RulesBook, type Rules } from '../shared/domain/rules/load.js';
import { exportQuarter } from '../shared/pipeline/quarters.js';
import type { ClosedVerifyResult } from '../shared/pipeline/verify-closed.js';
import type { ComputationBody } from '../shared/pipeline/compute.js';
import { cachedLatestComputation } from '../shared/pipeline/body-cache.js';
import type { HeldLines } from '../shared/pipeline/compute-quarter.js';
import { reportRejectsWithHeld } from '../shared/pipeline/report-rejects.js';
import { rejectsFileName } from '../shared/pipeline/ingest.js';
import { ClosedQuarterChangeError, InputValidationError } from '../shared/errors.js';
import { closedQuarterEffect } from '../shared/pipeline/approvals.js';
import { REJECT_REASONS } from '../shared/pipeline/line-checks.js';
import {
  importReference,
  migrateAcceptances,
  type ReferenceChange,
} from '../shared/pipeline/reference-import.js';
import type { ReportRecord, StoredPayouts } from '../shared/ports/index.js';
import { checkReferenceAgainstRules } from '../shared/reference/parse.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import type { DataFolder, FileProblem, ReportFile } from '../shared/reference/types.js';
import type { Distributor, Partner } from '../shared/domain/types.js';
import type { AppDeps } from '../shared/wiring.js';
import { createProgress, type Progress } from './ui/progress.js';
import { renderTable } from './ui/table.js';
import { collectRules, machineUser, reportUploadName, startLocalRuntime, type LocalRuntime } from './runtime.js';
import { phases } from './timings.js';
import { takeEarlyDynamoLocal } from './early-start.js';
import type { RunningDynamoLocal } from './emulators.js';
import { UsageError } from './cli-program.js';
import { PREFIX, reportKey } from '../shared/storage-contract.js';
import { ApiClient, findUp, removeUpInfo, writeUpInfo, type UpInfo } from './up-client.js';
import {
  importThroughApi,
  ingestThroughApi,
  payoutLinesTable,
} from './api-commands.js';
import type { ApiServer } from './api-server.js';
import { failureJson } from '../functions/api/reject-json.js';
import type { Role } from '../shared/auth/principal.js';
import { DEFAULT_STATE } from './state-files.js';
import { requireLang, requireQuarter } from './read-commands.js';
import { explainLine, type Lang } from '../shared/domain/render/index.js';
import { fileIssueText } from '../shared/domain/render/row-issues.js';
import { int, pick } from '../shared/domain/render/format.js';
import { cliWords } from './cli-words.js';
import { LocalReportFiles } from './local-reports.js';
import { EarlyReports } from './early-reads.js';
import { RememberedPayouts } from './remembered-payouts.js';
import { upLines, upStopping } from './up-words.js';
import { commandUploader } from '../shared/domain/render/uploader.js';
import type { differenceText as DifferenceText } from '../shared/domain/render/verify.js';
import type { Difference } from '../shared/pipeline/verify.js';
import { printer } from './printer.js';

// The API server (and all of functions/api) and verify are loaded by the commands that use them:
// `rebates run` needs neither, and every module loaded before DynamoDB Local answers takes CPU
// from its start (early-start.ts).
const apiServer = () => import('./api-server.js');

const differenceSaid = (d: Difference, lang: Lang, differenceText: typeof DifferenceText) =>
  d.why ? differenceText(d.why, lang) : d.detail;

// Where they were before the reading commands moved out.
export { DEFAULT_STATE };
export { cmdExport, cmdPayouts, cmdToken } from './read-commands.js';

export const DEFAULT_PORT = 8787;


const log = (s = '') => process.stdout.write(`${s}\n`);
const note = (s: string) => process.stderr.write(`${s}\n`);

/** Each problem once: the data folder's messages may already start with their line number. */
export function problemLines(problems: FileProblem[], limit = 30, lang: Lang = 'en'): string[] {
  const lines = problems.slice(0, limit).map((p) => fileIssueText(p, lang));
  const more = problems.length - limit;
  if (more > 0) lines.push(lang === 'ru' ? `… и ещё ${int(more, 'ru')}` : `… and ${more} more`);
  return lines;
}

function printProblems(problems: FileProblem[], lang: Lang = 'en'): void {
  if (!problems.length) return;
  const n = problems.length;
  note(
    lang === 'ru'
      ? `В справочных данных ${int(n, 'ru')} ${pick(n, 'ru', { one: 'ошибка', few: 'ошибки', other: 'ошибок' })} (эти строки пропущены):`
      : `${n} problem(s) in the reference data (those rows were skipped):`,
  );
  for (const line of problemLines(problems, 30, lang)) note(`  ${line}`);
}

async function openRuntime(
  stateDir: string | undefined,
  rulesFiles: string[],
  quiet = false,
  {
    redrive = true,
    computeAfterIngest = false,
    dynamoLocal,
    lang = 'en',
    rules,
  }: {
    redrive?: boolean;
    computeAfterIngest?: boolean;
    dynamoLocal?: Promise<RunningDynamoLocal>;
    lang?: Lang;
    rules?: Promise<Rules[]>;
  } = {},
): Promise<LocalRuntime> {
  const say = cliWords(lang);
  if (!quiet) note(say.startingStack);
  const runtime = await startLocalRuntime({
    ...(stateDir ? { stateDir } : {}),
    ...(dynamoLocal ? { dynamoLocal } : {}),
    rulesFiles,
    ...(rules ? { rules } : {}),
    // A temporary state starts empty: the runtime re-drives only a state folder by default.
    ...(redrive ? {} : { redrive: false }),
    computeAfterIngest,
    onError: (what, err) => note(say.willRetry(what, (err as Error).message ?? String(err))),
  });
  const { unfinished, uploadedWhileDown, creditsFinished } = runtime.redriven;
  for (const c of creditsFinished ?? [])
    if (!quiet) note(say.closeFinished(c.quarter, c.entries));
  if (!quiet && unfinished.length) note(say.takingUp(unfinished.length));
  if (!quiet && uploadedWhileDown.length) note(say.readingUploadedWhileDown(uploadedWhileDown.length));
  return runtime;
}

/** A data folder read and checked against the rules, before any emulator starts. */
export interface CheckedFolder {
  folder: DataFolder;
  problems: FileProblem[];
}

export async function checkDataFolder(
  dir: string,
  rules: Rules[],
  quarters?: string[],
  loaded?: DataFolder,
): Promise<CheckedFolder> {
  const folder = loaded ?? (await loadDataFolder(dir));
  const book = new RulesBook(rules);
  const problems = [...folder.errors];
  for (const q of quarters ?? book.quarters)
    problems.push(...checkReferenceAgainstRules(folder.reference, book.require(q)));
  return { folder, problems };
}

/**
 * A direct import has no second person to approve a change of a closed quarter (the API keeps one
 * pending instead), so such a folder is refused; rows that change no closed quarter import as ever.
 */
async function refuseClosedQuarterChange(runtime: LocalRuntime, change: ReferenceChange): Promise<void> {
  const effect = await closedQuarterEffect(runtime.deps, change);
  if (!effect.partners.length) return;
  const partners = [...new Set(effect.partners.map((p) => p.partnerId))];
  throw new ClosedQuarterChangeError(
    `This data folder would change the payouts of closed quarter ${effect.quarters.join(', ')} by ${effect.total.toFixed(2)} RUB ` +
      `(partners ${partners.slice(0, 10).join(', ')}${partners.length > 10 ? ', …' : ''}), and a change to a closed quarter needs ` +
      'a second person to approve it. Nothing was imported. Start "rebates up" on this state folder and import beside it: ' +
      'the change then waits under Approvals for a program manager or finance user to approve it.',
    {
      key: 'closed-quarter-change',
      params: { quarters: effect.quarters, total: effect.total.toFixed(2), partners: partners.slice(0, 10), more: partners.length > 10 },
    },
  );
}

async function importDataFolder(
  runtime: LocalRuntime,
  dir: string | CheckedFolder,
  quarters?: string[],
  /** Called once the distributors are stored (they are written first), or at once when there are none. */
  onDistributors?: () => void,
  /** The language the skipped rows are listed in. */
  lang: Lang = 'en',
) {
  const { folder, problems } =
    typeof dir === 'string' ? await checkDataFolder(dir, runtime.rules, quarters) : dir;
  printProblems(problems, lang);
  const change: ReferenceChange = folder.reference;
  await refuseClosedQuarterChange(runtime, change);
  let deps = runtime.deps;
  if (onDistributors) {
    if (!change.distributors?.length) onDistributors();
    const reference = runtime.deps.reference;
    // The repository's own methods, with one hook after its distributors are put.
    const hooked: typeof reference = Object.create(reference);
    hooked.putDistributors = async (rows) => {
      await phases.time('  store distributors', () => reference.putDistributors(rows));
      onDistributors();
    };
    hooked.putPartners = (rows) => phases.time('  store partners', () => reference.putPartners(rows));
    hooked.putAcceptances = (rows, at) =>
      phases.time('  store acceptances', () => reference.putAcceptances(rows, at));
    hooked.putTrainings = (rows) => phases.time('  store trainings', () => reference.putTrainings(rows));
    hooked.putCatalog = (rows) => phases.time('  store the catalog', () => reference.putCatalog(rows));
    deps = { ...runtime.deps, reference: hooked };
  }
  const result = await importReference(deps, change, { ...(quarters ? { quarters } : {}), by: 'rebates import' });
  note(cliWords(lang).imported(result.written));
  return { folder, change, result };
}

async function uploadReports(
  runtime: LocalRuntime,
  reports: { distributorId: string; path: string; name: string }[],
  lang: Lang = 'en',
  /** Where the uploaded keys are read back from their files (LocalReportFiles). */
  localFiles?: LocalReportFiles,
  /** The reports already being read (`run`): their progress shows on the same line. */
  early?: EarlyReports,
) {
  const say = cliWords(lang);
  const sizes = await Promise.all(reports.map(async (r) => (await stat(r.path)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const read = new Map<string, { bytes: number; lines: number }>();
  const progress = createProgress({ label: say.readingReports(reports.length), unit: say.lines, lang });
  runtime.deps.onProgress = ({ key, bytesRead, records }) => {
    read.set(key, { bytes: bytesRead, lines: records });
    let bytes = 0;
    let lines = 0;
    for (const v of read.values()) {
      bytes += v.bytes;
      lines += v.lines;
    }
    // Lines are what people count; the total is estimated from the share of bytes read so far.
    const estimate = bytes > 0 ? Math.max(lines, Math.round((lines * totalBytes) / bytes)) : undefined;
    progress.update(lines, key.slice(PREFIX.incoming.length), estimate);
  };
  if (early) early.onProgress = runtime.deps.onProgress;
  const uploaded = phases.start('upload the reports to S3');
  const ingested = phases.start('read the reports (ingest)');
  const keys = reportKeys(reports).map((r) => r.key);
  // Named as an upload through the API would be, so a replaced report's cause says who sent it.
  // Recorded all at once: each waits on DynamoDB Local, behind the reference import's writes.
  const by = commandUploader(machineUser());
  await Promise.all(keys.map((key) => runtime.deps.uploads.record({ key, by, at: runtime.deps.clock.now().toISOString() })));
  for (const [i, r] of reports.entries()) {
    const key = keys[i]!;
    localFiles?.add(key, r.path);
    // Copied into the embedded S3's store, not PUT through HTTP: the object and its notification are
    // the same, but the bytes no longer pass through this process's event loop, which ingest uses.
    await runtime.uploadFile(key, r.path, /\.gz$/i.test(r.name) ? 'application/gzip' : 'text/csv');
  }
  uploaded();
  await idleWithProgress(runtime, progress, ingested, lang);
  delete runtime.deps.onProgress;
}

/** Each report file's key in the embedded S3, as uploaded. */
function reportKeys(reports: readonly ReportFile[]): { key: string; path: string }[] {
  return reports.map((r) => ({ key: reportKey(r.distributorId, reportUploadName(r.name)), path: r.path }));
}

/**
 * Waits for the pipeline, in two phases people can follow: reading the reports, then the
 * computation of the quarters they touched (the compute queue).
 */
async function idleWithProgress(
  runtime: LocalRuntime,
  reading?: Progress,
  ingested?: () => void,
  lang: Lang = 'en',
): Promise<void> {
  const work = (queue: 'ingest' | 'compute') => runtime.queueWork().find((w) => w.queue === queue)!;
  while (work('ingest').pending > 0) await new Promise((r) => setTimeout(r, 100));
  reading?.done();
  ingested?.();
  const startedAt = work('compute').completed;
  if (work('compute').pending === 0) return runtime.idle();
  const computed = phases.start('wait for the computation');
  const say = cliWords(lang);
  const computation = createProgress({ label: say.computation, unit: say.quarters, lang });
  const timer = setInterval(() => {
    const w = work('compute');
    const done = w.completed - startedAt;
    computation.update(done, undefined, done + w.pending);
  }, 100);
  try {
    await runtime.idle();
  } finally {
    clearInterval(timer);
  }
  const done = work('compute').completed - startedAt;
  computation.update(done, undefined, done);
  computation.done();
  computed();
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
  return shownOf(distributors, partners);
}

function shownOf(distributors: Distributor[], partners: Partner[]): Shown {
  const names = new Map(partners.map((p) => [p.id, p.name]));
  return {
    distributor: asWrittenIn(distributors),
    partner: asWrittenIn(partners),
    partnerName: (key) => names.get(key) ?? '',
  };
}

/** A report as people know it: its distributor as written and its name within the folder. */
const reportPath = (r: ReportRecord, shown: Shown) => `${shown.distributor(r.distributorId)}/${r.name}`;

function reportTable(reports: ReportRecord[], shown: Shown, lang: Lang = 'en'): string {
  const say = cliWords(lang);
  const h = say.headers;
  return renderTable(
    [
      { header: h.report },
      { header: h.status },
      { header: h.read, align: 'right' },
      { header: h.extracted, align: 'right' },
      { header: h.rejected, align: 'right' },
      { header: h.note },
    ],
    reports
      .map((r) => ({ r, path: reportPath(r, shown) }))
      .sort((a, b) => (a.path < b.path ? -1 : 1))
      .map(({ r, path }) => [
        path,
        say.status(r.status),
        String(r.counts?.read ?? '–'),
        String(r.counts?.extracted ?? '–'),
        String(r.counts?.rejected ?? '–'),
        r.error ? failureJson(r.error, lang).text : '',
      ]),
  );
}

/** Per quarter: extracted = counted + held, by reason; per report, the same for its lines of the quarter. */
function quarterCounts(body: ComputationBody, reports: ReportRecord[], shown: Shown, lang: Lang = 'en'): string {
  const say = cliWords(lang);
  const h = say.headers;
  const c = body.counts;
  const held = Object.entries(c.heldByReason)
    .sort((a, b) => b[1] - a[1])
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
  const byId = new Map(reports.map((r) => [r.reportId, r]));
  const table = renderTable(
    [
      { header: h.report },
      { header: h.extracted, align: 'right' },
      { header: h.counted, align: 'right' },
      { header: h.held, align: 'right' },
      { header: h.heldBecause },
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
  return `${say.quarterCounts(c.extracted, c.counted, c.held, held)}\n${table}`;
}

function rejectsTable(reports: ReportRecord[], lang: Lang = 'en'): string | null {
  const say = cliWords(lang);
  const byReason = new Map<string, number>();
  for (const r of reports)
    for (const [code, n] of Object.entries(r.counts?.byReason ?? {}))
      byReason.set(code, (byReason.get(code) ?? 0) + n);
  if (!byReason.size) return null;
  return renderTable(
    [{ header: say.headers.reason }, { header: say.headers.lines, align: 'right' }, { header: say.headers.meaning }],
    [...byReason].sort((a, b) => b[1] - a[1]).map(([code, n]) => [code, String(n), say.reasonMeaning(code, REJECT_REASONS[code as keyof typeof REJECT_REASONS] ?? '')]),
  );
}

/** The same table as `payouts` prints from the API, from the stored results of a `run`. */
function payoutsTable(results: StoredPayouts[], shown: Shown, lang: Lang = 'en'): string {
  // The table shows sums by partner and program: each partner's lines of a program are summed here
  // (exact decimals, so the same sums): the table then adds up 6,252 sums instead of 85,282 lines at 1M.
  const lines = [];
  for (const { result: r } of results) {
    const byProgram = new Map<string, Decimal>();
    for (const l of r.lines) {
      const sum = byProgram.get(l.program);
      byProgram.set(l.program, sum ? sum.plus(l.amount) : l.amount);
    }
    const partnerId = shown.partner(r.partnerId);
    const partnerName = shown.partnerName(r.partnerId);
    for (const [program, amount] of byProgram) lines.push({ partnerId, partnerName, program, amount });
  }
  return payoutLinesTable(lines, lang);
}

/**
 * Every line that pays less than its units at the plan's rate, with its explanation: a `run` keeps
 * no state to ask `payouts --partner` later, so the why is printed with the figures.
 */
function* shortfalls(results: StoredPayouts[], shown: Shown, lang: Lang): Generator<string> {
  const money = cliWords(lang).money;
  // No copy of each line with its shown ID: 35,000 spread copies at 1M lines cost more than their sentences.
  const sorted = results
    .map((s) => ({ r: s.result, shownId: shown.partner(s.result.partnerId) }))
    .sort((a, b) => (a.shownId < b.shownId ? -1 : 1));
  for (const { r, shownId } of sorted)
    for (const l of r.lines)
      if (l.explanation.reason !== null)
        yield `${shownId} ${shown.distributor(l.distributorId)} ${l.program}/${l.rateRow}: ${money(l.amount)} — ${explainLine(l, lang)}`;
}

/**
 * The deps, with a quarter's payouts and the registries already read served from memory: reading
 * them all again costs seconds.
 */
function withPayoutsRead(
  deps: AppDeps,
  quarter: string,
  results: StoredPayouts[],
  registries?: { partners: Partner[]; distributors: Distributor[] },
): AppDeps {
  const payouts = deps.payouts;
  const read: typeof payouts = Object.create(payouts);
  read.listQuarter = async (q) => (q === quarter ? results : payouts.listQuarter(q));
  if (!registries) return { ...deps, payouts: read };
  const reference: typeof deps.reference = Object.create(deps.reference);
  reference.listPartners = async () => registries.partners;
  reference.listDistributors = async () => registries.distributors;
  return { ...deps, payouts: read, reference };
}

/** The finance export as finance gets it from the API: a closed quarter from its snapshot, adjustments included. */
async function writeExport(
  deps: AppDeps,
  quarter: string,
  outDir: string,
  format: 'csv' | 'xlsx' = 'csv',
  lang: Lang = 'en',
): Promise<{ path: string; rows: number; sha256: string }> {
  const file = await exportQuarter(deps, quarter, format, lang);
  const path = join(outDir, file.fileName);
  await mkdir(outDir, { recursive: true });
  await writeFile(path, file.body);
  const rows = format === 'csv' ? nonEmptyLines(file.body) - 1 : 0;
  return { path, rows, sha256: file.sha256 };
}

/** The lines of a text file with anything on them, counted in its bytes (no 10 MB string, no array of lines). */
function nonEmptyLines(body: Buffer): number {
  let n = 0;
  let start = 0;
  for (let end = body.indexOf(0x0a); ; end = body.indexOf(0x0a, start)) {
    const stop = end === -1 ? body.length : end;
    if (stop > start) n++;
    if (end === -1) return n;
    start = end + 1;
  }
}

/**
 * Rejects files to `<out>/rejects/<distributor as written>/…`, beside the report's name: the
 * file's own rejects and the lines the computation held, so one file shows every line that does
 * not count.
 */
async function copyRejects(
  runtime: LocalRuntime,
  reports: ReportRecord[],
  outDir: string,
  shown: Shown,
): Promise<{ files: number; held: number }> {
  const byId = new Map(reports.map((r) => [r.reportId, r]));
  // The computation names the first claim by report ID; people know the report by its path.
  const describe = (entry: HeldLines, quarter: string) => {
    const first = entry.firstClaim;
    const firstReport = first && first.reportId !== entry.reportId ? byId.get(first.reportId) : undefined;
    if (!first || !firstReport) return entry.message;
    return `Service tag ${entry.tag} was already claimed in ${reportPath(firstReport, shown)}, line ${first.line}, for ${quarter}; a unit earns once.`;
  };
  let files = 0;
  let held = 0;
  // Read for all reports at once (each waits on S3 for much of its time), written in their order.
  const all = await Promise.all(
    reports.map(async (r) => (r.rejectsKey ? await reportRejectsWithHeld(runtime.deps, r, describe) : null)),
  );
  for (const [i, r] of reports.entries()) {
    const rejects = all[i];
    if (!r.rejectsKey || !rejects) continue;
    // The stored key's folder is the distributor's key (rejects/d-merl/…) and names the version;
    // people look for D-MERL and the report's own name.
    const target = join(outDir, 'rejects', shown.distributor(r.distributorId), rejectsFileName(r.name));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, rejects.csv);
    files++;
    held += rejects.held;
  }
  return { files, held };
}

function reportDeadLetters(runtime: LocalRuntime, lang: Lang = 'en'): boolean {
  const dead = runtime.deadLetters();
  for (const d of dead) note(cliWords(lang).failedLetter(d.letter.attempts, d.queue, d.letter.error));
  return dead.length > 0;
}

// ---------------------------------------------------------------- commands

export async function cmdRun(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const dynamoLocal = takeEarlyDynamoLocal();
  const data = values.data as string | undefined;
  const out = values.out as string | undefined;
  let quarter: string;
  let lang: Lang;
  try {
    if (!data || !out) throw new UsageError('run needs --data DIR and --out DIR (and --quarter Q).', [], { key: 'run-needs' });
    quarter = requireQuarter(values.quarter as string | undefined);
    lang = requireLang(values.lang);
  } catch (err) {
    await dynamoLocal?.then((d) => d.stop(), () => undefined);
    throw err;
  }
  const rulesFiles = (values.rules as string[] | undefined) ?? [];
  // The emulators take seconds to start: the data folder, then its reports, are read meanwhile
  // (early-reads.ts). One computation per quarter, after the last report, rather than one per report.
  const early = new EarlyReports((name, fn) => phases.time(name, fn));
  // Read once, for the stack and for the reports read early.
  const rulesRead = collectRules(rulesFiles);
  const [started, loaded] = await Promise.allSettled([
    phases.time('start the local stack', () =>
      openRuntime(undefined, rulesFiles, false, {
        computeAfterIngest: true,
        lang,
        rules: rulesRead,
        ...(dynamoLocal ? { dynamoLocal } : {}),
      }),
    ),
    phases.time('read the data folder', () => loadDataFolder(resolve(data))).then(async (folder) => {
      // Rules that fail to load fail the stack's start just the same; no report is read early then.
      const rules = await rulesRead.catch(() => null);
      if (rules) {
        const shown = asWrittenIn(folder.reference.distributors);
        early.start(reportKeys(folder.reports), (distributorId) => ({ rules, shown: shown(distributorId) }));
      }
      return folder;
    }),
  ]);
  if (started.status === 'rejected') {
    await early.stop();
    throw started.reason;
  }
  const runtime = started.value;
  try {
    if (loaded.status === 'rejected') throw loaded.reason;
    new RulesBook(runtime.rules).require(quarter);
    const checked = await phases.time('check the reference data against the rules', () =>
      checkDataFolder(resolve(data), runtime.rules, [quarter], loaded.value),
    );
    // Reports are read while the reference data is written: ingest needs none of it but the
    // distributors' names (for its messages), which go first. The computation waits for both.
    const release = runtime.holdComputations();
    let distributorsStored!: () => void;
    const distributors = new Promise<void>((r) => (distributorsStored = r));
    const importing = phases
      .time('import the reference data', () => importDataFolder(runtime, checked, [quarter], distributorsStored, lang))
      .finally(release);
    importing.catch(() => undefined); // awaited below; a failure must not go unhandled meanwhile
    // The uploaded reports are read back (by ingest, for the rejects files) from their files, and
    // the payouts from what the computation stored: the stack is this run's own and started empty.
    const localFiles = new LocalReportFiles();
    runtime.deps.objects = localFiles.over(runtime.deps.objects);
    runtime.deps.early = early;
    const payouts = new RememberedPayouts();
    runtime.deps.payouts = payouts.over(runtime.deps.payouts);
    // Nobody lists the watchlist or the exceptions from a stack that ends with the run.
    runtime.deps.workbenchPart = false;
    await Promise.race([distributors, importing]);
    await Promise.all([importing, uploadReports(runtime, checked.folder.reports, lang, localFiles, early)]);
    // What the tail reads is read at once; the rejects files, which read the reports again for
    // their held lines' fields, start as soon as the registries name the reports' folders.
    const reading = phases.start('read the results');
    const computedRead = phases.time('  read the computation', () => cachedLatestComputation(runtime.deps, quarter));
    computedRead.catch(() => undefined); // awaited below
    const partnersRead = phases.time('  read the partners', () => runtime.deps.reference.listPartners());
    partnersRead.catch(() => undefined); // awaited below
    const [reports, distributorList] = await Promise.all([
      phases.time('  read the report records', () => runtime.deps.reports.list({})),
      phases.time('  read the distributors', () => runtime.deps.reference.listDistributors()),
    ]);
    const outDir = resolve(out);
    // The rejects files name reports by their distributor's folder alone: no partner needed.
    const rejectsWritten = phases.time('write the rejects files', () =>
      copyRejects(runtime, reports, outDir, shownOf(distributorList, [])),
    );
    rejectsWritten.catch(() => undefined); // awaited below
    const partnerList = await partnersRead;
    const shown = shownOf(distributorList, partnerList);
    const results = payouts.stored(quarter);
    const computed = await computedRead;
    reading();
    const { path, rows } = await phases.time('write the export', () =>
      writeExport(withPayoutsRead(runtime.deps, quarter, results, { partners: partnerList, distributors: distributorList }), quarter, outDir, 'csv', lang),
    );
    // The summary is printed while the rejects files are written; only its last line needs them.
    const printed = phases.start('print the summary');

    const say = cliWords(lang);
    const print = printer();
    print.line(`\n${say.reportsHeading}`);
    print.line(reportTable(reports, shown, lang));
    const rt = rejectsTable(reports, lang);
    if (rt) print.line(`\n${say.rejectedHeading(join(outDir, 'rejects'))}\n${rt}`);
    if (computed) print.line(`\n${say.linesOfHeading(quarter)}\n${quarterCounts(computed.body, reports, shown, lang)}`);
    print.line(`\n${say.payoutsHeading(quarter)}`);
    print.line(payoutsTable(results, shown, lang));
    let headed = false;
    for (const why of shortfalls(results, shown, lang)) {
      if (!headed) print.line(`\n${say.shortfallsHeading}`);
      headed = true;
      print.line(why);
    }
    print.flush();
    const rejectFiles = await rejectsWritten;
    log(`\n${say.wrote(path, rows, rejectFiles.files, rejectFiles.held)}`);
    printed();
    return reportDeadLetters(runtime, lang) ? 1 : 0;
  } finally {
    await early.stop();
    await phases.time('stop the local stack', () => runtime.stop());
    if (values.timings) note(`\nWhere the time went\n${phases.report()}`);
  }
}

function requirePort(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PORT;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535)
    throw new UsageError(`--port takes a port number (0 picks a free one), not "${raw}".`, [], {
      key: 'port-invalid',
      params: { raw },
    });
  return port;
}

export async function cmdUp(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  const port = requirePort(values.port as string | undefined);
  const lang = requireLang(values.lang);
  const runtime = await openRuntime(stateDir, (values.rules as string[] | undefined) ?? [], false, { lang });
  let api: ApiServer | undefined;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    note(upStopping(lang));
    await removeUpInfo(stateDir);
    await api?.close();
    await runtime.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (values.data) {
    const { folder } = await importDataFolder(runtime, resolve(values.data as string), undefined, undefined, lang);
    await uploadReports(runtime, folder.reports, lang);
  }
  try {
    api = await (await apiServer()).startApiServer({ port, host: '127.0.0.1', deps: runtime.deps, stateDir });
  } catch (err) {
    await runtime.stop();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UsageError(
        `Port ${port} is already in use; choose another with --port N (0 picks a free one).`,
        [],
        { key: 'port-in-use', params: { port } },
      );
    throw err;
  }
  await writeUpInfo(stateDir, { pid: process.pid, url: api.url, port: api.port });
  const env = runtime.stack.env;
  // Only the person who started the stack sees this secret; the local S3 refuses anything unsigned.
  const lines = upLines(
    {
      s3: env.AWS_ENDPOINT_URL_S3 ?? '',
      bucket: runtime.stack.bucket,
      accessKeyId: env.AWS_ACCESS_KEY_ID ?? '',
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '',
      dynamodb: env.AWS_ENDPOINT_URL_DYNAMODB ?? '',
      table: runtime.stack.tableName,
      url: api.url,
      state: stateDir,
    },
    lang,
  );
  for (const line of lines) log(line);
  await new Promise(() => undefined);
  return 0;
}

async function withState<T>(
  values: Record<string, unknown>,
  fn: (rt: LocalRuntime) => Promise<T>,
): Promise<T> {
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  // Commands on a state folder read it as it was left; only `up` takes up unfinished work.
  const runtime = await openRuntime(stateDir, (values.rules as string[] | undefined) ?? [], true, {
    redrive: false,
    lang: requireLang(values.lang),
  });
  try {
    return await fn(runtime);
  } finally {
    await runtime.stop();
  }
}

/**
 * The API of the `up` serving the state folder, or, when none does, one served for this command
 * alone on its own stack: the output is the same either way.
 */
export async function withApi<T>(
  values: Record<string, unknown>,
  role: Role,
  fn: (api: ApiClient, up: UpInfo | null) => Promise<T>,
  extraClaims: Record<string, unknown> = {},
): Promise<T> {
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  const up = await findUp(stateDir);
  if (up) return fn(await ApiClient.signedIn(up.url, stateDir, role, extraClaims), up);
  return withState(values, async (runtime) => {
    const server = await (await apiServer()).startApiServer({ port: 0, host: '127.0.0.1', deps: runtime.deps, stateDir });
    try {
      return await fn(await ApiClient.signedIn(server.url, stateDir, role, extraClaims), null);
    } finally {
      await server.close();
    }
  });
}

export async function cmdImport(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  if (!values.data)
    throw new UsageError('import needs --data DIR (a folder with partners.csv, distributors.csv, …).', [], {
      key: 'import-needs',
    });
  const lang = requireLang(values.lang);
  const rules = await collectRules((values.rules as string[] | undefined) ?? []);
  const read = await checkDataFolder(resolve(values.data as string), rules);
  // import takes the reference files only: a folder without reports is fine here.
  const checked = { ...read, problems: read.problems.filter((p) => p.file !== 'reports') };
  // As the API does: a batch with bad rows is refused whole, unless the user says to skip them.
  if (checked.problems.length && !values.skipInvalid)
    throw new InputValidationError(
      `The reference data has ${checked.problems.length} problem(s), so nothing was imported: fix these rows, or run again with --skip-invalid to import the others.`,
      problemLines(checked.problems, Infinity),
      {
        key: 'reference-problems',
        params: {
          count: checked.problems.length,
          fileIssues: checked.problems.map(({ file, line, message, issue }) => ({ file, line, message, ...(issue ? { issue } : {}) })),
        },
      },
    );
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  if (await findUp(stateDir))
    return withApi(values, 'program', async (api) => {
      printProblems(checked.problems, lang);
      note(cliWords(lang).importedThroughUp(await importThroughApi(api, checked.folder.reference)));
      return 0;
    });
  return withState(values, async (runtime) => {
    const { result } = await importDataFolder(runtime, checked, undefined, undefined, lang);
    await idleWithProgress(runtime, undefined, undefined, lang);
    note(cliWords(lang).computationsRequested(result.computationsRequested));
    return reportDeadLetters(runtime, lang) ? 1 : 0;
  });
}

export async function cmdIngest(
  positionals: string[],
  values: Record<string, string | string[] | boolean | undefined>,
): Promise<number> {
  const file = positionals[0];
  const written = values.distributor as string | undefined;
  if (!file || !written?.trim())
    throw new UsageError('ingest needs a FILE and --distributor ID.', [], { key: 'ingest-needs' });
  // Matched in any case: --distributor D-MERL and d-merl upload to the same folder.
  const distributorId = distributorKey(written);
  const lang = requireLang(values.lang);
  const name = reportUploadName(file.split(/[\\/]/).pop()!);
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  if (await findUp(stateDir))
    return withApi(
      values,
      'distributor',
      async (api) => {
        const reports = await ingestThroughApi(api, resolve(file), name);
        log(reportTable(reports, { distributor: (id) => id, partner: (id) => id, partnerName: () => '' }, lang));
        const rt = rejectsTable(reports, lang);
        if (rt) log(`\n${rt}`);
        return reports.some((r) => r.status === 'failed') ? 1 : 0;
      },
      { 'custom:distributor': written.trim() },
    );
  return withState(values, async (runtime) => {
    await uploadReports(runtime, [{ distributorId, path: resolve(file), name }], lang);
    const reports = (await runtime.deps.reports.list({ distributorId })).filter((r) => r.name === name);
    log(reportTable(reports, await shownIds(runtime), lang));
    const rt = rejectsTable(reports, lang);
    if (rt) log(`\n${rt}`);
    const failed = reports.some((r) => r.status === 'failed');
    return reportDeadLetters(runtime, lang) || failed ? 1 : 0;
  });
}

export async function cmdVerify(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  const quarter = requireQuarter(values.quarter as string | undefined);
  const [{ verifyQuarter }, { verifyClosedQuarter }, { differenceText, differenceWhat }] = await Promise.all([
    import('../shared/pipeline/verify.js'),
    import('../shared/pipeline/verify-closed.js'),
    import('../shared/domain/render/verify.js'),
  ]);
  return withState(values, async (runtime) => {
    const lang = requireLang(values.lang);
    const say = cliWords(lang);
    const closed = await verifyClosedQuarter(runtime.deps, quarter);
    if (closed) return printClosedVerify(closed, lang, differenceText);
    const progress = createProgress({ label: say.verifying(quarter), lang });
    // verify names its steps after the reports' keys in English words: the computation, then done.
    const step = (what: string) => (what === 'computation' ? say.computation : what === 'done' ? undefined : what);
    const result = await verifyQuarter(runtime.deps, quarter, (done, total, what) =>
      progress.update(done, step(what)),
    );
    progress.done();
    log(
      say.verified({
        reports: result.reportsChecked,
        lines: result.linesRead,
        partners: result.partnersChecked,
        recomputed: say.money(result.recomputedTotal),
        stored: say.money(result.storedTotal),
      }),
    );
    if (!result.differences.length) {
      log(say.verifiedOk);
      return 0;
    }
    log(say.differences(result.differences.length));
    const h = say.differenceHeaders;
    log(
      renderTable(
        [{ header: h.what }, { header: h.subject }, { header: h.difference }],
        result.differences.map((d) => [differenceWhat(d.what, lang), d.subject, differenceSaid(d, lang, differenceText)]),
      ),
    );
    return 1;
  });
}

/** A closed quarter is checked against its snapshot: what was paid cannot be recomputed away. */
function printClosedVerify(r: ClosedVerifyResult, lang: Lang, differenceText: typeof DifferenceText): number {
  const say = cliWords(lang);
  log(
    say.closedVerified({
      quarter: r.quarter,
      at: r.closedAt,
      by: r.closedBy,
      sha256: r.sha256,
      lines: r.lines,
      total: say.money(r.total),
    }),
  );
  if (r.pendingAdjustments) log(say.correctionsBooked(r.pendingAdjustments, say.money(r.pendingAmount)));
  if (!r.differences.length) {
    log(say.closedVerifiedOk);
    return 0;
  }
  log(say.differences(r.differences.length));
  for (const d of r.differences) log(`- ${differenceSaid(d, lang, differenceText)}`);
  return 1;
}

export async function cmdMigrate(values: Record<string, string | string[] | boolean | undefined>): Promise<number> {
  return withState(values, async (runtime) => {
    const folded = await migrateAcceptances(runtime.deps);
    const lang = requireLang(values.lang);
    log(cliWords(lang).migrated(folded));
    // Items given their index keys now count: bring every quarter up to date (nothing if unchanged).
    await runtime.deps.compute.publish(runtime.rules.map((r) => ({ quarter: r.quarter, cause: 'rebates migrate' })));
    await runtime.idle();
    return reportDeadLetters(runtime, lang) ? 1 : 0;
  });
}
