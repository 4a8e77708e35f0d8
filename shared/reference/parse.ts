/**
 * Parsers for the reference CSVs that partner managers import (data-formats.md, "Reference data"):
 * UTF-8, comma, a header line. A BOM, CRLF, spaces around values and header case are tolerated.
 * Every problem is returned with its line number and names the column and the bad value; a bad row
 * is left out and the rest of the file is still read.
 */
import Papa from 'papaparse';
import { z } from 'zod';
import { asWrittenIn } from '../domain/ids.js';
import type { Rules } from '../domain/rules/load.js';
import { SEGMENTS, type Segment } from '../domain/rules/schema.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';
import type { FolderIssue, RowIssue } from '../domain/render/row-issues.js';
import { rowIssueText } from '../domain/render/row-issues.js';
import { FIELDS, planOf, Problem, type Field } from './fields.js';
import type { FileProblem, ParseResult, ReferenceData, RowError } from './types.js';

export const REFERENCE_FILES = {
  partners: 'partners.csv',
  distributors: 'distributors.csv',
  acceptances: 'acceptances.csv',
  trainings: 'trainings.csv',
  catalog: 'catalog.csv',
} as const;

const COLUMNS = {
  partners: ['partner_id', 'name', 'status', 'region'],
  distributors: ['distributor_id', 'name', 'segments'],
  acceptances: ['partner_id', 'program', 'plan', 'accepted_at'],
  trainings: ['partner_id', 'course_code', 'completed_at'],
  catalog: ['sku', 'program', 'rate_row'],
} as const;

// ---------------------------------------------------------------- cells

/** A column's cell, read by the field's rule (fields.ts); a problem names the column and the value. */
function cell<T>(column: string, { max, check }: Field<T>, { optional = false } = {}) {
  // The issue travels as data in zod's params, for parseWith to keep it on the row's error.
  const refuse = (ctx: z.RefinementCtx, issue: RowIssue): never => {
    ctx.addIssue({ code: 'custom', message: rowIssueText(issue, 'en'), params: { issue } });
    return z.NEVER;
  };
  return z.string().transform((raw, ctx): T => {
    const value = raw.trim();
    if (!value && !optional) return refuse(ctx, { kind: 'cell-empty', column });
    // Before any other check, whose message would quote the value.
    if (value.length > max) return refuse(ctx, { kind: 'cell-too-long', column, length: value.length, max });
    const out = check(value);
    if (out instanceof Problem) return refuse(ctx, { kind: 'cell-invalid', column, value, problem: out.issue });
    return out;
  });
}

const text = (column: 'name' | 'region' | 'sku') => cell(column, FIELDS[column]);

// Several segments in one cell, separated by ; in any case, repeats ignored.
const segments = cell('segments', {
  max: 100,
  check: (v) => {
    const parts = [
      ...new Set(
        v
          .split(';')
          .map((s) => s.trim().toLowerCase())
          .filter(Boolean),
      ),
    ];
    const found = parts.map((p) => FIELDS.segment.check(p));
    const unknown = parts.filter((_, i) => found[i] instanceof Problem);
    if (unknown.length) return new Problem({ kind: 'segments-unknown', unknown, values: SEGMENTS });
    return parts.length ? (found as Segment[]) : new Problem({ kind: 'segments-none', values: SEGMENTS });
  },
});

const plan = cell(
  'plan',
  // Digits only: "1e3" or "50.0" is not how a plan is written.
  { max: 12, check: (v) => (v ? planOf(/^\d+$/.test(v) ? Number(v) : NaN, 'empty') : null) },
  { optional: true },
);

// ---------------------------------------------------------------- rows

const PartnerRow = z
  .object({
    partner_id: cell('partner_id', FIELDS.partnerIdAsWritten),
    name: text('name'),
    status: cell('status', FIELDS.status),
    region: text('region'),
  })
  .transform((r): Partner => ({
    id: r.partner_id.key,
    displayId: r.partner_id.written,
    name: r.name,
    status: r.status,
    region: r.region,
  }));

const DistributorRow = z
  .object({ distributor_id: cell('distributor_id', FIELDS.distributorId), name: text('name'), segments })
  .transform((r): Distributor => ({
    id: r.distributor_id.key,
    displayId: r.distributor_id.written,
    name: r.name,
    segments: r.segments,
  }));

