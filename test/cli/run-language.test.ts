/**
 * `rebates run --lang ru` (issue #15): the progress lines, the summary's headings, tables and last
 * line are in Russian, not only the explanations. A Latin word may appear only when the input
 * names it (IDs, file names, model names and codes of the data folder and the rules file), or as
 * a reject reason code, which the rejects files write in their reason_code column. English is
 * the default, as before; both runs pay the same total.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/runtime.js';
import { REJECT_REASONS } from '../../shared/pipeline/line-checks.js';

const BIN = join(PROJECT_ROOT, 'bin', 'rebates.mjs');
const SAMPLES = join(PROJECT_ROOT, 'samples', 'data');
const RULES = join(PROJECT_ROOT, 'samples', 'rules', '2016-Q1.json');
const WORD = /[A-Za-z][A-Za-z0-9]+/g;

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-run-lang-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function run(out: string, ...extra: string[]) {
  const res = spawnSync(
    process.execPath,
    [BIN, 'run', '--data', SAMPLES, '--quarter', '2016-Q1', '--out', out, ...extra],
    { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 300_000 },
  );
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

/** Every Latin word the input names: the data folder's files and the rules file, as bytes read. */
async function inputWords(): Promise<Set<string>> {
  const words = new Set<string>();
  const add = (text: string) => {
    for (const w of text.match(WORD) ?? []) words.add(w);
  };
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else add((await readFile(path)).toString('latin1'));
      add(entry.name);
    }
  };
  await walk(SAMPLES);
  add(await readFile(RULES, 'utf8'));
  for (const code of Object.keys(REJECT_REASONS)) add(code);
  return words;
}

describe('rebates run --lang ru', () => {
  it('prints its progress and summary in Russian, and in English without --lang', async () => {
    const ruOut = join(scratch, 'out-ru');
    const enOut = join(scratch, 'out-en');
    const ru = run(ruOut, '--lang', 'ru');
    const en = run(enOut);
    expect(ru.code, ru.stderr).toBe(0);
    expect(en.code, en.stderr).toBe(0);

    const allowed = await inputWords();
    // Names of the machine and of the files the run writes.
    for (const w of ['DynamoDB', 'Local', 's3rver', 'rejects', 'payouts', 'csv']) allowed.add(w);
    const stray = (text: string, out: string) =>
      text
        .split(out)
        .join(' ')
        .split('\n')
        .flatMap((line) =>
          (line.match(WORD) ?? []).filter((w) => !allowed.has(w)).map((w) => `${w} in: ${line.trim()}`),
        );

    expect(stray(ru.stderr, ruOut)).toEqual([]);
    expect(stray(ru.stdout, ruOut)).toEqual([]);
    // The same check finds the English run's own words: it would find them in Russian too.
    expect(stray(`${en.stderr}\n${en.stdout}`, enOut).length).toBeGreaterThan(20);

    expect(ru.stderr).toMatch(/^запускаем локальный стенд \(DynamoDB Local, s3rver\)…$/m);
    expect(ru.stderr).toMatch(/^читаем 4 отчёта: /m);
    expect(ru.stdout).toMatch(/^Отчёты$/m);
    expect(ru.stdout).toMatch(/^Выплаты 2016-Q1 \(руб\.\)$/m);
    expect(en.stderr).toMatch(/^starting the local stack \(DynamoDB Local, s3rver\)…$/m);
    expect(en.stdout).toMatch(/^Payouts 2016-Q1 \(RUB\)$/m);

    // The same figures, written the way each language writes them.
    const total = (stdout: string, row: string) => {
      const line = stdout.split('\n').find((l) => l.startsWith(row));
      expect(line, stdout).toBeDefined();
      // The last amount on the line: groups of digits, then a decimal point or comma and two digits.
      const m = /(\d[\d\s,]*)[.,](\d{2})\D*$/.exec(line!);
      expect(m, line).not.toBeNull();
      return `${m![1]!.replace(/\D/g, '')}.${m![2]}`;
    };
    expect(total(ru.stdout, 'ИТОГО')).toBe(total(en.stdout, 'TOTAL'));
    expect(Number(total(en.stdout, 'TOTAL'))).toBeGreaterThan(0);
  }, 600_000);
});
