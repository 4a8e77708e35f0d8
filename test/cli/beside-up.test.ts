/**
 * Commands beside a running `rebates up`: they talk to its API with a token from the state
 * folder's secret, instead of refusing the folder `up` holds. Through the built bin.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Decimal } from 'decimal.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/runtime.js';
import { stopUp } from '../support/rebates-up.js';

const BIN = join(PROJECT_ROOT, 'bin', 'rebates.mjs');
const SAMPLES = join(PROJECT_ROOT, 'samples', 'data');

let scratch: string;
let state: string;
let up: ChildProcess;
let upOutput = '';

const rebates = (...args: string[]) => {
  const res = spawnSync(process.execPath, [BIN, ...args, '--state', state], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
};

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-beside-up-'));
  state = join(scratch, 'state');
  // A process group of its own, so DynamoDB Local's JVM goes with it.
  up = spawn(process.execPath, [BIN, 'up', '--data', SAMPLES, '--state', state, '--port', '0'], {
    cwd: PROJECT_ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  up.stderr!.on('data', (c: Buffer) => (upOutput += c.toString()));
  await new Promise<void>((resolve, reject) => {
    up.stdout!.on('data', (c: Buffer) => {
      upOutput += c.toString();
      if (/^ready$/m.test(upOutput)) resolve();
    });
    up.once('exit', (code) => reject(new Error(`rebates up exited (${code}):\n${upOutput}`)));
  });
});

afterAll(async () => {
  if (up?.pid) await stopUp(up);
  await rm(scratch, { recursive: true, force: true });
});

// Tests that run two or more commands, each a Node process of its own: 31 s of the default 60 on a
// loaded CI machine.
describe('beside a running "up"', { timeout: 120_000 }, () => {
  it('up leaves its address in the state folder', async () => {
    const info = JSON.parse(await readFile(join(state, 'up.json'), 'utf8')) as { pid: number; url: string };
    expect(info.pid).toBe(up.pid);
    expect(upOutput).toContain(`API:       ${info.url}/api/`);
  });

  it('payouts --partner --lang ru prints the explanations and tier progress in Russian; English by default', () => {
    const ru = rebates('payouts', '--quarter', '2016-Q1', '--partner', 'RU100101', '--lang', 'ru');
    expect(ru.stderr).toBe('');
    expect(ru.code).toBe(0);
    expect(ru.stdout).toMatch(/^kvant client\/mainstream: .* — Действует план 150 \(план не выбран; это наибольший достигнутый порог\)/m);
    expect(ru.stdout).toMatch(/^ход к плану: «Ноутбуки, десктопы и моноблоки»: \d+ единиц/m);
    // Amounts as Russian writes them, and no English word of the CLI's own on the Russian page.
    expect(ru.stdout).toMatch(/^kvant client\/mainstream: \d[\d\s]*,\d{2} руб\. — /m);
    expect(ru.stdout).not.toMatch(/\bRUB\b|^progress:/m);
    const en = rebates('payouts', '--quarter', '2016-Q1', '--partner', 'RU100101');
    expect(en.stdout).toMatch(/^kvant client\/mainstream: .* — Plan 150 applies \(no plan was chosen/m);
    expect(en.stdout).toMatch(/^progress: client: \d+ units/m);
    const other = rebates('payouts', '--quarter', '2016-Q1', '--lang', 'de');
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/--lang/);
  });

  it('payouts answers through its API, without starting a stack of its own', () => {
    const res = rebates('payouts', '--quarter', '2016-Q1');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^TOTAL\s+.*RUB\s*$/m);
    expect(res.stdout).toMatch(/^RU\d+ /m);
  });

  it('writes money in JSON as the API does: strings with two decimals that add up', () => {
    const res = rebates('payouts', '--quarter', '2016-Q1', '--format', 'json');
    expect(res.code).toBe(0);
    const answer = JSON.parse(res.stdout) as { total: string; lines: { amount: string; rate: string }[] };
    expect(answer.lines.length).toBeGreaterThan(0);
    for (const l of answer.lines) {
      expect(l.amount).toMatch(/^-?\d+\.\d{2}$/);
      expect(l.rate).toMatch(/^\d+\.\d{2}$/);
    }
    expect(answer.total).toMatch(/^\d+\.\d{2}$/);
    const sum = answer.lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
    expect(answer.total).toBe(sum.toFixed(2));
  });

  it('export writes the same file the API serves', async () => {
    const out = join(scratch, 'out');
    const res = rebates('export', '--quarter', '2016-Q1', '--out', out);
    expect(res.code).toBe(0);
    const csv = await readFile(join(out, 'payouts-2016-Q1.csv'), 'utf8');
    expect(csv.split('\n')[0]).toMatch(/^quarter,partner_id,/);
    expect(res.stdout).toContain(`(${csv.split('\n').filter(Boolean).length - 1} payout lines)`);
  });

  it('payouts, export and token load no AWS SDK, runtime, emulator or pipeline module', async () => {
    // A resolve hook ahead of tsx's lists every module the command loads.
    const tracer = join(scratch, 'tracer.mjs');
    const hook = `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const found = await next(specifier, context);
  appendFileSync(process.env.REBATES_TRACE, found.url + '\\n');
  return found;
}`;
    await writeFile(
      tracer,
      `import { register } from 'node:module';\nregister(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});\n`,
    );
    const commands = [
      ['payouts', '--quarter', '2016-Q1'],
      ['payouts', '--quarter', '2016-Q1', '--partner', 'RU100101', '--format', 'csv'],
      ['export', '--quarter', '2016-Q1', '--out', join(scratch, 'traced-out')],
      ['token', '--role', 'finance'],
    ];
    for (const [i, args] of commands.entries()) {
      const trace = join(scratch, `trace-${i}.txt`);
      const res = spawnSync(process.execPath, ['--import', tracer, BIN, ...args, '--state', state], {
        cwd: PROJECT_ROOT,
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, REBATES_TRACE: trace },
      });
      expect(res.stderr).toBe('');
      expect(res.status).toBe(0);
      const loaded = (await readFile(trace, 'utf8')).split('\n');
      expect(loaded.some((u) => u.endsWith('/local/read-commands.ts'))).toBe(true);
      const heavy = loaded.filter((u) =>
        /\/node_modules\/@(aws-sdk|smithy|aws-lambda-powertools)\/|\/local\/(cli|runtime|emulators|local-stack|api-server)\.ts$|\/(functions|shared\/(adapters|pipeline|aws))\//.test(u),
      );
      expect(heavy, args.join(' ')).toEqual([]);
    }
  });

  it('import --skip-invalid sends the good rows to up, and lists the bad one', async () => {
    const data = join(scratch, 'data');
    await cp(SAMPLES, data, { recursive: true });
    const trainings = join(data, 'trainings.csv');
    await writeFile(trainings, `${(await readFile(trainings, 'utf8')).trimEnd()}\nRU100123,DPWT0212WBTT,not-a-date\n`);
    const refused = rebates('import', '--data', data);
    expect(refused.code).toBe(1);
    const res = rebates('import', '--data', data, '--skip-invalid');
    expect(res.code).toBe(0);
    expect(res.stderr).toMatch(/trainings\.csv:\d+: completed_at "not-a-date"/);
    expect(res.stderr).toMatch(/imported 25 partners/);
  });

  it('verify says plainly that it needs the folder to itself', () => {
    const res = rebates('verify', '--quarter', '2016-Q1');
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: "rebates up" is serving .*stop "up" \(Ctrl-C\) and run verify again\.\n$/);
  });

  it('up removes its address when it stops', async () => {
    process.kill(-up.pid!, 'SIGTERM');
    await new Promise((r) => up.once('exit', r));
    await expect(stat(join(state, 'up.json'))).rejects.toThrow();
  });
});
