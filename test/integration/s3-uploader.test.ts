/**
 * The uploader of a report written straight into S3 (issue #14, point 2), on the real emulators: a
 * distributor's own upload role writes a corrected report, and the S3 event's principal and source
 * address end up in the report record, the causes of the computation that replaced the report, and
 * the audit entry. An upload URL's user still wins when both exist (S3 then names the API's signer).
 *
 * The local stack passes on no writer (s3rver's principal is made up per event), so the event S3
 * would send is delivered here to the ingest handler with the writer added. The runtime's own
 * delivery of the same write is held at its first read until then, and is then a duplicate.
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler, decodeS3Key } from '../../functions/ingest/handler.js';
import type { LocalS3EventRecord } from '../../local/local-stack.js';
import { causesOfPartner, describeCause, type ReportCause } from '../../shared/domain/causes.js';
import { causesText } from '../../shared/domain/render/index.js';
import { causesSince } from '../../shared/pipeline/causes.js';
import { reportIdOf } from '../../shared/pipeline/ingest.js';
import { closeQuarter } from '../../shared/pipeline/quarters.js';
import { wire } from '../../shared/wiring.js';
import { useTestApi, type Caller } from '../support/api-client.js';
import { FaultInjector } from '../support/faults.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';
import { sqsEvent } from '../support/sqs-event.js';

const Q1 = '2016-Q1';
const LATITUDE = 'Dell Latitude 5480 14" notebook i5-7300U/8GB/256GB SSD';
const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: faults.wrap });
const api = useTestApi(env);
afterEach(() => faults.disarmAll());


/** Writes `body` to `key` as a distributor's own role would, and delivers S3's event naming `writer`. */
async function writeStraightIntoS3(key: string, body: Buffer, writer: { principalId: string; sourceIp: string }) {
  const announced = new Promise<LocalS3EventRecord>((resolve) => {
    const off = env.rt.stack.onObjectCreated((record) => {
      if (decodeS3Key(record.s3.object.key) !== key) return;
      off();
      resolve(record);
    });
  });
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const held = faults.arm({
    client: 'doc',
    command: 'GetCommand',
    match: (input) => (input.Key as { pk?: string } | undefined)?.pk === `REPORT#${reportIdOf(key)}`,
    fail: async (send) => {
      await released;
      return send();
    },
  });
  try {
    await env.rt.stack.clients.s3.send(new PutObjectCommand({ Bucket: env.rt.stack.bucket, Key: key, Body: body }));
    const record = { ...(await announced), userIdentity: { principalId: writer.principalId }, requestParameters: { sourceIPAddress: writer.sourceIp } };
    // The handler on clients of its own, so the hold above does not stop it.
    const stack = env.rt.stack;
    const handler = createIngestHandler(() => wire(stack.clients, { table: stack.tableName, bucket: stack.bucket }, env.rt.deps.compute));
    const res = await handler(sqsEvent(JSON.stringify({ Records: [record] })), {} as never);
    expect(res.batchItemFailures).toEqual([]);
  } finally {
    release();
  }
  await env.rt.idle();
  expect(held.fired).toBe(1);
}

/** The report causes of the computations that counted `version` of `key`, for `partnerId`. */
async function reportCausesOf(key: string, version: string, partnerId: string): Promise<ReportCause[]> {
  const entries = await causesSince(env.rt.deps.objects, Q1, '2000-01-01T00:00:00.000Z');
  return causesOfPartner(entries, partnerId).filter((c): c is ReportCause => c.kind === 'report' && c.key === key && c.to === version);
}

