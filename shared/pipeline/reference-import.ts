/**
 * Reference data changes (partners, distributors, acceptances, trainings, catalog) and what they set
 * in motion: acceptances and trainings change payouts, so the partners they name are recalculated;
 * the catalog, distributors' segments and the partner registry change how report lines are
 * classified and checked, so the current reports are read again under a new revision.
 */
import { createHash } from 'node:crypto';
import { RulesBook } from '../domain/rules/load.js';
import { referenceTextProblems } from '../domain/text-limits.js';
import { InputValidationError, ReferenceWriteError } from '../errors.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';
import type {
  Clock,
  RecalcQueue,
  ReferenceRepository,
  ReportsRepository,
  RulesRepository,
} from '../ports/index.js';
import { ingestReport, type IngestDeps, type IngestOutcome } from './ingest.js';

export interface ReferenceChange {
  partners?: Partner[];
  distributors?: Distributor[];
  acceptances?: Acceptance[];
  trainings?: Training[];
  catalog?: CatalogEntry[];
}

export interface ReferenceImportDeps {
  reference: ReferenceRepository;
  reports: ReportsRepository;
  rules: RulesRepository;
  recalc: RecalcQueue;
  /** Stamps acceptances with when they were recorded. */
  clock: Clock;
}

export interface ReferenceImportResult {
  written: Record<keyof ReferenceChange, number>;
  recalcRequested: number;
  reportsToReread: boolean;
}

/** `quarters` limits the recalculation (default: every quarter with rules). */
export async function importReference(
  deps: ReferenceImportDeps,
  change: ReferenceChange,
  quarters?: readonly string[],
): Promise<ReferenceImportResult> {
  const { reference } = deps;
  // Everything is checked before the first write: a change with any bad row writes nothing.
  const problems = referenceTextProblems(change);
  if (problems.length)
    throw new InputValidationError(
      `${problems.length} value(s) are too long to store; nothing was written.`,
      problems.slice(0, 50),
    );
  const recordedAt = deps.clock.now().toISOString();
  const writes: [what: string, rows: number, write: () => Promise<void>][] = [
    ['partners', change.partners?.length ?? 0, () => reference.putPartners(change.partners!)],
    ['distributors', change.distributors?.length ?? 0, () => reference.putDistributors(change.distributors!)],
    ['acceptances', change.acceptances?.length ?? 0, () => reference.putAcceptances(change.acceptances!, recordedAt)],
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
      throw new ReferenceWriteError(
        `The import stopped partway: the database refused a write while storing ${what}, so some of ` +
          `these ${rows} row(s) may be stored and others not${done.length ? ` (${done.join(' and ')} were stored whole)` : ''}. ` +
          'Nothing needs undoing: send the same rows again, which is safe to repeat.',
        { cause },
      );
    }
    done.push(what);
  }

  const partnerIds = new Set<string>([
    ...(change.partners ?? []).map((p) => p.id),
    ...(change.acceptances ?? []).map((a) => a.partnerId),
    ...(change.trainings ?? []).map((t) => t.partnerId),
  ]);
  const inForce = quarters ?? new RulesBook(await deps.rules.loadAll()).quarters;
  const requests = [...partnerIds]
    .sort()
    .flatMap((partnerId) =>
      inForce.map((quarter) => ({ quarter, partnerId, cause: 'reference data imported' })),
    );
  if (requests.length) await deps.recalc.publish(requests);

  return {
    written: {
      partners: change.partners?.length ?? 0,
      distributors: change.distributors?.length ?? 0,
      acceptances: change.acceptances?.length ?? 0,
      trainings: change.trainings?.length ?? 0,
      catalog: change.catalog?.length ?? 0,
    },
    recalcRequested: requests.length,
    // A new partner makes earlier `unknown-partner` lines count; segments and mappings change line checks.
    reportsToReread: Boolean(
      change.catalog?.length || change.distributors?.length || change.partners?.length,
    ),
  };
}

/** A revision label for re-reading reports: the same change gives the same label (idempotent). */
export function revisionOf(change: ReferenceChange): string {
  const h = createHash('sha256').update(
    JSON.stringify([change.catalog ?? [], change.distributors ?? [], change.partners ?? []]),
  );
  return `ref-${h.digest('hex').slice(0, 12)}`;
}

/** Reads every current report again under a new revision (after a catalog or distributor change). */
export async function rereadReports(
  deps: IngestDeps,
  revision: string,
  onEach?: (done: number, total: number) => void,
): Promise<IngestOutcome[]> {
  const records = (await deps.reports.list({})).filter((r) => r.status !== 'processing');
  const out: IngestOutcome[] = [];
  for (const r of records) {
    out.push(
      await ingestReport(
        deps,
        { bucket: r.bucket, key: r.key, versionId: r.objectVersionId, etag: r.etag, sequencer: r.sequencer },
        revision,
      ),
    );
    onEach?.(out.length, records.length);
  }
  return out;
}

/**
 * Rewrites acceptances stored by earlier versions (one per partner and program) into one item
 * each. Reading takes both forms, so it changes no payout; it is safe to run again.
 */
export async function migrateAcceptances(deps: { reference: ReferenceRepository }): Promise<number> {
  return deps.reference.migrateAcceptances();
}
