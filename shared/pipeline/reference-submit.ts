/**
 * A reference change sent by a user (issue #12 point 5: `functions/api` only maps HTTP to this).
 * The rows' own fields are checked where they are read (shared/reference/fields.ts); here are the
 * checks against what is stored and who asks: a row repeated in one change, partners unknown or
 * outside the caller's territory, catalog mappings to no rate row in force. Their twin for a data
 * folder is `checkReferenceAgainstRules` (shared/reference/parse.ts). Nothing is written unless
 * every check passes; then `submitReferenceChange` writes it or queues its evaluation.
 */
import { canSeePartner, type Principal } from '../auth/principal.js';
import { RulesBook } from '../domain/rules/load.js';
import type { CatalogEntry } from '../domain/types.js';
import { InputValidationError } from '../errors.js';
import type { ReferenceRepository } from '../ports/index.js';
import type { ApprovalDeps } from './approvals.js';
import { actorOf } from './audit.js';
import { submitReferenceChange, type SubmitOutcome } from './evaluate-change.js';
import type { ReferenceChange } from './reference-import.js';

export async function submitReferenceRows(
  deps: ApprovalDeps,
  change: ReferenceChange,
  what: keyof ReferenceChange,
  principal: Principal,
): Promise<SubmitOutcome> {
  await checkReferenceRows(deps, change, principal);
  return submitReferenceChange(deps, change, what, actorOf(principal));
}

/** Throws the first problem of the change, as an InputValidationError listing every row it concerns. */
export async function checkReferenceRows(
  deps: Pick<ApprovalDeps, 'reference' | 'rules'>,
  change: ReferenceChange,
  principal: Principal,
): Promise<void> {
  if (change.partners)
    refuseRepeats(
      change.partners,
      (p) => p.id,
      'partner',
      (p) => p.displayId,
    );
  if (change.distributors)
    refuseRepeats(
      change.distributors,
      (d) => d.id,
      'distributor',
      (d) => d.displayId,
    );
  const partnerIds = [...(change.acceptances ?? []), ...(change.trainings ?? [])].map((r) => r.partnerId);
  if (partnerIds.length) await checkPartners(deps.reference, principal, partnerIds);
  if (change.catalog?.length) checkRateRows(new RulesBook(await deps.rules.loadAll()), change.catalog);
}

/** The same key twice in one change would silently keep only the last row. */
function refuseRepeats<T>(
  rows: readonly T[],
  keyOf: (row: T) => string,
  what: 'partner' | 'distributor',
  shownId: (row: T) => string,
): void {
  const seen = new Set<string>();
  const repeated = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row);
    if (seen.has(key)) repeated.set(key, row);
    seen.add(key);
  }
  if (repeated.size) {
    const ids = [...repeated.values()].map(shownId);
    const issues = ids.map((id) => `${what === 'partner' ? 'Partner' : 'Distributor'} ${id} is listed twice`);
    throw new InputValidationError(`${issues.join('; ')}; send one row each. Nothing was written.`, issues, {
      key: 'rows-repeated',
      params: { what, ids },
    });
  }
}

/**
 * Every partner must exist, and a partner manager may touch only partners of the territory. One
 * outside it gets the same answer as an unknown one, so the refusal tells nothing about partners
 * the caller may not see.
 */
async function checkPartners(
  reference: Pick<ReferenceRepository, 'partnersOf'>,
  principal: Principal,
  ids: readonly string[],
): Promise<void> {
  const unique = [...new Set(ids)].sort();
  // Only these partners' stored rows are read, not the whole registry.
  const partners = await reference.partnersOf(unique);
  const missing = unique.filter((id) => {
    const p = partners.get(id);
    return !p || !canSeePartner(principal, p);
  });
  if (!missing.length) return;
  const where =
    principal.role === 'manager' ? `in your territory (${principal.regions.join(', ')})` : 'in the partner registry';
  throw new InputValidationError(
    `Not ${where}: ${missing.join(', ')}. Import the partner first; nothing was written.`,
    missing.map((id) => `partner ${id} is not ${where}`),
    principal.role === 'manager'
      ? { key: 'partners-unknown-territory', params: { partners: missing, regions: principal.regions, listed: true } }
      : { key: 'partners-unknown', params: { partners: missing, listed: true } },
  );
}

/** A mapping must name a rate row of some quarter in force: the computation would hold its lines otherwise. */
function checkRateRows(book: RulesBook, rows: readonly CatalogEntry[]): void {
  const rules = book.quarters.map((q) => book.require(q));
  const bad = rows.filter(
    (c) => !rules.some((r) => r.programs.get(c.program)?.rateRows.some((row) => row.id === c.rateRow)),
  );
  if (bad.length)
    throw new InputValidationError(
      'Some mappings name a rate row that no quarter in force has; nothing was written.',
      bad.map(
        (c) =>
          `sku "${c.sku}": ${c.program}/${c.rateRow} is not a rate row of any quarter (${book.quarters.join(', ')})`,
      ),
      {
        key: 'mapping-no-rate-row',
        params: {
          skus: bad.map((c) => c.sku),
          rateRows: bad.map((c) => `${c.program}/${c.rateRow}`),
          quarters: book.quarters,
        },
      },
    );
}
