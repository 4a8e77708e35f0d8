/**
 * Whether a partner may earn in a program this quarter (program rules §2, §4, §5): registration,
 * acceptance before the deadline, the plan whose rates apply, and training gates.
 * Pure functions over one partner's reference data and the program's units.
 */
import { RulesValidationError } from '../errors.js';
import { formatMoscow } from './calendar.js';
import type { Rules } from './rules/load.js';
import type { Program } from './rules/schema.js';
import type { Acceptance, AcceptanceUse, PartnerReference, Training, ZeroReason } from './types.js';

export function units(n: number): string {
  return `${n} unit${Math.abs(n) === 1 ? '' : 's'}`;
}

// ---------------------------------------------------------------- registration (§2.1)

export function isRegistered(ref: PartnerReference): boolean {
  return ref.partner?.status === 'Registered' || ref.partner?.status === 'Preferred';
}

// ---------------------------------------------------------------- acceptance (§2.2)

export type AcceptanceCheck = (
  | { valid: true; plan: number | null }
  | {
      valid: false;
      reason: 'program-not-accepted' | 'accepted-late';
      text: string;
      /** Set when the reference data itself looks wrong (a plan that is not a threshold). */
      warning: string | null;
    }
) & {
  /** The acceptance that counts and those ignored, for the explanation's structured field. */
  use: AcceptanceUse;
  /** A sentence naming them, to follow the line's own text; empty when `text` already says it all. */
  said: string;
};

const withPlan = (plan: number | null): string => (plan === null ? 'with no plan' : `with plan ${plan}`);

/**
 * The acceptance that counts is the latest one made strictly before the deadline: a partner who
 * accepted twice changed their mind, and the later plan is the one they chose. Ties at the same
 * instant go to the higher plan, so the result never depends on the order of the reference data.
 * The same acceptance recorded twice (same instant and plan) is one acceptance. An acceptance whose
 * date cannot be read is ignored. If the counted acceptance names a plan that is not one of the
 * program's thresholds, there is no valid acceptance (we do not guess the plan).
 */
export function checkAcceptance(
  rules: Rules,
  partnerId: string,
  program: Program,
  acceptances: readonly Acceptance[],
): AcceptanceCheck {
  const deadline = formatMoscow(rules.acceptanceDeadline);
  const sorted = acceptances
    .filter((a) => a.program === program.id)
    .map((a) => ({ plan: a.plan, acceptedAt: a.acceptedAt, at: Date.parse(a.acceptedAt) }))
    .filter((a) => Number.isFinite(a.at))
    // The written form breaks the last tie, so which copy of a repeat is kept never depends on order.
    .sort(
      (a, b) =>
        a.at - b.at ||
        (a.plan ?? -1) - (b.plan ?? -1) ||
        (a.acceptedAt < b.acceptedAt ? -1 : a.acceptedAt > b.acceptedAt ? 1 : 0),
    );
  const mine = sorted.filter(
    (a, i) => i === 0 || a.at !== sorted[i - 1]!.at || a.plan !== sorted[i - 1]!.plan,
  );
  const inTime = mine.filter((a) => a.at < rules.acceptanceDeadline);
  const late = mine.filter((a) => a.at >= rules.acceptanceDeadline);
  const counted = inTime.at(-1);
  const ref = (a: (typeof mine)[number]) => ({ plan: a.plan, acceptedAt: a.acceptedAt });
  const use: AcceptanceUse = {
    used: counted ? ref(counted) : null,
    ignored: [
      ...inTime.slice(0, -1).map((a) => ({ ...ref(a), why: 'superseded' as const })),
      ...late.map((a) => ({ ...ref(a), why: 'late' as const })),
    ],
  };

  if (!counted) {
    const at = (a: (typeof mine)[number]) => `${formatMoscow(a.at)} ${withPlan(a.plan)}`;
    const text =
      late.length === 1
        ? `the partner accepted the ${program.id} program at ${formatMoscow(late[0]!.at)}, which is not before the deadline ${deadline}`
        : late.length > 1
          ? `the partner accepted the ${program.id} program ${late.length} times, none before the deadline ${deadline} (at ${late.map(at).join(', at ')})`
          : `the partner did not accept the ${program.id} program before the deadline ${deadline}`;
    return {
      valid: false,
      reason: late.length ? 'accepted-late' : 'program-not-accepted',
      text,
      warning: null,
      use,
      said: '',
    };
  }
  const ignored = use.ignored
    .map(
      (a) =>
        `the one made at ${formatMoscow(Date.parse(a.acceptedAt))} ${withPlan(a.plan)} (${
          a.why === 'late' ? `not before the deadline ${deadline}` : 'a later one replaces it'
        })`,
    )
    .join(' and ');
  if (counted.plan !== null && !program.plans.includes(counted.plan)) {
    const text =
      `the partner's acceptance of the ${program.id} program names plan ${counted.plan}, which is not one of ` +
      `its plans (${program.plans.join(', ')}), so it is not a valid acceptance`;
    const warning = `Partner ${partnerId}: the ${program.id} acceptance names plan ${counted.plan}, which is not one of its plans; check the acceptance data.`;
    const said = ignored ? `Other ${program.id} acceptances ignored: ${ignored}.` : '';
    return { valid: false, reason: 'program-not-accepted', text, warning, use, said };
  }
  const said =
    `The ${program.id} acceptance counted is the one made at ${formatMoscow(counted.at)} ${withPlan(counted.plan)}` +
    (ignored ? `; ignored: ${ignored}.` : '.');
  return { valid: true, plan: counted.plan, use, said };
}

