/**
 * A report version costs two DynamoDB items (issue #12's items target): its record, written once
 * when the version is read, with its audit entry inside, and the claim on its bytes. On DynamoDB
 * Local, counted as the bench counts them; the audit trail still lists every version's entry as it
 * listed the trail's own items, and the one conditional write keeps exactly-once under duplicate
 * and out-of-order events.
 *
 * 2016-Q1 client program: vostro-3xxx lines.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { WriteCounter } from '../../bench/count-writes.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { REPORT_HISTORY_MAX } from '../../shared/adapters/dynamo/reports.js';
import { CLAIM_LEASE_MS, ingestReport, normalizeSequencer, reportIdOf, type IngestDeps } from '../../shared/pipeline/ingest.js';
import type { AuditEntry } from '../../shared/ports/approvals.js';
import type { ComputeRequest } from '../../shared/ports/index.js';
import { useTestApi } from '../support/api-client.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const EVER = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };

const counter = new WriteCounter();
const env = useLocalRuntime({ wrapClients: counter.wrap });
const api = useTestApi(env);
const sale = salesOf(VOSTRO);

let sequence = 0;
/** Sequencers as S3 gives them for one key: later uploads sort higher. */
const nextSequencer = () => `${Date.now().toString(16)}${String(++sequence).padStart(6, '0')}`.toUpperCase();

/**
 * Puts the object under an upper-case .CSV key, which the bucket's notification passes over, so
 * only the ingest called here reads it; computations are asked of `requested`, not run.
 */
async function ingestAlone(key: string, bytes: Buffer, sequencer = nextSequencer(), requested: ComputeRequest[] = []) {
  await env.rt.deps.objects.put(key, bytes, 'text/csv');
  const object = await env.rt.deps.objects.get(key);
  object.body.destroy();
  const deps: IngestDeps = {
    ...env.rt.deps,
    compute: { publish: async (r) => void requested.push(...r), evaluate: async () => undefined },
  };
  return ingestReport(deps, { bucket: env.rt.stack.bucket, key, versionId: null, etag: object.etag, sequencer });
}

