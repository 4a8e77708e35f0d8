/**
 * POST /quarters/{q}/preview: what payouts would be with other rates, plan thresholds, acceptances,
 * trainings or extra units of a partner.
 * Maps the request to previewQuarter (shared/pipeline/preview.ts, which writes nothing) and its
 * answer to JSON, narrowed to the partners the caller may see. A partner manager may try only the
 * territory's partners' units, trainings and acceptances (shared/pipeline/preview-scope.ts).
 */
import { z } from 'zod';
import { canSeePartner } from '../../shared/auth/principal.js';
import { MoneyString } from '../../shared/domain/rules/schema.js';
import { previewQuarter as preview } from '../../shared/pipeline/preview.js';
import { checkPreviewRequest, scopePreview } from '../../shared/pipeline/preview-scope.js';
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
  const registry = new Map((await deps.reference.listPartners()).map((p) => [p.id, p]));
  checkPreviewRequest(principal, body, registry);
  // The whole quarter is computed whoever asks (see preview-scope.ts); only the answer is narrowed.
  const result = await preview(deps, quarter, body);

  const visible = (id: string) => {
    const p = registry.get(id);
    return p ? canSeePartner(principal, p) : principal.role === 'finance' || principal.role === 'program';
  };
  const scoped = scopePreview(result ?? { quarter, results: [], changes: [] }, visible);
  const lines = scoped.results.flatMap((r) => r.lines);
  return {
    json: {
      quarter,
      lines: lines.map((l) => payoutLineJson(l, registry.get(l.partnerId), languageOf(req), req.principal)),
      total: money(sumAmounts(lines)),
      totals: {
        before: money(scoped.totals.before),
        after: money(scoped.totals.after),
        delta: money(scoped.totals.delta),
      },
      changes: scoped.changes.map((c) => ({
        partnerId: registry.get(c.partnerId)?.displayId ?? c.partnerId,
        before: money(c.before),
        after: money(c.after),
        delta: money(c.delta),
      })),
    },
  };
}
