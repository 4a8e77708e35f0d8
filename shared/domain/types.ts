/**
 * The domain's vocabulary. Pure data; no AWS, no I/O.
 */
import type { Decimal } from 'decimal.js';
import type { RecordedCause } from './causes.js';
import type { Detail } from './render/details.js';
import type { Family, FormFactor, Segment } from './rules/schema.js';

export type { Family, FormFactor, Segment };

// ---------------------------------------------------------------- reference data

// Identifiers are matched by a normalised key (`id`, `partnerId`, …) and shown as written in the
// reference data (data-formats.md, "Reference data"): see ids.ts.

export interface Partner {
  /** The key: normalised as report lines are (partner-id.ts). */
  id: string;
  /** The ID as written in partners.csv (trimmed); shown and exported. */
  displayId: string;
  name: string;
  status: 'Registered' | 'Preferred';
  region: string;
}

export interface Distributor {
  /** The key: trimmed, lower-case; also the S3 prefix and the report folder matched in any case. */
  id: string;
  /** The ID as written in distributors.csv (trimmed), e.g. "D-MERL"; shown and exported. */
  displayId: string;
  name: string;
  segments: Segment[];
}

export interface Acceptance {
  partnerId: string;
  program: string;
  /** The chosen plan threshold, or null when the partner chose none. */
  plan: number | null;
  /** ISO 8601 with offset. */
  acceptedAt: string;
  /** When it was imported or uploaded (ISO 8601); absent on rows not yet stored, and on rows stored before it was kept. */
  recordedAt?: string;
}

export interface Training {
  partnerId: string;
  /** As written (trimmed); matched upper-cased (courseKey). */
  courseCode: string;
  /** ISO 8601 with offset. */
  completedAt: string;
}

export interface CatalogEntry {
  /** As written (trimmed); matched upper-cased (normaliseSku). */
  sku: string;
  program: string;
  rateRow: string;
}

/** What the calculation needs to know about one partner. */
export interface PartnerReference {
  partner: Partner | null;
  acceptances: Acceptance[];
  trainings: Training[];
}

// ---------------------------------------------------------------- classification

export interface ProductFeatures {
  family: Family | null;
  /** The model token, e.g. "5480", "T130", "R730", "MD1400", "2824". */
  model: string | null;
  formFactor: FormFactor;
  rugged: boolean;
  pro: boolean;
  monitorSeries: string | null;
  /** Nominal diagonal in inches. */
  diagonal: number | null;
  diagonalSource: 'model-code' | 'description' | null;
}

export type Classification =
  | {
      outcome: 'rated';
      program: string;
      rateRow: string;
      segment: Segment;
      /** Training gate of this family (e.g. "precision", "rugged"), null when not gated at family level. */
      gate: string | null;
      /** "catalog" when an explicit SKU mapping decided, else the id of the rule that matched. */
      decidedBy: string;
      features: ProductFeatures;
    }
  | {
      outcome: 'unrated' | 'not-eligible' | 'unclassified';
      reason: string;
      /** The reason as a code with parameters, for the reader's language (render/details.ts). */
      detail?: Detail;
      segment: Segment | null;
      decidedBy: string | null;
      features: ProductFeatures;
    };

// ---------------------------------------------------------------- tallies

/**
 * Net units of one partner bought at one distributor in one program rate row, for one quarter,
 * split by family-level training gate (null = not gated). Only lines that passed §2 items 1 and 3
 * (known partner, authorised distributor) and were classified as rated are tallied.
 */
export interface TallyRow {
  partnerId: string;
  distributorId: string;
  /** The distributor as written in the registry when the report was read (absent in older tallies). */
  distributorDisplayId?: string;
  program: string;
  rateRow: string;
  gate: string | null;
  /** Net units (returns are negative quantities). Integer. */
  units: number;
}

// ---------------------------------------------------------------- results

export type ZeroReason =
  | 'partner-not-registered'
  | 'program-not-accepted'
  | 'accepted-late'
  | 'plan-not-met'
  | 'below-lowest-plan'
  | 'training-missing'
  | 'zero-rate'
  | 'negative-net';

/** One acceptance as an explanation names it. */
export interface AcceptanceRef {
  plan: number | null;
  /** As recorded (ISO 8601 with offset). */
  acceptedAt: string;
}

/**
 * Which of a partner's acceptances of a program counts (§2.2) and why the others do not: `late`
 * when made at or after the deadline, `superseded` when made in time but a later one (or, at the
 * same instant, one with a higher plan) counts.
 */
export interface AcceptanceUse {
  used: AcceptanceRef | null;
  ignored: (AcceptanceRef & { why: 'late' | 'superseded' })[];
}

/** A training group an explanation names as missing: any one of its courses will do. */
export interface TrainingGroupRef {
  label: string;
  courses: string[];
}

/**
 * Which sentence explains a line. Sentences are rendered in the reader's language from the code,
 * the structured fields and `params` (shared/domain/render/); nothing rendered is stored.
 */
export const EXPLANATION_CODES = [
  'not-registered',
  'not-accepted',
  'accepted-late',
  'plan-not-a-threshold',
  'plan-not-met',
  'below-lowest-plan',
  'program-training-missing',
  'paid',
  'training-missing',
  'negative-net',
  'net-zero',
  'zero-rate',
  'adjustment',
  /** A sentence stored by an earlier version, which stored English text: shown as it is. */
  'stored-text',
] as const;
export type ExplanationCode = (typeof EXPLANATION_CODES)[number];

