/**
 * What-if: a quarter's payouts with other rates, or with acceptances and trainings added, computed
 * by previewComputation from the stored extracts on copies of the rules and reference data, and
 * compared with the stored payouts. Writes nothing.
 */
import { Decimal } from 'decimal.js';
import { parseRules, type Rules } from '../domain/rules/load.js';
import type { Acceptance, PartnerQuarterResult, Training } from '../domain/types.js';
import { previewIssueText, type PreviewIssue } from '../domain/render/preview-issues.js';
import { InputValidationError } from '../errors.js';
import { previewComputation, type ComputeDeps } from './compute.js';
import { acceptancesWithPlans, extrasExtract, referenceWithExtras, withPlans, type ExtraUnits } from './preview-inputs.js';

export interface PreviewRequest {
  /** `"<program>/<rateRow>/<plan>"` → rate in RUB as a decimal string. */
  rates: Record<string, string>;
  /** Added to the stored ones, as an upload would add them. */
  acceptances: Acceptance[];
  trainings: Training[];
  /** `"<program>/<plan>"` → the plan's new threshold in units (preview-inputs.ts). */
  plans?: Record<string, number>;
  /** Extra net units for partners, by rate row (preview-inputs.ts). */
  units?: ExtraUnits[];
}

export interface PreviewChange {
  partnerId: string;
  before: Decimal;
  after: Decimal;
  delta: Decimal;
}

export interface PreviewResult {
  quarter: string;
  /** Every partner with a counted line under the preview's inputs. */
  results: PartnerQuarterResult[];
  /** Partners whose total would change (stored total → preview total), by partner ID. */
  changes: PreviewChange[];
}

/** A copy of the rules with some rates replaced, validated like any rules file. */
export function withRates(rules: Rules, rates: Record<string, string>): Rules {
  const keys = Object.keys(rates);
  if (!keys.length) return rules;
  const file = structuredClone(rules.file);
  const unknown: PreviewIssue[] = [];
  for (const key of keys) {
    const [program, rateRow, plan] = key.split('/') as [string, string, string];
    const row = file.programs.find((p) => p.id === program)?.rateRows.find((r) => r.id === rateRow);
    if (!row || !(plan in row.rates))
      unknown.push({ kind: 'rate-unknown', key, quarter: rules.quarter, program, rateRow, plan });
    else row.rates[plan] = rates[key]!;
  }
  if (unknown.length)
    throw new InputValidationError(
      'Some rates name no rate of this quarter.',
      unknown.map((i) => previewIssueText(i, 'en')),
      { key: 'rates-unknown', params: { previewIssues: unknown } },
    );
  return parseRules(file, `${rules.quarter} rules with the preview's rates`);
}

function withRows<T extends { partnerId: string }>(stored: ReadonlyMap<string, readonly T[]>, added: readonly T[]) {
  if (!added.length) return stored;
  const out = new Map(stored);
  for (const row of added) out.set(row.partnerId, [...(out.get(row.partnerId) ?? []), row]);
  return out;
}

/** The preview of one quarter with rules; null when the quarter has none. */
export async function previewQuarter(deps: ComputeDeps, quarter: string, request: PreviewRequest): Promise<PreviewResult | null> {
  const plans = request.plans ?? {};
  const extras = request.units ?? [];
  const named = [...request.acceptances, ...request.trainings, ...extras].map((r) => r.partnerId);
  if (named.length) {
    const registry = new Set((await deps.reference.listPartners()).map((p) => p.id));
    const unknown = [...new Set(named.filter((id) => !registry.has(id)))];
    if (unknown.length)
      throw new InputValidationError(`Not in the partner registry: ${unknown.join(', ')}.`, [], {
        key: 'partners-unknown',
        params: { partners: unknown },
      });
  }
  const preview = await previewComputation(
    deps,
    quarter,
    ({ rules, reference }) => ({
      // Rates name the plans as they are now; the thresholds move after.
      rules: withPlans(withRates(rules, request.rates), plans),
      reference: referenceWithExtras(rules, {
        ...reference,
        acceptances: acceptancesWithPlans(withRows(reference.acceptances, request.acceptances), plans),
        trainings: withRows(reference.trainings, request.trainings),
      }, extras),
    }),
    ({ rules }) => extrasExtract(rules, extras),
  );
  if (!preview) return null;

  const results = preview.computation.partners.map((p) => p.result);
  const stored = new Map((await deps.payouts.listQuarter(quarter)).map((s) => [s.result.partnerId, s.result.total]));
  const after = new Map(results.map((r) => [r.partnerId, r.total]));
  const changes = [...new Set([...after.keys(), ...stored.keys()])]
    .sort()
    .map((partnerId) => {
      const before = stored.get(partnerId) ?? new Decimal(0);
      const total = after.get(partnerId) ?? new Decimal(0);
      return { partnerId, before, after: total, delta: total.minus(before) };
    })
    .filter((c) => !c.delta.isZero());
  return { quarter, results, changes };
}
