/**
 * Reference rows as JSON (`{ rows: [...] }`, the domain's field names), read by the same field
 * rules as the CSV files (fields.ts). A problem follows the field's path, e.g.
 * "rows.0.id: is not a partner ID".
 */
import { z } from 'zod';
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from '../domain/types.js';
import { FIELDS, planOf, Problem, type Field } from './fields.js';

/** The most rows one request may carry. */
export const MAX_ROWS = 20_000;

function field<T>({ max, check }: Field<T>) {
  return z.string().transform((raw, ctx): T => {
    // Before anything else reads the value, which may be huge.
    if (raw.length > max) {
      ctx.addIssue({ code: 'custom', message: `is longer than ${max} characters`, params: { tooLong: max } });
      return z.NEVER;
    }
    const value = raw.trim();
    const out = value ? check(value) : new Problem({ kind: 'empty' });
    if (out instanceof Problem) {
      ctx.addIssue({ code: 'custom', message: out.text, params: { problem: out.issue } });
      return z.NEVER;
    }
    return out;
  });
}

export const AcceptanceJson = z
  .object({
    partnerId: field(FIELDS.partnerId),
    program: field(FIELDS.program),
    plan: z
      .number()
      .nullable()
      .default(null)
      .transform((units, ctx) => {
        const out = units === null ? null : planOf(units, 'null');
        if (!(out instanceof Problem)) return out;
        ctx.addIssue({ code: 'custom', message: out.text, params: { problem: out.issue } });
        return z.NEVER;
      }),
    acceptedAt: field(FIELDS.instant),
  })
  .strict()
  .transform((a): Acceptance => a);

export const TrainingJson = z
  .object({
    partnerId: field(FIELDS.partnerId),
    courseCode: field(FIELDS.courseCode),
    completedAt: field(FIELDS.instant),
  })
  .strict()
  .transform((t): Training => t);

// IDs are kept as sent (trimmed) to be shown and exported; `id` becomes the key they are matched by.
export const PartnerJson = z
  .object({
    id: field(FIELDS.partnerIdAsWritten),
    name: field(FIELDS.name),
    status: field(FIELDS.status),
    region: field(FIELDS.region),
  })
  .strict()
  .transform((p): Partner => ({ ...p, id: p.id.key, displayId: p.id.written }));

export const DistributorJson = z
  .object({
    id: field(FIELDS.distributorId),
    name: field(FIELDS.name),
    segments: z
      .array(field(FIELDS.segment))
      .min(1, 'name at least one segment')
      .transform((s) => [...new Set(s)]),
  })
  .strict()
  .transform((d): Distributor => ({ ...d, id: d.id.key, displayId: d.id.written }));

export const CatalogJson = z
  .object({ sku: field(FIELDS.sku), program: field(FIELDS.program), rateRow: field(FIELDS.rateRow) })
  .strict()
  .transform((c): CatalogEntry => c);

/** A request's rows: at least one, at most MAX_ROWS. */
export const rowsOf = <T extends z.ZodType>(row: T) =>
  z.object({ rows: z.array(row).min(1, 'give at least one row').max(MAX_ROWS) }).strict();
