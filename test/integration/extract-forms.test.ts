/**
 * A deployed bucket holds extracts in the first stored form (gzip JSON, `rebates-extract/1`),
 * written before the binary form. The computation reads them as they are, and `verify`, which
 * writes a fresh extract of the raw report to compare its sha256 with the stored one, writes it in
 * the form the record's extract is in: a report ingested then still matches.
 *
 * 2016-Q1 client program: vostro-3xxx lines, a service tag on one.
 */
import { gunzipSync } from 'node:zlib';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { computeQuarterNow } from '../../shared/pipeline/compute.js';
import { EXTRACT_FORMAT } from '../../shared/pipeline/extract.js';
import { decodeExtract, EXTRACT_FORMS, storableExtract } from '../../shared/pipeline/extract-codec.js';
import { verifyQuarter } from '../../shared/pipeline/verify.js';
import { renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

const env = useLocalRuntime();

describe('extracts stored in the first form', () => {
  it('are computed from, and verify still finds their report matching', async () => {
    await env.importReference({
      distributors: ['ef-d'],
      partners: ['EFP1', 'EFP2'],
      acceptances: [
        { partnerId: 'EFP1', program: 'client' },
        { partnerId: 'EFP2', program: 'client' },
      ],
    });
    const key = await env.upload(
      'ef-d',
      'jan.csv',
      renderReport([
        { date: '2016-02-10', invoice: 'E-1', partnerId: 'EFP1', description: VOSTRO, qty: 3 },
        { date: '2016-02-11', invoice: 'E-2', partnerId: 'EFP2', description: VOSTRO, qty: 2, serviceTag: 'EF12345' },
        { date: '2016-02-12', invoice: 'E-3', partnerId: 'EFP1', description: VOSTRO, qty: 1 },
      ]),
    );
    const record = await env.report(key);
    expect(record.extractKey).toMatch(/^extracts\/.+\/[0-9a-f]{64}\.bin$/);
    const paid = [await env.payouts(Q1, 'EFP1'), await env.payouts(Q1, 'EFP2')];
    expect(paid.map((p) => p?.total.toFixed(2))).not.toContain(undefined);
    expect((await verifyQuarter(env.rt.deps, Q1)).differences).toEqual([]);

    // The report as ingested before the binary form: its extract in the first form, the record naming it.
    const extract = decodeExtract((await env.rt.deps.objects.getBytes(record.extractKey!))!, record.extractSha256);
    const old = storableExtract(record.reportId, extract, EXTRACT_FORMAT);
    expect(old.key).toMatch(/\.json\.gz$/);
    await env.rt.deps.objects.put(old.key, old.bytes, old.contentType);
    await env.rt.stack.clients.doc.send(
      new UpdateCommand({
        TableName: env.rt.stack.tableName,
        Key: { pk: `REPORT#${record.reportId}`, sk: 'META' },
        UpdateExpression: 'SET extractKey = :k, extractSha256 = :s',
        ExpressionAttributeValues: { ':k': old.key, ':s': old.sha256 },
      }),
    );
    // Inputs that name the old extract: computed from it, with the same payouts.
    const outcome = await computeQuarterNow(env.rt.deps, Q1, 'the extract as stored before the binary form');
    expect(outcome.status).toBe('computed');
    if (outcome.status !== 'computed') return;
    expect(outcome.computation.record.reports).toEqual([
      { reportId: record.reportId, version: record.activeVersion, extractSha256: old.sha256 },
    ]);
    expect([await env.payouts(Q1, 'EFP1'), await env.payouts(Q1, 'EFP2')]).toEqual(paid);
    expect((await verifyQuarter(env.rt.deps, Q1)).differences).toEqual([]);
  });

  it('are written again under EXTRACT_FORM=json, and a quarter of both forms computes and verifies', async () => {
    // The release that must be safe to roll back to code reading only gzip JSON writes that form.
    await env.importReference({
      distributors: ['ef-m'],
      partners: ['EFP3'],
      acceptances: [{ partnerId: 'EFP3', program: 'client' }],
    });
    const before = env.rt.deps.extractFormat;
    env.rt.deps.extractFormat = EXTRACT_FORMS.json;
    let old: string;
    try {
      old = await env.upload(
        'ef-m',
        'feb.csv',
        renderReport([
          { date: '2016-02-10', invoice: 'M-1', partnerId: 'EFP3', description: VOSTRO, qty: 4 },
          { date: '2016-02-11', invoice: 'M-2', partnerId: 'EFP3', description: VOSTRO, qty: 1, serviceTag: 'EF54321' },
        ]),
      );
    } finally {
      env.rt.deps.extractFormat = before;
    }
    const oldRecord = await env.report(old);
    expect(oldRecord.extractKey).toMatch(/^extracts\/.+\/[0-9a-f]{64}\.json\.gz$/);
    const oldBytes = (await env.rt.deps.objects.getBytes(oldRecord.extractKey!))!;
    expect(gunzipSync(oldBytes).toString('utf8')).toMatch(/^\{"format":"rebates-extract\/1"/);

    // The next report of the same quarter, written by the release after it: the binary form.
    const next = await env.upload(
      'ef-m',
      'mar.csv',
      renderReport([{ date: '2016-03-10', invoice: 'M-3', partnerId: 'EFP3', description: VOSTRO, qty: 2 }]),
    );
    const nextRecord = await env.report(next);
    expect(nextRecord.extractKey).toMatch(/\.bin$/);

    // The upload computed the quarter from both extracts: both reports' lines are paid, 4 + 1 + 2 units.
    const paid = await env.payouts(Q1, 'EFP3');
    expect(paid?.lines.map((l) => l.units).reduce((a, b) => a + b, 0)).toBe(7);
    expect((await verifyQuarter(env.rt.deps, Q1)).differences).toEqual([]);
  });
});
