/**
 * The HTTP API end to end: the local server (dev-token check, HTTP API v2 event) in front of the
 * same handler the Lambda runs, on the real emulators, over real HTTP. One stack for the file;
 * tests run in order and the later ones (reference edits, catalog, close) build on the earlier.
 *
 * 2016-Q1 client program: plan 50, vostro-3xxx pays 154 RUB, mainstream 539 RUB per unit.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokenSecret, startApiServer, type ApiServer } from '../../local/api-server.js';
import { callApi } from '../support/api-client.js';
import { settledApproval } from '../support/approvals.js';
import { signDevToken } from '../../shared/auth/dev-token.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { presignedUrlIsValid } from '../api/sigv4.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const CABLE = 'Кабель HDMI 2 м'; // unclassified until the catalog maps its SKU

const env = useLocalRuntime();
let api: ApiServer;
let secret: Buffer;
let scratch: string;

const tokens = {
  finance: { sub: 'fin-1', 'cognito:groups': ['finance'] },
  finance2: { sub: 'fin-2', 'cognito:groups': ['finance'] },
  program: { sub: 'prog-1', 'cognito:groups': ['program'] },
  central: { sub: 'mgr-1', 'cognito:groups': ['manager'], 'custom:regions': 'Central' },
  alfa: { sub: 'dist-alfa', 'cognito:groups': ['distributor'], 'custom:distributor': 'alfa' },
  beta: { sub: 'dist-beta', 'cognito:groups': ['distributor'], 'custom:distributor': 'beta' },
};
type Who = keyof typeof tokens;

/** A call as one of `tokens`, or anonymous (null). */
const call = (who: Who | null, method: string, path: string, body?: unknown, contentType?: string) =>
  callApi(api.url, who ? signDevToken(tokens[who], secret, 600) : null, method, path, body, contentType);

/** The answer to a reference edit: saved, and every quarter with rules is computed again from the queue. */
const accepted = (written: number) => ({
  written,
  computationsRequested: ['2016-Q1', '2016-Q2', '2016-Q3', '2016-Q4'],
  note: expect.stringMatching(/^Saved\. The payouts of 2016-Q1, 2016-Q2, 2016-Q3, 2016-Q4 are being recomputed/),
});

const sale = salesOf(VOSTRO);

/** Everything stored: every table item and every object key. */
async function storedState(): Promise<string> {
  const { stack, deps } = env.rt;
  const res = await stack.clients.doc.send(
    new ScanCommand({ TableName: stack.tableName, ConsistentRead: true }),
  );
  const items = (res.Items ?? []).map((i) => JSON.stringify(i)).sort();
  const objects = (await deps.objects.list('')).sort();
  return JSON.stringify({ items, objects });
}

/** Resolves once s3rver has announced the object (as the runtime's own upload helper does). */
function objectCreated(key: string): Promise<void> {
  return new Promise((resolve) => {
    const off = env.rt.stack.onObjectCreated((record) => {
      if (decodeURIComponent(record.s3.object.key.replace(/\+/g, ' ')) === key) {
        off();
        resolve();
      }
    });
  });
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-api-'));
  const web = join(scratch, 'web');
  await mkdir(join(web, 'js'), { recursive: true });
  await writeFile(join(web, 'index.html'), '<!doctype html><title>dashboard</title>');
  await writeFile(join(web, 'js', 'app.js'), 'console.log(1);');
  await writeFile(join(scratch, 'secret.txt'), 'outside web/');
  api = await startApiServer({ port: 0, deps: env.rt.deps, stateDir: join(scratch, 'state'), webDir: web });
  secret = await devTokenSecret(join(scratch, 'state'));

  await env.importReference({
    partners: [
      { id: 'RU900101', name: 'ООО «Тест Центр»', region: 'Central' },
      { id: 'RU900102', name: 'ООО «Второй Центр»', region: 'Central' },
      { id: 'RU900103', name: 'ООО «Волга Тест»', region: 'Volga' },
    ],
    distributors: ['alfa', 'beta'],
    acceptances: ['RU900101', 'RU900102', 'RU900103'].map((partnerId) => ({ partnerId, program: 'client' })),
  });
  await env.uploadAll([
    {
      distributorId: 'alfa',
      name: 'feb.csv',
      content: renderReport([
        sale({ invoice: 'A-1', partnerId: 'RU900101', qty: 60 }),
        sale({ invoice: 'A-2', partnerId: 'RU900103', qty: 70 }),
        sale({ invoice: 'A-3', partnerId: 'RU900101', description: CABLE, sku: 'CBL-HDMI-2', qty: 5 }),
        sale({ invoice: 'A-4', partnerId: 'RU900103', description: CABLE, sku: 'CBL-HDMI-2', qty: 2 }),
        sale({ invoice: 'A-5', partnerId: 'RU900101', qty: '12,5' }), // the file's own reject
      ]),
    },
    {
      distributorId: 'beta',
      name: 'feb.csv',
      content: renderReport([
        sale({ invoice: 'B-1', partnerId: 'RU900102', qty: 55 }),
        sale({ invoice: 'B-2', partnerId: 'RU900102', description: CABLE, sku: 'CBL-HDMI-2', qty: 3 }),
      ]),
    },
  ]);
});

