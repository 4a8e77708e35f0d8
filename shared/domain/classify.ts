/**
 * Puts one report line's product into a program and rate row (program-rules.md §3).
 *
 * An explicit catalog mapping (SKU → program + rate row) wins. Otherwise the rules file's
 * `classification` rules are walked in order and the first whose `when` holds decides; that
 * order is the precedence of §3. Matching:
 * - every condition given must hold; a condition on a feature the description did not reveal
 *   (no model, no diagonal, no series) does not hold;
 * - `model`: the whole model token, case-insensitive, where a lower-case `x` is one digit
 *   (`3xxx`, `T1xx`, `T20`); other characters are literal (so `X1xxx` would be the X-series);
 * - `formFactor`: the extracted one is listed ("unknown" must be listed to accept unknown);
 * - `rugged`, `pro`: equal; `diagonal`: inclusive bounds on the nominal inches;
 * - `monitorSeries`: lists the series.
 *
 * Catalog mappings (our reading; the specs only say they win):
 * - segment: the family's if the description names one; else the segment shared by every
 *   family the rules put in that rate row (monitors → monitors, enterprise rows → commercial,
 *   Inspiron 3xxx notebooks → consumer); else commercial, our default for rows such as
 *   "premium" that mix consumer and commercial lines;
 * - gate: the gate of the rule the description itself matches, when that rule rates into the
 *   same program and row; else the gate every rule of the family into that row shares
 *   (Precision → "precision"); else none. Program-wide gates (enterprise) live on the program.
 */
import { RulesValidationError } from '../errors.js';
import { describeProduct } from './describe.js';
import { detailText, type Detail } from './render/details.js';
import type { Rules } from './rules/load.js';
import { FORM_FACTORS, type ClassificationRule, type FormFactor, type RuleOutcome } from './rules/schema.js';
import type { CatalogEntry, Classification, Family, ProductFeatures, Segment } from './types.js';

export { describeProduct } from './describe.js';

export interface ClassifyInput {
  description: string;
  sku?: string;
}

/** How catalog SKUs are compared: trimmed, upper-case. Key catalog maps by this. */
export function normaliseSku(sku: string): string {
  return sku.trim().toUpperCase();
}

/** A catalog map keyed by normalised SKU, ready for `classify`. A later entry for the same SKU wins. */
export function catalogIndex(entries: Iterable<CatalogEntry>): Map<string, CatalogEntry> {
  const index = new Map<string, CatalogEntry>();
  for (const e of entries) index.set(normaliseSku(e.sku), e);
  return index;
}

const FAMILY_LABEL: Readonly<Record<Family, string>> = {
  inspiron: 'Inspiron',
  vostro: 'Vostro',
  optiplex: 'OptiPlex',
  latitude: 'Latitude',
  precision: 'Precision',
  alienware: 'Alienware',
  xps: 'XPS',
  venue: 'Venue',
  poweredge: 'PowerEdge',
  powervault: 'PowerVault',
  powerconnect: 'PowerConnect',
  networking: 'Dell Networking',
  monitor: 'Monitor',
};

const FORM_FACTOR_LABEL: Readonly<Record<FormFactor, string>> = {
  notebook: 'notebook',
  desktop: 'desktop',
  aio: 'all-in-one',
  tablet: 'tablet',
  unknown: 'unknown',
};

interface CompiledRule {
  id: string;
  families: ReadonlySet<Family>;
  /** Upper-cased patterns; lower-case `x` stays the digit wildcard. */
  models: readonly string[] | null;
  formFactors: ReadonlySet<FormFactor> | null;
  rugged: boolean | undefined;
  pro: boolean | undefined;
  series: ReadonlySet<string> | null;
  diagonal: { min: number; max: number } | null;
  then: RuleOutcome;
}

interface Compiled {
  rules: readonly CompiledRule[];
  /** The rules that name each family, in file order: the per-line walk only looks at these. */
  byFamily: ReadonlyMap<Family, readonly CompiledRule[]>;
  /** `program/rateRow` → the one segment of every family the rules rate into it (absent when mixed). */
  rowSegment: ReadonlyMap<string, Segment>;
}

const compiledByRules = new WeakMap<Rules, Compiled>();

