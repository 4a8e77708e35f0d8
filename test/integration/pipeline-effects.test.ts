/**
 * Exactly-once effect and results on the real emulators: duplicate events, crashes and retries,
 * corrected uploads, concurrent distributors, reference-data changes, explanations and the points
 * ledger. Payout figures come from the 2016-Q1 rate tables (program-rules.md §3) and points from
 * the sample campaign in samples/rules/2016-Q1.json.
 */
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { Decimal } from 'decimal.js';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler, decodeS3Key } from '../../functions/ingest/handler.js';
import type { LocalS3EventRecord } from '../../local/local-stack.js';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { PAYOUT_SHARDS } from '../../shared/adapters/dynamo/payouts.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { computeQuarterNow, latestComputation } from '../../shared/pipeline/compute.js';
import type { ComputeRequest } from '../../shared/ports/index.js';
import { cuttingBody, FaultInjector, throughputExceeded, throwing } from '../support/faults.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';
import { said } from '../support/render.js';
import { sqsEvent } from '../support/sqs-event.js';

const Q1 = '2016-Q1';
const faults = new FaultInjector();
const errors: { what: string; message: string }[] = [];
const env = useLocalRuntime({
  wrapClients: faults.wrap,
  onError: (what, err) => errors.push({ what, message: (err as Error).message }),
});

afterEach(() => faults.disarmAll());

const rub = (...terms: [units: number, rate: number][]) =>
  terms.reduce((sum, [u, r]) => sum.plus(new Decimal(u).times(r)), new Decimal(0)).toFixed(2);

// Rates at plan 50 (client) and the sample campaign's points per unit.
const PREMIUM = 1155;
const VOSTRO_3XXX = 154;
const MAINSTREAM = 539;
const WORKSTATION = 1925;
const POINTS_PREMIUM = 75;
const POINTS_VOSTRO = 10;

const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD'; // client/premium
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const INSPIRON = 'INSPIRON 5567 NB I7-7500U 16GB 2TB'; // client/mainstream (consumer)
const PRECISION = 'Dell Precision 7510 mobile workstation'; // client/workstation, gated: precision

/** Lines of one partner, one invoice per entry: [description, qty]. */
function sales(
  partnerId: string,
  items: [description: string, qty: number][],
  invoicePrefix = partnerId,
): SaleLine[] {
  return items.map(([description, qty], i) => ({
    date: '2016-02-20',
    invoice: `${invoicePrefix}-${i + 1}`,
    partnerId,
    description,
    qty,
  }));
}

async function setUpPartners(ids: string[], plan: number | null = null, distributors = ['ex-a']) {
  await env.importReference({
    distributors,
    partners: ids,
    acceptances: ids.map((partnerId) => ({ partnerId, program: 'client', plan })),
  });
}

const total = async (partnerId: string) => (await env.payouts(Q1, partnerId))?.total.toFixed(2);

/** The next ObjectCreated record for `key`, as S3 would put it in an SQS message. */
function nextRecordFor(key: string): Promise<LocalS3EventRecord> {
  return new Promise((resolve) => {
    const off = env.rt.stack.onObjectCreated((record) => {
      if (decodeS3Key(record.s3.object.key) !== key) return;
      off();
      resolve(record);
    });
  });
}


const isExtractPutOf = (key: string) => (input: Record<string, unknown>) =>
  String(input.Key).startsWith(`extracts/${reportIdOf(key)}/`);

