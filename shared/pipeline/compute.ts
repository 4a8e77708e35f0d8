/**
 * Pipeline v2 (issue #12), the quarter computation as a use case: load the quarter's rules, a
 * snapshot of the reference data and the extracts of its active report versions (never a raw
 * report), and run computeQuarter over them — unless the inputs are those of the last completed
 * computation, in which case nothing is written. Otherwise it writes the payout items of partners
 * whose result changed (and deletes those of partners with nothing counted any more), the record's
 * body to the object store and, last, the small pointer item: a crash before the pointer leaves the
 * quarter to be computed again by the retry.
 *
 * One computation at a time per quarter is the queue's job (FIFO group = quarter); two running at
 * once would still converge, since both write what the same inputs give.
 */
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzipSync, gzip } from 'node:zlib';
import type { Rules } from '../domain/rules/load.js';
import { RulesBook } from '../domain/rules/load.js';
import { ExtractIntegrityError } from '../errors.js';
import { PREFIX } from '../storage-contract.js';
import type {
  Clock,
  ComputationPointer,
  ComputationRepository,
  LedgerRepository,
  ObjectStore,
  PayoutToStore,
  QuarterRepository,
  PayoutsRepository,
  ReferenceRepository,
  ReferenceWrite,
  ReportRecord,
  ReportsRepository,
  RulesRepository,
} from '../ports/index.js';
import type { AuditRepository } from '../ports/approvals.js';
import type { UploadLog } from '../ports/finance.js';
import { AsyncQueue } from './async-queue.js';
import {
  canonicalJson,
  computeQuarter,
  finishQuarter,
  partnerOutcome,
  tallyQuarter,
  type PartnerOutcome,
  type ActiveExtract,
  type ComputationRecord,
  type HeldLines,
  type HeldReason,
  type LineCounts,
  type QuarterComputation,
  type QuarterReference,
  type ReportQuarterCounts,
} from './compute-quarter.js';
import { appendCauses, reportCauses, type RecordedCause, type ReportCause } from './causes.js';
import { decodeExtract } from './extract-codec.js';
import { partnerSummaryRows, type PartnerSummaryRow } from './partner-summary.js';
import { creditPoints, finishCredits } from './quarters.js';
import { recordRulesChange } from './rules-audit.js';
import { workbenchBodyInTurns } from './workbench-body.js';
import { gzipPart, storeGzippedPart } from './workbench-part.js';

export interface ComputeDeps {
  objects: ObjectStore;
  reports: ReportsRepository;
  reference: ReferenceRepository;
  rules: RulesRepository;
  payouts: PayoutsRepository;
  computations: ComputationRepository;
  quarters: QuarterRepository;
  ledger: LedgerRepository;
  clock: Clock;
  /** Who asked for each upload, for the causes; without it a report's uploader is not recorded. */
  uploads?: UploadLog;
  /** The audit trail, for a change of the rules file; without it the change is not recorded there. */
  audit?: AuditRepository;
  /** Times a step of the computation (`rebates run --timings`); returns the function that ends it. */
  timeStep?: (name: string) => () => void;
  /**
   * False where nobody will list the quarter's watchlist or exceptions from this store (`rebates
   * run`'s temporary stack, gone once the run ends): the workbench part, a cache for those lists,
   * is then neither built nor stored. Its readers do without it in any case (workbench-part.ts).
   */
  workbenchPart?: boolean;
}

/** What a computation stores beside its pointer: everything `verify`, the API and `run` show. */
export interface ComputationBody {
  record: ComputationRecord;
  inputsHash: string;
  computedAt: string;
  causes: {
    request: string;
    /** Which key, versions and who uploaded (the key and uploader absent in bodies written before). */
    reportsChanged: (Pick<ReportCause, 'reportId' | 'from' | 'to'> & Partial<ReportCause>)[];
    referenceChanges: (ReferenceWrite & { revision?: string })[];
  };
  counts: LineCounts;
  reports: ReportQuarterCounts[];
  partners: { partnerId: string; hash: string; total: string }[];
  exceptions: Partial<Record<HeldReason, HeldLines[]>>;
  /** The partners list's rows (absent in bodies written before they were kept). */
  rows?: PartnerSummaryRow[];
}

