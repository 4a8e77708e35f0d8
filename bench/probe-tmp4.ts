import { createReadStream } from 'node:fs';
import { readReport } from '/work/main/shared/csv/read-report.js';
import { ReportTallier } from '/work/main/shared/pipeline/lines.js';
import { RulesBook } from '/work/main/shared/domain/rules/load.js';
import { collectRules } from '/work/main/local/runtime.js';
import { loadDataFolder } from '/work/main/shared/reference/data-folder.js';
import { catalogIndex } from '/work/main/shared/domain/classify.js';
const dir = process.argv[2]!;
const file = process.argv[3]!;
const mode = process.argv[4] ?? 'tally';
const folder = await loadDataFolder(dir);
const book = new RulesBook(await collectRules());
const ref = {
  partners: new Map(folder.reference.partners.map((p) => [p.id, p])),
  distributors: new Map(folder.reference.distributors.map((d) => [d.id, d])),
  catalog: catalogIndex(folder.reference.catalog),
};
for (let round = 0; round < 3; round++) {
  const t = performance.now();
  const rd = readReport(createReadStream(file));
  const tl = new ReportTallier(book, ref, 'kvant');
  let n = 0;
  for await (const b of rd.records) for (const r of b) { n++; if (mode === 'tally') tl.add(r); }
  const ms = performance.now() - t;
  console.log(mode, n, ms.toFixed(0), 'ms', Math.round(n / ms * 1000), 'lines/s', (process.memoryUsage().rss/2**20).toFixed(0), 'MB rss');
}