function compileRule(r: ClassificationRule): CompiledRule {
  const w = r.when;
  return {
    id: r.id,
    families: new Set(w.family),
    models: w.model ? w.model.map((p) => p.replace(/[^x]/g, (c) => c.toUpperCase())) : null,
    formFactors: w.formFactor ? new Set(w.formFactor) : null,
    rugged: w.rugged,
    pro: w.pro,
    series: w.monitorSeries ? new Set(w.monitorSeries) : null,
    diagonal: w.diagonal ?? null,
    then: r.then,
  };
}

function segmentOf(rules: Rules, family: Family): Segment {
  const s = rules.segmentOf(family);
  // parseRules already refuses a file that leaves a family without a segment.
  if (!s)
    throw new RulesValidationError(`Rules ${rules.version} put family "${family}" in no segment`, [], {
      key: 'rules-family-no-segment',
      params: { version: rules.version, family },
    });
  return s;
}

function compile(rules: Rules): Compiled {
  let c = compiledByRules.get(rules);
  if (c) return c;
  const compiledRules = rules.file.classification.map(compileRule);
  const segments = new Map<string, Set<Segment>>();
  for (const r of compiledRules) {
    if (r.then.outcome !== 'rated') continue;
    const key = `${r.then.program}/${r.then.rateRow}`;
    const set = segments.get(key) ?? new Set<Segment>();
    for (const f of r.families) set.add(segmentOf(rules, f));
    segments.set(key, set);
  }
  const rowSegment = new Map<string, Segment>();
  for (const [key, set] of segments) if (set.size === 1) rowSegment.set(key, [...set][0]!);
  const byFamily = new Map<Family, CompiledRule[]>();
  for (const r of compiledRules)
    for (const f of r.families) {
      const list = byFamily.get(f) ?? [];
      list.push(r);
      byFamily.set(f, list);
    }
  c = { rules: compiledRules, byFamily, rowSegment };
  compiledByRules.set(rules, c);
  return c;
}

const NO_RULES: readonly CompiledRule[] = [];

function familyRules(c: Compiled, f: ProductFeatures): readonly CompiledRule[] {
  return (f.family && c.byFamily.get(f.family)) || NO_RULES;
}

function modelMatches(pattern: string, model: string): boolean {
  if (pattern.length !== model.length) return false;
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern.charCodeAt(i);
    const m = model.charCodeAt(i);
    if (p === 0x78 /* x */ ? m < 0x30 || m > 0x39 : p !== m) return false;
  }
  return true;
}

function holds(r: CompiledRule, f: ProductFeatures, ignoreFormFactor = false): boolean {
  if (f.family === null || !r.families.has(f.family)) return false;
  if (r.models) {
    const model = f.model?.toUpperCase();
    if (model === undefined || !r.models.some((p) => modelMatches(p, model))) return false;
  }
  if (r.formFactors && !ignoreFormFactor && !r.formFactors.has(f.formFactor)) return false;
  if (r.rugged !== undefined && r.rugged !== f.rugged) return false;
  if (r.pro !== undefined && r.pro !== f.pro) return false;
  if (r.series && (f.monitorSeries === null || !r.series.has(f.monitorSeries))) return false;
  if (r.diagonal && (f.diagonal === null || f.diagonal < r.diagonal.min || f.diagonal > r.diagonal.max))
    return false;
  return true;
}

/** A description as a detail names it: one space between words, at most 80 characters. */
function quoted(description: string): string {
  const d = description.trim().replace(/\s+/g, ' ');
  return d.length > 80 ? `${d.slice(0, 77)}...` : d;
}

function orList(words: string[]): string {
  return words.length <= 1
    ? words.join('')
    : `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`;
}

