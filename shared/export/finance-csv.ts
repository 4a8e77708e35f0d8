/**
 * The finance export `payouts-<quarter>.csv` (docs/data-formats.md, "The finance export").
 *
 * - UTF-8 without BOM, comma, LF line ends (every record, the last too), header line first.
 * - One row per payout line, sorted by partner_id, distributor_id, program, rate_row in UTF-16
 *   code-unit order (never locale order, so the bytes are the same on every machine).
 * - partner_id and distributor_id as written in the reference data (`D-MERL`), which is what
 *   finance matches against its master data; lines stored before that was kept show their key.
 * - `rate_rub` and `amount_rub` with exactly two decimals, no grouping. A value that would need
 *   rounding, or a negative one, is refused (ExportValueError): finance must get what we paid.
 * - `units` is the line's net units at that distributor in that rate row. It can be negative
 *   (more returns than sales); it is our own number, so it is written plainly (`-3`), not
 *   neutralised like text.
 * - `amount_rub` is paidUnits × rate. That equals units × rate except where the line's
 *   explanation says otherwise: untrained units of a gated family earn nothing, and a negative
 *   net pays 0.
 * - Every text cell (partner names above all) is neutralised against spreadsheet formulas.
 * - Adjustment lines (signed corrections of a closed quarter, booked in a later one) come after
 *   the regular rows, sorted by the quarter they correct and then the same keys. Their `quarter`
 *   cell is the corrected quarter, and only they may carry negative amounts.
 * - Nothing follows the rows (no totals section): ledger imports read every row as a payout.
 * - After the nine columns of the spec (which never move): `paid_units`, `reason` (the explanation's
 *   reason code of a line that pays for fewer units than it has, empty otherwise), then
 *   `payment_date` and `payment_reference` (the payments finance recorded for the line's partner ×
 *   distributor in the export's quarter, `;`-separated when several). The snapshot checksum of a
 *   closed quarter is of the nine columns alone (`canonical`), so recording a payment never
 *   breaks it.
 * - Last, `causes`: for an adjustment row, each recorded cause in the sentence the API gives it
 *   (`causes[].text`), in the reader's language, `; `-separated; names of people as recorded.
 */
import { Decimal } from 'decimal.js';
import { ExportValueError } from '../errors.js';
import { shownDistributorId, shownPartnerId } from '../domain/ids.js';
import type { PayoutLine } from '../domain/types.js';
import type { EffectiveLine } from '../domain/adjustments.js';
import { causeText, explainLine, type Lang } from '../domain/render/index.js';
import type { Payment } from '../ports/finance.js';
import { ByteWriter } from './byte-writer.js';
import { csvText } from './csv-cell.js';

export const FINANCE_EXPORT_HEADER = [
  'quarter',
  'partner_id',
  'partner_name',
  'distributor_id',
  'program',
  'rate_row',
  'units',
  'rate_rub',
  'amount_rub',
] as const;

/** After the nine: what a ledger import may read once it knows them. */
export const FINANCE_EXPORT_EXTRA = ['paid_units', 'reason', 'payment_date', 'payment_reference'] as const;

/** The CSV's last column (empty but on adjustment rows); the XLSX has it on its sheets of adjustments only. */
export const FINANCE_EXPORT_CAUSES = 'causes';

export interface FinanceExportOptions {
  /** Payments recorded for the export's quarter. */
  payments?: readonly Payment[];
  /** The nine columns alone: the form a closed quarter's checksum is taken of. */
  canonical?: boolean;
  /** The language of the causes (English by default). */
  lang?: Lang;
}

export function financeExportFileName(quarter: string): string {
  return `payouts-${quarter}.csv`;
}

/** A payout line, or with `adjustmentOf` a signed correction of that closed quarter. */
export type ExportLine = EffectiveLine;

