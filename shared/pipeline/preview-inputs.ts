/**
 * What-if inputs beyond rates and reference rows (issue #15 point 3): other plan thresholds, and
 * extra units for a partner. Both change copies only; nothing here reads or writes storage.
 *
 * - A threshold `"<program>/<plan>": <new plan>` moves that plan: the program's plan list, the
 *   rate columns keyed by it and the acceptances that chose it, so a partner who chose plan 150
 *   now has to reach the new threshold.
 * - Extra units come as one more report of a stand-in distributor (authorised for every segment)
 *   whose products are mapped straight to the named rate rows by stand-in catalog SKUs: the
 *   computation counts them like any line, with the same eligibility, plans and claims.
 */
import { parseRules, type Rules } from '../domain/rules/load.js';
import { normaliseSku } from '../domain/classify.js';
import { normalizePartnerId } from '../domain/partner-id.js';
import type { Acceptance } from '../domain/types.js';
import { previewIssueText, type PreviewIssue } from '../domain/render/preview-issues.js';
import { InputValidationError } from '../errors.js';
import type { ActiveExtract, QuarterReference } from './compute-quarter.js';
import { EXTRACT_FORMAT, type ExtractGroup, type ReportExtract } from './extract.js';

export interface ExtraUnits {
  partnerId: string;
  program: string;
  rateRow: string;
  /** Net units added (negative: returns). */
  units: number;
}

/** The stand-in distributor of extra units; not a valid distributor ID of a real upload folder. */
export const WHAT_IF_DISTRIBUTOR = 'what-if';
const skuOf = (program: string, rateRow: string) => `WHAT-IF/${program}/${rateRow}`;

/** A copy of the rules with some plan thresholds moved, validated like any rules file. */
export function withPlans(rules: Rules, plans: Record<string, number>): Rules {
  const keys = Object.keys(plans);
  if (!keys.length) return rules;
  const file = structuredClone(rules.file);
  const problems: PreviewIssue[] = [];
  for (const key of keys) {
    const [programId, old] = key.split('/') as [string, string];
    const program = file.programs.find((p) => p.id === programId);
    const to = plans[key]!;
    if (!program || !program.plans.includes(Number(old))) {
      problems.push({ kind: 'plan-unknown', key, quarter: rules.quarter, program: programId, plan: old });
      continue;
    }
    program.plans = program.plans.map((p) => (p === Number(old) ? to : p));
    if (new Set(program.plans).size !== program.plans.length || program.plans.some((p, i) => i > 0 && p <= program.plans[i - 1]!))
      problems.push({ kind: 'plans-order', key, program: programId, plans: [...program.plans] });
    for (const row of program.rateRows) {
      const rate = row.rates[old];
      delete row.rates[old];
      if (rate !== undefined) row.rates[String(to)] = rate;
    }
  }
  if (problems.length)
    throw new InputValidationError(
      'Some plan thresholds cannot be changed so.',
      problems.map((i) => previewIssueText(i, 'en')),
      { key: 'plans-unchangeable', params: { previewIssues: problems } },
    );
  return parseRules(file, `${rules.quarter} rules with the preview's plan thresholds`);
}

/** Acceptances that chose a moved plan now choose its new threshold. */
export function acceptancesWithPlans(
  acceptances: ReadonlyMap<string, readonly Acceptance[]>,
  plans: Record<string, number>,
): ReadonlyMap<string, readonly Acceptance[]> {
  if (!Object.keys(plans).length) return acceptances;
  const moved = (a: Acceptance) => {
    const to = a.plan === null ? undefined : plans[`${a.program}/${a.plan}`];
    return to === undefined ? a : { ...a, plan: to };
  };
  return new Map([...acceptances].map(([id, rows]) => [id, rows.map(moved)]));
}

/** Checks that every extra names a rate row of the rules; throws naming the bad ones. */
function checkExtras(rules: Rules, extras: readonly ExtraUnits[]) {
  const problems = extras.flatMap((x, index): PreviewIssue[] =>
    rules.file.programs.find((p) => p.id === x.program)?.rateRows.some((r) => r.id === x.rateRow)
      ? []
      : [{ kind: 'extra-no-rate-row', index, quarter: rules.quarter, program: x.program, rateRow: x.rateRow }],
  );
  if (problems.length) throw new InputValidationError('Some extra units name no rate row of this quarter.', problems.map((i) => previewIssueText(i, 'en')), {
      key: 'extras-no-rate-row',
      params: { previewIssues: problems },
    });
}

/** The reference data with the stand-in distributor and its catalog SKUs added. */
export function referenceWithExtras(rules: Rules, reference: QuarterReference, extras: readonly ExtraUnits[]): QuarterReference {
  if (!extras.length) return reference;
  checkExtras(rules, extras);
  const distributors = new Map(reference.distributors);
  distributors.set(WHAT_IF_DISTRIBUTOR, {
    id: WHAT_IF_DISTRIBUTOR,
    displayId: WHAT_IF_DISTRIBUTOR,
    name: 'What-if',
    segments: Object.keys(rules.file.segments) as never,
  });
  const catalog = new Map(reference.catalog);
  for (const x of extras) {
    const sku = skuOf(x.program, x.rateRow);
    catalog.set(normaliseSku(sku), { sku, program: x.program, rateRow: x.rateRow });
  }
  return { ...reference, distributors, catalog };
}

/** One report of the stand-in distributor with the extra units, as a computation reads extracts. */
export function extrasExtract(rules: Rules, extras: readonly ExtraUnits[]): ActiveExtract | null {
  if (!extras.length) return null;
  checkExtras(rules, extras);
  const products: ReportExtract['products'] = [];
  const partners: ReportExtract['partners'] = [];
  const productIndex = new Map<string, number>();
  const partnerIndex = new Map<string, number>();
  const groups = new Map<string, ExtractGroup>();
  let line = 1;
  for (const x of extras) {
    const sku = skuOf(x.program, x.rateRow);
    if (!productIndex.has(sku)) productIndex.set(sku, products.push({ sku, description: sku }) - 1);
    const key = normalizePartnerId(x.partnerId);
    if (!partnerIndex.has(key)) partnerIndex.set(key, partners.push({ key, written: x.partnerId }) - 1);
    const product = productIndex.get(sku)!;
    const partner = partnerIndex.get(key)!;
    const id = `${partner}/${product}`;
    const group = groups.get(id) ?? { partner, product, units: 0, lines: [] };
    group.units += x.units;
    group.lines.push(++line);
    groups.set(id, group);
  }
  const lines = line - 1;
  return {
    reportId: 'rpt_what_if',
    version: 'what-if',
    distributorId: WHAT_IF_DISTRIBUTOR,
    // After every real report: a real claim of a service tag comes first (the extras have none).
    receivedAt: '9999-12-31T23:59:59.999Z',
    sha256: 'what-if',
    extract: {
      format: EXTRACT_FORMAT,
      distributorId: WHAT_IF_DISTRIBUTOR,
      source: null,
      counts: { read: lines, extracted: lines, rejected: 0, byReason: {} },
      products,
      partners,
      quarters: [
        {
          quarter: rules.quarter,
          rulesVersion: rules.version,
          lines,
          groups: [...groups.values()],
          tagged: { tags: [], lines: [], partners: [], products: [], quantities: [] },
        },
      ],
    },
  };
}
