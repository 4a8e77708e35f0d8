/**
 * A minimal XLSX writer (Office Open XML: a zip of XML parts), enough for the finance export:
 * text, numbers with a display format, bold header rows. Written by hand instead of pulling a
 * spreadsheet library into the Lambda bundle; the output is byte-for-byte deterministic (fixed zip
 * timestamps), so the same figures always give the same file and checksum.
 *
 * Formula injection: a cell is a formula only if it has an `<f>` element, and we never write one.
 * Text goes in as inline strings (`t="inlineStr"`), which spreadsheets show as they are and never
 * evaluate, so "=HYPERLINK(…)" stays those characters. Text cells also carry the `quotePrefix`
 * style (what typing a leading `'` does in Excel), so editing such a cell does not turn it into a
 * formula either. Unlike the CSV, no `'` is added to the value itself: the reader gets the name
 * exactly as it is.
 */
import { deflateRawSync } from 'node:zlib';
import { formatMoscow } from '../domain/calendar.js';
import { Decimal } from 'decimal.js';
import type { Payment } from '../ports/finance.js';
import {
  FINANCE_EXPORT_CAUSES,
  FINANCE_EXPORT_EXTRA,
  FINANCE_EXPORT_HEADER,
  type FinanceExportRow,
  type FinanceExportTotals,
} from './finance-csv.js';
import type { Lang } from '../domain/render/format.js';
import { xlsxWords, type XlsxWords } from './xlsx-words.js';

// ---------------------------------------------------------------- generic sheets

/** A text cell, a number (its exact decimal string, e.g. "-3465.00") with a display format, or empty. */
export type XlsxCell = string | { number: string; format: 'money' | 'integer' } | null;

export interface XlsxSheet {
  /** At most 31 characters, none of []:*?/\ (Excel's limits). */
  name: string;
  rows: readonly XlsxCell[][];
  /** Rows (0-based) written in bold, e.g. headers. */
  boldRows?: readonly number[];
  /** Column widths in characters. */
  widths?: readonly number[];
  /** Keeps the first row in view while scrolling, with a filter on every column (a table's header). */
  header?: boolean;
}

export const XLSX_CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

// Indexes into cellXfs below.
const STYLE = { text: 1, money: 2, integer: 3, header: 4 } as const;

const STYLES_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
  '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' +
  '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>' +
  '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>' +
  '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>' +
  '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
  '<cellXfs count="5">' +
  '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>' +
  // 49 = "@" (text); quotePrefix keeps an edited cell text.
  '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/>' +
  // 4 = "#,##0.00", 3 = "#,##0" (built-in formats).
  '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="3" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>' +
  '<xf numFmtId="49" fontId="1" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" applyFont="1" quotePrefix="1"/>' +
  '</cellXfs>' +
  '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
  '</styleSheet>';

const NUMBER = /^-?\d+(\.\d+)?$/;

/** Control characters other than tab/LF/CR, non-characters, and unpaired surrogates. */
/* eslint-disable no-control-regex -- finding control characters is the point */
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/* eslint-enable no-control-regex */

