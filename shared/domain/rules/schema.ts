/**
 * The rules file of one quarter: everything that the program text says and that changes from
 * quarter to quarter. A new quarter is a new file, never a code change.
 */
import { z } from 'zod';

/** Non-negative RUB amount as a decimal string, never a JSON number (no floating point). */
export const MoneyString = z
  .string()
  .regex(/^\d+(\.\d{1,2})?$/, 'must be an amount in RUB written as a string, e.g. "1155" or "77.50"');

export const PlainDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a calendar date written YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), {
    message: 'is not a real calendar date',
  });

/** An instant with an explicit offset: `2016-04-01T00:00:00+03:00`. */
export const OffsetDateTime = z
  .string()
  .regex(
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/,
    'must be a date and time with an explicit offset, e.g. 2016-04-01T00:00:00+03:00',
  )
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'is not a real date and time' });

export const Slug = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes, e.g. "vostro-3xxx"');

export const QuarterId = z.string().regex(/^\d{4}-Q[1-4]$/, 'must look like 2016-Q1');

export const SEGMENTS = ['consumer', 'commercial', 'monitors'] as const;
export const Segment = z.enum(SEGMENTS);
export type Segment = z.infer<typeof Segment>;

/** Product families the description parser recognises (see classify.ts). */
export const FAMILIES = [
  'inspiron',
  'vostro',
  'optiplex',
  'latitude',
  'precision',
  'alienware',
  'xps',
  'venue',
  'poweredge',
  'powervault',
  'powerconnect',
  'networking',
  'monitor',
] as const;
export const Family = z.enum(FAMILIES);
export type Family = z.infer<typeof Family>;

export const FORM_FACTORS = ['notebook', 'desktop', 'aio', 'tablet', 'unknown'] as const;
export const FormFactor = z.enum(FORM_FACTORS);
export type FormFactor = z.infer<typeof FormFactor>;

/**
 * A model pattern as the program text writes it: `3xxx`, `T1xx`, `T20`, `R2xx`, `28xx`.
 * `x` stands for one digit; letters must match (case-insensitive); the whole model token must match.
 */
export const ModelPattern = z
  .string()
  .regex(/^[A-Za-z]*[0-9x]+[A-Za-z]*$/, 'must be a model pattern like "3xxx", "T1xx" or "T20" (x = any digit)');

export const MatchConditions = z
  .object({
    family: z.array(Family).min(1),
    model: z.array(ModelPattern).min(1).optional(),
    formFactor: z.array(FormFactor).min(1).optional(),
    rugged: z.boolean().optional(),
    pro: z.boolean().optional(),
    /** Monitor series letters from the model code: IN, S, SE, ST, AW, E, P, U, UP. */
    monitorSeries: z.array(z.string().regex(/^[A-Z]{1,2}$/)).min(1).optional(),
    /** Nominal diagonal in inches, inclusive bounds. */
    diagonal: z
      .object({ min: z.number().positive(), max: z.number().positive() })
      .strict()
      .refine((d) => d.min <= d.max, { message: 'min must not exceed max' })
      .optional(),
  })
  .strict();
export type MatchConditions = z.infer<typeof MatchConditions>;

/** The reason in Russian, shown to a Russian reader; without it the reason is shown as written. */
const ReasonRu = z.string().min(1).optional();

export const RuleOutcome = z.discriminatedUnion('outcome', [
  z
    .object({
      outcome: z.literal('rated'),
      program: Slug,
      rateRow: Slug,
      /** A training gate (key of `trainings`) that applies to this family only. */
      gate: Slug.optional(),
    })
    .strict(),
  /** Named as participating but given no rate: reported as unrated so a manager can map it. */
  z.object({ outcome: z.literal('unrated'), reason: z.string().min(1), reasonRu: ReasonRu }).strict(),
  /** Not in any rate row: not eligible. */
  z.object({ outcome: z.literal('not-eligible'), reason: z.string().min(1), reasonRu: ReasonRu }).strict(),
]);
export type RuleOutcome = z.infer<typeof RuleOutcome>;

export const ClassificationRule = z
  .object({
    id: Slug,
    note: z.string().optional(),
    when: MatchConditions,
    then: RuleOutcome,
  })
  .strict();
