/**
 * The exceptions workbench (issue #15): every reason a unit of the quarter does not pay, grouped by
 * reason, with the units and the RUB at stake. Two sources:
 * - held lines of the latest computation body (they never reached a partner's payout), and
 * - payout lines that pay less than their units (explanation.reason): eligibility.
 *
 * RUB at stake is what the units would pay if that one blocker were removed. Where the rate cannot
 * be known (an unknown partner's plan, a product with no rate row, a partner with no plan applied)
 * it is null rather than a guess. Pure: no ports, no I/O.
 */
import { Decimal } from 'decimal.js';
import { classify } from '../domain/classify.js';
import { missingTrainings } from '../domain/eligibility.js';
import { lineDetail } from '../domain/render/details.js';
import { explainLine, type Lang } from '../domain/render/index.js';
import type { Rules } from '../domain/rules/load.js';
import type {
  CatalogEntry,
  ExplainedLine,
  Partner,
  PartnerQuarterResult,
  PayoutLine,
  Training,
  ZeroReason,
} from '../domain/types.js';
import { HELD_REASONS, type HeldLines, type HeldReason } from './compute-quarter.js';

/** Payout reasons a unit earns nothing for; a negative net is returns, not an unpaid unit. */
export const ELIGIBILITY_REASONS = [
  'partner-not-registered',
  'program-not-accepted',
  'accepted-late',
  'training-missing',
  'plan-not-met',
  'below-lowest-plan',
  'zero-rate',
] as const satisfies readonly ZeroReason[];
export type EligibilityReason = (typeof ELIGIBILITY_REASONS)[number];
export type WorkbenchReason = HeldReason | EligibilityReason;

/** What fixes an item on screen (through the reference API), when anything does. */
export type Fix = 'register-partner' | 'map-product' | 'record-training' | 'record-acceptance';

const FIX_OF: Partial<Record<WorkbenchReason, Fix>> = {
  'unknown-partner': 'register-partner',
  'unclassified-product': 'map-product',
  'unrated-product': 'map-product',
  'training-missing': 'record-training',
  'program-not-accepted': 'record-acceptance',
  'accepted-late': 'record-acceptance',
};

export interface HeldItem {
  source: 'held';
  reason: HeldReason;
  reportId: string;
  /** As written in the registry (the key when it is not registered). */
  distributorId: string;
  /** Line numbers in the report, ascending. */
  lines: number[];
  units: number;
  /** As the report wrote it; `partnerKey` is the matched form. */
  partnerId: string;
  partnerKey: string;
  sku: string;
  description: string;
  /** What the product would be paid as, when the rules give it a rate row. */
  program: string | null;
  rateRow: string | null;
  message: string;
  /** The language `message` is written in: the reader's, or English for a sentence stored with no code. */
  messageLang: Lang;
  amountAtStakeRub: Decimal | null;
  fix: Fix | null;
}

export interface PayoutItem {
  source: 'payout';
  reason: EligibilityReason;
  partnerId: string;
  partnerKey: string;
  distributorId: string;
  program: string;
  rateRow: string;
  units: number;
  /** Units of the line that earn nothing. */
  unpaidUnits: number;
  /** Units missing to the plan, for plan-not-met and below-lowest-plan. */
  missingUnits: number | null;
  /** Unmet training groups of the program (any one course of a group will do), for training-missing. */
  courses: string[][] | null;
  message: string;
  messageLang: Lang;
  amountAtStakeRub: Decimal | null;
  fix: Fix | null;
}

export type WorkbenchItem = HeldItem | PayoutItem;

export interface WorkbenchGroup {
  reason: WorkbenchReason;
  source: 'held' | 'payout';
  /** Items in the group (a held item is one report × partner × product; a payout item one payout line). */
  count: number;
  units: number;
  /** Sum over the items whose amount is known; null when none is. */
  amountAtStakeRub: Decimal | null;
  /** Items whose amount cannot be known. */
  amountUnknown: number;
  items: WorkbenchItem[];
}

/**
 * An item before its message is written in the reader's language: what a computation can keep in
 * its body. `message` and `messageLang` hold places only; `sayItem` fills them from `held` or `line`.
 */
export type WorkbenchFact =
  | (HeldItem & { held: Pick<HeldLines, 'message' | 'detail'> })
  | (PayoutItem & { line: ExplainedLine });

