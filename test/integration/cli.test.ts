/**
 * The README's main command, `rebates run`, on the sample data folder: the finance export and the
 * rejects files agree with what samples/data/README.md says (written by samples/build-samples.ts,
 * which computes its figures without the pipeline), and usage mistakes exit with status 2.
 */
import '../../local/env-defaults.js';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { EarlyReports } from '../../local/early-reads.js';
import { PROJECT_ROOT, reportUploadName } from '../../local/runtime.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { toUserError } from '../../shared/errors.js';

const SAMPLES = join(PROJECT_ROOT, 'samples', 'data');
const QUARTER = '2016-Q1';

interface Row {
  quarter: string;
  partner_id: string;
  partner_name: string;
  distributor_id: string;
  program: string;
  rate_row: string;
  units: string;
  rate_rub: string;
  amount_rub: string;
  paid_units: string;
  reason: string;
}

let out: string;
let code: number;
let stdout = '';
let stderr = '';
let header: string;
let rows: Row[];
let earlyTaken: { key: string; used: boolean }[];
const savedEnv = { ...process.env };

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'rebates-cli-'));
  const write = (chunk: string | Uint8Array) => ((stdout += String(chunk)), true);
  // Every report's early read as ingest took it (the real method, watched).
  const takes = vi.spyOn(EarlyReports.prototype, 'take');
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(write),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true)),
  ];
  try {
    code = await main(['run', '--data', SAMPLES, '--quarter', QUARTER, '--out', out, '--timings']);
    earlyTaken = await Promise.all(
      takes.mock.calls.map(async ([key], i) => ({ key, used: (await takes.mock.results[i]!.value) !== null })),
    );
  } finally {
    for (const s of [...spies, takes]) s.mockRestore();
  }
  const csv = await readFile(join(out, `payouts-${QUARTER}.csv`), 'utf8');
  header = csv.slice(0, csv.indexOf('\n'));
  rows = Papa.parse<Row>(csv, { header: true, skipEmptyLines: true }).data;
});

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

const sum = (values: string[]) => values.reduce((s, v) => s.plus(v), new Decimal(0)).toFixed(2);
const linesOf = (partner: string) => rows.filter((r) => r.partner_id === partner);

/** The README's "Expected outcome per partner and program" table. */
async function expectedOutcomes(): Promise<
  { partner: string; program: string; units: number; payout: string }[]
