/**
 * Identifiers as written, through the `rebates` CLI: the sample data folder with its distributors
 * registered in upper case (ORBITA, KVANT, MERIDIAN) while the report folders keep another case,
 * and one partner written in lower case (ru100101). `run` must match every folder without a
 * warning, pay what the samples pay, and write the IDs as written in the export, the rejects
 * folders and its summary; `payouts --partner` and `ingest --distributor` take IDs in any case.
 */
import '../../local/env-defaults.js';
import { cp, mkdtemp, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { PROJECT_ROOT } from '../../local/runtime.js';

const SAMPLES = join(PROJECT_ROOT, 'samples', 'data');
const QUARTER = '2016-Q1';
/** What samples/data pays in 2016-Q1 (samples/data/README.md; test/integration/cli.test.ts). */
const SAMPLE_TOTAL = '635019.00';

let scratch: string;
let data: string;
const savedEnv = { ...process.env };

/** Runs the CLI in-process; returns its exit code and what it wrote. */
async function rebates(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true)),
  ];
  try {
    return { code: await main(argv), stdout, stderr };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-ids-cli-'));
  data = join(scratch, 'data');
  await cp(SAMPLES, data, { recursive: true });
  const edit = async (file: string, change: (text: string) => string) =>
    writeFile(join(data, file), change(await readFile(join(data, file), 'utf8')));
  await edit('distributors.csv', (t) =>
    t.replace(/^(orbita|kvant|meridian),/gm, (_, id: string) => `${id.toUpperCase()},`),
  );
  await edit('partners.csv', (t) => t.replace(/^RU100101,/m, 'ru100101,'));
  // Folders in a third case: kvant/ and orbita/ stay lower-case, meridian/ becomes Meridian/.
  await rename(join(data, 'reports', 'meridian'), join(data, 'reports', 'Meridian'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe('rebates run on a data folder whose distributor IDs are upper-case and folders are not', () => {
  let run: Awaited<ReturnType<typeof rebates>>;
  let rows: Record<string, string>[];
  const out = () => join(scratch, 'out');

  beforeAll(async () => {
    expect((await readFile(join(data, 'distributors.csv'), 'utf8')).split('\n').slice(1, 4)).toEqual([
      expect.stringMatching(/^ORBITA,/),
      expect.stringMatching(/^KVANT,/),
      expect.stringMatching(/^MERIDIAN,/),
    ]);
    run = await rebates('run', '--data', data, '--quarter', QUARTER, '--out', out());
    const csv = await readFile(join(out(), `payouts-${QUARTER}.csv`), 'utf8');
    rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
  });

  it('processes every folder without a warning about it, and makes the payouts of the samples', () => {
    expect(run.code).toBe(0);
    expect(run.stderr).not.toMatch(/named after no distributor/);
    expect(run.stderr).not.toMatch(/problem\(s\) in the reference data/);
    expect(rows.reduce((s, r) => s.plus(r.amount_rub!), new Decimal(0)).toFixed(2)).toBe(SAMPLE_TOTAL);
  });

  it('exports distributor_id and partner_id as written in the reference data', () => {
    expect(new Set(rows.map((r) => r.distributor_id))).toEqual(new Set(['ORBITA', 'KVANT', 'MERIDIAN']));
    const partners = new Set(rows.map((r) => r.partner_id));
    expect(partners).toContain('ru100101');
    expect(partners).not.toContain('RU100101');
    const alfa = rows.filter((r) => r.partner_id === 'ru100101');
    expect(alfa.map((r) => [r.distributor_id, r.rate_row, r.units])).toEqual([
      ['KVANT', 'mainstream', '12'],
      ['KVANT', 'vostro-3xxx', '50'],
      ['MERIDIAN', 'mainstream', '-1'],
      ['ORBITA', 'optiplex-dt-3xxx', '42'],
      ['ORBITA', 'premium', '60'],
    ]);
    expect(alfa.every((r) => r.partner_name === 'ООО «Альфа-Системы»')).toBe(true);
  });

  it('writes the rejects under folders named as the distributors are written', async () => {
    const rejects = join(out(), 'rejects');
    expect((await readdir(rejects)).sort()).toEqual(['KVANT', 'MERIDIAN', 'ORBITA']);
    const files = (await readdir(rejects, { recursive: true })).filter((f) => f.endsWith('.rejects.csv'));
    expect(files.map((f) => f.replaceAll('\\', '/')).sort()).toEqual([
      'KVANT/kvant-sellout-2016Q1.rejects.csv',
      'MERIDIAN/2016-03/meridian_march_2016.rejects.csv',
      'MERIDIAN/meridian_2016-02.rejects.csv',
      'ORBITA/orbita_sellout_Q1_2016.rejects.csv',
    ]);
    const kvant = Papa.parse<string[]>(
      await readFile(join(rejects, 'KVANT', 'kvant-sellout-2016Q1.rejects.csv'), 'utf8'),
      { skipEmptyLines: true },
    ).data;
    // The report's own distributor column says kvant: that matches; orbita does not.
    expect(kvant.find((r) => r[0] === '118')?.slice(1, 3)).toEqual([
      'distributor-mismatch',
      'The distributor column says "orbita" but the report was uploaded to the folder of "KVANT".',
    ]);
    expect(kvant.filter((r) => r[1] === 'distributor-mismatch')).toHaveLength(1);
  });

  it('names reports and partners as written in its summary', () => {
    for (const report of [
      'KVANT/kvant-sellout-2016Q1.csv',
      'ORBITA/orbita_sellout_Q1_2016.csv',
      'MERIDIAN/meridian_2016-02.csv.gz',
      'MERIDIAN/2016-03/meridian_march_2016.csv',
    ])
      expect(run.stdout).toMatch(new RegExp(`${report.replaceAll('.', '\\.')}\\s+processed`));
    expect(run.stdout).toMatch(/^\s*ru100101\s+ООО «Альфа-Системы»/m);
    expect(run.stdout).not.toMatch(/\bRU100101\b/);
  });
});

describe('the commands on a state folder take IDs in any case', () => {
  const state = () => join(scratch, 'state');
  let ingest: Awaited<ReturnType<typeof rebates>>;

  beforeAll(async () => {
    expect((await rebates('import', '--data', data, '--state', state())).code).toBe(0);
    const report = join(data, 'reports', 'kvant', 'kvant-sellout-2016Q1.csv');
    ingest = await rebates('ingest', report, '--distributor', 'Kvant', '--state', state());
  });

  it('ingests under --distributor in any case, naming the report as the distributor is written', () => {
    expect(ingest.code).toBe(0);
    expect(ingest.stdout).toMatch(/KVANT\/kvant-sellout-2016Q1\.csv\s+processed/);
  });

  it('shows the payouts of --partner written in any form, with the distributor as written', async () => {
    const text = await rebates('payouts', '--quarter', QUARTER, '--partner', 'RU 100101', '--state', state());
    expect(text.code).toBe(0);
    const lines = text.stdout.split('\n').filter((l) => /^\S+ client\//.test(l));
    expect(lines.map((l) => l.slice(0, l.indexOf(':')))).toEqual([
      'KVANT client/mainstream',
      'KVANT client/vostro-3xxx',
    ]);
    expect(lines.every((l) => l.includes('bought at distributor KVANT'))).toBe(true);
  });

  it('writes --format csv and json with the IDs as written', async () => {
    const csv = await rebates(
      'payouts',
      '--quarter',
      QUARTER,
      '--partner',
      'ru100101',
      '--format',
      'csv',
      '--state',
      state(),
    );
    const rows = Papa.parse<Record<string, string>>(csv.stdout, { header: true, skipEmptyLines: true }).data;
    expect(rows.map((r) => [r.partner_id, r.distributor_id, r.rate_row])).toEqual([
      ['ru100101', 'KVANT', 'mainstream'],
      ['ru100101', 'KVANT', 'vostro-3xxx'],
    ]);

    const json = await rebates(
      'payouts',
      '--quarter',
      QUARTER,
      '--partner',
      '#ru100101',
      '--format',
      'json',
      '--state',
      state(),
    );
    // The API's answer for one partner (GET /quarters/{q}/partners/{id}).
    const result = JSON.parse(json.stdout) as {
      partner: { id: string };
      lines: { partnerId: string; distributorId: string; amount: string }[];
      progress: { partnerId: string }[];
    };
    expect(result.partner.id).toBe('ru100101');
    expect(result.lines.every((l) => /^\d+\.\d{2}$/.test(l.amount))).toBe(true);
    expect(new Set(result.lines.map((l) => `${l.partnerId} ${l.distributorId}`))).toEqual(
      new Set(['ru100101 KVANT']),
    );
    expect(result.progress.every((p) => p.partnerId === 'ru100101')).toBe(true);
    // Two commands, each starting the emulators on the state folder: 23 s on a loaded CI machine.
  }, 120_000);
});
