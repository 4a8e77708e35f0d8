/**
 * Finance's records beside the computed figures (issue #14, point 5): payments per partner ×
 * distributor × quarter, the accrual view of an open quarter, and points redemptions against the
 * reward catalog.
 */
import { about, actorOf, recordAudit } from '../../shared/pipeline/audit.js';
import { randomUUID } from 'node:crypto';
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import { accrualsOf, quarterDays, type Accruals } from '../../shared/domain/accruals.js';
import { moscowDateOf } from '../../shared/domain/calendar.js';
import { distributorKey } from '../../shared/domain/ids.js';
import { balance, redeem } from '../../shared/domain/points.js';
import { RulesBook } from '../../shared/domain/rules/load.js';
import { noteText } from '../../shared/domain/render/notes.js';
import { rewardName } from '../../shared/domain/render/names.js';
import { languageOf } from './language.js';
import { QuarterId } from '../../shared/domain/rules/schema.js';
import { TEXT_LIMITS } from '../../shared/domain/text-limits.js';
import { InputValidationError, NotFoundError, QuarterClosedError, RedemptionConflictError } from '../../shared/errors.js';
import { csvText } from '../../shared/export/csv-cell.js';
import { writeXlsx, XLSX_CONTENT_TYPE, type XlsxCell } from '../../shared/export/xlsx.js';
import { ACCRUAL_COLUMNS, xlsxWords, type AccrualWords } from '../../shared/export/xlsx-words.js';
import { effectiveLines } from '../../shared/pipeline/quarters.js';
import type { Payment } from '../../shared/ports/finance.js';
import { ledgerEntryReason } from '../../shared/domain/render/index.js';
import { jsonBody, money, optionalText, parseWith, PartnerIdParam, quarterOf, type ApiRequest, type Reply } from './http.js';
import { accrualPage, AccrualListQuery } from './accrual-list.js';
import { compareBy, inOrder, matcher, pageOf, PagingQuery } from './paging.js';

// ---------------------------------------------------------------- payments

const Day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date such as 2016-04-10')
  .refine((d) => new Date(`${d}T00:00:00Z`).toISOString().slice(0, 10) === d, 'is not a calendar date');

const Amount = z
  .string()
  .regex(/^\d{1,12}(\.\d{1,2})?$/, 'must be an amount in RUB written as a string, such as "1155.00"')
  .transform((s) => new Decimal(s))
  .refine((d) => d.gt(0), 'must be more than 0');

const PaymentBody = z
  .object({
    quarter: QuarterId,
    partnerId: PartnerIdParam,
    distributorId: z.string().trim().min(1).max(TEXT_LIMITS.distributorId).transform(distributorKey),
    date: Day,
    reference: z.string().trim().min(1, 'must not be empty').max(100),
    amount: Amount,
    /** Sent again with a retried request, it records the payment once. */
    paymentId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use letters, digits, - and _ (at most 64)').optional(),
  })
  .strict();

export async function postPayment(req: ApiRequest): Promise<Reply> {
  const body = jsonBody(req, PaymentBody);
  const { deps, principal } = req;
  const [book, partners, distributors] = await Promise.all([
    deps.rules.loadAll().then((r) => new RulesBook(r)),
    deps.reference.listPartners(),
    deps.reference.listDistributors(),
  ]);
  if (!book.get(body.quarter))
    throw new NotFoundError(`There is no quarter ${body.quarter}; quarters with rules: ${book.quarters.join(', ')}.`, {
      key: 'quarter-unknown',
      params: { quarter: body.quarter, known: book.quarters },
    });
  const partner = partners.find((p) => p.id === body.partnerId);
  if (!partner)
    throw new InputValidationError(`There is no partner ${body.partnerId} in the registry.`, [], {
      key: 'partner-unknown',
      params: { partner: body.partnerId },
    });
  const distributor = distributors.find((d) => d.id === body.distributorId);
  if (!distributor)
    throw new InputValidationError(`There is no distributor ${body.distributorId} in the registry.`, [], {
      key: 'distributor-unknown',
      params: { distributor: body.distributorId },
    });
  const payment: Payment = {
    paymentId: body.paymentId ?? randomUUID(),
    quarter: body.quarter,
    partnerId: partner.id,
    distributorId: distributor.id,
    date: body.date,
    reference: body.reference,
    amount: body.amount.toFixed(2),
    recordedBy: `${principal.role} ${principal.sub}`,
    recordedAt: deps.clock.now().toISOString(),
  };
  if (await deps.payments.add(payment))
    await recordAudit(deps, {
      kind: 'payment',
      actor: actorOf(principal),
      ...about({
        code: 'payment',
        params: {
          paymentId: payment.paymentId,
          partner: partner.displayId,
          distributor: distributor.displayId,
          quarter: payment.quarter,
        },
      }),
      quarters: [payment.quarter],
      partners: [partner.id],
      after: payment,
    });
  return {
    status: 201,
    json: {
      payment: { ...payment, partnerId: partner.displayId, distributorId: distributor.displayId },
      note: noteText(
        {
          code: 'payment-recorded',
          params: {
            amount: payment.amount,
            partner: partner.displayId,
            distributor: distributor.displayId,
            quarter: payment.quarter,
          },
        },
        languageOf(req),
      ),
    },
  };
}

