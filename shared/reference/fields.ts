/**
 * The rules of each field of a reference row, in one place for both ways rows arrive: the CSV files
 * (parse.ts, which names the column and quotes the value) and the JSON rows of the API (json.ts,
 * whose messages follow the field's path). A rule gets the trimmed text and returns the value as
 * stored, or a `Problem` whose words read after the field's name.
 */
import { courseKey, distributorKey } from '../domain/ids.js';
import { normalizePartnerId } from '../domain/partner-id.js';
import { CourseCode, SEGMENTS, Slug, type Segment } from '../domain/rules/schema.js';
import { cellProblemText, type CellProblem } from '../domain/render/row-issues.js';
import { TEXT_LIMITS } from '../domain/text-limits.js';
import type { Partner } from '../domain/types.js';

/** What is wrong with a value, as data; `text` is the English words that follow the field's name. */
export class Problem {
  constructor(readonly issue: CellProblem) {}
  get text(): string {
    return cellProblemText(this.issue, 'en');
  }
}

export interface Field<T> {
  /** Characters allowed, checked before the rule so a huge value is never read further. */
  max: number;
  check: (value: string) => T | Problem;
}

/** An identifier as matched (`key`) and as written (`written`, trimmed), shown and exported. */
export interface Id {
  key: string;
  written: string;
}

export const EXAMPLE_INSTANT = '2016-03-01T10:00:00+03:00';

const field = <T>(max: number, check: (value: string) => T | Problem): Field<T> => ({ max, check });

const text = (max: number) => field(max, (v) => v);

// A partner's ID must be one that report lines can match after normalising (partner-id.ts).
const partnerIdAsWritten = field(TEXT_LIMITS.partnerId, (v): Id | Problem => {
  const key = normalizePartnerId(v);
  return /^[A-Z0-9][A-Z0-9-]*$/.test(key)
    ? { key, written: v }
    : new Problem({ kind: 'partner-id' });
});

// Written in any case (D-MERL); the key is lower-case, so it also names the report folder in any case.
const distributorId = field(TEXT_LIMITS.distributorId, (v): Id | Problem => {
  const key = distributorKey(v);
  return Slug.safeParse(key).success
    ? { key, written: v }
    : new Problem({ kind: 'distributor-id' });
});

const slug = (example: string) =>
  field(TEXT_LIMITS.slug, (v) => {
    const s = v.toLowerCase();
    return Slug.safeParse(s).success
      ? s
      : new Problem({ kind: 'slug', example });
  });

const STATUSES = ['Registered', 'Preferred'] as const satisfies readonly Partner['status'][];

const status = field(20, (v) => {
  const s = STATUSES.find((x) => x.toLowerCase() === v.toLowerCase());
  return s ?? new Problem({ kind: 'one-of', values: STATUSES });
});

const segment = field(20, (v): Segment | Problem => {
  const s = v.toLowerCase();
  return (SEGMENTS as readonly string[]).includes(s)
    ? (s as Segment)
    : new Problem({ kind: 'segment', values: SEGMENTS });
});

// Kept as written; matched upper-cased (courseKey), as the rules files write course codes.
const courseCode = field(TEXT_LIMITS.courseCode, (v) =>
  CourseCode.safeParse(courseKey(v)).success ? v : new Problem({ kind: 'course-code' }),
);

const INSTANT =
  /^(?<y>\d{4})-(?<mo>\d{2})-(?<d>\d{2})[T ](?<h>\d{2}):(?<mi>\d{2})(?::(?<s>\d{2})(?:\.\d+)?)?(?<offset>Z|[+-]\d{2}:\d{2})$/i;
const INSTANT_WITHOUT_OFFSET = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$/;

/** ISO 8601 with an explicit offset: the time zone must never be guessed. */
const instant = field(TEXT_LIMITS.instant, (v) => {
  const example = EXAMPLE_INSTANT;
  if (INSTANT_WITHOUT_OFFSET.test(v)) return new Problem({ kind: 'instant-no-offset', example });
  const g = INSTANT.exec(v)?.groups;
  if (!g) return new Problem({ kind: 'instant-format', example });
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
  if (!real) return new Problem({ kind: 'instant-unreal', example });
  return `${v.slice(0, 10)}T${v.slice(11, -offset.length)}${offset}`;
});

export const FIELDS = {
  /** A partner ID as the registry keeps it: the key it is matched by and the ID as written. */
  partnerIdAsWritten,
  /** A partner ID that names a partner: only the key matters. */
  partnerId: field(TEXT_LIMITS.partnerId, (v) => {
    const id = partnerIdAsWritten.check(v);
    return id instanceof Problem ? id : id.key;
  }),
  distributorId,
  name: text(TEXT_LIMITS.name),
  region: text(TEXT_LIMITS.region),
  sku: text(TEXT_LIMITS.sku),
  program: slug('client'),
  rateRow: slug('premium'),
  status,
  segment,
  courseCode,
  instant,
} as const;

/** A plan: a whole number of units; `none` is how the row says that no plan was chosen. */
export function planOf(units: number, none: 'empty' | 'null'): number | Problem {
  return Number.isSafeInteger(units) && units > 0
    ? units
    : new Problem({ kind: 'plan', none });
}
