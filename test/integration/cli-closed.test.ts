/**
 * The CLI on a state folder whose 2016-Q1 is closed (issue #14): `payouts` says so and shows the
 * frozen figures, the live ones only with --pending-corrections; `verify` checks the quarter
 * against its snapshot instead of a recomputation.
 */
import '../../local/env-defaults.js';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { formatRub } from '../../local/ui/table.js';
import { grouped, moscow } from '../../shared/domain/render/format.js';
import type { QuarterSnapshot } from '../../shared/pipeline/quarters.js';
import { closedSampleState } from '../support/closed-quarter.js';

const Q1 = '2016-Q1';
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
  }, 120_000);
});
