/**
 * The checks of a report line that depend on the file alone (data-formats "Distributor sell-out
 * report"): readable row, required fields, the distributor column against the upload folder, date
 * and its quarter (the rules calendar only), quantity, duplicate line. One implementation, shared by
 * ReportTallier (lines.ts, today's ingest) and ReportExtractor (extract.ts, pipeline v2).
 *
 * The tallier rejects unknown partners between the distributor and the date checks; to keep its
 * rejects exactly as they were, that check is an optional hook here, at that place.
 *
 * Dates, partner IDs and quantities repeat on most lines, so each distinct value is parsed once per
 * report (BoundedMemo; partner IDs in TextMemo). A line that passes leaves its parsed values in `passed`, an object reused
 * from line to line, so passing lines allocate nothing here.
 */
import { distributorKey } from '../domain/ids.js';
import { normalizePartnerId } from '../domain/partner-id.js';
import { detailEn } from '../domain/render/details.js';
import type { Rules, RulesBook } from '../domain/rules/load.js';
import type { ReportRecord as CsvRecord } from '../csv/read-report.js';
import { parseInvoiceDate, parseQuantity, type FieldResult } from '../csv/fields.js';
import { BoundedMemo, FieldHash, LineIndex } from './line-index.js';
import { TextMemo } from './text-memo.js';

export const REJECT_REASONS = {
  'malformed-row': 'The line could not be read as CSV',
  'record-too-long': 'The line, or a value in it, is too long',
  'bad-encoding': "The line's bytes are not text in the file's encoding",
  'missing-field': 'A required value is empty',
  'distributor-mismatch': 'The distributor column disagrees with the upload folder',
  'unknown-partner': 'The partner ID is not in the partner registry',
  'bad-date': 'The invoice date is not a date',
  'date-outside-quarter': 'The invoice date is in no program quarter',
  'bad-quantity': 'The quantity is not a whole number of units',
  'duplicate-line': 'The same line appears earlier in this report',
  'unclassified-product': 'The product could not be matched to a program rate row',
  'unrated-product': 'The product takes part in the program but has no rate this quarter',
  'not-eligible-product': 'The product is not in the program',
  'distributor-not-authorized': 'The distributor is not authorised for this product segment',
  'duplicate-claim': 'The service tag was already claimed this quarter',
} as const;
export type RejectReason = keyof typeof REJECT_REASONS;

/** Reasons decided from the file alone (and the rules calendar): what an extract rejects. */
export const FILE_REJECT_REASONS = [
  'malformed-row',
  'record-too-long',
  'bad-encoding',
  'missing-field',
  'distributor-mismatch',
  'bad-date',
  'date-outside-quarter',
  'bad-quantity',
  'duplicate-line',
] as const satisfies readonly RejectReason[];

export interface LineReject {
  line: number;
  fields: string[];
  code: RejectReason;
  message: string;
}

const REQUIRED = ['invoice_date', 'invoice_number', 'partner_id', 'description', 'quantity'] as const;

type Values = CsvRecord['values'];

/** Each field by name, not a loop over REQUIRED: it runs on every line, and named reads are the fast ones. */
function hasRequired(v: Values): v is Values & Record<(typeof REQUIRED)[number], string> {
  return !!(v.invoice_date && v.invoice_number && v.partner_id && v.description && v.quantity);
}

/** A value's own 64-bit hash, kept with its memo entry so a line's identity hash mixes numbers. */
export interface Hashed {
  hi: number;
  lo: number;
}

/** The hash a product (SKU and description as written) contributes to a line's identity. */
export function hashProduct(hash: FieldHash, sku: string, description: string): Hashed {
  const { hi, lo } = hash.start().add(sku).add(description).finish();
  return { hi, lo };
}

// A plain function, not a closure made per line: most lines pass and never need it.
export function rejectOf(record: CsvRecord, code: RejectReason, message: string): LineReject {
  return { line: record.line, fields: record.fields, code, message };
}

interface DateCheck extends Hashed {
  date: FieldResult<string>;
  rules: Rules | undefined;
  /** The duplicate-line table of this date (DUPLICATES_BY_DATE); set when the date is in a quarter. */
  seen: LineIndex | undefined;
}

/** A partner ID as written, checked once; a caller may number it (`slot`) to find it again cheaply. */
export interface PartnerCheck extends Hashed {
  /** Normalised partner ID (program rules §2.1). */
  readonly key: string;
  readonly known: boolean;
  /** The caller's number for this partner, -1 until it sets one. */
  slot: number;
}

/** What a line that passed the file checks holds; overwritten by the next line. */
export interface PassedLine<P> {
  /** The quarter's rules, from the calendar. */
  rules: Rules;
  /** The partner ID as matched (normalised). */
  partnerKey: string;
  /** The partner ID as written, checked: its `slot` is the caller's to set. */
  partner: PartnerCheck;
  quantity: number;
  product: P;
}

export interface FileLineChecksOptions<P extends Hashed> {
  /** The product value a caller keeps per distinct SKU and description (memoised by the caller). */
  product: (rules: Rules, description: string, sku: string) => P;
  /** When given, a partner it does not know is rejected (unknown-partner) before the date checks. */
  knownPartner?: (key: string) => boolean;
  /** The upload folder's distributor as written in the registry, for messages (else the key). */
  distributorShown?: string;
}

const MEMO_ENTRIES = 10_000;
/** A day's first table is at most this big (1.6 MB); only a day with more lines grows its own. */
const MAX_START_SLOTS = 1 << 17;