// GET /payments: routes-payment-list.ts.

// ---------------------------------------------------------------- accruals

const AccrualsQuery = z.object({
  format: optionalText.pipe(z.enum(['json', 'csv', 'xlsx']).default('json')),
  ...AccrualListQuery,
});


export async function getAccruals(req: ApiRequest): Promise<Reply> {
  const rules = await quarterOf(req);
  const { format, ...listQuery } = parseWith(AccrualsQuery, req.query, 'query');
  const effective = await effectiveLines(req.deps, rules.quarter);
  if (effective.status === 'closed')
    throw new QuarterClosedError(
      `Quarter ${rules.quarter} is closed: its payouts are final, so there is nothing to accrue. See its payouts or export.`,
      { key: 'accrual-closed', params: { quarter: rules.quarter } },
    );
  const days = quarterDays(rules.firstDay, rules.lastDay, req.deps.clock.now());
  const own = effective.lines.filter((l) => l.adjustmentOf === undefined);
  const corrections = effective.lines.filter((l) => l.adjustmentOf !== undefined);
  const accruals = accrualsOf(own, days);
  const q = rules.quarter;
  if (format === 'csv') {
    const rows = accrualRows(q, accruals).map((r) => r.map((c) => (typeof c === 'string' ? c : c === null ? '' : c.number)));
    const body = [ACCRUAL_COLUMNS.join(','), ...rows.map((r) => r.map((c, i) => (i < 3 ? csvText(c) : c)).join(','))].join('\n') + '\n';
    return { file: { body: Buffer.from(body, 'utf8'), contentType: 'text/csv; charset=utf-8', fileName: `accruals-${q}.csv` } };
  }
  if (format === 'xlsx') {
    // The XLSX is for people: its sheet, headers and total row in the reader's language.
    const w = xlsxWords(languageOf(req)).accruals;
    const body = writeXlsx([
      {
        name: w.sheet,
        rows: [ACCRUAL_COLUMNS.map((c) => w.column[c]), ...accrualRows(q, accruals, w)],
        boldRows: [0],
        header: true,
        widths: [10, 14, 16, 10, 16, 12, 10, 16, 20],
      },
    ]);
    return { file: { body, contentType: XLSX_CONTENT_TYPE, fileName: `accruals-${q}.xlsx` } };
  }
  const p = (d: Decimal | null) => (d === null ? null : money(d));
  // The files hold every row; the JSON pages, sorts and filters them (`total` stays the quarter's).
  const { rows, page } = await accrualPage(req, accruals.rows, listQuery);
  return {
    json: {
      quarter: q,
      status: 'open',
      asOf: moscowDateOf(req.deps.clock.now().getTime()),
      elapsedDays: days.elapsed,
      totalDays: days.total,
      rows: rows.map((r) => ({ ...r, amount: money(r.amount), projectedAmount: p(r.projectedAmount) })),
      page,
      total: { ...accruals.total, amount: money(accruals.total.amount), projectedAmount: p(accruals.total.projectedAmount) },
      // Owed now but not projected: they correct closed quarters, not this quarter's sales.
      corrections: money(corrections.reduce((t, l) => t.plus(l.amount), new Decimal(0))),
    },
  };
}

function accrualRows(quarter: string, a: Accruals, w: AccrualWords = xlsxWords('en').accruals): XlsxCell[][] {
  const int = (n: number | null): XlsxCell => (n === null ? null : { number: String(n), format: 'integer' });
  const rub = (d: Decimal | null): XlsxCell => (d === null ? null : { number: d.toFixed(2), format: 'money' });
  const days = [int(a.days.elapsed), int(a.days.total)];
  return [
    ...a.rows.map((r) => [quarter, r.program, r.distributorId, int(r.units), rub(r.amount), ...days, int(r.projectedUnits), rub(r.projectedAmount)]),
    [quarter, w.allPrograms, w.allDistributors, int(a.total.units), rub(a.total.amount), ...days, int(a.total.projectedUnits), rub(a.total.projectedAmount)],
  ];
}

// ---------------------------------------------------------------- redemptions

const RedemptionBody = z
  .object({
    rewardId: z.string().trim().min(1).max(TEXT_LIMITS.slug),
    /** Sent again with a retried request, it spends the points once. */
    requestId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use letters, digits, - and _ (at most 64)').optional(),
    /** Whose reward catalog: by default the quarter in progress, else the latest with rules. */
    quarter: QuarterId.optional(),
  })
  .strict();

/** The rules whose reward catalog applies: the quarter named, else the one in progress, else the latest. */
async function catalogRules(req: ApiRequest, named: string | undefined) {
  const book = new RulesBook(await req.deps.rules.loadAll());
  const today = moscowDateOf(req.deps.clock.now().getTime());
  const quarter =
    named ??
    book.quarters.find((q) => book.require(q).firstDay <= today && today <= book.require(q).lastDay) ??
    book.quarters.at(-1);
  const rules = quarter ? book.get(quarter) : undefined;
  if (!rules)
    throw new NotFoundError(`There is no quarter ${quarter ?? ''} with a reward catalog.`, {
      key: 'catalog-quarter-unknown',
      params: { quarter: quarter ?? '' },
    });
  return rules;
}

