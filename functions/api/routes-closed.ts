/**
 * One truth per quarter (issue #14, point 1): a closed quarter is answered from its snapshot, marked
 * closed (by whom, when, the snapshot's checksum), with the corrections of it booked since listed
 * apart as `adjustments`. Its live recalculation is shown only on `?view=pending-corrections`.
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { Principal } from '../../shared/auth/principal.js';
import type { EffectiveLine } from '../../shared/domain/adjustments.js';
import { balance } from '../../shared/domain/points.js';
import type { Partner, PayoutLine } from '../../shared/domain/types.js';
import { closedQuarterView, type ClosedQuarterView } from '../../shared/pipeline/quarters.js';
import type { PartnerState, StoredPayouts } from '../../shared/ports/index.js';
import { warningText, type Lang } from '../../shared/domain/render/index.js';
import type { PayoutWarning } from '../../shared/domain/types.js';
import { money, optionalText, payoutLineJson, sumAmounts, type ApiRequest } from './http.js';
import { languageOf } from './language.js';
import { noteText } from '../../shared/domain/render/notes.js';
import { pageOf } from './paging.js';
import { ledgerEntryJson, progressJson } from './payout-json.js';

export const ViewParam = optionalText.pipe(z.enum(['frozen', 'pending-corrections']).optional());
export const ViewQuery = z.object({ view: ViewParam });
type View = z.infer<typeof ViewParam>;

/** A quarter's total split: its own payouts, and corrections of earlier quarters by quarter. */
export function totalsApart(quarter: string, lines: readonly EffectiveLine[]) {
  const own = lines.filter((l) => l.adjustmentOf === undefined);
  const byQuarter = new Map<string, Decimal>();
  for (const l of lines)
    if (l.adjustmentOf !== undefined)
      byQuarter.set(l.adjustmentOf, (byQuarter.get(l.adjustmentOf) ?? new Decimal(0)).plus(l.amount));
  const corrections = [...byQuarter.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([of, amount]) => ({ ofQuarter: of, amount: money(amount) }));
  return {
    quarter,
    payouts: money(sumAmounts(own)),
    corrections,
    correctionsTotal: money(sumAmounts(lines.filter((l) => l.adjustmentOf !== undefined))),
    /** True when every ruble of the total corrects an earlier quarter: the screen must say so. */
    onlyCorrections: own.every((l) => l.amount.isZero()) && corrections.some((c) => c.amount !== '0.00'),
  };
}

function closedMark(view: ClosedQuarterView) {
  const s = view.snapshot;
  return {
    by: s.closedBy,
    at: s.closedAt,
    sha256: s.sha256,
    rulesVersion: s.rulesVersion,
    total: money(s.total),
    /** Where corrections found since are booked (null until a later quarter has rules). */
    correctionsBookedIn: view.bookedIn,
  };
}

function adjustmentsOf(
  view: ClosedQuarterView,
  shown: (l: PayoutLine) => boolean,
  partner: (id: string) => Partner | undefined,
  lang: Lang,
  reader: Pick<Principal, 'role'>,
) {
  const frozen = view.frozenAdjustments.filter(shown);
  const pending = view.pendingAdjustments.filter(shown);
  return {
    adjustments: [
      ...frozen.map((l) => ({ ...payoutLineJson(l, partner(l.partnerId), lang, reader), bookedIn: l.quarter, frozen: true })),
      ...pending.map((l) => ({ ...payoutLineJson(l, partner(l.partnerId), lang, reader), bookedIn: l.quarter, frozen: false })),
    ],
    adjustmentsTotal: money(sumAmounts([...frozen, ...pending])),
  };
}

async function viewOf(req: ApiRequest, quarter: string): Promise<ClosedQuarterView> {
  const view = await closedQuarterView(req.deps, quarter);
  // Only called for a quarter just read as closed, and a close is never undone.
  if (!view) throw new Error(`Quarter ${quarter} was read as closed, then as open.`);
  return view;
}

export async function closedPayoutsJson(
  req: ApiRequest,
  quarter: string,
  view: View,
  shown: (l: PayoutLine) => boolean,
  partners: Map<string, Partner>,
  paging: Parameters<typeof pageOf>[1] = {},
  arrange: (lines: PayoutLine[]) => PayoutLine[] = (lines) => lines,
) {
  const v = await viewOf(req, quarter);
  const lang = languageOf(req);
  const partner = (id: string) => partners.get(id);
  const lines = view === 'pending-corrections' ? v.live.filter(shown) : v.snapshot.lines.filter(shown);
  const shownPage = pageOf(arrange(lines), paging, 'all');
  return {
    quarter,
    status: 'closed' as const,
    view: view ?? 'frozen',
    ...(view === 'pending-corrections'
      ? { note: noteText({ code: 'closed-live', params: { quarter } }, lang) }
      : {}),
    closed: closedMark(v),
    // Paged as the open quarter's lines are; totals below are of every matching line.
    lines: shownPage.items.map((l) => payoutLineJson(l, partner(l.partnerId), lang, req.principal)),
    page: shownPage.page,
    total: money(sumAmounts(lines)),
    totals: totalsApart(quarter, lines),
    ...adjustmentsOf(v, shown, partner, lang, req.principal),
  };
}

export async function closedPartnerJson(
  req: ApiRequest,
  quarter: string,
  state: PartnerState,
  view: View,
  stored: StoredPayouts | null,
) {
  const partner = state.partner!;
  const v = await viewOf(req, quarter);
  const lang = languageOf(req);
  const mine = (l: PayoutLine) => l.partnerId === partner.id;
  const live = view === 'pending-corrections';
  const lines = (live ? v.live : v.snapshot.lines).filter(mine);
  const entries = [...state.ledger].sort((a, b) =>
    a.at < b.at ? -1 : a.at > b.at ? 1 : a.entryId < b.entryId ? -1 : 1,
  );
  const { id: _key, displayId, ...profile } = partner;
  return {
    partner: { id: displayId, ...profile },
    quarter,
    status: 'closed' as const,
    view: view ?? 'frozen',
    closed: closedMark(v),
    lines: lines.map((l) => payoutLineJson(l, partner, lang, req.principal)),
    // Tier progress is not frozen with the quarter; the frozen lines' explanations say how each was paid.
    progress: live ? (stored?.result.progress ?? []).map((p) => progressJson(p, displayId, lang)) : [],
    total: money(sumAmounts(lines)),
    ...adjustmentsOf(v, mine, () => partner, lang, req.principal),
    points: {
      // What the ledger holds: credited at close and by later corrections, less redemptions.
      balance: balance(state.ledger),
      credited: balance(state.ledger.filter((e) => e.quarter === quarter && e.kind !== 'redeem')),
      entries: entries.map((e) => ledgerEntryJson(e, displayId, lang)),
      pending: [],
    },
    warnings: (live ? (stored?.result.warnings ?? []) : uniqueWarnings(lines.flatMap((l) => l.warnings))).map((w) =>
      warningText(w, lang),
    ),
  };
}

/** The frozen lines' warnings, each said once (the same warning is on every line it concerns). */
function uniqueWarnings(warnings: readonly PayoutWarning[]): PayoutWarning[] {
  return [...new Map(warnings.map((w) => [JSON.stringify(w), w])).values()];
}
