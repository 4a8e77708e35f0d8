/**
 * A partner's payout as stored: the lean JSON of its result and pending points, figures, codes and
 * params only (no sentence is stored; shared/domain/render writes them at read time), and nothing
 * the payout says twice. What is left out and put back on reading is described in
 * shared/adapters/dynamo/payout-item.ts, which compresses this text into the item and decodes it.
 *
 * It lives here, not in the adapter, because the computation hashes this very text for change
 * detection (compute-quarter.ts): a lossless, compact form of the same content, about a quarter of
 * the bytes of the whole result's JSON, and made once for both the hash and the write.
 */
import type { Decimal } from 'decimal.js';
import { describeCourses } from '../domain/eligibility.js';
import { paidAmount } from '../domain/payout.js';
import { courseKey } from '../domain/ids.js';
import { paidUnitsPrefix, paidUnitsSource, type PointsEarning } from '../domain/points.js';
import type { Explanation, PartnerQuarterResult, PayoutLine, TierProgress } from '../domain/types.js';
import { sameJson } from './same-json.js';

type Item = Record<string, unknown>;

export const PAYOUT_ITEM_FORMAT = 2;

export const EXPLANATION_NULLS = ['reason', 'plan', 'planBasis', 'missingUnits', 'missingCourses', 'lateCourses'] as const;
export const PROGRESS_NULLS = ['chosenPlan', 'appliedPlan', 'nextThreshold', 'unitsToNext'] as const;
const EXPLANATION_NULL = new Set<string>(EXPLANATION_NULLS);
const PROGRESS_NULL = new Set<string>(PROGRESS_NULLS);
/** A line's fields the lean line leaves out or writes in its own way. */
const LINE_OWN = new Set(['quarter', 'partnerId', 'partnerDisplayId', 'distributorDisplayId', 'explanation', 'warnings', 'rate', 'amount', 'paidUnits']);

/** A line's keys as payLine writes them, and its explanation's (with and without `params`). */
const PAY_LINE_KEYS = ['quarter', 'partnerId', 'distributorId', 'partnerDisplayId', 'distributorDisplayId', 'program', 'rateRow', 'units', 'paidUnits', 'rate', 'amount', 'explanation', 'warnings'];
const EXPLANATION_KEYS = ['code', 'reason', 'plan', 'planBasis', 'programUnits', 'missingUnits', 'missingCourses', 'lateCourses', 'acceptance'];
const EXPLANATION_PARAMS_KEYS = ['code', 'params', ...EXPLANATION_KEYS.slice(1)];

/** Rate texts by rate: a quarter has a few rates over and over. Decimals are immutable. */
const rateTexts = new WeakMap<Decimal, string>();


function rateText(rate: Decimal): string {
  let text = rateTexts.get(rate);
  if (text === undefined) rateTexts.set(rate, (text = rate.toFixed(2)));
  return text;
}

/** A line's plan fields as its program's progress gives them (the calculation sets both from one standing). */
export function planFieldsOf(p: TierProgress | undefined): Pick<Explanation, 'plan' | 'planBasis' | 'programUnits'> | null {
  if (!p) return null;
  const planBasis = p.appliedPlan === null ? null : p.chosenPlan !== null ? 'chosen' : 'highest-reached';
  return { plan: p.appliedPlan, planBasis, programUnits: p.units };
}

/** `missingCourses` as the calculation writes it from the groups its sentence names. */
export const coursesOf = (ex: Pick<Explanation, 'params'>): string[] | null =>
  ex.params?.missing ? ex.params.missing.map((g) => describeCourses({ ...g, late: [] })) : null;

/** The `result` attribute of a payout item. */
export function encodePayoutResult(r: PartnerQuarterResult): Item {
  return plain(leanResult(r));
}

