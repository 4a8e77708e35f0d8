/**
 * A what-if as one caller may ask for it and see it (issue #15 point 3). Pure: no storage.
 *
 * A partner manager may try what the territory's partners do (extra units, a training, an
 * acceptance), not rates or plan thresholds: those are the program's decision, taken in the rules
 * file. What the manager sees is narrowed after the computation, never before it: service tags are
 * claimed across partners (the first report received wins), so a quarter computed from the
 * territory's lines alone could hand a territory partner a tag another partner claimed first.
 */
import { Decimal } from 'decimal.js';
import { canSeePartner, type Principal } from '../auth/principal.js';
import type { Partner, PartnerQuarterResult } from '../domain/types.js';
import { ForbiddenError, InputValidationError } from '../errors.js';
import type { PreviewChange, PreviewRequest, PreviewResult } from './preview.js';

/**
 * Refuses what the caller may not try. A partner manager: rates and plan thresholds (403), and any
 * partner outside the territory, worded as for one the registry does not have (400, as a reference
 * upload answers), so the refusal tells nothing about partners the manager may not see.
 */
export function checkPreviewRequest(
  principal: Principal,
  request: PreviewRequest,
  registry: ReadonlyMap<string, Pick<Partner, 'region'>>,
): void {
  if (principal.role !== 'manager') return;
  const rates = Object.keys(request.rates).sort();
  const plans = Object.keys(request.plans ?? {}).sort();
  if (rates.length || plans.length) {
    const named = [...(rates.length ? [`rates ${rates.join(', ')}`] : []), ...(plans.length ? [`plan thresholds ${plans.join(', ')}`] : [])];
    throw new ForbiddenError(
      'As a partner manager you can try extra units, trainings and acceptances of partners in your territory; ' +
        `rates and plan thresholds are set by the program manager. Leave out: ${named.join('; ')}.`,
      { key: 'preview-rules-not-yours', params: { rates, plans } },
    );
  }
  const ids = [...request.acceptances, ...request.trainings, ...(request.units ?? [])].map((r) => r.partnerId);
  const outside = [...new Set(ids)].sort().filter((id) => {
    const p = registry.get(id);
    return !p || !canSeePartner(principal, p);
  });
  if (outside.length)
    throw new InputValidationError(
      `Not in your territory (${principal.regions.join(', ')}): ${outside.join(', ')}.`,
      [],
      { key: 'preview-partners-unknown-territory', params: { partners: outside, regions: principal.regions } },
    );
}

export interface PreviewTotals {
  /** What the partners are paid now (their stored results). */
  before: Decimal;
  /** What they would be paid with the changes. */
  after: Decimal;
  delta: Decimal;
}

export interface ScopedPreview {
  results: PartnerQuarterResult[];
  changes: PreviewChange[];
  totals: PreviewTotals;
}

/**
 * The preview narrowed to the partners `visible` admits, with totals over those partners only.
 * `before` needs no second read: a partner not among the changes is paid the same before and after.
 */
export function scopePreview(result: PreviewResult, visible: (partnerId: string) => boolean): ScopedPreview {
  const results = result.results.filter((r) => visible(r.partnerId));
  const changes = result.changes.filter((c) => visible(c.partnerId));
  const after = results.reduce((sum, r) => sum.plus(r.total), new Decimal(0));
  const delta = changes.reduce((sum, c) => sum.plus(c.delta), new Decimal(0));
  return { results, changes, totals: { before: after.minus(delta), after, delta } };
}
