/**
 * `rebates import --lang ru` refusing a data folder with bad rows (issue #15): the refusal and each
 * listed row are in Russian, naming only the files, columns and values in Latin letters; without
 * --lang the list is word for word the English one. Answered before any emulator starts.
 */
import { spawnSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../local/runtime.js';

const BIN = join(PROJECT_ROOT, 'bin', 'rebates.mjs');

let scratch: string;
let data: string;
let trainingLines: number;
let partnerLines: number;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-import-lang-'));
  data = join(scratch, 'data');
  await cp(join(PROJECT_ROOT, 'samples', 'data'), data, { recursive: true });
  const trainings = join(data, 'trainings.csv');
  const t = (await readFile(trainings, 'utf8')).trimEnd();
  trainingLines = t.split('\n').length;
  await writeFile(trainings, `${t}\nRU100123,DPWT0212WBTT,not-a-date\n`);
  const partners = join(data, 'partners.csv');
  const p = (await readFile(partners, 'utf8')).trimEnd();
  partnerLines = p.split('\n').length;
  const first = p.split('\n')[1]!;
  // The first partner again, its ID lower-cased: the same partner twice.
  const [id, ...rest] = first.split(',');
  await writeFile(partners, `${p}\n${[id!.toLowerCase(), ...rest].join(',')}\n`);
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

function rebates(...args: string[]) {
  return rebatesWithin(30_000, ...args);
}

function rebatesWithin(timeout: number, ...args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    timeout,
  });
  return { code: res.status, stderr: res.stderr };
}

/** Words of two or more Latin letters left once the folder's own names are taken out. */
function latinWords(text: string, allowed: readonly string[]): string[] {
  let rest = text;
  for (const a of [...allowed].sort((x, y) => y.length - x.length)) rest = rest.split(a).join(' ');
  return rest.match(/[A-Za-z]{2,}/g) ?? [];
}

describe('rebates import --lang ru', () => {
  it('lists a bad row and a repeated row in Russian, and in English without --lang', async () => {
    const state = join(scratch, 'state');
    const en = rebates('import', '--data', data, '--state', state);
    const ru = rebates('import', '--data', data, '--state', state, '--lang', 'ru');
    expect(en.code).toBe(1);
    expect(ru.code).toBe(1);
    const firstId = (await readFile(join(data, 'partners.csv'), 'utf8')).split('\n')[1]!.split(',')[0]!;
    const repeated = firstId.toLowerCase();

    const listed = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('  - '));
    expect(en.stderr).toContain('error: The reference data has 2 problem(s), so nothing was imported');
    expect(listed(en.stderr)).toEqual([
      `  - partners.csv:${partnerLines + 1}: partner_id "${repeated}" is already on line 2`,
      `  - trainings.csv:${trainingLines + 1}: completed_at "not-a-date" is not an ISO 8601 date and time; write it like 2016-03-01T10:00:00+03:00`,
    ]);

    expect(ru.stderr).toContain(
      'ошибка: В справочных данных 2 ошибки, поэтому ничего не импортировано: исправьте эти строки или запустите команду снова с --skip-invalid',
    );
    expect(listed(ru.stderr)).toEqual([
      `  - partners.csv:${partnerLines + 1}: partner_id «${repeated}» уже есть в строке 2`,
      `  - trainings.csv:${trainingLines + 1}: completed_at «not-a-date»: не дата и время в формате ISO 8601; запишите так: 2016-03-01T10:00:00+03:00`,
    ]);
    const allowed = [
      'partners.csv',
      'trainings.csv',
      'partner_id',
      'completed_at',
      'not-a-date',
      repeated,
      'ISO',
      '--skip-invalid',
    ];
    for (const line of ru.stderr.trimEnd().split('\n')) expect(latinWords(line, allowed), line).toEqual([]);
  });

  // Imports for real: each run starts the emulators on a state folder of its own.
  it('with --skip-invalid imports the good rows and lists the skipped ones in Russian, and in English without --lang', async () => {
    const en = rebatesWithin(240_000, 'import', '--data', data, '--state', join(scratch, 'state-skip-en'), '--skip-invalid');
    const ru = rebatesWithin(240_000, 'import', '--data', data, '--state', join(scratch, 'state-skip-ru'), '--skip-invalid', '--lang', 'ru');
    expect(en.code, en.stderr).toBe(0);
    expect(ru.code, ru.stderr).toBe(0);
    const repeated = (await readFile(join(data, 'partners.csv'), 'utf8')).split('\n')[1]!.split(',')[0]!.toLowerCase();
    const skipped = (stderr: string) => {
      const lines = stderr.split('\n');
      const at = lines.findIndex((l) => l.includes('(those rows were skipped)') || l.includes('(эти строки пропущены)'));
      expect(at, stderr).toBeGreaterThanOrEqual(0);
      return lines.slice(at, at + 3);
    };

    expect(skipped(en.stderr)).toEqual([
      '2 problem(s) in the reference data (those rows were skipped):',
      `  partners.csv:${partnerLines + 1}: partner_id "${repeated}" is already on line 2`,
      `  trainings.csv:${trainingLines + 1}: completed_at "not-a-date" is not an ISO 8601 date and time; write it like 2016-03-01T10:00:00+03:00`,
    ]);
    const ruSkipped = skipped(ru.stderr);
    expect(ruSkipped).toEqual([
      'В справочных данных 2 ошибки (эти строки пропущены):',
      `  partners.csv:${partnerLines + 1}: partner_id «${repeated}» уже есть в строке 2`,
      `  trainings.csv:${trainingLines + 1}: completed_at «not-a-date»: не дата и время в формате ISO 8601; запишите так: 2016-03-01T10:00:00+03:00`,
    ]);
    const allowed = ['partners.csv', 'trainings.csv', 'partner_id', 'completed_at', 'not-a-date', repeated, 'ISO'];
    for (const line of ruSkipped) expect(latinWords(line, allowed), line).toEqual([]);

    // The progress and summary lines follow --lang too; English stays as it was.
    expect(en.stderr).toMatch(/^computation: 4\/4 quarters in /m);
    expect(en.stderr).toMatch(/^imported \d+ partners, \d+ distributors, /m);
    expect(en.stderr).toMatch(/^requested the computation of \d+ quarter\(s\) \(2016-Q1, /m);
    expect(ru.stderr).toMatch(/^расчёт: 4\/4 квартала за /m);
    expect(ru.stderr).toMatch(/^импортировано: \d+ партн[её]р/m);
    expect(ru.stderr).toMatch(/^запрошен расчёт кварталов 2016-Q1, .*; отчёты заново не читались$/m);
    const quarters = [...new Set(ru.stderr.match(/\d{4}-Q\d/g) ?? [])];
    const names = [...allowed, ...quarters];
    for (const line of ru.stderr.trimEnd().split('\n')) expect(latinWords(line, names), line).toEqual([]);
  }, 600_000);
});
