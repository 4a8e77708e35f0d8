/**
 * The `rebates` bin as a user meets it: help for each command, --version, exit codes (0 ok,
 * 1 failure, 2 usage) and plain one-sentence errors for mistakes, all answered before any emulator
 * starts (no "starting the local stack" line, and well within a JVM's start-up time).
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile, cp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/runtime.js';

const BIN = join(PROJECT_ROOT, 'bin', 'rebates.mjs');
const COMMANDS = ['run', 'up', 'token', 'import', 'ingest', 'payouts', 'export', 'verify', 'migrate'];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-bin-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function rebates(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** One "error:" sentence, no stack trace, and no emulator started. */
function expectPlainError(stderr: string) {
  const errors = stderr.split('\n').filter((l) => l.startsWith('error: '));
  expect(errors).toHaveLength(1);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('starting the local stack');
  expect(stderr).not.toContain('Something went wrong');
}

describe('help and version', () => {
  it('prints the version of package.json', async () => {
    const { version } = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const res = rebates('--version');
    expect(res.code).toBe(0);
    expect(res.stdout.trim()).toBe(version);
  });

  it('lists every command in the global help, with the exit codes', () => {
    const res = rebates('--help');
    expect(res.code).toBe(0);
    for (const c of COMMANDS) expect(res.stdout).toMatch(new RegExp(`^  ${c}\\b`, 'm'));
    expect(res.stdout).toContain('Exit codes: 0');
  });

  it.each(COMMANDS)('gives "%s" its own help with examples', (command) => {
    for (const argv of [[command, '--help'], ['help', command]]) {
      const res = rebates(...argv);
      expect(res.code, argv.join(' ')).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^Usage: rebates ${command}\\b`));
      expect(res.stdout).toContain(`$ rebates ${command}`);
      expect(res.stdout).not.toMatch(/^Commands:/m);
    }
  });
});

describe('usage mistakes exit 2', () => {
  it('suggests the command meant', () => {
    const res = rebates('paytous', '--quarter', '2016-Q1');
    expect(res.code).toBe(2);
    expectPlainError(res.stderr);
    expect(res.stderr).toMatch(/Unknown command 'paytous'.*payouts/);
  });

  it('refuses an unknown option, a missing option and a bad choice', () => {
    for (const [argv, says] of [
      [['payouts', '--quarter', '2016-Q1', '--bogus'], /Unknown option '--bogus'/],
      [['payouts'], /--quarter/],
      [['payouts', '--quarter', '2016-Q1', '--format', 'xml'], /table, json, csv/],
      [['payouts', '--quarter', 'Q1-2016'], /give it as --quarter 2016-Q1/],
      [['run', '--data', 'samples/data', '--quarter', '2016-Q1'], /--out/],
    ] as const) {
      const res = rebates(...argv);
      expect(res.code, argv.join(' ')).toBe(2);
      expectPlainError(res.stderr);
      expect(res.stderr).toMatch(says);
    }
  });

  it('exits 2 without a command, showing the commands', () => {
    const res = rebates();
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Usage: rebates');
  });
});

describe('user mistakes exit 1 with one sentence, before any emulator starts', () => {
  it('names a missing report file or data folder', () => {
    const missing = join(scratch, 'nope.csv');
    const ingest = rebates('ingest', missing, '--distributor', 'orbita', '--state', scratch);
    expect(ingest.code).toBe(1);
    expectPlainError(ingest.stderr);
    expect(ingest.stderr).toContain(`error: There is no file ${missing}; check the path given to ingest.`);

    const folder = rebates('import', '--data', join(scratch, 'nowhere'), '--state', scratch);
    expect(folder.code).toBe(1);
    expectPlainError(folder.stderr);
    expect(folder.stderr).toContain('There is no folder');
  });

  it.each([
    ['payouts', '--quarter', '2017-Q1', '--state'],
    ['export', '--quarter', '2017-Q1', '--state'],
    ['verify', '--quarter', '2017-Q1', '--state'],
    ['run', '--data', 'samples/data', '--quarter', '2017-Q1', '--out'],
  ])('refuses a quarter without rules alike: %s', (...argv) => {
    const res = rebates(...argv, scratch);
    expect(res.code).toBe(1);
    expectPlainError(res.stderr);
    expect(res.stderr).toContain('error: There are no rules for 2017-Q1 (quarters with rules: 2016-Q1');
  });

  it('refuses a data folder with bad rows whole, each bad row listed once', async () => {
    const data = join(scratch, 'bad-data');
    await cp(join(PROJECT_ROOT, 'samples', 'data'), data, { recursive: true });
    const trainings = join(data, 'trainings.csv');
    const text = await readFile(trainings, 'utf8');
    const lines = text.trimEnd().split('\n').length;
    await writeFile(trainings, `${text.trimEnd()}\nRU100123,DPWT0212WBTT,not-a-date\nRU100124,DPWT0212WBTT,\n`);
    const res = rebates('import', '--data', data, '--state', join(scratch, 'state'));
    expect(res.code).toBe(1);
    expectPlainError(res.stderr);
    expect(res.stderr).toContain('so nothing was imported');
    expect(res.stderr).toContain('--skip-invalid');
    for (const line of [lines + 1, lines + 2]) {
      const mentions = res.stderr.split('\n').filter((l) => l.includes(`trainings.csv:${line}:`));
      expect(mentions, `line ${line}`).toHaveLength(1);
      expect(mentions[0]).not.toContain(`line ${line}:`);
    }
  });
});