const reportEntries = async (key: string): Promise<AuditEntry[]> =>
  (await env.rt.deps.audit.query({ ...EVER, limit: 1000 })).filter((e) => e.kind === 'report' && e.target === `report ${key}`);

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('a report version written once', () => {
  it('costs two items, its record and its file claim, counted as the bench counts them', async () => {
    await env.importReference({ distributors: ['ro-two'], partners: ['RO1'], acceptances: [{ partnerId: 'RO1', program: 'client' }] });
    const key = 'incoming/ro-two/feb.CSV';
    const requested: ComputeRequest[] = [];
    counter.take();
    const outcome = await ingestAlone(key, renderReport([sale({ invoice: 'T-1', partnerId: 'RO1', qty: 3 })]), undefined, requested);
    const counts = counter.take();
    expect(outcome.status).toBe('processed');
    expect(counts.byKind).toEqual({ META: 1, FILE: 1 });
    expect(counts.items).toBe(2);
    expect(requested.map((r) => r.quarter)).toEqual([Q1]);
    // Its audit entry is in the trail all the same, and the quarter pays the lines.
    expect(await reportEntries(key)).toEqual([
      expect.objectContaining({ actor: { sub: 'ro-two', role: 'distributor' }, quarters: [Q1], partners: [], before: null }),
    ]);
    await env.rt.deps.compute.publish(requested);
    await env.rt.idle();
    expect((await env.payouts(Q1, 'RO1'))?.lines.reduce((n, l) => n + l.units, 0)).toBe(3);
  });

  it("lists both versions of a re-upload in GET /audit, paged, filtered and ordered like the trail's own entries", async () => {
    await env.importReference({ distributors: ['ro-again'], partners: ['RA1'], acceptances: [{ partnerId: 'RA1', program: 'client' }] });
    const first = renderReport([sale({ invoice: 'A-1', partnerId: 'RA1', qty: 2 })]);
    const second = renderReport([sale({ invoice: 'A-1', partnerId: 'RA1', qty: 5 })]);
    const key = await env.upload('ro-again', 'feb.csv', first);
    const v1 = (await env.report(key)).version;
    await env.upload('ro-again', 'feb.csv', second);
    const v2 = (await env.report(key)).version;
    expect(v2).not.toBe(v1);
    // The filters of the trail's own entries: kind, user, quarter and the search.
    const query = `kind=report&actor=ro-again&quarter=${Q1}&q=${encodeURIComponent('ro-again/feb.csv')}`;

    const page1 = await api.call('finance', 'GET', `/api/audit?${query}&limit=1`);
    expect(page1.status).toBe(200);
    expect(page1.body.entries).toHaveLength(1);
    expect(page1.body.entries[0]).toMatchObject({
      kind: 'report',
      target: `report ${key}`,
      quarters: [Q1],
      before: { version: v1, sha256: sha256(first) },
      after: { version: v2, status: 'processed', sha256: sha256(second), counts: { read: 1, extracted: 1, rejected: 0 } },
    });
    expect(page1.body.page.nextCursor).toEqual(expect.any(String));
    const page2 = await api.call('finance', 'GET', `/api/audit?${query}&limit=1&cursor=${encodeURIComponent(page1.body.page.nextCursor)}`);
    expect(page2.body.entries).toHaveLength(1);
    expect(page2.body.entries[0]).toMatchObject({ before: null, after: { version: v1, sha256: sha256(first) } });
    expect(page2.body.page.nextCursor).toBeNull();

    const oldestFirst = await api.call('finance', 'GET', `/api/audit?${query}&order=asc`);
    expect(oldestFirst.body.entries.map((e: AuditEntry) => (e.after as { version: string }).version)).toEqual([v1, v2]);
    // Another quarter's filter, or another kind, leaves them out.
    const otherQuarter = await api.call('finance', 'GET', `/api/audit?kind=report&actor=ro-again&quarter=2016-Q2`);
    expect(otherQuarter.body.entries).toEqual([]);
    const otherKind = await api.call('finance', 'GET', `/api/audit?kind=payment&actor=ro-again`);
    expect(otherKind.body.entries).toEqual([]);
  });

  it('keeps every entry of a report uploaded more often than its item holds, each once', async () => {
    await env.importReference({ distributors: ['ro-many'], partners: ['RM1'], acceptances: [{ partnerId: 'RM1', program: 'client' }] });
    const key = 'incoming/ro-many/feb.CSV';
    const versions: string[] = [];
    for (let i = 1; i <= REPORT_HISTORY_MAX + 2; i++) {
      const outcome = await ingestAlone(key, renderReport([sale({ invoice: 'M-1', partnerId: 'RM1', qty: i })]));
      expect(outcome.status).toBe('processed');
      versions.push(outcome.version);
    }
    const entries = (await reportEntries(key)).reverse();
    expect(entries.map((e) => (e.after as { version: string }).version)).toEqual(versions);
    expect(new Set(entries.map((e) => e.id)).size).toBe(versions.length);
    // Each names the version it replaced.
    expect(entries.map((e) => (e.before as { version: string } | null)?.version ?? null)).toEqual([null, ...versions.slice(0, -1)]);
    const item = await env.rt.stack.clients.doc.send(
      new GetCommand({ TableName: env.rt.stack.tableName, Key: keys.report(reportIdOf(key)), ConsistentRead: true }),
    );
    expect(item.Item?.history).toHaveLength(REPORT_HISTORY_MAX);
  });

  it('records the entry of a folder not in the registry in the trail itself', async () => {
    const key = 'incoming/ro-nowhere/feb.CSV';
    counter.take();
    const outcome = await ingestAlone(key, renderReport([sale({ invoice: 'N-1', partnerId: 'RO1', qty: 1 })]));
    expect(outcome.status).toBe('processed');
    expect(counter.take().byKind).toEqual({ META: 1, FILE: 1, AUDIT: 1 });
    expect(await reportEntries(key)).toHaveLength(1);
  });

  it('applies twin deliveries of one event once, and lets a newer upload win whatever the order', async () => {
    await env.importReference({ distributors: ['ro-race'], partners: ['RR1'], acceptances: [{ partnerId: 'RR1', program: 'client' }] });
    const twin = 'incoming/ro-race/twin.CSV';
    const bytes = renderReport([sale({ invoice: 'R-1', partnerId: 'RR1', qty: 1 })]);
    const seq = nextSequencer();
    const twins = await Promise.all([ingestAlone(twin, bytes, seq), ingestAlone(twin, bytes, seq)]);
    expect(twins.map((o) => o.status).sort()).toEqual(['processed', 'skipped']);
    expect(await reportEntries(twin)).toHaveLength(1);

    // Two uploads of one key read at the same time: the later (higher sequencer) counts.
    const race = 'incoming/ro-race/race.CSV';
    const [older, newer] = [nextSequencer(), nextSequencer()];
    const oldBytes = renderReport([sale({ invoice: 'R-2', partnerId: 'RR1', qty: 2 })]);
    const newBytes = renderReport([sale({ invoice: 'R-2', partnerId: 'RR1', qty: 4 })]);
    await env.rt.deps.objects.put(race, oldBytes, 'text/csv');
    const oldObject = await env.rt.deps.objects.get(race);
    oldObject.body.destroy();
    const noCompute: IngestDeps = { ...env.rt.deps, compute: { publish: async () => undefined, evaluate: async () => undefined } };
    const run = (etag: string, sequencer: string) =>
      ingestReport(noCompute, { bucket: env.rt.stack.bucket, key: race, versionId: null, etag, sequencer });
    // The bucket is not versioned: both read the bytes there now, so the newer is put first.
    await env.rt.deps.objects.put(race, newBytes, 'text/csv');
    const newObject = await env.rt.deps.objects.get(race);
    newObject.body.destroy();
    await Promise.all([run(oldObject.etag, older), run(newObject.etag, newer)]);
    const record = await env.report(race);
    expect(record).toMatchObject({ version: newObject.etag, activeVersion: newObject.etag, sequencer: normalizeSequencer(newer) });
    // Read after the newer is recorded, the older is refused before it reads anything.
    expect(await run(oldObject.etag, older)).toMatchObject({ status: 'skipped', why: expect.stringMatching(/later upload/) });
    const last = (await reportEntries(race))[0]!;
    expect(last.after).toMatchObject({ version: newObject.etag });
  });

  it('refuses the same bytes under a second name while the first is still read; a claim given up is taken over', async () => {
    await env.importReference({ distributors: ['ro-lease'], partners: ['RL1'], acceptances: [{ partnerId: 'RL1', program: 'client' }] });
    const bytes = renderReport([sale({ invoice: 'L-1', partnerId: 'RL1', qty: 6 })]);
    const reading = 'incoming/ro-lease/reading.csv';
    const claim = (claimedAt: string) =>
      env.rt.stack.clients.doc.send(
        new PutCommand({
          TableName: env.rt.stack.tableName,
          // As an ingest still reading `reading.csv` holds it: claimed, no record yet.
          Item: {
            ...keys.fileClaim('ro-lease', sha256(bytes)),
            reportId: reportIdOf(reading),
            version: 'being-read',
            quarters: [Q1],
            name: 'reading.csv',
            sequencer: nextSequencer(),
            claimedAt,
          },
        }),
      );
    await claim(env.rt.deps.clock.now().toISOString());
    const refused = await env.report(await env.upload('ro-lease', 'second.csv', bytes));
    expect(refused.status).toBe('failed');
    expect(refused.error?.code).toBe('duplicate-file');
    expect(refused.error?.message).toContain('"reading.csv"');

    await claim(new Date(env.rt.deps.clock.now().getTime() - CLAIM_LEASE_MS - 60_000).toISOString());
    const taken = await env.report(await env.upload('ro-lease', 'third.csv', bytes));
    expect(taken.status).toBe('processed');
    expect((await env.payouts(Q1, 'RL1'))?.lines.reduce((n, l) => n + l.units, 0)).toBe(6);
  });
});
