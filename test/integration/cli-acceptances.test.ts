/**
 * `rebates run` on a copy of samples/data whose acceptances.csv has partners who accepted twice
 * (program rules §2.2: the latest acceptance strictly before the deadline counts, whatever the
 * order of the rows):
 * - RU100103 chose plan 150 (and sold 146 units, 4 short), then accepted again in time with plan 50,
 *   so plan 50 applies and it is paid at plan 50's rates;
 * - RU100102 chose plan 50 in time, then accepted plan 150 after the deadline, so plan 50 still applies.
 * The rows are given in file order and reversed: the finance export is the same, byte for byte.
 */
import '../../local/env-defaults.js';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { PROJECT_ROOT } from '../../local/runtime.js';
import { sampleRules } from '../support/domain-fixtures.js';

const SAMPLES = join(PROJECT_ROOT, 'samples', 'data');
const QUARTER = '2016-Q1';
const rules = sampleRules(QUARTER);

const ACCEPTED_AGAIN = [
  'RU100103,client,50,2016-03-10T10:00:00+03:00', // in time, after its plan 150 of 2016-02-05
  'RU100102,client,150,2016-04-05T10:00:00+03:00', // after the deadline 2016-04-01 00:00
];

interface Row {
  partner_id: string;
  program: string;
  rate_row: string;
  units: string;
  rate_rub: string;
  amount_rub: string;
}

let scratch: string;
const runs: { order: string; code: number; csv: string; rows: Row[] }[] = [];
const savedEnv = { ...process.env };

/** A copy of the sample data folder whose acceptances.csv has the extra rows, in the given order. */
async function dataFolder(order: 'file' | 'reversed'): Promise<string> {
  const dir = join(scratch, `data-${order}`);
  await cp(SAMPLES, dir, { recursive: true });
  const [header, ...rows] = (await readFile(join(SAMPLES, 'acceptances.csv'), 'utf8')).trim().split('\n');
  const all = [...rows, ...ACCEPTED_AGAIN];
  await writeFile(
    join(dir, 'acceptances.csv'),
    [header, ...(order === 'file' ? all : all.reverse())].join('\n') + '\n',
  );
  return dir;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-accept-'));
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true),
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    for (const order of ['file', 'reversed'] as const) {
      const out = join(scratch, `out-${order}`);
      const code = await main(['run', '--data', await dataFolder(order), '--quarter', QUARTER, '--out', out]);
      const csv = await readFile(join(out, `payouts-${QUARTER}.csv`), 'utf8');
      runs.push({
        order,
        code,
        csv,
        rows: Papa.parse<Row>(csv, { header: true, skipEmptyLines: true }).data,
      });
    }
  } finally {
    for (const s of spies) s.mockRestore();
  }
}, 400_000);

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

const linesOf = (partner: string) => runs[0]!.rows.filter((r) => r.partner_id === partner);
const sum = (rows: Row[]) => rows.reduce((s, r) => s.plus(r.amount_rub), new Decimal(0)).toFixed(2);

/** Each line at plan `plan`'s rate of its rate row, on all of its units. */
function expectPaidAtPlan(partner: string, plan: number) {
  const lines = linesOf(partner);
  expect(lines.length, partner).toBeGreaterThan(0);
  for (const l of lines) {
    const rate = rules.rate(l.program, l.rate_row, plan);
    expect([l.rate_row, l.rate_rub, l.amount_rub], partner).toEqual([
      l.rate_row,
      rate.toFixed(2),
      rate.times(l.units).toFixed(2),
    ]);
  }
}

/** The README's "Expected outcome per partner and program" table (as in cli.test.ts). */
async function expectedOutcomes() {
  const readme = await readFile(join(SAMPLES, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Expected outcome'), readme.indexOf('## Expected tallies'));
  return [...section.matchAll(/^\| (RU\d+) +\| (\w+) +\| (-?\d+) +\| [^|]+\| ([\d.]+) +\|/gm)].map((m) => ({
    partner: m[1]!,
    program: m[2]!,
    payout: m[4]!,
  }));
}

describe('rebates run with partners who accepted a program twice', () => {
  it('exits 0, and the rows in either order give the same finance export', () => {
    expect(runs.map((r) => [r.order, r.code])).toEqual([
      ['file', 0],
      ['reversed', 0],
    ]);
    expect(runs[1]!.csv).toBe(runs[0]!.csv);
  });

  it('in time plan 150, then in time plan 50: plan 50 applies', () => {
    expectPaidAtPlan('RU100103', 50);
    expect(linesOf('RU100103').reduce((n, r) => n + Number(r.units), 0)).toBe(146);
    expect(sum(linesOf('RU100103'))).not.toBe('0.00');
  });

  it('in time plan 50, then plan 150 after the deadline: the in-time plan 50 applies', () => {
    expectPaidAtPlan('RU100102', 50);
  });

  it('changes nothing for the other partners: they get what samples/data/README.md expects', async () => {
    const expected = (await expectedOutcomes()).filter((e) => e.partner !== 'RU100103');
    expect(expected.length).toBeGreaterThan(20);
    for (const e of expected) {
      const lines = linesOf(e.partner).filter((r) => r.program === e.program);
      expect(sum(lines), `${e.partner} ${e.program}`).toBe(new Decimal(e.payout).toFixed(2));
    }
  });
});