/** One row of the export, checked and formatted; the same rows feed the CSV and the XLSX. */
export interface FinanceExportRow {
  /** The export's quarter, or for an adjustment the closed quarter it corrects. */
  quarter: string;
  /** For an adjustment, the quarter it is booked (paid) in; else the export's quarter. */
  bookedIn: string;
  partnerId: string;
  partnerName: string;
  distributorId: string;
  program: string;
  rateRow: string;
  units: number;
  /** Two-decimal strings, exact: "1155.00", "-3465.00". */
  rate: string;
  amount: string;
  adjustment: boolean;
  explanation: string;
  paidUnits: number;
  /** The explanation's reason code when the line pays for fewer units than it has, else "". */
  reason: string;
  /** Of the payments recorded for the line's partner × distributor in the export's quarter. */
  paymentDates: string[];
  paymentReferences: string[];
  /** The causes of an adjustment as the API words them, `; `-separated ("" for other lines). */
  causes: string;
}

/**
 * Regular rows in the spec's order, then adjustment rows. Sentences (explanation, causes) in
 * `lang`; codes, IDs and the names of people stay as stored.
 */
export function financeExportRows(
  quarter: string,
  lines: readonly ExportLine[],
  partnerName: (id: string) => string,
  payments: readonly Payment[] = [],
  lang: Lang = 'en',
): FinanceExportRow[] {
  return exportRows(quarter, lines, partnerName, payments, lang, true);
}

/** The rows, with their explanation sentences only when asked: the CSV has no column for them. */
function exportRows(
  quarter: string,
  lines: readonly ExportLine[],
  partnerName: (id: string) => string,
  payments: readonly Payment[],
  lang: Lang,
  explained: boolean,
): FinanceExportRow[] {
  const rowOf = exportRowMaker(quarter, partnerName, payments, lang, explained);
  return exportOrder(lines).map(rowOf);
}

/** Regular lines in the spec's order, then adjustment lines by the quarter they correct. */
function exportOrder(lines: readonly ExportLine[]): ExportLine[] {
  const regular = sortPayoutLines(lines.filter((l) => l.adjustmentOf === undefined));
  const adjustments = sortPayoutLines(lines.filter((l) => l.adjustmentOf !== undefined)).sort((a, b) =>
    compareCodeUnits(a.adjustmentOf!, b.adjustmentOf!),
  );
  return [...regular, ...adjustments];
}

/** One line's row, checked (a line that cannot be exported throws ExportValueError). */
function exportRowMaker(
  quarter: string,
  partnerName: (id: string) => string,
  payments: readonly Payment[],
  lang: Lang,
  explained: boolean,
): (l: ExportLine) => FinanceExportRow {
  const paid = new Map<string, Payment[]>();
  for (const p of payments) {
    const k = JSON.stringify([p.partnerId, p.distributorId]);
    paid.set(k, [...(paid.get(k) ?? []), p]);
  }
  return (l) => {
    if (!Number.isSafeInteger(l.units)) {
      throw new ExportValueError(`Units of ${describe(l)} must be a whole number, got ${l.units}.`, {
        key: 'export-units-not-whole',
        params: { ...lineParams(l), units: String(l.units) },
      });
    }
    const adjustment = l.adjustmentOf !== undefined;
    const its = (paid.size && paid.get(JSON.stringify([l.partnerId, l.distributorId]))) || [];
    return {
      quarter: l.adjustmentOf ?? quarter,
      bookedIn: adjustment ? l.quarter : quarter,
      partnerId: shownPartnerId(l),
      partnerName: partnerName(l.partnerId),
      distributorId: shownDistributorId(l),
      program: l.program,
      rateRow: l.rateRow,
      units: l.units,
      rate: money(l.rate, 'rate', l, false),
      amount: money(l.amount, 'amount', l, adjustment),
      adjustment,
      explanation: explained ? explainLine(l, lang) : '',
      paidUnits: l.paidUnits,
      reason: l.paidUnits < l.units ? (l.explanation.reason ?? '') : '',
      paymentDates: its.map((p) => p.date),
      paymentReferences: its.map((p) => p.reference),
      causes: adjustment ? causeTexts(l, lang).join('; ') : '',
    };
  };
}