afterAll(async () => {
  await api?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('authentication', () => {
  it('answers 401 without a token, with a forged one and with one of another state folder', async () => {
    expect(await call(null, 'GET', '/api/me')).toMatchObject({
      status: 401,
      body: { error: { code: 'unauthorized' } },
    });

    const good = signDevToken(tokens.central, secret, 600);
    const [h, , s] = good.split('.');
    const forgedPayload = Buffer.from(
      JSON.stringify({ ...tokens.finance, iss: 'rebates-local', exp: 2e9 }),
    ).toString('base64url');
    const other = signDevToken(tokens.finance, Buffer.alloc(32, 1), 600);
    for (const token of [`${h}.${forgedPayload}.${s}`, other, 'not-a-token']) {
      const res = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    }
  });

  it('tells each caller who they are', async () => {
    expect((await call('central', 'GET', '/api/me')).body).toEqual({
      sub: 'mgr-1',
      role: 'manager',
      regions: ['Central'],
    });
    expect((await call('alfa', 'GET', '/api/me')).body).toEqual({
      sub: 'dist-alfa',
      role: 'distributor',
      distributorId: 'alfa',
    });
    expect((await call('finance', 'GET', '/api/me')).body).toEqual({ sub: 'fin-1', role: 'finance' });
  });

  it('answers 404 for an unknown path and 405 for a wrong method, in the error shape', async () => {
    expect(await call('finance', 'GET', '/api/nothing')).toMatchObject({
      status: 404,
      body: { error: { code: 'not-found' } },
    });
    const res = await call('finance', 'DELETE', '/api/quarters');
    expect(res).toMatchObject({ status: 405, body: { error: { code: 'method-not-allowed' } } });
    expect(res.headers.get('allow')).toBe('GET');
  });
});

describe('quarters and payouts', () => {
  it('lists the quarters with rules, all open', async () => {
    const res = await call('program', 'GET', '/api/quarters');
    expect(res.status).toBe(200);
    expect(res.body.quarters.map((q: { quarter: string; status: string }) => [q.quarter, q.status])).toEqual([
      ['2016-Q1', 'open'],
      ['2016-Q2', 'open'],
      ['2016-Q3', 'open'],
      ['2016-Q4', 'open'],
    ]);
    const q1 = env.rt.rules.find((r) => r.quarter === Q1)!;
    expect(res.body.quarters[0]).toMatchObject({
      firstDay: q1.firstDay,
      lastDay: q1.lastDay,
      rulesVersion: q1.version,
    });
    expect((await call('alfa', 'GET', '/api/quarters')).status).toBe(403);
  });

  it('gives finance every line, amounts as strings with the partner name and region', async () => {
    const res = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ quarter: Q1, status: 'open', total: '28490.00' });
    const lines = res.body.lines as { partnerId: string; amount: string }[];
    expect(lines.map((l) => [l.partnerId, l.amount]).sort()).toEqual([
      ['RU900101', '9240.00'],
      ['RU900102', '8470.00'],
      ['RU900103', '10780.00'],
    ]);
    expect(lines.find((l) => l.partnerId === 'RU900101')).toMatchObject({
      distributorId: 'alfa',
      program: 'client',
      rateRow: 'vostro-3xxx',
      units: 60,
      paidUnits: 60,
      rate: '154.00',
      partnerName: 'ООО «Тест Центр»',
      region: 'Central',
    });
    expect(lines.some((l) => 'adjustment' in l)).toBe(false);
  });

  it('filters by distributor, program and region', async () => {
    const beta = await call('program', 'GET', `/api/quarters/${Q1}/payouts?distributor=beta`);
    expect(beta.body.lines.map((l: { partnerId: string }) => l.partnerId)).toEqual(['RU900102']);
    expect(beta.body.total).toBe('8470.00');
    const volga = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?region=Volga&program=client`);
    expect(volga.body.lines.map((l: { partnerId: string }) => l.partnerId)).toEqual(['RU900103']);
  });

  it("filters a partner manager's list to the territory and refuses a partner or region outside it", async () => {
    const list = await call('central', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(list.status).toBe(200);
    expect(new Set(list.body.lines.map((l: { partnerId: string }) => l.partnerId))).toEqual(
      new Set(['RU900101', 'RU900102']),
    );
    expect(list.body.total).toBe('17710.00');

    // Outside the territory reads exactly as a partner that does not exist.
    const outside = await call('central', 'GET', `/api/quarters/${Q1}/payouts?partner=RU900103`);
    expect(outside).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(outside.body.error.message).toMatch(/RU900103/);
    expect(JSON.stringify(outside.body)).not.toMatch(/10780|Volga/);
    expect((await call('central', 'GET', `/api/quarters/${Q1}/payouts?region=Volga`)).status).toBe(403);
  });

  it('refuses payouts to a distributor', async () => {
    expect(await call('alfa', 'GET', `/api/quarters/${Q1}/payouts`)).toMatchObject({
      status: 403,
      body: { error: { code: 'forbidden' } },
    });
  });

  it('answers 400 for a malformed quarter and 404 for a quarter without rules', async () => {
    expect((await call('finance', 'GET', '/api/quarters/2016-Q5/payouts')).status).toBe(400);
    expect((await call('finance', 'GET', '/api/quarters/2017-Q1/payouts')).status).toBe(404);
  });

  it('shows a partner of the territory with lines, progress and points; 404 outside, as unknown', async () => {
    const res = await call('central', 'GET', `/api/quarters/${Q1}/partners/ru900101`);
    expect(res.status).toBe(200);
    expect(res.body.partner).toEqual({
      id: 'RU900101',
      name: 'ООО «Тест Центр»',
      status: 'Registered',
      region: 'Central',
    });
    expect(res.body.total).toBe('9240.00');
    expect(res.body.lines).toHaveLength(1);
    expect(res.body.lines[0].explanation.text).toMatch(/Plan 50 applies/);
    expect(res.body.progress).toEqual([
      expect.objectContaining({ program: 'client', units: 60, appliedPlan: 50 }),
    ]);
    // Open quarter: the points of its 60 paid units wait in the payout, none is in the ledger yet.
    const rate = env.rt.rules.find((r) => r.quarter === Q1)!.file.points.pointsPerUnit['client/vostro-3xxx']!;
    expect(res.body.points.pending).toEqual([expect.objectContaining({ points: 60 * rate })]);
    expect(res.body.points.balance).toBe(
      res.body.points.entries.reduce((s: number, e: { points: number }) => s + e.points, 0),
    );

    const outside = await call('central', 'GET', `/api/quarters/${Q1}/partners/RU900103`);
    const unknown = await call('central', 'GET', `/api/quarters/${Q1}/partners/RU999999`);
    expect(outside.status).toBe(404);
    expect(outside.body.error.message).not.toMatch(/Volga/);
    expect(outside.body).not.toHaveProperty('lines');
    expect(outside.body.error.message.replace('RU900103', 'RU999999')).toBe(unknown.body.error.message);
    expect(unknown.status).toBe(404);
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU999999`)).status).toBe(404);
    expect((await call('beta', 'GET', `/api/quarters/${Q1}/partners/RU900102`)).status).toBe(403);
  });
});