/** Says what was recognised and what is missing, so a manager knows what to map. */
function unclassifiedDetail(c: Compiled, f: ProductFeatures, description: string, version: string): Detail {
  if (f.family === null)
    return description.trim()
      ? { code: 'no-family', params: { description: quoted(description) } }
      : { code: 'empty-description', params: {} };
  const label = FAMILY_LABEL[f.family];
  if (f.family === 'monitor' && f.diagonal === null)
    return { code: 'monitor-no-size', params: { description: quoted(description) } };
  if (f.model === null && f.family !== 'alienware' && f.family !== 'monitor')
    return { code: 'no-model', params: { family: label, description: quoted(description) } };
  const name = f.model ? `${label} ${f.model}` : label;
  if (f.formFactor === 'unknown') {
    const possible = new Set<FormFactor>();
    for (const r of familyRules(c, f))
      if (r.formFactors && holds(r, f, true))
        for (const ff of r.formFactors) if (ff !== 'unknown') possible.add(ff);
    if (possible.size)
      return {
        code: 'form-factor-unknown',
        params: {
          product: name,
          options: orList(FORM_FACTORS.filter((ff) => possible.has(ff)).map((ff) => FORM_FACTOR_LABEL[ff])),
        },
      };
  }
  const what = f.formFactor === 'unknown' ? name : `${name} ${FORM_FACTOR_LABEL[f.formFactor]}`;
  return { code: 'no-rule', params: { product: what, version } };
}

/** A held product's reason: its detail and the English sentence of it. */
const because = (detail: Detail) => ({ reason: detailText(detail, 'en'), detail });

function fromCatalog(rules: Rules, c: Compiled, entry: CatalogEntry, f: ProductFeatures): Classification {
  const program = rules.programs.get(entry.program);
  if (!program || !program.rateRows.some((r) => r.id === entry.rateRow))
    return {
      outcome: 'unclassified',
      ...because({
        code: 'catalog-row-unknown',
        params: { sku: entry.sku, program: entry.program, rateRow: entry.rateRow, version: rules.version },
      }),
      segment: f.family ? segmentOf(rules, f.family) : null,
      decidedBy: 'catalog',
      features: f,
    };
  const sameRow = (r: CompiledRule): boolean =>
    r.then.outcome === 'rated' && r.then.program === entry.program && r.then.rateRow === entry.rateRow;
  let gate: string | null = null;
  const own = familyRules(c, f).find((r) => holds(r, f));
  if (own && sameRow(own) && own.then.outcome === 'rated') gate = own.then.gate ?? null;
  else {
    const gates = new Set(
      familyRules(c, f)
        .filter(sameRow)
        .map((r) => (r.then.outcome === 'rated' ? (r.then.gate ?? null) : null)),
    );
    if (gates.size === 1) gate = [...gates][0]!;
  }
  return {
    outcome: 'rated',
    program: entry.program,
    rateRow: entry.rateRow,
    segment: f.family
      ? segmentOf(rules, f.family)
      : (c.rowSegment.get(`${entry.program}/${entry.rateRow}`) ?? 'commercial'),
    gate,
    decidedBy: 'catalog',
    features: f,
  };
}

/**
 * Classify one product for one quarter's rules. Pure and fast: rules are compiled once per
 * Rules object and descriptions are memoised, so it can run for every line of a large report.
 */
export function classify(
  rules: Rules,
  input: ClassifyInput,
  catalog?: ReadonlyMap<string, CatalogEntry>,
): Classification {
  const c = compile(rules);
  const f = describeProduct(input.description, input.sku);
  if (catalog?.size && input.sku) {
    const entry = catalog.get(normaliseSku(input.sku));
    if (entry) return fromCatalog(rules, c, entry, f);
  }
  for (const r of familyRules(c, f)) {
    if (!holds(r, f)) continue;
    const segment = segmentOf(rules, f.family!);
    if (r.then.outcome === 'rated')
      return {
        outcome: 'rated',
        program: r.then.program,
        rateRow: r.then.rateRow,
        segment,
        gate: r.then.gate ?? null,
        decidedBy: r.id,
        features: f,
      };
    return {
      outcome: r.then.outcome,
      ...because({
        code: 'rule-reason',
        params: { text: r.then.reason, ...(r.then.reasonRu ? { ru: r.then.reasonRu } : {}) },
      }),
      segment,
      decidedBy: r.id,
      features: f,
    };
  }
  return {
    outcome: 'unclassified',
    ...because(unclassifiedDetail(c, f, input.description, rules.version)),
    segment: f.family ? segmentOf(rules, f.family) : null,
    decidedBy: null,
    features: f,
  };
}
