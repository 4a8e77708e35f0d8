/**
 * zod's issues as plain data (path, kind, limits), kept on an InputValidationError so the
 * field-level sentences can be said in the reader's language, not only in zod's English.
 */
import type { z } from 'zod';
import type { CellProblem } from './domain/render/row-issues.js';
import type { FieldIssue } from './errors.js';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

const limitOf = (n: unknown): number | string | undefined =>
  typeof n === 'number' ? n : typeof n === 'bigint' ? String(n) : undefined;

/** Each issue of `error` (met while parsing `input`) as a FieldIssue. */
export function fieldIssuesOf(error: z.ZodError, input: unknown): FieldIssue[] {
  return error.issues.map((i): FieldIssue => {
    const path = i.path.map(String).join('.');
    switch (i.code) {
      case 'invalid_type':
        // A missing field is zod's "expected string, received undefined": said as "required".
        return valueAt(input, i.path) === undefined ? { path, kind: 'required' } : { path, kind: 'type', expected: i.expected };
      case 'invalid_value':
        return { path, kind: 'enum', values: i.values.map(String) };
      case 'too_big':
        return {
          path,
          kind: i.origin === 'string' ? 'too-long' : 'too-big',
          ...(limitOf(i.maximum) !== undefined ? { limit: limitOf(i.maximum)! } : {}),
          expected: i.origin,
        };
      case 'too_small':
        return {
          path,
          kind: i.origin === 'string' ? 'too-short' : 'too-small',
          ...(limitOf(i.minimum) !== undefined ? { limit: limitOf(i.minimum)! } : {}),
          expected: i.origin,
        };
      case 'invalid_format':
        return { path, kind: 'format', format: i.format };
      case 'unrecognized_keys':
        return { path, kind: 'unknown-keys', keys: [...i.keys] };
      case 'custom':
        // A reference field's own rule (shared/reference/json.ts) says what is wrong as data.
        if (typeof i.params?.tooLong === 'number') return { path, kind: 'too-long', limit: i.params.tooLong, expected: 'string' };
        if (i.params?.problem) return { path, kind: 'problem', problem: i.params.problem as CellProblem };
        return { path, kind: 'other' };
      default:
        return { path, kind: 'other' };
    }
  });
}