> {
  const readme = await readFile(join(SAMPLES, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Expected outcome'), readme.indexOf('## Expected tallies'));
  return [...section.matchAll(/^\| (RU\d+) +\| (\w+) +\| (-?\d+) +\| [^|]+\| ([\d.]+) +\|/gm)].map((m) => ({
    partner: m[1]!,
    program: m[2]!,
    units: Number(m[3]),
    payout: m[4]!,
  }));
}

describe('rebates run on samples/data', () => {
  it('with --timings, prints where the time went: DynamoDB Local started before the data folder was read', () => {
    const table = stderr.slice(stderr.indexOf('Where the time went'));
    const phase = (name: string) => {
      // from, to, took, and the CPU this process used meanwhile
      const m = new RegExp(`^${name}\\s+([\\d.]+) s\\s+([\\d.]+) s\\s+[\\d.]+ s\\s+[\\d.]+ s$`, 'm').exec(table);
      expect(m, `${name} in\n${table}`).not.toBeNull();
      return { from: Number(m![1]), to: Number(m![2]) };
    };
    const dynamo = phase('start DynamoDB Local');
    const folder = phase('read the data folder');
    expect(dynamo.from).toBeLessThanOrEqual(folder.from);
    // The computation waits for the reference data, and the export for the computation.
    expect(phase('  compute \\(handler\\)').from).toBeGreaterThanOrEqual(phase('import the reference data').to);
    expect(phase('write the export').from).toBeGreaterThanOrEqual(phase('  compute \\(handler\\)').to);
    expect(table).toMatch(/times from the start of the process; phases overlap; [\d.]+ s in all, [\d.]+ s of CPU in this process/);
  });

  it('reads every report while the stack starts, and ingest takes each of those reads instead of the file', async () => {
    const folder = await loadDataFolder(SAMPLES);
    const keys = folder.reports.map((r) => `incoming/${r.distributorId}/${reportUploadName(r.name)}`).sort();
    expect(keys.length).toBeGreaterThan(1);
    expect(earlyTaken.map((t) => t.key).sort()).toEqual(keys);
    expect(earlyTaken.filter((t) => !t.used)).toEqual([]);
    const table = stderr.slice(stderr.indexOf('Where the time went'));
    const folderRead = /^read the data folder\s+[\d.]+ s\s+([\d.]+) s/m.exec(table);
    const reads = [...table.matchAll(/^ {2}read (incoming\/\S+) before its upload\s+([\d.]+) s/gm)];
    expect(reads.map((m) => m[1]).sort()).toEqual(keys);
    for (const m of reads) expect(Number(m[2])).toBeGreaterThanOrEqual(Number(folderRead![1]));
  });

  it("with --timings, lists the computation's steps inside its handler, each after what it needs", () => {
    const table = stderr.slice(stderr.indexOf('Where the time went'));
    const rows = (pattern: string) =>
      [...table.matchAll(new RegExp(`^${pattern}\\s+([\\d.]+) s\\s+([\\d.]+) s\\s+[\\d.]+ s\\s+[\\d.]+ s$`, 'gm'))].map((m) => ({
        from: Number(m[1]),
        to: Number(m[2]),
      }));
    const handlers = rows(' {2}compute \\(handler\\)');
    /** Every row of a step (quarters may be computed side by side), each inside a run of the handler. */
    const step = (name: string) => {
      const found = rows(` {4}${name}`);
      expect(found.length, `${name} in\n${table}`).toBeGreaterThan(0);
      for (const r of found) expect(handlers.some((h) => h.from <= r.from && r.to <= h.to), name).toBe(true);
      return found;
    };
    const firstEnd = (name: string) => Math.min(...step(name).map((r) => r.to));
    const firstStart = (name: string) => Math.min(...step(name).map((r) => r.from));
    // Each computation's step comes after its own earlier one, so the first of each does too.
    expect(firstStart('tally the lines')).toBeGreaterThanOrEqual(firstEnd('read the reference snapshot'));
    expect(firstStart('tally the lines')).toBeGreaterThanOrEqual(firstEnd('decode extract rpt_\\w+'));
    expect(firstStart('compute the partners')).toBeGreaterThanOrEqual(firstEnd('tally the lines'));
    expect(firstStart('write the pointer')).toBeGreaterThanOrEqual(firstEnd('compute the partners'));
    // Its stack ends with the run: nobody would list the watchlist or exceptions from a workbench part.
    expect(rows(' {4}build the workbench part')).toEqual([]);
    expect(rows(' {4}store the workbench part')).toEqual([]);
    step('read the rules, last pointer and report records');
    step('fetch extract rpt_\\w+');
    step('write the payout items');
  });

  it('exits 0 and writes the finance export with the nine finance columns first, then paid units, reason and payments', () => {
    expect(code).toBe(0);
    expect(header).toBe(
      'quarter,partner_id,partner_name,distributor_id,program,rate_row,units,rate_rub,amount_rub,' +
        'paid_units,reason,payment_date,payment_reference,causes',
    );
    // A late acceptance pays nothing, and the row says why; a fully paid row has no reason.
    const late = rows.filter((r) => r.partner_id === 'RU100112');
    expect(late.length).toBeGreaterThan(0);
    for (const r of late) expect([r.amount_rub, r.paid_units, r.reason]).toEqual(['0.00', '0', 'accepted-late']);
    for (const r of rows.filter((x) => x.paid_units === x.units)) expect(r.reason).toBe('');
    expect(rows.every((r) => r.quarter === QUARTER)).toBe(true);
    expect(rows.every((r) => /^\d+\.\d{2}$/.test(r.rate_rub) && /^\d+\.\d{2}$/.test(r.amount_rub))).toBe(
      true,
    );
  });

  it('pays what the rate tables give for the notable partners', () => {
    const fig = (partner: string) =>
      linesOf(partner).map((r) => [r.distributor_id, r.rate_row, r.units, r.rate_rub, r.amount_rub]);
    // Plan 150 reached without choosing: vostro-3xxx 231, optiplex-dt-3xxx 385; a net of -1 pays 0.
    expect(fig('RU100101')).toEqual([
      ['kvant', 'mainstream', '12', '539.00', (12 * 539).toFixed(2)],
      ['kvant', 'vostro-3xxx', '50', '231.00', (50 * 231).toFixed(2)],
      ['meridian', 'mainstream', '-1', '539.00', '0.00'],
      ['orbita', 'optiplex-dt-3xxx', '42', '385.00', (42 * 385).toFixed(2)],
      ['orbita', 'premium', '60', '1155.00', (60 * 1155).toFixed(2)],
    ]);
    // Chose plan 50 and sold 160: plan 50's rates, not plan 150's.
    expect(linesOf('RU100102').map((r) => [r.rate_row, r.rate_rub])).toEqual([
      ['vostro-3xxx', '154.00'],
      ['mainstream', '539.00'],
      ['mainstream', '539.00'],
    ]);
    expect(sum(linesOf('RU100102').map((r) => r.amount_rub))).toBe(
      (45 * 154 + 45 * 539 + 70 * 539).toFixed(2),
    );
    // Chose plan 150 with 146 units: nothing.
    expect(sum(linesOf('RU100103').map((r) => r.amount_rub))).toBe('0.00');
    expect(linesOf('RU100103').reduce((n, r) => n + Number(r.units), 0)).toBe(146);
    // Precision units without the technical course earn 0; the mainstream ones pay.
    expect(fig('RU100108')).toEqual([
      ['kvant', 'mainstream', '50', '539.00', (50 * 539).toFixed(2)],
      ['orbita', 'workstation', '10', '1925.00', '0.00'],
    ]);
    // The Precision technical course was completed on 15 April: inside the quarter, but not before
    // the training deadline (the acceptance deadline), so those 8 units earn 0 and still count.
    expect(fig('RU100111')).toEqual([
      ['meridian', 'mainstream', '50', '539.00', (50 * 539).toFixed(2)],
      ['orbita', 'workstation', '8', '1925.00', '0.00'],
    ]);
    // Chose monitors plan 100: 17"-20" and 22"-23" rate 0, 24"-25" 231.
    expect(sum(linesOf('RU100116').map((r) => r.amount_rub))).toBe(((8 + 50) * 231).toFixed(2));
    // Accepted exactly at the deadline: nothing.
    expect(sum(linesOf('RU100112').map((r) => r.amount_rub))).toBe('0.00');
  });

  it('agrees with every expected outcome in samples/data/README.md, and with its total', async () => {
    const expected = await expectedOutcomes();
    expect(expected.length).toBeGreaterThan(20);
    for (const e of expected) {
      const lines = linesOf(e.partner).filter((r) => r.program === e.program);
      expect(
        lines.reduce((n, r) => n + Number(r.units), 0),
        `${e.partner} ${e.program} units`,
      ).toBe(e.units);
      expect(sum(lines.map((r) => r.amount_rub)), `${e.partner} ${e.program} payout`).toBe(
        new Decimal(e.payout).toFixed(2),
      );
    }
    expect(sum(rows.map((r) => r.amount_rub))).toBe('635019.00');
  });

  it('writes a rejects file per report with the lines the README says must be rejected', async () => {
    const rejectsDir = join(out, 'rejects');
    const files = (await readdir(rejectsDir, { recursive: true }))
      .filter((f) => f.endsWith('.rejects.csv'))
      .map((f) => relative(rejectsDir, join(rejectsDir, f)).replaceAll('\\', '/'));
    expect(files.sort()).toEqual([
      'kvant/kvant-sellout-2016Q1.rejects.csv',
      'meridian/2016-03/meridian_march_2016.rejects.csv',
      'meridian/meridian_2016-02.rejects.csv',
      'orbita/orbita_sellout_Q1_2016.rejects.csv',
    ]);
    const codes = async (file: string) => {
      const data = Papa.parse<string[]>(await readFile(join(rejectsDir, file), 'utf8'), {
        skipEmptyLines: true,
      }).data;
      return new Map(data.slice(1).map((r) => [Number(r[0]), r[1]]));
    };
    const orbita = await codes('orbita/orbita_sellout_Q1_2016.rejects.csv');
    expect([3, 29, 82, 88, 228].map((l) => orbita.get(l))).toEqual([
      'date-outside-quarter',
      'bad-quantity',
      'bad-date',
      'unclassified-product',
      'unknown-partner',
    ]);
    // Read but earning nothing: a C-series monitor, a blade server, a Venue without Pro.
    expect([109, 132, 201].map((l) => orbita.get(l))).toEqual([
      'not-eligible-product',
      'unrated-product',
      'not-eligible-product',
    ]);
    expect(orbita.has(256)).toBe(false); // a 2016-Q2 sale is counted there, not rejected
    const kvant = await codes('kvant/kvant-sellout-2016Q1.rejects.csv');
    expect([26, 56, 116, 118].map((l) => kvant.get(l))).toEqual([
      'duplicate-line',
      'bad-date',
      'distributor-not-authorized',
      'distributor-mismatch',
    ]);
    const meridianGz = await codes('meridian/meridian_2016-02.rejects.csv');
    expect([...meridianGz]).toEqual([
      [3, 'missing-field'],
      [9, 'unknown-partner'],
    ]);
    const meridianMarch = await codes('meridian/2016-03/meridian_march_2016.rejects.csv');
    expect(meridianMarch.get(19)).toBe('distributor-not-authorized');
  });

  it('lists held lines in the rejects file in line order, with their original fields as rejected lines have', async () => {
    const text = await readFile(join(out, 'rejects', 'orbita', 'orbita_sellout_Q1_2016.rejects.csv'), 'utf8');
    const [head, ...data] = Papa.parse<string[]>(text, { skipEmptyLines: true }).data;
    expect(head!.slice(0, 3)).toEqual(['line', 'reason_code', 'message']);
    expect(head!.length).toBeGreaterThan(3);
    const lines = data.map((r) => Number(r[0]));
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
    // Held by the computation (unknown partner), not by the file: the partner as the report wrote it.
    const unknown = data.find((r) => r[0] === '228')!;
    expect(unknown[1]).toBe('unknown-partner');
    expect(unknown.slice(3)).toContain('RU199999');
    expect(unknown[2]).toMatch(/RU199999/);
    expect(unknown).toHaveLength(head!.length);
    const held = Number(/which also list the (\d+) line\(s\) the computation held/.exec(stdout)?.[1]);
    expect(held).toBeGreaterThanOrEqual(8); // at least the README's held lines and those read but earning nothing
  });

  it('prints a summary with the report statuses and the total', () => {
    for (const report of [
      'kvant/kvant-sellout-2016Q1.csv',
      'orbita/orbita_sellout_Q1_2016.csv',
      'meridian/meridian_2016-02.csv.gz',
    ])
      expect(stdout).toMatch(new RegExp(`${report.replaceAll('.', '\\.')}\\s+processed`));
    expect(stdout).toMatch(/TOTAL.*635\D?019\.00/);
  });

  it('prints why lines pay less than their units, naming a late course, its time and the deadline', () => {
    const lines = stdout.split('\n');
    const start = lines.indexOf('Lines that pay less than their units, and why');
    expect(start).toBeGreaterThan(0);
    const late = lines.find((l) => l.startsWith('RU100111 orbita client/workstation: '));
    expect(late).toBeDefined();
    expect(lines.indexOf(late!)).toBeGreaterThan(start);
    expect(late).toContain(
      'without technical training DPWT0212WBTT completed before the training deadline 2016-04-01T00:00:00+03:00',
    );
    expect(late).toContain('Completed too late: DPWT0212WBTT at 2016-04-15T11:00:00+03:00.');
    // A fully paid line is not listed.
    expect(lines.some((l) => l.startsWith('RU100111 meridian client/mainstream: '))).toBe(false);
  });
});

describe('usage mistakes', () => {
  it('refuses a call without a command as a usage error, printing the commands', async () => {
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      const err = await main([]).then(
        () => null,
        (e: unknown) => e,
      );
      expect(toUserError(err).code).toBe('usage');
      expect(String(spy.mock.calls[0]?.[0])).toMatch(/^Usage: rebates /);
    } finally {
      spy.mockRestore();
    }
  });

  it('refuses a run without its options, or with an unknown option, as a usage error', async () => {
    for (const argv of [['run', '--data', SAMPLES], ['run', '--bogus'], ['frobnicate']]) {
      const err = await main(argv).then(
        () => null,
        (e: unknown) => e,
      );
      expect(toUserError(err).code, argv.join(' ')).toBe('usage');
    }
  });

  it('exits with status 2 and a plain message from the command line', () => {
    const res = spawnSync(
      process.execPath,
      ['bin/rebates.mjs', 'run', '--data', 'samples/data', '--quarter', '2016-Q1'],
      {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
      },
    );
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(/^error: Required option '--out <dir>' not specified$/m);
  });
});