/**
 * An adjustment's causes, each in the sentence the API's `causes[].text` gives it
 * (functions/api/cause-text.ts). Without recorded causes (frozen before they were kept, or none
 * recorded), those its explanation names ("not recorded" among them), as the dashboard falls back
 * to the explanation.
 */
export function causeTexts(l: ExportLine, lang: Lang): string[] {
  const causes = l.causes?.length ? l.causes : (l.explanation.params?.causes ?? []);
  return causes.map((c) => causeText(c, lang));
}

/**
 * The same file as text. Its bytes are financeExportCsvBytes's, so text that was never valid UTF-16
 * (a lone surrogate) comes back as U+FFFD here, as it would in any file or hash made of it.
 */
export function financeExportCsv(
  quarter: string,
  lines: readonly ExportLine[],
  partnerName: (id: string) => string,
  options: FinanceExportOptions = {},
): string {
  return financeExportCsvBytes(quarter, lines, partnerName, options).toString('utf8');
}

/**
 * The same file as its UTF-8 bytes, which is what is stored, hashed and sent. Rows are encoded
 * straight into one buffer: a partner's name makes every row a two-byte string, and joining a
 * hundred thousand of them and then encoding the 10 MB result cost more than the rows themselves.
 */
export function financeExportCsvBytes(
  quarter: string,
  lines: readonly ExportLine[],
  partnerName: (id: string) => string,
  options: FinanceExportOptions = {},
): Buffer {
  const header = options.canonical
    ? FINANCE_EXPORT_HEADER
    : [...FINANCE_EXPORT_HEADER, ...FINANCE_EXPORT_EXTRA, FINANCE_EXPORT_CAUSES];
  const rowOf = exportRowMaker(quarter, partnerName, options.payments ?? [], options.lang ?? 'en', false);
  const cell = repeatedCells();
  const out = new ByteWriter(lines.length * ROW_BYTES_GUESS);
  out.text(header.join(',') + '\n');
  // A partner's rows follow one another and begin with the same three cells (quarter, ID, name,
  // the name the only non-ASCII text of most rows): they are encoded once and copied.
  let partner: { quarter: string; id: string; name: string; start: number; end: number } | undefined;
  for (const l of exportOrder(lines)) {
    const r = rowOf(l);
    if (partner && partner.quarter === r.quarter && partner.id === r.partnerId && partner.name === r.partnerName)
      out.again(partner.start, partner.end);
    else {
      const start = out.length;
      out.text(`${cell(r.quarter)},${cell(r.partnerId)},${cell(r.partnerName)},`);
      partner = { quarter: r.quarter, id: r.partnerId, name: r.partnerName, start, end: out.length };
    }
    // Numbers are our own, written plainly: a signed "-3465.00" must stay a number, not become text.
    let rest = `${cell(r.distributorId)},${cell(r.program)},${cell(r.rateRow)},${r.units},${r.rate},${r.amount}`;
    if (!options.canonical)
      rest +=
        `,${r.paidUnits},${cell(r.reason)},${r.paymentDates.length ? csvText(r.paymentDates.join(';')) : ''},` +
        `${r.paymentReferences.length ? csvText(r.paymentReferences.join(';')) : ''},${r.causes && csvText(r.causes)}`;
    out.text(rest + '\n');
  }
  return out.bytes();
}

/** About the bytes of a row at 1M lines (111): room for most exports without growing. */
const ROW_BYTES_GUESS = 128;

/**
 * csvText for cells that repeat row after row (a partner's ID and name on each of its lines, a few
 * distributors, programs and rate rows): each distinct value is checked once.
 */
