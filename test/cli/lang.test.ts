/**
 * The `rebates` bin's errors in the language of `--lang` (issue #15): the same exit codes and one
 * "ошибка:" line in Russian for a missing folder, a bad option value or an unknown option, before
 * any emulator starts. English (the default) is covered word for word in bin.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorLanguage } from '../../local/cli-program.js';
import { PROJECT_ROOT } from '../../local/runtime.js';

const BIN = join(PROJECT_ROOT, 'bin', 'rebates.mjs');

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-lang-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function rebates(...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, encoding: 'utf8', timeout: 30_000 });
  return { code: res.status, stderr: res.stderr };
}

/** The one "ошибка:" line, checked for stray English once the names it quotes are taken out. */
function russianError(stderr: string, allowed: readonly string[]): string {
  expect(stderr).not.toMatch(/^error: /m);
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('starting the local stack');
  const lines = stderr.split('\n').filter((l) => l.startsWith('ошибка: '));
  expect(lines).toHaveLength(1);
  let rest = lines[0]!;
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  expect(rest.match(/[A-Za-z]{2,}/g) ?? []).toEqual([]);
  return lines[0]!;
}

describe('errors with --lang ru', () => {
  it('names a missing data folder in Russian, exit 1', () => {
    const missing = join(scratch, 'nowhere');
    const res = rebates('run', '--data', missing, '--quarter', '2016-Q1', '--out', scratch, '--lang', 'ru');
    expect(res.code).toBe(1);
    const line = russianError(res.stderr, [missing, '--data']);
    expect(line).toBe(`ошибка: Папки ${missing} нет; проверьте путь, указанный в --data.`);
  });

  it('is taken by the commands that print no explanations too: a missing report file for ingest', () => {
    const missing = join(scratch, 'nope.csv');
    const res = rebates('ingest', missing, '--distributor', 'orbita', '--state', scratch, '--lang', 'ru');
    expect(res.code).toBe(1);
    expect(russianError(res.stderr, [missing, 'ingest'])).toBe(
      `ошибка: Файла ${missing} нет; проверьте путь, указанный в ingest.`,
    );
  });

  it('refuses a bad choice and an unknown option in Russian, exit 2, with the help hint in Russian', () => {
    const choice = rebates('payouts', '--quarter', '2016-Q1', '--format', 'xml', '--lang', 'ru');
    expect(choice.code).toBe(2);
    expect(russianError(choice.stderr, ['--format <format>', 'xml', 'table, json, csv'])).toBe(
      'ошибка: Значение «xml» не подходит для --format <format>; допустимые значения: table, json, csv.',
    );
    expect(choice.stderr).toContain('Параметры описаны в «rebates help» и «rebates <команда> --help».');

    const unknown = rebates('payouts', '--quarter', '2016-Q1', '--lang=ru', '--bogus');
    expect(unknown.code).toBe(2);
    expect(russianError(unknown.stderr, ['--bogus'])).toBe('ошибка: Неизвестный параметр --bogus.');
  });

  it('says a quarter written wrongly, and one without rules, in Russian, exit 2 and 1', () => {
    const badQuarter = rebates('payouts', '--quarter', 'Q1-2016', '--lang', 'ru');
    expect(badQuarter.code).toBe(2);
    expect(russianError(badQuarter.stderr, ['Q1-2016', '--quarter 2016-Q1'])).toBe(
      'ошибка: «Q1-2016» — не квартал; укажите его так: --quarter 2016-Q1.',
    );
    const noRules = rebates('payouts', '--quarter', '2017-Q1', '--lang', 'ru', '--state', scratch);
    expect(noRules.code).toBe(1);
    expect(russianError(noRules.stderr, ['2017-Q1', '2016-Q1', 'samples/rules/2017-Q1.json', '--rules'])).toMatch(
      /^ошибка: Для 2017-Q1 нет правил \(кварталы с правилами: 2016-Q1.*\); добавьте samples\/rules\/2017-Q1\.json или укажите --rules ФАЙЛ\.$/,
    );
  });
});

describe('errorLanguage', () => {
  it('reads --lang as the command gives it, English otherwise', () => {
    expect(errorLanguage(['payouts', '--lang', 'ru'])).toBe('ru');
    expect(errorLanguage(['payouts', '--lang=ru'])).toBe('ru');
    expect(errorLanguage(['payouts', '--lang', 'de'])).toBe('en');
    expect(errorLanguage(['payouts'])).toBe('en');
    expect(errorLanguage(['ingest', '--', '--lang', 'ru'])).toBe('en');
  });
});