describe('reports', () => {
  const alfaFeb = reportIdOf('incoming/alfa/feb.csv');
  const betaFeb = reportIdOf('incoming/beta/feb.csv');

  it("lists only a distributor's own reports and refuses another distributor's list", async () => {
    const own = await call('alfa', 'GET', '/api/reports');
    expect(own.status).toBe(200);
    expect(own.body.reports.map((r: { reportId: string }) => r.reportId)).toEqual([alfaFeb]);
    expect((await call('alfa', 'GET', '/api/reports?distributor=beta')).status).toBe(403);
    expect((await call('alfa', 'GET', '/api/reports?distributor=alfa')).body.reports).toHaveLength(1);
  });

  it("lists every distributor's reports to staff, by quarter", async () => {
    const q1 = await call('central', 'GET', `/api/reports?quarter=${Q1}`);
    expect(new Set(q1.body.reports.map((r: { reportId: string }) => r.reportId))).toEqual(
      new Set([alfaFeb, betaFeb]),
    );
    expect((await call('finance', 'GET', '/api/reports?quarter=2016-Q2')).body.reports).toEqual([]);
  });

  it('shows a report with its rejects, its held lines and a working download link, only to its distributor and staff', async () => {
    const res = await call('alfa', 'GET', `/api/reports/${alfaFeb}`);
    expect(res.status).toBe(200);
    expect(res.body.report).toMatchObject({
      reportId: alfaFeb,
      distributorId: 'alfa',
      status: 'processed',
      counts: { read: 5, extracted: 4, rejected: 1 },
      computed: { counted: 2, held: 2, heldByReason: { 'unclassified-product': 2 } },
    });
    // The file's own rejects: lines that could not be read as a sale.
    expect(res.body.rejects.map((r: { line: number; code: string }) => [r.line, r.code])).toEqual([
      [6, 'bad-quantity'],
    ]);
    expect(res.body.rejects[0].fields).toContain('12,5');
    // Lines read but held by the quarter's computation, with their line numbers and why.
    expect(
      res.body.held.map((h: { quarter: string; reason: string; lines: number[]; partnerId: string; sku: string }) => [
        h.quarter,
        h.reason,
        h.lines,
        h.partnerId,
        h.sku,
      ]),
    ).toEqual([
      [Q1, 'unclassified-product', [4], 'RU900101', 'CBL-HDMI-2'],
      [Q1, 'unclassified-product', [5], 'RU900103', 'CBL-HDMI-2'],
    ]);
    expect(res.body.held[0]).toMatchObject({ description: CABLE, units: 5, message: expect.any(String) });
    expect(res.body).toMatchObject({ heldLines: 2, heldPending: false, rejectsMore: false });
    const download = await fetch(res.body.rejectsUrl);
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('A-5');

    // Another distributor's report reads exactly as one that does not exist.
    const others = await call('alfa', 'GET', `/api/reports/${betaFeb}`);
    const missing = await call('alfa', 'GET', `/api/reports/rpt_00000000000000000000`);
    expect(others).toMatchObject({ status: 404, body: { error: { code: 'not-found' } } });
    expect(others.body.error.message.replace(betaFeb, 'rpt_00000000000000000000')).toBe(
      missing.body.error.message,
    );
    expect((await call('central', 'GET', `/api/reports/${betaFeb}`)).status).toBe(200);
    expect((await call('finance', 'GET', `/api/reports/rpt_00000000000000000000`)).status).toBe(404);
  });
});