function repeatedCells(): (value: string) => string {
  const seen = new Map<string, string>();
  return (value) => {
    let cell = seen.get(value);
    if (cell === undefined) seen.set(value, (cell = csvText(value)));
    return cell;
  };
}

export interface ExportTotal {
  key: string;
  /** Net units, summed. */
  units: number;
  amount: Decimal;
}

export interface FinanceExportTotals {
  /** Sorted by program. */
  byProgram: ExportTotal[];
  /** Sorted by distributor ID. */
  byDistributor: ExportTotal[];
  /** Everything, adjustments included. */
  total: Decimal;
  /** The adjustment lines alone. */
  adjustments: Decimal;
  /** The adjustment lines by the closed quarter they correct, sorted by quarter. */
  corrections: ExportTotal[];
}

/** Totals for a summary beside the export; exact decimal sums. */
export function financeExportTotals(lines: readonly ExportLine[]): FinanceExportTotals {
  const byProgram = new Map<string, ExportTotal>();
  const byDistributor = new Map<string, ExportTotal>();
  let total = new Decimal(0);
  let adjustments = new Decimal(0);
  const corrections = new Map<string, ExportTotal>();
  // Summed by key, labelled as written: an old line without its as-written ID joins the others.
  const add = (map: Map<string, ExportTotal>, key: string, label: string, l: PayoutLine) => {
    const t = map.get(key);
    map.set(key, {
      key: t && label === key ? t.key : label,
      units: (t?.units ?? 0) + l.units,
      amount: (t?.amount ?? new Decimal(0)).plus(l.amount),
    });
  };
  for (const l of lines) {
    add(byProgram, l.program, l.program, l);
    add(byDistributor, l.distributorId, shownDistributorId(l), l);
    total = total.plus(l.amount);
    if (l.adjustmentOf !== undefined) {
      adjustments = adjustments.plus(l.amount);
      add(corrections, l.adjustmentOf, l.adjustmentOf, l);
    }
  }
  const sorted = (m: Map<string, ExportTotal>) =>
    [...m.values()].sort((a, b) => compareCodeUnits(a.key, b.key));
  return {
    byProgram: sorted(byProgram),
    byDistributor: sorted(byDistributor),
    total,
    adjustments,
    corrections: sorted(corrections),
  };
}

function sortPayoutLines<T extends PayoutLine>(lines: readonly T[]): T[] {
  // By the IDs the rows show. Array.prototype.sort is stable, so identical keys keep their input order.
  const keyed = lines.map((l) => ({ l, partner: shownPartnerId(l), distributor: shownDistributorId(l) }));
  keyed.sort(
    (a, b) =>
      compareCodeUnits(a.partner, b.partner) ||
      compareCodeUnits(a.distributor, b.distributor) ||
      compareCodeUnits(a.l.program, b.l.program) ||
      compareCodeUnits(a.l.rateRow, b.l.rateRow),
  );
  return keyed.map((k) => k.l);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function money(d: Decimal, what: string, l: PayoutLine, signed: boolean): string {
  // isNegative() && !isZero() is lt(0) without a Decimal made for the 0, twice per row.
  if (!d.isFinite() || (!signed && d.isNegative() && !d.isZero()) || d.decimalPlaces() > 2) {
    throw new ExportValueError(
      `The ${what} of ${describe(l)} is ${d.toString()}; the export takes only amounts ${signed ? '' : 'of 0 or more '}with at most 2 decimals.`,
      { key: 'export-amount-invalid', params: { ...lineParams(l), what, value: d.toString(), signed } },
    );
  }
  return d.toFixed(2);
}

/** The line's names, for saying the refusal again in another language. */
function lineParams(l: PayoutLine) {
  return { partner: shownPartnerId(l), distributor: shownDistributorId(l), program: l.program, rateRow: l.rateRow };
}

function describe(l: PayoutLine): string {
  return `partner ${shownPartnerId(l)}, distributor ${shownDistributorId(l)}, ${l.program}/${l.rateRow}`;
}
