/**
 * POST /quarters/{q}/preview: what payouts would be with other rates, acceptances or trainings.
 * Computed from the stored tallies on copies of the rules and reference data; writes nothing.
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { canSeePartner } from '../../shared/auth/principal.js';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { parseRules, type Rules } from '../../shared/domain/rules/load.js';
import { MoneyString } from '../../shared/domain/rules/schema.js';
import type { PartnerQuarterResult } from '../../shared/domain/types.js';
import { InputValidationError } from '../../shared/errors.js';
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

/** Runs `fn` over `items` with at most `limit` in flight, keeping the order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function previewQuarter(req: ApiRequest): Promise<Reply> {
  const { deps, principal } = req;
  const base = await quarterOf(req);
  const body = jsonBody(req, PreviewBody);
  const rules = withRates(base, body.rates);

  const stored = new Map((await deps.payouts.listQuarter(base.quarter)).map((s) => [s.result.partnerId, s.result.total]));
  const named = [...body.acceptances, ...body.trainings].map((r) => r.partnerId);
  const registry = new Map((await deps.reference.listPartners()).map((p) => [p.id, p]));
  const unknown = [...new Set(named.filter((id) => !registry.has(id)))];
  if (unknown.length) throw new InputValidationError(`Not in the partner registry: ${unknown.join(', ')}.`);
  const ids = [...new Set([...stored.keys(), ...named])]
    .filter((id) => {
      const p = registry.get(id);
      return p ? canSeePartner(principal, p) : principal.role === 'finance' || principal.role === 'program';
    })
    .sort();

  const results: PartnerQuarterResult[] = await mapLimited(ids, 8, async (id) => {
    const [state, tallies] = await Promise.all([deps.reference.partnerState(id), deps.reports.currentTallies(base.quarter, id)]);
    // As an upload would: added to the stored ones, the latest before the deadline counting.
    const acceptances = [...state.acceptances, ...body.acceptances.filter((a) => a.partnerId === id)];
    const trainings = [...state.trainings, ...body.trainings.filter((t) => t.partnerId === id)];
    return calculatePartnerQuarter(rules, { partner: state.partner, acceptances, trainings }, id, tallies);
  });

  const lines = results.flatMap((r) => r.lines);
  const changes = results
    .map((r) => {
      const before = stored.get(r.partnerId) ?? new Decimal(0);
      return {
        partnerId: registry.get(r.partnerId)?.displayId ?? r.partnerId,
        before: money(before),
        after: money(r.total),
        delta: r.total.minus(before),
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
