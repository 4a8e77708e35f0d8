/**
 * For `verify`: a closed quarter's points must be in the ledger. Its close credits every partner,
 * and each later computation credits or debits the partners it changed; a close cut off midway
 * (issue #13, the crash suite's mid-close) leaves some partners uncredited until the computation
 * the close requested finishes it.
 */
import { balance, creditQuarter } from '../domain/points.js';
import type { DifferenceWhy } from '../domain/render/verify.js';
import type { PayoutsRepository, QuarterRepository, ReferenceRepository } from '../ports/index.js';

export interface LedgerShortfall {
  partnerId: string;
  why: DifferenceWhy;
}

export async function ledgerShortfalls(
  deps: { quarters: QuarterRepository; payouts: PayoutsRepository; reference: Pick<ReferenceRepository, 'partnerLedger'> },
  quarter: string,
): Promise<LedgerShortfall[]> {
  const record = await deps.quarters.get(quarter);
  if (record?.status !== 'closed') return [];
  const out: LedgerShortfall[] = [];
  for (const stored of await deps.payouts.listQuarter(quarter)) {
    const partnerId = stored.result.partnerId;
    const ledger = await deps.reference.partnerLedger(partnerId);
    // The same rule as the credit itself, so points already redeemed are not asked back.
    if (!creditQuarter(ledger, partnerId, quarter, stored.points, record.closedAt)) continue;
    const credited = balance(ledger.filter((e) => e.partnerId === partnerId && e.quarter === quarter && e.kind !== 'redeem'));
    const earned = stored.points.reduce((sum, p) => sum + p.points, 0);
    out.push({
      partnerId,
      why: { code: 'ledger-short', params: { credited, quarter, earned } },
    });
  }
  return out;
}
