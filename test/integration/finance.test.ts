/**
 * Finance's quarter on the sample data folder, on the real emulators through the API (issue #14):
 * close 2016-Q1, upload a corrected kvant report, backdate an acceptance — the closed quarter's
 * figures stay the snapshot's everywhere, and each adjustment names the causes its computations
 * recorded. Then payments marked in the export, accruals of an open quarter, and redemptions.
 * The tests build on each other, in order.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { afterAll, describe, expect, it } from 'vitest';
import { quarterDays } from '../../shared/domain/accruals.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { closeQuarter } from '../../shared/pipeline/quarters.js';
import { verifyClosedQuarter } from '../../shared/pipeline/verify-closed.js';
import { loadDataFolder } from '../../shared/reference/data-folder.js';
import { xlsxWords } from '../../shared/export/xlsx-words.js';
import { useTestApi } from '../support/api-client.js';
import { getAs, settledApproval } from '../support/approvals.js';
import { useLocalRuntime } from '../support/runtime.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLES = join(ROOT, 'samples', 'data');
const [Q1, Q2] = ['2016-Q1', '2016-Q2'];
const KVANT_KEY = 'incoming/kvant/kvant-sellout-2016Q1.csv';

// The sample catalog's cheapest reward (9,620 points) is more than any sample partner earns in
// one quarter; a copy of the rules with one cheaper reward lets a redemption succeed.
const RULES_DIR = mkdtempSync(join(tmpdir(), 'finance-rules-'));
const RULES_Q1 = join(RULES_DIR, '2016-Q1.json');
{
  const rules = JSON.parse(readFileSync(join(ROOT, 'samples', 'rules', '2016-Q1.json'), 'utf8'));
  rules.points.rewards.push({ id: 'dell-mug', name: 'Dell mug', points: 1000 });
  writeFileSync(RULES_Q1, JSON.stringify(rules));
}
const env = useLocalRuntime({ rulesFiles: [RULES_Q1] });
afterAll(() => rmSync(RULES_DIR, { recursive: true, force: true }));
const api = useTestApi(env);
const call = (...args: Parameters<typeof api.call>) => api.call(...args);
const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

interface LineJson {
  partnerId: string;
  distributorId: string;
  program: string;
  rateRow: string;
  units: number;
  amount: string;
  bookedIn?: string;
  frozen?: boolean;
  causes?: {
    kind: string;
    key?: string;
    uploadedBy?: string | null;
    by?: string;
    rows?: { kind: string; change: string }[];
    text?: string;
  }[];
  explanation: { text: string };
}
const sum = (lines: { amount: string }[]) => lines.reduce((t, l) => t.plus(l.amount), new Decimal(0)).toFixed(2);
const keyOf = (l: LineJson) => [l.partnerId, l.distributorId, l.program, l.rateRow].join('/');

let frozenLines: LineJson[];
let frozenTotal: string;
let snapshotSha: string;

/** The export without its last five columns (none of which holds a comma here): the canonical form. */
const nineColumns = (csv: string) =>
  csv
    .split('\n')
    .map((r) => (r ? r.replace(/(,[^,]*){5}$/, '') : r))
    .join('\n');

/** The kvant report with one line's quantity raised: a distributor's corrected report. */
async function correctedKvant(): Promise<{ text: string; partnerId: string }> {
  const text = await readFile(join(SAMPLES, 'reports', 'kvant', 'kvant-sellout-2016Q1.csv'), 'utf8');
  const lines = text.split('\n');
  // Line 6: RU100107 (whose lines are all kvant's), four Latitude 5480; six now, still past plan 50 only.
  const cells = lines[5]!.split(',');
  expect(cells[3]).toBe('RU100107');
  cells[7] = String(Number(cells[7]) + 2);
  lines[5] = cells.join(',');
  return { text: lines.join('\n'), partnerId: 'RU100107' };
}

