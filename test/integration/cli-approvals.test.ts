/**
 * `rebates import` without `up` on a state folder whose 2016-Q1 is closed: a folder that would
 * change the closed quarter's payouts is refused (no second person can approve it there); the same
 * folder unchanged imports as ever.
 */
import '../../local/env-defaults.js';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { startLocalRuntime } from '../../local/runtime.js';
import { toUserError } from '../../shared/errors.js';
import { closedSampleState, SAMPLES } from '../support/closed-quarter.js';

const Q1 = '2016-Q1';
let scratch: string;
let state: string;
const savedEnv = { ...process.env };

/** Runs the CLI in this process (main throws what `rebates` prints as "error: …"); resolves with its exit code or error. */
async function cli(args: string[]): Promise<{ code: number } | { error: unknown }> {
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation(() => true),
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true),
  ];
  try {
    return { code: await main(args) };
  } catch (error) {
    return { error };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

beforeAll(async () => {
  ({ scratch, state } = await closedSampleState('rebates-cli-approvals-', Q1));
}, 180_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

describe('rebates import on a state folder with a closed quarter', () => {
  it('refuses a folder that would change the closed quarter, naming its effect, and writes nothing', async () => {
    const changed = join(scratch, 'changed');
    await cp(SAMPLES, changed, { recursive: true });
    // kvant loses the commercial segment: its commercial lines of the closed quarter would stop paying.
    const distributors = await readFile(join(changed, 'distributors.csv'), 'utf8');
    await writeFile(
      join(changed, 'distributors.csv'),
      distributors.replace(/^(kvant,.*,)commercial;monitors$/m, '$1monitors'),
    );

    const refused = await cli(['import', '--data', changed, '--state', state]);
    expect('error' in refused).toBe(true);
    const said = toUserError((refused as { error: unknown }).error);
    expect(said).toMatchObject({ code: 'closed-quarter-change', status: 409 });
    expect(said.message).toMatch(/would change the payouts of closed quarter 2016-Q1 by -[\d.]+ RUB/);
    expect(said.message).toMatch(/Nothing was imported/);

    const rt = await startLocalRuntime({ stateDir: state, redrive: false });
    try {
      const kvant = (await rt.deps.reference.listDistributors()).find((d) => d.id === 'kvant');
      expect(kvant?.segments).toEqual(['commercial', 'monitors']);
    } finally {
      await rt.stop();
    }
  }, 120_000);

  it('imports the same folder unchanged, which alters no closed quarter', async () => {
    expect(await cli(['import', '--data', SAMPLES, '--state', state])).toEqual({ code: 0 });
  }, 120_000);
});
