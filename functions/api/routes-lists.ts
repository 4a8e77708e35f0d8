/**
 * Lists that scale (issue #15 point 5): `GET /quarters/{q}/partners`, one row per partner with
 * its payout, units and units to the next plan, paged, sorted, filtered and searched on the server;
 * and `GET /quarters/{q}/rules`, what the what-if screen offers to change. Scoped like payouts.
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { canSeePartner } from '../../shared/auth/principal.js';
import { ForbiddenError } from '../../shared/errors.js';
import { money, optionalText, parseWith, quarterOf, type ApiRequest, type Reply } from './http.js';
import { compareBy, matcher, pageOf, PagingQuery } from './paging.js';
import { quarterRows, type PartnerRow } from './partner-rows.js';
import { languageOf } from './language.js';
import { programName, rateRowName, trainingGateName } from '../../shared/domain/render/rules-names.js';

export const PARTNER_SORTS = ['partner', 'name', 'region', 'total', 'units', 'unitsToPlan', 'lines'] as const;

const PartnerListQuery = z
  .object({
    ...PagingQuery,
    sort: z.enum(PARTNER_SORTS).default('partner'),
    region: optionalText,
    status: optionalText,
    program: optionalText,
  })
  .strict();

async function getPartnerList(req: ApiRequest): Promise<Reply> {
  const { principal, deps } = req;
  const rules = await quarterOf(req);
  const query = parseWith(PartnerListQuery, req.query, 'query');
  if (query.region && principal.role === 'manager' && !principal.regions.includes(query.region))
    throw new ForbiddenError(
      `Region ${query.region} is outside your territory (${principal.regions.join(', ')}).`,
      { key: 'region-outside', params: { region: query.region, regions: principal.regions } },
    );
  const { status, rows, partners } = await quarterRows(deps, rules.quarter);
  const all = rows.filter((r) => {
    const p = partners.get(r.key);
    return p ? canSeePartner(principal, p) : principal.role !== 'manager';
  });

  const found = matcher(query.q);
  const matched = all.filter(
    (r) =>
      (!query.region || r.region === query.region) &&
      (!query.status || r.status === query.status) &&
      (!query.program || r.programs.includes(query.program)) &&
      found(r.partnerId, r.key, r.name),
  );
  const order = query.order ?? (query.sort === 'total' || query.sort === 'units' ? 'desc' : 'asc');
  const key: Record<(typeof PARTNER_SORTS)[number], (r: PartnerRow) => string | number | null> = {
    partner: (r) => r.key,
    name: (r) => r.name,
    region: (r) => r.region,
    total: (r) => r.amount.toNumber(),
    units: (r) => r.units,
    unitsToPlan: (r) => r.toPlan?.units ?? null,
    lines: (r) => r.lines,
  };
  const bySort = compareBy(key[query.sort], order);
  const byId = compareBy<PartnerRow>((r) => r.key);
  const { items, page } = pageOf([...matched].sort((a, b) => bySort(a, b) || byId(a, b)), query);

  const sum = (of: (r: PartnerRow) => Map<string, Decimal>) => {
    const m = new Map<string, Decimal>();
    for (const r of all) for (const [k, v] of of(r)) m.set(k, (m.get(k) ?? new Decimal(0)).plus(v));
    return [...m]
      .sort((a, b) => b[1].comparedTo(a[1]) || (a[0] < b[0] ? -1 : 1))
      .map(([k, amount]) => ({ key: k, amount: money(amount) }));
  };
  const total = (list: PartnerRow[]) => list.reduce((s, r) => s.plus(r.amount), new Decimal(0));
  const byProgram = sum((r) => r.byProgram);
  return {
    json: {
      quarter: rules.quarter,
      status,
      partners: items.map((r) => ({
        partnerId: r.partnerId,
        name: r.name,
        region: r.region,
        status: r.status,
        programs: r.programs,
        lines: r.lines,
        units: r.units,
        amount: money(r.amount),
        unitsToPlan: r.toPlan,
      })),
      page,
      matchedAmount: money(total(matched)),
      // The whole quarter as the caller may see it, whatever the filters: the figures above the list.
      totals: {
        amount: money(total(all)),
        partners: all.length,
        lines: all.reduce((n, r) => n + r.lines, 0),
        byProgram,
        byDistributor: sum((r) => r.byDistributor),
        regions: [...new Set(all.map((r) => r.region).filter((r): r is string => !!r))].sort(),
        programs: byProgram.map((x) => x.key).sort(),
      },
    },
  };
}

/** The quarter's programs, plans and rates: what a what-if may change. */
async function getRules(req: ApiRequest): Promise<Reply> {
  const rules = await quarterOf(req);
  const lang = languageOf(req);
  return {
    json: {
      quarter: rules.quarter,
      version: rules.version,
      firstDay: rules.firstDay,
      lastDay: rules.lastDay,
      acceptanceDeadline: rules.file.acceptanceDeadline,
      trainingDeadline: rules.file.trainingDeadline,
      programs: rules.file.programs.map((p) => ({
        id: p.id,
        name: programName(p.id, p.name, lang),
        plans: p.plans,
        rateRows: p.rateRows.map((r) => ({ id: r.id, label: rateRowName(r.id, r.label, lang), rates: r.rates })),
      })),
      trainings: Object.entries(rules.file.trainings).map(([id, g]) => ({
        id,
        label: trainingGateName(id, g.label, lang),
        courses: g.allOf.flatMap((group) => group.oneOf),
      })),
    },
  };
}

export { getPartnerList, getRules };
