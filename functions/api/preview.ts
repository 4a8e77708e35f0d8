/**
 * POST /quarters/{q}/preview: what payouts would be with other rates, plan thresholds, acceptances,
 * trainings or extra units of a partner.
 * Maps the request to previewQuarter (shared/pipeline/preview.ts, which writes nothing) and its
 * answer to JSON, narrowed to the partners the caller may see.
 */
import { z } from 'zod';
import { canSeePartner } from '../../shared/auth/principal.js';
import { MoneyString } from '../../shared/domain/rules/schema.js';
import { previewQuarter as preview } from '../../shared/pipeline/preview.js';
import { AcceptanceJson, TrainingJson } from '../../shared/reference/json.js';
import { TEXT_LIMITS } from '../../shared/domain/text-limits.js';
import { languageOf } from './language.js';
import { jsonBody, money, PartnerIdParam, payoutLineJson, quarterOf, sumAmounts, type ApiRequest, type Reply } from './http.js';

const PreviewBody = z
  .object({
    rates: z
      .record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+\/\d+$/, 'keys look like client/premium/150'), MoneyString)
      .default({}),
    acceptances: z.array(AcceptanceJson).max(10_000).default([]),
    trainings: z.array(TrainingJson).max(10_000).default([]),
    plans: z
      .record(z.string().regex(/^[a-z0-9-]+\/\d+$/, 'keys look like client/150'), z.number().int().positive().max(1_000_000))
      .default({}),
    units: z
      .array(
        z
          .object({
            partnerId: PartnerIdParam,
            program: z.string().max(TEXT_LIMITS.slug),
            rateRow: z.string().max(TEXT_LIMITS.slug),
            units: z.number().int().min(-1_000_000).max(1_000_000),
          })
          .strict(),
      )
      .max(1_000)
      .default([]),
  })
  .strict();

export async function previewQuarter(req: ApiRequest): Promise<Reply> {
  const { deps, principal } = req;
  const { quarter } = await quarterOf(req);
  const body = jsonBody(req, PreviewBody);
  const result = await preview(deps, quarter, body);

  const registry = new Map((await deps.reference.listPartners()).map((p) => [p.id, p]));
  const visible = (id: string) => {
    const p = registry.get(id);
    return p ? canSeePartner(principal, p) : principal.role === 'finance' || principal.role === 'program';
  };
  const lines = (result?.results ?? []).filter((r) => visible(r.partnerId)).flatMap((r) => r.lines);
  return {
    json: {
      quarter,
      lines: lines.map((l) => payoutLineJson(l, registry.get(l.partnerId), languageOf(req), req.principal)),
      total: money(sumAmounts(lines)),
      changes: (result?.changes ?? [])
        .filter((c) => visible(c.partnerId))
        .map((c) => ({
          partnerId: registry.get(c.partnerId)?.displayId ?? c.partnerId,
          before: money(c.before),
          after: money(c.after),
          delta: money(c.delta),
        })),
    },
  };
}
