/**
 * `npx tsx bench/finance-export.ts <payouts CSV> [rounds]`: the CPU of the finance export's bytes
 * (`financeExportCsvBytes`, then the sha256 the API sends with them) on the payout lines a
 * `rebates run` exported, read back from its `<out>/payouts-<quarter>.csv` (85,282 rows at 1M
 * lines). Prints each round's CPU ms, the median of all but the first two, and whether the bytes are
 * the file's own. To compare with code older than `financeExportCsvBytes`, run a copy there that
 * calls `Buffer.from(financeExportCsv(...))` instead, in turn with this one.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Decimal } from 'decimal.js';
import type { PayoutLine } from '../shared/domain/types.js';
import { financeExportCsvBytes } from '../shared/export/finance-csv.js';

const [path, roundsArg] = process.argv.slice(2);
if (!path) throw new Error('usage: bench/finance-export.ts <payouts CSV> [rounds]');
const file = readFileSync(path);
const rows = file.toString('utf8').trimEnd().split('\n').slice(1);
const quarter = rows[0]?.split(',')[0] ?? '';
const names = new Map<string, string>();
// The file's cells are plain here (no quotes in the bench's names): a comma split reads them back.
const lines: PayoutLine[] = rows.map((row) => {
  const [q, partner, name, distributor, program, rateRow, units, rate, amount, paidUnits, reason] = row.split(',');
  names.set(`p-${partner}`, name ?? '');
  return {
    quarter: q ?? '',
    partnerId: `p-${partner}`,
    partnerDisplayId: partner ?? '',
    distributorId: `d-${distributor}`,
    distributorDisplayId: distributor ?? '',
    program: program ?? '',
    rateRow: rateRow ?? '',
    units: Number(units),
    paidUnits: Number(paidUnits),
    rate: new Decimal(rate ?? '0'),
    amount: new Decimal(amount ?? '0'),
    explanation: {
      code: 'stored-text',
      params: { text: '' },
      reason: (reason || null) as PayoutLine['explanation']['reason'],
      plan: null,
      planBasis: null,
      programUnits: 0,
      missingUnits: null,
      missingCourses: null,
      lateCourses: null,
    },
    warnings: [],
  };
});
// Stored in another order than the file's: the export sorts them.
lines.reverse();

const cpu: number[] = [];
let body: Buffer = Buffer.alloc(0);
for (let i = 0; i < Number(roundsArg ?? 8); i++) {
  const start = process.cpuUsage();
  body = financeExportCsvBytes(quarter, lines, (id) => names.get(id) ?? '');
  createHash('sha256').update(body).digest('hex');
  const used = process.cpuUsage(start);
  cpu.push((used.user + used.system) / 1000);
}
const rest = cpu.slice(2).sort((a, b) => a - b);
console.log(
  `${lines.length} rows, CPU ms per round ${cpu.map((c) => c.toFixed(0)).join(' ')}; median after two ` +
    `${(rest[Math.floor(rest.length / 2)] ?? 0).toFixed(0)}; ${body.equals(file) ? 'the same bytes' : 'DIFFERENT BYTES'}; ` +
    `load ${loadavg()[0]!.toFixed(2)}`,
);