export type ClassificationRule = z.infer<typeof ClassificationRule>;

export const RateRow = z
  .object({
    id: Slug,
    label: z.string().min(1),
    /**
     * The rate row's Russian name as it reads inside a sentence (lower case but for model names), for
     * Russian texts and pages; without one, the built-in name for its id, else the id.
     */
    labelRu: z.string().min(1).optional(),
    /** Rate per unit for each plan threshold, keyed by the threshold written as a string ("50", "150"). */
    rates: z.record(z.string().regex(/^\d+$/), MoneyString),
  })
  .strict();
export type RateRow = z.infer<typeof RateRow>;

export const Program = z
  .object({
    id: Slug,
    name: z.string().min(1),
    /** The program's Russian name, for Russian texts and pages; without one, the built-in name for its id. */
    nameRu: z.string().min(1).optional(),
    /** Plan thresholds in units, ascending. */
    plans: z.array(z.number().int().positive()).min(1),
    /** A training gate (key of `trainings`) that applies to the whole program. */
    gate: Slug.optional(),
    rateRows: z.array(RateRow).min(1),
  })
  .strict();
export type Program = z.infer<typeof Program>;

export const CourseCode = z.string().regex(/^[A-Z0-9-]{4,40}$/, 'must be a course code like DPWS0212WBTS');

export const TrainingGate = z
  .object({
    label: z.string().min(1),
    /** Every group must be satisfied; a group is satisfied by any one of its courses. */
    allOf: z
      .array(z.object({ label: z.string().min(1), oneOf: z.array(CourseCode).min(1) }).strict())
      .min(1),
  })
  .strict();
export type TrainingGate = z.infer<typeof TrainingGate>;

export const PointsCampaign = z
  .object({
    name: z.string().min(1),
    /** True when the earning rates are examples (the source gives none). */
    ratesAreExamples: z.boolean(),
    note: z.string().optional(),
    /** Points per paid unit, keyed `<program>/<rateRow>`. Rows not listed earn no points. */
    pointsPerUnit: z.record(z.string().regex(/^[a-z0-9-]+\/[a-z0-9-]+$/), z.number().int().nonnegative()),
    /** Points per course completed within the quarter: a default and per-course overrides. */
    pointsPerCourse: z
      .object({
        default: z.number().int().nonnegative(),
        byCourse: z.record(CourseCode, z.number().int().nonnegative()).default({}),
      })
      .strict(),
    /** Reward catalog; `points: null` means the price is given on request. */
    rewards: z
      .array(
        z
          .object({
            id: Slug,
            name: z.string().min(1),
            /** The reward's Russian name (brand and model names inside stay as written); `name` without one. */
            nameRu: z.string().min(1).optional(),
            points: z.number().int().positive().nullable(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();
export type PointsCampaign = z.infer<typeof PointsCampaign>;

export const RulesFile = z
  .object({
    $schema: z.string().optional(),
    /** Version of this rules file; stored with every result computed from it. */
    version: z.string().regex(/^\d{4}-Q[1-4]\.\d+$/, 'must look like 2016-Q1.1 (quarter, dot, revision)'),
    quarter: QuarterId,
    source: z.string().min(1),
    notes: z.array(z.string()).default([]),
    /** The program runs on Moscow time; only +03:00 is accepted so nobody gets it wrong. */
    timezone: z.literal('+03:00'),
    calendar: z.object({ firstDay: PlainDate, lastDay: PlainDate }).strict(),
    /** Acceptance must happen strictly before this instant. */
    acceptanceDeadline: OffsetDateTime,
    /**
     * A mandatory course counts only when completed strictly before this instant (any earlier
     * quarter too). The 2016 source sets it at the acceptance deadline; it is a field of its own
     * because a later program may set another date.
     */
    trainingDeadline: OffsetDateTime,
    segments: z.record(Segment, z.array(Family).min(1)),
    programs: z.array(Program).min(1),
    trainings: z.record(Slug, TrainingGate),
    /** Ordered: the first rule whose conditions hold decides (this order is the precedence). */
    classification: z.array(ClassificationRule).min(1),
    points: PointsCampaign,
  })
  .strict();
export type RulesFile = z.infer<typeof RulesFile>;