describe('held lines', () => {
  const alfaTags = reportIdOf('incoming/alfa/tags.csv');
  const betaTags = reportIdOf('incoming/beta/tags.csv');
  // 2016-Q2, so the Q1 figures the later tests check stay as they are.
  const tagged = (invoice: string, serviceTag: string) =>
    sale({ invoice, partnerId: 'RU900103', date: '2016-05-10', serviceTag });

  it("shows a distributor a claim first made in another distributor's report without naming that report", async () => {
    await env.upload('alfa', 'tags.csv', renderReport([tagged('A-20', 'TAGA001')]));
    await env.upload(
      'beta',
      'tags.csv',
      renderReport([tagged('B-20', 'TAGA001'), tagged('B-21', 'TAGB002'), tagged('B-22', 'TAGB002')]),
    );

    const own = await call('beta', 'GET', `/api/reports/${betaTags}`);
    expect(own.status).toBe(200);
    expect(own.body.report.computed).toEqual({
      counted: 1,
      held: 2,
      heldByReason: { 'duplicate-claim': 2 },
    });
    const [other, mine] = own.body.held;
    expect(own.body.held).toHaveLength(2);
    expect(other).toMatchObject({ quarter: '2016-Q2', reason: 'duplicate-claim', lines: [2], tag: 'TAGA001' });
    expect(other.message).toMatch(/another distributor's report/);
    expect(other).not.toHaveProperty('firstClaim');
    // Nothing of alfa's report: not its ID, not its distributor, not its line.
    expect(JSON.stringify(own.body)).not.toContain(alfaTags);
    expect(JSON.stringify(own.body.held)).not.toMatch(/alfa/i);
    // A repeat within its own report is named with the line.
    expect(mine).toMatchObject({ reason: 'duplicate-claim', lines: [4], firstClaim: { reportId: betaTags, line: 3 } });
    expect(mine.message).toMatch(/line 3 of this report/);

    // Staff see where the first claim is.
    const staff = await call('finance', 'GET', `/api/reports/${betaTags}`);
    expect(staff.body.held[0]).toMatchObject({ firstClaim: { reportId: alfaTags, line: 2 } });
    expect(staff.body.held[0].message).toContain(alfaTags);

    const first = await call('alfa', 'GET', `/api/reports/${alfaTags}`);
    expect(first.body).toMatchObject({ held: [], heldLines: 0 });
    expect(first.body.report.computed).toMatchObject({ counted: 1, held: 0 });
    // Another distributor's report is answered as a missing one.
    expect((await call('alfa', 'GET', `/api/reports/${betaTags}`)).status).toBe(404);
  });
});

describe('uploads', () => {
  it("presigns a PUT into the caller's own folder that the pipeline then processes", async () => {
    const res = await call('alfa', 'POST', '/api/uploads', { name: 'март 2016.csv' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ method: 'PUT', key: 'incoming/alfa/март 2016.csv', expiresIn: 900 });

    const created = objectCreated(res.body.key);
    const put = await fetch(res.body.url, {
      method: 'PUT',
      body: renderReport([sale({ invoice: 'A-10', partnerId: 'RU900101', date: '2016-03-05', qty: 10 })]),
    });
    expect(put.status).toBe(200);
    await created;
    await env.rt.idle();

    const reports = await call('alfa', 'GET', '/api/reports');
    const march = reports.body.reports.find((r: { key: string }) => r.key === 'incoming/alfa/март 2016.csv');
    expect(march).toMatchObject({
      status: 'processed',
      distributorId: 'alfa',
      counts: { read: 1, extracted: 1, rejected: 0 },
      computed: { counted: 1, held: 0 },
    });
    const partner = await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU900101`);
    expect(partner.body.total).toBe('10780.00'); // 70 units × 154
  });

  it('signs the key: the URL is valid only for the folder it was made for', async () => {
    const res = await call('alfa', 'POST', '/api/uploads', { name: 'apr.csv' });
    const { AWS_SECRET_ACCESS_KEY } = env.rt.stack.env;
    expect(presignedUrlIsValid('PUT', res.body.url, AWS_SECRET_ACCESS_KEY)).toBe(true);
    const aimed = res.body.url.replace('/incoming/alfa/', '/incoming/beta/');
    expect(aimed).not.toBe(res.body.url);
    // S3 recomputes the signature over the path it receives; for beta's folder it does not match.
    // (s3rver skips V4 signature checks, so this is checked as S3 would, not through the emulator.)
    expect(presignedUrlIsValid('PUT', aimed, AWS_SECRET_ACCESS_KEY)).toBe(false);
    expect(presignedUrlIsValid('GET', res.body.url, AWS_SECRET_ACCESS_KEY)).toBe(false);
  });

  it('lower-cases the extension, which S3 notifications match case-sensitively', async () => {
    for (const [name, key] of [
      ['ОТЧЁТ.CSV', 'incoming/alfa/ОТЧЁТ.csv'],
      ['May.CSV.GZ', 'incoming/alfa/May.csv.gz'],
    ]) {
      const res = await call('alfa', 'POST', '/api/uploads', { name });
      expect(res).toMatchObject({ status: 200, body: { key } });
    }
  });

  it('refuses unsafe names and callers who are not distributors', async () => {
    for (const name of ['../beta/x.csv', 'beta/x.csv', 'x\u0000.csv', 'report.xlsx']) {
      const res = await call('alfa', 'POST', '/api/uploads', { name });
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'input-invalid' } } });
    }
    expect((await call('alfa', 'POST', '/api/uploads', { file: 'x.csv' })).status).toBe(400);
    expect((await call('central', 'POST', '/api/uploads', { name: 'x.csv' })).status).toBe(403);
    expect((await call('finance', 'POST', '/api/uploads', { name: 'x.csv' })).status).toBe(403);
  });
});

describe('exceptions', () => {
  it('groups unclassified lines by product with their distributors and an example', async () => {
    const res = await call('central', 'GET', `/api/exceptions?quarter=${Q1}`);
    expect(res.status).toBe(200);
    expect(res.body.exceptions).toEqual([
      {
        code: 'unclassified-product',
        description: CABLE,
        sku: 'CBL-HDMI-2',
        count: 3,
        distributors: ['alfa', 'beta'],
        example: { reportId: expect.stringMatching(/^rpt_/), line: expect.any(Number) },
      },
    ]);
    // The example is one of the held lines: line 4 of alfa's report or line 3 of beta's.
    const { reportId, line } = res.body.exceptions[0].example;
    expect([
      [reportIdOf('incoming/alfa/feb.csv'), 4],
      [reportIdOf('incoming/beta/feb.csv'), 3],
    ]).toContainEqual([reportId, line]);
    expect((await call('finance', 'GET', '/api/exceptions?quarter=2016-Q2')).body.exceptions).toEqual([]);
    // Every quarter: the same lines, Q2 has none.
    expect((await call('finance', 'GET', '/api/exceptions')).body.exceptions).toEqual(res.body.exceptions);
    expect((await call('alfa', 'GET', '/api/exceptions')).status).toBe(403);
  });
});

describe('preview', () => {
  it('computes other rates and acceptances from the stored extracts and writes no item and no object', async () => {
    const before = await storedState();
    const res = await call('program', 'POST', `/api/quarters/${Q1}/preview`, {
      rates: { 'client/vostro-3xxx/50': '200' },
      acceptances: [
        { partnerId: 'RU900102', program: 'client', plan: 150, acceptedAt: '2016-03-01T10:00:00+03:00' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.body.changes).toEqual([
      { partnerId: 'RU900101', before: '10780.00', after: '14000.00', delta: '3220.00' },
      { partnerId: 'RU900102', before: '8470.00', after: '0.00', delta: '-8470.00' }, // plan 150 chosen, 55 units
      { partnerId: 'RU900103', before: '10780.00', after: '14000.00', delta: '3220.00' },
    ]);
    expect(res.body.total).toBe('28000.00');
    expect(res.body.lines.find((l: { partnerId: string }) => l.partnerId === 'RU900101')).toMatchObject({
      rate: '200.00',
      amount: '14000.00',
    });
    expect(await storedState()).toBe(before);
    // And the stored figures are still those of the real rates.
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body.total).toBe('30030.00');
  });

  it('refuses a rate the quarter does not have, rates from a partner manager, and distributors', async () => {
    const bad = await call('finance', 'POST', `/api/quarters/${Q1}/preview`, {
      rates: { 'client/no-such-row/50': '1' },
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'input-invalid' } } });
    expect(bad.body.error.issues[0]).toMatch(/no-such-row/);
    // A partner manager may try the territory's units, trainings and acceptances, not rates (preview-manager.test.ts).
    expect((await call('central', 'POST', `/api/quarters/${Q1}/preview`, { rates: { 'client/vostro-3xxx/50': '200' } })).status).toBe(403);
    expect((await call('alfa', 'POST', `/api/quarters/${Q1}/preview`, {})).status).toBe(403);
  });
});

describe('reference data', () => {
  it("refuses a partner manager's change to a partner outside the territory, writing nothing", async () => {
    const before = await storedState();
    const res = await call('central', 'PUT', '/api/reference/acceptances', {
      rows: [
        { partnerId: 'RU900101', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
        { partnerId: 'RU900103', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
      ],
    });
    // The same answer as for a partner that does not exist: nothing about another territory.
    expect(res).toMatchObject({ status: 400, body: { error: { code: 'input-invalid' } } });
    expect(res.body.error.message).toMatch(/RU900103/);
    expect(res.body.error.message).not.toMatch(/RU900101|Volga/);
    const unknown = await call('central', 'PUT', '/api/reference/acceptances', {
      rows: [{ partnerId: 'RU999999', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' }],
    });
    expect(res.body.error.message.replace('RU900103', 'RU999999')).toBe(unknown.body.error.message);
    expect(await storedState()).toBe(before);
  });

  it("lets a partner manager change an own partner's acceptance, which recalculates it", async () => {
    // A later acceptance than the partner's first (2016-02-15) changes the plan.
    const res = await call('central', 'PUT', '/api/reference/acceptances', {
      rows: [
        { partnerId: 'ru900102', program: 'client', plan: 150, acceptedAt: '2016-03-01T10:00:00+03:00' },
      ],
    });
    expect(res).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();
    const partner = await call('central', 'GET', `/api/quarters/${Q1}/partners/RU900102`);
    expect(partner.body.total).toBe('0.00');
    expect(partner.body.lines[0].explanation.reason).toBe('plan-not-met');
  });

  it('keeps every acceptance uploaded: a later upload adds one, and the latest before the deadline counts whatever the upload order', async () => {
    const MAR_1 = '2016-03-01T10:00:00+03:00';
    const MAR_10 = '2016-03-10T10:00:00+03:00';
    const APR_5 = '2016-04-05T10:00:00+03:00'; // after the deadline
    const before = (await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU900101`)).body;
    expect(before.total).not.toBe('0.00'); // plan 50 reached with no plan chosen
    const upload = async (rows: unknown) => {
      const res = await call('program', 'PUT', '/api/reference/acceptances', rows);
      expect(res).toMatchObject({ status: 202, body: accepted(1) });
      await env.rt.idle();
      return (await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU900101`)).body;
    };
    const stored = async () =>
      (await env.rt.deps.reference.partnerState('RU900101')).acceptances
        .map((a) => [a.plan, a.acceptedAt, a.recordedAt])
        .sort((a, b) => String(a[1]).localeCompare(String(b[1])));

    // Plan 150 chosen in time: its 70 units do not meet it.
    expect(
      (await upload({ rows: [{ partnerId: 'RU900101', program: 'client', plan: 150, acceptedAt: MAR_1 }] }))
        .total,
    ).toBe('0.00');
    // A later acceptance without a plan, as CSV, is added beside it and counts: the first figures return.
    const after = await upload(`partner_id,program,plan,accepted_at\nRU900101,client,,${MAR_10}\n`);
    expect(after.total).toBe(before.total);
    const kept = await stored();
    expect(kept.map(([plan, at]) => [plan, at])).toEqual([
      [null, '2016-02-15T12:00:00+03:00'],
      [150, MAR_1],
      [null, MAR_10],
    ]);
    expect(kept.every(([, , recordedAt]) => typeof recordedAt === 'string')).toBe(true);
    expect(after.lines[0].explanation.acceptance).toEqual({
      used: { plan: null, acceptedAt: MAR_10 },
      ignored: [
        { plan: null, acceptedAt: '2016-02-15T12:00:00+03:00', why: 'superseded' },
        { plan: 150, acceptedAt: MAR_1, why: 'superseded' },
      ],
    });
    expect(after.lines[0].explanation.text).toContain(
      'The client acceptance counted is the one made at 2016-03-10T10:00:00+03:00 with no plan',
    );

    // Uploading the plan-150 acceptance again, after the other, is the same acceptance: nothing changes.
    const again = await upload({
      rows: [{ partnerId: 'RU900101', program: 'client', plan: 150, acceptedAt: MAR_1 }],
    });
    expect(again.total).toBe(before.total);
    expect(await stored()).toEqual(kept);

    // One made after the deadline is kept, named as ignored, and changes nothing.
    const late = await upload({
      rows: [{ partnerId: 'RU900101', program: 'client', plan: 150, acceptedAt: APR_5 }],
    });
    expect(late.total).toBe(before.total);
    expect(late.lines[0].explanation.acceptance.ignored.at(-1)).toEqual({
      plan: 150,
      acceptedAt: APR_5,
      why: 'late',
    });
    expect(await stored()).toHaveLength(4);
  });

  it('takes trainings as a CSV body and reports bad rows by line, writing nothing', async () => {
    const ok = await call(
      'program',
      'PUT',
      '/api/reference/trainings',
      'partner_id,course_code,completed_at\nRU900103,DPWS0212WBTS,2016-02-20T10:00:00+03:00\n',
    );
    expect(ok).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();
    const state = await env.rt.deps.reference.partnerState('RU900103');
    expect(state.trainings.map((t) => t.courseCode)).toEqual(['DPWS0212WBTS']);

    const bad = await call(
      'program',
      'PUT',
      '/api/reference/trainings',
      'partner_id,course_code,completed_at\nRU900103,DPWT0212WBTT,2016-02-20\n',
    );
    expect(bad).toMatchObject({ status: 400, body: { error: { code: 'input-invalid' } } });
    expect(bad.body.error.issues[0]).toMatch(/^line 2: completed_at .* has no time zone offset/);
    expect((await env.rt.deps.reference.partnerState('RU900103')).trainings).toHaveLength(1);
  });

  it('refuses unknown partners, and reference edits by finance or distributors', async () => {
    const unknown = await call('program', 'PUT', '/api/reference/trainings', {
      rows: [{ partnerId: 'RU999999', courseCode: 'DPWS0212WBTS', completedAt: '2016-02-20T10:00:00+03:00' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/RU999999/);
    expect((await call('finance', 'PUT', '/api/reference/acceptances', { rows: [] })).status).toBe(403);
    expect((await call('alfa', 'PUT', '/api/reference/trainings', { rows: [] })).status).toBe(403);
    expect(
      (await call('central', 'PUT', '/api/reference/catalog', 'sku,program,rate_row\nX,client,mainstream\n'))
        .status,
    ).toBe(403);
  });

  it('maps a catalog SKU: the next computation pays the lines it names, which leave the exceptions and the report', async () => {
    const bad = await call('program', 'PUT', '/api/reference/catalog', {
      rows: [{ sku: 'CBL-HDMI-2', program: 'client', rateRow: 'no-such-row' }],
    });
    expect(bad.status).toBe(400);

    const res = await call(
      'program',
      'PUT',
      '/api/reference/catalog',
      'sku,program,rate_row\nCBL-HDMI-2,client,mainstream\n',
    );
    expect(res).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();

    expect((await call('finance', 'GET', `/api/exceptions?quarter=${Q1}`)).body.exceptions).toEqual([]);
    const released = await call('alfa', 'GET', `/api/reports/${reportIdOf('incoming/alfa/feb.csv')}`);
    expect(released.body).toMatchObject({ held: [], heldLines: 0 });
    expect(released.body.report.computed).toMatchObject({ counted: 4, held: 0 });
    const partner = await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU900101`);
    expect(partner.body.lines.map((l: { rateRow: string; amount: string }) => [l.rateRow, l.amount])).toEqual(
      [
        ['mainstream', '2695.00'], // 5 × 539
        ['vostro-3xxx', '10780.00'],
      ],
    );
  });
});

