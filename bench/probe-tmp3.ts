import { createReadStream } from 'node:fs';
import { readReport } from '/work/main/shared/csv/read-report.js';
import { ReportTallier } from '/work/main/shared/pipeline/lines.js';
import { RulesBook } from '/work/main/shared/domain/rules/load.js';
import { collectRules } from '/work/main/local/runtime.js';
import { loadDataFolder } from '/work/main/shared/reference/data-folder.js';
import { normalizePartnerId } from '/work/main/shared/domain/partner-id.js';
const dir = process.argv[2]!;
const folder = await loadDataFolder(dir);
const book = new RulesBook(await collectRules());
const ref = {
  partners: new Map(folder.reference.partners.map((p) => [normalizePartnerId(p.id), p])),
  distributors: new Map(folder.reference.distributors.map((d) => [d.id, d])),
  catalog: new Map(folder.reference.catalog.map((c) => [c.sku, c])),
} as never;
for (const r of folder.reports) {
  for (const mode of ['read', 'tally']) {
    const t = performance.now();
    const rd = readReport(createReadStream(r.path));
    const tl = new ReportTallier(book, ref, r.distributorId);
    let n = 0;
    for await (const b of rd.records) for (const rec of b) { n++; if (mode === 'tally') tl.add(rec); }
    const ms = performance.now() - t;
    console.log(r.name, mode, n, ms.toFixed(0), 'ms', Math.round(n / ms * 1000), 'lines/s', mode === 'tally' ? JSON.stringify(tl.counts.byReason) : '');
  }
}
