/**
 * `npx tsx bench/dynamo-local-flags.ts [DATA_DIR] [ROUNDS]`: what JVM flags cost or save DynamoDB
 * Local, on this machine. For each set of flags, alternating so the load of the moment falls on
 * all alike: the start (spawn until it answers), then the reference import of a data folder (the
 * bench's by default) written through the real repository, as `rebates run` writes it.
 * The flags `rebates` uses are in local/emulators.ts (JAVA_OPTIONS); this picks them.
 */
import { performance } from 'node:perf_hooks';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { createAwsClients } from '../shared/aws/clients.js';
import { ensureTable } from '../shared/adapters/dynamo/table.js';
import { DynamoReferenceRepository } from '../shared/adapters/dynamo/reference.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { startDynamoLocal } from '../local/emulators.js';
import { PROJECT_ROOT } from '../local/runtime.js';

const FLAG_SETS: Record<string, string[]> = {
  'C2 (JVM default)': ['-XX:-UsePerfData'],
  'C1 only': ['-XX:TieredStopAtLevel=1', '-XX:-UsePerfData'],
  'C1, serial GC': ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-XX:-UsePerfData'],
  'C1, serial GC, CDS': ['-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', '-Xshare:auto', '-XX:-UsePerfData'],
  'C2, serial GC': ['-XX:+UseSerialGC', '-XX:-UsePerfData'],
};

const dir = process.argv[2] ?? join(PROJECT_ROOT, 'bench', 'out', 'data-v2-l100000-p5000-r10000', 'main');
const rounds = Number(process.argv[3] ?? 2);
const folder = await loadDataFolder(dir);
const ref = folder.reference;
const items = (ref.partners?.length ?? 0) + (ref.acceptances?.length ?? 0) + (ref.trainings?.length ?? 0);

const results = new Map<string, { startMs: number[]; importMs: number[] }>();
for (let round = 0; round < rounds; round++) {
  for (const [name, flags] of Object.entries(FLAG_SETS)) {
    const t0 = performance.now();
    const dynamo = await startDynamoLocal({ javaOptions: flags });
    const startMs = performance.now() - t0;
    const clients = createAwsClients({
      AWS_REGION: 'eu-central-1',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
    try {
      await ensureTable(clients.dynamo, 'bench');
      const repo = new DynamoReferenceRepository(clients.doc, 'bench');
      const t1 = performance.now();
      await Promise.all([
        repo.putPartners(ref.partners ?? []),
        repo.putAcceptances(ref.acceptances ?? [], new Date().toISOString()),
        repo.putTrainings(ref.trainings ?? []),
      ]);
      const importMs = performance.now() - t1;
      const r = results.get(name) ?? { startMs: [], importMs: [] };
      r.startMs.push(startMs);
      r.importMs.push(importMs);
      results.set(name, r);
      process.stderr.write(
        `${name}: start ${(startMs / 1000).toFixed(2)} s, import of ${items} items ${(importMs / 1000).toFixed(2)} s (load ${loadavg()[0]!.toFixed(1)})\n`,
      );
    } finally {
      clients.dynamo.destroy();
      await dynamo.stop();
    }
  }
}
const best = (xs: number[]) => `${(Math.min(...xs) / 1000).toFixed(2)} s`;
console.log(`flags                  best start   best import of ${items} items`);
for (const [name, r] of results) console.log(`${name.padEnd(22)} ${best(r.startMs).padStart(10)}   ${best(r.importMs)}`);
