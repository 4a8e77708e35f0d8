/**
 * Plain-text tables and money for people reading the CLI (never for files other programs read:
 * those use the export writers).
 */
import { Decimal } from 'decimal.js';
import { displayWidth, terminalSafe } from './text.js';

export interface TableColumn {
  header: string;
  align?: 'left' | 'right';
}

const GAP = '  ';

/**
 * Columns two spaces apart, a rule of dashes under the header, widths by terminal columns (see
 * text.ts). Missing trailing cells are blank; line ends carry no padding.
 */
export function renderTable(columns: readonly TableColumn[], rows: readonly (readonly string[])[]): string {
  const cells = [columns.map((c) => c.header), ...rows].map((row, i) => {
    if (row.length > columns.length) {
      throw new RangeError(
        `Table row ${i} has ${row.length} cells but the table has ${columns.length} columns.`,
      );
    }
    return columns.map((_, j) => terminalSafe(row[j] ?? ''));
  });
  const widths = columns.map((_, j) => Math.max(...cells.map((row) => displayWidth(row[j] ?? ''))));
  const line = (row: string[]) =>
    row
      .map((cell, j) => {
        const pad = ' '.repeat((widths[j] ?? 0) - displayWidth(cell));
        return columns[j]?.align === 'right' ? pad + cell : cell + pad;
      })
      .join(GAP)
      .trimEnd();
  const [header, ...body] = cells;
  const rule = widths.map((w) => '-'.repeat(w)).join(GAP);
  return [line(header ?? []), rule, ...body.map(line)].join('\n') + '\n';
}

/** Narrow no-break space: groups thousands visibly, takes one column, never wraps a number. */
const GROUP = '\u202f';

/**
 * Roubles for people: `12 345.00 RUB` (thousands grouped by a narrow no-break space, dot for
 * decimals, always 2 decimals rounded half up). Not for files: the finance export writes
 * `12345.00`.
 */
export function formatRub(d: Decimal): string {
  if (!d.isFinite()) return `${d.toString()} RUB`;
  const rounded = d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);
  // -0.001 rounds to zero: show 0.00, not -0.00.
  const fixed = (rounded.isZero() ? rounded.abs() : rounded).toFixed(2);
  const [, sign = '', int = '', frac = ''] = /^(-?)(\d+)\.(\d+)$/.exec(fixed) ?? [];
  return `${sign}${int.replace(/\B(?=(\d{3})+$)/g, GROUP)}.${frac} RUB`;
}
