/**
 * Parsers for the reference CSVs that partner managers import (data-formats.md, "Reference data"):
 * UTF-8, comma, a header line. A BOM, CRLF, spaces around values and header case are tolerated.
 * Every problem is returned with its line number and names the column and the bad value; a bad row
 * is left out and the rest of the file is still read.
 */
import Papa from 'papaparse';
import { z } from 'zod';
import { asWrittenIn, courseKey, distributorKey } from '../domain/ids.js';
import { normalizePartnerId } from '../domain/partner-id.js';
import type { Rules } from '../domain/rules/load.js';
import { CourseCode, SEGMENTS, Slug, type Segment } from '../domain/rules/schema.js';
import { TEXT_LIMITS, tooLong } from '../domain/text-limits.js';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';
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

const EXAMPLE_INSTANT = '2016-03-01T10:00:00+03:00';

// ---------------------------------------------------------------- cells

/**
 * A column's cell: `check` gets the trimmed value and returns the parsed value, or a `Problem`
 * whose text follows the column name and the quoted value in the message.
 */
class Problem {
  constructor(readonly text: string) {}
}

function cell<T>(
  column: string,
  max: number,
  check: (value: string) => T | Problem,
  { optional = false } = {},
) {
  return z.string().transform((raw, ctx): T => {
    const value = raw.trim();
    if (!value && !optional) {
      ctx.addIssue({ code: 'custom', message: `${column} is empty` });
      return z.NEVER;
    }
    // Before any other check, whose message would quote the value.
    if (value.length > max) {
      ctx.addIssue({ code: 'custom', message: tooLong(column, value, max) });
      return z.NEVER;
    }
    const out = check(value);
    if (out instanceof Problem) {
      ctx.addIssue({ code: 'custom', message: `${column} "${value}" ${out.text}` });
      return z.NEVER;
    }
    return out;
  });
}

const text = (column: string, max: number) => cell(column, max, (v) => v);

/** An identifier as matched (`key`) and as written (`written`, trimmed), shown and exported. */
interface Id {
  key: string;
  written: string;
}

const partnerIdAsWritten = (column = 'partner_id') =>
  cell(column, TEXT_LIMITS.partnerId, (v): Id | Problem => {
    const key = normalizePartnerId(v);
    return /^[A-Z0-9][A-Z0-9-]*$/.test(key)
      ? { key, written: v }
      : new Problem('is not a partner ID: use letters and digits, e.g. RU100123');
  });

const partnerId = (column = 'partner_id') => partnerIdAsWritten(column).transform((id) => id.key);

// Written in any case (D-MERL); the key is lower-case, so it also names the report folder in any case.
const distributorId = cell('distributor_id', TEXT_LIMITS.distributorId, (v): Id | Problem => {
  const key = distributorKey(v);
  return Slug.safeParse(key).success
    ? { key, written: v }
    : new Problem('must be letters, digits and dashes, e.g. "orbita" or "D-MERL"');
});

const slug = (column: string, example: string) =>
  cell(column, TEXT_LIMITS.slug, (v) => {
    const s = v.toLowerCase();
    return Slug.safeParse(s).success
      ? s
      : new Problem(`must be lower-case letters, digits and dashes, e.g. "${example}"`);
  });

const STATUSES = ['Registered', 'Preferred'] as const;

const status = cell('status', 20, (v) => {
  const s = STATUSES.find((x) => x.toLowerCase() === v.toLowerCase());
  return s ?? new Problem(`must be ${STATUSES.join(' or ')}`);
});

