/**
 * No English word in the CLI's Russian (issue #15): on a state folder with the sample quarter
 * computed and closed, the reading commands run with `--lang ru`, and every line they print, on
 * stdout and stderr, is walked for Latin words. A Latin word may stand only where the input names it
 * (support/latin-words.ts), as what was typed on the command line (paths, options, commands), or as
 * a checksum, a quarter or the user who closed the quarter. `run --lang ru` has its own test
 * (test/cli/run-language.test.ts).
 */
import '../../local/env-defaults.js';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { PROJECT_ROOT } from '../../local/runtime.js';
import type { QuarterSnapshot } from '../../shared/pipeline/quarters.js';
import { closedSampleState, SAMPLES } from '../support/closed-quarter.js';
import { dataWords, WORD } from '../support/latin-words.js';

const Q1 = '2016-Q1';
let scratch: string;
let state: string;
let snapshot: QuarterSnapshot;
let known: Set<string>;
const savedEnv = { ...process.env };

/** Runs the CLI in this process and collects what it prints on stdout and stderr. */
async function cli(args: string[]): Promise<{ code: number; out: string }> {
  let out = '';
  const spies = [
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((out += String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((out += String(chunk)), true)),
  ];
  try {
    return { code: await main(args), out };
  } finally {
    for (const s of spies) s.mockRestore();
  }
}

beforeAll(async () => {
  ({ scratch, state, snapshot } = await closedSampleState('rebates-cli-ru-', Q1));
  known = await dataWords(SAMPLES, join(PROJECT_ROOT, 'samples', 'rules', `${Q1}.json`));
}, 180_000);

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
  for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
  Object.assign(process.env, savedEnv);
});

/** The English words of `out`, once each, after what the command line and the state name are taken out. */
function englishWords(out: string, typed: string[]): string[] {
  let rest = out;
  for (const t of [...typed, scratch, snapshot.sha256, 'fin-1'].sort((a, b) => b.length - a.length)) rest = rest.split(t).join(' ');
  // Paths and keys (out/…, incoming/…) are identifiers as written; an option is what a user types.
  rest = rest.replace(/\S*\/\S*/g, ' ').replace(/\b[0-9a-f]{64}\b/g, ' ').replace(/--[a-z][a-z-]*/g, ' ');
  const words = (rest.match(WORD) ?? []).filter((w) => w.replace(/[^A-Za-z]/g, '').length >= 3 && !/\d/.test(w) && !known.has(w));
  return [...new Set(words)];
}

describe('the reading commands with --lang ru', () => {
  it('print no English word: payouts, payouts of a partner, verify, export as CSV and XLSX', async () => {
    const json = JSON.parse((await cli(['payouts', '--quarter', Q1, '--format', 'json', '--state', state])).out) as {
      lines: { partnerId: string; paidUnits: number; units: number }[];
    };
    // A partner with a line that pays less than its units: its explanations have the most to say.
    const partner = (json.lines.find((l) => l.paidUnits < l.units) ?? json.lines[0]!).partnerId;
    const runs = [
      ['payouts', '--quarter', Q1, '--state', state, '--lang', 'ru'],
      ['payouts', '--quarter', Q1, '--partner', partner, '--state', state, '--lang', 'ru'],
      ['payouts', '--quarter', Q1, '--pending-corrections', '--state', state, '--lang', 'ru'],
      ['verify', '--quarter', Q1, '--state', state, '--lang', 'ru'],
      ['export', '--quarter', Q1, '--out', join(scratch, 'out-ru'), '--state', state, '--lang', 'ru'],
      ['export', '--quarter', Q1, '--format', 'xlsx', '--out', join(scratch, 'out-ru-x'), '--state', state, '--lang', 'ru'],
    ];
    const found: string[] = [];
    for (const args of runs) {
      const { code, out } = await cli(args);
      expect(code, `${args.join(' ')}\n${out}`).toBe(0);
      expect(out, args.join(' ')).toMatch(/[А-Яа-яЁё]{3,}/);
      for (const w of englishWords(out, args)) found.push(`${args.slice(0, 3).join(' ')}: "${w}" in ${out.split('\n').find((l) => l.includes(w))}`);
    }
    expect(found).toEqual([]);
  }, 240_000);
});
