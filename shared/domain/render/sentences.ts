/** What each language writes: one function per kind of sentence, over the same facts. */
import type { Decimal } from 'decimal.js';
import type { ChangeCause, PayoutWarning, TierProgress, TrainingGroupRef } from '../types.js';
import type { LedgerWhy, PointsReason } from '../points.js';
import type { LineFacts } from './facts.js';

export type WarningFacts = Exclude<PayoutWarning, { code: 'stored-text' }>;
export type EarningFacts = Exclude<PointsReason, { code: 'stored-text' }>;

export interface AdjustmentFacts {
  of: string;
  before: { units: number; amount: Decimal };
  after: { units: number; amount: Decimal };
  delta: Decimal;
  causes: ChangeCause[];
}

export interface Sentences {
  line(f: LineFacts): string;
  warning(w: WarningFacts): string;
  /** `reached`: the highest plan met, judged as the calculation judged it. */
  progress(p: TierProgress, reached: number | null): string;
  earning(e: EarningFacts): string;
  ledger(w: LedgerWhy): string;
  /** `now`: the current line's own sentence, already rendered, or null when the line is gone. */
  adjustment(a: AdjustmentFacts, now: string | null): string;
  /** Why a closed quarter's figures changed ("after …"); none: reference data. */
  causes(list: readonly ChangeCause[]): string;
  /** One cause on its own, as a list item says it (not after "after"). */
  cause(c: ChangeCause): string;
  /** A missing group's courses: its one course, or "any one of" them (a line's `missingCourses`). */
  courses(g: TrainingGroupRef): string;
}
