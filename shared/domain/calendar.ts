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

/**
 * `make` of an instant, kept for the next call: a quarter's computation names the same few
 * deadlines and completion times partner after partner. At most KEPT are held.
 */
function keptByInstant(make: (ms: number) => string): (ms: number) => string {
  const kept = new Map<number, string>();
  return (ms) => {
    let text = kept.get(ms);
    if (text === undefined) {
      if (kept.size >= KEPT) kept.clear();
      text = make(ms);
      kept.set(ms, text);
    }
    return text;
  };
}

const KEPT = 10_000;

const dateOf = keptByInstant((ms) => new Date(ms + MOSCOW_OFFSET_MS).toISOString().slice(0, 10));

/** The Moscow calendar date (YYYY-MM-DD) of an instant. */
export function moscowDateOf(instant: number | string): string {
  return dateOf(typeof instant === 'number' ? instant : Date.parse(instant));
}

const written = keptByInstant((ms) => `${new Date(ms + MOSCOW_OFFSET_MS).toISOString().slice(0, 19)}${MOSCOW_OFFSET}`);

/** An instant written in Moscow time with its offset, e.g. 2016-04-01T00:00:00+03:00. */
export function formatMoscow(instant: number): string {
  return written(instant);
}
