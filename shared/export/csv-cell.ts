/**
 * CSV cells for files that people open in spreadsheets (finance export, rejects).
 * RFC 4180 quoting, plus formula neutralisation: a text cell that starts with `=`, `+`, `-`, `@`,
 * tab or carriage return is prefixed with `'` and quoted (OWASP "CSV injection"), so Excel and
 * LibreOffice show it as text instead of running it. Numbers we format ourselves go through
 * `csvRow` as-is: a negative count like `-3` stays a number.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One text cell from any source we do not control, ready to write. */
export function csvText(value: string): string {
  const quoted = (s: string) => `"${s.replaceAll('"', '""')}"`;
  if (FORMULA_START.test(value)) return quoted(`'${value}`);
  return NEEDS_QUOTES.test(value) ? quoted(value) : value;
}

/** One CSV record ending in LF. Strings are text cells; numbers are written as they are. */
export function csvRow(cells: readonly (string | number)[]): string {
  return cells.map((c) => (typeof c === 'number' ? String(c) : csvText(c))).join(',') + '\n';
}