/** The lean result with undefined fields and Decimals still in it: JSON.stringify drops and writes them. */
function leanResult(r: PartnerQuarterResult): Item {
  const partnerDisplayId = r.lines.find((l) => l.partnerDisplayId)?.partnerDisplayId;
  const useOf = new Map(r.progress.map((p) => [p.program, p.acceptance]));
  // A line's plan fields are its program's: worked out once per program, not once per line.
  const planOf = new Map(r.progress.map((p) => [p.program, planFieldsOf(p)]));
  const lineWarnings = r.lines.flatMap((l) => l.warnings);
  const own = r.warnings.slice(0, r.warnings.length - lineWarnings.length);
  const warningsSplit = sameJson(r.warnings, [...own, ...lineWarnings]);

  const leanExplanations = new Map<Explanation, { program: string; e: Item }>();
  /** A line's explanation as stored: what depends on its program only is left out. */
  const leanExplanation = (l: PayoutLine, ex: Explanation): Item => {
    const planFields = planOf.get(l.program) ?? null;
    const fromProgress =
      planFields !== null &&
      planFields.plan === ex.plan &&
      planFields.planBasis === ex.planBasis &&
      planFields.programUnits === ex.programUnits;
    const fromGroups = ex.reason === 'training-missing' && sameJson(ex.missingCourses, coursesOf(ex));
    let e: Item;
    if (keysAre(ex, ex.params === undefined ? EXPLANATION_KEYS : EXPLANATION_PARAMS_KEYS)) {
      // The same keys in the same order as the loop below writes them, without the loop.
      e = ex.params === undefined ? { code: ex.code } : { code: ex.code, params: ex.params };
      if (ex.reason !== null) e.reason = ex.reason;
      if (ex.plan !== null) e.plan = ex.plan;
      if (ex.planBasis !== null) e.planBasis = ex.planBasis;
      e.programUnits = ex.programUnits;
      if (ex.missingUnits !== null) e.missingUnits = ex.missingUnits;
      if (ex.missingCourses !== null) e.missingCourses = ex.missingCourses;
      if (ex.lateCourses !== null) e.lateCourses = ex.lateCourses;
    } else {
      e = {};
      for (const k in ex) {
        const v = (ex as unknown as Item)[k];
        if (k !== 'acceptance' && !(v === null && EXPLANATION_NULL.has(k))) e[k] = v;
      }
    }
    // Stated in full when they are not the program's, nulls included (absence means "from progress").
    if (fromProgress) e.plan = e.planBasis = e.programUnits = undefined;
    else {
      e.plan = ex.plan;
      e.planBasis = ex.planBasis;
    }
    if (fromGroups) e.missingCourses = undefined;
    else if (ex.reason === 'training-missing') e.missingCourses = ex.missingCourses;
    const acceptance = ex.acceptance;
    if (acceptance && !sameJson(acceptance, useOf.get(l.program))) e.acceptance = acceptance;
    if (!acceptance) e.acceptance = null;
    return e;
  };

  // Built key by key rather than by rest and spread, which cost most of the encoding; the keys come
  // out in the same order, so the text is the same.
  const lines = r.lines.map((l) => {
    const { partnerDisplayId: shown, distributorDisplayId, explanation, warnings, rate, amount, paidUnits } = l;
    const ex = explanation;
    // A line as the calculation makes it (payLine's keys, in its order) keeps four of them; any
    // other line is copied key by key.
    let lean: Item;
    if (keysAre(l, PAY_LINE_KEYS)) lean = { distributorId: l.distributorId, program: l.program, rateRow: l.rateRow, units: l.units };
    else {
      lean = {};
      for (const k in l) if (!LINE_OWN.has(k)) lean[k] = (l as unknown as Item)[k];
    }
    // Left out when they are what the line's figures give: all units paid, units × rate.
    if (paidUnits !== l.units) lean.paidUnits = paidUnits;
    lean.rate = rateText(rate);
    // The calculation's own cache: a line's amount is most often this very Decimal.
    const expected = paidAmount(rate, paidUnits);
    if (amount !== expected && !amount.equals(expected)) lean.amount = amount.toFixed(2);
    // Lines of a program most often share their explanation (payLine makes one per distinct
    // sentence): its lean form is made once for them.
    let known = leanExplanations.get(ex);
    if (known === undefined || known.program !== l.program) {
      known = { program: l.program, e: leanExplanation(l, ex) };
      leanExplanations.set(ex, known);
    }
    const e = known.e;
    lean.explanation = e;
    if (distributorDisplayId !== undefined && distributorDisplayId !== l.distributorId)
      lean.distributorDisplayId = distributorDisplayId;
    if (distributorDisplayId === undefined) lean.distributorDisplayId = null;
    // A line that names the partner otherwise than the item does keeps its own.
    if (shown !== partnerDisplayId) lean.partnerDisplayId = shown ?? null;
    if (warnings.length) lean.warnings = warnings;
    return lean;
  });

  const progress = r.progress.map((p) => {
    const { registered, unmetGates } = p;
    const out: Item = {};
    for (const k in p) {
      const v = (p as unknown as Item)[k];
      if (k !== 'partnerId' && k !== 'registered' && k !== 'unmetGates' && !(v === null && PROGRESS_NULL.has(k))) out[k] = v;
    }
    // Absent means "stored before it was kept"; these defaults are the common case, so they are left out.
    if (registered === false) out.registered = registered;
    else if (registered === undefined) out.registered = null;
    if (unmetGates?.length) out.unmetGates = unmetGates;
    return out;
  });

  return {
    v: PAYOUT_ITEM_FORMAT,
    quarter: r.quarter,
    partnerId: r.partnerId,
    // Left out when it is the key itself; null when no line has one (results stored before it was kept).
    ...(partnerDisplayId === r.partnerId ? {} : { partnerDisplayId: partnerDisplayId ?? null }),
    rulesVersion: r.rulesVersion,
    // Kept though the lines give it: the partner's total is what a reader of the table looks for.
    total: r.total.toFixed(2),
    lines,
    progress,
    ...(warningsSplit ? (own.length ? { warnings: own } : {}) : { allWarnings: r.warnings }),
  };
}

