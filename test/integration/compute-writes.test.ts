/**
 * How pipeline v2 writes, on DynamoDB Local: items written per report do not grow with its lines
 * (partners + reports + a few), a one-partner reference change writes two items and the computation
 * it asks for two more (the shard of that partner's payout and the computation pointer) and reads
 * only that shard, a computation that crashes before its pointer is written is redone by the retry with the
 * same result, a failed computation ends only once its shard writes and its workbench build have, and payouts are packed in shards out of gsi1 (items stored before: payout-shards.test.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { decodeShardEntry, payoutShardEntries } from '../../shared/adapters/dynamo/payout-item.js';
import { PAYOUT_SHARDS } from '../../shared/adapters/dynamo/payouts.js';
import { computeQuarterNow, readComputationBody } from '../../shared/pipeline/compute.js';
import { quarterWorkbench } from '../../shared/pipeline/close-exceptions.js';
import { readWorkbenchPart } from '../../shared/pipeline/workbench-part.js';
import { connectionReset, FaultInjector, throughputExceeded, throwing } from '../support/faults.js';
import { renderReport, useLocalRuntime, type SaleLine } from '../support/runtime.js';

const Q1 = '2016-Q1';
const faults = new FaultInjector();
const errors: string[] = [];
const env = useLocalRuntime({ wrapClients: faults.wrap, onError: (what, err) => errors.push(`${what}: ${(err as Error).message}`) });

afterEach(() => faults.disarmAll());

const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

/** DynamoDB items written (puts, updates, deletes; batches and transactions item by item) from now on. */
function itemsWritten(): () => number {
  const count = () =>
    faults.sent
      .filter((s) => s.client === 'doc' || s.client === 'dynamo')
      .reduce((n, s) => {
        if (['PutCommand', 'UpdateCommand', 'DeleteCommand'].includes(s.command)) return n + 1;
        if (s.command === 'BatchWriteCommand')
          return n + Object.values(s.input.RequestItems as Record<string, unknown[]>).reduce((a, r) => a + r.length, 0);
        if (s.command === 'TransactWriteCommand') return n + (s.input.TransactItems as unknown[]).length;
        return n;
      }, 0);
  const before = count();
  return () => count() - before;
}

