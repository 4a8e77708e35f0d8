/**
 * A report version is written once (issue #12's items target): nothing while it is read, then one
 * transaction with its record (its audit entry inside, listed through the trail index) and the
 * claim on its bytes. On DynamoDB Local and s3rver, counted as the bench counts them; the races the
 * first attempt at this lost (an older read of a key taking the claim over, or writing over the
 * newer version's rejects file) are played out with ingests held at their read of the object.
 *
 * 2016-Q1 client program: vostro-3xxx lines.
 */
import '../../local/env-defaults.js'; // before the handler modules create their loggers
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { WriteCounter } from '../../bench/count-writes.js';
import { auditKeys, keys } from '../../shared/adapters/dynamo/keys.js';
import { ingestReport, normalizeSequencer, reportIdOf, type IngestDeps } from '../../shared/pipeline/ingest.js';
import type { AuditEntry } from '../../shared/ports/approvals.js';
import type { ComputeRequest, ObjectStore } from '../../shared/ports/index.js';
import type { FileClaim } from '../../shared/ports/file-claims.js';
import { useTestApi } from '../support/api-client.js';
import { FaultInjector, throwing } from '../support/faults.js';
import { renderReport, salesOf, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx
const EVER = { from: '2000-01-01T00:00:00.000Z', to: '2100-01-01T00:00:00.000Z' };

const counter = new WriteCounter();
const faults = new FaultInjector();
const env = useLocalRuntime({ wrapClients: (c) => faults.wrap(counter.wrap(c)) });
const api = useTestApi(env);
const sale = salesOf(VOSTRO);

afterEach(() => faults.disarmAll());

let sequence = 0;
/** Sequencers as S3 gives them for one key: later uploads sort higher. */
const nextSequencer = () => `${Date.now().toString(16)}${String(++sequence).padStart(6, '0')}`.toUpperCase();

/** A gate an ingest waits at before it reads the object, opened by the test. */
function gate() {
  let open!: () => void;
  let reached!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const arrived = new Promise<void>((r) => (reached = r));
  return { open, arrived, wait: () => (reached(), opened) };
}

/**
 * The runtime's object store with its reads of `incoming/` held at `hold` (when given); the
 * version asked for is not passed on, as s3rver keeps no versions (the bytes there are read).
 */
function objectsHeld(hold?: () => Promise<void>): ObjectStore {
  const real = env.rt.deps.objects;
  return {
    get: async (key) => {
      if (hold && key.startsWith('incoming/')) await hold();
      return real.get(key);
    },
    put: (key, body, type) => real.put(key, body, type),
    list: (prefix) => real.list(prefix),
    getText: (key) => real.getText(key),
    getBytes: (key) => real.getBytes(key),
    delete: (key) => real.delete(key),
  };
}

/**
 * Ingests `key` as its S3 event would, with the object's bytes put first (upper-case .CSV: the
 * bucket's notification passes over it, so only this ingest reads it); computations are asked of
 * `requested`, not run.
 */
async function ingestAlone(
  key: string,
  o: {
    versionId?: string;
    sequencer?: string;
    requested?: ComputeRequest[];
    hold?: () => Promise<void>;
    files?: IngestDeps['files'];
    reports?: IngestDeps['reports'];
    /** Wraps the object store this ingest writes through (after `hold`). */
    wrapObjects?: (objects: ObjectStore) => ObjectStore;
  } = {},
) {
  const object = await env.rt.deps.objects.get(key);
  object.body.destroy();
  const requested = o.requested ?? [];
  const deps: IngestDeps = {
    ...env.rt.deps,
    objects: (o.wrapObjects ?? ((x) => x))(objectsHeld(o.hold)),
    ...(o.files ? { files: o.files } : {}),
    ...(o.reports ? { reports: o.reports } : {}),
    compute: { publish: async (r) => void requested.push(...r), evaluate: async () => undefined },
  };
  return ingestReport(deps, {
    bucket: env.rt.stack.bucket,
    key,
    versionId: o.versionId ?? null,
    etag: object.etag,
    sequencer: o.sequencer ?? nextSequencer(),
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const put = (key: string, bytes: Buffer) => env.rt.deps.objects.put(key, bytes, 'text/csv');

const unitsPaid = async (partnerId: string) =>
  (await env.payouts(Q1, partnerId))?.lines.reduce((n, l) => n + l.units, 0) ?? 0;

/** Computes what the ingests asked for, as the compute queue would. */
async function computeAsked(requested: ComputeRequest[]) {
  await env.rt.deps.compute.publish(requested);
  await env.rt.idle();
}

/**
 * A distributor's a.CSV, read and counting its bytes, and the same bytes put (not yet read) as
 * b.CSV; a.CSV's later version has other lines of the same partner.
 */
async function twoNamesOfOneFile(distributorId: string, partnerId: string) {
  await env.importReference({ distributors: [distributorId], partners: [partnerId], acceptances: [{ partnerId, program: 'client' }] });
  const holderKey = `incoming/${distributorId}/a.CSV`;
  const key = `incoming/${distributorId}/b.CSV`;
  const bytes = renderReport([sale({ invoice: `${partnerId}-1`, partnerId, qty: 2 })]);
  await put(holderKey, bytes);
  expect(await ingestAlone(holderKey)).toMatchObject({ status: 'processed' });
  await put(key, bytes);
  return { holderKey, key };
}

/**
 * An ingest's claim reads recorded and its rejects file held on the way up: `held()` resolves once
 * the claim was read and the rejects file is waiting, and fails (rather than hangs) when the claim
 * is not read before the rejects file goes up.
 */
function earlyClaimRead() {
  const real = env.rt.deps.files;
  const claimRead = gate();
  const rejectsUp = gate();
  const reads: (FileClaim | null)[] = [];
  const files: IngestDeps['files'] = {
    holder: async (d, s) => {
      const h = await real.holder(d, s);
      reads.push(h);
      if (reads.length === 1) void claimRead.wait();
      return h;
    },
    takeOver: (d, s, f, t) => real.takeOver(d, s, f, t),
    release: (...args) => real.release(...args),
  };
  const wrapObjects = (objects: ObjectStore): ObjectStore => ({
    ...objects,
    put: async (k, body, type) => {
      if (k.startsWith('rejects/')) await rejectsUp.wait();
      return objects.put(k, body, type);
    },
  });
  const held = async () => {
    let waited: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.all([claimRead.arrived, rejectsUp.arrived]),
      new Promise((_, reject) => (waited = setTimeout(() => reject(new Error('the claim was not read while the rejects file went up')), 15_000))),
    ]).finally(() => clearTimeout(waited));
  };
  const release = () => {
    claimRead.open();
    rejectsUp.open();
  };
  return { reads, files, wrapObjects, held, release };
}

const reportEntries = async (key: string): Promise<AuditEntry[]> =>
  (await env.rt.deps.audit.query({ ...EVER, limit: 1000 })).filter((e) => e.kind === 'report' && e.target === `report ${key}`);

describe('a report version written once', () => {
  it('costs two items on its first upload: its record and the claim on its bytes', async () => {
    await env.importReference({ distributors: ['wo-two'], partners: ['WT1'], acceptances: [{ partnerId: 'WT1', program: 'client' }] });
    const key = 'incoming/wo-two/feb.CSV';
    await put(key, renderReport([sale({ invoice: 'T-1', partnerId: 'WT1', qty: 3 })]));
    const requested: ComputeRequest[] = [];
    counter.take();
    const outcome = await ingestAlone(key, { requested });
    const counts = counter.take();
    expect(outcome.status).toBe('processed');
    expect(counts.byKind).toEqual({ META: 1, FILE: 1 });
    expect(counts.items).toBe(2);
    // Its audit entry is listed all the same, and the quarter pays the lines.
    expect(await reportEntries(key)).toEqual([
      expect.objectContaining({ actor: { sub: 'wo-two', role: 'distributor' }, quarters: [Q1], partners: [], before: null }),
    ]);
    await computeAsked(requested);
    expect(await unitsPaid('WT1')).toBe(3);
  });

  it('lists both versions of a re-upload in GET /audit once each, in either order, and pages across them and other entries', async () => {
    await env.importReference({ distributors: ['wo-again'], partners: ['WA1'], acceptances: [{ partnerId: 'WA1', program: 'client' }] });
    const key = await env.upload('wo-again', 'feb.csv', renderReport([sale({ invoice: 'A-1', partnerId: 'WA1', qty: 2 })]));
    const v1 = (await env.report(key)).version;
    // A trail entry of its own (a reference write) between the two versions, and one after.
    await env.importReference({ partners: ['WA2'] });
    await env.upload('wo-again', 'feb.csv', renderReport([sale({ invoice: 'A-1', partnerId: 'WA1', qty: 5 })]));
    const v2 = (await env.report(key)).version;
    await env.importReference({ partners: ['WA3'] });
    expect(v2).not.toBe(v1);

    const all = async (order: 'asc' | 'desc', limit: number) => {
      const ids: string[] = [];
      const entries: AuditEntry[] = [];
      let cursor: string | null = null;
      for (let page = 0; page < 200; page++) {
        const res = await api.call(
          'finance',
          'GET',
          `/api/audit?order=${order}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        expect(res.status).toBe(200);
        entries.push(...(res.body.entries as AuditEntry[]));
        ids.push(...(res.body.entries as AuditEntry[]).map((e) => e.id));
        cursor = res.body.page.nextCursor;
        if (!cursor) break;
      }
      return { ids, entries };
    };
    const whole = await all('desc', 500);
    const versions = whole.entries
      .filter((e) => e.kind === 'report' && e.target === `report ${key}`)
      .map((e) => (e.after as { version: string }).version);
    expect(versions).toEqual([v2, v1]);
    expect(new Set(whole.ids).size).toBe(whole.ids.length);
    // Newest first by id, and the same entries oldest first.
    expect(whole.ids).toEqual([...whole.ids].sort().reverse());
    expect((await all('asc', 500)).ids).toEqual([...whole.ids].reverse());
    // Two at a time, both ways: nothing lost, nothing repeated.
    expect((await all('desc', 2)).ids).toEqual(whole.ids);
    expect((await all('asc', 2)).ids).toEqual([...whole.ids].reverse());

    // The filters: kind, user, quarter and the search find both, another quarter neither.
    const query = `kind=report&actor=wo-again&quarter=${Q1}&q=${encodeURIComponent('wo-again/feb.csv')}`;
    const page1 = await api.call('finance', 'GET', `/api/audit?${query}&limit=1`);
    expect(page1.body.entries.map((e: AuditEntry) => (e.after as { version: string }).version)).toEqual([v2]);
    expect(page1.body.entries[0]).toMatchObject({ before: { version: v1 } });
    const page2 = await api.call('finance', 'GET', `/api/audit?${query}&limit=1&cursor=${encodeURIComponent(page1.body.page.nextCursor)}`);
    expect(page2.body.entries.map((e: AuditEntry) => (e.after as { version: string }).version)).toEqual([v1]);
    expect(page2.body.page.nextCursor).toBeNull();
    const otherQuarter = await api.call('finance', 'GET', '/api/audit?kind=report&actor=wo-again&quarter=2016-Q2');
    expect(otherQuarter.body.entries).toEqual([]);
  });

  it('lets no older read of a key take the claim of the newer upload of the same bytes: a second name stays a duplicate', async () => {
    await env.importReference({ distributors: ['wo-older'], partners: ['WO1'], acceptances: [{ partnerId: 'WO1', program: 'client' }] });
    const key = 'incoming/wo-older/feb.CSV';
    const bytes = renderReport([sale({ invoice: 'O-1', partnerId: 'WO1', qty: 4 })]);
    const requested: ComputeRequest[] = [];
    // A first version, so both later reads find a record (the commit's condition is on it as read).
    await put(key, renderReport([sale({ invoice: 'O-1', partnerId: 'WO1', qty: 1 })]));
    expect(await ingestAlone(key, { versionId: 'v-first', requested })).toMatchObject({ status: 'processed' });
    await put(key, bytes);
    const [older, newer] = [nextSequencer(), nextSequencer()];
    // The older upload is held at its read until the newer one of the same bytes is written.
    const held = gate();
    const slow = ingestAlone(key, { versionId: 'v-older', sequencer: older, requested, hold: held.wait });
    await held.arrived;
    expect(await ingestAlone(key, { versionId: 'v-newer', sequencer: newer, requested })).toMatchObject({ status: 'processed' });
    held.open();
    expect(await slow).toMatchObject({ status: 'skipped', why: expect.stringMatching(/later upload/) });
    expect(await env.report(key)).toMatchObject({ version: 'v-newer', activeVersion: 'v-newer', sequencer: normalizeSequencer(newer) });

    // The same bytes under a second name: refused, naming the first; the lines count once.
    const second = 'incoming/wo-older/copy.CSV';
    await put(second, bytes);
    expect(await ingestAlone(second, { requested })).toMatchObject({ status: 'failed' });
    expect((await env.report(second)).error).toMatchObject({ code: 'duplicate-file', params: { name: 'feb.CSV' } });
    await computeAsked(requested);
    expect(await unitsPaid('WO1')).toBe(4);
  });

  it("never lets an older read write over the newer version's rejects file", async () => {
    await env.importReference({ distributors: ['wo-rejects'], partners: ['WR1'], acceptances: [{ partnerId: 'WR1', program: 'client' }] });
    const key = 'incoming/wo-rejects/feb.CSV';
    const oldBytes = renderReport([
      sale({ invoice: 'R-1', partnerId: 'WR1', qty: 1 }),
      sale({ invoice: 'R-2', partnerId: 'WR1', qty: 'one' }),
    ]);
    const newBytes = renderReport([
      sale({ invoice: 'R-1', partnerId: 'WR1', qty: 1 }),
      sale({ invoice: 'R-3', partnerId: 'WR1', qty: 1 }),
      sale({ invoice: 'R-4', partnerId: 'WR1', qty: 'two' }),
    ]);
    await put(key, renderReport([sale({ invoice: 'R-1', partnerId: 'WR1', qty: 1 })]));
    expect(await ingestAlone(key, { versionId: 'v-first' })).toMatchObject({ status: 'processed' });
    const [older, newer] = [nextSequencer(), nextSequencer()];
    await put(key, newBytes);
    const held = gate();
    // The older upload reads its own bytes, after the newer one is written.
    const slow = ingestAlone(key, {
      versionId: 'v-older',
      sequencer: older,
      hold: async () => {
        await held.wait();
        await put(key, oldBytes);
      },
    });
    await held.arrived;
    expect(await ingestAlone(key, { versionId: 'v-newer', sequencer: newer })).toMatchObject({ status: 'processed' });
    const newerRejects = await env.rejects(key);
    // Its third data line (the header is line 1).
    expect(newerRejects.map((r) => r.line)).toEqual([4]);
    held.open();
    expect(await slow).toMatchObject({ status: 'skipped' });
    expect(await env.rejects(key)).toEqual(newerRejects);
    // The older read's own file is removed: one rejects file per report.
    expect(await env.rt.deps.objects.list('rejects/wo-rejects/')).toEqual([(await env.report(key)).rejectsKey]);
  });

  it('counts exactly one of two names with the same bytes read at the same time', async () => {
    await env.importReference({ distributors: ['wo-twin'], partners: ['WW1'], acceptances: [{ partnerId: 'WW1', program: 'client' }] });
    const bytes = renderReport([sale({ invoice: 'W-1', partnerId: 'WW1', qty: 7 })]);
    const names = ['incoming/wo-twin/a.CSV', 'incoming/wo-twin/b.CSV'];
    await Promise.all(names.map((k) => put(k, bytes)));
    // Both read past their decision on the claim before either commits.
    const gates = names.map(() => gate());
    const requested: ComputeRequest[] = [];
    const runs = names.map((k, i) => ingestAlone(k, { requested, hold: gates[i]!.wait }));
    await Promise.all(gates.map((g) => g.arrived));
    gates.forEach((g) => g.open());
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['failed', 'processed']);
    const loser = names[outcomes.findIndex((o) => o.status === 'failed')]!;
    expect((await env.report(loser)).error?.code).toBe('duplicate-file');
    await computeAsked(requested);
    expect(await unitsPaid('WW1')).toBe(7);
  });

  it('decides the claim again at its commit when another name took the bytes after its early read of the claim', async () => {
    const { holderKey, key } = await twoNamesOfOneFile('wo-early', 'WE1');
    // a.CSV is corrected, so the bytes are free again. b.CSV reads their claim (free) as soon as it
    // has their sha256; its rejects file is held on the way up until a third name, c.CSV, has taken them.
    await put(holderKey, renderReport([sale({ invoice: 'WE1-2', partnerId: 'WE1', qty: 5 })]));
    const requested: ComputeRequest[] = [];
    expect(await ingestAlone(holderKey, { requested })).toMatchObject({ status: 'processed' });
    const early = earlyClaimRead();
    const commits: boolean[] = [];
    const reports = env.rt.deps.reports;
    const slow = ingestAlone(key, {
      requested,
      files: early.files,
      reports: Object.assign(Object.create(reports) as typeof reports, {
        commit: async (c: Parameters<typeof reports.commit>[0]) => {
          const done = await reports.commit(c);
          commits.push(done);
          return done;
        },
      }),
      wrapObjects: early.wrapObjects,
    });
    await early.held();
    expect(early.reads).toEqual([null]);
    const third = 'incoming/wo-early/c.CSV';
    await put(third, (await env.rt.deps.objects.getBytes(key))!);
    expect(await ingestAlone(third, { requested })).toMatchObject({ status: 'processed' });
    early.release();
    // The first commit's condition (no claim) fails; read again, the claim is c.CSV's.
    expect(await slow).toMatchObject({ status: 'failed' });
    expect(commits).toEqual([false, true]);
    expect(early.reads).toEqual([null, expect.objectContaining({ reportId: reportIdOf(third) })]);
    expect((await env.report(key)).error).toMatchObject({ code: 'duplicate-file', params: { name: 'c.CSV' } });
    await computeAsked(requested);
    expect(await unitsPaid('WE1')).toBe(5 + 2);
  });

  it('reads the claim again before refusing a file whose holder let its bytes go after the early read', async () => {
    const { holderKey, key } = await twoNamesOfOneFile('wo-let', 'WY1');
    const early = earlyClaimRead();
    const requested: ComputeRequest[] = [];
    // b.CSV reads the claim early (a.CSV holds the bytes); while its rejects file is held on the way
    // up, a.CSV is corrected and lets the bytes go.
    const slow = ingestAlone(key, {
      requested,
      files: early.files,
      wrapObjects: early.wrapObjects,
    });
    await early.held();
    expect(early.reads).toEqual([expect.objectContaining({ reportId: reportIdOf(holderKey) })]);
    await put(holderKey, renderReport([sale({ invoice: 'WY1-2', partnerId: 'WY1', qty: 5 })]));
    expect(await ingestAlone(holderKey, { requested })).toMatchObject({ status: 'processed' });
    early.release();
    // Refused from the early read alone it would stay refused; read again, the bytes are free.
    expect(await slow).toMatchObject({ status: 'processed' });
    expect(early.reads).toEqual([expect.objectContaining({ reportId: reportIdOf(holderKey) }), null]);
    await computeAsked(requested);
    expect(await unitsPaid('WY1')).toBe(5 + 2);
  });

  it('finishes what follows a commit when the event comes again after a crash right after it', async () => {
    await env.importReference({ distributors: ['wo-crash'], partners: ['WC1'], acceptances: [{ partnerId: 'WC1', program: 'client' }] });
    const key = 'incoming/wo-crash/feb.CSV';
    const first = renderReport([sale({ invoice: 'C-0', partnerId: 'WC1', qty: 2 })]);
    await put(key, first);
    const requested: ComputeRequest[] = [];
    await ingestAlone(key, { versionId: 'v1', requested });
    const firstRejects = (await env.report(key)).rejectsKey;
    await put(key, renderReport([sale({ invoice: 'C-1', partnerId: 'WC1', qty: 6 })]));
    // The release of the replaced bytes' claim fails: as if the process died right after the commit.
    const crash = faults.arm({
      client: 'doc',
      command: 'DeleteCommand',
      match: (i) => String((i.Key as { sk?: string }).sk).startsWith('FILE#'),
      fail: throwing(() => new Error('killed right after the commit (injected fault)')),
    });
    const event = { versionId: 'v2', sequencer: nextSequencer() };
    const lost: ComputeRequest[] = [];
    await expect(ingestAlone(key, { ...event, requested: lost })).rejects.toThrow(/injected fault/);
    expect(crash.fired).toBe(1);
    expect(lost).toEqual([]);
    expect(await env.report(key)).toMatchObject({ version: 'v2', activeVersion: 'v2', status: 'processed' });
    crash.disarm();

    // The event again: nothing read twice; the bytes freed, the old rejects file removed, the quarter asked for.
    const again = await ingestAlone(key, { ...event, requested });
    expect(again).toMatchObject({ status: 'skipped', why: expect.stringMatching(/duplicate event/) });
    expect(requested.map((r) => r.quarter)).toContain(Q1);
    expect(await env.rt.deps.objects.list('rejects/wo-crash/')).toEqual([(await env.report(key)).rejectsKey]);
    expect(firstRejects).not.toBe((await env.report(key)).rejectsKey);
    // The first bytes, free again, count under another name.
    const other = 'incoming/wo-crash/jan.CSV';
    await put(other, first);
    expect(await ingestAlone(other, { requested })).toMatchObject({ status: 'processed' });
    await computeAsked(requested);
    expect(await unitsPaid('WC1')).toBe(8);
    // Each version's entry once.
    expect((await reportEntries(key)).map((e) => (e.after as { version: string }).version)).toEqual(['v2', 'v1']);
  });

  it('takes up a record an earlier version left processing, with the claim it took before activating', async () => {
    await env.importReference({ distributors: ['wo-legacy'], partners: ['WL1'], acceptances: [{ partnerId: 'WL1', program: 'client' }] });
    const key = 'incoming/wo-legacy/feb.CSV';
    const bytes = renderReport([sale({ invoice: 'L-1', partnerId: 'WL1', qty: 5 })]);
    await put(key, bytes);
    const { etag } = await env.rt.deps.objects.get(key).then((o) => (o.body.destroy(), o));
    const sequencer = nextSequencer();
    const reportId = reportIdOf(key);
    const at = env.rt.deps.clock.now().toISOString();
    // As startProcessing wrote it, and the claim the old ingest took before it was cut off.
    await env.rt.stack.clients.doc.send(
      new PutCommand({
        TableName: env.rt.stack.tableName,
        Item: {
          ...keys.report(reportId),
          ...keys.reportIndex('wo-legacy', at, reportId),
          reportId,
          bucket: env.rt.stack.bucket,
          key,
          distributorId: 'wo-legacy',
          name: 'feb.CSV',
          version: etag,
          sequencer: normalizeSequencer(sequencer),
          objectVersionId: null,
          etag,
          status: 'processing',
          receivedAt: at,
          updatedAt: at,
        },
      }),
    );
    await env.rt.stack.clients.doc.send(
      new PutCommand({
        TableName: env.rt.stack.tableName,
        Item: { ...keys.fileClaim('wo-legacy', sha256(bytes)), reportId, version: etag, quarters: [Q1] },
      }),
    );
    // The same bytes under another name meanwhile: the report being read holds them.
    const copy = 'incoming/wo-legacy/copy.CSV';
    await put(copy, bytes);
    const requested: ComputeRequest[] = [];
    expect(await ingestAlone(copy, { requested })).toMatchObject({ status: 'failed' });
    // Its event again (as redrive sends it): read from the start, and counted once.
    expect(await ingestAlone(key, { sequencer, requested })).toMatchObject({ status: 'processed' });
    expect(await env.report(key)).toMatchObject({ status: 'processed', activeVersion: etag, receivedAt: at });
    expect(await reportEntries(key)).toHaveLength(1);
    await computeAsked(requested);
    expect(await unitsPaid('WL1')).toBe(5);
  });

  // With bucket versioning each upload has its own version; without, the version is the etag, the
  // same for the same bytes again, and only the upload's sequencer in the claim tells them apart.
  for (const versioned of [true, false])
    it(`lets no slow release of the replaced bytes delete the claim a later version of the same key took on them (${versioned ? 'versioned bucket' : 'etag as the version'})`, async () => {
      const dist = versioned ? 'wo-release' : 'wo-release-etag';
      const partnerId = versioned ? 'WS1' : 'WS2';
      await env.importReference({ distributors: [dist], partners: [partnerId], acceptances: [{ partnerId, program: 'client' }] });
      const key = `incoming/${dist}/feb.CSV`;
      const A = renderReport([sale({ invoice: `S-${dist}`, partnerId, qty: 4 })]);
      const B = renderReport([sale({ invoice: `S-${dist}`, partnerId, qty: 1 })]);
      const versionOf = (v: string) => (versioned ? { versionId: v } : {});
      const requested: ComputeRequest[] = [];
      await put(key, A);
      expect(await ingestAlone(key, { ...versionOf('v1'), requested })).toMatchObject({ status: 'processed' });
      // v2 (bytes B) commits; its release of A waits at the gate.
      const held = gate();
      const real = env.rt.deps.files;
      const slowRelease: IngestDeps['files'] = {
        holder: (d, s) => real.holder(d, s),
        takeOver: (d, s, f, t) => real.takeOver(d, s, f, t),
        release: async (...args) => {
          await held.wait();
          return real.release(...args);
        },
      };
      await put(key, B);
      const v2 = ingestAlone(key, { ...versionOf('v2'), requested, files: slowRelease });
      await held.arrived;
      // v3 (bytes A again) commits meanwhile: the claim on A, still v1's, is the report's own.
      await put(key, A);
      expect(await ingestAlone(key, { ...versionOf('v3'), requested })).toMatchObject({ status: 'processed' });
      const v3 = (await env.report(key)).version;
      expect(await real.holder(dist, sha256(A))).toMatchObject({ reportId: reportIdOf(key), version: v3 });
      held.open();
      expect(await v2).toMatchObject({ status: 'processed' });
      // v2's late release leaves v3's claim: the computation still finds the report.
      expect(await real.holder(dist, sha256(A))).toMatchObject({ reportId: reportIdOf(key), version: v3 });
      await computeAsked(requested);
      expect(await unitsPaid(partnerId)).toBe(4);
      expect(await env.report(key)).toMatchObject({ activeVersion: v3 });
    });

  it("leaves no rejects file of an outcome a delivery cut off before its commit wrote, once a later delivery commits the other", async () => {
    const { holderKey, key } = await twoNamesOfOneFile('wo-orphan', 'WF1');
    const event = { versionId: 'vo', sequencer: nextSequencer() };
    // The first delivery finds a.CSV holding the bytes, writes the error file, and dies at its commit.
    const real = env.rt.deps.reports;
    const dying: IngestDeps['reports'] = {
      get: (id) => real.get(id),
      list: (f) => real.list(f),
      commit: async () => {
        throw new Error('killed (injected fault)');
      },
      activeInQuarter: (q) => real.activeInQuarter(q),
    };
    await expect(ingestAlone(key, { ...event, reports: dying })).rejects.toThrow('killed');
    const left = async () => (await env.rt.deps.objects.list('rejects/wo-orphan/')).filter((k) => k.startsWith('rejects/wo-orphan/b/'));
    // Its lines' file, written while read, and the error file it meant to commit.
    expect(await left()).toContainEqual(expect.stringMatching(/\.error\.rejects\.csv$/));
    // a.CSV moves on to other bytes; the event comes again and b.CSV counts.
    await put(holderKey, renderReport([sale({ invoice: 'F-1', partnerId: 'WF1', qty: 3 })]));
    expect(await ingestAlone(holderKey)).toMatchObject({ status: 'processed' });
    expect(await ingestAlone(key, event)).toMatchObject({ status: 'processed' });
    const record = await env.report(key);
    expect(record.rejectsKey).not.toMatch(/\.error\.rejects\.csv$/);
    expect(await left()).toEqual([record.rejectsKey]);
  });

  it('gives two deliveries of one event that decide the claim differently two rejects files, so the record always names its own', async () => {
    const { holderKey, key } = await twoNamesOfOneFile('wo-twins', 'WN1');
    const event = { versionId: 'vb', sequencer: nextSequencer() };
    // The second delivery is held at its read; the first finds a.CSV holding the bytes.
    const held = gate();
    let rejectsPuts = 0;
    const second = ingestAlone(key, {
      ...event,
      hold: held.wait,
      // A crash at its second write of a rejects file: whatever it writes after its first is cut off.
      wrapObjects: (objects) => ({
        ...objects,
        put: async (k, body, type) => {
          if (k.startsWith('rejects/') && ++rejectsPuts > 1) throw new Error('killed (injected fault)');
          return objects.put(k, body, type);
        },
      }),
    }).catch((err: Error) => err);
    await held.arrived;
    expect(await ingestAlone(key, event)).toMatchObject({ status: 'failed' });
    const committed = (await env.report(key)).rejectsKey;
    // a.CSV moves on to other bytes: for the held delivery, b.CSV's bytes are free now.
    await put(holderKey, renderReport([sale({ invoice: 'N-1', partnerId: 'WN1', qty: 3 })]));
    expect(await ingestAlone(holderKey)).toMatchObject({ status: 'processed' });
    held.open();
    await second;
    // The record is the first delivery's, and so is the file it names, whatever the second did.
    const record = await env.report(key);
    expect(record).toMatchObject({ status: 'failed', error: { code: 'duplicate-file' }, rejectsKey: committed });
    expect((await env.rejects(key)).map((r) => [r.line, r.code])).toEqual([[0, 'duplicate-file']]);
    expect(committed).toMatch(/\.error\.rejects\.csv$/);
    // Only the file the record names is left of b.CSV.
    expect((await env.rt.deps.objects.list('rejects/wo-twins/')).filter((k) => k.startsWith('rejects/wo-twins/b/'))).toEqual([committed]);
  });

  it.each([
    ['a record with its entry (written by this version of ingest)', false],
    ['a record of before, re-read', true],
  ])("refuses no second name from a lagging report list of the bytes' first name: %s", async (_, legacy) => {
    const d = legacy ? 'wo-lag-old' : 'wo-lag';
    await env.importReference({ distributors: [d], partners: ['WG1'], acceptances: [{ partnerId: 'WG1', program: 'client' }] });
    const first = `incoming/${d}/a.CSV`;
    const A = renderReport([sale({ invoice: 'G-1', partnerId: 'WG1', qty: 2 })]);
    await put(first, A);
    expect(await ingestAlone(first)).toMatchObject({ status: 'processed' });
    // The distributor's list as an index that has not caught up shows it: a.CSV still with bytes A.
    const stale = (await env.rt.deps.reports.list({ distributorId: d })).map((r) => {
      if (!legacy) return r;
      const { entry: _entry, ...before } = r;
      return before;
    });
    await put(first, renderReport([sale({ invoice: 'G-1', partnerId: 'WG1', qty: 5 })]));
    expect(await ingestAlone(first)).toMatchObject({ status: 'processed' });
    const real = env.rt.deps.reports;
    const lagging: IngestDeps['reports'] = {
      get: (id) => real.get(id),
      list: async () => stale,
      commit: (c) => real.commit(c),
      activeInQuarter: (q) => real.activeInQuarter(q),
    };
    // Bytes A, free now, under a second name: they count.
    const second = `incoming/${d}/b.CSV`;
    await put(second, A);
    expect(await ingestAlone(second, { reports: lagging })).toMatchObject({ status: 'processed' });
    expect(await env.rt.deps.files.holder(d, sha256(A))).toMatchObject({ reportId: reportIdOf(second) });
  });

  it('leaves a rejects file named the old way when it replaces the version naming it: another report may name it too', async () => {
    await env.importReference({ distributors: ['wo-oldname'], partners: ['WD1'], acceptances: [{ partnerId: 'WD1', program: 'client' }] });
    const key = 'incoming/wo-oldname/feb.CSV';
    await put(key, renderReport([sale({ invoice: 'D-1', partnerId: 'WD1', qty: 1 }), sale({ invoice: 'D-2', partnerId: 'WD1', qty: 'x' })]));
    expect(await ingestAlone(key)).toMatchObject({ status: 'processed' });
    // As records written before rejects files were named by version: feb.csv.gz's name too.
    const oldName = 'rejects/wo-oldname/feb.rejects.csv';
    await env.rt.deps.objects.put(oldName, 'line,reason_code,message\n', 'text/csv');
    await env.rt.stack.clients.doc.send(
      new UpdateCommand({
        TableName: env.rt.stack.tableName,
        Key: keys.report(reportIdOf(key)),
        UpdateExpression: 'SET rejectsKey = :k',
        ExpressionAttributeValues: { ':k': oldName },
      }),
    );
    await put(key, renderReport([sale({ invoice: 'D-1', partnerId: 'WD1', qty: 2 })]));
    expect(await ingestAlone(key)).toMatchObject({ status: 'processed' });
    const now = (await env.report(key)).rejectsKey!;
    expect(await env.rt.deps.objects.list('rejects/wo-oldname/')).toEqual(expect.arrayContaining([oldName, now]));
  });

  it("reads one actor's partitions only, however many report entries other actors have in the months asked", async () => {
    const now = env.rt.deps.clock.now().toISOString();
    const read = async (actor: string) => {
      counter.take();
      const res = await api.call('finance', 'GET', `/api/audit?actor=${actor}&limit=50`);
      expect(res.status).toBe(200);
      const counts = counter.take();
      return { counts, entries: res.body.entries as AuditEntry[] };
    };
    const record = async (i: number, sub: string) => {
      const id = `${now}#${sub}${i.toString(16).padStart(8, '0')}`;
      const entry = { id, at: now, actor: { sub, role: 'distributor' }, kind: 'report', target: `report ${sub}-${i}`, quarters: [Q1], partners: [] };
      await env.rt.stack.clients.doc.send(
        new PutCommand({
          TableName: env.rt.stack.tableName,
          Item: { ...keys.report(`rpt_${sub}${i}`), reportId: `rpt_${sub}${i}`, entry, ...auditKeys.inRecord(entry) },
        }),
      );
    };
    for (let i = 0; i < 3; i++) await record(i, 'wo-few');
    const before = await read('wo-few');
    // 400 report records of another actor, this month, as the trail indexes hold them.
    for (let i = 0; i < 400; i++) await record(i, 'wo-crowd');
    const after = await read('wo-few');
    expect(after.entries.map((e) => e.target)).toEqual(['report wo-few-2', 'report wo-few-1', 'report wo-few-0']);
    expect(after.entries).toEqual(before.entries);
    expect(after.counts.readRequests).toBe(before.counts.readRequests);
    expect(after.counts.readUnits).toBe(before.counts.readUnits);
    // The crowded actor's page reads about its limit, not the 400: a page of 50 and the next.
    const crowd = await read('wo-crowd');
    expect(crowd.entries).toHaveLength(50);
    expect(crowd.entries.every((e) => e.actor.sub === 'wo-crowd')).toBe(true);
    expect(crowd.counts.readRequests).toBeLessThanOrEqual(4);
  });

  it("reads one month's trail partitions only, however many reports other months hold", async () => {
    const month = env.rt.deps.clock.now().toISOString().slice(0, 7);
    const day = new Date(env.rt.deps.clock.now().getTime() + 3 * 3600_000).toISOString().slice(0, 10);
    const read = async () => {
      counter.take();
      const res = await api.call('finance', 'GET', `/api/audit?from=${day}&to=${day}&limit=50`);
      expect(res.status).toBe(200);
      const counts = counter.take();
      return { counts, ids: (res.body.entries as AuditEntry[]).map((e) => e.id) };
    };
    const before = await read();
    // 300 report records whose entries are in another month, as the trail index holds them.
    const other = '2016-02';
    for (let i = 0; i < 300; i++) {
      const id = `${other}-10T10:00:00.000Z#${i.toString(16).padStart(12, '0')}`;
      const entry = { id, at: id.slice(0, 24), actor: { sub: 'wo-far', role: 'distributor' }, kind: 'report', target: 'report x', quarters: [Q1], partners: [] };
      await env.rt.stack.clients.doc.send(
        new PutCommand({
          TableName: env.rt.stack.tableName,
          Item: { ...keys.report(`rpt_far${i}`), reportId: `rpt_far${i}`, entry, ...auditKeys.inRecord(entry) },
        }),
      );
    }
    const after = await read();
    expect(month).not.toBe(other);
    expect(after.ids).toEqual(before.ids);
    expect(after.counts.readRequests).toBe(before.counts.readRequests);
    expect(after.counts.readUnits).toBe(before.counts.readUnits);
    // The other month does list them.
    const far = await api.call('finance', 'GET', '/api/audit?from=2016-02-01&to=2016-02-28&limit=500');
    expect(far.body.entries.filter((e: AuditEntry) => e.actor.sub === 'wo-far')).toHaveLength(300);
  });
});
