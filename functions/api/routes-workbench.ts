/**
 * The partner managers' workbench (issue #15): `GET /quarters/{q}/watchlist` (partners within reach
 * of a plan) and `GET /quarters/{q}/exceptions` (every reason a unit does not pay, grouped). Both
 * read the quarter's latest computation (what its body keeps for them: workbench-cache.ts) and are
 * scoped like the payouts: a partner manager sees the partners of the territory only, and no line
 * of a partner the registry does not know.
 */
import { canSeePartner, type Principal, type Role } from '../../shared/auth/principal.js';
import type { Partner } from '../../shared/domain/types.js';
import { watchWithin } from '../../shared/domain/watchlist.js';
import type { Fix, WorkbenchItem } from '../../shared/pipeline/workbench.js';
import { money, parseWith, quarterOf, type ApiRequest, type Reply } from './http.js';
import { languageOf } from './language.js';
import { visibleGroups, workbenchInputs } from './workbench-cache.js';
import { exceptionPage, ExceptionsQuery, watchPage, WatchlistQuery } from './workbench-lists.js';

/** Who may apply each fix: the reference API's own roles (routes.ts). */
const FIX_ROLES: Record<Fix, readonly Role[]> = {
  'register-partner': ['program'],
  'map-product': ['program'],
  'record-training': ['program', 'manager'],
  'record-acceptance': ['program', 'manager'],
};

const visibleTo = (principal: Principal) => (partner: Partner | null) =>
  partner ? canSeePartner(principal, partner) : principal.role !== 'manager';

export async function getWatchlist(req: ApiRequest): Promise<Reply> {
  const { deps, principal } = req;
  const rules = await quarterOf(req);
  const query = parseWith(WatchlistQuery, req.query, 'query');
  const closed = await deps.quarters.get(rules.quarter);
  // A closed quarter's figures are frozen: no plan is left to reach, and its live payout items
  // (corrections pending against the snapshot) must not show as if they were the quarter.
  if (closed?.status === 'closed')
    return {
      json: {
        quarter: rules.quarter,
        status: 'closed',
        closedAt: closed.closedAt,
        closedBy: closed.closedBy,
        partners: [],
        page: watchPage([], query).page,
        programs: [],
      },
    };
  const { watch, partners } = await workbenchInputs(deps, rules);
  const visible = visibleTo(principal);
  const items = watchWithin(
    rules,
    watch.filter((c) => visible(partners.get(c.partnerKey) ?? null)),
    deps.clock.now().getTime(),
  );
  const rows = items.map(({ amountAtStakeRub, ...item }) => ({
    ...item,
    partnerName: partners.get(item.partnerKey)?.name ?? null,
    region: partners.get(item.partnerKey)?.region ?? null,
    amountAtStakeRub: money(amountAtStakeRub),
  }));
  const { items: shown, page } = watchPage(rows, query);
  return {
    json: {
      quarter: rules.quarter,
      status: 'open',
      partners: shown.map(({ partnerKey: _key, ...row }) => row),
      page,
      // The programs on the caller's whole list, whatever the filters: what a program filter offers.
      programs: [...new Set(rows.map((r) => r.program))].sort(),
    },
  };
}

export async function getQuarterExceptions(req: ApiRequest): Promise<Reply> {
  const { deps, principal } = req;
  const rules = await quarterOf(req);
  const query = parseWith(ExceptionsQuery, req.query, 'query');
  // The same groups a close request counts (close-exceptions.ts), from inputs kept between requests.
  const inputs = await workbenchInputs(deps, rules);
  const { partners, body } = inputs;
  const groups = visibleGroups(inputs, rules, languageOf(req), visibleTo(principal), principal.role !== 'manager');
  const itemJson = ({ amountAtStakeRub, fix, ...item }: WorkbenchItem) => {
    const partner = partners.get(item.partnerKey);
    return {
      ...item,
      partnerName: partner?.name ?? null,
      region: partner?.region ?? null,
      amountAtStakeRub: amountAtStakeRub === null ? null : money(amountAtStakeRub),
      fix: fix && FIX_ROLES[fix].includes(principal.role) ? fix : null,
    };
  };
  return {
    json: {
      quarter: rules.quarter,
      computedAt: body?.computedAt ?? null,
      // What a fix on screen may choose from: a plan to accept, a rate row to map a product to.
      programs: [...rules.programs.values()].map((p) => ({
        id: p.id,
        plans: p.plans,
        rateRows: p.rateRows.map((r) => r.id),
      })),
      // Each group keeps its whole count, units and RUB (a close request counts them alike);
      // only its items are paged, filtered and searched.
      groups: groups
        .filter((g) => !query.reason || g.reason === query.reason)
        .map((g) => {
          const { items, page, more } = exceptionPage(g.items.map(itemJson), query);
          return {
            ...g,
            amountAtStakeRub: g.amountAtStakeRub === null ? null : money(g.amountAtStakeRub),
            items,
            page,
            more,
          };
        }),
    },
  };
}