describe('exactly once under at-least-once delivery', () => {
  it('skips a redelivered S3 notification: nothing is recounted, recomputed or rewritten', async () => {
    await setUpPartners(['DU101']);
    const key = 'incoming/ex-a/dup.csv';
    const record = nextRecordFor(key);
    await env.upload(
      'ex-a',
      'dup.csv',
      renderReport(
        sales('DU101', [
          [LATITUDE, 40],
          [LATITUDE, 20],
        ]),
      ),
    );
    expect(await total('DU101')).toBe(rub([60, PREMIUM]));
    const before = await env.report(key);
    const payoutsBefore = await env.rt.deps.payouts.get(Q1, 'DU101');
    const ledgerBefore = (await env.rt.deps.reference.partnerState('DU101')).ledger;

    const published: ComputeRequest[] = [];
    const handler = createIngestHandler(() => ({
      ...env.rt.deps,
      compute: { publish: async (requests) => void published.push(...requests) },
    }));
    const computationBefore = await env.rt.deps.computations.latest(Q1);
    const body = JSON.stringify({ Records: [await record] });
    for (let i = 0; i < 2; i++) {
      const res = await handler(sqsEvent(body), {} as never);
      expect(res.batchItemFailures).toEqual([]);
    }
    await env.rt.idle();

    // A redelivery asks for the quarter again (in case a crash came before the first request),
    // and that computation finds nothing changed.
    expect(published.map((r) => r.quarter)).toEqual([Q1, Q1]);
    await env.rt.deps.compute.publish(published);
    await env.rt.idle();
    expect(await env.rt.deps.computations.latest(Q1)).toEqual(computationBefore);
    expect(await env.report(key)).toEqual(before);
    expect(await env.rt.deps.payouts.get(Q1, 'DU101')).toEqual(payoutsBefore);
    expect((await env.rt.deps.reference.partnerState('DU101')).ledger).toEqual(ledgerBefore);
    expect(await env.extractKeys(key)).toHaveLength(1);
  });

  it('counts identical bytes uploaded again to the same key once', async () => {
    await setUpPartners(['DU201']);
    const body = renderReport(sales('DU201', [[VOSTRO, 55]]));
    const key = await env.upload('ex-a', 'same-bytes.csv', body);
    await env.upload('ex-a', 'same-bytes.csv', body);
    expect(await total('DU201')).toBe(rub([55, VOSTRO_3XXX]));
    expect((await env.payouts(Q1, 'DU201'))!.lines.map((l) => l.units)).toEqual([55]);
    expect(await env.extractKeys(key)).toHaveLength(1);
  });

  it('recomputes the quarter only the replaced version touched when the retry finds the correction already active', async () => {
    await setUpPartners(['RB101']);
    const inQ1 = { ...sales('RB101', [[VOSTRO, 52]], 'RB-Q1')[0]!, date: '2016-02-20' };
    const inQ2 = (qty: number) => ({ ...sales('RB101', [[VOSTRO, qty]], 'RB-Q2')[0]!, date: '2016-05-20' });
    const key = await env.upload('ex-a', 'two-quarters.csv', renderReport([inQ1, inQ2(52)]));
    expect(await total('RB101')).toBe(rub([52, VOSTRO_3XXX]));

    // The correction has no Q1 line. It becomes active, then freeing the first bytes fails (a
    // throttle, or a crash there) before any computation is asked for: the event is retried and
    // finds its version already active.
    const fault = faults.arm({
      client: 'doc',
      command: 'DeleteCommand',
      match: (input) => (input.Key as { pk?: string } | undefined)?.pk === 'FILES',
      fail: throwing(throughputExceeded),
    });
    const errorsBefore = errors.length;
    await env.upload('ex-a', 'two-quarters.csv', renderReport([inQ2(51)]));
    expect(fault.fired).toBe(1);
    expect(errors.slice(errorsBefore)).toEqual([{ what: 'ingest', message: expect.stringMatching(/throughput/) }]);
    expect((await env.report(key)).quarters).toEqual(['2016-Q2']);
    // Q1 is computed again without the replaced version's line.
    expect((await env.payouts(Q1, 'RB101'))?.lines ?? []).toEqual([]);
  });

  it('recovers from a crash while storing the extract: the retry writes the same extract', async () => {
    const ids = Array.from({ length: 30 }, (_, i) => `CR${String(i + 1).padStart(3, '0')}`);
    await setUpPartners(ids);
    const key = 'incoming/ex-a/crash.csv';
    const fault = faults.arm({
      client: 's3',
      command: 'PutObjectCommand',
      match: isExtractPutOf(key),
      fail: throwing(throughputExceeded),
    });
    const errorsBefore = errors.length;
    const lines = ids.flatMap((id, i) =>
      sales(id, [
        [LATITUDE, 25],
        [LATITUDE, 25 + i],
      ]),
    );
    await env.upload('ex-a', 'crash.csv', renderReport(lines));

    expect(fault.fired).toBe(1);
    expect(errors.slice(errorsBefore)).toEqual([
      { what: 'ingest', message: expect.stringMatching(/throughput/) },
    ]);
    expect(faults.count('s3', 'GetObjectCommand', (input) => input.Key === key)).toBe(2);
    expect(env.rt.deadLetters()).toEqual([]);
    const report = await env.report(key);
    expect(report.status).toBe('processed');
    expect(report.counts).toMatchObject({ read: 60, extracted: 60, rejected: 0 });
    expect(await env.extractKeys(key)).toEqual([report.extractKey]);
    for (const [i, id] of ids.entries()) expect(await total(id), id).toBe(rub([50 + i, PREMIUM]));
  });

  it('recovers from an S3 body stream that breaks mid-file', async () => {
    await setUpPartners(['BC101', 'BC102']);
    const key = 'incoming/ex-a/cut.csv';
    const lines = Array.from(
      { length: 1500 },
      (_, i) => sales(i % 2 ? 'BC102' : 'BC101', [[LATITUDE, 1]], `BC-${i}`)[0]!,
    );
    const body = renderReport(lines);
    expect(body.length).toBeGreaterThan(100_000);
    const fault = faults.arm({
      client: 's3',
      command: 'GetObjectCommand',
      match: (input) => input.Key === key,
      fail: cuttingBody(70_000),
    });
    const errorsBefore = errors.length;
    await env.upload('ex-a', 'cut.csv', body);

    expect(fault.fired).toBe(1);
    expect(errors.slice(errorsBefore)).toEqual([
      { what: 'ingest', message: expect.stringMatching(/ECONNRESET/) },
    ]);
    expect(env.rt.deadLetters()).toEqual([]);
    const report = await env.report(key);
    expect(report.status).toBe('processed');
    expect(report.counts).toMatchObject({ read: 1500, extracted: 1500, rejected: 0 });
    expect(report.bytes).toBe(body.length);
    expect(await total('BC101')).toBe(rub([750, PREMIUM]));
    expect(await total('BC102')).toBe(rub([750, PREMIUM]));
  });

  it('retries a throttled computation until the payouts are written', async () => {
    await setUpPartners(['TH101']);
    // TH101's payout is written in its quarter's shard.
    const shard = keys.payoutShard(Q1, bucketOf('TH101', PAYOUT_SHARDS));
    const isPayout = (item: unknown) => {
      const i = item as Record<string, unknown> | undefined;
      return i?.pk === shard.pk && i.sk === shard.sk;
    };
    const throttled = faults.arm({
      client: 'doc',
      command: 'BatchWriteCommand',
      match: (input) =>
        Object.values(input.RequestItems as Record<string, { PutRequest?: { Item?: unknown } }[]>)
          .flat()
          .some((r) => isPayout(r.PutRequest?.Item)),
      times: 2,
      fail: throwing(throughputExceeded),
    });
    await env.upload('ex-a', 'throttled.csv', renderReport(sales('TH101', [[LATITUDE, 51]])));
    expect(throttled.fired).toBe(2);
    expect(env.rt.deadLetters()).toEqual([]);
    expect(await total('TH101')).toBe(rub([51, PREMIUM]));
  });
});