describe('one truth per closed quarter, with recorded causes', () => {
  it('shows 2016-Q1 closed: by whom, when, the snapshot checksum, the frozen lines and total', async () => {
    const folder = await loadDataFolder(SAMPLES);
    expect(folder.errors).toEqual([]);
    await importReference(env.rt.deps, folder.reference);
    await env.uploadAll(
      await Promise.all(
        folder.reports.map(async (r) => ({ distributorId: r.distributorId, name: r.name, content: await readFile(r.path) })),
      ),
    );
    const open = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(open.body.status).toBe('open');

    const snapshot = await closeQuarter(env.rt.deps, Q1, 'fin-1', '2016-04-05T10:00:00+03:00');
    snapshotSha = snapshot.sha256;
    const closed = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({
      status: 'closed',
      view: 'frozen',
      closed: { by: 'fin-1', at: '2016-04-05T07:00:00.000Z', sha256: snapshot.sha256, total: snapshot.total.toFixed(2) },
      total: snapshot.total.toFixed(2),
      adjustments: [],
    });
    expect(sum(closed.body.lines)).toBe(snapshot.total.toFixed(2));
    frozenLines = closed.body.lines;
    frozenTotal = closed.body.total;
    expect((await verifyClosedQuarter(env.rt.deps, Q1))?.differences).toEqual([]);
  });

  it('keeps the frozen figures after a corrected kvant report, and books only kvant lines, naming the report and its uploader', async () => {
    const { text, partnerId } = await correctedKvant();
    const presigned = await call('kvant', 'POST', '/api/uploads', { name: 'kvant-sellout-2016Q1.csv' });
    expect(presigned.status).toBe(200);
    expect(presigned.body.key).toBe(KVANT_KEY);
    const put = await fetch(presigned.body.url, { method: 'PUT', body: text });
    expect(put.status).toBe(200);
    // The upload's event reaches ingest, which requests the computations; wait for all of them.
    for (let i = 0; i < 50 && (await env.report(KVANT_KEY).catch(() => null))?.status !== 'processed'; i++)
      await new Promise((r) => setTimeout(r, 100));
    await env.rt.idle();

    const after = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);
    expect(after.body.status).toBe('closed');
    expect(after.body.total).toBe(frozenTotal);
    expect(after.body.lines).toEqual(frozenLines);
    const adjustments: LineJson[] = after.body.adjustments;
    expect(adjustments.length).toBeGreaterThan(0);
    expect(adjustments.some((a) => a.partnerId === partnerId)).toBe(true);
    for (const a of adjustments) {
      // Only kvant's lines changed: no other distributor's line is corrected.
      expect(a.distributorId).toBe('kvant');
      expect(a).toMatchObject({ bookedIn: Q2, frozen: false });
      expect(a.causes).toEqual([
        expect.objectContaining({ kind: 'report', key: KVANT_KEY, uploadedBy: 'distributor dist-kvant' }),
      ]);
      expect(a.explanation.text).toContain(`report ${KVANT_KEY} replaced`);
      expect(a.explanation.text).toContain('uploaded by distributor dist-kvant');
    }
    expect(after.body.adjustmentsTotal).toBe(sum(adjustments));

    // The live recalculation only on the explicit view, and it differs by exactly the adjustments.
    const live = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?view=pending-corrections`);
    expect(live.body).toMatchObject({ status: 'closed', view: 'pending-corrections' });
    expect(new Decimal(live.body.total).minus(frozenTotal).toFixed(2)).toBe(after.body.adjustmentsTotal);

    // The partner page of the closed quarter: frozen lines, the adjustment apart, no live progress.
    const page = await call('finance', 'GET', `/api/quarters/${Q1}/partners/${partnerId}`);
    expect(page.body).toMatchObject({ status: 'closed', closed: { sha256: snapshotSha }, progress: [] });
    expect(page.body.lines).toEqual(frozenLines.filter((l) => l.partnerId === partnerId));
    expect(page.body.adjustments.map(keyOf)).toEqual(adjustments.filter((a) => a.partnerId === partnerId).map(keyOf));
    expect(page.body.points.pending).toEqual([]);
    expect(page.body.points.credited).toBe(
      page.body.points.entries
        .filter((e: { quarter: string | null; kind: string }) => e.quarter === Q1 && e.kind !== 'redeem')
        .reduce((n: number, e: { points: number }) => n + e.points, 0),
    );

    // The export of the closed quarter is still the snapshot: its nine columns give the checksum.
    const csv = (await call('finance', 'GET', `/api/quarters/${Q1}/export?format=csv`)).body as string;
    expect(sha256(nineColumns(csv))).toBe(snapshotSha);
    expect((await verifyClosedQuarter(env.rt.deps, Q1))?.pendingAdjustments).toBe(adjustments.length);
  });

  it('names a backdated acceptance and the user who entered it, not a report', async () => {
    // RU100112 accepted at the deadline instant (late, pays nothing); program backdates it.
    const before = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?partner=RU100112`);
    expect(sum(before.body.lines)).toBe('0.00');
    const put = await call('program', 'PUT', '/api/reference/acceptances', {
      rows: [{ partnerId: 'RU100112', program: 'client', plan: null, acceptedAt: '2016-03-20T10:00:00+03:00' }],
    });
    expect(put.status).toBe(202);
    // It alters closed Q1, so it waits for someone other than its author to approve it.
    expect(put.body.approval?.id).toBeDefined();
    // It is checked against the closed quarter off the request, then waits for approval.
    expect((await settledApproval(getAs(api, 'finance'), put.body.approval.id)).status).toBe('pending');
    const approved = await call('finance', 'POST', `/api/approvals/${put.body.approval.id}/approve`);
    expect(approved.status).toBe(200);
    await env.rt.idle();

    const after = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?partner=RU100112`);
    expect(after.body.lines).toEqual(before.body.lines);
    const adjustments: LineJson[] = after.body.adjustments;
    expect(adjustments.length).toBeGreaterThan(0);
    expect(new Decimal(after.body.adjustmentsTotal).gt(0)).toBe(true);
    for (const a of adjustments) {
      expect(a.causes?.map((c) => c.kind)).toEqual(['reference']);
      expect(a.causes![0]!.by).toBe('program prog-1, approved by finance fin-1');
      expect(a.causes![0]!.rows).toEqual([
        expect.objectContaining({ kind: 'acceptance', change: expect.stringContaining('RU100112 for client') }),
      ]);
      expect(a.explanation.text).toContain('by program prog-1');
      expect(a.explanation.text).not.toContain('report');
    }
    // The kvant correction still names only the kvant report.
    const kvant = await call('finance', 'GET', `/api/quarters/${Q1}/payouts?distributor=kvant`);
    for (const a of kvant.body.adjustments as LineJson[])
      if (a.partnerId !== 'RU100112') expect(a.causes?.map((c) => c.kind)).toEqual(['report']);
  });

  it('shows Q2 with its own payouts apart from the corrections of Q1, in the API and the XLSX Totals', async () => {
    const q2 = await call('finance', 'GET', `/api/quarters/${Q2}/payouts`);
    expect(q2.body.status).toBe('open');
    const corrections = (q2.body.lines as (LineJson & { adjustment?: { ofQuarter: string } })[]).filter((l) => l.adjustment);
    expect(corrections.length).toBeGreaterThan(0);
    expect(q2.body.totals.corrections).toEqual([{ ofQuarter: Q1, amount: sum(corrections) }]);
    expect(q2.body.totals.payouts).toBe(sum(q2.body.lines.filter((l: { adjustment?: unknown }) => !l.adjustment)));
    expect(q2.body.totals.onlyCorrections).toBe(q2.body.totals.payouts === '0.00');

    const res = await fetch(`${api.server.url}/api/quarters/${Q2}/export?format=xlsx`, {
      headers: { authorization: `Bearer ${api.token('finance')}` },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    const totals = wb.getWorksheet('Totals')!.getSheetValues().slice(1) as unknown[][];
    const row = totals.find((r) => Array.isArray(r) && r[1] === `corrections of ${Q1}`)!;
    expect(Number(row[3]).toFixed(2)).toBe(sum(corrections));
    const adj = wb.getWorksheet('Adjustments')!;
    const header = (adj.getRow(1).values as unknown[]).slice(1);
    const causes = header.indexOf('causes') + 1;
    expect(causes).toBeGreaterThan(0);
    expect(String(adj.getRow(2).getCell(causes).value)).toMatch(/report incoming\/kvant|reference change/);
  });

  it("words the corrections' causes in the CSV and XLSX as the API does, in the reader's language, names as recorded", async () => {
    const get = (path: string, lang: 'en' | 'ru') =>
      fetch(`${api.server.url}${path}`, {
        headers: { authorization: `Bearer ${api.token('finance')}`, 'accept-language': lang },
      });
    type Correction = LineJson & { adjustment?: unknown };
    const key = (r: Record<string, unknown>) =>
      [r.partner_id, r.distributor_id, r.program, r.rate_row].join('/');
    const said: Record<string, Map<string, string>> = {};
    for (const lang of ['en', 'ru'] as const) {
      const answer = (await (await get(`/api/quarters/${Q2}/payouts`, lang)).json()) as { lines: Correction[] };
      const corrections = answer.lines.filter((l) => l.adjustment);
      expect(corrections.length).toBeGreaterThan(0);
      for (const c of corrections) expect(c.causes?.length, keyOf(c)).toBeGreaterThan(0);
      const api = new Map(corrections.map((c) => [keyOf(c), c.causes!.map((x) => x.text).join('; ')]));
      const explained = new Map(corrections.map((c) => [keyOf(c), c.explanation.text]));
      said[lang] = api;

      const csvRes = await get(`/api/quarters/${Q2}/export?format=csv`, lang);
      expect(csvRes.headers.get('content-language')).toBe(lang);
      const csv = await csvRes.text();
      // The audit trail says which file was given: its checksum and language.
      const audit = await call('finance', 'GET', `/api/audit?quarter=${Q2}&actor=fin-1`);
      const given = (audit.body.entries as { kind: string; after: { sha256: string; language: string } }[]).find(
        (e) => e.kind === 'export' && e.after.sha256 === sha256(csv),
      );
      expect(given?.after.language).toBe(lang);
      const rows = Papa.parse<Record<string, string>>(csv.trimEnd(), { header: true }).data.filter((r) => r.quarter === Q1);
      expect(new Map(rows.map((r) => [key(r), r.causes]))).toEqual(api);

      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load((await (await get(`/api/quarters/${Q2}/export?format=xlsx`, lang)).arrayBuffer()) as ArrayBuffer);
      // The workbook is for people: its sheet names and headers are in the asked language.
      const words = xlsxWords(lang);
      const columnOf = new Map(Object.entries(words.column).map(([code, said]) => [said, code]));
      const [header, ...cells] = (wb.getWorksheet(words.sheets.adjustments)!.getSheetValues().slice(1) as unknown[][]).map((r) =>
        r.slice(1),
      );
      if (lang === 'ru') expect(header!.join(' ')).not.toMatch(/[A-Za-z]{3,}/);
      const sheet = cells.map((r) => Object.fromEntries(header!.map((h, i) => [columnOf.get(String(h)) ?? String(h), r[i]])));
      expect(new Map(sheet.map((r) => [key(r), r.causes]))).toEqual(api);
      expect(new Map(sheet.map((r) => [key(r), r.explanation]))).toEqual(explained);
    }
    for (const [k, en] of said.en!) {
      const ru = said.ru!.get(k)!;
      expect(ru).not.toBe(en);
      expect(ru).toMatch(/[А-Яа-яЁё]/);
      expect(ru).not.toMatch(/\b(replaced|uploaded by|reference change)\b/);
      // Who uploaded or changed something is a name: the same in both languages.
      for (const name of ['distributor dist-kvant', 'program prog-1, approved by finance fin-1'])
        expect(ru.includes(name), `${k}: ${name}`).toBe(en.includes(name));
    }
    expect([...said.ru!.values()].some((t) => t.includes('distributor dist-kvant'))).toBe(true);
    expect([...said.ru!.values()].some((t) => t.includes('program prog-1, approved by finance fin-1'))).toBe(true);
  });

  it('exports closed 2016-Q1 as its frozen figures, with the corrections since listed apart as the API lists them', async () => {
    const answer = await call('finance', 'GET', `/api/quarters/${Q1}/payouts`);
    const adjustments: (LineJson & { bookedIn: string; frozen: boolean })[] = answer.body.adjustments;
    expect(adjustments.length).toBeGreaterThan(0);
    const res = await fetch(`${api.server.url}/api/quarters/${Q1}/export?format=xlsx`, {
      headers: { authorization: `Bearer ${api.token('finance')}` },
    });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await res.arrayBuffer()) as ArrayBuffer);
    const objects = (name: string) => {
      const [header, ...rows] = (wb.getWorksheet(name)!.getSheetValues().slice(1) as unknown[][]).map((r) => r.slice(1));
      return rows.map((r) => Object.fromEntries(header!.map((h, i) => [String(h), r[i]])));
    };
    const money = (v: unknown) => new Decimal(String(v)).toFixed(2);
    // The frozen figures, line for line and in total.
    expect(objects('Payouts').map((r) => [r.partner_id, r.distributor_id, r.program, r.rate_row, money(r.amount_rub)])).toEqual(
      frozenLines.map((l) => [l.partnerId, l.distributorId, l.program, l.rateRow, l.amount]),
    );
    const totals = new Map(
      (wb.getWorksheet('Totals')!.getSheetValues().slice(1) as unknown[][]).filter((r) => Array.isArray(r)).map((r) => [String(r[1]), r[3]]),
    );
    expect(money(totals.get('grand total'))).toBe(frozenTotal);
    // The corrections since the close: apart, each as the API lists it.
    const since = objects('Corrections since close');
    const row = (r: Record<string, unknown>) =>
      [[r.partner_id, r.distributor_id, r.program, r.rate_row].join('/'), money(r.amount_rub), r.booked_in, r.status, r.causes];
    expect(since.map(row).sort()).toEqual(
      adjustments
        .map((a) => [keyOf(a), a.amount, a.bookedIn, a.frozen ? 'frozen' : 'pending', a.causes!.map((c) => c.text).join('; ')])
        .sort(),
    );
    expect(money(totals.get(`corrections of ${Q1} since the close, still to be booked in ${Q2}`))).toBe(
      answer.body.adjustmentsTotal,
    );
  });
});

describe('payments', () => {
  it('records a payment per partner × distributor × quarter, lists it, and marks the export', async () => {
    const line = frozenLines.find((l) => new Decimal(l.amount).gt(0))!;
    const body = {
      quarter: Q1,
      partnerId: line.partnerId,
      distributorId: line.distributorId,
      date: '2016-04-20',
      reference: 'PP-2016-0420-1',
      amount: line.amount,
      paymentId: 'pay-1',
    };
    const made = await call('finance', 'POST', '/api/payments', body);
    expect(made.status).toBe(201);
    expect(made.body.payment).toMatchObject({ ...body, recordedBy: 'finance fin-1' });
    expect(made.body.note).toMatch(/^Recorded: /);
    // A retried request records it once; asked in Russian, its note is Russian.
    const retried = await call('finance', 'POST', '/api/payments', body, undefined, { 'accept-language': 'ru' });
    expect(retried.status).toBe(201);
    expect((retried.body as { note: string }).note).toMatch(/^Записано: [\d\s]+,\d{2} руб\. выплачено партнёру \S+ через дистрибьютора \S+ за 2016-Q1\./);
    const list = await call('program', 'GET', `/api/payments?quarter=${Q1}`);
    expect(list.body.payments).toHaveLength(1);
    expect(list.body.total).toBe(new Decimal(line.amount).toFixed(2));

    const csv = (await call('finance', 'GET', `/api/quarters/${Q1}/export?format=csv`)).body as string;
    const rows = Papa.parse<Record<string, string>>(csv.trimEnd(), { header: true }).data;
    const paid = rows.filter((r) => r.payment_reference === 'PP-2016-0420-1');
    expect(paid.length).toBeGreaterThan(0);
    for (const r of paid) expect([r.partner_id, r.distributor_id, r.payment_date]).toEqual([line.partnerId, line.distributorId, '2016-04-20']);
    expect(rows.filter((r) => r.payment_reference === '').length).toBe(rows.length - paid.length);
    // Recording a payment never touches the frozen checksum (of the nine columns).
    expect(sha256(nineColumns(csv))).toBe(snapshotSha);
    expect((await verifyClosedQuarter(env.rt.deps, Q1))?.differences).toEqual([]);
    // The audit trail has the payment once, with who recorded it, though it was sent twice.
    const audit = await call('finance', 'GET', `/api/audit?quarter=${Q1}&actor=fin-1`);
    const paidEntries = audit.body.entries.filter((e: { kind: string }) => e.kind === 'payment');
    expect(paidEntries).toHaveLength(1);
    expect(paidEntries[0]).toMatchObject({ actor: { sub: 'fin-1', role: 'finance' } });
  });

  it('refuses amounts that are not positive decimal strings, unknown partners, and other roles', async () => {
    const base = { quarter: Q1, partnerId: 'RU100103', distributorId: 'kvant', date: '2016-04-20', reference: 'X' };
    for (const amount of ['-5.00', '0', '1.234', '1e3', 100])
      expect((await call('finance', 'POST', '/api/payments', { ...base, amount })).status).toBe(400);
    expect((await call('finance', 'POST', '/api/payments', { ...base, date: '2016-02-30', amount: '1.00' })).status).toBe(400);
    expect((await call('finance', 'POST', '/api/payments', { ...base, partnerId: 'RU999999', amount: '1.00' })).status).toBe(400);
    expect((await call('program', 'POST', '/api/payments', { ...base, amount: '1.00' })).status).toBe(403);
    expect((await call('central', 'GET', `/api/payments?quarter=${Q1}`)).status).toBe(403);
  });
});

describe('accruals', () => {
  it('gives the live liability of an open quarter per program and distributor and a run-rate projection', async () => {
    const clock = env.rt.deps.clock;
    const now = new Date('2016-05-15T12:00:00+03:00');
    env.rt.deps.clock = { now: () => now };
    try {
      const res = await call('finance', 'GET', `/api/quarters/${Q2}/accruals`);
      expect(res.status).toBe(200);
      const info = (await call('finance', 'GET', '/api/quarters')).body.quarters.find((q: { quarter: string }) => q.quarter === Q2);
      const days = quarterDays(info.firstDay, info.lastDay, now);
      expect(res.body).toMatchObject({ status: 'open', elapsedDays: days.elapsed, totalDays: days.total, asOf: '2016-05-15' });
      // Counted in Moscow days: the first day is day 1, 2016-05-15 is day 15 of May.
      const first = Date.parse(`${info.firstDay}T00:00:00Z`);
      expect(days.elapsed).toBe((Date.parse('2016-05-15T00:00:00Z') - first) / 86_400_000 + 1);
      expect(days.total).toBe((Date.parse(`${info.lastDay}T00:00:00Z`) - first) / 86_400_000 + 1);
      const payouts = await call('finance', 'GET', `/api/quarters/${Q2}/payouts`);
      const own = (payouts.body.lines as (LineJson & { adjustment?: unknown })[]).filter((l) => !l.adjustment);
      expect(res.body.total.amount).toBe(sum(own));
      for (const r of res.body.rows as { amount: string; projectedAmount: string }[])
        expect(r.projectedAmount).toBe(
          new Decimal(r.amount).div(days.elapsed).times(days.total).toDecimalPlaces(2, Decimal.ROUND_HALF_UP).toFixed(2),
        );
      expect(res.body.corrections).toBe(payouts.body.totals.correctionsTotal);

      const csv = await call('finance', 'GET', `/api/quarters/${Q2}/accruals?format=csv`);
      expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
      const rows = Papa.parse<Record<string, string>>((csv.body as string).trimEnd(), { header: true }).data;
      expect(rows.at(-1)).toMatchObject({
        program: 'all programs',
        amount_rub: res.body.total.amount,
        elapsed_days: String(days.elapsed),
        total_days: String(days.total),
      });
      const xlsx = await fetch(`${api.server.url}/api/quarters/${Q2}/accruals?format=xlsx`, {
        headers: { authorization: `Bearer ${api.token('finance')}` },
      });
      expect(xlsx.headers.get('content-type')).toMatch(/spreadsheetml/);
      // For a Russian reader the workbook's sheet, headers and total row are Russian; the figures the same.
      const ruBook = new ExcelJS.Workbook();
      await ruBook.xlsx.load(
        (await (
          await fetch(`${api.server.url}/api/quarters/${Q2}/accruals?format=xlsx`, {
            headers: { authorization: `Bearer ${api.token('finance')}`, 'accept-language': 'ru' },
          })
        ).arrayBuffer()) as ArrayBuffer,
      );
      const ruRows = (ruBook.getWorksheet('Начисления')!.getSheetValues().slice(1) as unknown[][]).map((r) => r.slice(1));
      expect(ruRows[0]!.join(' ')).not.toMatch(/[A-Za-z]{3,}/);
      expect(ruRows.at(-1)!.slice(1, 3)).toEqual(['все программы', 'все дистрибьюторы']);
      expect(ruRows.at(-1)![4]).toBe(Number(res.body.total.amount));
    } finally {
      env.rt.deps.clock = clock;
    }
    expect((await call('finance', 'GET', `/api/quarters/${Q1}/accruals`)).status).toBe(409);
  });
});

describe('redemptions', () => {
  it('spends credited points against the reward catalog, once per request, never more than the balance', async () => {
    const pages = await Promise.all(
      [...new Set(frozenLines.map((l) => l.partnerId))].map(async (id) => (await call('finance', 'GET', `/api/quarters/${Q1}/partners/${id}`)).body),
    );
    const rich = pages.find((p) => p.points.balance >= 1000);
    expect(rich).toBeDefined();
    const id = rich.partner.id;
    const made = await call('program', 'POST', `/api/partners/${id}/redemptions`, { rewardId: 'dell-mug', requestId: 'r-1', quarter: Q1 });
    expect(made.status).toBe(201);
    expect(made.body.balance).toBe(rich.points.balance - 1000);
    expect(made.body.entry).toMatchObject({ kind: 'redeem', points: -1000, partnerId: id });
    expect(made.body.entry.reason).toContain('recorded by program prog-1');
    const again = await call('program', 'POST', `/api/partners/${id}/redemptions`, { rewardId: 'dell-mug', requestId: 'r-1', quarter: Q1 });
    expect(again.status).toBe(200);
    expect(again.body.balance).toBe(made.body.balance);
    const page = await call('finance', 'GET', `/api/quarters/${Q1}/partners/${id}`);
    expect(page.body.points.balance).toBe(made.body.balance);
    const audit = await call('finance', 'GET', `/api/audit?actor=prog-1`);
    const spent = audit.body.entries.filter((e: { kind: string }) => e.kind === 'redemption');
    expect(spent).toHaveLength(1);
    expect(spent[0]).toMatchObject({ actor: { sub: 'prog-1', role: 'program' } });
    expect(spent[0].after.entry.reason).toBe(made.body.entry.reason);
    // For a Russian reader the entry's reason is said from its code; the reward and who recorded it as written.
    const inRussian = await call('finance', 'GET', '/api/audit?actor=prog-1', undefined, undefined, { 'accept-language': 'ru' });
    const spentRu = (inRussian.body as { entries: { kind: string; after: { entry: { reason: string } } }[] }).entries.find(
      (e) => e.kind === 'redemption',
    );
    expect(spentRu?.after.entry.reason).toMatch(/^Списано 1\s000 баллов за «.+» \(запрос r-1\), записал\(а\): менеджер программы prog-1$/);

    const tooMuch = await call('finance', 'POST', `/api/partners/${id}/redemptions`, { rewardId: 'latitude-10-tablet', quarter: Q1 });
    expect(made.body.balance).toBeLessThan(64310);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.message).toContain('more needed');
    expect((await call('finance', 'POST', `/api/partners/${id}/redemptions`, { rewardId: 'concierge', quarter: Q1 })).status).toBeGreaterThanOrEqual(400);
    expect((await call('finance', 'POST', `/api/partners/${id}/redemptions`, { rewardId: 'no-such', quarter: Q1 })).status).toBe(400);
    expect((await call('central', 'POST', `/api/partners/${id}/redemptions`, { rewardId: 'dell-mug' })).status).toBe(403);
    // An open quarter's points are pending, not credited: a partner with none credited cannot spend them.
    const poor = pages.find((p) => p.points.balance === 0);
    if (poor)
      expect((await call('finance', 'POST', `/api/partners/${poor.partner.id}/redemptions`, { rewardId: 'dell-mug', quarter: Q1 })).status).toBe(409);
  });
});

describe('concurrent redemptions', () => {
  it('never spend more than the balance when asked at once', async () => {
    const ids = [...new Set(frozenLines.map((l) => l.partnerId))];
    const pages = await Promise.all(ids.map(async (id) => (await call('finance', 'GET', `/api/quarters/${Q1}/partners/${id}`)).body));
    const p = pages.filter((x) => x.points.balance >= 1000).sort((a, b) => a.points.balance - b.points.balance)[0];
    expect(p).toBeDefined();
    const affordable = Math.floor(p.points.balance / 1000);
    const asks = affordable + 2;
    const answers = await Promise.all(
      Array.from({ length: asks }, (_, i) =>
        call('finance', 'POST', `/api/partners/${p.partner.id}/redemptions`, { rewardId: 'dell-mug', requestId: `burst-${i}`, quarter: Q1 }),
      ),
    );
    expect(answers.filter((a) => a.status === 201)).toHaveLength(affordable);
    expect(answers.filter((a) => a.status === 409)).toHaveLength(asks - affordable);
    const after = await call('finance', 'GET', `/api/quarters/${Q1}/partners/${p.partner.id}`);
    expect(after.body.points.balance).toBe(p.points.balance - 1000 * affordable);
  });
});

describe('verify of a closed quarter', () => {
  it('checks the snapshot, not a recomputation: a frozen total that is not the sum of its lines is a difference', async () => {
    const record = (await env.rt.deps.quarters.get(Q1))!;
    const original = await env.rt.deps.objects.getText(record.snapshotKey);
    const ok = (await verifyClosedQuarter(env.rt.deps, Q1))!;
    expect(ok).toMatchObject({ closedBy: 'fin-1', sha256: snapshotSha, differences: [] });
    // Corrections since the close are reported, not counted as differences.
    expect(ok.pendingAdjustments).toBeGreaterThan(0);
    try {
      const body = JSON.parse(original) as { total: string };
      body.total = new Decimal(body.total).plus(1).toFixed(2);
      await env.rt.deps.objects.put(record.snapshotKey, JSON.stringify(body), 'application/json');
      const bad = (await verifyClosedQuarter(env.rt.deps, Q1))!;
      expect(bad.differences.map((d) => d.detail)).toEqual([
        expect.stringMatching(/^the snapshot's total is .* its \d+ lines add up to .* RUB$/),
        expect.stringMatching(/^the quarter record says .* RUB was frozen, the snapshot .* RUB$/),
      ]);
      // Lines that no longer give the recorded checksum: reported, not thrown.
      const lines = JSON.parse(original) as { lines: { units: number }[] };
      lines.lines[0]!.units += 1;
      await env.rt.deps.objects.put(record.snapshotKey, JSON.stringify(lines), 'application/json');
      const broken = (await verifyClosedQuarter(env.rt.deps, Q1))!;
      expect(broken.differences.map((d) => d.detail)).toEqual([expect.stringContaining('does not match its checksum')]);
    } finally {
      await env.rt.deps.objects.put(record.snapshotKey, original, 'application/json');
    }
    expect((await verifyClosedQuarter(env.rt.deps, Q1))!.differences).toEqual([]);
  });
});
