/**
 * The commands that only read (payouts, export) and `token`: beside a running `up` they ask its API
 * and load nothing else, so they answer in well under a second. Only without `up` is the local
 * stack (cli.ts: the AWS SDK, the runtime, the emulators) loaded, to serve the API for the command.
 */
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Decimal } from 'decimal.js';
import { signDevToken } from '../shared/auth/dev-token.js';
import type { Role } from '../shared/auth/principal.js';
import { normalizePartnerId } from '../shared/domain/partner-id.js';
import { linesCsv, payoutLinesTable, type PartnerAnswer, type PayoutsAnswer } from './api-commands.js';
import { UsageError } from './cli-program.js';
import { DEFAULT_STATE, devTokenSecret } from './state-files.js';
import { ApiClient, findUp } from './up-client.js';
import { cliWords } from './cli-words.js';
import type { Lang } from '../shared/domain/render/format.js';

type Values = Record<string, string | string[] | boolean | undefined>;

const TOKEN_TTL_SECONDS = 12 * 60 * 60;

const log = (s = '') => process.stdout.write(`${s}\n`);

/** `--lang`: the language of explanations and summaries (English by default). */
export function requireLang(lang: unknown): 'en' | 'ru' {
  if (lang === undefined) return 'en';
  if (lang === 'en' || lang === 'ru') return lang;
  throw new UsageError('--lang is en or ru.', [], { key: 'lang-choice' });
}

export function requireQuarter(q: string | undefined): string {
  if (!q || !/^\d{4}-Q[1-4]$/.test(q)) throw new UsageError('Give the quarter as --quarter 2016-Q1.', [], { key: 'quarter-needed' });
  return q;
}

/** The API of the `up` serving the state folder, or else one the local stack serves for this command. */
async function withReadApi<T>(values: Values, role: Role, fn: (api: ApiClient) => Promise<T>): Promise<T> {
  const stateDir = resolve((values.state as string | undefined) ?? DEFAULT_STATE);
  const up = await findUp(stateDir);
  if (up) return fn(await ApiClient.signedIn(up.url, stateDir, role));
  return (await import('./cli.js')).withApi(values, role, fn);
}

export async function cmdToken(values: Values): Promise<number> {
  // zod comes with the claims' check: payouts and export do without it.
  const { principalFromClaims, ROLES } = await import('../shared/auth/principal.js');
  const role = values.role as string | undefined;
  if (!role || !(ROLES as readonly string[]).includes(role))
    throw new UsageError(`token needs --role ${ROLES.join('|')}.`, [], { key: 'token-role', params: { roles: ROLES } });
  const claims: Record<string, unknown> = {
    sub: (values.sub as string | undefined) ?? `local-${role}`,
    'cognito:groups': [role],
    ...(values.regions ? { 'custom:regions': values.regions } : {}),
    ...(values.distributor ? { 'custom:distributor': values.distributor } : {}),
  };
  // Caught here rather than at every request the token would be refused.
  if (role === 'manager' && !values.regions)
    throw new UsageError(
      'A manager token needs the territory: --regions R1,R2 (partner regions, e.g. Central,North-West).',
      [],
      { key: 'token-regions' },
    );
  if (role === 'distributor' && !values.distributor)
    throw new UsageError('A distributor token needs --distributor ID.', [], { key: 'token-distributor' });
  principalFromClaims(claims);
  const secret = await devTokenSecret(resolve((values.state as string | undefined) ?? DEFAULT_STATE));
  log(signDevToken(claims, secret, TOKEN_TTL_SECONDS));
  return 0;
}

