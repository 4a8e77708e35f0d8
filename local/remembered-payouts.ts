/**
 * `rebates run` computes a quarter on a stack of its own, then prints and exports the payouts. The
 * computation wrote every item through this process, so reading them back from DynamoDB Local
 * (seconds for 5,000 items: the query, then inflating and parsing each) gives nothing that the
 * writes did not hold. The repository here passes every call on and keeps a copy of what was
 * stored, once DynamoDB has taken it; `stored` answers as `listQuarter` would.
 */
import type { PayoutsRepository, PayoutsToStore, PayoutToStore, StoredPayouts } from '../shared/ports/index.js';

export class RememberedPayouts {
  private readonly items = new Map<string, Map<string, StoredPayouts>>();

  /** The repository to wire in: the same calls, the same storage, remembered on success. */
  over(payouts: PayoutsRepository): PayoutsRepository {
    const remembered: PayoutsRepository = Object.create(payouts);
    remembered.putMany = async (results, at, scope) => {
      // Given as computed (an async iterable), the items are seen on their way to the writer.
      const seen: PayoutToStore[] = [];
      const passed: PayoutsToStore =
        Symbol.asyncIterator in results
          ? (async function* () {
              for await (const r of results) {
                seen.push(r);
                yield r;
              }
            })()
          : (seen.push(...results), results);
      await payouts.putMany(passed, at, scope);
      // Kept as `listQuarter` reads them back: the stored text is the item's, not the result's.
      for (const { result, points, hash } of seen)
        this.quarter(result.quarter).set(result.partnerId, { result, points, hash, computedAt: at });
      if (scope) for (const id of scope.gone) this.quarter(scope.quarter).delete(id);
    };
    remembered.deleteMany = async (quarter, partnerIds) => {
      await payouts.deleteMany(quarter, partnerIds);
      for (const id of partnerIds) this.quarter(quarter).delete(id);
    };
    return remembered;
  }

  /** What this process stored for the quarter, sorted by partner ID as `listQuarter` sorts. */
  stored(quarter: string): StoredPayouts[] {
    return [...this.quarter(quarter).values()].sort((a, b) => (a.result.partnerId < b.result.partnerId ? -1 : 1));
  }

  private quarter(quarter: string): Map<string, StoredPayouts> {
    let items = this.items.get(quarter);
    if (!items) this.items.set(quarter, (items = new Map()));
    return items;
  }
}
