/**
 * Where a command's time goes: named phases, timed from the start of the process (Node's own start
 * and loading the code included), printed by `rebates run --timings`. Phases may overlap (the
 * emulators start while the data folder is read), so each shows when it started and ended.
 */

export interface Phase {
  name: string;
  /** Milliseconds since the process started. */
  startMs: number;
  /** Absent while the phase runs. */
  endMs?: number;
}

export class PhaseClock {
  private readonly phases: Phase[] = [];

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** A disabled clock records nothing: a long-running `up` must not keep a phase per message. */
    private enabled = true,
  ) {}

  enable(): void {
    this.enabled = true;
  }

  /** Starts a phase; call the returned function when it ends (later calls do nothing). */
  start(name: string): () => void {
    if (!this.enabled) return () => undefined;
    const phase: Phase = { name, startMs: this.now() };
    this.phases.push(phase);
    return () => {
      phase.endMs ??= this.now();
    };
  }

  /** Times `fn` as one phase, whether it resolves or throws. */
  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const end = this.start(name);
    try {
      return await fn();
    } finally {
      end();
    }
  }

  list(): readonly Phase[] {
    return this.phases;
  }

  /** The phases in the order they started, with when each started and ended and how long it took. */
  report(): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const rows = [...this.phases]
      .sort((a, b) => a.startMs - b.startMs)
      .map((p) => {
        const took = p.endMs === undefined ? 'unfinished' : s(p.endMs - p.startMs);
        return [p.name, s(p.startMs), p.endMs === undefined ? '' : s(p.endMs), took];
      });
    const header = ['phase', 'from', 'to', 'took'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    const total = this.now();
    return [
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...rows.map(line),
      `(times from the start of the process; phases overlap; ${s(total)} in all)`,
    ].join('\n');
  }
}

/**
 * The clock of this process's command: the CLI and the local stack record their phases here once
 * a command asks for them (`rebates run --timings`).
 */
export const phases = new PhaseClock(undefined, false);