export async function cmdPayouts(values: Values): Promise<number> {
  const quarter = requireQuarter(values.quarter as string | undefined);
  const format = (values.format as string | undefined) ?? 'table';
  if (!['table', 'json', 'csv'].includes(format))
    throw new UsageError('--format is one of table, json, csv.', [], {
      key: 'format-choice',
      params: { choices: ['table', 'json', 'csv'] },
    });
  const written = values.partner as string | undefined;
  // Matched as report lines are: --partner ru100103 is RU100103.
  const partner = written === undefined ? undefined : normalizePartnerId(written);
  if (partner === '')
    throw new UsageError('--partner needs a partner ID, e.g. --partner RU100103.', [], { key: 'partner-needed' });
  const lang = requireLang(values.lang);
  // Through the API, so the figures (and the JSON) are the API's whether or not "up" runs.
  const view = values.pendingCorrections ? '?view=pending-corrections' : '';
  return withReadApi(values, 'finance', async (api) => {
    api.language = lang;
    if (partner) {
      const answer = await api.json<PartnerAnswer>(
        'GET',
        `/quarters/${quarter}/partners/${encodeURIComponent(partner)}${view}`,
      );
      if (format === 'table') closedHeader(answer, lang);
      if (format === 'json') log(JSON.stringify(answer, null, 2));
      else if (format === 'csv') process.stdout.write(linesCsv(quarter, answer.lines, lang));
      else {
        for (const l of answer.lines)
          log(`${l.distributorId} ${l.program}/${l.rateRow}: ${cliWords(lang).money(new Decimal(l.amount))} — ${l.explanation.text}`);
        for (const p of answer.progress) log(cliWords(lang).tierProgress(p.summary));
        if (!answer.lines.length) log(cliWords(lang).noPayouts(answer.partner.id, quarter));
        adjustmentsList(answer, lang);
      }
      return 0;
    }
    const answer = await api.json<PayoutsAnswer>('GET', `/quarters/${quarter}/payouts${view}`);
    if (format === 'json') log(JSON.stringify(answer, null, 2));
    else if (format === 'csv') process.stdout.write(linesCsv(quarter, answer.lines, lang));
    else {
      closedHeader(answer, lang);
      log(payoutLinesTable(answer.lines, lang));
      adjustmentsList(answer, lang);
    }
    return 0;
  });
}

/** A closed quarter says so before its figures, and which figures they are. */
function closedHeader(a: PayoutsAnswer | PartnerAnswer, lang: Lang): void {
  if (a.status !== 'closed' || !a.closed) return;
  const c = a.closed;
  const say = cliWords(lang);
  log(say.closedQuarter(a.quarter, c.at, c.by, c.sha256, say.money(new Decimal(c.total))));
  log(a.view === 'pending-corrections' ? say.shownLive : say.shownFrozen);
}

function adjustmentsList(a: PayoutsAnswer | PartnerAnswer, lang: Lang): void {
  if (!a.adjustments?.length) return;
  const say = cliWords(lang);
  log(`\n${say.adjustmentsHeading(a.quarter)}`);
  for (const l of a.adjustments)
    log(
      `${l.partnerId} ${l.distributorId} ${l.program}/${l.rateRow}: ${say.money(new Decimal(l.amount))} ` +
        `${say.booked(l.frozen, l.bookedIn)} — ${l.explanation.text}`,
    );
}

export async function cmdExport(values: Values): Promise<number> {
  const quarter = requireQuarter(values.quarter as string | undefined);
  const format = (values.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'xlsx') throw new UsageError('--format is csv or xlsx for export.', [], {
      key: 'format-choice',
      params: { choices: ['csv', 'xlsx'] },
    });
  const lang = requireLang(values.lang);
  return withReadApi(values, 'finance', async (api) => {
    // The API words the causes in the language asked for, as it does for `payouts --lang`.
    api.language = lang;
    const file = await api.file(`/quarters/${quarter}/export?format=${format}`);
    const outDir = resolve((values.out as string | undefined) ?? 'out');
    const path = join(outDir, file.fileName);
    await mkdir(outDir, { recursive: true });
    await writeFile(path, file.body);
    const rows = format === 'csv' ? file.body.toString('utf8').split('\n').filter(Boolean).length - 1 : 0;
    const sha256 = createHash('sha256').update(file.body).digest('hex');
    log(cliWords(lang).exportWrote(path, format === 'csv' ? rows : null, sha256));
    // One truth after close (issue #14): say which figures the file holds. The list of quarters is
    // cheap; the closed quarter's mark and corrections come with its payouts (one line is enough).
    const { quarters } = await api.json<{ quarters: { quarter: string; status: string }[] }>('GET', '/quarters');
    if (quarters.find((q) => q.quarter === quarter)?.status === 'closed')
      closedExportNote(await api.json<PayoutsAnswer>('GET', `/quarters/${quarter}/payouts?limit=1`), format, lang);
    return 0;
  });
}

/** A closed quarter's export holds its frozen figures; the corrections since are elsewhere, and said so. */
function closedExportNote(a: PayoutsAnswer, format: 'csv' | 'xlsx', lang: Lang): void {
  if (a.status !== 'closed' || !a.closed) return;
  const c = a.closed;
  const say = cliWords(lang);
  log(
    say.closedExport({
      quarter: a.quarter,
      at: c.at,
      by: c.by,
      total: say.money(new Decimal(c.total)),
      sha256: c.sha256,
      csv: format === 'csv',
    }),
  );
  const n = a.adjustments?.length ?? 0;
  if (!n) return;
  log(
    say.correctionsApart({
      quarter: a.quarter,
      lines: n,
      total: say.money(new Decimal(a.adjustmentsTotal ?? '0')),
      xlsx: format === 'xlsx',
    }),
  );
}
