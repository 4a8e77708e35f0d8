/**
 * DynamoDB Local (a JVM) takes seconds to start, longer than Node takes to load the pipeline's
 * code and read a data folder. `rebates run` starts it first, as soon as its options are checked,
 * so the JVM starts on one core while Node loads and reads on the other; the local stack then takes
 * over the process started here instead of starting its own.
 */
import type { RunningDynamoLocal } from './emulators.js';
import { phases } from './timings.js';

let early: Promise<RunningDynamoLocal> | undefined;

/**
 * Starts an in-memory DynamoDB Local now, for the next temporary stack of this process. Resolves
 * once its java process is spawned (or its start failed), not when it answers: the caller loads
 * its code after that, since every module compiled first would hold back the few steps before
 * the spawn (they wait on the same thread).
 */
export async function startDynamoLocalEarly(): Promise<void> {
  if (early) return;
  let spawned!: () => void;
  const launched = new Promise<void>((resolve) => (spawned = resolve));
  early = phases.time('start DynamoDB Local', async () =>
    (await import('./emulators.js')).startDynamoLocal({ onSpawn: spawned }),
  );
  // Whoever takes it reports its failure; until then an early failure must not go unhandled.
  const settled = early.then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([launched, settled]);
}

/** The DynamoDB Local started early, handed over once (undefined when none was started). */
export function takeEarlyDynamoLocal(): Promise<RunningDynamoLocal> | undefined {
  const taken = early;
  early = undefined;
  return taken;
}
