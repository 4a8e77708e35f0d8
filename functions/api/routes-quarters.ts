/**
 * Each quarter's line balance from its latest computation (issue #12 point 2): extracted = counted +
 * held, held by reason, as `rebates run` prints it and `verify` checks it. `GET /quarters`
 * (routes-more-lists.ts) adds it to the quarters of its page: one computation body read per quarter
 * (cached), none of a report.
 */
import { LatestComputations } from '../../shared/pipeline/held-lines.js';
import type { QuarterInfo } from '../../shared/pipeline/quarters.js';
import type { ApiRequest } from './http.js';

export async function withLineBalance(req: ApiRequest, quarters: readonly QuarterInfo[]) {
  const latest = new LatestComputations(req.deps);
  return Promise.all(
    quarters.map(async (q) => {
      const body = await latest.body(q.quarter);
      // Null until the quarter's first computation.
      const lines = body
        ? {
            computedAt: body.computedAt,
            extracted: body.counts.extracted,
            counted: body.counts.counted,
            held: body.counts.held,
            heldByReason: body.counts.heldByReason,
          }
        : null;
      return { ...q, lines };
    }),
  );
}
