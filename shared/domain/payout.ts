/**
 * Payouts of a quarter (program rules §2, §4, §5). One line per partner × distributor × program ×
 * rate row, each with its figures and the code and params of the sentence that explains them
 * (written in the reader's language by render/).
 *
 * How a line is paid:
 * 1. Units count toward a program's plan net of returns, over all distributors and rate rows,
 *    including units of training-gated families the partner is not trained for.
 * 2. The whole program pays nothing when, in this order: the partner is not registered; there is no
 *    valid acceptance before the deadline; the plan is not met (a chosen plan must be met, else the
 *    highest threshold reached applies); the program's own training gate (enterprise) is not met.
 * 3. Otherwise a line pays the applied plan's rate on its net units whose family training gate is
 *    met — never more than the line's net units, never below zero. A negative net pays 0 and is
 *    reported as a warning. A line's reason is then, in this order: negative-net, zero-rate,
 *    training-missing (also when only part of the line is paid).
 *
 * Readings where the program text is silent (see eligibility.ts): of several acceptances of a
 * program the latest one before the deadline counts (each line's explanation names it and those
 * ignored); an acceptance naming a plan that is not a threshold is no valid acceptance (with a
 * warning). Trainings count when completed strictly before the rules' training deadline (§5), in any
 * earlier quarter too; a later completion is named as late.
 * Lines are sorted by partner, distributor, program and rate row (plain string order, as in the
 * finance export), so the result never depends on the order of the input.
 */
import { Decimal } from 'decimal.js';
import { RulesValidationError } from '../errors.js';
import { formatMoscow } from './calendar.js';
import {
  assessProgram,
  describeCourses,
  lateCourses,
  type LateCourse,
  type MissingGroup,
  type Standing,
} from './eligibility.js';
import { tierProgress } from './progress.js';
import type { Rules } from './rules/load.js';
import type {
  Explanation,
  ExplanationCode,
  ExplanationParams,
  PartnerQuarterResult,
  PayoutWarning,
  PartnerReference,
  PayoutLine,
  TallyRow,
  TierProgress,
  ZeroReason,
} from './types.js';