// ---------------------------------------------------------------- plans (§4)

export interface PlanStatus {
  chosen: number | null;
  /** The plan whose column of rates applies, judged on units alone. */
  reached: number | null;
  basis: 'chosen' | 'highest-reached' | null;
  /** Units still missing to the chosen plan, or to the lowest one when none was chosen. */
  missing: number | null;
}

/** A chosen plan must be met; without a choice the highest threshold reached applies. */
export function planStatus(
  plans: readonly number[],
  programUnits: number,
  chosen: number | null,
): PlanStatus {
  if (chosen !== null) {
    const met = programUnits >= chosen;
    return {
      chosen,
      reached: met ? chosen : null,
      basis: met ? 'chosen' : null,
      missing: met ? null : chosen - programUnits,
    };
  }
  const reached = plans.filter((p) => programUnits >= p).at(-1) ?? null;
  return {
    chosen: null,
    reached,
    basis: reached === null ? null : 'highest-reached',
    missing: reached === null ? plans[0]! - programUnits : null,
  };
}

// ---------------------------------------------------------------- trainings (§5)

/** A required course the partner completed, but not before the training deadline. */
export interface LateCourse {
  course: string;
  /** The earliest completion, epoch ms. */
  completedAt: number;
}

export interface MissingGroup {
  label: string;
  courses: readonly string[];
  /** Courses of this group completed only at or after the training deadline. */
  late: readonly LateCourse[];
}

/**
 * The groups of a training gate that the partner has not satisfied. A group is satisfied by any
 * one of its courses completed strictly before the training deadline (program rules §5: the source
 * asks for the trainings by the acceptance deadline); courses from earlier quarters count. A course
 * completed later is named in the group as late, so the explanation can say why it did not count.
 */
export function missingTrainings(
  rules: Rules,
  gateId: string,
  trainings: readonly Training[],
): MissingGroup[] {
  const gate = rules.trainings.get(gateId);
  if (!gate) throw new RulesValidationError(`Rules ${rules.version} have no training gate "${gateId}".`);
  const done = new Set<string>();
  const lateAt = new Map<string, number>();
  for (const t of trainings) {
    const code = t.courseCode.trim().toUpperCase();
    const at = Date.parse(t.completedAt);
    if (at < rules.trainingDeadline) done.add(code);
    // The earliest late completion is the one named; an unreadable date is neither (NaN compares false).
    else if (at >= rules.trainingDeadline && at < (lateAt.get(code) ?? Infinity)) lateAt.set(code, at);
  }
  return gate.allOf
    .filter((g) => !g.oneOf.some((c) => done.has(c)))
    .map((g) => ({
      label: g.label,
      courses: g.oneOf,
      late: g.oneOf.filter((c) => lateAt.has(c)).map((c) => ({ course: c, completedAt: lateAt.get(c)! })),
    }));
}

/** "DPWT0212WBTT", or "one of A, B, C" when any course of the group will do. */
export function describeCourses(group: MissingGroup): string {
  return group.courses.length > 1 ? `one of ${group.courses.join(', ')}` : group.courses[0]!;
}

