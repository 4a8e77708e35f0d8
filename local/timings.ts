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
  /** This process's CPU time (user + system, milliseconds) when the phase started and ended. */
  cpuStartMs: number;
  cpuEndMs?: number;
}

/** CPU time this process has used, in milliseconds: on a loaded machine, steadier than the clock. */
const processCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export class PhaseClock {
  private readonly phases: Phase[] = [];

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** A disabled clock records nothing: a long-running `up` must not keep a phase per message. */
    private enabled = true,
    private readonly cpu: () => number = processCpuMs,
  ) {}

  enable(): void {
    this.enabled = true;
  }

  /** Starts a phase; call the returned function when it ends (later calls do nothing). */
  start(name: string): () => void {
    if (!this.enabled) return () => undefined;
    const phase: Phase = { name, startMs: this.now(), cpuStartMs: this.cpu() };
    this.phases.push(phase);
    return () => {
      if (phase.endMs !== undefined) return;
      phase.endMs = this.now();
      phase.cpuEndMs = this.cpu();
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

  /**
   * The phases in the order they started, with when each started and ended, how long it took, and
   * the CPU this process used meanwhile (shared by the phases that overlap; the emulators' JVM is
   * another process).
   */
  report(): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const rows = [...this.phases]
      .sort((a, b) => a.startMs - b.startMs)
      .map((p) => {
        if (p.endMs === undefined) return [p.name, s(p.startMs), '', 'unfinished', ''];
        return [p.name, s(p.startMs), s(p.endMs), s(p.endMs - p.startMs), s(p.cpuEndMs! - p.cpuStartMs)];
      });
    const header = ['phase', 'from', 'to', 'took', 'cpu'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const line = (r: string[]) =>
      r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
    const total = this.now();
    return [
      line(header),
      widths.map((w) => '-'.repeat(w)).join('  '),
      ...rows.map(line),
      `(times from the start of the process; phases overlap; ${s(total)} in all, ${s(this.cpu())} of CPU in this process)`,
    ].join('\n');
  }
}

/**
 * The clock of this process's command: the CLI and the local stack record their phases here once
 * a command asks for them (`rebates run --timings`).
 */
export const phases = new PhaseClock(undefined, false);