const AcceptanceRow = z
  .object({
    partner_id: cell('partner_id', FIELDS.partnerId),
    program: cell('program', FIELDS.program),
    plan,
    accepted_at: cell('accepted_at', FIELDS.instant),
  })
  .transform((r): Acceptance => ({
    partnerId: r.partner_id,
    program: r.program,
    plan: r.plan,
    acceptedAt: r.accepted_at,
  }));

const TrainingRow = z
  .object({
    partner_id: cell('partner_id', FIELDS.partnerId),
    course_code: cell('course_code', FIELDS.courseCode),
    completed_at: cell('completed_at', FIELDS.instant),
  })
  .transform((r): Training => ({
    partnerId: r.partner_id,
    courseCode: r.course_code,
    completedAt: r.completed_at,
  }));

const CatalogRow = z
  .object({
    sku: text('sku'),
    program: cell('program', FIELDS.program),
    rate_row: cell('rate_row', FIELDS.rateRow),
  })
  .transform((r): CatalogEntry => ({ sku: r.sku, program: r.program, rateRow: r.rate_row }));

// ---------------------------------------------------------------- table reading

const rowError = (line: number, issue: RowIssue): RowError => ({ line, message: rowIssueText(issue, 'en'), issue });

interface TableRecord {
  line: number;
  values: { [column: string]: string };
}

const normalizeHeader = (h: string) => h.trim().toLowerCase().replace(/\s+/g, '_');

/** Splits the text into records keyed by the expected columns, each with the line it starts on. */
function readTable(
  input: string,
  columns: readonly string[],
): { records: TableRecord[]; errors: RowError[] } {
  const source = input.replace(/^\uFEFF/, '');
  const rows: { data: string[]; line: number; problems: { code: string; message: string }[] }[] = [];
  let cursor = 0;
  let line = 1;
  // papaparse reports where each row ends; walking the text between rows gives each row's first line.
  Papa.parse<string[]>(source, {
    delimiter: ',',
    skipEmptyLines: 'greedy',
    step: (result) => {
      const end = result.meta.cursor;
      let start = cursor;
      while (start < end && /\s/.test(source[start]!)) start++;
      for (let i = cursor; i < start; i++) if (source[i] === '\n') line++;
      rows.push({ data: result.data, line, problems: result.errors.map((e) => ({ code: e.code, message: e.message })) });
      for (let i = start; i < end; i++) if (source[i] === '\n') line++;
      cursor = end;
    },
  });

  const [header, ...body] = rows;
  if (!header) return { records: [], errors: [rowError(1, { kind: 'file-empty', columns })] };
  const found = header.data.map(normalizeHeader);
  const missing = columns.filter((c) => !found.includes(c));
  if (missing.length) {
    const semicolons = header.data.some((h) => h.includes(';'));
    return { records: [], errors: [rowError(header.line, { kind: 'header-missing', missing, found, semicolons })] };
  }

  const index = new Map(columns.map((c) => [c, found.indexOf(c)]));
  const records: TableRecord[] = [];
  const errors: RowError[] = [];
  for (const row of body) {
    if (row.problems.length) {
      errors.push(
        rowError(row.line, {
          kind: 'not-csv',
          codes: row.problems.map((p) => p.code),
          messages: row.problems.map((p) => p.message),
        }),
      );
      continue;
    }
    const extra = row.data.slice(found.length).filter((v) => v.trim());
    if (row.data.length < found.length || extra.length) {
      errors.push(rowError(row.line, { kind: 'value-count', values: row.data.length, columns: found.length }));
      continue;
    }
    const values: TableRecord['values'] = {};
    for (const [c, i] of index) values[c] = row.data[i] ?? '';
    records.push({ line: row.line, values });
  }
  return { records, errors };
}

function parseWith<T>(
  input: string,
  columns: readonly string[],
  schema: z.ZodType<T, { [column: string]: string }>,
  keyOf?: (row: T) => { key: string; column: string; value: string },
): ParseResult<T> {
  const { records, errors } = readTable(input, columns);
  const rows: T[] = [];
  const firstLine = new Map<string, number>();
  for (const r of records) {
    const parsed = schema.safeParse(r.values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const data = issue.code === 'custom' ? (issue.params?.issue as RowIssue | undefined) : undefined;
        errors.push(data ? rowError(r.line, data) : { line: r.line, message: issue.message });
      }
      continue;
    }
    if (keyOf) {
      const { key, column, value } = keyOf(parsed.data);
      const seen = firstLine.get(key);
      if (seen !== undefined) {
        errors.push(rowError(r.line, { kind: 'repeated', column, value, firstLine: seen }));
        continue;
      }
      firstLine.set(key, r.line);
    }
    rows.push(parsed.data);
  }
  errors.sort((a, b) => a.line - b.line);
  return { rows, errors };
}

