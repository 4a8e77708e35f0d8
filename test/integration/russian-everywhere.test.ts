/**
 * No English word on a Russian page (issue #15): the sample quarter on the local stack, then every
 * GET route a manager, finance or program user may call, asked with `Accept-Language: ru`, and every
 * string of every JSON answer walked for Latin words. A Latin word may stand only where the data
 * names it (IDs, names and model names of the data folder; IDs, codes and catalog names of the rules
 * file), as a technical proper name, or in a field whose value is an identifier or code by contract.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../functions/api/routes.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { commandUploader } from '../../shared/domain/render/uploader.js';
import { useTestApi, type Caller } from '../support/api-client.js';
import { useLocalRuntime } from '../support/runtime.js';
import { dataWords, WORD } from '../support/latin-words.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLES = join(ROOT, 'samples', 'data');
const Q1 = '2016-Q1';
/** The machine's user who ran the command: a name, as written. */
const USER = 'anna';

/**
 * Fields whose values are identifiers or codes, never words for a reader: IDs and keys (S3 keys and
 * bucket, a cursor), codes the dashboard words itself (status, kind, reason, role, basis, fix),
 * languages and checksums; `params`, the figures a sentence is written from (its words are in
 * `text`); and `target`, the audit entry's recorded English kept for older readers beside its
 * `targetText` (docs/api.md). Everything else, sentences above all, must be Russian.
 */
const IDENTIFIER_FIELDS = new Set([
  // identifiers and keys
  'id', 'partnerId', 'distributorId', 'reportId', 'key', 'bucket', 'rejectsKey', 'extractKey', 'sub',
  'approvalId', 'paymentId', 'entryId', 'source', 'requestId', 'nextCursor', 'cursor', 'version',
  'rulesVersion', 'objectVersionId', 'activeVersion', 'from', 'to', 'sha256', 'extractSha256', 'hash',
  'resultHash', 'inputsHash', 'revision', 'reference', 'region', 'regions',
  // who uploaded, as recorded (a name; the rebates command is worded in `byText`, `actorText`)
  'by',
  // codes
  'code', 'kind', 'status', 'reason', 'reasonCode', 'why', 'fix', 'planBasis', 'targetBasis', 'role',
  'outcome', 'program', 'rateRow', 'via', 'format', 'lang', 'targetLang', 'byLang', 'course',
  // the figures of a code, and the recorded English of an audit entry
  'params', 'target',
  // GET /names gives the names in both languages by contract: its `en` half is English on purpose
  'en',
]);

interface Finding {
  route: string;
  path: string;
  word: string;
  text: string;
}

/** Strings that are no words at all: instants, dates, quarters, URLs, e-mail addresses, hex. */
const NOT_TEXT = /^(\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?|\d{4}-Q[1-4]|https?:\/\/\S+|\S+@\S+|[0-9a-f]{16,})$/;

function walkJson(value: unknown, path: string, route: string, known: Set<string>, out: Finding[], field?: string): void {
  if (field && IDENTIFIER_FIELDS.has(field) && value && typeof value === 'object') return;
  if (Array.isArray(value)) value.forEach((v, i) => walkJson(v, `${path}[${i}]`, route, known, out, field));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) walkJson(v, `${path}.${k}`, route, known, out, k);
  else if (typeof value === 'string' && !(field && IDENTIFIER_FIELDS.has(field)) && !NOT_TEXT.test(value))
    // A path or key inside a sentence (incoming/kvant/…) is an identifier as written.
    for (const word of value.replace(/\S*\/\S*/g, ' ').match(WORD) ?? [])
      // Two-letter tokens (S3, HD, IN) are codes and sizes; words start at three letters.
      if (word.replace(/[^A-Za-z]/g, '').length >= 3 && !known.has(word) && !/\d/.test(word))
        out.push({ route, path, word, text: value.length > 160 ? `${value.slice(0, 160)}…` : value });
}