/** The summed tallies of one partner × distributor × program × rate row, by family gate. */
interface Cell {
  distributorId: string;
  /** As written in the registry (the key for tallies stored before it was kept). */
  distributorShown: string;
  program: string;
  rateRow: string;
  units: number;
  /** Units by family gate, for rows with one: most rows have none, and then the cell has no map. */
  byGate: Map<string, number> | null;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The rate row IDs of every program of the rules, once per rules rather than per tally. */
const rateRowKeys = new WeakMap<Rules, Map<string, Set<string>>>();
function rateRowsOf(rules: Rules): Map<string, Set<string>> {
  let keys = rateRowKeys.get(rules);
  if (!keys) {
    keys = new Map();
    for (const [id, p] of rules.programs) keys.set(id, new Set(p.rateRows.map((r) => r.id)));
    rateRowKeys.set(rules, keys);
  }
  return keys;
}

function sumTallies(rules: Rules, rows: readonly TallyRow[]): Cell[] {
  const cells = new Map<string, Cell>();
  const known = rateRowsOf(rules);
  for (const t of rows) {
    if (!known.get(t.program)?.has(t.rateRow))
      throw new RulesValidationError(
        `A tally of partner ${t.partnerId} names ${t.program}/${t.rateRow}, which rules ${rules.version} do not have.`,
        [],
        {
          key: 'tally-rate-row-unknown',
          params: { partner: t.partnerId, program: t.program, rateRow: t.rateRow, version: rules.version },
        },
      );
    const key = `${t.distributorId}\u0001${t.program}\u0001${t.rateRow}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = {
        distributorId: t.distributorId,
        distributorShown: t.distributorId,
        program: t.program,
        rateRow: t.rateRow,
        units: 0,
        byGate: null,
      };
      cells.set(key, cell);
    }
    // A tally stored before the as-written form was kept must not hide it.
    if (t.distributorDisplayId) cell.distributorShown = t.distributorDisplayId;
    cell.units += t.units;
    if (t.gate !== null) {
      const byGate = (cell.byGate ??= new Map());
      byGate.set(t.gate, (byGate.get(t.gate) ?? 0) + t.units);
    }
  }
  return [...cells.values()];
}

const ZERO = new Decimal(0);
const NONE: readonly MissingGroup[] = Object.freeze([]);
const NO_LATE: readonly LateCourse[] = Object.freeze([]);
/** Amounts by rate and paid units: a quarter pays the same few products over and over. Decimals are immutable. */
const amounts = new WeakMap<Decimal, Map<number, Decimal>>();
/** What a line pays: paid units × rate, two places; the same Decimal for the same rate and units. */
export function paidAmount(rate: Decimal, paidUnits: number): Decimal {
  let byUnits = amounts.get(rate);
  if (!byUnits) amounts.set(rate, (byUnits = new Map()));
  let amount = byUnits.get(paidUnits);
  if (amount === undefined) byUnits.set(paidUnits, (amount = rate.times(paidUnits).toDecimalPlaces(2)));
  return amount;
}
const moscow = (l: LateCourse) => ({ course: l.course, completedAt: formatMoscow(l.completedAt) });

/** What a program's lines share: worked out once per partner × program, not once per line. */
interface ProgramLines {
  /** An ignored acceptance was late: every line then names the acceptance deadline. */
  lateIgnored: boolean;
  programGateMissing: MissingGroup[] | undefined;
  /** The groups a line misses and their late courses, by the unmet gates its units fall under. */
  missingByGates: Map<string, { missing: readonly MissingGroup[]; late: LateCourse[]; described: string[] }>;
  /** The applied plan's rate by rate row (the program and plan are the standing's). */
  rates: Map<string, Decimal>;
  /**
   * Explanations by code, reason and the line's unmet gates with units: given the standing, a
   * line's explanation depends on nothing else, and most lines of a program share one.
   */
  explanations: Map<string, Explanation>;
}

function programLines(s: Standing): ProgramLines {
  return {
    lateIgnored: s.acceptance.use.ignored.some((a) => a.why === 'late'),
    programGateMissing: s.program.gate ? s.unmetGates.get(s.program.gate) : undefined,
    missingByGates: new Map(),
    rates: new Map(),
    explanations: new Map(),
  };
}

/** The program's gate (when unmet) and the line's unmet family gates with units, each once, and their groups. */
/** `key`: the unmet gates with units joined, as payLine keys explanations by them. */
function missingOf(s: Standing, shared: ProgramLines, unmetWithUnits: string[] | null, key: string) {
  let found = shared.missingByGates.get(key);
  if (!found) {
    const { program } = s;
    const gates = [
      ...(program.gate && s.unmetGates.has(program.gate) ? [program.gate] : []),
      ...(unmetWithUnits ?? []),
    ];
    const missing = [...new Set(gates)].flatMap((g) => s.unmetGates.get(g)!);
    found = { missing, late: lateCourses(missing), described: missing.map(describeCourses) };
    shared.missingByGates.set(key, found);
  }
  return found;
}

/**
 * A line's explanation from its standing, sentence code and reason, and the unmet family gates its
 * units fall under (payLine asks once per distinct set of them per partner × program).
 */
function explain(
  rules: Rules,
  s: Standing,
  shared: ProgramLines,
  code: ExplanationCode,
  reason: ZeroReason | null,
  unmetWithUnits: string[] | null,
  unmetKey: string,
): Explanation {
  const { program, appliedPlan } = s;
  let missing: readonly MissingGroup[] = NONE;
  let missingLate: readonly LateCourse[] = NO_LATE;
  let described: string[] = [];
  if (s.unmetGates.size) ({ missing, late: missingLate, described } = missingOf(s, shared, unmetWithUnits, unmetKey));

  const late = reason === 'training-missing' && missing.length ? missingLate : NO_LATE;

  const params: ExplanationParams = {};
  let hasParams = false;
  const programGateMissing = shared.programGateMissing;
  const named =
    code === 'training-missing'
      ? missing
      : code === 'program-training-missing' || ((code === 'plan-not-met' || code === 'below-lowest-plan') && programGateMissing)
        ? programGateMissing!
        : NONE;
  if (named.length) {
    hasParams = true;
    params.trainingDeadline = formatMoscow(rules.trainingDeadline);
    params.missing = named.map((g) => ({ label: g.label, courses: [...g.courses] }));
    // lateCourses holds those of a training-missing line; other sentences name only their groups' own.
    const namedLate = named === missing ? missingLate : lateCourses(named);
    if (code !== 'training-missing' && namedLate.length) params.late = namedLate.map(moscow);
  }
  if (code === 'plan-not-a-threshold') {
    hasParams = true;
    params.plans = [...program.plans];
  } else if (!s.acceptance.valid && s.acceptance.code === 'plan-not-a-threshold') {
    hasParams = true;
    params.acceptanceNotValid = true;
  }
  if (code === 'not-accepted' || code === 'accepted-late' || shared.lateIgnored) {
    hasParams = true;
    params.acceptanceDeadline = formatMoscow(rules.acceptanceDeadline);
  }

  const planBasis = appliedPlan === null ? null : s.plan.basis;
  const missingUnits = reason === 'plan-not-met' || reason === 'below-lowest-plan' ? s.plan.missing : null;
  const missingCourses = reason === 'training-missing' && missing.length ? described.slice() : null;
  const lateNamed = late.length ? late.map(moscow) : null;
  const acceptance = s.acceptance.use;
  // Two literals rather than a spread of `params`: the same keys in the same order, without the
  // generic copy a spread costs on every line.
  const explanation: Explanation = hasParams
    ? { code, params, reason, plan: appliedPlan, planBasis, programUnits: s.units, missingUnits, missingCourses, lateCourses: lateNamed, acceptance }
    : { code, reason, plan: appliedPlan, planBasis, programUnits: s.units, missingUnits, missingCourses, lateCourses: lateNamed, acceptance };
  return explanation;
}

/** `partner`: the partner's key and how it is shown (as written in the registry). */
function payLine(rules: Rules, partner: { id: string; shown: string }, s: Standing, shared: ProgramLines, c: Cell): PayoutLine {
  const { program, appliedPlan, blocked } = s;
  let rate = ZERO;
  if (appliedPlan !== null) {
    const known = shared.rates.get(c.rateRow);
    if (known) rate = known;
    else shared.rates.set(c.rateRow, (rate = rules.rate(program.id, c.rateRow, appliedPlan)));
  }

  // Units of a family whose training gate is unmet count toward the plan but earn nothing.
  // Most partners have no unmet gate: then no line needs the lists below.
  let unmetUnits = 0;
  let unmetWithUnits: string[] | null = null;
  if (s.unmetGates.size && c.byGate)
    for (const [gate, u] of c.byGate)
      if (s.unmetGates.has(gate)) {
        unmetUnits += u;
        if (u > 0) (unmetWithUnits ??= []).push(gate);
      }
  const paidNet = c.units - unmetUnits;
  const payable = blocked === null && c.units > 0 && !rate.isZero();
  const paidUnits = payable ? Math.max(0, Math.min(paidNet, c.units)) : 0;
  const amount = paidAmount(rate, paidUnits);

  const reason: ZeroReason | null =
    blocked?.reason ??
    (c.units < 0
      ? 'negative-net'
      : c.units > 0 && rate.isZero()
        ? 'zero-rate'
        : paidUnits < c.units
          ? 'training-missing'
          : null);

  // The sentence's code, and what it names that the structured fields do not hold.
  const code: ExplanationCode =
    blocked?.code ??
    (reason === 'negative-net'
      ? 'negative-net'
      : c.units === 0
        ? 'net-zero'
        : reason === 'zero-rate'
          ? 'zero-rate'
          : reason === 'training-missing'
            ? 'training-missing'
            : 'paid');
  const unmetKey = unmetWithUnits ? unmetWithUnits.join('\u0001') : '';
  const explanationKey = `${code}\u0001${reason ?? ''}\u0001${unmetKey}`;
  let explanation = shared.explanations.get(explanationKey);
  if (!explanation) {
    explanation = explain(rules, s, shared, code, reason, unmetWithUnits, unmetKey);
    shared.explanations.set(explanationKey, explanation);
  }
  const warnings: PayoutWarning[] =
    c.units < 0
      ? [
          {
            code: 'negative-net',
            params: {
              partner: partner.shown,
              distributor: c.distributorShown,
              rateRow: c.rateRow,
              program: program.id,
              units: c.units,
            },
          },
        ]
      : [];
  return {
    quarter: rules.quarter,
    partnerId: partner.id,
    distributorId: c.distributorId,
    partnerDisplayId: partner.shown,
    distributorDisplayId: c.distributorShown,
    program: program.id,
    rateRow: c.rateRow,
    units: c.units,
    paidUnits,
    rate,
    amount,
    explanation,
    warnings,
  };
}

/**
 * One partner's payout lines and tier progress for the quarter of `rules`. Tally rows of other
 * partners are ignored. Progress is given for every program with tallies or an acceptance.
 */
export function calculatePartnerQuarter(
  rules: Rules,
  ref: PartnerReference,
  partnerId: string,
  tallies: readonly TallyRow[],
): PartnerQuarterResult {
  const cells = sumTallies(
    rules,
    tallies.filter((t) => t.partnerId === partnerId),
  );
  const programIds = new Set([
    ...cells.map((c) => c.program),
    ...ref.acceptances.map((a) => a.program).filter((p) => rules.programs.has(p)),
  ]);

  // Messages name the partner as written in the registry; without a registry row, by its key.
  const partner = { id: partnerId, shown: ref.partner?.displayId || partnerId };
  const lines: PayoutLine[] = [];
  const progress: TierProgress[] = [];
  const warnings: PayoutWarning[] = [];
  for (const id of [...programIds].sort(compare)) {
    const mine = cells.filter((c) => c.program === id);
    const gates: string[] = [];
    for (const c of mine) if (c.byGate) for (const g of c.byGate.keys()) gates.push(g);
    const programUnits = mine.reduce((sum, c) => sum + c.units, 0);
    // assessProgram names the partner only in its warning, so it gets the shown form.
    const standing = assessProgram(rules, ref, partner.shown, rules.programs.get(id)!, programUnits, gates);
    if (!standing.acceptance.valid && standing.acceptance.warning) warnings.push(standing.acceptance.warning);
    progress.push(tierProgress(rules, partnerId, standing));
    const shared = programLines(standing);
    lines.push(...mine.map((c) => payLine(rules, partner, standing, shared, c)));
  }
  lines.sort(
    (a, b) =>
      compare(a.distributorId, b.distributorId) ||
      compare(a.program, b.program) ||
      compare(a.rateRow, b.rateRow),
  );
  for (const l of lines) for (const w of l.warnings) warnings.push(w);

  return {
    quarter: rules.quarter,
    partnerId,
    rulesVersion: rules.version,
    lines,
    progress,
    total: sumLineAmounts(lines),
    warnings,
  };
}

/** Every partner that has tallies in the quarter, in partner ID order. */
export function calculateQuarter(
  rules: Rules,
  refOf: (partnerId: string) => PartnerReference,
  tallies: readonly TallyRow[],
): { partners: PartnerQuarterResult[]; lines: PayoutLine[]; total: Decimal } {
  const byPartner = new Map<string, TallyRow[]>();
  for (const t of tallies) {
    const rows = byPartner.get(t.partnerId);
    if (rows) rows.push(t);
    else byPartner.set(t.partnerId, [t]);
  }
  const partners = [...byPartner.keys()]
    .sort(compare)
    .map((id) => calculatePartnerQuarter(rules, refOf(id), id, byPartner.get(id)!));
  const lines = partners.flatMap((p) => p.lines);
  return { partners, lines, total: sumLineAmounts(lines) };
}

/**
 * An amount as a whole number of kopecks (a BigInt: money is never a floating-point number) when it
 * has at most two places; else null. Cached per Decimal: a quarter pays the same few amounts.
 */
const kopecksOf = new WeakMap<Decimal, bigint | null>();
function kopecks(amount: Decimal): bigint | null {
  let k = kopecksOf.get(amount);
  if (k === undefined) {
    const n = amount.times(100);
    k = n.isInteger() ? BigInt(n.toFixed(0)) : null;
    kopecksOf.set(amount, k);
  }
  return k;
}

/**
 * Below this many kopecks every partial sum is a Decimal sum that needs no rounding (Decimal keeps
 * 20 significant digits), so integer and Decimal addition give the same total, to the last digit.
 */
const EXACT = 10n ** 18n;
const inRange = (k: bigint) => k < EXACT && k > -EXACT;
const fromKopecks = (k: bigint) => new Decimal(k.toString()).dividedBy(100);

/**
 * Amounts added up in whole kopecks while that is exact, then as Decimals (the kopecks so far are
 * an exact Decimal, so the sum is the Decimal sum either way).
 */
export class AmountSum {
  private kopecks = 0n;
  private decimal: Decimal | null = null;

  add(amount: Decimal): void {
    if (this.decimal) {
      this.decimal = this.decimal.plus(amount);
      return;
    }
    const k = kopecks(amount);
    const next = k === null ? null : this.kopecks + k;
    if (next !== null && inRange(next)) this.kopecks = next;
    else this.decimal = fromKopecks(this.kopecks).plus(amount);
  }

  get value(): Decimal {
    return this.decimal ?? fromKopecks(this.kopecks);
  }
}

/**
 * The lines' amounts added up. Amounts are whole kopecks and few distinct Decimals (paidAmount), so
 * they are added as whole numbers of kopecks, exactly, with one Decimal at the end instead of one
 * per line; anything else is added as Decimals.
 */
export function sumLineAmounts(lines: readonly Pick<PayoutLine, 'amount'>[]): Decimal {
  const sum = new AmountSum();
  for (const l of lines) sum.add(l.amount);
  return sum.value;
}