describe('report versions and distributors', () => {
  it('ingests only what lands in the reports bucket, as the bucket notification does in AWS', async () => {
    await setUpPartners(['OB101']);
    const { s3 } = env.rt.stack.clients;
    const other = 'not-the-reports-bucket';
    await s3.send(new CreateBucketCommand({ Bucket: other }));
    const key = 'incoming/ex-a/elsewhere.csv';
    const seen = nextRecordFor(key);
    await s3.send(
      new PutObjectCommand({ Bucket: other, Key: key, Body: renderReport(sales('OB101', [[LATITUDE, 60]])) }),
    );
    expect((await seen).s3.bucket.name).toBe(other);
    await env.rt.idle();
    expect(await env.rt.deps.reports.get(reportIdOf(key))).toBeNull();
    expect((await total('OB101')) ?? '0.00').toBe('0.00');
  });

  it('counts only the corrected upload of a key, and adds a different key on top', async () => {
    await setUpPartners(['RE101', 'RE102', 'RE103']);
    const key = await env.upload(
      'ex-a',
      'corrected.csv',
      renderReport([...sales('RE101', [[LATITUDE, 60]]), ...sales('RE102', [[VOSTRO, 55]])]),
    );
    expect(await total('RE101')).toBe(rub([60, PREMIUM]));
    expect(await total('RE102')).toBe(rub([55, VOSTRO_3XXX]));
    const first = await env.report(key);

    await env.upload(
      'ex-a',
      'corrected.csv',
      renderReport([...sales('RE101', [[LATITUDE, 52]]), ...sales('RE103', [[INSPIRON, 70]])]),
    );
    const second = await env.report(key);
    expect(second.activeVersion).not.toBe(first.activeVersion);
    expect(second.counts).toMatchObject({ read: 2, extracted: 2 });
    expect(await total('RE101')).toBe(rub([52, PREMIUM]));
    // Nothing of RE102 counts any more: its payout is gone.
    expect(await env.payouts(Q1, 'RE102')).toBeNull();
    expect(await total('RE103')).toBe(rub([70, MAINSTREAM]));
    const { body } = (await latestComputation(env.rt.deps, Q1))!;
    expect(body.record.reports.filter((r) => r.reportId === second.reportId)).toEqual([
      { reportId: second.reportId, version: second.activeVersion, extractSha256: second.extractSha256 },
    ]);

    await env.upload(
      'ex-a',
      'corrected-extra.csv',
      renderReport(sales('RE101', [[LATITUDE, 10]], 'RE101-X')),
    );
    const lines = (await env.payouts(Q1, 'RE101'))!.lines;
    expect(lines.map((l) => [l.distributorId, l.rateRow, l.units])).toEqual([['ex-a', 'premium', 62]]);
    expect(await total('RE101')).toBe(rub([62, PREMIUM]));
  });

  it('counts concurrent uploads of two distributors toward one partner plan', async () => {
    // Neither distributor alone reaches the chosen plan 50; together they do.
    await setUpPartners(['CO101'], 50, ['ex-a', 'ex-b']);
    await env.uploadAll([
      {
        distributorId: 'ex-a',
        name: 'co-a.csv',
        content: renderReport(sales('CO101', [[LATITUDE, 30]], 'CO-A')),
      },
      {
        distributorId: 'ex-b',
        name: 'co-b.csv',
        content: renderReport(sales('CO101', [[LATITUDE, 25]], 'CO-B')),
      },
    ]);
    const p = (await env.payouts(Q1, 'CO101'))!;
    expect(p.lines.map((l) => [l.distributorId, l.units, l.amount.toFixed(2)])).toEqual([
      ['ex-a', 30, rub([30, PREMIUM])],
      ['ex-b', 25, rub([25, PREMIUM])],
    ]);
    expect(p.progress.find((t) => t.program === 'client')).toMatchObject({
      units: 55,
      chosenPlan: 50,
      appliedPlan: 50,
    });
    expect(p.total.toFixed(2)).toBe(rub([55, PREMIUM]));
  });
});