const RewardsQuery = z.object({
  quarter: optionalText.pipe(QuarterId.optional()),
  ...PagingQuery,
  sort: optionalText.pipe(z.enum(['catalog', 'name', 'points']).default('catalog')),
  /** `priced`: only rewards with a price in points (those a redemption can spend on). */
  priced: optionalText.pipe(z.enum(['true', 'false']).optional()),
});

export async function getRewards(req: ApiRequest): Promise<Reply> {
  const query = parseWith(RewardsQuery, req.query, 'query');
  const rules = await catalogRules(req, query.quarter);
  const found = matcher(query.q);
  const rewards = rules.file.points.rewards;
  const matched = rewards.filter(
    (r) => (query.priced === undefined || (r.points !== null) === (query.priced === 'true')) && found(r.id, r.name),
  );
  // Without `sort`, the catalog's own order; a reward priced on request sorts last by points.
  // Ties keep the catalog's order (the sort is stable).
  const order = query.order ?? 'asc';
  type Reward = (typeof rewards)[number];
  const sorted = inOrder(
    matched,
    query.sort === 'catalog'
      ? null
      : query.sort === 'name'
        ? compareBy<Reward>((r) => r.name.toLocaleLowerCase('ru-RU'), order)
        : compareBy<Reward>((r) => r.points, order),
    order,
  );
  const { items, page } = pageOf(sorted, query, 'all');
  return { json: { quarter: rules.quarter, rewards: items, page } };
}

export async function postRedemption(req: ApiRequest): Promise<Reply> {
  const { deps, principal } = req;
  const id = parseWith(PartnerIdParam, req.params.id, 'partner ID in the path');
  const body = jsonBody(req, RedemptionBody);
  const rules = await catalogRules(req, body.quarter);
  const now = deps.clock.now();
  const requestId = body.requestId ?? randomUUID();
  // Decided on the balance read; written only if no other redemption landed since, else decided again.
  // The partner is looked up once; each attempt reads the ledger alone.
  const partner = (await deps.reference.partnersOf([id])).get(id);
  if (!partner)
    throw new NotFoundError(`There is no partner ${id} in the registry.`, { key: 'partner-unknown', params: { partner: id } });
  for (let attempt = 1; ; attempt++) {
    const state = { partner, ledger: await deps.reference.partnerLedger(id) };
    // Only the ledger counts: points of an open quarter are not credited until it closes.
    const made = redeem(rules, state.ledger, id, body.rewardId, now.toISOString(), requestId);
    const repeated = state.ledger.some((e) => e.entryId === made.entryId);
    const recordedBy = { role: principal.role, sub: principal.sub };
    const entry = repeated
      ? made
      : {
          ...made,
          reason: `${made.reason}, recorded by ${principal.role} ${principal.sub}`,
          ...(made.why?.code === 'redeemed' ? { why: { ...made.why, params: { ...made.why.params, recordedBy } } } : {}),
        };
    if (!repeated) {
      const seen = state.ledger.filter((e) => e.kind === 'redeem').length;
      const written = deps.ledger.appendRedemption
        ? await deps.ledger.appendRedemption(entry, seen)
        : (await deps.ledger.append([entry]), true);
      if (written)
        await recordAudit(deps, {
          kind: 'redemption',
          actor: actorOf(principal),
          ...about({ code: 'redemption', params: { reward: body.rewardId, partner: state.partner.displayId } }),
          quarters: [rules.quarter],
          partners: [id],
          before: { balance: balance(state.ledger) },
          after: { balance: balance([...state.ledger, entry]), entry },
        });
      if (!written) {
        // Each retry follows a redemption that did land, so this ends; the bound only guards a fault.
        if (attempt < 20) continue;
        throw new RedemptionConflictError(
          `Other redemptions for partner ${state.partner.displayId} are being recorded at this moment; try again.`,
          { key: 'redemption-conflict', params: { partner: state.partner.displayId } },
        );
      }
    }
    const after = repeated ? state.ledger : [...state.ledger, entry];
    const lang = languageOf(req);
    const reason = ledgerEntryReason(entry, lang);
    return {
      status: repeated ? 200 : 201,
      json: {
        entry: { ...entry, reason, partnerId: state.partner.displayId },
        balance: balance(after),
        note: noteText(
          repeated
            ? { code: 'redemption-repeated', params: {} }
            : {
                code: 'redeemed',
                params: {
                  reason: entry.reason,
                  points: -entry.points,
                  rewardName: rewardName(rules.file.points.rewards.find((r) => r.id === body.rewardId)!, languageOf(req)),
                  request: requestId,
                  role: principal.role,
                  sub: principal.sub,
                },
              },
          languageOf(req),
        ),
      },
    };
  }
}