// ---------------------------------------------------------------- public parsers

// Repeats are found on the key: ru100104 repeats RU100104, d-merl repeats D-MERL.
export function parsePartners(input: string): ParseResult<Partner> {
  return parseWith(input, COLUMNS.partners, PartnerRow, (p) => ({
    key: p.id,
    column: 'partner_id',
    value: p.displayId,
  }));
}

export function parseDistributors(input: string): ParseResult<Distributor> {
  return parseWith(input, COLUMNS.distributors, DistributorRow, (d) => ({
    key: d.id,
    column: 'distributor_id',
    value: d.displayId,
  }));
}

/**
 * Every acceptance is kept: a partner may accept a program again to change the plan (program rules
 * §2.2). A row that repeats another exactly (partner, program, plan and the same instant, however
 * written) is the same acceptance and is left out without a complaint, so a file that lists an
 * acceptance twice, or is imported again, changes nothing.
 */
export function parseAcceptances(input: string): ParseResult<Acceptance> {
  const { rows, errors } = parseWith(input, COLUMNS.acceptances, AcceptanceRow);
  return { rows: distinctAcceptances(rows), errors };
}

/** The acceptances without exact repeats (partner, program, plan, instant), the first of each kept. */
export function distinctAcceptances<T extends Acceptance>(rows: readonly T[]): T[] {
  const seen = new Set<string>();
  return rows.filter((a) => {
    const key = JSON.stringify([a.partnerId, a.program, a.plan, Date.parse(a.acceptedAt)]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function parseTrainings(input: string): ParseResult<Training> {
  return parseWith(input, COLUMNS.trainings, TrainingRow);
}

export function parseCatalog(input: string): ParseResult<CatalogEntry> {
  // SKUs are matched trimmed and upper-cased (as the classifier does), so 210-ajdp repeats 210-AJDP.
  return parseWith(input, COLUMNS.catalog, CatalogRow, (c) => ({
    key: c.sku.toUpperCase(),
    column: 'sku',
    value: c.sku,
  }));
}

// ---------------------------------------------------------------- cross-check

/**
 * Checks reference data against a quarter's rules and against itself: programs, plans and rate
 * rows must exist; acceptances and trainings must be of known partners. Returns the problems.
 */
export function checkReferenceAgainstRules(ref: ReferenceData, rules: Rules): FileProblem[] {
  const problems: FileProblem[] = [];
  const add = (file: string, issue: FolderIssue) =>
    problems.push({ file, line: null, message: rowIssueText(issue, 'en'), issue });
  const partners = new Set(ref.partners.map((p) => p.id));
  const shown = asWrittenIn(ref.partners);
  const programs = [...rules.programs.keys()];
  const quarter = rules.quarter;

  for (const a of ref.acceptances) {
    const partner = shown(a.partnerId);
    if (!partners.has(a.partnerId))
      add(REFERENCE_FILES.acceptances, { kind: 'acceptance-partner-unknown', partner, program: a.program });
    const program = rules.programs.get(a.program);
    if (!program) {
      add(REFERENCE_FILES.acceptances, { kind: 'acceptance-program-unknown', partner, program: a.program, quarter, programs });
      continue;
    }
    if (a.plan !== null && !program.plans.includes(a.plan))
      add(REFERENCE_FILES.acceptances, {
        kind: 'acceptance-plan-unknown',
        partner,
        program: a.program,
        plan: a.plan,
        quarter,
        plans: program.plans,
      });
  }

  for (const t of ref.trainings)
    if (!partners.has(t.partnerId))
      add(REFERENCE_FILES.trainings, { kind: 'training-partner-unknown', partner: t.partnerId, course: t.courseCode });

  for (const c of ref.catalog) {
    const program = rules.programs.get(c.program);
    if (!program) add(REFERENCE_FILES.catalog, { kind: 'catalog-program-unknown', sku: c.sku, program: c.program, quarter, programs });
    else if (!program.rateRows.some((r) => r.id === c.rateRow))
      add(REFERENCE_FILES.catalog, {
        kind: 'catalog-rate-row-unknown',
        sku: c.sku,
        program: c.program,
        rateRow: c.rateRow,
        rateRows: program.rateRows.map((r) => r.id),
      });
  }
  return problems;
}
