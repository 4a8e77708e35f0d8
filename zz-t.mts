import { ReportScans } from './local/report-scans.ts';
const s = new ReportScans();
const p = '/work/main/bench/out/data-v2-l1000000-p5000-r10000/main/reports/kvant/kvant-sellout-2016Q1.csv';
s.add('k', p);
const t0 = performance.now();
s.prepare();
// main thread busy, yielding now and then
while (performance.now() - t0 < 4000) { const e = performance.now() + 50; while (performance.now() < e); await new Promise((r) => setImmediate(r)); }
const t1 = performance.now();
const r = await s.fieldsOf({ key: 'k', objectVersionId: null } as never, new Set([2, 3, 100000]));
console.log(r?.fields.size, performance.now() - t1, process.cpuUsage());
await s.close();
