/**
 * Header of a distributor report: which column holds which field (the aliases of
 * docs/data-formats.md) and which delimiter the header line uses.
 */
import Papa from 'papaparse';
import { ReportHeaderError } from '../errors.js';

export type ReportField =
  | 'invoice_date'
  | 'invoice_number'
  | 'partner_id'
  | 'sku'
  | 'description'
  | 'quantity'
  | 'service_tag'
  | 'partner_name'
  | 'distributor';

export type ReportDelimiter = ',' | ';' | '\t';

/** Accepted header names per field, in order of preference when a file has several of them. */
export const REPORT_FIELD_ALIASES: Readonly<Record<ReportField, readonly string[]>> = {
  invoice_date: [
    'invoice_date',
    'invoice date',
    'date',
    'дата',
    'дата счета',
    'дата отгрузки',
    'дата документа',
  ],
  invoice_number: ['invoice_number', 'invoice no', 'invoice', 'номер счета', '№ счета', 'номер документа'],
  partner_id: ['partner_id', 'partner id', 'dell id', 'partner', 'id партнера', 'партнер id', 'код партнера'],
  sku: ['sku', 'part number', 'part no', 'артикул'],
  description: ['description', 'product', 'model', 'наименование', 'модель', 'описание', 'товар'],
  quantity: ['quantity', 'qty', 'units', 'количество', 'кол-во'],
  service_tag: ['service_tag', 'service tag', 'serial', 'сервис-тег', 'сервисный код', 'серийный номер'],
  partner_name: ['partner_name', 'partner name', 'наименование партнера', 'партнер наименование'],
  // Optional: when present it must agree with the upload folder, whose distributor is authoritative.
  distributor: ['distributor', 'distributor_id', 'distributor id', 'дистрибьютор', 'код дистрибьютора'],
};

export const REQUIRED_FIELDS: readonly ReportField[] = [
  'invoice_date',
  'invoice_number',
  'partner_id',
  'description',
  'quantity',
];

const FIELDS = Object.keys(REPORT_FIELD_ALIASES) as ReportField[];

/** Case, BOM, ё/е and runs of spaces (including no-break ones) do not matter in header names. */
export function normaliseHeaderName(name: string): string {
  return name.replace(/\s+/g, ' ').trim().toLowerCase().replace(/ё/g, 'е');
}

const ALIAS_INDEX = new Map<string, { field: ReportField; rank: number }>();
for (const field of FIELDS) {
  REPORT_FIELD_ALIASES[field].forEach((alias, rank) =>
    ALIAS_INDEX.set(normaliseHeaderName(alias), { field, rank }),
  );
}

/** Column index per recognised field; unknown columns are left out (kept in the records, ignored here). */
export function mapHeader(headers: readonly string[]): Partial<Record<ReportField, number>> {
  const best = new Map<ReportField, { index: number; rank: number }>();
  headers.forEach((name, index) => {
    const hit = ALIAS_INDEX.get(normaliseHeaderName(name));
    if (!hit) return;
    const seen = best.get(hit.field);
    // Two columns for one field (e.g. "Дата счета" and "Дата отгрузки"): the alias listed first wins.
    if (!seen || hit.rank < seen.rank) best.set(hit.field, { index, rank: hit.rank });
  });
  const mapping: Partial<Record<ReportField, number>> = {};
  for (const field of FIELDS) {
    const hit = best.get(field);
    if (hit) mapping[field] = hit.index;
  }
  return mapping;
}

/** The mapping, or a ReportHeaderError naming what is missing and what was found. */
export function requireHeader(headers: readonly string[]): Partial<Record<ReportField, number>> {
  const mapping = mapHeader(headers);
  const missing = REQUIRED_FIELDS.filter((field) => mapping[field] === undefined);
  if (missing.length === 0) return mapping;
  const found = headers.map((h) => h.trim()).filter((h) => h !== '');
  const accepted = missing.map((f) => `${f}: ${REPORT_FIELD_ALIASES[f].join(', ')}`).join('; ');
  throw new ReportHeaderError(
    `The header has no column for: ${missing.join(', ')}. ` +
      `Columns found: ${found.length ? found.map((h) => `"${h}"`).join(', ') : 'none'}. ` +
      `Accepted column names (any case) are ${accepted}.`,
    missing,
    found,
  );
}

const CANDIDATES: readonly ReportDelimiter[] = [',', ';', '\t'];

/** Splits one line the way the row parser will, so quoted delimiters are not counted. */
export function splitLine(line: string, delimiter: ReportDelimiter): string[] {
  const parsed = new Papa.Parser({ delimiter, newline: '\n' }).parse(line, 0, false) as { data: string[][] };
  return parsed.data[0] ?? [''];
}

/**
 * The delimiter of the header line: the one that makes the most columns recognisable, then the one
 * that yields the most fields. A line that no candidate splits falls back to comma (the header check
 * then reports it as one column).
 */
export function chooseDelimiter(headerLine: string): ReportDelimiter {
  let best = { delimiter: ',' as ReportDelimiter, known: -1, fields: -1 };
  for (const delimiter of CANDIDATES) {
    const fields = splitLine(headerLine, delimiter);
    if (fields.length < 2) continue;
    const known = Object.keys(mapHeader(fields)).length;
    if (known > best.known || (known === best.known && fields.length > best.fields)) {
      best = { delimiter, known, fields: fields.length };
    }
  }
  return best.delimiter;
}