export interface QuarterInputs {
  rules: Rules;
  reference: QuarterReference & { changes: ReferenceWrite[] };
  records: ReportRecord[];
  inputsHash: string;
}

export type ComputeOutcome =
  | { status: 'no-rules'; quarter: string }
  | {
      status: 'unchanged';
      quarter: string;
      inputsHash: string;
      /** Points entries written to finish the credits of a close cut off midway. */
      creditsFinished?: number;
    }
  | {
      status: 'computed';
      quarter: string;
      inputsHash: string;
      resultHash: string;
      partnersWritten: number;
      partnersDeleted: number;
      computation: QuarterComputation;
      /** Why the workbench part (workbench-part.ts) was not stored; the computation stands without it. */
      workbenchFailure?: unknown;
    };

/** Rules version, each report version with its extract's sha256, reference revision: the inputs. */
export function inputsHashOf(rulesVersion: string, revision: string, records: readonly ReportRecord[]): string {
  const reports = records
    .map((r) => ({ reportId: r.reportId, version: r.activeVersion, extractSha256: r.extractSha256 }))
    .sort((a, b) => (a.reportId < b.reportId ? -1 : 1));
  return createHash('sha256').update(canonicalJson({ rulesVersion, revision, reports })).digest('hex');
}

/** The quarter's rules, reference snapshot and active reports; null when the quarter has no rules. */
export async function loadQuarterInputs(deps: ComputeDeps, quarter: string): Promise<QuarterInputs | null> {
  const rules = new RulesBook(await deps.rules.loadAll()).get(quarter);
  if (!rules) return null;
  const [reference, records] = await Promise.all([deps.reference.loadSnapshot(), deps.reports.activeInQuarter(quarter)]);
  return { rules, reference, records, inputsHash: inputsHashOf(rules.version, reference.revision, records) };
}

/** The extracts of the active versions: object-store reads of extracts/, never of a raw report. */
export async function loadExtracts(
  deps: Pick<ComputeDeps, 'objects'>,
  records: readonly ReportRecord[],
  step: (name: string) => () => void = () => () => undefined,
): Promise<ActiveExtract[]> {
  return Promise.all(
    records.map(async (r) => {
      const fetched = step(`fetch extract ${r.reportId}`);
      const bytes = await deps.objects.getBytes(r.extractKey!);
      fetched();
      if (!bytes)
        throw new ExtractIntegrityError(
          `The extract of report ${r.key} (${r.extractKey}) is missing from storage. Upload the report again to rebuild it.`,
          { key: 'extract-missing', params: { report: r.key, extract: r.extractKey } },
        );
      return {
        reportId: r.reportId,
        version: r.activeVersion!,
        distributorId: r.distributorId,
        receivedAt: r.receivedAt,
        sha256: r.extractSha256!,
        extract: decodeTimed(bytes, r.extractSha256!, step(`decode extract ${r.reportId}`)),
      };
    }),
  );
}

function decodeTimed(bytes: Buffer, sha256: string, end: () => void) {
  try {
    return decodeExtract(bytes, sha256);
  } finally {
    end();
  }
}

/**
 * Compressed off the main thread, so the payout writes beside it keep going; into one big output
 * buffer (the same bytes), since each of the default 16 KB buffers waits for a turn of the main thread.
 */
async function storeBody(objects: ObjectStore, key: string, body: ComputationBody): Promise<void> {
  await objects.put(key, await gzipAsync(JSON.stringify(body), { chunkSize: 1 << 20 }), 'application/gzip');
}

export async function readComputationBody(objects: ObjectStore, key: string): Promise<ComputationBody | null> {
  const bytes = await objects.getBytes(key);
  return bytes ? (JSON.parse(gunzipSync(bytes).toString('utf8')) as ComputationBody) : null;
}

/** The latest completed computation of a quarter, with its body; null before the first. */
export async function latestComputation(
  deps: Pick<ComputeDeps, 'objects' | 'computations'>,
  quarter: string,
): Promise<{ pointer: ComputationPointer; body: ComputationBody } | null> {
  const pointer = await deps.computations.latest(quarter);
  if (!pointer) return null;
  const body = await readComputationBody(deps.objects, pointer.bodyKey);
  return body ? { pointer, body } : null;
}

