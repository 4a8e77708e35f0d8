/**
 * The accrual view of an open quarter (issue #14, point 5): the live liability per program and
 * distributor, and a run-rate projection to the quarter's end — units and RUB so far ÷ elapsed
 * days × days of the quarter, counting Moscow calendar days. A plain estimate: it assumes sales go
 * on at the pace so far and plans keep their status, which the rules do not promise.
 */
import { Decimal } from 'decimal.js';
import { moscowDateOf, startOfDayMoscow } from './calendar.js';
import { shownDistributorId } from './ids.js';
import type { PayoutLine } from './types.js';

const DAY_MS = 24 * 60 * 60 * 1000;

export interface QuarterDays {
  /** Days of the quarter up to and including today (Moscow), between 0 and `total`. */
  elapsed: number;
  total: number;
}

/** Moscow calendar days of the quarter, and how many of them have begun by `now`. */
export function quarterDays(firstDay: string, lastDay: string, now: Date): QuarterDays {
  const days = (from: string, to: string) => Math.round((startOfDayMoscow(to) - startOfDayMoscow(from)) / DAY_MS) + 1;
  const total = days(firstDay, lastDay);
  const today = moscowDateOf(now.getTime());
  const elapsed = today < firstDay ? 0 : today > lastDay ? total : days(firstDay, today);
  return { elapsed, total };
}

export interface AccrualRow {
  program: string;
  /** As written in the registry. */
  distributorId: string;
  units: number;
  amount: Decimal;
  /** Null before the quarter's first day: there is no pace yet. */
  projectedUnits: number | null;
  projectedAmount: Decimal | null;
}

export interface Accruals {
  days: QuarterDays;
  rows: AccrualRow[];
  total: { units: number; amount: Decimal; projectedUnits: number | null; projectedAmount: Decimal | null };
}

const project = (so: Decimal, d: QuarterDays) =>
  d.elapsed === 0 ? null : so.div(d.elapsed).times(d.total).toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** Per program × distributor, sorted by both; `lines` are the quarter's own live lines. */
export function accrualsOf(lines: readonly PayoutLine[], days: QuarterDays): Accruals {
  const by = new Map<string, { program: string; distributorId: string; units: number; amount: Decimal }>();
  for (const l of lines) {
    const key = JSON.stringify([l.program, l.distributorId]);
    const row = by.get(key) ?? { program: l.program, distributorId: shownDistributorId(l), units: 0, amount: new Decimal(0) };
    row.units += l.units;
    row.amount = row.amount.plus(l.amount);
    by.set(key, row);
  }
  const rows = [...by.values()]
    .sort((a, b) =>
      a.program < b.program ? -1 : a.program > b.program ? 1 : a.distributorId < b.distributorId ? -1 : a.distributorId > b.distributorId ? 1 : 0,
    )
    .map((r) => {
      const units = project(new Decimal(r.units), days);
      return { ...r, projectedUnits: units && units.round().toNumber(), projectedAmount: project(r.amount, days) };
    });
  const units = rows.reduce((n, r) => n + r.units, 0);
  const amount = rows.reduce((t, r) => t.plus(r.amount), new Decimal(0));
  const projectedUnits = project(new Decimal(units), days);
  return {
    days,
    rows,
    total: { units, amount, projectedUnits: projectedUnits && projectedUnits.round().toNumber(), projectedAmount: project(amount, days) },
  };
}
