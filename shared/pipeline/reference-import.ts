/**
 * Reference data changes (partners, distributors, acceptances, trainings, catalog): the rows are
 * written, the reference revision is bumped (one item, naming what changed and by whom), and a
 * computation is requested for every quarter that has rules and is still open. No report is read
 * again and no partner recalculated here: the quarter computation (compute.ts) decides from the
 * stored extracts, so the caller (an API request, `rebates import`) returns at once.
 */
import { RulesBook } from '../domain/rules/load.js';
import { referenceTextProblems } from '../domain/text-limits.js';
import { InputValidationError, ReferenceBucketFullError, ReferenceWriteError } from '../errors.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';
import type { Clock, ComputeQueue, MigratedRows, ReferenceRepository, RulesRepository } from '../ports/index.js';
import { describeRows } from './reference-rows.js';

export interface ReferenceChange {
  partners?: Partner[];
  distributors?: Distributor[];
  acceptances?: Acceptance[];
  trainings?: Training[];
  catalog?: CatalogEntry[];
}

export interface ReferenceImportDeps {
  reference: ReferenceRepository;
  rules: RulesRepository;
  compute: ComputeQueue;
  /** Stamps acceptances with when they were recorded. */
  clock: Clock;
}

export interface ReferenceImportResult {
  written: Record<keyof ReferenceChange, number>;
  revision: string | null;
  /** Quarters whose computation was requested. */
  computationsRequested: string[];
}

const KINDS = ['partners', 'distributors', 'acceptances', 'trainings', 'catalog'] as const;

/** In plain words, for the computation's causes: "2 partners, 1 catalog mapping". */
function describeChange(change: ReferenceChange): string {
  const words: Record<(typeof KINDS)[number], [string, string]> = {
    partners: ['partner', 'partners'],
    distributors: ['distributor', 'distributors'],
    acceptances: ['acceptance', 'acceptances'],
    trainings: ['training', 'trainings'],
    catalog: ['catalog mapping', 'catalog mappings'],
  };
  return KINDS.filter((k) => change[k]?.length)
    .map((k) => {
      const rows = change[k]!;
      const [one, many] = words[k];
      const named =
        k === 'catalog'
          ? (rows as CatalogEntry[]).map((c) => c.sku)
          : k === 'acceptances' || k === 'trainings'
            ? (rows as { partnerId: string }[]).map((r) => r.partnerId)
            : (rows as { displayId: string }[]).map((r) => r.displayId);
      const shown = [...new Set(named)].slice(0, 5).join(', ');
      return `${rows.length} ${rows.length === 1 ? one : many} (${shown}${new Set(named).size > 5 ? ', …' : ''})`;
    })
    .join(', ');
}

/** Refuses a change with any value too long to store, before anything is written. */
export function refuseTooLongValues(change: ReferenceChange): void {
  const problems = referenceTextProblems(change);
  if (problems.length)
    throw new InputValidationError(
      `${problems.length} value(s) are too long to store; nothing was written.`,
      problems.slice(0, 50),
      { key: 'values-too-long', params: { count: problems.length } },
    );
}

/**
 * Writes the rows and requests the computations; `quarters` limits them (default: every quarter
 * with rules). `by` names who made the change.
 */
export async function importReference(
  deps: ReferenceImportDeps,
  change: ReferenceChange,
  options: { quarters?: readonly string[]; by?: string } = {},
): Promise<ReferenceImportResult> {
  const { reference } = deps;
  // Everything is checked before the first write: a change with any bad row writes nothing.
  refuseTooLongValues(change);
  const at = deps.clock.now().toISOString();
  // A full bucket of any kind stops the import before its first write, not after earlier kinds.
  await reference.checkRoom(change, at);
  // What the rows replace, read before they are written: the causes name before and after.
  const described = await describeRows(reference, change);
  // Distributors first: ingest needs their names as written (for its messages) and nothing else, so
  // `rebates run` reads the reports while the rest is written.
  const writes: [what: string, rows: number, write: () => Promise<void>][] = [
    ['distributors', change.distributors?.length ?? 0, () => reference.putDistributors(change.distributors!)],
    ['partners', change.partners?.length ?? 0, () => reference.putPartners(change.partners!)],
    ['acceptances', change.acceptances?.length ?? 0, () => reference.putAcceptances(change.acceptances!, at)],
    ['trainings', change.trainings?.length ?? 0, () => reference.putTrainings(change.trainings!)],
    ['catalog', change.catalog?.length ?? 0, () => reference.putCatalog(change.catalog!)],
  ];
  // One kind after another, so a failure can say which kinds are whole, which partly written.
  const done: string[] = [];
  for (const [what, rows, write] of writes) {
    if (!rows) continue;
    try {
      await write();
    } catch (cause) {
      // A full bucket here means another writer filled it since checkRoom: the kinds stored get
      // their revision and computations, then this stops as any write failure does (sent again,
      // the rows are refused by checkRoom before anything is written).
      if (cause instanceof ReferenceBucketFullError && done.length)
        await recordChange(deps, pickKinds(change, done), at, described, options).catch(() => undefined);
      throw new ReferenceWriteError(
        `The import stopped partway: the database refused a write while storing ${what}, so some of ` +
          `these ${rows} row(s) may be stored and others not${done.length ? ` (${done.join(' and ')} were stored whole)` : ''}. ` +
          'Nothing needs undoing: send the same rows again, which is safe to repeat.',
        { cause, key: 'import-stopped', params: { what, rows, done: [...done] } },
      );
    }
    done.push(what);
  }
  const written = Object.fromEntries(KINDS.map((k) => [k, change[k]?.length ?? 0])) as ReferenceImportResult['written'];
  if (!KINDS.some((k) => written[k])) return { written, revision: null, computationsRequested: [] };
  return { written, ...(await recordChange(deps, change, at, described, options)) };
}

/** The change restricted to these kinds. */
function pickKinds(change: ReferenceChange, kinds: readonly string[]): ReferenceChange {
  return Object.fromEntries(KINDS.filter((k) => kinds.includes(k) && change[k]).map((k) => [k, change[k]]));
}

/** After the rows: the revision bumped (a computation that sees it sees the rows too) and the computations requested. */
async function recordChange(
  deps: ReferenceImportDeps,
  change: ReferenceChange,
  at: string,
  rows: Awaited<ReturnType<typeof describeRows>>,
  options: { quarters?: readonly string[]; by?: string },
): Promise<Omit<ReferenceImportResult, 'written'>> {
  const what = describeChange(change);
  const by = options.by ?? 'import';
  const revision = await deps.reference.bumpRevision({ what, by, at, ...(rows.length ? { rows } : {}) });
  const inForce = options.quarters ?? new RulesBook(await deps.rules.loadAll()).quarters;
  // A closed quarter is computed too: its corrections become adjustments in the next open quarter.
  const quarters = [...inForce].sort();
  await deps.compute.publish(quarters.map((quarter) => ({ quarter, cause: `reference ${revision}: ${what} by ${by}` })));
  return { revision, computationsRequested: quarters };
}

/**
 * Folds the reference rows earlier versions stored one item each (partners, acceptances of both
 * key forms, trainings, with or without index keys) into the bucket items, and deletes the old
 * items; returns how many of each kind were folded. Reading takes both forms, so it changes no
 * payout; it is safe to run again.
 */
export async function migrateAcceptances(deps: { reference: ReferenceRepository }): Promise<MigratedRows> {
  return deps.reference.migrateAcceptances();
}