/**
 * A computation about to write payouts first records, at this fixed key, which body it starts from
 * and which it will write, and the partners whose items it writes. Payout items of earlier versions
 * (shards are found by key) are found by the partners of computation bodies (they carry no index
 * keys), so an item written by a computation that never wrote its pointer must still be findable:
 * its partners are named here (markers written before they were kept name only the body, which was
 * then stored before any item).
 */
export const startedKey = (quarter: string) => `${PREFIX.computations}${quarter}/started.json`;

interface Started {
  from: string | null;
  bodyKey: string;
  partners?: string[];
}

/**
 * The body of a computation that began writing payouts on top of the latest pointer and did not
 * finish; null when there is none. (A later completed computation has already listed the items
 * and set them right, so only one started from the current pointer matters.)
 */
export async function unfinishedBodyKey(
  deps: Pick<ComputeDeps, 'objects'>,
  quarter: string,
  pointer: ComputationPointer | null,
): Promise<string | null> {
  return (await unfinishedComputation(deps, quarter, pointer))?.bodyKey ?? null;
}

/** The marker of the unfinished computation that unfinishedBodyKey names; null when there is none. */
async function unfinishedComputation(
  deps: Pick<ComputeDeps, 'objects'>,
  quarter: string,
  pointer: ComputationPointer | null,
): Promise<Started | null> {
  const bytes = await deps.objects.getBytes(startedKey(quarter));
  if (!bytes) return null;
  const started = JSON.parse(bytes.toString('utf8')) as Started;
  const current = pointer?.bodyKey ?? null;
  return started.from === current && started.bodyKey !== current ? started : null;
}

/** The partner IDs that may have a payout item of the quarter: those of its latest and any unfinished computation. */
export async function quarterPartnerIds(deps: Pick<ComputeDeps, 'objects' | 'computations'>, quarter: string): Promise<string[]> {
  const pointer = await deps.computations.latest(quarter);
  const unfinished = await unfinishedComputation(deps, quarter, pointer);
  const keys = [pointer?.bodyKey, unfinished && !unfinished.partners ? unfinished.bodyKey : null].filter(
    (k): k is string => !!k,
  );
  const bodies = await Promise.all(keys.map((k) => readComputationBody(deps.objects, k)));
  return [...new Set([...bodies.flatMap((b) => (b?.partners ?? []).map((p) => p.partnerId)), ...(unfinished?.partners ?? [])])];
}

const gzipAsync = promisify(gzip);

/** Lets what waits on the event loop (answers, the payout writer) run before the computation goes on. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How many changed items are computed between turns of the item writes. */
const WRITE_TURN = 25;

/** The body key a started marker names before the body's result hash is known: one per inputs. */
const pendingBodyKey = (quarter: string, inputsHash: string) => `${PREFIX.computations}${quarter}/pending-${inputsHash}.json.gz`;

const revisionNumber = (r: string | undefined) => Number((r ?? 'r0').slice(1)) || 0;

/** Computes a quarter unless its inputs are unchanged since the last completed computation. */
export async function computeQuarterNow(deps: ComputeDeps, quarter: string, cause: string): Promise<ComputeOutcome> {
  const running: Running = { payoutWrites: [], workbench: null, failure: null };
  try {
    return await computeQuarterWith(deps, quarter, cause, running);
  } catch (err) {
    // A failed computation ends only once its payout writes and its workbench build have: the retry
    // (or a Lambda thawed later) must never find them still going, as a late shard write overwrites
    // its whole shard. The build stops at its next slice.
    running.failure = { err };
    await Promise.allSettled([...running.payoutWrites, running.workbench]);
    throw err;
  }
}

/** What a computation has going beside its main line, for its failure to wait for. */
interface Running {
  payoutWrites: Promise<void>[];
  workbench: Promise<unknown> | null;
  /** Set once the computation has failed: the workbench build stops between slices. */
  failure: { err: unknown } | null;
}

