/**
 * Reference data changes (partners, distributors, acceptances, trainings, catalog): the rows are
 * written, the reference revision is bumped (one item, naming what changed and by whom), and a
 * computation is requested for every quarter that has rules and is still open. No report is read
 * again and no partner recalculated here: the quarter computation (compute.ts) decides from the
 * stored extracts, so the caller (an API request, `rebates import`) returns at once.
 */
import { RulesBook } from '../domain/rules/load.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';
import type { Clock, ComputeQueue, ReferenceRepository, RulesRepository } from '../ports/index.js';

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
  const at = deps.clock.now().toISOString();
  await Promise.all([
    change.partners?.length ? reference.putPartners(change.partners) : undefined,
    change.distributors?.length ? reference.putDistributors(change.distributors) : undefined,
    change.acceptances?.length ? reference.putAcceptances(change.acceptances, at) : undefined,
    change.trainings?.length ? reference.putTrainings(change.trainings) : undefined,
    change.catalog?.length ? reference.putCatalog(change.catalog) : undefined,
  ]);
  const written = Object.fromEntries(KINDS.map((k) => [k, change[k]?.length ?? 0])) as ReferenceImportResult['written'];
  if (!KINDS.some((k) => written[k])) return { written, revision: null, computationsRequested: [] };

  // After the rows: a computation that sees the new revision sees the rows too.
  const what = describeChange(change);
  const by = options.by ?? 'import';
  const revision = await reference.bumpRevision({ what, by, at });
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
