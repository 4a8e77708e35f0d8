/**
 * `npm run bench:tail [-- --quick | --lines N]`: the end-to-end stage of `npm run bench` alone, with a
 * timeline of the quarter computation that follows the last report: when each storage call of the
 * computation started and ended, relative to the computation's start. For finding where the tail's
 * time goes without the whole bench's ten minutes. Items written are counted by kind, as the bench does.
 */
import '../local/env-defaults.js';
import { createReadStream } from 'node:fs';
import { loadavg } from 'node:os';
import { importReference } from '../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../shared/reference/data-folder.js';
import { startLocalRuntime } from '../local/runtime.js';
import { WriteCounter } from './count-writes.js';
import { generate, optionsFromArgs, type GeneratedReport } from './generate.js';

const data = await generate(optionsFromArgs(process.argv.slice(2)));
const counter = new WriteCounter();
const runtime = await startLocalRuntime({ computeAfterIngest: true, wrapClients: counter.wrap });
const spans: { what: string; start: number; end: number }[] = [];
let origin = 0;

/** Times every method of a dependency: the computation's calls show as spans on one clock. */
function timed<T extends object>(name: string, target: T): T {
  return new Proxy(target, {
    get(t, prop, receiver) {
      const v = Reflect.get(t, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      return async (...args: unknown[]) => {
        const start = performance.now();
        try {
          return await (v as (...a: unknown[]) => Promise<unknown>).apply(t, args);
        } finally {
          const label = typeof args[0] === 'string' ? ` ${String(args[0]).slice(0, 48)}` : Array.isArray(args[0]) ? ` ×${args[0].length}` : '';
          spans.push({ what: `${name}.${String(prop)}${label}`, start, end: performance.now() });
        }
      };
    },
  });
}

try {
  const folder = await loadDataFolder(data.main.dir);
  await importReference(runtime.deps, folder.reference, { quarters: [] });
  await runtime.idle();
  counter.take();
  const d = runtime.deps;
  for (const k of ['payouts', 'objects', 'reports', 'reference', 'computations', 'quarters', 'ledger', 'rules'] as const)
    (d as unknown as Record<string, object>)[k] = timed(k, d[k] as object);
  const key = (r: GeneratedReport) => `incoming/${r.distributorId}/${r.name}`;
  const t0 = performance.now();
  for (const r of data.main.reports)
    await runtime.upload(key(r), createReadStream(r.path), r.compressed ? 'application/gzip' : 'text/csv');
  await runtime.idle();
  const total = performance.now() - t0;
  // The computation starts with its rules read, after the last report is stored.
  origin = Math.min(...spans.filter((s) => s.what.startsWith('rules.')).map((s) => s.start));
  const writes = counter.take();
  console.log(`end to end ${(total / 1000).toFixed(1)} s; computation tail ${((t0 + total - origin) / 1000).toFixed(1)} s; load ${loadavg()[0]!.toFixed(2)}`);
  console.log(`items written ${writes.items}:`, JSON.stringify(writes.byKind));
  for (const s of spans.filter((x) => x.start >= origin).sort((a, b) => a.start - b.start))
    console.log(`${((s.start - origin) / 1000).toFixed(2).padStart(7)} → ${((s.end - origin) / 1000).toFixed(2).padStart(7)}  ${s.what}`);
} finally {
  await runtime.stop();
}
