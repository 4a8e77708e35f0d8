/**
 * What the bench's loop scripts (ingest-loop.ts, compute-loop.ts) share: taking options out of the
 * argument list, and a process's CPU time in milliseconds. No side effects: the ingest child is
 * bundled with what it imports.
 */

/** Takes `--name value` out of `args` (so what is left are positional), or undefined when absent. */
export function takeFlag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const [, value] = args.splice(i, 2);
  return value;
}

/** Takes the switch `--name` out of `args`; true when it was there. */
export function takeSwitch(args: string[], name: string): boolean {
  const i = args.indexOf(name);
  if (i === -1) return false;
  args.splice(i, 1);
  return true;
}

/** User and system CPU time of a `process.cpuUsage()` reading, in milliseconds. */
export const cpuMs = (used: NodeJS.CpuUsage): number => (used.user + used.system) / 1000;
