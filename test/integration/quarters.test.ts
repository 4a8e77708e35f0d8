/**
 * Quarter close on the real emulators: the frozen snapshot and its checksum, corrections after the
 * close booked as adjustment lines in the next open quarter, and closes that race or crash.
 * Figures come from the 2016 client rate table at plan 50 (program-rules.md §3). The tests of this
 * file build on each other, in order: Q1 is closed first, then Q2, then Q3; Q4 races.
 */
import { createHash } from 'node:crypto';
import { Decimal } from 'decimal.js';
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { QuarterClosedError, SnapshotIntegrityError, toUserError } from '../../shared/errors.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import {
  closeQuarter,
  effectiveLines,
  exportQuarter,
  getSnapshot,
  listQuarters,
} from '../../shared/pipeline/quarters.js';
import { FaultInjector, throughputExceeded, throwing } from '../support/faults.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';
import { said } from '../support/render.js';

const [Q1, Q2, Q3, Q4] = ['2016-Q1', '2016-Q2', '2016-Q3', '2016-Q4'];
const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });
const deps = () => env.rt.deps;

const PREMIUM = 1155;
const VOSTRO_3XXX = 154;
const rub = (units: number, rate: number) => new Decimal(units).times(rate).toFixed(2);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD'; // client/premium
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const DIST = 'qc-a';

function report(date: string, items: [partnerId: string, description: string, qty: number][]): Buffer {
  const lines: SaleLine[] = items.map(([partnerId, description, qty], i) => ({
    date,
    invoice: `QC-${date}-${i}`,
    partnerId,
    description,
    qty,
  }));
  return renderReport(lines);
}
const q1Report = (latitude: number, vostro: number) =>
  report('2016-02-20', [
    ['QC101', LATITUDE, latitude],
    ['QC102', VOSTRO, vostro],
  ]);

/** A row without its last field, the causes (quoted when it holds a comma), which causesOf reads. */
const withoutCauses = (r: string) => r.replace(/,("(?:[^"]|"")*"|[^,"]*)$/, '');
const csvRows = (body: Buffer) => body.toString('utf8').trimEnd().split('\n').slice(1).map(withoutCauses);
const causesOf = (body: Buffer) =>
  Papa.parse<Record<string, string>>(body.toString('utf8').trimEnd(), { header: true }).data.map((r) => r.causes);
/** The export without the five columns after the spec's nine (none but the causes holds a comma here): what the checksum is of. */
const nine = (body: Buffer) =>
  Buffer.from(
    body
      .toString('utf8')
      .split('\n')
      .map((r) => (r ? withoutCauses(r).replace(/(,[^,]*){4}$/, '') : r))
      .join('\n'),
  );
const REPLACED = /^report incoming\/qc-a\/q1\.csv replaced \(version \w+ → \w+, uploader not recorded\)$/;

/** A workbook's sheets by name, each as rows of cell values from A1. */
async function sheetsOf(xlsx: Buffer): Promise<Map<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(xlsx as unknown as ArrayBuffer);
  return new Map(
    wb.worksheets.map((w) => [w.name, w.getSheetValues().slice(1).map((r) => (Array.isArray(r) ? r.slice(1) : []))]),
  );
}

