/**
 * POST /quarters/{q}/preview: what payouts would be with other rates, acceptances or trainings.
 * Computed from the stored extracts on copies of the rules and reference data (previewComputation
 * in shared/pipeline/compute.ts); writes nothing.
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { canSeePartner } from '../../shared/auth/principal.js';
import { parseRules, type Rules } from '../../shared/domain/rules/load.js';
import { MoneyString } from '../../shared/domain/rules/schema.js';
import { InputValidationError } from '../../shared/errors.js';
import { previewComputation } from '../../shared/pipeline/compute.js';
import { jsonBody, money, payoutLineJson, quarterOf, sumAmounts, type ApiRequest, type Reply } from './http.js';
import { AcceptanceJson, TrainingJson } from './reference.js';

const PreviewBody = z
  .object({
    rates: z
      .record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+\/\d+$/, 'keys look like client/premium/150'), MoneyString)
      .default({}),
    acceptances: z.array(AcceptanceJson).max(10_000).default([]),
    trainings: z.array(TrainingJson).max(10_000).default([]),
  })
  .strict();

/** A copy of the rules with some rates replaced, validated like any rules file. */
function withRates(rules: Rules, rates: Record<string, string>): Rules {
  const keys = Object.keys(rates);
  if (!keys.length) return rules;
  const file = structuredClone(rules.file);
  const unknown: string[] = [];
  for (const key of keys) {
    const [program, rateRow, plan] = key.split('/') as [string, string, string];
    const row = file.programs.find((p) => p.id === program)?.rateRows.find((r) => r.id === rateRow);
    if (!row || !(plan in row.rates)) unknown.push(`rates.${key}: the ${rules.quarter} rules have no rate for plan ${plan} of ${program}/${rateRow}`);
    else row.rates[plan] = rates[key]!;
  }
  if (unknown.length) throw new InputValidationError('Some rates name no rate of this quarter.', unknown);
  return parseRules(file, `${rules.quarter} rules with the preview's rates`);
}

export async function previewQuarter(req: ApiRequest): Promise<Reply> {
  const { deps, principal } = req;
  const base = await quarterOf(req);
  const body = jsonBody(req, PreviewBody);
  const rules = withRates(base, body.rates);

  const registry = new Map((await deps.reference.listPartners()).map((p) => [p.id, p]));
  const named = [...body.acceptances, ...body.trainings].map((r) => r.partnerId);
  const unknown = [...new Set(named.filter((id) => !registry.has(id)))];
  if (unknown.length) throw new InputValidationError(`Not in the partner registry: ${unknown.join(', ')}.`);

  // The same extracts and reference data the computation uses, with the preview's rows added as an
  // upload would add them; computed in memory, nothing written.
  const preview = await previewComputation(deps, base.quarter, ({ reference }) => ({
    rules,
    reference: {
      ...reference,
      acceptances: withRows(reference.acceptances, body.acceptances),
      trainings: withRows(reference.trainings, body.trainings),
    },
  }));
  const stored = new Map((await deps.payouts.listQuarter(base.quarter)).map((s) => [s.result.partnerId, s.result.total]));
  const visible = (id: string) => {
    const p = registry.get(id);
    return p ? canSeePartner(principal, p) : principal.role === 'finance' || principal.role === 'program';
  };
  const results = (preview?.computation.partners ?? []).map((p) => p.result).filter((r) => visible(r.partnerId));
  const ids = [...new Set([...results.map((r) => r.partnerId), ...[...stored.keys()].filter(visible)])].sort();
  const after = new Map(results.map((r) => [r.partnerId, r.total]));

  const lines = results.flatMap((r) => r.lines);
  const changes = ids
    .map((id) => {
      const before = stored.get(id) ?? new Decimal(0);
      const total = after.get(id) ?? new Decimal(0);
      return {
        partnerId: registry.get(id)?.displayId ?? id,
        before: money(before),
        after: money(total),
        delta: total.minus(before),
      };
    })
    .filter((c) => !c.delta.isZero())
    .map((c) => ({ ...c, delta: money(c.delta) }));
  return {
    json: {
      quarter: base.quarter,
      lines: lines.map((l) => payoutLineJson(l, registry.get(l.partnerId))),
      total: money(sumAmounts(lines)),
      changes,
    },
  };
}

function withRows<T extends { partnerId: string }>(stored: ReadonlyMap<string, readonly T[]>, added: readonly T[]) {
  if (!added.length) return stored;
  const out = new Map(stored);
  for (const row of added) out.set(row.partnerId, [...(out.get(row.partnerId) ?? []), row]);
  return out;
}
