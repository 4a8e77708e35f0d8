/**
 * What the sentences of a line read, gathered once from the line's figures, its explanation's
 * structured fields and params, so the two languages cannot read them differently.
 */
import type { Decimal } from 'decimal.js';
import type { AcceptanceRef, AcceptanceUse, ExplainedLine, Explanation, TrainingGroupRef } from '../types.js';
import { toDecimal } from './format.js';

export interface LineFacts {
  code: Explanation['code'];
  partner: string;
  distributor: string;
  program: string;
  rateRow: string;
  units: number;
  paidUnits: number;
  rate: Decimal;
  amount: Decimal;
  plan: number | null;
  planBasis: Explanation['planBasis'];
  programUnits: number;
  missingUnits: number;
  /** The chosen plan (plan-not-met), or the plan an invalid acceptance names. */
  acceptedPlan: number | null;
  acceptance: AcceptanceUse;
  /** Whether the acceptance that counts is valid (it names a plan of the program). */
  acceptanceValid: boolean;
  acceptanceDeadline: string;
  trainingDeadline: string;
  missing: TrainingGroupRef[];
  late: { course: string; completedAt: string }[];
  plans: number[];
}

export function lineFacts(line: ExplainedLine): LineFacts {
  const ex = line.explanation;
  const p = ex.params ?? {};
  const acceptance = ex.acceptance ?? { used: null, ignored: [] };
  return {
    code: ex.code,
    partner: line.partnerDisplayId || line.partnerId,
    distributor: line.distributorDisplayId || line.distributorId,
    program: line.program,
    rateRow: line.rateRow,
    units: line.units,
    paidUnits: line.paidUnits,
    rate: toDecimal(line.rate),
    amount: toDecimal(line.amount),
    plan: ex.plan,
    planBasis: ex.planBasis,
    programUnits: ex.programUnits,
    missingUnits: ex.missingUnits ?? 0,
    acceptedPlan: acceptance.used?.plan ?? null,
    acceptance,
    acceptanceValid: ex.code !== 'plan-not-a-threshold' && !p.acceptanceNotValid,
    acceptanceDeadline: p.acceptanceDeadline ?? '',
    trainingDeadline: p.trainingDeadline ?? '',
    missing: p.missing ?? [],
    late: (ex.code === 'training-missing' ? ex.lateCourses : p.late) ?? [],
    plans: p.plans ?? [],
  };
}

export const atOf = (a: AcceptanceRef): number => Date.parse(a.acceptedAt);
