/**
 * `GET /quarters`: the quarters with rules, and each one's line balance from its latest computation
 * (issue #12 point 2): extracted = counted + held, held by reason, as `rebates run` prints it and
 * `verify` checks it. One computation body read per quarter (cached), none of a report.
 */
import { LatestComputations } from '../../shared/pipeline/held-lines.js';
import { listQuarters } from '../../shared/pipeline/quarters.js';
import type { ApiRequest, Reply } from './http.js';

export async function getQuarters(req: ApiRequest): Promise<Reply> {
  const latest = new LatestComputations(req.deps);
  const quarters = await listQuarters(req.deps);
  const withLines = await Promise.all(
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
  return { json: { quarters: withLines } };
}
