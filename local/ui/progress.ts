/**
 * A progress line for long CLI work. On a terminal it redraws one line in place, at most ten
 * times a second; elsewhere (CI logs, pipes) it prints a plain line every ten seconds at most,
 * so a million updates never flood a log. Shows count/total with its unit, percent, rate and ETA.
 */
import type { Lang } from '../../shared/domain/render/format.js';
import { terminalSafe, truncateToWidth } from './text.js';

/** The little of a writable stream that a progress line needs (process.stderr fits). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  label: string;
  /** Known amount of work; without it, no percent or ETA. An estimate may be corrected by `update`. */
  total?: number;
  /**
   * What is counted, shown after the figures ("lines", "partners"): a bare number means nothing to a
   * reader. A function gets the figure it follows, for languages whose nouns agree with it.
   */
  unit?: string | ((n: number) => string);
  /** The language of the line's own words (in, ETA, s); English by default. */
  lang?: Lang;
  stream?: ProgressStream;
  /** Milliseconds on a monotonic clock; replaceable so tests can drive time. */
  now?: () => number;
}

export interface Progress {
  /** `total` replaces the estimate given so far (e.g. lines expected, from the share of bytes read). */
  update(done: number, detail?: string, total?: number): void;
  /** Prints the final line (with `message` after it). Later calls do nothing. */
  done(message?: string): void;
}

const REDRAW_MS = 100;
const LOG_EVERY_MS = 10_000;
const BAR_WIDTH = 20;
// An ETA from the first seconds, or the first sliver of work, is a guess that frightens more than it informs.
const ETA_AFTER_MS = 3_000;
const ETA_AFTER_SHARE = 0.02;

export function createProgress(options: ProgressOptions): Progress {
  const { stream = process.stderr, now = () => performance.now(), lang = 'en' } = options;
  let total = options.total;
  const unitOf = options.unit;
  const hasUnit = unitOf !== undefined && unitOf !== '';
  const unitAfter = (n: number) =>
    hasUnit ? ` ${terminalSafe(typeof unitOf === 'function' ? unitOf(n) : unitOf)}` : '';
  const num = (n: number) => (hasUnit ? n.toLocaleString(lang === 'ru' ? 'ru-RU' : 'en-US') : String(n));
  const words =
    lang === 'ru'
      ? { in: 'за', eta: 'осталось', perSecond: '/с' }
      : { in: 'in', eta: 'ETA', perSecond: '/s' };
  const label = terminalSafe(options.label);
  const tty = stream.isTTY === true;
  const start = now();
  let lastOutput = start;
  let drawn = false;
  let finished = false;
  let count = 0;

  const isKnown = (t: number | undefined): t is number => t !== undefined && t > 0;
  const ratePerSec = (t: number) => (t > start ? (count * 1000) / (t - start) : 0);

  function status(t: number, detail?: string): string {
    const rate = ratePerSec(t);
    const parts = [
      isKnown(total) ? `${num(count)}/${num(total)}${unitAfter(total)}` : `${num(count)}${unitAfter(count)}`,
    ];
    if (isKnown(total)) parts.push(`${Math.floor(Math.min(1, count / total) * 100)}%`);
    if (rate > 0) parts.push(`${num(Math.round(rate))}${unitAfter(Math.round(rate))}${words.perSecond}`);
    if (
      isKnown(total) &&
      rate > 0 &&
      count < total &&
      t - start >= ETA_AFTER_MS &&
      count / total >= ETA_AFTER_SHARE
    )
      parts.push(`${words.eta} ${duration(((total - count) / rate) * 1000, lang)}`);
    if (detail) parts.push(terminalSafe(detail));
    return parts.join(' ');
  }

  function bar(): string {
    if (!isKnown(total)) return '';
    const filled = Math.round(Math.min(1, count / total) * BAR_WIDTH);
    return ` [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  }

  return {
    update(done, detail, newTotal) {
      if (finished) return;
      count = done;
      if (newTotal !== undefined) total = newTotal;
      const t = now();
      if (tty) {
        if (drawn && t - lastOutput < REDRAW_MS) return;
        const line = truncateToWidth(`${label}${bar()} ${status(t, detail)}`, (stream.columns ?? 80) - 1);
        // \x1b[K clears what a longer previous line left behind.
        stream.write(`\r${line}\x1b[K`);
      } else {
        if (t - lastOutput < LOG_EVERY_MS) return;
        stream.write(`${label}: ${status(t, detail)}\n`);
      }
      lastOutput = t;
      drawn = true;
    },
    done(message) {
      if (finished) return;
      finished = true;
      const t = now();
      const rate = ratePerSec(t);
      const line =
        `${label}: ${isKnown(total) ? `${num(count)}/${num(total)}` : num(count)}${unitAfter(isKnown(total) ? total : count)} ` +
        `${words.in} ${duration(t - start, lang)}` +
        (rate > 0 ? ` (${num(Math.round(rate))}${unitAfter(Math.round(rate))}${words.perSecond})` : '') +
        (message ? ` - ${terminalSafe(message)}` : '');
      stream.write(`${tty && drawn ? '\r\x1b[K' : ''}${line}\n`);
    },
  };
}

/** `850ms`, `42s`, `3m 05s`, `2h 07m`; in Russian `850 мс`, `42 с`, `3 мин 05 с`, `2 ч 07 мин`. */
export function duration(ms: number, lang: Lang = 'en'): string {
  const u = lang === 'ru' ? { ms: ' мс', s: ' с', m: ' мин', h: ' ч' } : { ms: 'ms', s: 's', m: 'm', h: 'h' };
  if (ms < 1000) return `${Math.round(ms)}${u.ms}`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}${u.s}`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}${u.m} ${pad(s % 60)}${u.s}`;
  return `${Math.floor(s / 3600)}${u.h} ${pad(Math.floor((s % 3600) / 60))}${u.m}`;
}