describe('reference data changes', () => {
  it('recomputes payouts when an acceptance or a training changes, without re-reading the report', async () => {
    await setUpPartners(['RC101'], 150);
    const key = await env.upload(
      'ex-a',
      'rc.csv',
      renderReport(
        sales('RC101', [
          [LATITUDE, 60],
          [PRECISION, 10],
        ]),
      ),
    );
    const reads = () => faults.count('s3', 'GetObjectCommand', (input) => input.Key === key);
    const readsAfterUpload = reads();
    // Chose plan 150 with 70 units: the program pays nothing.
    expect(await total('RC101')).toBe('0.00');
    expect((await env.payouts(Q1, 'RC101'))!.lines[0]!.explanation).toMatchObject({
      reason: 'plan-not-met',
      missingUnits: 80,
    });

    // A later acceptance lowers the plan.
    await env.importReference({
      acceptances: [
        { partnerId: 'RC101', program: 'client', plan: 50, acceptedAt: '2016-03-01T10:00:00+03:00' },
      ],
    });
    let p = (await env.payouts(Q1, 'RC101'))!;
    expect(p.total.toFixed(2)).toBe(rub([60, PREMIUM]));
    const precision = p.lines.find((l) => l.rateRow === 'workstation')!;
    expect(precision).toMatchObject({ units: 10, paidUnits: 0 });
    expect(precision.explanation.reason).toBe('training-missing');
    expect(precision.explanation.missingCourses?.join(' ')).toMatch(
      /DPWS0212WBTS.*DPWT0212WBTT|DPWT0212WBTT.*DPWS0212WBTS/,
    );
    expect(said(precision)).toMatch(
      /earn 0 without .*DPWT0212WBTT completed before the training deadline/,
    );

    // Completed inside the quarter but after the training deadline (2016-04-01 00:00 Moscow): late.
    await env.importReference({
      trainings: [
        { partnerId: 'RC101', courseCode: 'DPWS0212WBTS', completedAt: '2016-03-01T10:00:00+03:00' },
        { partnerId: 'RC101', courseCode: 'DPWT0212WBTT', completedAt: '2016-04-29T23:59:00+03:00' },
      ],
    });
    p = (await env.payouts(Q1, 'RC101'))!;
    expect(p.total.toFixed(2)).toBe(rub([60, PREMIUM]));
    const late = p.lines.find((l) => l.rateRow === 'workstation')!.explanation;
    expect(late.missingCourses).toEqual(['DPWT0212WBTT']);
    expect(late.lateCourses).toEqual([{ course: 'DPWT0212WBTT', completedAt: '2016-04-29T23:59:00+03:00' }]);
    expect(said(p.lines.find((l) => l.rateRow === 'workstation')!)).toContain('before the training deadline 2016-04-01T00:00:00+03:00');

    await env.importReference({
      trainings: [
        { partnerId: 'RC101', courseCode: 'DPWT0212WBTT', completedAt: '2016-03-31T23:59:00+03:00' },
      ],
    });
    p = (await env.payouts(Q1, 'RC101'))!;
    expect(p.total.toFixed(2)).toBe(rub([60, PREMIUM], [10, WORKSTATION]));
    expect(reads()).toBe(readsAfterUpload);
  });

  it('counts a line once a catalog mapping classifies its SKU, without reading the report again', async () => {
    await setUpPartners(['CA101']);
    const vostro5468: SaleLine = {
      date: '2016-03-02',
      invoice: 'CA-9',
      partnerId: 'CA101',
      description: 'Dell Vostro 5468',
      sku: '5468-7851',
      qty: 5,
    };
    const key = await env.upload(
      'ex-a',
      'catalog.csv',
      renderReport([...sales('CA101', [[LATITUDE, 50]]), vostro5468]),
    );
    expect(await env.rejects(key)).toEqual([]);
    expect((await env.held(key)).map((h) => [h.line, h.reason])).toEqual([[3, 'unclassified-product']]);
    expect(await total('CA101')).toBe(rub([50, PREMIUM]));
    const others = async () =>
      (await env.rt.deps.payouts.listQuarter(Q1))
        .filter((s) => s.result.partnerId !== 'CA101')
        .map((s) => [s.result.partnerId, s.result.total.toFixed(2)])
        .sort();
    const othersBefore = await others();
    const before = await env.report(key);
    const rawReads = () => faults.count('s3', 'GetObjectCommand', (input) => String(input.Key).startsWith('incoming/'));
    const readsBefore = rawReads();

    await env.importReference({ catalog: [{ sku: '5468-7851', program: 'client', rateRow: 'premium' }] });

    expect(rawReads()).toBe(readsBefore);
    expect(await env.report(key)).toEqual(before);
    expect(await env.held(key)).toEqual([]);
    expect(await total('CA101')).toBe(rub([55, PREMIUM]));
    expect(await others()).toEqual(othersBefore);
    expect(env.rt.deadLetters()).toEqual([]);
  });
});

