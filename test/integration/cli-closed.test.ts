/**
 * The CLI on a state folder whose 2016-Q1 is closed (issue #14): `payouts` says so and shows the
 * frozen figures, the live ones only with --pending-corrections; `verify` checks the quarter
 * against its snapshot instead of a recomputation; `export` says which figures its file holds and
 * words the causes of corrections in the --lang asked for.
 */
import '../../local/env-defaults.js';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { startLocalRuntime } from '../../local/runtime.js';
import { formatRub } from '../../local/ui/table.js';
import { grouped, moscow } from '../../shared/domain/render/format.js';
import type { QuarterSnapshot } from '../../shared/pipeline/quarters.js';
import { closedSampleState, SAMPLES } from '../support/closed-quarter.js';

const [Q1, Q2] = ['2016-Q1', '2016-Q2'];
const KVANT_KEY = 'incoming/kvant/kvant-sellout-2016Q1.csv';
const UPLOADER = 'distributor dist-kvant';
let scratch: string;
let state: string;
let snapshot: QuarterSnapshot;
const savedEnv = { ...process.env };

/** Runs the CLI in this process and collects what it prints. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    return { code: await main(args), out };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

beforeAll(async () => {
  ({ scratch, state, snapshot } = await closedSampleState('rebates-cli-closed-', Q1));
}, 180_000);

/** The kvant report corrected after the close (one line's quantity raised), uploaded as its distributor would. */
async function correctKvantAfterClose(): Promise<void> {
  const text = await readFile(join(SAMPLES, 'reports', 'kvant', 'kvant-sellout-2016Q1.csv'), 'utf8');
  const lines = text.split('\n');
  const cells = lines[5]!.split(',');
  cells[7] = String(Number(cells[7]) + 2);
  lines[5] = cells.join(',');
  const rt = await startLocalRuntime({ stateDir: state });
  try {
    await rt.deps.uploads.record({ key: KVANT_KEY, by: UPLOADER, at: rt.deps.clock.now().toISOString() });
    await rt.upload(KVANT_KEY, Buffer.from(lines.join('\n')));
    await rt.idle();
  } finally {
    await rt.stop();
  }
}

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe('the CLI on a closed quarter', () => {
  it('payouts marks the quarter closed, with who, when, the checksum and the frozen total', async () => {
    const { code, out } = await cli(['payouts', '--quarter', Q1, '--state', state]);
    expect(code).toBe(0);
    const [first, second] = out.split('\n');
    expect(first).toBe(
      `${Q1} is closed: on ${snapshot.closedAt} by fin-1; snapshot sha256 ${snapshot.sha256}; frozen total ${formatRub(snapshot.total)}.`,
    );
    expect(second).toBe('Shown: the frozen figures. Add --pending-corrections for the live recalculation.');
    const live = await cli(['payouts', '--quarter', Q1, '--pending-corrections', '--state', state]);
    expect(live.out.split('\n')[1]).toBe('Shown: the live recalculation (pending corrections), not what was paid.');
  }, 120_000);

  it('verify checks the closed quarter against its snapshot', async () => {
    const { code, out } = await cli(['verify', '--quarter', Q1, '--state', state]);
    expect(code).toBe(0);
    expect(out).toContain(`${Q1} is closed (on ${snapshot.closedAt} by fin-1); its figures are the snapshot with sha256 ${snapshot.sha256}`);
    expect(out).toContain('Verified: the snapshot matches its checksum and the frozen total is the sum of its lines.');
  }, 120_000);

  it('says the same in Russian with --lang ru (issue #15)', async () => {
    const payouts = await cli(['payouts', '--quarter', Q1, '--state', state, '--lang', 'ru']);
    expect(payouts.code).toBe(0);
    const [first, second] = payouts.out.split('\n');
    expect(first).toBe(
      `${Q1} закрыт ${moscow(snapshot.closedAt, 'ru')} пользователем fin-1; контрольная сумма снимка ${snapshot.sha256}; ` +
        `зафиксированный итог ${grouped(snapshot.total, 'ru')} руб.`,
    );
    expect(second).toBe('Показаны зафиксированные суммы. Добавьте --pending-corrections, чтобы увидеть живой пересчёт.');
    const verify = await cli(['verify', '--quarter', Q1, '--state', state, '--lang', 'ru']);
    expect(verify.code).toBe(0);
    expect(verify.out).toContain(`${Q1} закрыт (${moscow(snapshot.closedAt, 'ru')}, пользователем fin-1)`);
    expect(verify.out).toContain('Проверено: снимок совпадает со своей контрольной суммой');
    const rest = verify.out.split(Q1).join(' ').split(snapshot.sha256).join(' ').split('fin-1').join(' ');
    expect(rest.match(/[A-Za-z]{2,}/g) ?? []).toEqual([]);
    const out = join(scratch, 'out-frozen-ru');
    const exported = await cli(['export', '--quarter', Q1, '--out', out, '--state', state, '--lang', 'ru']);
    expect(exported.code).toBe(0);
    expect(exported.out).toContain(
      `${Q1} закрыт ${moscow(snapshot.closedAt, 'ru')} пользователем fin-1. В файле его зафиксированные суммы, ` +
        `итог ${grouped(snapshot.total, 'ru')} руб.; контрольная сумма снимка ${snapshot.sha256} (по первым девяти столбцам).`,
    );
    expect(exported.out).toMatch(/^Записан .*payouts-2016-Q1\.csv \(\d+ строк[аи]? выплат\); контрольная сумма [0-9a-f]{64}\.$/m);
  }, 120_000);

  it('export says the file holds the frozen figures, whose first nine columns give the snapshot checksum', async () => {
    const out = join(scratch, 'out-frozen');
    const res = await cli(['export', '--quarter', Q1, '--out', out, '--state', state]);
    expect(res.code).toBe(0);
    expect(res.out).toContain(
      `${Q1} is closed: on ${snapshot.closedAt} by fin-1. The file holds its frozen figures, total ${formatRub(snapshot.total)}; ` +
        `snapshot sha256 ${snapshot.sha256} (of the first nine columns).`,
    );
    expect(res.out).not.toContain('Corrections of');
    const csv = await readFile(join(out, `payouts-${Q1}.csv`), 'utf8');
    // No row of a closed quarter's own lines has a comma after its nine columns.
    const nine = csv.replace(/(,[^,\n]*){5}\n/g, '\n');
    expect(createHash('sha256').update(nine).digest('hex')).toBe(snapshot.sha256);
  }, 120_000);

  it('after a correction, export of the closed quarter names the corrections apart, and of the next one words their causes in --lang', async () => {
    await correctKvantAfterClose();
    const frozen = await cli(['export', '--quarter', Q1, '--format', 'xlsx', '--out', join(scratch, 'out-x'), '--state', state]);
    expect(frozen.code).toBe(0);
    const q1 = JSON.parse((await cli(['payouts', '--quarter', Q1, '--format', 'json', '--state', state])).out);
    expect(q1.adjustments.length).toBeGreaterThan(0);
    expect(frozen.out).toContain(
      `Corrections of ${Q1} since the close, not in these figures: ${q1.adjustments.length} ${q1.adjustments.length === 1 ? 'line' : 'lines'}, ` +
        `${formatRub(new Decimal(q1.adjustmentsTotal))}, each paid in the quarter it is booked in`,
    );

    const said: Record<string, string[]> = {};
    for (const lang of ['en', 'ru'] as const) {
      const out = join(scratch, `out-${lang}`);
      expect((await cli(['export', '--quarter', Q2, '--lang', lang, '--out', out, '--state', state])).code).toBe(0);
      const rows = Papa.parse<Record<string, string>>(await readFile(join(out, `payouts-${Q2}.csv`), 'utf8'), {
        header: true,
        skipEmptyLines: true,
      }).data.filter((r) => r.quarter === Q1);
      const answer = JSON.parse((await cli(['payouts', '--quarter', Q2, '--format', 'json', '--lang', lang, '--state', state])).out);
      const api = (answer.lines as { adjustment?: unknown; causes?: { text: string }[] }[])
        .filter((l) => l.adjustment)
        .map((l) => (l.causes ?? []).map((c) => c.text).join('; '));
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.causes)).toEqual(api);
      said[lang] = api;
    }
    for (const [k, ru] of said.ru!.entries()) {
      expect(ru).toMatch(/[А-Яа-яЁё]/);
      expect(ru).not.toBe(said.en![k]);
      expect(ru).toContain(KVANT_KEY);
      // The uploader is a name: as recorded, in either language.
      expect(ru).toContain(UPLOADER);
      expect(said.en![k]).toContain(`uploaded by ${UPLOADER}`);
    }
  }, 300_000);
});