const segments = cell('segments', 100, (v) => {
  const parts = [
    ...new Set(
      v
        .split(';')
        .map((s) => s.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const unknown = parts.filter((p) => !(SEGMENTS as readonly string[]).includes(p));
  if (unknown.length)
    return new Problem(
      `has ${unknown.map((u) => `"${u}"`).join(', ')}, which is not a segment; use ${SEGMENTS.join(', ')} separated by ;`,
    );
  return parts.length
    ? (parts as Segment[])
    : new Problem(`names no segment; use ${SEGMENTS.join(', ')} separated by ;`);
});

const plan = cell(
  'plan',
  12,
  (v) => {
    if (!v) return null;
    return /^\d+$/.test(v) && Number(v) > 0
      ? Number(v)
      : new Problem('must be a whole number of units such as 50, or empty when no plan was chosen');
  },
  { optional: true },
);

// Kept as written; matched upper-cased (courseKey), as the rules files write course codes.
const courseCode = cell('course_code', TEXT_LIMITS.courseCode, (v) =>
  CourseCode.safeParse(courseKey(v)).success ? v : new Problem('is not a course code like DPWS0212WBTS'),
);

const INSTANT =
  /^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})[T ](?<h>\d{2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:\.\d+)?)?(?<offset>Z|[+-]\d{2}:\d{2})$/i;
const INSTANT_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** ISO 8601 with an explicit offset: the time zone must never be guessed. */
const instant = (column: string) =>
  cell(column, TEXT_LIMITS.instant, (v) => {
    const write = `write it like ${EXAMPLE_INSTANT}`;
    if (INSTANT_WITHOUT_OFFSET.test(v)) return new Problem(`has no time zone offset; ${write}`);
    const g = INSTANT.exec(v)?.groups;
    if (!g) return new Problem(`is not an ISO 8601 date and time; ${write}`);
    const [y, mo, d, h, mi, s] = [g.y, g.mo, g.d, g.h, g.mi, g.s ?? '0'].map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const offset = g.offset!.toUpperCase();
    const probe = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
    const real =
      probe.getUTCFullYear() === y &&
      probe.getUTCMonth() === mo - 1 &&
      probe.getUTCDate() === d &&
      probe.getUTCHours() === h &&
      probe.getUTCMinutes() === mi &&
      probe.getUTCSeconds() === s &&
      (offset === 'Z' || (Number(offset.slice(1, 3)) <= 14 && Number(offset.slice(4)) < 60));
    if (!real) return new Problem(`is not a real date and time; ${write}`);
    return `${v.slice(0, 10)}T${v.slice(11, -offset.length)}${offset}`;
  });

// ---------------------------------------------------------------- rows

const PartnerRow = z
  .object({ partner_id: partnerIdAsWritten(), name: text('name', TEXT_LIMITS.name), status, region: text('region', TEXT_LIMITS.region) })
  .transform((r): Partner => ({
    id: r.partner_id.key,
    displayId: r.partner_id.written,
    name: r.name,
    status: r.status,
    region: r.region,
  }));

const DistributorRow = z
  .object({ distributor_id: distributorId, name: text('name', TEXT_LIMITS.name), segments })
  .transform((r): Distributor => ({
    id: r.distributor_id.key,
    displayId: r.distributor_id.written,
    name: r.name,
    segments: r.segments,
  }));

const AcceptanceRow = z
  .object({
    partner_id: partnerId(),
    program: slug('program', 'client'),
    plan,
    accepted_at: instant('accepted_at'),
  })
  .transform((r): Acceptance => ({
    partnerId: r.partner_id,
    program: r.program,
    plan: r.plan,
    acceptedAt: r.accepted_at,
  }));

const TrainingRow = z
  .object({ partner_id: partnerId(), course_code: courseCode, completed_at: instant('completed_at') })
  .transform((r): Training => ({
    partnerId: r.partner_id,
    courseCode: r.course_code,
    completedAt: r.completed_at,
  }));

const CatalogRow = z
  .object({ sku: text('sku', TEXT_LIMITS.sku), program: slug('program', 'client'), rate_row: slug('rate_row', 'premium') })
  .transform((r): CatalogEntry => ({ sku: r.sku, program: r.program, rateRow: r.rate_row }));

// ---------------------------------------------------------------- table reading

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
  const rows: { data: string[]; line: number; problems: string[] }[] = [];
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
      rows.push({ data: result.data, line, problems: result.errors.map((e) => e.message) });
      for (let i = start; i < end; i++) if (source[i] === '\n') line++;
      cursor = end;
    },
  });

  const [header, ...body] = rows;
  if (!header)
    return {
      records: [],
      errors: [{ line: 1, message: `the file is empty; it needs a header line: ${columns.join(',')}` }],
    };
  const found = header.data.map(normalizeHeader);
  const missing = columns.filter((c) => !found.includes(c));
  if (missing.length) {
    const hint = header.data.some((h) => h.includes(';'))
      ? ' The file seems to be separated by semicolons: save it as "CSV UTF-8 (comma delimited)".'
      : '';
    return {
      records: [],
      errors: [
        {
          line: header.line,
          message: `the header has no column ${missing.join(', ')}; columns found: ${found.filter(Boolean).join(', ') || 'none'}.${hint}`,
        },
      ],
    };
  }

  const index = new Map(columns.map((c) => [c, found.indexOf(c)]));
  const records: TableRecord[] = [];
  const errors: RowError[] = [];
  for (const row of body) {
    if (row.problems.length) {
      errors.push({ line: row.line, message: `cannot be read as CSV: ${row.problems.join('; ')}` });
      continue;
    }
    const extra = row.data.slice(found.length).filter((v) => v.trim());
    if (row.data.length < found.length || extra.length) {
      errors.push({
        line: row.line,
        message: `has ${row.data.length} values but the header has ${found.length} columns (a comma inside a value needs "quotes")`,
      });
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
  keyOf?: (row: T) => { key: string; says: string },
): ParseResult<T> {
  const { records, errors } = readTable(input, columns);
  const rows: T[] = [];
  const firstLine = new Map<string, number>();
  for (const r of records) {
    const parsed = schema.safeParse(r.values);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) errors.push({ line: r.line, message: issue.message });
      continue;
    }
    if (keyOf) {
      const { key, says } = keyOf(parsed.data);
      const seen = firstLine.get(key);
      if (seen !== undefined) {
        errors.push({ line: r.line, message: `${says} is already on line ${seen}` });
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
    says: `partner_id "${p.displayId}"`,
  }));
}