/** "sales training DPWS0212WBTS and a technical training (one of A, B)". */
export function describeMissing(groups: readonly MissingGroup[]): string {
  return groups
    .map((g) =>
      g.courses.length > 1
        ? `a ${g.label} training (${describeCourses(g)})`
        : `${g.label} training ${g.courses[0]}`,
    )
    .join(' and ');
}

/** The late completions of these groups, each course once, in the groups' order. */
export function lateCourses(groups: readonly MissingGroup[]): LateCourse[] {
  const byCourse = new Map<string, LateCourse>();
  for (const l of groups.flatMap((g) => g.late)) if (!byCourse.has(l.course)) byCourse.set(l.course, l);
  return [...byCourse.values()];
}

/** " Completed too late: DPWT0212WBTT at 2016-04-15T11:00:00+03:00.", or "" when nothing was late. */
export function describeLate(groups: readonly MissingGroup[]): string {
  const late = lateCourses(groups);
  if (!late.length) return '';
  return ` Completed too late: ${late.map((l) => `${l.course} at ${formatMoscow(l.completedAt)}`).join(', ')}.`;
}

// ---------------------------------------------------------------- one partner × program

export interface Standing {
  program: Program;
  /** Net units of the whole program (all distributors, gated families included). */
  units: number;
  registered: boolean;
  acceptance: AcceptanceCheck;
  /** Judged with the valid chosen plan; with none when the acceptance is not valid. */
  plan: PlanStatus;
  /** The plan whose rates apply: only for a registered partner with a valid acceptance. */
  appliedPlan: number | null;
  /** Unmet groups by gate id, for the program gate and every family gate in the tallies. */
  unmetGates: ReadonlyMap<string, MissingGroup[]>;
  /** Why the whole program pays nothing: the first unmet condition in §2 order. */
  blocked: { reason: ZeroReason; text: string } | null;
}

export function assessProgram(
  rules: Rules,
  ref: PartnerReference,
  partnerId: string,
  program: Program,
  programUnits: number,
  familyGates: Iterable<string>,
): Standing {
  const registered = isRegistered(ref);
  const acceptance = checkAcceptance(rules, partnerId, program, ref.acceptances);
  const plan = planStatus(program.plans, programUnits, acceptance.valid ? acceptance.plan : null);
  const eligible = registered && acceptance.valid;
  const appliedPlan = eligible ? plan.reached : null;

  const unmetGates = new Map<string, MissingGroup[]>();
  for (const gate of new Set([...(program.gate ? [program.gate] : []), ...familyGates])) {
    const missing = missingTrainings(rules, gate, ref.trainings);
    if (missing.length) unmetGates.set(gate, missing);
  }
  const programGateMissing = program.gate ? unmetGates.get(program.gate) : undefined;
  const counted = `${units(programUnits)} counted in the ${program.id} program this quarter across all distributors`;
  const trainingDeadline = formatMoscow(rules.trainingDeadline);
  const trainingsAlso = programGateMissing
    ? ` The program's trainings, due before the training deadline ${trainingDeadline}, are also missing: ` +
      `${describeMissing(programGateMissing)}.${describeLate(programGateMissing)}`
    : '';

  let blocked: Standing['blocked'] = null;
  if (!registered)
    blocked = {
      reason: 'partner-not-registered',
      text: `Pays nothing: partner ${partnerId} is not a registered partner (${counted}).`,
    };
  else if (!acceptance.valid)
    blocked = { reason: acceptance.reason, text: `Pays nothing: ${acceptance.text} (${counted}).` };
  else if (plan.reached === null && plan.chosen !== null)
    blocked = {
      reason: 'plan-not-met',
      text: `Pays nothing: plan ${plan.chosen} was chosen at acceptance and must be met, but only ${counted}, ${units(plan.missing!)} short.${trainingsAlso}`,
    };
  else if (plan.reached === null)
    blocked = {
      reason: 'below-lowest-plan',
      text: `Pays nothing: no plan was chosen, and the ${counted} are below the lowest threshold ${program.plans[0]}, ${units(plan.missing!)} short.${trainingsAlso}`,
    };
  else if (programGateMissing)
    blocked = {
      reason: 'training-missing',
      text:
        `Pays nothing: the whole ${program.id} program requires trainings completed before the training deadline ` +
        `${trainingDeadline}, and the partner lacks ${describeMissing(programGateMissing)}.` +
        `${describeLate(programGateMissing)} Plan ${plan.reached} is met (${counted}).`,
    };

  return { program, units: programUnits, registered, acceptance, plan, appliedPlan, unmetGates, blocked };
}
