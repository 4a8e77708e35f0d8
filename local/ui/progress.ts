/**
 * A progress line for long CLI work. On a terminal it redraws one line in place, at most ten
 * times a second; elsewhere (CI logs, pipes) it prints a plain line every ten seconds at most,
 * so a million updates never flood a log. Shows count/total, percent, rate and ETA.
 */
import { terminalSafe, truncateToWidth } from './text.js';

/** The little of a writable stream that a progress line needs (process.stderr fits). */
export interface ProgressStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  label: string;
  /** Known amount of work; without it, no percent or ETA. */
  total?: number;
  stream?: ProgressStream;
  /** Milliseconds on a monotonic clock; replaceable so tests can drive time. */
  now?: () => number;
}

export interface Progress {
  update(done: number, detail?: string): void;
  /** Prints the final line (with `message` after it). Later calls do nothing. */
  done(message?: string): void;
}

const REDRAW_MS = 100;
const LOG_EVERY_MS = 10_000;
const BAR_WIDTH = 20;

export function createProgress(options: ProgressOptions): Progress {
  const { total, stream = process.stderr, now = () => performance.now() } = options;
  const label = terminalSafe(options.label);
  const tty = stream.isTTY === true;
  const start = now();
  let lastOutput = start;
  let drawn = false;
  let finished = false;
  let count = 0;

  const known = total !== undefined && total > 0;
  const ratePerSec = (t: number) => (t > start ? (count * 1000) / (t - start) : 0);

  function status(t: number, detail?: string): string {
    const rate = ratePerSec(t);
    const parts = [known ? `${count}/${total}` : `${count}`];
    if (known) parts.push(`${Math.floor(Math.min(1, count / total) * 100)}%`);
    if (rate > 0) parts.push(`${Math.round(rate)}/s`);
    if (known && rate > 0 && count < total) parts.push(`ETA ${duration(((total - count) / rate) * 1000)}`);
    if (detail) parts.push(terminalSafe(detail));
    return parts.join(' ');
  }

  function bar(): string {
    if (!known) return '';
    const filled = Math.round(Math.min(1, count / total) * BAR_WIDTH);
    return ` [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  }

  return {
    update(done, detail) {
      if (finished) return;
      count = done;
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
        `${label}: ${known ? `${count}/${total}` : count} in ${duration(t - start)}` +
        (rate > 0 ? ` (${Math.round(rate)}/s)` : '') +
        (message ? ` - ${terminalSafe(message)}` : '');
      stream.write(`${tty && drawn ? '\r\x1b[K' : ''}${line}\n`);
    },
  };
}

/** `850ms`, `42s`, `3m 05s`, `2h 07m`. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m ${pad(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${pad(Math.floor((s % 3600) / 60))}m`;
}
