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
import type { Clock, ComputeQueue, ReferenceRepository, RulesRepository } from '../ports/index.js';
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
  // What the rows replace, read before they are written: the causes name before and after.
  const rows = await describeRows(reference, change);
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
      // A full bucket is no passing failure: sending the rows again would be refused again.
      if (cause instanceof ReferenceBucketFullError) throw cause;
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

  // After the rows: a computation that sees the new revision sees the rows too.
  const what = describeChange(change);
  const by = options.by ?? 'import';
  const revision = await reference.bumpRevision({ what, by, at, ...(rows.length ? { rows } : {}) });
  const inForce = options.quarters ?? new RulesBook(await deps.rules.loadAll()).quarters;
  // A closed quarter is computed too: its corrections become adjustments in the next open quarter.
  const quarters = [...inForce].sort();
  await deps.compute.publish(quarters.map((quarter) => ({ quarter, cause: `reference ${revision}: ${what} by ${by}` })));
  return { written, revision, computationsRequested: quarters };
}

/**
 * Rewrites acceptances stored by earlier versions (one per partner and program) into one item
 * each, and gives acceptances and trainings stored before the snapshot indexes their index keys.
 * Reading takes both forms, so it changes no payout; it is safe to run again.
 */
export async function migrateAcceptances(deps: { reference: ReferenceRepository }): Promise<number> {
  return deps.reference.migrateAcceptances();
}