export function parseDistributors(input: string): ParseResult<Distributor> {
  return parseWith(input, COLUMNS.distributors, DistributorRow, (d) => ({
    key: d.id,
    says: `distributor_id "${d.displayId}"`,
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
    says: `sku "${c.sku}"`,
  }));
}

// ---------------------------------------------------------------- cross-check

/**
 * Checks reference data against a quarter's rules and against itself: programs, plans and rate
 * rows must exist; acceptances and trainings must be of known partners. Returns the problems.
 */
export function checkReferenceAgainstRules(ref: ReferenceData, rules: Rules): FileProblem[] {
  const problems: FileProblem[] = [];
  const add = (file: string, message: string) => problems.push({ file, line: null, message });
  const partners = new Set(ref.partners.map((p) => p.id));
  const shown = asWrittenIn(ref.partners);
  const programList = [...rules.programs.keys()].join(', ');

  for (const a of ref.acceptances) {
    const who = `partner ${shown(a.partnerId)}`;
    if (!partners.has(a.partnerId))
      add(REFERENCE_FILES.acceptances, `${who} accepted program "${a.program}" but is not in partners.csv`);
    const program = rules.programs.get(a.program);
    if (!program) {
      add(
        REFERENCE_FILES.acceptances,
        `${who} accepted program "${a.program}", which the ${rules.quarter} rules do not have (programs: ${programList})`,
      );
      continue;
    }
    if (a.plan !== null && !program.plans.includes(a.plan))
      add(
        REFERENCE_FILES.acceptances,
        `${who} chose plan ${a.plan} in program "${a.program}", whose plans in ${rules.quarter} are ${program.plans.join(' and ')}`,
      );
  }

  for (const t of ref.trainings)
    if (!partners.has(t.partnerId))
      add(
        REFERENCE_FILES.trainings,
        `partner ${t.partnerId} completed ${t.courseCode} but is not in partners.csv`,
      );

  for (const c of ref.catalog) {
    const program = rules.programs.get(c.program);
    if (!program)
      add(
        REFERENCE_FILES.catalog,
        `sku "${c.sku}" is mapped to program "${c.program}", which the ${rules.quarter} rules do not have (programs: ${programList})`,
      );
    else if (!program.rateRows.some((r) => r.id === c.rateRow))
      add(
        REFERENCE_FILES.catalog,
        `sku "${c.sku}" is mapped to rate row "${c.rateRow}", which program "${c.program}" does not have (rate rows: ${program.rateRows.map((r) => r.id).join(', ')})`,
      );
  }
  return problems;
}