describe('items written', () => {
  it('stays within partners + reports + 10 for reports of thousands of lines', async () => {
    const partners = Array.from({ length: 12 }, (_, i) => `CW${100 + i}`);
    await env.importReference({
      distributors: ['cw-dist'],
      partners,
      acceptances: partners.map((partnerId) => ({ partnerId, program: 'client' })),
    });
    const written = itemsWritten();
    const report = (month: string, n: number): SaleLine[] =>
      Array.from({ length: n }, (_, i) => ({
        date: `2016-${month}-15`,
        invoice: `CW-${month}-${i}`,
        partnerId: partners[i % partners.length]!,
        description: VOSTRO,
        qty: 1,
      }));
    await env.uploadAll([
      { distributorId: 'cw-dist', name: 'feb.csv', content: renderReport(report('02', 3000)) },
      { distributorId: 'cw-dist', name: 'mar.csv', content: renderReport(report('03', 3000)) },
    ]);
    expect((await env.payouts(Q1, partners[0]!))!.lines[0]!.units).toBe(500);
    expect(written()).toBeLessThanOrEqual(partners.length + 2 + 10);
  });

  it('writes two items for a one-partner reference change, and two for the computation it asks for', async () => {
    await env.importReference({ distributors: ['cw1-dist'], partners: ['CW1A', 'CW1B'] });
    await env.upload(
      'cw1-dist',
      'one.csv',
      renderReport([
        { date: '2016-02-10', invoice: 'A', partnerId: 'CW1A', description: VOSTRO, qty: 60 },
        { date: '2016-02-10', invoice: 'B', partnerId: 'CW1B', description: VOSTRO, qty: 70 },
      ]),
    );
    expect((await env.payouts(Q1, 'CW1A'))!.total.toFixed(2)).toBe('0.00');

    // Held back, to count the edit and the computation apart.
    const real = env.rt.deps.compute;
    const queued: Parameters<typeof real.publish>[0][number][] = [];
    env.rt.deps.compute = { publish: async (rs) => void queued.push(...rs) };
    const edit = itemsWritten();
    try {
      await env.rt.deps.reference.putAcceptances(
        [{ partnerId: 'CW1A', program: 'client', plan: null, acceptedAt: '2016-02-01T10:00:00+03:00' }],
        new Date().toISOString(),
      );
      await env.rt.deps.reference.bumpRevision({ what: '1 acceptance (CW1A)', by: 'test', at: new Date().toISOString() });
    } finally {
      env.rt.deps.compute = real;
    }
    expect(edit()).toBe(2);

    const computation = itemsWritten();
    const sentBefore = faults.sent.length;
    await real.publish([{ quarter: Q1, cause: 'test' }]);
    await env.rt.idle();
    expect(computation()).toBe(2);
    // The previous record's body holds the stored hashes: no payout item is read to diff.
    const reads = faults.sent
      .slice(sentBefore)
      .filter((s) => (s.client === 'doc' || s.client === 'dynamo') && /^(Get|BatchGet|Query|Scan)Command$/.test(s.command));
    expect(reads.filter((s) => /"(sk|gsi1pk)":"PAYOUTS?#|:s":"PAYOUT#/.test(JSON.stringify(s.input)))).toEqual([]);
    // Payouts are packed in shards: only the one CW1A's result is merged into is read, and only
    // when it holds other partners' too.
    const shardsRead = new Set(reads.flatMap((s) => JSON.stringify(s.input).match(/PAYOUT-SHARD#[^"]*#\d{3}/g) ?? []));
    const bucket = bucketOf('CW1A', PAYOUT_SHARDS);
    const neighbours = (await env.rt.deps.payouts.listQuarter(Q1)).filter((p) => p.result.partnerId !== 'CW1A' && bucketOf(p.result.partnerId, PAYOUT_SHARDS) === bucket);
    expect([...shardsRead]).toEqual(neighbours.length ? [keys.payoutShard(Q1, bucket).pk] : []);
    expect((await env.payouts(Q1, 'CW1A'))!.total.toFixed(2)).toBe((60 * 154).toFixed(2));
    expect((await env.payouts(Q1, 'CW1B'))!.total.toFixed(2)).toBe('0.00');
  });

  it('redoes a computation that crashed before its record was written, with the same result', async () => {
    await env.importReference({ distributors: ['cw2-dist'], partners: ['CW2A'], acceptances: [{ partnerId: 'CW2A', program: 'client' }] });
    const fault = faults.arm({
      client: 'doc',
      command: 'PutCommand',
      match: (i) => (i.Item as { sk?: string } | undefined)?.sk === 'COMPUTATION',
      fail: throwing(throughputExceeded),
    });
    const errorsBefore = errors.length;
    await env.upload('cw2-dist', 'crash.csv', renderReport([{ date: '2016-02-10', invoice: 'X', partnerId: 'CW2A', description: VOSTRO, qty: 5 }]));
    expect(fault.fired).toBe(1);
    expect(errors.slice(errorsBefore)).toEqual([expect.stringMatching(/^compute:/)]);
    expect((await env.payouts(Q1, 'CW2A'))!.lines.map((l) => l.units)).toEqual([5]);
    expect(env.rt.deadLetters()).toEqual([]);
  });

  it('keeps payouts of partners new to a crashed computation listed, so the retry removes those that no longer count', async () => {
    await env.importReference({ distributors: ['cw3-dist'], partners: ['CW3A'], acceptances: [{ partnerId: 'CW3A', program: 'client' }] });
    const line = (invoice: string, partnerId: string, qty: number): SaleLine => ({ date: '2016-02-10', invoice, partnerId, description: VOSTRO, qty });
    await env.upload('cw3-dist', 'late.csv', renderReport([line('A', 'CW3A', 5), line('C', 'CW3C', 7)]));
    expect(await env.payouts(Q1, 'CW3C')).toBeNull(); // not registered: its line is held
    const pointer = await env.rt.deps.computations.latest(Q1);

    // CW3C registered; the computation this asks for writes CW3C's item, then fails at its pointer.
    await env.rt.deps.reference.putPartners([{ id: 'CW3C', displayId: 'CW3C', name: 'CW3C', status: 'Registered', region: 'Central' }]);
    await env.rt.deps.reference.bumpRevision({ what: '1 partner (CW3C)', by: 'test', at: new Date().toISOString() });
    const fault = faults.arm({
      client: 'doc',
      command: 'PutCommand',
      match: (i) => (i.Item as { sk?: string } | undefined)?.sk === 'COMPUTATION',
      fail: throwing(throughputExceeded),
    });
    await expect(computeQuarterNow(env.rt.deps, Q1, 'test')).rejects.toThrow();
    expect(fault.fired).toBe(1);
    expect(await env.rt.deps.computations.latest(Q1)).toEqual(pointer);
    const listed = async () => (await env.rt.deps.payouts.listQuarter(Q1)).map((p) => p.result.partnerId).filter((id) => id.startsWith('CW3'));
    expect(await env.payouts(Q1, 'CW3C')).not.toBeNull();
    expect(await listed()).toEqual(['CW3A', 'CW3C']);

    // Before any retry, a correction drops CW3C's line: its item, from the crashed computation, goes.
    await env.upload('cw3-dist', 'late.csv', renderReport([line('A', 'CW3A', 5)]));
    expect(await env.payouts(Q1, 'CW3C')).toBeNull();
    expect(await listed()).toEqual(['CW3A']);
    expect(env.rt.deadLetters()).toEqual([]);
  });

  it('fails a computation only once its payout shard writes have stopped', async () => {
    await env.importReference({ distributors: ['cw5-dist'], partners: ['CW5A'], acceptances: [{ partnerId: 'CW5A', program: 'client' }] });
    const line = (invoice: string, partnerId: string, qty: number): SaleLine => ({ date: '2016-02-10', invoice, partnerId, description: VOSTRO, qty });
    await env.upload('cw5-dist', 'held.csv', renderReport([line('A', 'CW5A', 5), line('C', 'CW5C', 7)]));
    await env.rt.deps.reference.putPartners([{ id: 'CW5C', displayId: 'CW5C', name: 'CW5C', status: 'Registered', region: 'Central' }]);
    await env.rt.deps.reference.bumpRevision({ what: '1 partner (CW5C)', by: 'test', at: new Date().toISOString() });

    // CW5C's shard write is held; the body's write fails meanwhile.
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held = faults.arm({
      client: 'doc',
      command: 'BatchWriteCommand',
      match: (i) => JSON.stringify(i).includes('PAYOUT-SHARD#'),
      fail: async (send) => {
        await gate;
        return send();
      },
    });
    const bodyFault = faults.arm({
      client: 's3',
      command: 'PutObjectCommand',
      match: (i) => /^computations\/2016-Q1\/[0-9a-f]+\.json\.gz$/.test(String(i.Key)),
      fail: throwing(connectionReset),
    });
    const events: string[] = [];
    const computing = computeQuarterNow(env.rt.deps, Q1, 'test').then(
      () => void events.push('computed'),
      () => void events.push('failed'),
    );
    await expect.poll(() => held.seen, { timeout: 60_000 }).toBe(1);
    await expect.poll(() => bodyFault.fired, { timeout: 60_000 }).toBe(1);
    // Without waiting for its writes, the computation would fail at once; a bound, not a sync.
    await Promise.race([computing, new Promise((resolve) => setTimeout(resolve, 2_000))]);
    events.push('shard write released');
    release();
    await computing;
    expect(events).toEqual(['shard write released', 'failed']);

    faults.disarmAll();
    expect((await computeQuarterNow(env.rt.deps, Q1, 'retry')).status).toBe('computed');
    expect((await env.payouts(Q1, 'CW5C'))!.lines.map((l) => l.units)).toEqual([7]);
  });

  /** 600 partners with a payout (the workbench part three slices), then one more registered: a computation with one changed partner. */
  async function quarterOf600(prefix: string) {
    const partners = Array.from({ length: 600 }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
    await env.importReference({
      distributors: [`${prefix.toLowerCase()}-dist`],
      partners,
      acceptances: partners.map((partnerId) => ({ partnerId, program: 'client' })),
    });
    const lines: SaleLine[] = [...partners, `${prefix}NEW`].map((partnerId, i) => ({
      date: '2016-02-10',
      invoice: `${prefix}-${i}`,
      partnerId,
      description: VOSTRO,
      qty: 1 + (i % 7),
    }));
    await env.upload(`${prefix.toLowerCase()}-dist`, 'many.csv', renderReport(lines));
    const id = `${prefix}NEW`;
    await env.rt.deps.reference.putPartners([{ id, displayId: id, name: id, status: 'Registered', region: 'Central' }]);
    await env.rt.deps.reference.bumpRevision({ what: `1 partner (${id})`, by: 'test', at: new Date().toISOString() });
  }

  /** The computation's steps as they start and end, and its outcome, in order. */
  function stepsLog(onStep: (event: string) => void = () => undefined) {
    const events: string[] = [];
    const push = (event: string) => {
      events.push(event);
      onStep(event);
    };
    const timeStep = (name: string) => {
      push(`start ${name}`);
      return () => push(`end ${name}`);
    };
    return { events, timeStep, push };
  }

  it('fails a computation whose body is not stored without building its workbench part', async () => {
    await quarterOf600('WB');
    // The body's write fails once the payout items are written: the workbench build would start next.
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const bodyFault = faults.arm({
      client: 's3',
      command: 'PutObjectCommand',
      match: (i) => /^computations\/2016-Q1\/[0-9a-f]+\.json\.gz$/.test(String(i.Key)),
      fail: async () => {
        await gate;
        throw connectionReset();
      },
    });
    const log = stepsLog((event) => event === 'end write the payout items' && release());
    await expect(computeQuarterNow({ ...env.rt.deps, timeStep: log.timeStep }, Q1, 'test')).rejects.toThrow(/ECONNRESET/);
    log.push('failed');
    expect(bodyFault.fired).toBe(1);
    // Nothing of it goes on after its failure: a build started would still be slicing the 600 partners.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(log.events.at(-1)).toBe('failed');
    expect(log.events.filter((e) => e.includes('workbench'))).toEqual([]);

    faults.disarmAll();
    expect((await computeQuarterNow(env.rt.deps, Q1, 'retry')).status).toBe('computed');
    expect((await env.payouts(Q1, 'WBNEW'))!.lines.map((l) => l.units)).toEqual([1 + (600 % 7)]);
  });

  it('stops the workbench build of a computation whose payout writes fail, before the failure is reported', async () => {
    await quarterOf600('WS');
    // The shard writes are held until the workbench build has started, then fail.
    let release = () => undefined as void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const shardFault = faults.arm({
      client: 'doc',
      command: 'BatchWriteCommand',
      match: (i) => JSON.stringify(i).includes('PAYOUT-SHARD#'),
      times: 1_000,
      fail: async () => {
        await gate;
        throw connectionReset();
      },
    });
    const log = stepsLog((event) => event === 'start build the workbench part' && release());
    await expect(computeQuarterNow({ ...env.rt.deps, timeStep: log.timeStep }, Q1, 'test')).rejects.toThrow(/ECONNRESET/);
    log.push('failed');
    expect(shardFault.fired).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(log.events.slice(-3)).toEqual(['start build the workbench part', 'end build the workbench part', 'failed']);
    expect(log.events).not.toContain('start write the pointer');

    faults.disarmAll();
    expect((await computeQuarterNow(env.rt.deps, Q1, 'retry')).status).toBe('computed');
    expect((await env.payouts(Q1, 'WSNEW'))!.lines.map((l) => l.units)).toEqual([1 + (600 % 7)]);
  });

  it('neither builds nor stores the workbench part where nobody lists from the store, and the exceptions are the same without it', async () => {
    await quarterOf600('WN');
    const rules = env.rt.rules.find((r) => r.quarter === Q1)!;
    const exceptionsNow = async () => {
      const pointer = (await env.rt.deps.computations.latest(Q1))!;
      const body = await readComputationBody(env.rt.deps.objects, pointer.bodyKey);
      const part = await readWorkbenchPart(env.rt.deps.objects, { quarter: Q1, inputsHash: pointer.inputsHash, resultHash: pointer.resultHash });
      const { groups } = await quarterWorkbench(env.rt.deps, rules, body, () => true);
      return { part, groups };
    };
    expect((await computeQuarterNow(env.rt.deps, Q1, 'test')).status).toBe('computed');
    const withPart = await exceptionsNow();
    expect(withPart.part).not.toBeNull();

    // A partner with no lines registered, computed as `rebates run` computes on its temporary stack.
    await env.rt.deps.reference.putPartners([{ id: 'WNNEW2', displayId: 'WNNEW2', name: 'WNNEW2', status: 'Registered', region: 'Central' }]);
    await env.rt.deps.reference.bumpRevision({ what: '1 partner (WNNEW2)', by: 'test', at: new Date().toISOString() });
    const log = stepsLog();
    const puts = faults.sent.length;
    const outcome = await computeQuarterNow({ ...env.rt.deps, timeStep: log.timeStep, workbenchPart: false }, Q1, 'test');
    expect(outcome.status).toBe('computed');
    expect(outcome.status === 'computed' && outcome.workbenchFailure).toBeFalsy();
    expect(log.events.filter((e) => e.includes('workbench'))).toEqual([]);
    expect(
      faults.sent.slice(puts).filter((s) => s.command === 'PutObjectCommand' && String(s.input.Key).includes('workbench')),
    ).toEqual([]);
    const without = await exceptionsNow();
    expect(without.part).toBeNull();
    // Its readers work the same lists out of the payout items and the body's held lines.
    expect(without.groups).toEqual(withPart.groups);
    expect(without.groups.length).toBeGreaterThan(0);
  });

  it('writes payouts into shards without gsi1 keys, small and compressed', async () => {
    await env.importReference({ distributors: ['cw4-dist'], partners: ['CW4A'], acceptances: [{ partnerId: 'CW4A', program: 'client' }] });
    await env.upload('cw4-dist', 'g.csv', renderReport([{ date: '2016-02-10', invoice: 'G', partnerId: 'CW4A', description: VOSTRO, qty: 60 }]));
    const { doc } = env.rt.stack.clients;
    const TableName = env.rt.stack.tableName;
    expect((await doc.send(new GetCommand({ TableName, Key: { pk: 'PARTNER#CW4A', sk: `PAYOUT#${Q1}` } }))).Item).toBeUndefined();
    const item = (await doc.send(new GetCommand({ TableName, Key: keys.payoutShard(Q1, bucketOf('CW4A', PAYOUT_SHARDS)) }))).Item!;
    // The partners' results are one binary attribute, out of every index.
    expect(item.z).toBeInstanceOf(Uint8Array);
    expect(item).not.toHaveProperty('result');
    expect(item).not.toHaveProperty('gsi1pk');
    expect(item).not.toHaveProperty('gsi1sk');
    const entries = payoutShardEntries(item);
    const entry = entries.find((e) => e.partnerId === 'CW4A')!;
    expect(item.n).toBe(entries.length);
    const stored = decodeShardEntry(entry);
    expect(stored.result.total.toFixed(2)).toBe((60 * 154).toFixed(2));
    expect((item.z as Uint8Array).length).toBeLessThan(entries.reduce((n, e) => n + e.content.length, 0));
  });
});