/** Figures of an adjustment: what was paid for the closed quarter and what is due now. */
export interface AdjustmentFigures {
  units: number;
  /** Two decimals, as a string: params stay plain JSON. */
  amount: string;
}

/** Why a closed quarter's figures changed since its close, per distributor. */
export type ChangeCause =
  | { kind: 'new-report' | 'withdrawn-report' | 'corrected-report'; report: string }
  | { kind: 'new-rules'; version: string }
  // Adjustments since causes are recorded: what the computations that changed the partner recorded.
  | RecordedCause
  | { kind: 'not-recorded' };

/** What the code's sentence needs beyond the structured fields; only what it names is set. */
export interface ExplanationParams {
  /** Instants written in Moscow time with offset, when the sentence names the deadline. */
  acceptanceDeadline?: string;
  trainingDeadline?: string;
  /** Training groups the sentence names as missing (the program's gate, or the line's families). */
  missing?: TrainingGroupRef[];
  /** Late completions of those groups, when `lateCourses` does not hold them. */
  late?: { course: string; completedAt: string }[];
  /** The program's plans, when the sentence lists them. */
  plans?: number[];
  /** The acceptance that counts names a plan that is not a threshold (said when another reason comes first). */
  acceptanceNotValid?: true;
  /** An adjustment: the closed quarter it corrects, the figures before and after, and why. */
  of?: string;
  before?: AdjustmentFigures;
  after?: AdjustmentFigures;
  causes?: ChangeCause[];
  /** An adjustment: the line as it is now, whose explanation follows. */
  now?: ExplainedLine;
  /** `stored-text`: the sentence as an earlier version stored it. */
  text?: string;
}

export interface Explanation {
  code: ExplanationCode;
  params?: ExplanationParams;
  /** Set when the line pays nothing, or pays for only part of its units. */
  reason: ZeroReason | null;
  /** The plan whose column of rates applies (null when none applies). */
  plan: number | null;
  /** Whether that plan was chosen at acceptance or is the highest threshold reached. */
  planBasis: 'chosen' | 'highest-reached' | null;
  /** Units counted toward the plan for the whole program (all distributors, net). */
  programUnits: number;
  /** Units still missing to reach the relevant threshold, when the plan was not met. */
  missingUnits: number | null;
  /** Course codes still missing, per unmet group, when a training gate blocks payment. */
  missingCourses: string[] | null;
  /**
   * Required courses of those groups that were completed, but not before the training deadline:
   * the earliest completion of each, in Moscow time. Null when none was late.
   */
  lateCourses: { course: string; completedAt: string }[] | null;
  /** The program's acceptances: the one that counts and those ignored (absent in results stored before it was added). */
  acceptance?: AcceptanceUse;
}

/** What a sentence about a line reads of it; money as Decimal or as its two-decimal string. */
export interface ExplainedLine {
  partnerId: string;
  partnerDisplayId?: string;
  distributorId: string;
  distributorDisplayId?: string;
  program: string;
  rateRow: string;
  units: number;
  paidUnits: number;
  rate: Decimal | string;
  amount: Decimal | string;
  explanation: Explanation;
}

/** A warning, rendered in the reader's language like explanations. */
export type PayoutWarning =
  | {
      code: 'negative-net';
      params: { partner: string; distributor: string; rateRow: string; program: string; units: number };
    }
  | { code: 'plan-not-a-threshold'; params: { partner: string; program: string; plan: number } }
  | { code: 'stored-text'; params: { text: string } };

export interface PayoutLine {
  quarter: string;
  partnerId: string;
  distributorId: string;
  /** The IDs as written in the reference data (absent in lines stored before they were kept). */
  partnerDisplayId?: string;
  distributorDisplayId?: string;
  program: string;
  rateRow: string;
  /** Net units bought at this distributor in this rate row (all families, gated or not). */
  units: number;
  /** Units that earn the rate (≤ units; 0 when the line pays nothing). */
  paidUnits: number;
  /** Rate per unit of the applied plan column (0 when no plan applies). */
  rate: Decimal;
  /** paidUnits × rate, exact, 2 places. Never negative. */
  amount: Decimal;
  /** Shared by the lines of a partner × program that give the same sentence (payLine): never edit it in place. */
  explanation: Explanation;
  warnings: PayoutWarning[];
}

export interface TierProgress {
  partnerId: string;
  program: string;
  /** Units counted so far this quarter (net, all distributors). */
  units: number;
  thresholds: number[];
  chosenPlan: number | null;
  /** The plan whose rates apply now (null when none). */
  appliedPlan: number | null;
  /** The next threshold above the units so far (for a chosen plan: that plan until it is met). */
  nextThreshold: number | null;
  unitsToNext: number | null;
  accepted: boolean;
  /** The program's acceptances: the one that counts and those ignored (absent in results stored before it was added). */
  acceptance?: AcceptanceUse;
  /** Whether the partner is registered (absent in progress stored before it was kept). */
  registered?: boolean;
  /** Training gates (program and family) the partner has not met, sorted (absent in results stored before it was added). */
  unmetGates?: string[];
  /** The acceptance deadline, when the status names it (no valid acceptance). */
  acceptanceDeadline?: string;
  /** The status line as an earlier version stored it (English); now rendered from the fields. */
  summary?: string;
}

export interface PartnerQuarterResult {
  quarter: string;
  partnerId: string;
  rulesVersion: string;
  lines: PayoutLine[];
  progress: TierProgress[];
  total: Decimal;
  warnings: PayoutWarning[];
}