describe('partners and distributors', () => {
  const gammaFeb = reportIdOf('incoming/gamma/feb.csv');

  it('lets only program managers change partners and distributors', async () => {
    const partner = {
      rows: [{ id: 'RU900104', name: 'ООО «Новый»', status: 'Registered', region: 'Volga' }],
    };
    const distributor = { rows: [{ id: 'gamma', name: 'Гамма', segments: ['monitors'] }] };
    const before = await storedState();
    for (const who of ['central', 'finance', 'alfa'] as const) {
      expect((await call(who, 'PUT', '/api/reference/partners', partner)).status).toBe(403);
      expect((await call(who, 'PUT', '/api/reference/distributors', distributor)).status).toBe(403);
    }
    expect(await storedState()).toBe(before);
  });

  it('refuses bad partner and distributor rows by line or field, writing nothing', async () => {
    const before = await storedState();
    const csv = await call(
      'program',
      'PUT',
      '/api/reference/partners',
      'partner_id,name,status,region\nRU900104,ООО «Новый»,Gold,Volga\n',
    );
    expect(csv).toMatchObject({ status: 400, body: { error: { code: 'input-invalid' } } });
    expect(csv.body.error.issues).toEqual([
      expect.stringMatching(/^line 2: status "Gold" must be Registered or Preferred/),
    ]);

    const json = await call('program', 'PUT', '/api/reference/partners', {
      rows: [{ id: 'RU 9001/04', name: 'X', status: 'Registered', region: 'Volga' }],
    });
    expect(json.status).toBe(400);
    expect(json.body.error.issues[0]).toMatch(/^rows\.0\.id: is not a partner ID/);

    const twice = await call('program', 'PUT', '/api/reference/partners', {
      rows: ['RU900104', 'ru900104'].map((id) => ({ id, name: 'X', status: 'Registered', region: 'Volga' })),
    });
    expect(twice.status).toBe(400);
    // The same partner however written; named as the repeated row writes it.
    expect(twice.body.error.message).toMatch(/Partner ru900104 is listed twice/);

    const segment = await call('program', 'PUT', '/api/reference/distributors', {
      rows: [{ id: 'gamma', name: 'Гамма', segments: ['servers'] }],
    });
    expect(segment.status).toBe(400);
    expect(segment.body.error.issues[0]).toMatch(/^rows\.0\.segments\.0:/);
    const none = await call(
      'program',
      'PUT',
      '/api/reference/distributors',
      'distributor_id,name,segments\ngamma,Гамма,\n',
    );
    expect(none.status).toBe(400);
    expect(none.body.error.issues[0]).toMatch(/^line 2: segments is empty/);
    expect(await storedState()).toBe(before);
  });

  it('adds a partner and moves it between territories, which the partner and payouts routes show', async () => {
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU900104`)).status).toBe(404);
    const added = await call(
      'program',
      'PUT',
      '/api/reference/partners',
      'partner_id,name,status,region\nru900104,ООО «Новый»,registered,Volga\n',
    );
    expect(added).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();
    const shown = await call('finance', 'GET', `/api/quarters/${Q1}/partners/RU900104`);
    expect(shown.status).toBe(200);
    // Found by its normalised ID, shown as partners.csv writes it.
    expect(shown.body.partner).toEqual({
      id: 'ru900104',
      name: 'ООО «Новый»',
      status: 'Registered',
      region: 'Volga',
    });
    // Outside the territory it is, to the manager, no partner at all.
    expect((await call('central', 'GET', `/api/quarters/${Q1}/partners/RU900104`)).status).toBe(404);

    const moved = await call('program', 'PUT', '/api/reference/partners', {
      rows: [{ id: 'RU900104', name: 'ООО «Новый Центр»', status: 'Preferred', region: 'Central' }],
    });
    expect(moved).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();
    const central = await call('central', 'GET', `/api/quarters/${Q1}/partners/RU900104`);
    expect(central.status).toBe(200);
    expect(central.body.partner).toMatchObject({
      name: 'ООО «Новый Центр»',
      status: 'Preferred',
      region: 'Central',
    });
    expect((await call('central', 'GET', `/api/quarters/${Q1}/payouts?partner=RU900104`)).status).toBe(200);
  });

  it('computes again when a distributor gains a segment, so its held lines are paid', async () => {
    const monitorsOnly = await call('program', 'PUT', '/api/reference/distributors', {
      rows: [{ id: 'Gamma', name: 'Гамма', segments: ['monitors', 'monitors'] }],
    });
    expect(monitorsOnly).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();
    // RU900103 met plan 50 with alfa; 10 more Vostro units (commercial) come through gamma.
    await env.uploadAll([
      {
        distributorId: 'gamma',
        name: 'feb.csv',
        content: renderReport([sale({ invoice: 'G-1', partnerId: 'RU900103', qty: 10 })]),
      },
    ]);
    const refused = await call('program', 'GET', `/api/reports/${gammaFeb}`);
    expect(refused.body.report.counts).toMatchObject({ extracted: 1, rejected: 0 });
    expect(refused.body.report.computed).toEqual({
      counted: 0,
      held: 1,
      heldByReason: { 'distributor-not-authorized': 1 },
    });
    expect(refused.body.rejects).toEqual([]);
    expect(refused.body.held.map((h: { reason: string; lines: number[] }) => [h.reason, h.lines])).toEqual([
      ['distributor-not-authorized', [2]],
    ]);
    const unpaid = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?distributor=gamma`);
    expect(unpaid.body).toMatchObject({ lines: [], total: '0.00' });

    const res = await call(
      'program',
      'PUT',
      '/api/reference/distributors',
      'distributor_id,name,segments\ngamma,Гамма,monitors;commercial\n',
    );
    expect(res).toMatchObject({ status: 202, body: accepted(1) });
    await env.rt.idle();

    // The same extract, computed again under the new segments: the line now counts.
    const reread = await call('program', 'GET', `/api/reports/${gammaFeb}`);
    expect(reread.body.report.computed).toEqual({ counted: 1, held: 0, heldByReason: {} });
    expect(reread.body.held).toEqual([]);
    const paid = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?distributor=gamma`);
    expect(
      paid.body.lines.map((l: { partnerId: string; units: number; amount: string }) => [
        l.partnerId,
        l.units,
        l.amount,
      ]),
    ).toEqual([
      ['RU900103', 10, '1540.00'], // 10 × 154
    ]);
  });
});

describe('export and close', () => {
  it('exports CSV and XLSX as attachments to finance and program only', async () => {
    const csv = await call('program', 'GET', `/api/quarters/${Q1}/export?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="payouts-2016-Q1.csv"/);
    expect(csv.body.split('\n')[0]).toBe(
      'quarter,partner_id,partner_name,distributor_id,program,rate_row,units,rate_rub,amount_rub,' +
        'paid_units,reason,payment_date,payment_reference,causes',
    );
    expect(csv.body).toContain('ООО «Тест Центр»');

    const xlsx = await fetch(`${api.url}/api/quarters/${Q1}/export?format=xlsx`, {
      headers: { authorization: `Bearer ${signDevToken(tokens.finance, secret, 600)}` },
    });
    expect(xlsx.status).toBe(200);
    expect(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');

    expect((await call('finance', 'GET', `/api/quarters/${Q1}/export?format=pdf`)).status).toBe(400);
    expect((await call('central', 'GET', `/api/quarters/${Q1}/export`)).status).toBe(403);
  });

  it('closes a quarter when one finance user asks and another approves; the closed quarter answers from its snapshot', async () => {
    expect((await call('program', 'POST', `/api/quarters/${Q1}/close`)).status).toBe(403);
    const live = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);

    const asked = await call('finance', 'POST', `/api/quarters/${Q1}/close`);
    expect(asked.status).toBe(202);
    expect(asked.body.approval).toMatchObject({
      id: expect.stringMatching(/^apr_/),
      kind: 'close',
      status: 'pending',
      quarter: Q1,
      total: live.body.total,
      requestedBy: { sub: 'fin-1', role: 'finance' },
      rejectedLines: 1, // A-5's quantity 12,5
    });
    // Nothing is closed yet.
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/payouts`)).body.status).toBe('open');
    const id = asked.body.approval.id as string;

    const self = await call('finance', 'POST', `/api/approvals/${id}/approve`);
    expect(self).toMatchObject({ status: 403, body: { error: { code: 'forbidden' } } });
    expect(self.body.error.message).toMatch(/another user has to approve it/);
    expect((await call('program', 'POST', `/api/approvals/${id}/approve`)).status).toBe(403);

    const res = await call('finance2', 'POST', `/api/approvals/${id}/approve`);
    expect(res.status).toBe(200);
    expect(res.body.approval).toMatchObject({ status: 'approved', decidedBy: { sub: 'fin-2', role: 'finance' } });
    expect(res.body.snapshot).toMatchObject({
      quarter: Q1,
      closedBy: 'fin-2',
      total: live.body.total,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(res.body.snapshot.lines).toHaveLength(live.body.lines.length);
    expect((await call('finance', 'POST', `/api/approvals/${id}/approve`)).status).toBe(409);

    expect(await call('finance', 'POST', `/api/quarters/${Q1}/close`)).toMatchObject({
      status: 409,
      body: { error: { code: 'quarter-closed' } },
    });
    const closed = await call('central', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(closed.body.status).toBe('closed');
    const quarters = await call('finance', 'GET', '/api/quarters');
    expect(quarters.body.quarters[0]).toMatchObject({
      quarter: Q1,
      status: 'closed',
      snapshotSha256: res.body.snapshot.sha256,
    });
  });
});

describe('after close', () => {
  it('keeps a backdated acceptance on the closed quarter pending until another user approves it, then books it in the next open one', async () => {
    // RU900102 chose plan 150 (not met, paid 0 at close); a later acceptance chooses none, so plan 50 applies.
    const res = await call('program', 'PUT', '/api/reference/acceptances', {
      rows: [
        { partnerId: 'RU900102', program: 'client', plan: null, acceptedAt: '2016-03-15T10:00:00+03:00' },
      ],
    });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ written: 0, change: { status: 'evaluating' } });
    const id = res.body.change.id as string;
    expect(await settledApproval((path) => call('program', 'GET', path), id)).toMatchObject({
      kind: 'reference-change',
      status: 'pending',
      effect: {
        totalRub: '10087.00',
        partners: [{ quarter: Q1, partnerId: 'RU900102', before: '0.00', after: '10087.00', delta: '10087.00' }],
      },
    });
    await env.rt.idle();
    const before = await call('central', 'GET', '/api/quarters/2016-Q2/payouts?partner=RU900102');
    expect(before.body.lines).toEqual([]);

    expect((await call('program', 'POST', `/api/approvals/${id}/approve`)).status).toBe(403);
    const ok = await call('finance', 'POST', `/api/approvals/${id}/approve`);
    expect(ok).toMatchObject({ status: 200, body: { approval: { status: 'approved' }, written: { acceptances: 1 } } });
    await env.rt.idle();

    const frozen = await call('central', 'GET', `/api/quarters/${Q1}/partners/RU900102`);
    expect(frozen.body).toMatchObject({ status: 'closed', total: '0.00' });

    const q2 = await call('central', 'GET', '/api/quarters/2016-Q2/payouts?partner=RU900102');
    expect(q2.status).toBe(200);
    expect(
      q2.body.lines.map((l: { rateRow: string; amount: string; adjustment?: unknown }) => [
        l.rateRow,
        l.amount,
        l.adjustment,
      ]),
    ).toEqual([
      ['mainstream', '1617.00', { ofQuarter: Q1 }], // 3 × 539
      ['vostro-3xxx', '8470.00', { ofQuarter: Q1 }], // 55 × 154
    ]);
    expect(q2.body.total).toBe('10087.00');
  });
});

describe('local server', () => {
  it('serves the dashboard files with their types and never a file outside web/', async () => {
    const index = await fetch(`${api.url}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<title>dashboard</title>');
    const js = await fetch(`${api.url}/js/app.js`);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    await js.text();

    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/js/..%2f..%2fsecret.txt',
      '/nothing.html',
    ]) {
      const res = await fetch(`${api.url}${path}`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('outside web/');
    }
  });

  it('serves the dashboard a config.json of the local API with no Cognito sign-in', async () => {
    const res = await fetch(`${api.url}/config.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const config = (await res.json()) as Record<string, unknown>;
    expect(config).toEqual({ stage: 'local', apiUrl: '/api' });
    // The page calls the API where config.json says, and with the same token the API answers.
    const me = await fetch(new URL(`${config.apiUrl as string}/me`, api.url), {
      headers: { authorization: `Bearer ${signDevToken(tokens.program, secret, 600)}` },
    });
    expect(((await me.json()) as { role: string }).role).toBe('program');
  });

  it('says so when there is no dashboard folder', async () => {
    const bare = await startApiServer({
      port: 0,
      deps: env.rt.deps,
      stateDir: join(scratch, 'state'),
      webDir: join(scratch, 'no-web'),
    });
    try {
      const res = await fetch(`${bare.url}/`);
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/dashboard is not here/);
    } finally {
      await bare.close();
    }
  });

  it('refuses a body over 20 MB with 413', async () => {
    const res = await call('program', 'PUT', '/api/reference/catalog', 'x'.repeat(21 * 1024 * 1024));
    expect(res).toMatchObject({ status: 413, body: { error: { code: 'payload-too-large' } } });
  });
});