const env = useLocalRuntime();
const api = useTestApi(env);
let known: Set<string>;

beforeAll(async () => {
  known = await dataWords(SAMPLES, join(ROOT, 'samples', 'rules', `${Q1}.json`));
  known.add(USER);
  const folder = await loadDataFolder(SAMPLES);
  expect(folder.errors).toEqual([]);
  await importReference(env.rt.deps, folder.reference);
  // Uploaded as `rebates run` and `up` upload them: the uploader is the command, which has words of its own.
  for (const r of folder.reports)
    await env.rt.deps.uploads!.record({
      key: `incoming/${r.distributorId}/${r.name}`,
      by: commandUploader(USER),
      at: env.rt.deps.clock.now().toISOString(),
    });
  await env.uploadAll(
    await Promise.all(
      folder.reports.map(async (r) => ({ distributorId: r.distributorId, name: r.name, content: await readFile(r.path) })),
    ),
  );
  // An approval and the audit trail's entries to read: a close asked for by finance.
  const asked = await api.call('finance', 'POST', `/api/quarters/${Q1}/close`, {});
  expect(asked.status).toBeLessThan(300);
}, 240_000);

/** Routes that need a query to answer. */
const QUERY: Record<string, string> = { '/payments': `?quarter=${Q1}` };

async function getRu(who: Caller, path: string) {
  const res = await api.call(who, 'GET', `/api${path}`, undefined, undefined, { 'accept-language': 'ru' });
  const type = res.headers.get('content-type') ?? '';
  return { status: res.status, json: type.startsWith('application/json') ? (res.body as unknown) : null };
}

describe('every GET answer for a Russian reader', () => {
  it('has no English word outside identifiers, codes, names and model names', async () => {
    const partners = await getRu('central', `/quarters/${Q1}/partners`);
    const partnerId = (partners.json as { partners: { partnerId: string }[] }).partners[0]?.partnerId;
    expect(partnerId, 'a partner the manager of Central sees').toBeDefined();
    const reports = await getRu('finance', '/reports');
    const reportId = (reports.json as { reports: { reportId: string }[] }).reports[0]!.reportId;
    const fill = (path: string) =>
      path.replace('{q}', Q1).replace('{id}', encodeURIComponent(partnerId!)).replace('{reportId}', reportId);

    const findings: Finding[] = [];
    let walked = 0;
    const staff: Caller[] = ['finance', 'program', 'central'];
    const roleOf: Record<string, string> = { finance: 'finance', program: 'program', central: 'manager' };
    for (const route of ROUTES.filter((r) => r.method === 'GET'))
      for (const who of staff) {
        if (!(route.roles as readonly string[]).includes(roleOf[who]!)) continue;
        const path = fill(route.path) + (QUERY[route.path] ?? '');
        const answer = await getRu(who, path);
        expect(answer.status, `${who} GET ${path}`).toBe(200);
        if (answer.json === null) continue; // a file: the CSV export is a contract for scripts, the XLSX is tested apart
        walked++;
        walkJson(answer.json, '$', `${who} GET ${route.path}`, known, findings);
      }
    expect(walked).toBeGreaterThan(15);
    // The walk saw the command's words where an English phrase stood before.
    expect(JSON.stringify((await getRu('finance', '/reports')).json)).toContain('"byText":"команда rebates (пользователь anna)"');
    expect(JSON.stringify((await getRu('finance', '/audit')).json)).toContain('"actorText":"команда rebates (пользователь anna)"');
    // One line per English word and where it stands, so a failure says what to fix.
    const seen = new Set<string>();
    const report = findings
      .filter((f) => {
        const k = `${f.route} ${f.path.replace(/\[\d+\]/g, '[]')} ${f.word}`;
        return !seen.has(k) && (seen.add(k), true);
      })
      .map((f) => `${f.route} ${f.path}: "${f.word}" in ${JSON.stringify(f.text)}`);
    expect(report).toEqual([]);
  }, 240_000);
});
