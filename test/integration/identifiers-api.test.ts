/**
 * Identifiers as written, through the public calculation API (data-formats.md, "Reference data"):
 * a distributor registered as D-MERL and partners written as the registry writes them are matched
 * however a report, a path, a query or a token writes them, and every answer, export and message
 * shows them as the registry writes them. Real emulators, real HTTP, one stack for the file.
 *
 * 2016-Q1 client program: plan 50, vostro-3xxx pays 154 RUB per unit.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devTokenSecret, startApiServer, type ApiServer } from '../../local/api-server.js';
import { callApi } from '../support/api-client.js';
import { signDevToken } from '../../shared/auth/dev-token.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { renderReport, useLocalRuntime, salesOf } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx, commercial
const MONITOR = 'Монитор Dell P2417H'; // monitors, a segment D-MERL is not authorised for

const env = useLocalRuntime();
let api: ApiServer;
let secret: Buffer;
let scratch: string;

const tokens = {
  finance: { sub: 'fin-1', 'cognito:groups': ['finance'] },
  program: { sub: 'prog-1', 'cognito:groups': ['program'] },
  central: { sub: 'mgr-1', 'cognito:groups': ['manager'], 'custom:regions': 'Central' },
  // The administrator wrote the claim in another case than the registry.
  merl: { sub: 'dist-merl', 'cognito:groups': ['distributor'], 'custom:distributor': 'd-merl' },
};
type Who = keyof typeof tokens;

const call = (who: Who, method: string, path: string, body?: unknown) =>
  callApi(api.url, signDevToken(tokens[who], secret, 600), method, path, body);

const sale = salesOf(VOSTRO, 60);

// The report folder is lower-case; the registry writes the distributor D-MERL.
const REPORT_KEY = 'incoming/d-merl/feb.csv';

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'rebates-ids-api-'));
  api = await startApiServer({ port: 0, deps: env.rt.deps, stateDir: join(scratch, 'state') });
  secret = await devTokenSecret(join(scratch, 'state'));

  // Reference data through the API, as the data formats spec writes it.
  const imports = [
    call(
      'program',
      'PUT',
      '/api/reference/partners',
      'partner_id,name,status,region\nRU900201,ООО «Один»,Registered,Central\nru 900 202,ООО «Два»,Registered,Central\n',
    ),
    call(
      'program',
      'PUT',
      '/api/reference/distributors',
      'distributor_id,name,segments\nD-MERL,ООО «Меридиан»,commercial\n',
    ),
  ];
  for (const res of await Promise.all(imports)) expect(res.status).toBe(202);
  const acceptances = await call('program', 'PUT', '/api/reference/acceptances', {
    rows: ['ru900201', 'RU900202'].map((partnerId) => ({
      partnerId,
      program: 'client',
      plan: 50,
      acceptedAt: '2016-02-01T10:00:00+03:00',
    })),
  });
  expect(acceptances.status).toBe(202);
  await env.rt.idle();

  await env.upload(
    'd-merl',
    'feb.csv',
    renderReport([
      sale({ invoice: 'M-1', partnerId: 'ru900201', distributor: 'D-MERL' }),
      sale({ invoice: 'M-2', partnerId: '№RU900202', distributor: 'd-merl' }),
      sale({ invoice: 'M-3', partnerId: 'RU900201', description: MONITOR, qty: 1, distributor: 'D-MERL' }),
      sale({ invoice: 'M-4', partnerId: 'RU900201', qty: 1, distributor: 'orbita' }),
    ]),
  );
});

afterAll(async () => {
  await api?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('identifiers as written through the API', () => {
  it('answers payouts with the IDs as the registry writes them, in fields and explanations', async () => {
    const res = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(res.status).toBe(200);
    const lines = res.body.lines as {
      partnerId: string;
      distributorId: string;
      amount: string;
      explanation: { text: string };
    }[];
    expect(lines.map((l) => [l.partnerId, l.distributorId, l.amount]).sort()).toEqual([
      ['RU900201', 'D-MERL', '9240.00'],
      ['ru 900 202', 'D-MERL', '9240.00'],
    ]);
    for (const l of lines) {
      expect(l.explanation.text).toContain('distributor D-MERL');
      expect(l).not.toHaveProperty('distributorDisplayId');
    }
    expect(JSON.stringify(res.body)).not.toMatch(/d-merl|RU900202/);
  });

  it('matches partner and distributor IDs in queries and paths however they are written', async () => {
    const byPartner = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?partner=ru%20900%20201`);
    expect(byPartner.body.lines.map((l: { partnerId: string }) => l.partnerId)).toEqual(['RU900201']);
    const other = await call(
      'finance',
      'GET',
      `/api/quarters/${Q1}/payouts?partner=%23ru900202&distributor=d-Merl`,
    );
    expect(other.body.lines.map((l: { partnerId: string }) => l.partnerId)).toEqual(['ru 900 202']);
    expect(other.body.total).toBe('9240.00');

    const page = await call('central', 'GET', `/api/quarters/${Q1}/partners/ru900202`);
    expect(page.status).toBe(200);
    expect(page.body.partner).toEqual({
      id: 'ru 900 202',
      name: 'ООО «Два»',
      status: 'Registered',
      region: 'Central',
    });
    expect(page.body.lines.map((l: { distributorId: string }) => l.distributorId)).toEqual(['D-MERL']);
    expect(page.body.progress).toEqual([
      expect.objectContaining({ partnerId: 'ru 900 202', appliedPlan: 50 }),
    ]);
    // The quarter is open: its points are pending (credited at close), the ledger has none yet.
    expect(page.body.points.pending.length).toBeGreaterThan(0);
    expect(page.body.points.pending[0].reason).toContain('distributor D-MERL');
    expect(page.body.points.entries).toEqual([]);
    expect((await call('central', 'GET', `/api/quarters/${Q1}/partners/id%20RU900201`)).body.total).toBe(
      '9240.00',
    );
  });

  it('lists reports with the distributor as written, to a distributor whose claim writes it in another case', async () => {
    expect((await call('merl', 'GET', '/api/me')).body).toEqual({
      sub: 'dist-merl',
      role: 'distributor',
      distributorId: 'D-MERL',
    });
    const own = await call('merl', 'GET', '/api/reports?distributor=D-MERL');
    expect(own.status).toBe(200);
    expect(own.body.reports).toEqual([
      expect.objectContaining({
        reportId: reportIdOf(REPORT_KEY),
        distributorId: 'D-MERL',
        status: 'processed',
      }),
    ]);
    const staff = await call('finance', 'GET', '/api/reports?distributor=d-merl');
    expect(staff.body.reports.map((r: { distributorId: string }) => r.distributorId)).toEqual(['D-MERL']);

    const detail = await call('merl', 'GET', `/api/reports/${reportIdOf(REPORT_KEY)}`);
    expect(detail.body.report.distributorId).toBe('D-MERL');
    expect(
      detail.body.rejects.map((r: { line: number; code: string; message: string }) => [
        r.line,
        r.code,
        r.message,
      ]),
    ).toEqual([
      [
        5,
        'distributor-mismatch',
        'The distributor column says "orbita" but the report was uploaded to the folder of "D-MERL".',
      ],
    ]);
    // Held by the computation, not rejected: named as the registry writes it.
    expect(
      detail.body.held.map((h: { lines: number[]; reason: string; message: string }) => [h.lines, h.reason, h.message]),
    ).toEqual([
      [
        [4],
        'distributor-not-authorized',
        expect.stringMatching(/^Distributor "D-MERL" is not authorised for the monitors segment/),
      ],
    ]);
    expect(detail.body.report.computed).toMatchObject({ counted: 2, held: 1 });
  });

  it('uploads into the folder of the registry key, whatever case the claim has', async () => {
    const res = await call('merl', 'POST', '/api/uploads', { name: 'mar.csv' });
    expect(res).toMatchObject({ status: 200, body: { key: 'incoming/d-merl/mar.csv' } });
  });

  it('exports partner_id and distributor_id as written, in the CSV and the XLSX', async () => {
    const csv = await call('finance', 'GET', `/api/quarters/${Q1}/export?format=csv`);
    const rows = Papa.parse<Record<string, string>>(csv.body, { header: true, skipEmptyLines: true }).data;
    expect(rows.map((r) => [r.partner_id, r.partner_name, r.distributor_id, r.amount_rub])).toEqual([
      ['RU900201', 'ООО «Один»', 'D-MERL', '9240.00'],
      ['ru 900 202', 'ООО «Два»', 'D-MERL', '9240.00'],
    ]);

    const xlsx = await fetch(`${api.url}/api/quarters/${Q1}/export?format=xlsx`, {
      headers: { authorization: `Bearer ${signDevToken(tokens.finance, secret, 600)}` },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await xlsx.arrayBuffer()) as ArrayBuffer);
    const sheet = wb.getWorksheet('Payouts')!;
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    const column = (name: string) =>
      sheet
        .getColumn(header.indexOf(name) + 1)
        .values.slice(2)
        .map((v) => String(v));
    expect(column('partner_id')).toEqual(['RU900201', 'ru 900 202']);
    expect(column('distributor_id')).toEqual(['D-MERL', 'D-MERL']);
  });

  it('refuses a distributor written twice in two cases, naming it as written', async () => {
    const res = await call(
      'program',
      'PUT',
      '/api/reference/distributors',
      'distributor_id,name,segments\nD-MERL,ООО «Меридиан»,commercial\nd-merl,ООО «Меридиан»,consumer\n',
    );
    expect(res.status).toBe(400);
    expect(res.body.error.issues).toEqual(['line 3: distributor_id "d-merl" is already on line 2']);
  });
});
