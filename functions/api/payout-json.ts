/**
 * Tier progress and points in answers: the stored codes and figures, with their sentences in
 * the reader's language (`summary`, `reason`), as docs/api.md shows them.
 */
import type { LedgerEntry, PointsEarning } from '../../shared/domain/points.js';
import { ledgerEntryReason, pointsReason, progressSummary, type Lang } from '../../shared/domain/render/index.js';
import type { TierProgress } from '../../shared/domain/types.js';

/** `partnerId`: the partner as written in the registry. */
export function progressJson(p: TierProgress, partnerId: string, lang: Lang) {
  return { ...p, partnerId, summary: progressSummary(p, lang) };
}

export function earningJson(e: PointsEarning, lang: Lang) {
  return { source: e.source, points: e.points, reason: pointsReason(e.reason, lang), reasonCode: e.reason.code };
}

/** A ledger entry's reason in `lang` when it has a code; entries written before keep their sentence. */
export function ledgerEntryJson(e: LedgerEntry, partnerId: string, lang: Lang) {
  return {
    ...e,
    partnerId,
    reason: ledgerEntryReason(e, lang),
    ...(e.breakdown ? { breakdown: e.breakdown.map((b) => earningJson(b, lang)) } : {}),
  };
}