/** Text for XML; characters XML cannot carry at all are written as OOXML `_xHHHH_` escapes. */
function xmlText(s: string): string {
  return (
    s
      // A literal "_x0041_" would be decoded by the reader; escaping its "_" keeps it literal.
      .replace(/_(x[0-9A-Fa-f]{4}_)/g, '_x005F_$1')
      // A raw CR would be read back as LF (XML line-end normalisation); a character reference survives.
      .replace(
        /[&<>"\r]/g,
        (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' })[c]!,
      )
      .replace(NOT_XML, (c) => `_x${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}_`)
  );
}

function columnName(i: number): string {
  let name = '';
  for (let n = i + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** Excel's limit on a cell's text; a longer cell makes Excel "repair" the file and drop it. */
export const XLSX_MAX_CELL_CHARS = 32_767;
const CUT_MARK = ' … [cut: the full text has %d characters]';

/**
 * The text as a cell can hold it: whole when it fits, else its start and a mark saying it was cut
 * and how long it was (counted in UTF-16 units, as Excel counts; never splitting a surrogate pair).
 */
export function cellText(s: string): string {
  if (s.length <= XLSX_MAX_CELL_CHARS) return s;
  const mark = CUT_MARK.replace('%d', String(s.length));
  let end = XLSX_MAX_CELL_CHARS - mark.length;
  if (/[\uD800-\uDBFF]/.test(s[end - 1]!)) end--;
  return s.slice(0, end) + mark;
}

function sheetXml(sheet: XlsxSheet): string {
  const bold = new Set(sheet.boldRows ?? []);
  let out =
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">';
  const last = sheet.rows.length;
  const columns = Math.max(1, ...sheet.rows.map((r) => r.length));
  if (sheet.header)
    out +=
      '<sheetViews><sheetView workbookViewId="0">' +
      '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
      '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>';
  if (sheet.widths?.length)
    out += `<cols>${sheet.widths.map((w, i) => `<col min="${i + 1}" max="${i + 1}" width="${w}" customWidth="1"/>`).join('')}</cols>`;
  out += '<sheetData>';
  sheet.rows.forEach((row, r) => {
    out += `<row r="${r + 1}">`;
    row.forEach((cell, c) => {
      if (cell === null) return;
      const ref = `${columnName(c)}${r + 1}`;
      if (typeof cell === 'string') {
        const s = bold.has(r) ? STYLE.header : STYLE.text;
        out += `<c r="${ref}" t="inlineStr" s="${s}"><is><t xml:space="preserve">${xmlText(cellText(cell))}</t></is></c>`;
      } else {
        if (!NUMBER.test(cell.number))
          throw new Error(`XLSX: "${cell.number}" is not a plain decimal number`);
        out += `<c r="${ref}" s="${STYLE[cell.format]}"><v>${cell.number}</v></c>`;
      }
    });
    out += '</row>';
  });
  out += '</sheetData>';
  if (sheet.header) out += `<autoFilter ref="${filterRange(columns, last)}"/>`;
  return out + '</worksheet>';
}

const filterRange = (columns: number, rows: number) => `A1:${columnName(columns - 1)}${Math.max(1, rows)}`;

/** Excel finds a sheet's filter through this hidden name; without it the filter buttons may be lost on save. */
function definedNames(sheets: readonly XlsxSheet[]): string {
  const names = sheets
    .map((s, i) => {
      if (!s.header) return '';
      const columns = Math.max(1, ...s.rows.map((r) => r.length));
      const [from, to] = filterRange(columns, s.rows.length)
        .split(':')
        .map((ref) => ref.replace(/^([A-Z]+)(\d+)$/, '$$$1$$$2'));
      const sheet = `'${s.name.replace(/'/g, "''")}'`;
      return `<definedName name="_xlnm._FilterDatabase" localSheetId="${i}" hidden="1">${xmlText(`${sheet}!${from}:${to}`)}</definedName>`;
    })
    .join('');
  return names ? `<definedNames>${names}</definedNames>` : '';
}

export function writeXlsx(sheets: readonly XlsxSheet[]): Buffer {
  const files: [string, string][] = [
    [
      '[Content_Types].xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
        '<Default Extension="xml" ContentType="application/xml"/>' +
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
        sheets
          .map(
            (_, i) =>
              `<Override PartName="/xl/worksheets/sheet${i + 1}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`,
          )
          .join('') +
        '</Types>',
    ],
    [
      '_rels/.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
        '</Relationships>',
    ],
    [
      'xl/workbook.xml',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>' +
        sheets
          .map((s, i) => `<sheet name="${xmlText(s.name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
          .join('') +
        '</sheets>' +
        definedNames(sheets) +
        '</workbook>',
    ],
    [
      'xl/_rels/workbook.xml.rels',
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' +
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">' +
        sheets
          .map(
            (_, i) =>
              `<Relationship Id="rId${i + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet${i + 1}.xml"/>`,
          )
          .join('') +
        `<Relationship Id="rId${sheets.length + 1}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
        '</Relationships>',
    ],
    ['xl/styles.xml', STYLES_XML],
    ...sheets.map((s, i): [string, string] => [`xl/worksheets/sheet${i + 1}.xml`, sheetXml(s)]),
  ];
  return zip(files.map(([name, text]) => ({ name, data: Buffer.from(text, 'utf8') })));
}

// ---------------------------------------------------------------- zip (deflate, no zip64: < 4 GiB)

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// 1980-01-01 00:00, the earliest DOS date: a fixed stamp keeps the bytes deterministic.
const DOS_TIME = 0;
const DOS_DATE = (1 << 5) | 1;

function zip(entries: readonly { name: string; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const nameBytes = Buffer.from(name, 'utf8');
    const packed = deflateRawSync(data);
    const crc = crc32(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    local.writeUInt16LE(0, 6); // flags
    local.writeUInt16LE(8, 8); // method: deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28); // extra length
    const dir = Buffer.alloc(46);
    dir.writeUInt32LE(0x02014b50, 0);
    dir.writeUInt16LE(20, 4); // version made by
    dir.writeUInt16LE(20, 6); // version needed
    dir.writeUInt16LE(0, 8);
    dir.writeUInt16LE(8, 10);
    dir.writeUInt16LE(DOS_TIME, 12);
    dir.writeUInt16LE(DOS_DATE, 14);
    dir.writeUInt32LE(crc, 16);
    dir.writeUInt32LE(packed.length, 20);
    dir.writeUInt32LE(data.length, 24);
    dir.writeUInt16LE(nameBytes.length, 28);
    // extra, comment, disk, internal and external attributes: all 0 (Buffer.alloc zero-fills)
    dir.writeUInt32LE(offset, 42);
    parts.push(local, nameBytes, packed);
    central.push(dir, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const dirSize = central.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dirSize, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...central, end]);
}

// ---------------------------------------------------------------- the finance workbook

export interface FinanceWorkbookInput {
  quarter: string;
  rows: readonly FinanceExportRow[];
  totals: FinanceExportTotals;
  rulesVersion: string;
  /** Absent while the quarter is open. */
  closed?: { at: string; by: string; sha256: string };
  /** Payments recorded for the quarter, with the IDs as the rows show them. */
  payments?: readonly (Payment & { partnerShown: string; distributorShown: string })[];
  /**
   * A closed quarter: the corrections of it found since the close, which its figures never take in
   * (issue #14, one truth): `frozen` when paid in a later closed quarter, else still to be booked
   * in `bookedIn` (null while no quarter after it has rules).
   */
  correctionsSince?: { rows: readonly (FinanceExportRow & { frozen: boolean })[]; bookedIn: string | null };
  /** The language of the sheet names, headers and labels (English by default); data stays as written. */
  lang?: Lang;
}

const money = (amount: { toFixed(dp: number): string } | string): XlsxCell => ({
  number: typeof amount === 'string' ? amount : amount.toFixed(2),
  format: 'money',
});
const integer = (n: number): XlsxCell => ({ number: String(n), format: 'integer' });

function rowCells(r: FinanceExportRow): XlsxCell[] {
  return [
    r.quarter,
    r.partnerId,
    r.partnerName,
    r.distributorId,
    r.program,
    r.rateRow,
    integer(r.units),
    money(r.rate),
    money(r.amount),
    integer(r.paidUnits),
    r.reason || null,
    r.paymentDates.join(';') || null,
    r.paymentReferences.join(';') || null,
  ];
}

const WIDTHS = [10, 14, 36, 16, 12, 18, 10, 14, 16, 10, 22, 14, 24];

/**
 * Sheets "Payouts" (the CSV's columns and regular rows), "Adjustments" (only when there are any:
 * the same columns plus what changed), for a closed quarter "Corrections since close" (only when
 * there are any: not in its figures, each with where it is paid) and "Totals" (by program, by
 * distributor, grand total, adjustments, and the snapshot's checksum, rules version and close time).
 */
export function financeExportXlsx(input: FinanceWorkbookInput): Buffer {
  const w = xlsxWords(input.lang ?? 'en');
  const header = [...FINANCE_EXPORT_HEADER, ...FINANCE_EXPORT_EXTRA].map((c) => w.column[c]);
  const regular = input.rows.filter((r) => !r.adjustment);
  const adjustments = input.rows.filter((r) => r.adjustment);
  const sheets: XlsxSheet[] = [
    { name: w.sheets.payouts, rows: [header, ...regular.map(rowCells)], boldRows: [0], widths: WIDTHS, header: true },
  ];
  if (adjustments.length)
    sheets.push({
      name: w.sheets.adjustments,
      rows: [
        [...header, w.column[FINANCE_EXPORT_CAUSES], w.column.explanation],
        ...adjustments.map((r) => [...rowCells(r), r.causes || null, r.explanation]),
      ],
      boldRows: [0],
      widths: [...WIDTHS, 80, 100],
      header: true,
    });
  if (input.correctionsSince?.rows.length)
    sheets.push({
      name: w.sheets.corrections,
      rows: [
        [...header, w.column.booked_in, w.column.status, w.column[FINANCE_EXPORT_CAUSES], w.column.explanation],
        ...input.correctionsSince.rows.map((r) => [
          ...rowCells(r),
          // A pending correction has no quarter to go to until a later quarter has rules.
          r.frozen ? r.bookedIn : input.correctionsSince!.bookedIn,
          r.frozen ? w.frozen : w.pending,
          r.causes || null,
          r.explanation,
        ]),
      ],
      boldRows: [0],
      widths: [...WIDTHS, 10, 10, 80, 100],
      header: true,
    });
  if (input.payments?.length) sheets.push(paymentsSheet(input.quarter, input.rows, input.payments, w));

  const { totals, closed } = input;
  const t = w.totals;
  const open = w.open;
  const rows: XlsxCell[][] = [
    [t.quarter, input.quarter],
    [t.status, closed ? w.closed : open],
    [t.closedAt, closed ? formatMoscow(Date.parse(closed.at)) : open],
    [t.closedBy, closed?.by ?? ''],
    [t.rulesVersion, input.rulesVersion],
    [t.snapshot, closed?.sha256 ?? t.noSnapshot],
    [],
  ];
  const bold: number[] = [];
  const section = (title: string, items: FinanceExportTotals['byProgram'], label = (key: string) => key) => {
    bold.push(rows.length);
    rows.push([title, t.units, t.amount]);
    for (const i of items) rows.push([label(i.key), integer(i.units), money(i.amount)]);
    rows.push([]);
  };
  section(t.byProgram, totals.byProgram, t.program);
  section(t.byDistributor, totals.byDistributor);
  const own = totals.total.minus(totals.adjustments);
  rows.push([t.payouts, null, money(own)]);
  // Corrections apart, by the closed quarter they correct: they are not payouts of this quarter.
  for (const c of totals.corrections) rows.push([t.correctionsOf(c.key), integer(c.units), money(c.amount)]);
  rows.push([t.adjustments, null, money(totals.adjustments)]);
  if (own.isZero() && !totals.adjustments.isZero())
    rows.push([t.allCorrections(totals.corrections.map((c) => c.key).join(', '), input.quarter)]);
  bold.push(rows.length);
  rows.push([t.grandTotal, null, money(totals.total)]);
  if (closed && input.correctionsSince) rows.push([], ...correctionsSinceRows(input.quarter, input.correctionsSince, w));
  // Long values (the checksum) overflow into the empty cells to their right.
  sheets.push({ name: w.sheets.totals, rows, boldRows: bold, widths: [48, 14, 18] });
  return writeXlsx(sheets);
}

/** Below a closed quarter's grand total: the corrections since, apart, and where they are paid. */
function correctionsSinceRows(
  quarter: string,
  since: NonNullable<FinanceWorkbookInput['correctionsSince']>,
  w: XlsxWords,
): XlsxCell[][] {
  const sum = (rows: readonly FinanceExportRow[]) => rows.reduce((t, r) => t.plus(r.amount), new Decimal(0));
  const frozen = since.rows.filter((r) => r.frozen);
  const pending = since.rows.filter((r) => !r.frozen);
  const where = since.bookedIn ?? w.since.nextQuarter;
  if (!since.rows.length)
    return [
      [w.since.total(quarter), null, money('0.00')],
      [w.since.none],
    ];
  return [
    [w.since.frozen(quarter), null, money(sum(frozen))],
    [w.since.pending(quarter, where), null, money(sum(pending))],
    [w.since.apart(w.sheets.corrections)],
  ];
}

/** Per partner × distributor: what the export pays, what finance recorded as paid, what is left. */
function paymentsSheet(
  quarter: string,
  rows: readonly FinanceExportRow[],
  payments: NonNullable<FinanceWorkbookInput['payments']>,
  w: XlsxWords,
): XlsxSheet {
  const pairs = new Map<string, { partner: string; distributor: string; due: Decimal; paid: Decimal; list: Payment[] }>();
  const at = (partner: string, distributor: string) => {
    const k = JSON.stringify([partner, distributor]);
    const p = pairs.get(k) ?? { partner, distributor, due: new Decimal(0), paid: new Decimal(0), list: [] };
    pairs.set(k, p);
    return p;
  };
  for (const r of rows) at(r.partnerId, r.distributorId).due = at(r.partnerId, r.distributorId).due.plus(r.amount);
  for (const p of payments) {
    const pair = at(p.partnerShown, p.distributorShown);
    pair.paid = pair.paid.plus(p.amount);
    pair.list.push(p);
  }
  const sorted = [...pairs.values()].sort((a, b) =>
    a.partner < b.partner ? -1 : a.partner > b.partner ? 1 : a.distributor < b.distributor ? -1 : a.distributor > b.distributor ? 1 : 0,
  );
  return {
    name: w.sheets.payments,
    rows: [
      (
        ['quarter', 'partner_id', 'distributor_id', 'due_rub', 'paid_rub', 'outstanding_rub', 'payment_date', 'payment_reference'] as const
      ).map((c) => w.column[c]),
      ...sorted.map((p): XlsxCell[] => [
        quarter,
        p.partner,
        p.distributor,
        money(p.due),
        money(p.paid),
        money(p.due.minus(p.paid)),
        p.list.map((x) => x.date).join(';'),
        p.list.map((x) => x.reference).join(';'),
      ]),
    ],
    boldRows: [0],
    widths: [10, 14, 16, 16, 16, 16, 14, 24],
    header: true,
  };
}