async function reportAuditOf(key: string, version: string) {
  const entries = await env.rt.deps.audit.query({ from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z', limit: 500 });
  return entries.filter((e) => e.kind === 'report' && e.target === `report ${key}` && (e.after as { version?: string }).version === version);
}

describe('the uploader of a report written straight into S3', () => {
  it('is the principal S3 names, in the report record, the causes of the replacing computation and the audit entry', async () => {
    await env.importReference({ distributors: ['s3-a'], partners: ['S3P01'], acceptances: [{ partnerId: 'S3P01', program: 'client', plan: null }] });
    const line = salesOf(LATITUDE, 40)({ invoice: 'S3-1', partnerId: 'S3P01' });
    const key = await env.upload('s3-a', 'direct.csv', renderReport([line]));
    const first = await env.report(key);
    // Written through the local stack alone: no writer is known.
    expect(first.uploader).toBeUndefined();

    const writer = { principalId: 'AWS:AROAEXAMPLEUPLOADER:s3-a-sync', sourceIp: '203.0.113.7' };
    await writeStraightIntoS3(key, renderReport([{ ...line, qty: 45 }]), writer);
    const record = await env.report(key);
    expect(record.activeVersion).not.toBe(first.activeVersion);
    expect(record.uploader).toEqual({ by: writer.principalId, via: 's3', sourceIp: writer.sourceIp });

    const causes = await reportCausesOf(key, record.activeVersion!, 'S3P01');
    expect(causes).toEqual([
      expect.objectContaining({ from: first.activeVersion, uploadedBy: writer.principalId, uploadedVia: 's3', sourceIp: writer.sourceIp }),
    ]);
    expect(describeCause(causes[0]!)).toContain(`uploaded by ${writer.principalId} straight into S3 from ${writer.sourceIp}`);
    expect(causesText(causes, 'ru')).toContain(`загрузил: ${writer.principalId} напрямую в S3 с адреса ${writer.sourceIp}`);

    const audit = await reportAuditOf(key, record.activeVersion!);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({
      actor: { sub: writer.principalId, role: 'distributor' },
      after: { uploader: { by: writer.principalId, via: 's3', sourceIp: writer.sourceIp } },
    });
  });

  it('is the user of an upload URL asked for just before, over the principal S3 names', async () => {
    await env.importReference({ distributors: ['s3-b'], partners: ['S3P02'], acceptances: [{ partnerId: 'S3P02', program: 'client', plan: null }] });
    const line = salesOf(LATITUDE, 40)({ invoice: 'S3-2', partnerId: 'S3P02' });
    const key = await env.upload('s3-b', 'via-url.csv', renderReport([line]));
    // What POST /uploads records; S3 then names the role that signed the URL, which is nobody.
    await env.rt.deps.uploads.record({ key, by: 'distributor dist-s3-b', at: env.rt.deps.clock.now().toISOString() });
    await writeStraightIntoS3(key, renderReport([{ ...line, qty: 42 }]), { principalId: 'AWS:AROAAPISIGNER:rebates-api', sourceIp: '198.51.100.4' });

    const record = await env.report(key);
    expect(record.uploader).toEqual({ by: 'distributor dist-s3-b', via: 'upload-url' });
    const causes = await reportCausesOf(key, record.activeVersion!, 'S3P02');
    expect(causes).toHaveLength(1);
    expect(causes[0]!.uploadedBy).toBe('distributor dist-s3-b');
    expect(causes[0]!.uploadedVia).toBeUndefined();
    expect(describeCause(causes[0]!)).not.toContain('S3');
    const audit = await reportAuditOf(key, record.activeVersion!);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toEqual({ sub: 'dist-s3-b', role: 'distributor' });
  });

  it("is in the API's report list and detail; the address a direct write came from only for finance and program", async () => {
    // alfa: a distributor the API's test callers include, so its own user reads its report.
    await env.importReference({ distributors: ['alfa'], partners: ['S3P03'], acceptances: [{ partnerId: 'S3P03', program: 'client', plan: null }] });
    const line = salesOf(LATITUDE, 40)({ invoice: 'S3-3', partnerId: 'S3P03' });
    const key = await env.upload('alfa', 'shown.csv', renderReport([line]));
    const reportId = reportIdOf(key);
    const listed = async (who: Caller) => {
      const res = await api.call(who, 'GET', `/api/reports?q=${reportId}`);
      expect(res.status).toBe(200);
      return (res.body.reports as { reportId: string; uploader: unknown }[]).find((r) => r.reportId === reportId);
    };
    // Nobody recorded yet: said as null, not left out.
    expect((await listed('finance'))?.uploader).toBeNull();

    const writer = { principalId: 'AWS:AROAEXAMPLEUPLOADER:alfa-sync', sourceIp: '192.0.2.55' };
    await writeStraightIntoS3(key, renderReport([{ ...line, qty: 41 }]), writer);
    const withIp = { by: writer.principalId, via: 's3', sourceIp: writer.sourceIp };
    const withoutIp = { by: writer.principalId, via: 's3' };
    for (const [who, expected] of [
      ['finance', withIp],
      ['program', withIp],
      ['central', withoutIp],
      ['alfa', withoutIp],
    ] as const) {
      expect((await listed(who))?.uploader, `${who}'s list`).toEqual(expected);
      const detail = await api.call(who, 'GET', `/api/reports/${reportId}`);
      expect(detail.status).toBe(200);
      expect(detail.body.report.uploader, `${who}'s detail`).toEqual(expected);
    }
    // Another distributor still does not learn the report exists.
    expect((await api.call('kvant', 'GET', `/api/reports/${reportId}`)).status).toBe(404);
    expect(await listed('kvant')).toBeUndefined();
  });

  // Last: it closes the quarter the tests above compute.
  it("names the address in an adjustment's causes to finance and program only, in JSON and in sentences", async () => {
    await env.importReference({ distributors: ['s3-d'], partners: ['S3P04'], acceptances: [{ partnerId: 'S3P04', program: 'client', plan: null }] });
    const line = salesOf(LATITUDE, 40)({ invoice: 'S3-4', partnerId: 'S3P04' });
    const key = await env.upload('s3-d', 'adjusted.csv', renderReport([line]));
    await closeQuarter(env.rt.deps, Q1, 'fin-1', env.rt.deps.clock.now());
    const writer = { principalId: 'AWS:AROAEXAMPLEUPLOADER:s3-d-sync', sourceIp: '198.51.100.23' };
    await writeStraightIntoS3(key, renderReport([{ ...line, qty: 46 }]), writer);

    interface Adjustment { partnerId: string; causes?: Record<string, unknown>[]; explanation: { text: string; params?: { causes?: Record<string, unknown>[] } } }
    const adjustmentOf = async (who: Caller, path: string, lang: 'en' | 'ru') => {
      const res = await api.call(who, 'GET', `/api${path}`, undefined, undefined, { 'accept-language': lang });
      expect(res.status, `${who} ${path}`).toBe(200);
      const body = res.body as { adjustments: Adjustment[] };
      const found = body.adjustments.filter((a) => a.partnerId === 'S3P04');
      expect(found, `${who} ${path}`).toHaveLength(1);
      return found[0]!;
    };
    const reportCauses = (a: Adjustment) => [...(a.causes ?? []), ...(a.explanation.params?.causes ?? [])].filter((c) => c.key === key);
    for (const path of [`/quarters/${Q1}/payouts`, `/quarters/${Q1}/partners/S3P04`]) {
      for (const lang of ['en', 'ru'] as const) {
        const direct = lang === 'en' ? 'straight into S3' : 'напрямую в S3';
        for (const who of ['finance', 'program'] as const) {
          const a = await adjustmentOf(who, path, lang);
          expect(reportCauses(a).length, `${who} ${path}`).toBeGreaterThan(0);
          for (const c of reportCauses(a)) expect(c).toMatchObject({ uploadedVia: 's3', sourceIp: writer.sourceIp });
          const ownCauses = (a.causes ?? []).filter((c) => c.key === key);
          expect(ownCauses.length, `${who} ${path}: the adjustment's own causes`).toBeGreaterThan(0);
          for (const c of ownCauses) {
            expect(c.lang).toBe(lang);
            expect(c.text, `${who} ${path} ${lang}`).toContain(`${direct} ${lang === 'ru' ? 'с адреса' : 'from'} ${writer.sourceIp}`);
          }
          expect(a.explanation.text).toContain(direct);
          expect(a.explanation.text, `${who} ${path} ${lang}`).toContain(writer.sourceIp);
        }
        const a = await adjustmentOf('central', path, lang);
        expect(reportCauses(a).length, `manager ${path}`).toBeGreaterThan(0);
        for (const c of reportCauses(a)) {
          expect(c).toMatchObject({ uploadedBy: writer.principalId, uploadedVia: 's3' });
          expect(c).not.toHaveProperty('sourceIp');
        }
        expect(a.explanation.text, `manager ${path} ${lang}`).toContain(direct);
        expect(a.explanation.text, `manager ${path} ${lang}`).not.toContain(writer.sourceIp);
        expect(JSON.stringify(a)).not.toContain(writer.sourceIp);
        // Each cause's own sentence, in the reader's language, without the address the manager may not see.
        for (const c of a.causes ?? []) {
          expect(c.lang, `manager ${path} ${lang}`).toBe(lang);
          expect(c.text, `manager ${path} ${lang}`).toEqual(expect.any(String));
          const text = c.text as string;
          if (lang === 'ru') {
            expect(text).toMatch(/[А-Яа-яЁё]/);
            expect(text).not.toMatch(/\b(report|replaced|uploaded|reference change|rules changed)\b/);
          }
          expect(text).not.toContain(writer.sourceIp);
        }
        const ownCauses = (a.causes ?? []).filter((c) => c.key === key);
        expect(ownCauses.length, `manager ${path}: the adjustment's own causes`).toBeGreaterThan(0);
        for (const c of ownCauses) {
          expect(c.text).toContain(key);
          expect(c.text).toContain(writer.principalId);
          expect(c.text).toContain(direct);
          expect(c.text).toContain(lang === 'ru' ? 'загрузил:' : 'uploaded by');
        }
      }
    }
  });
});
