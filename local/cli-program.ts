/**
 * The `rebates` command line: commands, options, help and exit codes (commander). The work itself
 * is in cli.ts, loaded only once a command runs, so help and usage mistakes answer at once.
 * Everything a user can get wrong (options, files, quarters) is checked here, before any emulator
 * starts.
 */
import './env-defaults.js';
import { readFileSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { InputValidationError, toUserError, type ErrorParams } from '../shared/errors.js';
import type { Lang } from '../shared/domain/render/format.js';
import { phases } from './timings.js';

/** Exit codes, as the README documents them. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

const QUARTER_FORMAT = /^\d{4}-Q[1-4]$/;
const PROJECT_ROOT = resolve(new URL('..', import.meta.url).pathname);
const VERSION = (JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string })
  .version;

/** A mistake in how the command was called: exit 2. */
export class UsageError extends InputValidationError {
  override readonly code = 'usage';
}

/** A file or folder named on the command line that is not there: exit 1, the fix named. */
export class MissingPathError extends InputValidationError {
  override readonly code = 'missing-path';
}

type Values = Record<string, string | string[] | boolean | undefined>;

const EXIT_CODES = `
Exit codes: 0 done, 1 failed (a plain message says why), 2 the command was called wrongly.`;

const STATE_HELP =
  'state folder (default .state/ in the project); when "rebates up" runs on it, the command talks to it';

const collect = (value: string, previous: string[] = []) => [...previous, value];

async function requirePath(path: string, kind: 'file' | 'folder', what: string): Promise<void> {
  const found = await stat(resolve(path)).catch(() => null);
  if (!found)
    throw new MissingPathError(`There is no ${kind} ${path}; check the path given to ${what}.`, [], {
      key: 'missing-path',
      params: { kind, path, what },
    });
  if (kind === 'folder' && !found.isDirectory())
    throw new MissingPathError(`${path} is a file, but ${what} takes a folder.`, [], {
      key: 'path-is-file',
      params: { path, what },
    });
  if (kind === 'file' && !found.isFile())
    throw new MissingPathError(`${path} is a folder, but ${what} takes a file.`, [], {
      key: 'path-is-folder',
      params: { path, what },
    });
}

/** The quarters that have rules: the samples' files plus those given with --rules. */
async function quartersWithRules(rulesFiles: string[]): Promise<string[]> {
  const { readdir } = await import('node:fs/promises');
  const dir = resolve(PROJECT_ROOT, 'samples', 'rules');
  const quarters = new Set(
    (await readdir(dir)).filter((f) => /^\d{4}-Q[1-4]\.json$/.test(f)).map((f) => f.replace(/\.json$/, '')),
  );
  for (const f of rulesFiles) {
    try {
      const q = (JSON.parse(await readFile(resolve(f), 'utf8')) as { quarter?: unknown }).quarter;
      if (typeof q === 'string') quarters.add(q);
    } catch {
      // the rules loader reports a bad file in full, with every field named
    }
  }
  return [...quarters].sort();
}

/** verify and migrate read the database files themselves, so they need the folder to themselves. */
async function refuseBesideUp(values: Values, command: string): Promise<void> {
  const { findUp } = await import('./up-client.js');
  const stateDir = resolve((values.state as string | undefined) ?? resolve(PROJECT_ROOT, '.state'));
  if (await findUp(stateDir))
    throw new InputValidationError(
      `"rebates up" is serving ${stateDir}, and ${command} needs the state folder to itself: stop "up" (Ctrl-C) and run ${command} again.`,
      [],
      { key: 'up-serving', params: { state: stateDir, command } },
    );
}

/** Checks every option and file a command was given, in the order a user reads them. */
async function preflight(values: Values, files: { path: string; what: string; kind: 'file' | 'folder' }[]) {
  const rules = (values.rules as string[] | undefined) ?? [];
  for (const f of rules) await requirePath(f, 'file', '--rules');
  for (const f of files) await requirePath(f.path, f.kind, f.what);
  const quarter = values.quarter as string | undefined;
  if (quarter !== undefined) {
    if (!QUARTER_FORMAT.test(quarter))
      throw new UsageError(`"${quarter}" is not a quarter; give it as --quarter 2016-Q1.`, [], {
        key: 'quarter-format',
        params: { quarter },
      });
    const known = await quartersWithRules(rules);
    if (!known.includes(quarter))
      throw new InputValidationError(
        `There are no rules for ${quarter} (quarters with rules: ${known.join(', ')}); add samples/rules/${quarter}.json or pass --rules FILE.`,
        [],
        { key: 'rules-missing', params: { quarter, known } },
      );
  }
}

function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n${EXIT_CODES}`;
}

/** The program; `result.code` holds the exit code of the command that ran. */
export function buildProgram(result: { code: number }): Command {
  const program = new Command('rebates')
    .description('The rebate pipeline on an embedded local AWS stack (DynamoDB Local, s3rver).')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (also: rebates help <command>)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      // Commander's own error line is replaced by ours (one "error:" line, the same for every mistake).
      outputError: () => undefined,
    })
    .addHelpText(
      'after',
      examples([
        'rebates run --data samples/data --quarter 2016-Q1 --out out',
        'rebates up --data samples/data',
        'rebates payouts --quarter 2016-Q1',
      ]),
    );

  const cli = () => import('./cli.js');
  // payouts, export and token load the local stack only when no "up" serves the state folder.
  const reading = () => import('./read-commands.js');
  const state = () => new Option('--state <dir>', STATE_HELP);
  const rules = () => new Option('--rules <file>', 'a rules file to put in force (repeatable)').argParser(collect);
  const quarter = () => new Option('--quarter <quarter>', 'the quarter, e.g. 2016-Q1').makeOptionMandatory();
  const lang = () =>
    new Option('--lang <lang>', 'the language of explanations and tier progress').choices(['en', 'ru']).default('en');
  // Commands that print no explanations still say their errors in the language asked for.
  const messageLang = () =>
    new Option('--lang <lang>', 'the language of error messages').choices(['en', 'ru']).default('en');
  const run = (fn: () => Promise<number>) => async () => {
    result.code = await fn();
  };

  program
    .command('run')
    .summary('the whole pipeline on a data folder, on a temporary stack')
    .description(
      'Start a temporary stack, import the data folder\'s reference data, upload every report through S3 as in AWS, wait for the pipeline, write payouts-<quarter>.csv and the rejects files to --out, and print a summary.',
    )
    .requiredOption('--data <dir>', 'the data folder (partners.csv, …, reports/<distributor>/…)')
    .addOption(quarter())
    .requiredOption('--out <dir>', 'where the export and the rejects files go')
    .addOption(rules())
    .addOption(lang())
    .option('--timings', 'after the summary, print how long each phase took (on stderr)')
    .addHelpText('after', examples(['rebates run --data samples/data --quarter 2016-Q1 --out out']))
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, [{ path: v.data as string, what: '--data', kind: 'folder' }]);
        if (v.timings) phases.enable();
        // The JVM starts while the code loads and the data folder is read (early-start.ts).
        await (await import('./early-start.js')).startDynamoLocalEarly();
        return (await phases.time("load the command's code", cli)).cmdRun(v);
      })();
    });

  program
    .command('up')
    .summary('a long-running local stack with the HTTP API and the dashboard')
    .description(
      'Start a local stack on a persistent state folder, optionally load a data folder, and serve the HTTP API at http://127.0.0.1:<port>/api/ and the dashboard at http://127.0.0.1:<port>/. Prints the endpoints and "ready"; stops on Ctrl-C. While it runs, the other commands on the same state folder talk to it.',
    )
    .option('--data <dir>', 'a data folder to load first')
    .addOption(state())
    .addOption(messageLang())
    .addOption(rules())
    .option('--port <n>', 'the port (0 picks a free one)', '8787')
    .addHelpText('after', examples(['rebates up --data samples/data', 'rebates up --state /tmp/rebates --port 0']))
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, v.data ? [{ path: v.data as string, what: '--data', kind: 'folder' }] : []);
        return (await cli()).cmdUp(v);
      })();
    });

  program
    .command('token')
    .summary('print a bearer token for the API of "up" (valid 12 hours)')
    .addOption(
      new Option('--role <role>', 'the role').choices(['finance', 'program', 'manager', 'distributor']).makeOptionMandatory(),
    )
    .option('--regions <list>', 'manager: partner regions, e.g. Central,North-West')
    .option('--distributor <id>', 'distributor: its ID')
    .option('--sub <name>', 'the user name in the token')
    .addOption(state())
    .addOption(messageLang())
    .addHelpText(
      'after',
      examples(['rebates token --role finance', 'rebates token --role manager --regions Central,North-West']),
    )
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => (await reading()).cmdToken(v))();
    });

  program
    .command('import')
    .summary("import a data folder's reference data (and recompute its quarters)")
    .description(
      "Import a data folder's partners, distributors, acceptances, trainings and catalog. A folder with bad rows is refused whole, every bad row listed, unless --skip-invalid.",
    )
    .requiredOption('--data <dir>', 'the data folder')
    .option('--skip-invalid', 'import the good rows and list the bad ones')
    .addOption(state())
    .addOption(messageLang())
    .addOption(rules())
    .addHelpText(
      'after',
      examples(['rebates import --data samples/data', 'rebates import --data new-partners --skip-invalid']),
    )
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, [{ path: v.data as string, what: '--data', kind: 'folder' }]);
        return (await cli()).cmdImport(v);
      })();
    });

  program
    .command('ingest')
    .summary('upload one report and wait for its result')
    .argument('<file>', 'the report (.csv or .csv.gz)')
    .requiredOption('--distributor <id>', "the distributor whose report it is (its upload folder)")
    .addOption(state())
    .addOption(messageLang())
    .addHelpText('after', examples(['rebates ingest q1-merlion.csv --distributor D-MERL']))
    .action(function (this: Command, file: string) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, [{ path: file, what: 'ingest', kind: 'file' }]);
        return (await cli()).cmdIngest([file], v);
      })();
    });

  program
    .command('payouts')
    .summary("a quarter's payouts, per partner, or one partner's lines with their explanations")
    .addOption(quarter())
    .option('--partner <id>', "one partner's lines, explanations and tier progress")
    .option('--pending-corrections', "of a closed quarter: the live recalculation instead of the frozen figures")
    .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .addOption(lang())
    .addOption(state())
    .addHelpText(
      'after',
      examples([
        'rebates payouts --quarter 2016-Q1',
        'rebates payouts --quarter 2016-Q1 --partner RU100103',
        'rebates payouts --quarter 2016-Q1 --partner RU100103 --lang ru   # explanations in Russian',
        'rebates payouts --quarter 2016-Q1 --pending-corrections   # a closed quarter, recalculated',
        'rebates payouts --quarter 2016-Q1 --format json   # the API\'s JSON: money as "103488.00"',
      ]),
    )
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, []);
        return (await reading()).cmdPayouts(v);
      })();
    });

  program
    .command('export')
    .summary('write the finance export payouts-<quarter>.csv (or .xlsx)')
    .addOption(quarter())
    .option('--out <dir>', 'where the file goes', 'out')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'xlsx']).default('csv'))
    .addOption(state())
    .addOption(
      new Option('--lang <lang>', "the language of the adjustments' causes and explanations, and of error messages")
        .choices(['en', 'ru'])
        .default('en'),
    )
    .addHelpText(
      'after',
      examples(['rebates export --quarter 2016-Q1 --format xlsx --out out', 'rebates export --quarter 2016-Q2 --lang ru']),
    )
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, []);
        return (await reading()).cmdExport(v);
      })();
    });

  program
    .command('verify')
    .summary('recompute a quarter from the raw reports and compare with what is stored')
    .addOption(quarter())
    .addOption(state())
    .addOption(messageLang())
    .addHelpText('after', examples(['rebates verify --quarter 2016-Q1']))
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await preflight(v, []);
        await refuseBesideUp(v, 'verify');
        return (await cli()).cmdVerify(v);
      })();
    });

  program
    .command('migrate')
    .summary('rewrite data stored by earlier versions into today\'s form (safe to run again)')
    .addOption(state())
    .addOption(messageLang())
    .addHelpText('after', examples(['rebates migrate --state .state']))
    .action(function (this: Command) {
      const v = this.opts<Values>();
      return run(async () => {
        await refuseBesideUp(v, 'migrate');
        return (await cli()).cmdMigrate(v);
      })();
    });

  return program;
}

/**
 * Runs the command line; resolves to the exit code. Usage mistakes throw a UsageError (exit 2),
 * everything else as the command throws it.
 */
export async function main(argv: string[]): Promise<number> {
  const result = { code: EXIT.ok };
  const program = buildProgram(result);
  if (!argv.length) {
    process.stderr.write(program.helpInformation());
    throw new UsageError('Give a command, e.g. "rebates run --help".', [], { key: 'no-command' });
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // --help and --version end the parse with exit code 0.
    if (err.exitCode === 0) return EXIT.ok;
    const message = err.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' ');
    throw new UsageError(`${message[0]!.toUpperCase()}${message.slice(1)}`, [], {
      cause: err,
      key: 'commander',
      params: commanderParams(err),
    });
  }
  return result.code;
}

/** The pieces of commander's English message another language needs: quoted names, hint, choices. */
function commanderParams(err: CommanderError): ErrorParams {
  const quoted = [...err.message.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  const suggestion = /Did you mean (.+?)\?/.exec(err.message)?.[1] ?? null;
  const choices = /Allowed choices are (.+?)\.?$/m.exec(err.message)?.[1] ?? null;
  return { kind: err.code, quoted, suggestion, choices };
}

/**
 * The language errors are printed in: the command's `--lang` (English by default, as for its
 * explanations), read from the arguments themselves since the mistake may be in parsing them.
 */
export function errorLanguage(argv: readonly string[]): Lang {
  let lang: Lang = 'en';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const value = a === '--lang' ? argv[i + 1] : a.startsWith('--lang=') ? a.slice('--lang='.length) : undefined;
    if (value === 'en' || value === 'ru') lang = value;
  }
  return lang;
}

/** The process's side: messages on stderr, no stack trace for anything a user can fix. */
export async function runCli(argv: string[]): Promise<never> {
  let code: number;
  try {
    code = await main(argv);
  } catch (err) {
    const lang = errorLanguage(argv);
    const u = toUserError(err, lang);
    process.stderr.write(`${lang === 'ru' ? 'ошибка' : 'error'}: ${u.message}\n`);
    for (const i of u.issues ?? []) process.stderr.write(`  - ${i}\n`);
    if (u.code === 'usage')
      process.stderr.write(
        lang === 'ru'
          ? 'Параметры описаны в «rebates help» и «rebates <команда> --help».\n'
          : 'Run "rebates help" or "rebates <command> --help" for the options.\n',
      );
    if (u.code === 'internal') console.error(err);
    code = u.code === 'usage' ? EXIT.usage : EXIT.failure;
  }
  process.exit(code);
}