describe('explanations and points', () => {
  it('explains every payout line and keeps pending points whose sources name payout lines; a second computation writes nothing', async () => {
    await setUpPartners(['LE101']);
    await env.upload(
      'ex-a',
      'ledger.csv',
      renderReport(
        sales('LE101', [
          [LATITUDE, 40],
          [VOSTRO, 12],
        ]),
      ),
    );
    const p = (await env.payouts(Q1, 'LE101'))!;
    expect(p.total.toFixed(2)).toBe(rub([40, PREMIUM], [12, VOSTRO_3XXX]));
    for (const line of p.lines) {
      expect(line.explanation).toMatchObject({
        plan: 50,
        planBasis: 'highest-reached',
        programUnits: 52,
        reason: null,
      });
      // A sentence a manager can read out: where, how many, at what rate, for how much.
      expect(said(line)).toContain(`distributor ex-a in rate row ${line.rateRow}`);
      expect(said(line)).toContain(
        `× ${line.rate.toFixed(2)} RUB = ${line.amount.toFixed(2)} RUB`,
      );
    }

    // An open quarter's points are pending, inside the payout result; the ledger gets them at close.
    const stored = (await env.rt.deps.payouts.get(Q1, 'LE101'))!;
    const lineSources = new Set(
      p.lines.map((l) => `payout:${Q1}/LE101/${l.distributorId}/${l.program}/${l.rateRow}`),
    );
    expect(stored.points.length).toBeGreaterThan(0);
    for (const e of stored.points) expect(lineSources, e.source).toContain(e.source);
    expect(Object.fromEntries(stored.points.map((e) => [e.source, e.points]))).toEqual({
      [`payout:${Q1}/LE101/ex-a/client/premium`]: 40 * POINTS_PREMIUM,
      [`payout:${Q1}/LE101/ex-a/client/vostro-3xxx`]: 12 * POINTS_VOSTRO,
    });
    expect((await env.rt.deps.reference.partnerState('LE101')).ledger).toEqual([]);

    expect((await computeQuarterNow(env.rt.deps, Q1, 'test')).status).toBe('unchanged');
    expect(await env.rt.deps.payouts.get(Q1, 'LE101')).toEqual(stored);
    expect(await total('LE101')).toBe(p.total.toFixed(2));
  });
});
