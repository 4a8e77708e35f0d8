/**
 * Builders for domain tests: the sample rules files, partners, acceptances, trainings and tally
 * rows. Defaults describe an ordinary case (registered partner P1, distributor D1, dates inside
 * 2016-Q1 before every deadline); each builder takes overrides for what a test is about.
 */
import { readFileSync } from 'node:fs';
import { calculatePartnerQuarter } from '../../shared/domain/payout.js';
import { parseRules, type Rules } from '../../shared/domain/rules/load.js';
import type {
  Acceptance,
  Partner,
  PartnerQuarterResult,
  PartnerReference,
  TallyRow,
  Training,
} from '../../shared/domain/types.js';

export const QUARTERS = ['2016-Q1', '2016-Q2', '2016-Q3', '2016-Q4'] as const;

/** The JSON of a sample rules file, freshly parsed (safe to mutate). */
export function sampleRulesJson(quarter = '2016-Q1'): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../samples/rules/${quarter}.json`, import.meta.url), 'utf8'));
}

const loaded = new Map<string, Rules>();
export function sampleRules(quarter = '2016-Q1'): Rules {
  let rules = loaded.get(quarter);
  if (!rules)
    loaded.set(quarter, (rules = parseRules(sampleRulesJson(quarter), `samples/rules/${quarter}.json`)));
  return rules;
}

/** An instant well inside 2016-Q1 and before its acceptance deadline (Moscow time). */
export const IN_Q1 = '2016-02-15T12:00:00+03:00';

/** Course codes that satisfy each 2016-Q1 training gate. */
export const Q1_COURSES = {
  precision: ['DPWS0212WBTS', 'DPWT0212WBTT'],
  rugged: ['LATRUGGED-SALES'],
  enterprise: ['DTRSS0309WBTS', 'DPES0909WBTT'],
} as const;

/** Shown as its ID unless `displayId` says how it is written. */
export function aPartner(over: Partial<Partner> = {}): Partner {
  const id = over.id ?? 'P1';
  return { id, displayId: id, name: 'Partner One LLC', status: 'Registered', region: 'Central', ...over };
}

export function anAcceptance(
  program: string,
  plan: number | null = null,
  over: Partial<Acceptance> = {},
): Acceptance {
  return { partnerId: 'P1', program, plan, acceptedAt: IN_Q1, ...over };
}

export function aTraining(courseCode: string, over: Partial<Training> = {}): Training {
  return { partnerId: 'P1', courseCode, completedAt: IN_Q1, ...over };
}

/** Every course of the named gates, completed inside the quarter. */
export function trainedFor(...gates: (keyof typeof Q1_COURSES)[]): Training[] {
  return gates.flatMap((g) => Q1_COURSES[g].map((code) => aTraining(code)));
}

export function aReference(over: Partial<PartnerReference> = {}): PartnerReference {
  return { partner: aPartner(), acceptances: [], trainings: [], ...over };
}

export function aTally(
  program: string,
  rateRow: string,
  units: number,
  over: Partial<TallyRow> = {},
): TallyRow {
  return { partnerId: 'P1', distributorId: 'D1', program, rateRow, gate: null, units, ...over };
}

/** Each partner's quarter as the payout calculation works it out, its tally rows tagged with its ID. */
export function quarterResults(
  rules: Rules,
  partners: { id: string; ref: PartnerReference; tallies: TallyRow[] }[],
): PartnerQuarterResult[] {
  return partners.map((p) =>
    calculatePartnerQuarter(
      rules,
      p.ref,
      p.id,
      p.tallies.map((t) => ({ ...t, partnerId: p.id })),
    ),
  );
}