export interface WorkbenchInput {
  rules: Rules;
  held: Partial<Record<HeldReason, HeldLines[]>>;
  results: readonly PartnerQuarterResult[];
  partners: ReadonlyMap<string, Partner>;
  /** Distributor key → as written. */
  distributorShown: (key: string) => string;
  catalog: ReadonlyMap<string, CatalogEntry>;
  trainings: ReadonlyMap<string, readonly Training[]>;
  /** Whether the reader may see a partner's items (null: a partner not in the registry). */
  visible: (partner: Partner | null) => boolean;
  /** The language of payout lines' messages (English when absent). */
  lang?: Lang;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** The highest threshold the units reach, or null: the plan that applies without a choice. */
const highestReached = (plans: readonly number[], units: number) =>
  plans.filter((p) => units >= p).at(-1) ?? null;

function payoutStake(rules: Rules, line: PayoutLine, reason: EligibilityReason): Decimal | null {
  const e = line.explanation;
  const program = rules.programs.get(line.program);
  if (!program || line.units <= 0) return new Decimal(0);
  const at = (plan: number | null, units: number) =>
    plan === null
      ? new Decimal(0)
      : rules.rate(line.program, line.rateRow, plan).times(units).toDecimalPlaces(2);
  switch (reason) {
    case 'plan-not-met':
      return at(e.acceptance?.used?.plan ?? null, line.units);
    case 'below-lowest-plan':
      return at(program.plans[0] ?? null, line.units);
    case 'program-not-accepted':
    case 'accepted-late':
      // Accepted in time with no plan chosen: the highest threshold reached would apply.
      return at(highestReached(program.plans, e.programUnits), line.units);
    case 'training-missing':
      return e.plan === null ? null : line.rate.times(line.units - line.paidUnits).toDecimalPlaces(2);
    case 'zero-rate':
      return new Decimal(0);
    case 'partner-not-registered':
      return null;
  }
}

/** Groups of the workbench, held reasons first in HELD_REASONS order, then eligibility reasons. */
export function workbenchGroups(input: WorkbenchInput): WorkbenchGroup[] {
  const lang = input.lang ?? 'en';
  return groupItems(workbenchFacts(input).map((f) => sayItem(f, lang)));
}

/** The item with its message in `lang`. */
export function sayItem(fact: WorkbenchFact, lang: Lang): WorkbenchItem {
  if (fact.source === 'held') {
    const { held, ...item } = fact;
    const said = lineDetail(held, item.reason, lang);
    return { ...item, message: said.text, messageLang: said.lang };
  }
  const { line, ...item } = fact;
  return {
    ...item,
    message: explainLine(line, lang),
    // An item stored before explanations were codes keeps its English sentence.
    messageLang: line.explanation.code === 'stored-text' ? 'en' : lang,
  };
}

/** The workbench's items in the order they are found, messages not yet written (`lang` is not read). */
export function workbenchFacts(input: WorkbenchInput): WorkbenchFact[] {
  const items = heldFacts(input);
  for (const f of payoutFacts(input, input.results)) items.push(f);
  return items;
}

/** The held lines' items, first of workbenchFacts: `input.results` only gives each partner's plans. */
export function heldFacts(input: Omit<WorkbenchInput, 'lang'>): WorkbenchFact[] {
  const { rules, partners, visible } = input;
  const items: WorkbenchFact[] = [];
  const results = new Map(input.results.map((r) => [r.partnerId, r]));
  const classified = new Map<string, ReturnType<typeof classify>>();

  for (const reason of HELD_REASONS)
    for (const h of input.held[reason] ?? []) {
      const partner = partners.get(h.partnerId) ?? null;
      if (!visible(partner)) continue;
      // Many held lines name the same product: each is classified once.
      const productKey = `${h.product.sku}\u0000${h.product.description}`;
      let c = classified.get(productKey);
      if (!c) {
        c = classify(
          rules,
          { description: h.product.description, ...(h.product.sku ? { sku: h.product.sku } : {}) },
          input.catalog,
        );
        classified.set(productKey, c);
      }
      const rated = c.outcome === 'rated' ? c : null;
      let amount: Decimal | null = null;
      // Counted, these units would earn the rate of the plan the partner's program has now.
      if (rated && partner && (reason === 'distributor-not-authorized' || reason === 'duplicate-claim')) {
        const plan =
          results.get(h.partnerId)?.progress.find((p) => p.program === rated.program)?.appliedPlan ?? null;
        if (plan !== null)
          amount = rules
            .rate(rated.program, rated.rateRow, plan)
            .times(Math.max(h.units, 0))
            .toDecimalPlaces(2);
      }
      const fix = FIX_OF[reason] ?? null;
      items.push({
        source: 'held',
        reason,
        reportId: h.reportId,
        distributorId: input.distributorShown(h.distributorId),
        lines: h.lines,
        units: h.units,
        partnerId: h.partnerWritten,
        partnerKey: h.partnerId,
        sku: h.product.sku,
        description: h.product.description,
        program: rated?.program ?? null,
        rateRow: rated?.rateRow ?? null,
        message: '',
        messageLang: 'en',
        amountAtStakeRub: amount,
        // A catalog mapping is keyed by SKU: a line without one cannot be mapped.
        fix: fix === 'map-product' && !h.product.sku.trim() ? null : fix,
        held: h,
      });
    }
  return items;
}

/**
 * The payout lines' items of `results` (all of `input.results` or a slice of them, in order): they
 * follow the held ones, each partner's on its own, so slices in turn give the items of the whole.
 */
export function payoutFacts(input: Omit<WorkbenchInput, 'lang'>, results: readonly PartnerQuarterResult[]): WorkbenchFact[] {
  const { rules, partners, visible } = input;
  const items: WorkbenchFact[] = [];
  for (const result of results) {
    const partner = partners.get(result.partnerId) ?? null;
    if (!visible(partner)) continue;
    for (const line of result.lines) {
      const reason = line.explanation.reason;
      if (!reason || !(ELIGIBILITY_REASONS as readonly string[]).includes(reason)) continue;
      const r = reason as EligibilityReason;
      let courses: string[][] | null = null;
      if (r === 'training-missing') {
        const gates = result.progress.find((p) => p.program === line.program)?.unmetGates ?? [];
        const trainings = input.trainings.get(result.partnerId) ?? [];
        courses = gates.flatMap((g) => missingTrainings(rules, g, trainings).map((m) => [...m.courses]));
      }
      items.push({
        source: 'payout',
        reason: r,
        partnerId: line.partnerDisplayId ?? partner?.displayId ?? line.partnerId,
        partnerKey: line.partnerId,
        distributorId: line.distributorDisplayId ?? input.distributorShown(line.distributorId),
        program: line.program,
        rateRow: line.rateRow,
        units: line.units,
        unpaidUnits: Math.max(line.units - line.paidUnits, 0),
        missingUnits: line.explanation.missingUnits,
        courses,
        message: '',
        messageLang: 'en',
        amountAtStakeRub: payoutStake(rules, line, r),
        fix: FIX_OF[r] ?? null,
        line,
      });
    }
  }
  return items;
}

/**
 * Items in their groups, each group's most RUB at stake first, with its totals. A reader that may
 * see only some partners groups those partners' items again: the totals are always of its items.
 */
export function groupItems(items: readonly WorkbenchItem[]): WorkbenchGroup[] {
  const order: WorkbenchReason[] = [...HELD_REASONS, ...ELIGIBILITY_REASONS];
  const groups = new Map<WorkbenchReason, WorkbenchItem[]>();
  for (const item of items) {
    const list = groups.get(item.reason);
    if (list) list.push(item);
    else groups.set(item.reason, [item]);
  }
  const byAmount = (a: WorkbenchItem, b: WorkbenchItem) =>
    (b.amountAtStakeRub ?? new Decimal(-1)).comparedTo(a.amountAtStakeRub ?? new Decimal(-1)) ||
    compare(a.partnerKey, b.partnerKey) ||
    (a.source === 'held' && b.source === 'held'
      ? compare(a.reportId, b.reportId) || a.lines[0]! - b.lines[0]!
      : 0);
  return order
    .filter((reason) => groups.has(reason))
    .map((reason) => {
      const list = groups.get(reason)!.sort(byAmount);
      const known = list.filter((i) => i.amountAtStakeRub !== null);
      return {
        reason,
        source: list[0]!.source,
        count: list.length,
        units: list.reduce((n, i) => n + (i.source === 'payout' ? i.unpaidUnits : i.units), 0),
        amountAtStakeRub: known.length
          ? known.reduce((sum, i) => sum.plus(i.amountAtStakeRub!), new Decimal(0))
          : null,
        amountUnknown: list.length - known.length,
        items: list,
      };
    });
}
