/**
 * A deployed bucket holds extracts in the first stored form (gzip JSON, `rebates-extract/1`),
 * written before the binary form. The computation reads them as they are, and `verify`, which
 * writes a fresh extract of the raw report to compare its sha256 with the stored one, writes it in
 * the form the record's extract is in: a report ingested then still matches.
 *
 * 2016-Q1 client program: vostro-3xxx lines, a service tag on one.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { computeQuarterNow } from '../../shared/pipeline/compute.js';
import { decodeExtract, storableExtract } from '../../shared/pipeline/extract-codec.js';
import { JSON_FORMAT } from '../../shared/pipeline/extract-json.js';
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
    const old = storableExtract(record.reportId, extract, JSON_FORMAT);
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
});
