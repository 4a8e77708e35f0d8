/**
 * What a route handler gets and gives back, and the validation helpers every route uses: query,
 * JSON body and path parameters go through zod here, so a bad request is a 400 naming the field.
 */
import { Decimal } from 'decimal.js';
import { z } from 'zod';
import type { Principal, Role } from '../../shared/auth/principal.js';
import { distributorKey, lineAsWritten } from '../../shared/domain/ids.js';
import { normalizePartnerId } from '../../shared/domain/partner-id.js';
import { RulesBook, type Rules } from '../../shared/domain/rules/load.js';
import { QuarterId } from '../../shared/domain/rules/schema.js';
import { TEXT_LIMITS } from '../../shared/domain/text-limits.js';
import { explainLine, missingCoursesText, warningText, type Lang } from '../../shared/domain/render/index.js';
import type { ChangeCause, Partner, PayoutLine } from '../../shared/domain/types.js';
import { InputValidationError, NotFoundError } from '../../shared/errors.js';
import { fieldIssuesOf } from '../../shared/field-issues.js';
import type { AppDeps } from '../../shared/wiring.js';
import type { RouteSpec } from './router.js';
import { causeJson } from './cause-text.js';
import { lineForReader } from './report-uploader.js';

export type ApiDeps = AppDeps;

export interface ApiRequest {
  deps: ApiDeps;
  principal: Principal;
  params: Record<string, string>;
  query: Record<string, string | undefined>;
  /** Lower-cased names. */
  headers: Record<string, string | undefined>;
  /** The raw body bytes (already base64-decoded), or null. */
  body: Buffer | null;
}

export type Reply =
  | { status?: number; json: unknown }
  // `language`: a file whose sentences are in the reader's language (the finance export) says which.
  | { file: { body: Buffer; contentType: string; fileName: string; language?: Lang } };

export interface Route extends RouteSpec {
  roles: readonly Role[];
  handle(req: ApiRequest): Promise<Reply>;
}

export function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message));
}

export function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = issuesOf(parsed.error);
  throw new InputValidationError(`The ${what} is not valid: ${issues.join('; ')}`, issues, {
    cause: parsed.error,
    key: 'invalid-input',
    params: { what, fieldIssues: fieldIssuesOf(parsed.error, value) },
  });
}

export function isJson(req: ApiRequest): boolean {
  const type = req.headers['content-type'] ?? '';
  return !type || /^application\/([\w.+-]+\+)?json\b/i.test(type);
}

export function jsonBody<T>(req: ApiRequest, schema: z.ZodType<T>): T {
  if (!isJson(req)) throw new InputValidationError('Send the request body as JSON (content-type: application/json).', [], {
      key: 'body-not-json-type',
    });
  let value: unknown;
  try {
    value = JSON.parse(req.body?.toString('utf8') || '{}');
  } catch (cause) {
    throw new InputValidationError('The request body is not valid JSON.', [], { cause, key: 'body-not-json' });
  }
  return parseWith(schema, value, 'request body');
}

/** Optional filters in the query string: empty means absent. */
export const optionalText = z
  .string()
  .trim()
  .optional()
  .transform((v) => v || undefined);

export const PartnerIdParam = z
  .string()
  .max(TEXT_LIMITS.partnerId, `is longer than ${TEXT_LIMITS.partnerId} characters`)
  .trim()
  .min(1, 'must not be empty')
  .transform(normalizePartnerId);

/** The quarter named in the path, which must have rules in force. */
export async function quarterOf(req: ApiRequest): Promise<Rules> {
  const q = parseWith(QuarterId, req.params.q, 'quarter in the path');
  const book = new RulesBook(await req.deps.rules.loadAll());
  const rules = book.get(q);
  if (!rules)
    throw new NotFoundError(`There is no quarter ${q}; quarters with rules: ${book.quarters.join(', ') || 'none'}.`, {
      key: 'quarter-unknown',
      params: { quarter: q, known: book.quarters },
    });
  return rules;
}

/** The partner registry by key, for answers that show partners as written there. */
export const partnerMap = async (req: ApiRequest): Promise<Map<string, Partner>> =>
  new Map((await req.deps.reference.listPartners()).map((p) => [p.id, p]));

export const money = (d: Decimal): string => d.toFixed(2);

export function sumAmounts(lines: readonly Pick<PayoutLine, 'amount'>[]): Decimal {
  return lines.reduce((sum, l) => sum.plus(l.amount), new Decimal(0));
}

/** A distributor ID in a query: matched as the registry's key, in any case. */
export const DistributorIdParam = optionalText.transform((v) => (v === undefined ? v : distributorKey(v)));

/**
 * `PayoutLineJson` of docs/api.md: IDs as written in the reference data, amounts as strings, the
 * partner's name and region, adjustments marked, the explanation and warnings in `lang`; causes
 * name a direct S3 writer's address only to readers who may see it (report-uploader.ts), each with
 * its sentence in `lang` (cause-text.ts).
 */
export function payoutLineJson(
  line: PayoutLine & { adjustmentOf?: string },
  partner: Partner | undefined,
  lang: Lang,
  reader: Pick<Principal, 'role'>,
) {
  const shown = lineForReader(line, reader);
  const { rate, amount, adjustmentOf, explanation, warnings, ...rest } = lineAsWritten(shown);
  const { causes } = shown as { causes?: ChangeCause[] };
  return {
    ...rest,
    ...(causes ? { causes: causes.map((c) => causeJson(c, lang)) } : {}),
    explanation: {
      ...explanation,
      // "one of A, B" names no code: it is said in the reader's language like the sentence.
      missingCourses: missingCoursesText(explanation, lang),
      text: explainLine(shown, lang),
    },
    warnings: warnings.map((w) => warningText(w, lang)),
    rate: money(rate),
    amount: money(amount),
    partnerName: partner?.name ?? null,
    region: partner?.region ?? null,
    ...(adjustmentOf ? { adjustment: { ofQuarter: adjustmentOf } } : {}),
  };
}
