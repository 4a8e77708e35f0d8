/**
 * Loads and checks a rules file: shape with zod, then the cross-references zod cannot see
 * (a classification rule naming a rate row that does not exist, a rate missing for a plan, …).
 * Every problem names the field it is about, as a path like `programs[1].rateRows[0].rates.300`.
 */
import { Decimal } from 'decimal.js';
import type { z } from 'zod';
import { RulesValidationError } from '../../errors.js';
import { FAMILIES, RulesFile, type Family, type Program, type Segment, type TrainingGate } from './schema.js';
import { endOfDayMoscow, startOfDayMoscow } from '../calendar.js';
import { fieldIssuesOf } from '../../field-issues.js';
import { learnNames } from '../render/names.js';

export interface Rules {
  readonly file: RulesFile;
  readonly version: string;
  readonly quarter: string;
  readonly firstDay: string;
  readonly lastDay: string;
  /** First instant of the quarter (Moscow midnight), as epoch ms. */
  readonly startsAt: number;
  /** First instant after the quarter (Moscow midnight after the last day), as epoch ms. */
  readonly endsBefore: number;
  readonly acceptanceDeadline: number;
  /** Courses count when completed strictly before this instant, as epoch ms. */
  readonly trainingDeadline: number;
  readonly programs: ReadonlyMap<string, Program>;
  readonly trainings: ReadonlyMap<string, TrainingGate>;
  /** Rate per unit by program → rate row → plan threshold. */
  rate(program: string, rateRow: string, plan: number): Decimal;
  segmentOf(family: Family): Segment | null;
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${String(p)}` : String(p);
  return out || '(the file)';
}

function zodIssues(error: z.ZodError): string[] {
  // zod's own words for an absent field ("expected string, received undefined") are for programmers.
  const message = (i: z.core.$ZodIssue) =>
    i.code === 'invalid_type' && /received undefined$/.test(i.message) ? 'missing: a rules file needs this field' : i.message;
  return error.issues.map((i) => `${formatPath(i.path)}: ${message(i)}`);
}

/** A cross-field problem of a rules file: the English line as before, and the same in Russian. */
interface CrossIssue {
  en: string;
  ru: string;
}

function crossCheck(f: RulesFile): CrossIssue[] {
  const issues: CrossIssue[] = [];
  const add = (en: string, ru: string) => issues.push({ en, ru });
  const programs = new Map(f.programs.map((p) => [p.id, p]));
  if (programs.size !== f.programs.length)
    add('programs: two programs have the same id', 'programs: у двух программ один и тот же id');

  f.programs.forEach((p, pi) => {
    const sorted = [...p.plans].sort((a, b) => a - b);
    if (new Set(p.plans).size !== p.plans.length || sorted.some((v, i) => v !== p.plans[i]))
      add(
        `programs[${pi}].plans: thresholds must be ascending and distinct`,
        `programs[${pi}].plans: пороги должны идти по возрастанию и не повторяться`,
      );
    if (p.gate && !f.trainings[p.gate])
      add(
        `programs[${pi}].gate: no training gate "${p.gate}" in trainings`,
        `programs[${pi}].gate: в trainings нет обязательного обучения «${p.gate}»`,
      );
    const rowIds = new Set<string>();
    p.rateRows.forEach((r, ri) => {
      if (rowIds.has(r.id))
        add(
          `programs[${pi}].rateRows[${ri}].id: "${r.id}" is used twice`,
          `programs[${pi}].rateRows[${ri}].id: «${r.id}» встречается дважды`,
        );
      rowIds.add(r.id);
      for (const plan of p.plans)
        if (!(String(plan) in r.rates))
          add(
            `programs[${pi}].rateRows[${ri}].rates.${plan}: missing (every plan needs a rate)`,
            `programs[${pi}].rateRows[${ri}].rates.${plan}: нет ставки (у каждого плана должна быть ставка)`,
          );
      for (const key of Object.keys(r.rates))
        if (!p.plans.includes(Number(key)))
          add(
            `programs[${pi}].rateRows[${ri}].rates.${key}: ${key} is not one of the plans ${p.plans.join(', ')}`,
            `programs[${pi}].rateRows[${ri}].rates.${key}: ${key} — не один из планов ${p.plans.join(', ')}`,
          );
    });
  });

  f.classification.forEach(({ then }, i) => {
    if (then.outcome !== 'rated') return;
    const p = programs.get(then.program);
    if (!p)
      add(
        `classification[${i}].then.program: no program "${then.program}"`,
        `classification[${i}].then.program: программы «${then.program}» нет`,
      );
    else if (!p.rateRows.some((r) => r.id === then.rateRow))
      add(
        `classification[${i}].then.rateRow: program "${p.id}" has no rate row "${then.rateRow}"`,
        `classification[${i}].then.rateRow: в программе «${p.id}» нет строки ставок «${then.rateRow}»`,
      );
    if (then.gate && !f.trainings[then.gate])
      add(
        `classification[${i}].then.gate: no training gate "${then.gate}" in trainings`,
        `classification[${i}].then.gate: в trainings нет обязательного обучения «${then.gate}»`,
      );
  });
  const ruleIds = new Set<string>();
  f.classification.forEach((rule, i) => {
    if (ruleIds.has(rule.id))
      add(`classification[${i}].id: "${rule.id}" is used twice`, `classification[${i}].id: «${rule.id}» встречается дважды`);
    ruleIds.add(rule.id);
  });

  const seen = new Map<Family, Segment>();
  for (const [segment, families] of Object.entries(f.segments) as [Segment, Family[]][])
    for (const fam of families) {
      const other = seen.get(fam);
      if (other)
        add(
          `segments.${segment}: "${fam}" is already in segment "${other}"`,
          `segments.${segment}: «${fam}» уже входит в сегмент «${other}»`,
        );
      seen.set(fam, segment);
    }
  for (const fam of FAMILIES)
    if (!seen.has(fam))
      add(`segments: family "${fam}" belongs to no segment`, `segments: семейство «${fam}» не входит ни в один сегмент`);

  for (const key of Object.keys(f.points.pointsPerUnit)) {
    const [prog, row] = key.split('/') as [string, string];
    const p = programs.get(prog);
    if (!p || !p.rateRows.some((r) => r.id === row))
      add(
        `points.pointsPerUnit.${key}: no rate row "${row}" in program "${prog}"`,
        `points.pointsPerUnit.${key}: в программе «${prog}» нет строки ставок «${row}»`,
      );
  }

  const first = Date.parse(`${f.calendar.firstDay}T00:00:00Z`);
  const last = Date.parse(`${f.calendar.lastDay}T00:00:00Z`);
  if (first > last)
    add(
      'calendar.lastDay: must not be before calendar.firstDay',
      'calendar.lastDay: не может быть раньше calendar.firstDay',
    );
  return issues;
}

/** Parse and check a rules file (already JSON-decoded). Throws RulesValidationError naming every bad field. */
export function parseRules(input: unknown, origin = 'rules file'): Rules {
  const parsed = RulesFile.safeParse(input);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    throw new RulesValidationError(`The ${origin} is not valid: ${issues.join('; ')}`, issues, {
      cause: parsed.error,
      key: 'rules-fields-invalid',
      params: { fieldIssues: fieldIssuesOf(parsed.error, input) },
    });
  }
  const f = parsed.data;
  const cross = crossCheck(f);
  if (cross.length) {
    const issues = cross.map((i) => i.en);
    throw new RulesValidationError(`The ${origin} is not valid: ${issues.join('; ')}`, issues, {
      key: 'rules-inconsistent',
      params: { count: cross.length, issuesRu: cross.map((i) => i.ru) },
    });
  }

  const programs = new Map(f.programs.map((p) => [p.id, p]));
  const rates = new Map<string, Decimal>();
  for (const p of f.programs)
    for (const r of p.rateRows)
      for (const [plan, amount] of Object.entries(r.rates)) rates.set(`${p.id}/${r.id}/${plan}`, new Decimal(amount));
  const segmentByFamily = new Map<Family, Segment>();
  for (const [segment, families] of Object.entries(f.segments) as [Segment, Family[]][])
    for (const fam of families) segmentByFamily.set(fam, segment);
  learnNames(f);

  return {
    file: f,
    version: f.version,
    quarter: f.quarter,
    firstDay: f.calendar.firstDay,
    lastDay: f.calendar.lastDay,
    startsAt: startOfDayMoscow(f.calendar.firstDay),
    endsBefore: endOfDayMoscow(f.calendar.lastDay),
    acceptanceDeadline: Date.parse(f.acceptanceDeadline),
    trainingDeadline: Date.parse(f.trainingDeadline),
    programs,
    trainings: new Map(Object.entries(f.trainings)),
    rate(program, rateRow, plan) {
      const r = rates.get(`${program}/${rateRow}/${plan}`);
      if (!r)
        throw new RulesValidationError(`No rate for ${program}/${rateRow} at plan ${plan} in ${f.version}`, [], {
          key: 'rate-missing',
          params: { program, rateRow, plan, version: f.version },
        });
      return r;
    },
    segmentOf: (family) => segmentByFamily.get(family) ?? null,
  };
}

/** All quarters in force. Finds the quarter a sale belongs to. */
export class RulesBook {
  private readonly byQuarter: Map<string, Rules>;

  constructor(rules: Rules[]) {
    const sorted = [...rules].sort((a, b) => a.startsAt - b.startsAt);
    this.byQuarter = new Map();
    for (const r of sorted) {
      if (this.byQuarter.has(r.quarter))
        throw new RulesValidationError(`Two rules files for quarter ${r.quarter} (${r.version})`, [], {
          key: 'rules-quarter-twice',
          params: { quarter: r.quarter, version: r.version },
        });
      this.byQuarter.set(r.quarter, r);
    }
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const cur = sorted[i]!;
      if (cur.startsAt < prev.endsBefore)
        throw new RulesValidationError(`Quarters ${prev.quarter} and ${cur.quarter} overlap in their calendars`, [], {
          key: 'rules-calendars-overlap',
          params: { first: prev.quarter, second: cur.quarter },
        });
    }
  }

  get quarters(): string[] {
    return [...this.byQuarter.keys()];
  }

  get(quarter: string): Rules | undefined {
    return this.byQuarter.get(quarter);
  }

  require(quarter: string): Rules {
    const r = this.byQuarter.get(quarter);
    if (!r)
      throw new RulesValidationError(
        `There is no rules file for quarter ${quarter}. Quarters with rules: ${this.quarters.join(', ') || 'none'}.`,
        [],
        { key: 'rules-file-missing', params: { quarter, known: this.quarters } },
      );
    return r;
  }

  /** The quarter whose calendar contains this Moscow calendar date (YYYY-MM-DD), if any. */
  quarterOfDate(date: string): Rules | undefined {
    for (const r of this.byQuarter.values()) if (date >= r.firstDay && date <= r.lastDay) return r;
    return undefined;
  }
}