/** Plain JSON: no undefined for the marshaller, Decimals as their strings. */
const plain = (o: Item): Item => JSON.parse(JSON.stringify(o)) as Item;

/**
 * The `points` attribute: an earning of a payout line is `{ line, rate }` (its source, units, row
 * and distributor are the line's), a course's `{ course, date, points }`; whether the campaign's
 * rates are examples is said once, in `pointsExample`. Anything else is stored whole.
 */
export function encodePayoutPoints(points: readonly PointsEarning[], r: PartnerQuarterResult): { points: Item[]; pointsExample?: boolean } {
  const example = points.find((e) => e.reason.code !== 'stored-text')?.reason.params as { example?: boolean } | undefined;
  const flag = example?.example ?? false;
  // The first line of each source, as a search from the start would find it, once per result, and
  // only for a result with points of its lines: most partners have none, or courses' only.
  let lineOf: Map<string, number> | undefined;
  const lineOfSource = (source: string): number => {
    if (!lineOf) {
      lineOf = new Map();
      const prefix = paidUnitsPrefix(r.quarter, r.partnerId);
      for (let i = 0; i < r.lines.length; i++) {
        const key = paidUnitsSource(prefix, r.lines[i]!);
        if (!lineOf.has(key)) lineOf.set(key, i);
      }
    }
    return lineOf.get(source) ?? -1;
  };
  const lean = points.map((e): Item => {
    const i = e.reason.code === 'paid-units' ? lineOfSource(e.source) : -1;
    if (e.reason.code === 'paid-units' && i >= 0) {
      const rate = e.reason.params.rate;
      const short = { line: i, rate };
      if (isPaidUnitsEarning(e, r.lines[i]!, rate, flag) || sameJson(e, paidUnitsEarning(r, i, rate, flag))) return short;
    }
    if (e.reason.code === 'course') {
      const { course, date, points: n } = e.reason.params;
      if (sameJson(e, courseEarning(course, date, n, flag))) return { course, date, points: n };
    }
    return plain({ ...e });
  });
  return { points: lean, ...(points.length ? { pointsExample: flag } : {}) };
}

const EARNING_KEYS = ['source', 'points', 'reason'];
const REASON_KEYS = ['code', 'params'];
const PAID_UNITS_KEYS = ['units', 'row', 'distributor', 'rate', 'example'];

/** Whether `o`'s keys are `keys`, in that order (the order its JSON is written in). */
function keysAre(o: object, keys: readonly string[]): boolean {
  let n = 0;
  for (const k in o) if (k !== keys[n++]) return false;
  return n === keys.length;
}

/**
 * Whether an earning (whose source is line `l`'s) is exactly what paidUnitsEarning gives for it:
 * the same keys in the same order and the same values, so the same JSON. Asked once per point of
 * a quarter, without building the earning it is compared with; anything else (a number that is not
 * finite, a key more) falls back to sameJson.
 */
function isPaidUnitsEarning(e: PointsEarning, l: PayoutLine, rate: number, example: boolean): boolean {
  if (e.reason.code !== 'paid-units') return false;
  const p = e.reason.params;
  return (
    keysAre(e, EARNING_KEYS) &&
    keysAre(e.reason, REASON_KEYS) &&
    keysAre(p, PAID_UNITS_KEYS) &&
    e.points === l.paidUnits * rate &&
    Number.isFinite(e.points) &&
    p.units === l.paidUnits &&
    p.row === `${l.program}/${l.rateRow}` &&
    p.distributor === (l.distributorDisplayId || l.distributorId) &&
    p.rate === rate &&
    Number.isFinite(rate) &&
    p.example === example
  );
}

export function paidUnitsEarning(r: PartnerQuarterResult, i: number, rate: number, example: boolean): PointsEarning {
  const l = r.lines[i]!;
  return {
    source: paidUnitsSource(paidUnitsPrefix(r.quarter, r.partnerId), l),
    points: l.paidUnits * rate,
    reason: {
      code: 'paid-units',
      params: { units: l.paidUnits, row: `${l.program}/${l.rateRow}`, distributor: l.distributorDisplayId || l.distributorId, rate, example },
    },
  };
}

export const courseEarning = (course: string, date: string, points: number, example: boolean): PointsEarning => ({
  source: `course:${courseKey(course)}`,
  points,
  reason: { code: 'course', params: { course, date, points, example } },
});

/** The stored text of a payout: `{"result":…,"points":…,"pointsExample":…}`, the lean forms above. */
export function payoutContent(result: PartnerQuarterResult, points: readonly PointsEarning[]): string {
  return JSON.stringify({ result: leanResult(result), ...encodePayoutPoints(points, result) });
}
