/**
 * DynamoDB Local's own CPU time, for the bench scripts that compare how much work a write costs it
 * (bench/payout-shards.ts, bench/reference-import.ts), and a thread's (bench/tail.ts): read from
 * /proc, so Linux only.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ

/** DynamoDB Local's java process: the one listening on the stack's port. */
export function findDynamoJava(port: string): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.includes('DynamoDBLocal')) && cmd.includes(port)) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** A process's user and system CPU time so far, in milliseconds (NaN without a process). */
export function processCpuMs(pid: number | undefined): number {
  return pid ? statCpuMs(`/proc/${pid}/stat`) : NaN;
}

/**
 * One thread's CPU time so far, in milliseconds: this process's main thread is `threadCpuMs(process.pid)`,
 * its own work without V8's helper threads, the thread pool or other processes.
 */
export function threadCpuMs(pid: number): number {
  return statCpuMs(`/proc/${pid}/task/${pid}/stat`);
}

function statCpuMs(path: string): number {
  const f = readFileSync(path, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND;
}
