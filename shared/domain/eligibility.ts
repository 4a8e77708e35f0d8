/**
 * Whether a partner may earn in a program this quarter (program rules §2, §4, §5): registration,
 * acceptance before the deadline, the plan whose rates apply, and training gates.
 * Pure functions over one partner's reference data and the program's units.
 */
import { RulesValidationError } from '../errors.js';
import type { Rules } from './rules/load.js';
import type { Program } from './rules/schema.js';
import type {
  Acceptance,
  AcceptanceUse,
  ExplanationCode,
  PartnerReference,
  PayoutWarning,
  Training,
  ZeroReason,
} from './types.js';

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
      /** The sentence that says why: none in time, only late ones, or a plan that is not a threshold. */
      code: 'not-accepted' | 'accepted-late' | 'plan-not-a-threshold';
      /** Set when the reference data itself looks wrong (a plan that is not a threshold). */
      warning: PayoutWarning | null;
    }
) & {
  /** The acceptance that counts and those ignored, for the explanation's structured field. */
  use: AcceptanceUse;
};

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

  if (!counted)
    return {
      valid: false,
      reason: late.length ? 'accepted-late' : 'program-not-accepted',
      code: late.length ? 'accepted-late' : 'not-accepted',
      warning: null,
      use,
    };
  if (counted.plan !== null && !program.plans.includes(counted.plan))
    return {
      valid: false,
      reason: 'program-not-accepted',
      code: 'plan-not-a-threshold',
      warning: { code: 'plan-not-a-threshold', params: { partner: partnerId, program: program.id, plan: counted.plan } },
      use,
    };
  return { valid: true, plan: counted.plan, use };
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
  if (!gate)
    throw new RulesValidationError(`Rules ${rules.version} have no training gate "${gateId}".`, [], {
      key: 'rules-gate-unknown',
      params: { version: rules.version, gate: gateId },
    });
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

/** The late completions of these groups, each course once, in the groups' order. */
export function lateCourses(groups: readonly MissingGroup[]): LateCourse[] {
  const byCourse = new Map<string, LateCourse>();
  for (const l of groups.flatMap((g) => g.late)) if (!byCourse.has(l.course)) byCourse.set(l.course, l);
  return [...byCourse.values()];
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
  /** Why the whole program pays nothing: the first unmet condition in §2 order, and its sentence. */
  blocked: { reason: ZeroReason; code: ExplanationCode } | null;
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

  let blocked: Standing['blocked'] = null;
  if (!registered) blocked = { reason: 'partner-not-registered', code: 'not-registered' };
  else if (!acceptance.valid) blocked = { reason: acceptance.reason, code: acceptance.code };
  else if (plan.reached === null && plan.chosen !== null) blocked = { reason: 'plan-not-met', code: 'plan-not-met' };
  else if (plan.reached === null) blocked = { reason: 'below-lowest-plan', code: 'below-lowest-plan' };
  else if (programGateMissing) blocked = { reason: 'training-missing', code: 'program-training-missing' };

  return { program, units: programUnits, registered, acceptance, plan, appliedPlan, unmetGates, blocked };
}
