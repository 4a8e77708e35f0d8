/**
 * CSV cells for files that people open in spreadsheets (finance export, rejects).
 * RFC 4180 quoting, plus formula neutralisation (OWASP "CSV injection", with every variant a
 * spreadsheet still reads as a formula): a text cell is prefixed with `'` and quoted when it starts
 * with `=`, `+`, `-`, `@`, their fullwidth and small forms (`＝ ＋ － ＠`, `﹦ ﹢ ﹣ ﹫`: Excel with an
 * East Asian input method turns them into the ASCII ones), tab, carriage return or line feed, or
 * with any whitespace (spaces, NBSP, ideographic space…) before one of those signs, which Excel
 * skips. Numbers we format ourselves go through `csvRow` as-is: a negative count like `-3` stays a
 * number. XLSX cells are neutralised differently (xlsx.ts: inline strings with quotePrefix).
 */

const FORMULA_START = /^(?:[\t\r\n]|\s*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20\uFE66\uFE62\uFE63\uFE6B])/u;
const NEEDS_QUOTES = /[",\r\n]/;

const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;

/** One text cell from any source we do not control, ready to write. */
export function csvText(value: string): string {
  // Most cells are empty or plain words: no regular expression for those (exports of 100,000 rows).
  if (value === '') return value;
  if (FORMULA_START.test(value)) return quoted(`'${value}`);
  return NEEDS_QUOTES.test(value) ? quoted(value) : value;
}

/** The text a csvText cell was made from, once a CSV reader has unquoted it. */
export function csvPlainText(cell: string): string {
  return cell.startsWith("'") && FORMULA_START.test(cell.slice(1)) ? cell.slice(1) : cell;
}

/** One CSV record ending in LF. Strings are text cells; numbers are written as they are. */
export function csvRow(cells: readonly (string | number)[]): string {
  return cells.map((c) => (typeof c === 'number' ? String(c) : csvText(c))).join(',') + '\n';
}
