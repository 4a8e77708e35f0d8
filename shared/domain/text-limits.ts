/**
 * How long each text field of reference data may be (docs/data-formats.md, "Reference data"), in
 * characters. Far above any real value and far below DynamoDB's limits (an item at most 400 KB, a
 * sort key 1 KB; a character is at most 4 bytes in UTF-8), so a row that passes is a row DynamoDB
 * stores: an import is refused whole before anything is written, never stopped halfway by the store.
 */
import type { Acceptance, CatalogEntry, Distributor, Partner, Training } from './types.js';

/** Reference rows about to be written (the shape of the pipeline's ReferenceChange). */
export interface ReferenceRows {
  partners?: readonly Partner[];
  distributors?: readonly Distributor[];
  acceptances?: readonly Acceptance[];
  trainings?: readonly Training[];
  catalog?: readonly CatalogEntry[];
}

export const TEXT_LIMITS = {
  partnerId: 40,
  distributorId: 40,
  /** A partner's or distributor's name: Russian legal names run to about 200 characters. */
  name: 300,
  region: 100,
  sku: 100,
  /** Programs and rate rows (slugs of the rules files). */
  slug: 60,
  courseCode: 40,
  /** An ISO 8601 instant with offset and fractions of a second. */
  instant: 40,
} as const;

export type TextField = keyof typeof TEXT_LIMITS;

/** Plain words for a value over its limit; the value itself is never echoed (it may be huge). */
export function tooLong(field: string, value: string, max: number): string {
  return `${field} is ${value.length.toLocaleString('en-US')} characters long; at most ${max} are allowed`;
}

/**
 * Every field over its limit in a change about to be written, as "partners[29].name: …". Parsers
 * refuse such rows first with their line; this guards every other caller of importReference.
 */
export function referenceTextProblems(change: ReferenceRows): string[] {
  const problems: string[] = [];
  const check = (at: string, fields: [string, string | undefined, TextField][]) => {
    for (const [name, value, limit] of fields)
      if (value !== undefined && value.length > TEXT_LIMITS[limit])
        problems.push(`${at}.${tooLong(name, value, TEXT_LIMITS[limit])}`);
  };
  change.partners?.forEach((p, i) =>
    check(`partners[${i}]`, [
      ['id', p.id, 'partnerId'],
      ['displayId', p.displayId, 'partnerId'],
      ['name', p.name, 'name'],
      ['region', p.region, 'region'],
    ]),
  );
  change.distributors?.forEach((d, i) =>
    check(`distributors[${i}]`, [
      ['id', d.id, 'distributorId'],
      ['displayId', d.displayId, 'distributorId'],
      ['name', d.name, 'name'],
    ]),
  );
  change.acceptances?.forEach((a, i) =>
    check(`acceptances[${i}]`, [
      ['partnerId', a.partnerId, 'partnerId'],
      ['program', a.program, 'slug'],
      ['acceptedAt', a.acceptedAt, 'instant'],
    ]),
  );
  change.trainings?.forEach((t, i) =>
    check(`trainings[${i}]`, [
      ['partnerId', t.partnerId, 'partnerId'],
      ['courseCode', t.courseCode, 'courseCode'],
      ['completedAt', t.completedAt, 'instant'],
    ]),
  );
  change.catalog?.forEach((c, i) =>
    check(`catalog[${i}]`, [
      ['sku', c.sku, 'sku'],
      ['program', c.program, 'slug'],
      ['rateRow', c.rateRow, 'slug'],
    ]),
  );
  return problems;
}