describe('quarter close', () => {
  let q1Csv: Buffer;
  let q1Xlsx: Buffer;
  let q1Key: string;

  it('freezes Q1 with the checksum of its CSV export, the rules version and the report versions used', async () => {
    await env.importReference({
      distributors: [DIST],
      partners: [
        { id: 'QC101', name: 'ООО «Первый»' },
        { id: 'QC102', name: '=HYPERLINK("http://x","y")' },
      ],
      acceptances: [
        { partnerId: 'QC101', program: 'client' },
        { partnerId: 'QC102', program: 'client' },
      ],
    });
    q1Key = await env.upload(DIST, 'q1.csv', q1Report(60, 55));
    const q2Key = await env.upload(DIST, 'q2.csv', report('2016-05-20', [['QC101', LATITUDE, 50]]));
    expect((await listQuarters(deps())).map((q) => [q.quarter, q.status])).toEqual([
      [Q1, 'open'],
      [Q2, 'open'],
      [Q3, 'open'],
      [Q4, 'open'],
    ]);

    const snapshot = await closeQuarter(deps(), Q1, 'fin-1', '2016-04-05T10:00:00+03:00');
    expect(snapshot).toMatchObject({
      quarter: Q1,
      closedBy: 'fin-1',
      closedAt: '2016-04-05T07:00:00.000Z',
      rulesVersion: '2016-Q1.2',
    });
    expect(snapshot.reportVersions).toEqual({ [reportIdOf(q1Key)]: (await env.report(q1Key)).activeVersion });
    expect(snapshot.reportVersions).not.toHaveProperty(reportIdOf(q2Key));
    expect(snapshot.total.toFixed(2)).toBe(
      new Decimal(rub(60, PREMIUM)).plus(rub(55, VOSTRO_3XXX)).toFixed(2),
    );

    const csv = await exportQuarter(deps(), Q1, 'csv');
    expect(csv.fileName).toBe('payouts-2016-Q1.csv');
    expect(sha256(nine(csv.body))).toBe(snapshot.sha256);
    expect(csv.sha256).toBe(sha256(csv.body));
    expect(csvRows(csv.body)).toEqual([
      `2016-Q1,QC101,ООО «Первый»,${DIST},client,premium,60,1155.00,${rub(60, PREMIUM)},60,,,`,
      `2016-Q1,QC102,"'=HYPERLINK(""http://x"",""y"")",${DIST},client,vostro-3xxx,55,154.00,${rub(55, VOSTRO_3XXX)},55,,,`,
    ]);
    expect((await getSnapshot(deps(), Q1))?.sha256).toBe(snapshot.sha256);
    const q1Info = (await listQuarters(deps())).find((q) => q.quarter === Q1);
    expect(q1Info).toMatchObject({
      status: 'closed',
      closedAt: snapshot.closedAt,
      snapshotSha256: snapshot.sha256,
      rulesVersion: '2016-Q1.2',
    });
    q1Csv = csv.body;
    q1Xlsx = (await exportQuarter(deps(), Q1, 'xlsx')).body;
  });

  it('keeps Q1 as closed after a corrected report and a renamed partner, and books the difference in Q2', async () => {
    await env.importReference({ partners: [{ id: 'QC101', name: 'ООО «Первый» (new name)' }] });
    await env.upload(DIST, 'q1.csv', q1Report(63, 55));
    // The live payouts of Q1 follow the correction…
    expect((await env.payouts(Q1, 'QC101'))!.lines[0]!.units).toBe(63);
    // …but what was closed does not move: the CSV is the same file, the XLSX the same figures…
    expect((await exportQuarter(deps(), Q1, 'csv')).body.equals(q1Csv)).toBe(true);
    const [before, after] = [await sheetsOf(q1Xlsx), await sheetsOf((await exportQuarter(deps(), Q1, 'xlsx')).body)];
    expect(after.get('Payouts')).toEqual(before.get('Payouts'));
    const grand = (rows: unknown[][]) => rows.findIndex((r) => r[0] === 'grand total') + 1;
    expect(after.get('Totals')!.slice(0, grand(after.get('Totals')!))).toEqual(
      before.get('Totals')!.slice(0, grand(before.get('Totals')!)),
    );
    // …with the correction found since listed apart, as to be booked in Q2.
    expect([...after.keys()]).toEqual(['Payouts', 'Corrections since close', 'Totals']);
    expect(after.get('Corrections since close')!.slice(1).map((r) => [r[0], r[1], r[6], r[8], r[13], r[14]])).toEqual([
      [Q1, 'QC101', 3, 3 * PREMIUM, Q2, 'pending'],
    ]);
    expect(String(after.get('Corrections since close')![1]![15])).toMatch(REPLACED);
    expect((await effectiveLines(deps(), Q1)).lines.find((l) => l.partnerId === 'QC101')!.units).toBe(60);

    const q2 = await effectiveLines(deps(), Q2);
    expect(q2.status).toBe('open');
    const adjustments = q2.lines.filter((l) => l.adjustmentOf);
    expect(
      adjustments.map((l) => [
        l.adjustmentOf,
        l.partnerId,
        l.program,
        l.rateRow,
        l.units,
        l.amount.toFixed(2),
      ]),
    ).toEqual([[Q1, 'QC101', 'client', 'premium', 3, rub(3, PREMIUM)]]);
    expect(said(adjustments[0]!)).toMatch(
      /^Adjustment to 2016-Q1: units changed from 60 to 63 and the amount from 69300\.00 to 72765\.00 RUB \(\+3465\.00\) after report incoming\/qc-a\/q1\.csv replaced \(version \w+ → \w+, uploader not recorded\)\./,
    );
    expect(q2.total.toFixed(2)).toBe(new Decimal(rub(50, PREMIUM)).plus(rub(3, PREMIUM)).toFixed(2));

    const csv = await exportQuarter(deps(), Q2, 'csv');
    expect(csvRows(csv.body)).toEqual([
      `2016-Q2,QC101,ООО «Первый» (new name),${DIST},client,premium,50,1155.00,${rub(50, PREMIUM)},50,,,`,
      `2016-Q1,QC101,ООО «Первый» (new name),${DIST},client,premium,3,1155.00,${rub(3, PREMIUM)},3,,,`,
    ]);
    const [own, correction] = causesOf(csv.body);
    expect(own).toBe('');
    expect(correction).toMatch(REPLACED);
    // Only the first open quarter after Q1 gets it.
    expect((await effectiveLines(deps(), Q3)).lines).toEqual([]);

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await exportQuarter(deps(), Q2, 'xlsx')).body as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Payouts', 'Adjustments', 'Totals']);
    expect(wb.getWorksheet('Adjustments')!.getRow(2).getCell(9).value).toBe(3 * PREMIUM);
  });

  it('refuses to close Q1 again with a 409', async () => {
    const err = await closeQuarter(deps(), Q1, 'fin-2', new Date()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuarterClosedError);
    expect(toUserError(err)).toMatchObject({ status: 409, code: 'quarter-closed' });
    expect((await getSnapshot(deps(), Q1))!.closedBy).toBe('fin-1');
  });

  it('answers 404 for a quarter without rules and 400 for an unknown export format', async () => {
    const missing = await effectiveLines(deps(), '2015-Q4').catch((e: unknown) => e);
    expect(toUserError(missing)).toMatchObject({ status: 404, code: 'not-found' });
    expect((missing as Error).message).toMatch(/2015-Q4.*2016-Q1, 2016-Q2, 2016-Q3, 2016-Q4/);
    const badFormat = await exportQuarter(deps(), Q1, 'pdf' as 'csv').catch((e: unknown) => e);
    expect(toUserError(badFormat)).toMatchObject({ status: 400 });
  });

  it('freezes the adjustment with Q2, so a later correction of Q1 books only the new difference, in Q3', async () => {
    const q2Snapshot = await closeQuarter(deps(), Q2, 'fin-1', '2016-07-05T10:00:00+03:00');
    expect(q2Snapshot.lines.filter((l) => l.adjustmentOf === Q1).map((l) => l.units)).toEqual([3]);
    const q2Csv = (await exportQuarter(deps(), Q2, 'csv')).body;
    expect(sha256(nine(q2Csv))).toBe(q2Snapshot.sha256);
    // Already paid in Q2: not paid again in Q3.
    expect((await effectiveLines(deps(), Q3)).lines).toEqual([]);

    await env.upload(DIST, 'q1.csv', q1Report(65, 50));
    const q3 = await effectiveLines(deps(), Q3);
    expect(q3.lines.map((l) => [l.adjustmentOf, l.partnerId, l.units, l.amount.toFixed(2)])).toEqual([
      [Q1, 'QC101', 2, rub(2, PREMIUM)],
      [Q1, 'QC102', -5, rub(-5, VOSTRO_3XXX)],
    ]);
    expect(said(q3.lines[0]!)).toMatch(/units changed from 63 to 65/);
    expect(q3.total.toFixed(2)).toBe(new Decimal(rub(2, PREMIUM)).plus(rub(-5, VOSTRO_3XXX)).toFixed(2));
    const q3Csv = (await exportQuarter(deps(), Q3, 'csv')).body;
    expect(csvRows(q3Csv)).toEqual([
      `2016-Q1,QC101,ООО «Первый» (new name),${DIST},client,premium,2,1155.00,${rub(2, PREMIUM)},2,,,`,
      `2016-Q1,QC102,"'=HYPERLINK(""http://x"",""y"")",${DIST},client,vostro-3xxx,-5,154.00,${rub(-5, VOSTRO_3XXX)},-5,,,`,
    ]);
    for (const causes of causesOf(q3Csv)) expect(causes).toMatch(REPLACED);
    expect((await exportQuarter(deps(), Q2, 'csv')).body.equals(q2Csv)).toBe(true);
  });

  it('leaves Q3 open after a crash between the snapshot upload and the close record; the retry closes it', async () => {
    const fault = faults.arm({
      client: 'doc',
      command: 'PutCommand',
      match: (input) => (input.Item as Record<string, unknown> | undefined)?.pk === `QUARTER#${Q3}`,
      fail: throwing(throughputExceeded),
    });
    await expect(closeQuarter(deps(), Q3, 'fin-1', new Date())).rejects.toThrow(/throughput/);
    fault.disarm();
    expect(fault.fired).toBe(1);
    expect((await listQuarters(deps())).find((q) => q.quarter === Q3)?.status).toBe('open');
    expect(await getSnapshot(deps(), Q3)).toBeNull();

    const snapshot = await closeQuarter(deps(), Q3, 'fin-1', new Date());
    expect(snapshot.lines.map((l) => [l.adjustmentOf, l.partnerId, l.units])).toEqual([
      [Q1, 'QC101', 2],
      [Q1, 'QC102', -5],
    ]);
    expect(sha256(nine((await exportQuarter(deps(), Q3, 'csv')).body))).toBe(snapshot.sha256);
  });

  it('lets exactly one of several concurrent closes win', async () => {
    const closers = ['fin-a', 'fin-b', 'fin-c'];
    const results = await Promise.allSettled(closers.map((who) => closeQuarter(deps(), Q4, who, new Date())));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r) => r.status === 'rejected');
    expect(won).toHaveLength(1);
    for (const r of lost) expect(r.reason).toBeInstanceOf(QuarterClosedError);
    const winner = (won[0] as PromiseFulfilledResult<Awaited<ReturnType<typeof closeQuarter>>>).value;
    const stored = await getSnapshot(deps(), Q4);
    expect(stored?.closedBy).toBe(winner.closedBy);
    expect(stored?.sha256).toBe(winner.sha256);
  });

  it('refuses a snapshot whose stored body no longer matches its checksum', async () => {
    const { snapshotKey } = (await deps().quarters.get(Q1))!;
    const original = await deps().objects.getText(snapshotKey);
    const body = JSON.parse(original) as { lines: { units: number }[] };
    body.lines[0]!.units += 1;
    await deps().objects.put(snapshotKey, JSON.stringify(body), 'application/json');
    try {
      await expect(exportQuarter(deps(), Q1, 'csv')).rejects.toBeInstanceOf(SnapshotIntegrityError);
    } finally {
      await deps().objects.put(snapshotKey, original, 'application/json');
    }
    expect((await exportQuarter(deps(), Q1, 'csv')).body.equals(q1Csv)).toBe(true);
  });
});
