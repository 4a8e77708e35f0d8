/**
 * DynamoDB Local (a JVM) takes seconds to start, longer than Node takes to load the pipeline's
 * code and read a data folder. `rebates run` starts it first, as soon as its options are checked,
 * so the JVM starts on one core while Node loads and reads on the other; the local stack then takes
 * over the process started here instead of starting its own.
 */
import type { RunningDynamoLocal } from './emulators.js';
import { phases } from './timings.js';

let early: Promise<RunningDynamoLocal> | undefined;

/** Starts an in-memory DynamoDB Local now, for the next temporary stack of this process. */
export function startDynamoLocalEarly(): void {
  early ??= phases.time('start DynamoDB Local', async () => (await import('./emulators.js')).startDynamoLocal());
  // Whoever takes it reports its failure; until then an early failure must not go unhandled.
  early.catch(() => undefined);
}

/** The DynamoDB Local started early, handed over once (undefined when none was started). */
export function takeEarlyDynamoLocal(): Promise<RunningDynamoLocal> | undefined {
  const taken = early;
  early = undefined;
  return taken;
}
