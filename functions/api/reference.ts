/**
 * PUT /reference/{partners,distributors,acceptances,trainings,catalog}: rows as JSON
 * (`{ rows: [...] }`, the domain's field names) or as the reference CSV (`text/csv`, read by the
 * same parsers as the data folder); both apply the field rules of shared/reference/fields.ts, and
 * the checks against the registry, the rules and the caller's territory are the use case's
 * (shared/pipeline/reference-submit.ts), so this module only maps HTTP. Nothing is written unless
 * every row is good and every partner is in the caller's scope. The answer comes as soon as the rows are written (202): no use case
 * runs inside the request; the quarters' computations are requested and run from the queue.
 */
import type { z } from 'zod';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../../shared/domain/types.js';
import { InputValidationError } from '../../shared/errors.js';
import type { ReferenceChange } from '../../shared/pipeline/reference-import.js';
import { submitReferenceRows } from '../../shared/pipeline/reference-submit.js';
import {
  AcceptanceJson,
  CatalogJson,
  DistributorJson,
  MAX_ROWS,
  PartnerJson,
  rowsOf,
  TrainingJson,
} from '../../shared/reference/json.js';
import {
  distinctAcceptances,
  parseAcceptances,
  parseCatalog,
  parseDistributors,
  parsePartners,
  parseTrainings,
} from '../../shared/reference/parse.js';
import type { ParseResult } from '../../shared/reference/types.js';
import { isJson, jsonBody, type ApiRequest, type Reply } from './http.js';
import { languageOf } from './language.js';
import { noteText } from '../../shared/domain/render/notes.js';
import { approvalJson } from './routes-approvals.js';

/** The rows of the request, from JSON or CSV, or a 400 listing every problem. */
function readRows<T>(
  req: ApiRequest,
  row: z.ZodType<T>,
  parseCsv: (text: string) => ParseResult<T>,
  file: string,
): T[] {
  if (isJson(req)) return jsonBody(req, rowsOf(row)).rows as T[];
  const type = req.headers['content-type'] ?? '';
  if (!/^(text\/csv|application\/csv|text\/plain)\b/i.test(type))
    throw new InputValidationError(`Send ${file} as text/csv, or rows as JSON; got content-type ${type}.`, [], {
      key: 'rows-content-type',
      params: { file, type },
    });
  const { rows, errors } = parseCsv(req.body?.toString('utf8') ?? '');
  if (errors.length) {
    const shown = errors.slice(0, 50);
    const issues = shown.map((e) => `line ${e.line}: ${e.message}`);
    // Every row error of the parsers carries its issue; were one not to, the list stays English only.
    const rows = shown.flatMap((e) => (e.issue ? [{ ...e.issue, line: e.line }] : []));
    throw new InputValidationError(`${file} has ${errors.length} bad row(s); nothing was imported.`, issues, {
      key: 'rows-bad',
      params: { file, count: errors.length, ...(rows.length === shown.length ? { rows } : {}) },
    });
  }
  if (!rows.length) throw new InputValidationError(`${file} has no rows.`, [], { key: 'rows-none', params: { file } });
  if (rows.length > MAX_ROWS)
    throw new InputValidationError(`${file} has more than ${MAX_ROWS} rows; split it.`, [], {
      key: 'rows-too-many',
      params: { file, max: MAX_ROWS },
    });
  return rows;
}

/**
 * Acceptances are added to those stored, never replacing one (a partner may accept again to change
 * the plan); an exact repeat of a stored or sent acceptance is that same acceptance.
 */
export async function putAcceptances(req: ApiRequest): Promise<Reply> {
  const rows: Acceptance[] = distinctAcceptances(
    readRows(req, AcceptanceJson, parseAcceptances, 'acceptances.csv'),
  );
  return accepted(req, { acceptances: rows }, 'acceptances');
}

export async function putTrainings(req: ApiRequest): Promise<Reply> {
  const rows: Training[] = readRows(req, TrainingJson, parseTrainings, 'trainings.csv');
  return accepted(req, { trainings: rows }, 'trainings');
}

/**
 * Checks the change against the registry, the rules and the caller's territory, writes it, requests
 * the computations it calls for, and answers at once (shared/pipeline/reference-submit.ts). When a
 * quarter is closed the change is stored and evaluated off the request instead
 * (shared/pipeline/evaluate-change.ts): it is written if it alters no closed quarter's figures, and
 * otherwise waits for approval.
 */
async function accepted(req: ApiRequest, change: ReferenceChange, kind: keyof ReferenceChange): Promise<Reply> {
  const outcome = await submitReferenceRows(req.deps, change, kind, req.principal);
  if ('evaluating' in outcome) {
    const known = new Map((await req.deps.reference.listPartners()).map((p) => [p.id, p]));
    const { id, status } = outcome.evaluating;
    return {
      status: 202,
      json: {
        written: 0,
        computationsRequested: [],
        change: { id, status },
        approval: approvalJson(outcome.evaluating, req.principal, known, languageOf(req)),
        note: noteText({ code: 'change-evaluating', params: { request: id } }, languageOf(req)),
      },
    };
  }
  const result = outcome.applied;
  const quarters = result.computationsRequested;
  return {
    status: 202,
    json: {
      written: result.written[kind],
      computationsRequested: quarters,
      note: noteText({ code: 'change-saved', params: { quarters } }, languageOf(req)),
    },
  };
}

/** Partners: new ones join the registry (their held lines count at the next computation). */
export async function putPartners(req: ApiRequest): Promise<Reply> {
  const rows: Partner[] = readRows(req, PartnerJson, parsePartners, 'partners.csv');
  return accepted(req, { partners: rows }, 'partners');
}

/** Distributors' segments decide which lines are authorised; the computation applies them. */
export async function putDistributors(req: ApiRequest): Promise<Reply> {
  const rows: Distributor[] = readRows(req, DistributorJson, parseDistributors, 'distributors.csv');
  return accepted(req, { distributors: rows }, 'distributors');
}

/** Catalog mappings release held product lines at the next computation, from the stored extracts. */
export async function putCatalog(req: ApiRequest): Promise<Reply> {
  const rows: CatalogEntry[] = readRows(req, CatalogJson, parseCatalog, 'catalog.csv');
  return accepted(req, { catalog: rows }, 'catalog');
}