/** The workbench build of a computation that failed meanwhile, stopped; never reaches a caller. */
class WorkbenchBuildStoppedError extends Error {
  constructor(options: ErrorOptions) {
    super('the workbench part was not built: the computation failed', options);
    this.name = 'WorkbenchBuildStoppedError';
  }
}

async function computeQuarterWith(
  deps: ComputeDeps,
  quarter: string,
  cause: string,
  running: Running,
): Promise<ComputeOutcome> {
  const { payoutWrites } = running;
  // Reads that do not depend on each other go out together. The reference snapshot is the slowest
  // (every partner, acceptance and training), so it starts at once and the rest is decided meanwhile.
  const step = deps.timeStep ?? (() => () => undefined);
  const snapshotRead = step('read the reference snapshot');
  const snapshot = deps.reference.loadSnapshot();
  snapshot.then(snapshotRead, () => undefined);
  const smallReads = step('read the rules, last pointer and report records');
  snapshot.catch(() => undefined); // awaited below, unless the quarter has no rules
  const [book, previous, records] = await Promise.all([
    deps.rules.loadAll(),
    deps.computations.latest(quarter),
    deps.reports.activeInQuarter(quarter),
  ]);
  smallReads();
  const rules = new RulesBook(book).get(quarter);
  if (!rules) return { status: 'no-rules', quarter };
  // Report versions other than the last computation's change the inputs whatever the reference
  // revision: then the extracts are read while the snapshot still loads.
  const reportsMoved = !previous || inputsHashOf(rules.version, previous.referenceRevision, records) !== previous.inputsHash;
  const early = reportsMoved ? loadExtracts(deps, records, step) : null;
  early?.catch(() => undefined); // awaited below, unless the snapshot fails first
  const reference = await snapshot;
  const inputsHash = inputsHashOf(rules.version, reference.revision, records);
  if (previous?.inputsHash === inputsHash) {
    // Unchanged inputs still finish a close cut off between its record and its last credit: its
    // request reaches here with nothing else to do.
    const creditsFinished = await finishCredits(deps, quarter);
    return { status: 'unchanged', quarter, inputsHash, ...(creditsFinished !== null ? { creditsFinished } : {}) };
  }

  // Only what changed is written: a partner's item carries the hash of its result and points. The
  // previous record's body lists them, so the stored items need not be read; after an unfinished
  // computation (or before any) the items themselves are listed.
  const beforeRead = previous ? readComputationBody(deps.objects, previous.bodyKey) : Promise.resolve(null);
  const unfinishedRead = unfinishedBodyKey(deps, quarter, previous);
  // Listing the stored items (the first computation, or after an unfinished one) goes on while the
  // extracts are read and tallied: it reads only what no step before the payout writes changes.
  const storedRead = Promise.all([beforeRead, unfinishedRead]).then(async ([before, unfinished]) =>
    before && !unfinished
      ? new Map(before.partners.map((p) => [p.partnerId, p.hash]))
      : new Map((await deps.payouts.listQuarter(quarter)).map((s) => [s.result.partnerId, s.hash])),
  );
  storedRead.catch(() => undefined); // awaited below, unless the extracts fail first
  const [extracts, before] = await Promise.all([early ?? loadExtracts(deps, records, step), beforeRead, unfinishedRead]);
  const tallyEnd = step('tally the lines');
  const tallied = tallyQuarter({ rules, reference, extracts });
  tallyEnd();
  const at = deps.clock.now().toISOString();
  // Which report versions changed is known from the tally's reports: their causes (a read of a
  // record or the upload log only for a report no longer active) are looked up beside the partners.
  const beforeReports = new Map((before?.record.reports ?? []).map((r) => [r.reportId, r.version]));
  const nowReports = new Map(tallied.ordered.map((a) => [a.reportId, a.version]));
  const reportsChanged = [...new Set([...beforeReports.keys(), ...nowReports.keys()])]
    .sort()
    .filter((id) => beforeReports.get(id) !== nowReports.get(id))
    .map((id) => ({ reportId: id, from: beforeReports.get(id) ?? null, to: nowReports.get(id) ?? null }));
  const causesRead = reportCauses(deps, reportsChanged, records);
  causesRead.catch(() => undefined); // awaited after the partners
  const stored = await storedRead;
  const present = new Set(tallied.partnerIds);
  const gone = [...stored.keys()].filter((id) => !present.has(id)).sort();

  // A changed partner's item goes to the writer as soon as it is computed, so DynamoDB stores the
  // first items while the rest are computed; the body is built meanwhile, and only the pointer below
  // waits for all of these. Before any item, the marker names every partner that may have an item
  // once this computation is done, and those whose items it deletes, so they are findable before
  // the body is stored and after a crash. It names this computation's body by its inputs: the
  // body's own name, its result hash, is known only once every partner is computed.
  const toWrite = new AsyncQueue<PayoutToStore>();
  let itemWrites: Promise<void>[] | null = null;
  // Awaited where it is called: the marker is stored before the loop computes on.
  const startWrites = async () => {
    const started: Started = { from: previous?.bodyKey ?? null, bodyKey: pendingBodyKey(quarter, inputsHash), partners: [...present, ...gone] };
    await deps.objects.put(startedKey(quarter), JSON.stringify(started), 'application/json');
    const writesEnd = step('write the payout items');
    // One write: the store merges the changed and the gone into the same shards.
    const writing = [deps.payouts.putMany(toWrite, at, { quarter, present, gone, before: stored.keys() })];
    payoutWrites.push(...writing);
    void Promise.all(writing).then(writesEnd, () => undefined);
    for (const w of writing) w.catch(() => undefined); // awaited below; a failure is not lost
    return writing;
  };
  if (gone.length) itemWrites = await startWrites();
  const outcomes: PartnerOutcome[] = [];
  const changed: PartnerOutcome[] = [];
  const partnersEnd = step('compute the partners');
  try {
    for (const id of tallied.partnerIds) {
      const p = partnerOutcome(tallied, id);
      outcomes.push(p);
      if (stored.get(id) === p.hash) continue;
      changed.push(p);
      itemWrites ??= await startWrites();
      toWrite.push({ result: p.result, points: p.points, hash: p.hash, content: p.content });
      // Every few items the writes' requests and answers get their turn.
      if (changed.length % WRITE_TURN === 0) await nextTurn();
    }
  } finally {
    toWrite.end();
    partnersEnd();
  }
  // The writer's turn first: it encodes the shards and sends them, so DynamoDB stores them while
  // the result hash and the body are worked out here, not after.
  await nextTurn();
  const finishEnd = step('finish: result hash, body and causes');
  const computation = finishQuarter(tallied, outcomes);

  const reportsCaused = await causesRead;
  const since = revisionNumber(previous?.referenceRevision);
  const referenceChanges = reference.changes.filter(
    (c) => revisionNumber((c as { revision?: string }).revision) > since,
  );
  const bodyKey = `${PREFIX.computations}${quarter}/${computation.record.resultHash}.json.gz`;
  const writes = itemWrites !== null;
  const body: ComputationBody = {
    record: computation.record,
    inputsHash,
    computedAt: at,
    causes: {
      request: cause,
      reportsChanged: reportsCaused,
      referenceChanges,
    },
    counts: computation.counts,
    reports: computation.reports,
    partners: computation.partners.map((p) => ({ partnerId: p.partnerId, hash: p.hash, total: p.result.total.toFixed(2) })),
    exceptions: computation.exceptions,
    rows: partnerSummaryRows(computation.partners, reference.partners),
  };
  const causes: RecordedCause[] = [
    ...reportsCaused,
    ...referenceChanges.map((c) => ({ kind: 'reference' as const, ...c })),
    ...(previous && previous.rulesVersion !== rules.version
      ? [{ kind: 'rules' as const, from: previous.rulesVersion, to: rules.version }]
      : []),
  ];
  finishEnd();
  const bodyEnd = step('store the body and causes');
  const bodyStored = storeBody(deps.objects, bodyKey, body).then(bodyEnd);
  // Before the pointer: a computation cut off after this retries from the same previous one.
  const rulesRecorded =
    previous && previous.rulesVersion !== rules.version
      ? recordRulesChange(deps, {
          quarter,
          from: previous.rulesVersion,
          to: rules.version,
          since: previous.inputsHash,
        })
      : null;
  const causesStored = writes
    ? appendCauses(deps.objects, {
        quarter,
        computedAt: at,
        inputsHash,
        resultHash: computation.record.resultHash,
        partners: [...changed.map((p) => p.partnerId), ...gone].sort(),
        causes,
      })
    : null;
  // The workbench part is built and compressed while the last payout items are written (the main
  // thread would only wait for them), and stored after the pointer below. It starts once the body
  // and causes are stored, and goes a slice of partners at a time: storing them and the writes'
  // answers take many short turns of the main thread, which one long build would hold up, and the
  // pointer with them.
  const workbenchBytes = deps.workbenchPart === false ? null : (async () => {
    const stored = await Promise.allSettled([bodyStored, rulesRecorded, causesStored]);
    // One of them failed, so the computation has: nothing to build.
    const failed = stored.find((s) => s.status === 'rejected');
    if (failed) throw new WorkbenchBuildStoppedError({ cause: failed.reason });
    const workbenchBuilt = step('build the workbench part');
    // Between slices: a computation that failed meanwhile waits for this build, so it stops here.
    const turn = async () => {
      await nextTurn();
      if (running.failure) throw new WorkbenchBuildStoppedError({ cause: running.failure.err });
    };
    try {
      const results = computation.partners.map((p) => p.result);
      const part = await workbenchBodyInTurns(rules, results, computation.exceptions, reference, turn);
      return await gzipPart(computation.record.resultHash, part);
    } finally {
      workbenchBuilt();
    }
  })();
  running.workbench = workbenchBytes;
  workbenchBytes?.catch(() => undefined); // awaited after the pointer; its failure fails nothing
  await Promise.all([...(itemWrites ?? []), bodyStored, rulesRecorded, causesStored]);
  // A closed quarter's points are in the ledger: what changed is credited or debited there, and
  // every partner when its close did not finish crediting.
  if ((await deps.quarters.get(quarter))?.status === 'closed') {
    await creditPoints(deps, quarter, at, [...changed.map((p) => p.partnerId), ...gone]);
    await finishCredits(deps, quarter);
  }

  const pointerEnd = step('write the pointer');
  await deps.computations.put({
    quarter,
    inputsHash,
    resultHash: computation.record.resultHash,
    rulesVersion: rules.version,
    referenceRevision: reference.revision,
    bodyKey,
    computedAt: at,
  });

  // Stored last, once every payout and the pointer are stored: what the watchlist and the exceptions are
  // worked out from. Without it their readers read the payout items, so its failure fails nothing.
  pointerEnd();
  let workbenchFailure: unknown;
  if (workbenchBytes) {
    const workbenchEnd = step('store the workbench part');
    try {
      await storeGzippedPart(deps.objects, { quarter, inputsHash }, await workbenchBytes);
    } catch (err) {
      workbenchFailure = err;
    }
    workbenchEnd();
  }
  return {
    status: 'computed',
    quarter,
    inputsHash,
    resultHash: computation.record.resultHash,
    partnersWritten: changed.length,
    partnersDeleted: gone.length,
    computation,
    ...(workbenchFailure !== undefined ? { workbenchFailure } : {}),
  };
}

/**
 * What-if: the quarter computed from the same extracts with other rules or reference data, in
 * memory; writes nothing.
 */
export async function previewComputation(
  deps: ComputeDeps,
  quarter: string,
  modify: (inputs: QuarterInputs) => { rules: Rules; reference: QuarterReference },
  /** One more extract to compute with (the what-if's extra units), or null. */
  extra?: (inputs: QuarterInputs) => ActiveExtract | null,
): Promise<{ computation: QuarterComputation; inputs: QuarterInputs } | null> {
  const inputs = await loadQuarterInputs(deps, quarter);
  if (!inputs) return null;
  const { rules, reference } = modify(inputs);
  const added = extra?.(inputs);
  const extracts = await loadExtracts(deps, inputs.records);
  const computation = computeQuarter({ rules, reference, extracts: added ? [...extracts, added] : extracts });
  return { computation, inputs };
}