/*
 * DUPLICATES_BY_DATE: a line's identity includes its invoice date, so only lines of the same date
 * can be duplicates, and each date has its own table. Reports list lines by date, so the table in
 * use is one day's, small enough to stay in the CPU cache; one table for a million lines (24 MB)
 * cost a wait for memory on every line, the largest single cost of the checks. Only dates in a
 * program quarter get a table, so there are at most as many as the calendar has days.
 */

export class FileLineChecks<P extends Hashed> {
  /** Keyed by the date as parsed, so one day written two ways shares its table. */
  private readonly seenByDate = new Map<string, LineIndex>();
  /** The table of the day seen last, for the size of the next one's. */
  private lastDay: LineIndex | undefined;
  private readonly hash = new FieldHash();
  private readonly partners = new TextMemo<PartnerCheck>(MEMO_ENTRIES);
  private readonly dates = new BoundedMemo<DateCheck>(MEMO_ENTRIES);
  private readonly quantities = new BoundedMemo<FieldResult<number>>(MEMO_ENTRIES);
  /** The distributor column value last seen to match the upload folder. */
  private distributorSeen = '';
  /** Valid after `check` returned null, until the next call. */
  readonly passed: PassedLine<P> = {
    rules: undefined!,
    partnerKey: '',
    partner: undefined!,
    quantity: 0,
    product: undefined!,
  };

  constructor(
    private readonly book: RulesBook,
    private readonly distributorId: string,
    private readonly options: FileLineChecksOptions<P>,
  ) {}

  /** Null when the line passes (its values are then in `passed`), else why it is rejected. */
  check(record: CsvRecord): LineReject | null {
    const { line, values: v } = record;

    if (record.error) return rejectOf(record, record.error.code, record.error.message);
    if (!hasRequired(v))
      return rejectOf(
        record,
        'missing-field',
        detailEn('missing-field', { fields: REQUIRED.filter((f) => !v[f]).join(', ') }),
      );

    if (v.distributor && v.distributor !== this.distributorSeen) {
      if (distributorKey(v.distributor) !== this.distributorId)
        return rejectOf(
          record,
          'distributor-mismatch',
          detailEn('distributor-mismatch', {
            column: v.distributor,
            folder: this.options.distributorShown ?? this.distributorId,
          }),
        );
      this.distributorSeen = v.distributor;
    }

    const partner = this.partners.get(v.partner_id, this.checkPartner);
    if (!partner.known)
      return rejectOf(
        record,
        'unknown-partner',
        detailEn('unknown-partner', { written: v.partner_id, key: partner.key }),
      );

    const day = this.dates.get(v.invoice_date, this.checkDate);
    const { date, rules } = day;
    if (!date.ok)
      return rejectOf(record, 'bad-date', `Invoice date ${date.message.replace(/^The invoice date /, '')}`);
    if (!rules)
      return rejectOf(
        record,
        'date-outside-quarter',
        detailEn('date-outside-quarter', { date: date.value, quarters: this.book.quarters.join(', ') }),
      );

    const qty = smallCount(v.quantity) ?? this.quantities.get(v.quantity, parseQuantity);
    if (!qty.ok) return rejectOf(record, 'bad-quantity', qty.message);

    // Found before the duplicate check for its hash; callers judge the product after it.
    const product = this.options.product(rules, v.description, v.sku ?? '');
    const h = this.hash
      .start()
      .mix(day.hi, day.lo)
      .add(v.invoice_number)
      .mix(partner.hi, partner.lo)
      .mix(product.hi, product.lo)
      .mix(qty.value, 0)
      .add(v.service_tag ?? '')
      .finish();
    const earlier = day.seen!.putIfAbsent(h.hi, h.lo, line);
    if (earlier)
      return rejectOf(
        record,
        'duplicate-line',
        detailEn('duplicate-line', { line: String(earlier) }),
      );

    const p = this.passed;
    p.rules = rules;
    p.partnerKey = partner.key;
    p.partner = partner;
    p.quantity = qty.value;
    p.product = product;
    return null;
  }

  private readonly checkPartner = (raw: string): PartnerCheck => {
    const key = normalizePartnerId(raw);
    const { hi, lo } = this.hash.start().add(key).finish();
    return { key, known: this.options.knownPartner?.(key) ?? true, hi, lo, slot: -1 };
  };

  private readonly checkDate = (raw: string): DateCheck => {
    const date = parseInvoiceDate(raw);
    if (!date.ok) return { date, rules: undefined, hi: 0, lo: 0, seen: undefined };
    const { hi, lo } = this.hash.start().add(date.value).finish();
    const rules = this.book.quarterOfDate(date.value);
    return { date, rules, hi, lo, seen: rules ? this.seenOn(date.value) : undefined };
  };

  private seenOn(date: string): LineIndex {
    let seen = this.seenByDate.get(date);
    if (!seen) {
      // Sized for as many lines as the day made last (reports list lines day by day, and days are
      // alike), rather than grown from small by doubling, rehashing each time.
      seen = new LineIndex(Math.min(MAX_START_SLOTS, (this.lastDay?.size ?? 0) * 2));
      this.seenByDate.set(date, seen);
      this.lastDay = seen;
    }
    return seen;
  }
}

const SMALL_COUNTS: FieldResult<number>[] = [];

/**
 * parseQuantity's answer for the usual quantity, a few plain digits, without a lookup: most lines
 * have one, and all of them fit under MAX_LINE_QUANTITY. Undefined for anything else.
 */
function smallCount(s: string): FieldResult<number> | undefined {
  if (s.length === 0 || s.length > 4) return undefined;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return (SMALL_COUNTS[n] ??= { ok: true, value: n });
}
