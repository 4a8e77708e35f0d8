/**
 * Moscow time, UTC+3 all year (Russia has had no daylight saving time since 2014), so plain
 * calendar dates convert to instants with a fixed offset.
 */
export const MOSCOW_OFFSET = '+03:00';
const MOSCOW_OFFSET_MS = 3 * 60 * 60 * 1000;

/** First instant of a Moscow calendar day, epoch ms. */
export function startOfDayMoscow(date: string): number {
  return Date.parse(`${date}T00:00:00${MOSCOW_OFFSET}`);
}

/** First instant after a Moscow calendar day (the next midnight), epoch ms. */
export function endOfDayMoscow(date: string): number {
  return startOfDayMoscow(date) + 24 * 60 * 60 * 1000;
}

/** The Moscow calendar date (YYYY-MM-DD) of an instant. */
export function moscowDateOf(instant: number | string): string {
  const ms = typeof instant === 'number' ? instant : Date.parse(instant);
  // A quarter's points name the same few completion times for partner after partner.
  let date = dates.get(ms);
  if (date === undefined) {
    if (dates.size >= FORMATTED_KEPT) dates.clear();
    date = new Date(ms + MOSCOW_OFFSET_MS).toISOString().slice(0, 10);
    dates.set(ms, date);
  }
  return date;
}

const dates = new Map<number, string>();

/** An instant written in Moscow time with its offset, e.g. 2016-04-01T00:00:00+03:00. */
export function formatMoscow(instant: number): string {
  // A quarter's computation writes the same few deadlines and completion times on every line.
  let text = formatted.get(instant);
  if (text === undefined) {
    if (formatted.size >= FORMATTED_KEPT) formatted.clear();
    text = `${new Date(instant + MOSCOW_OFFSET_MS).toISOString().slice(0, 19)}${MOSCOW_OFFSET}`;
    formatted.set(instant, text);
  }
  return text;
}

const FORMATTED_KEPT = 10_000;
const formatted = new Map<number, string>();
