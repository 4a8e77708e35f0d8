/**
 * Acceptances in DynamoDB (program rules §2.2: every acceptance row is kept, none overwrites
 * another): one item per acceptance, an import repeated changes nothing, and acceptances stored
 * by earlier versions (one item per partner and program, `sk = ACCEPT#<program>`) are still read
 * and are rewritten by the migration, which is safe to run again.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it, vi } from 'vitest';
import { main } from '../../local/cli-program.js';
import { startLocalRuntime } from '../../local/runtime.js';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { bucketRows, REFERENCE_BUCKETS } from '../../shared/adapters/dynamo/reference-buckets.js';
import type { Acceptance } from '../../shared/domain/types.js';
import { importReference, migrateAcceptances } from '../../shared/pipeline/reference-import.js';
import { referenceChange, renderReport, useLocalRuntime } from '../support/runtime.js';

const Q1 = '2016-Q1';
const VOSTRO = 'VOSTRO 3568 NB 15.6 HD I5-7200U 4GB 1TB'; // client/vostro-3xxx

const env = useLocalRuntime();

/** Reference deps whose clock reads `iso` and that recalculate nobody (the tests ask when they need it). */
const at = (iso: string) => ({
  ...env.rt.deps,
  clock: { now: () => new Date(iso) },
  recalc: { publish: async () => undefined },
});

/**
 * The acceptances of a partner as stored: the rows of its acceptance bucket, each with the sort key
 * its own item had (its identity). No per-row item is left beside them.
 */
async function acceptanceItems(partnerId: string) {
  const { stack } = env.rt;
  const res = await stack.clients.doc.send(
    new QueryCommand({
      TableName: stack.tableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
      ExpressionAttributeValues: { ':pk': `PARTNER#${partnerId}`, ':s': 'ACCEPT#' },
      ConsistentRead: true,
    }),
  );
  expect(res.Items ?? []).toEqual([]);
  const bucket = await stack.clients.doc.send(
    new GetCommand({
      TableName: stack.tableName,
      Key: keys.referenceBucket('acceptances', bucketOf(partnerId, REFERENCE_BUCKETS)),
      ConsistentRead: true,
    }),
  );
  const rows = (bucket.Item ? bucketRows(bucket.Item) : []) as unknown as Acceptance[];
  return rows
    .filter((r) => r.partnerId === partnerId)
    .map((r) => ({ sk: keys.acceptance(r).sk, ...r }))
    .sort((a, b) => (a.sk < b.sk ? -1 : 1));
}

/** An acceptance as an earlier version stored it: one item per partner and program, no recordedAt. */
async function putLegacy(
  a: Acceptance,
  stack: { clients: { doc: DynamoDBDocumentClient }; tableName: string } = env.rt.stack,
) {
  await stack.clients.doc.send(
    new PutCommand({
      TableName: stack.tableName,
      Item: { pk: `PARTNER#${a.partnerId}`, sk: `ACCEPT#${a.program}`, ...a },
    }),
  );
}

const accepted = (a: Acceptance[]) =>
  a
    .map((x) => [x.program, x.plan, x.acceptedAt])
    .sort((p, q) => JSON.stringify(p).localeCompare(JSON.stringify(q)));

describe('every acceptance is kept', () => {
  it('stores a second acceptance of a program beside the first, and an import repeated keeps the first recordedAt', async () => {
    const change = referenceChange({
      partners: ['AK101', 'AK102'],
      acceptances: [
        { partnerId: 'AK101', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
        { partnerId: 'AK101', program: 'client', plan: 50, acceptedAt: '2016-03-20T10:00:00+03:00' },
        // Another partner's acceptance at the same instant is an acceptance of its own.
        { partnerId: 'AK102', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
      ],
    });
    await importReference(at('2016-03-21T08:00:00Z'), change);
    expect((await acceptanceItems('AK102')).map((i) => i.sk)).toEqual([
      'ACCEPT#client#2016-02-01T07:00:00.000Z#150',
    ]);
    const first = await acceptanceItems('AK101');
    expect(first).toEqual([
      {
        sk: 'ACCEPT#client#2016-02-01T07:00:00.000Z#150',
        partnerId: 'AK101',
        program: 'client',
        plan: 150,
        acceptedAt: '2016-02-01T10:00:00+03:00',
        recordedAt: '2016-03-21T08:00:00.000Z',
      },
      {
        sk: 'ACCEPT#client#2016-03-20T07:00:00.000Z#50',
        partnerId: 'AK101',
        program: 'client',
        plan: 50,
        acceptedAt: '2016-03-20T10:00:00+03:00',
        recordedAt: '2016-03-21T08:00:00.000Z',
      },
    ]);

    // The same file again, later, in the other order, with one row written in UTC: nothing changes.
    const again = referenceChange({
      acceptances: [
        { partnerId: 'AK101', program: 'client', plan: 50, acceptedAt: '2016-03-20T07:00:00Z' },
        { partnerId: 'AK101', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
      ],
    });
    await importReference(at('2016-05-01T08:00:00Z'), again);
    expect(await acceptanceItems('AK101')).toEqual(first);

    // A late one is added, not put in place of the others.
    await importReference(
      at('2016-05-02T08:00:00Z'),
      referenceChange({
        acceptances: [
          { partnerId: 'AK101', program: 'client', plan: 150, acceptedAt: '2016-04-05T10:00:00+03:00' },
        ],
      }),
    );
    const state = await env.rt.deps.reference.partnerState('AK101');
    expect(accepted(state.acceptances)).toEqual([
      ['client', 150, '2016-02-01T10:00:00+03:00'],
      ['client', 150, '2016-04-05T10:00:00+03:00'],
      ['client', 50, '2016-03-20T10:00:00+03:00'],
    ]);
    expect(state.acceptances.find((a) => a.acceptedAt.startsWith('2016-04-05'))?.recordedAt).toBe(
      '2016-05-02T08:00:00.000Z',
    );
  });
});

describe('acceptances stored by earlier versions', () => {
  it('are folded by the migration into the acceptance buckets, and then count as acceptances', async () => {
    await env.importReference({ distributors: ['am-dist'], partners: ['AM101', 'AM102'] });
    const legacy: Acceptance[] = [
      { partnerId: 'AM101', program: 'client', plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00' },
      { partnerId: 'AM101', program: 'monitors', plan: null, acceptedAt: '2016-02-02T10:00:00+03:00' },
      { partnerId: 'AM102', program: 'client', plan: 50, acceptedAt: '2016-02-03T10:00:00+03:00' },
    ];
    for (const a of legacy) await putLegacy(a);
    // AM102's acceptance was also uploaded again after the upgrade, so it is stored in both forms;
    // AM101 then lowered the plan with a later acceptance.
    await importReference(
      at('2016-03-01T08:00:00Z'),
      referenceChange({
        acceptances: [
          legacy[2]!,
          { partnerId: 'AM101', program: 'client', plan: 50, acceptedAt: '2016-03-10T10:00:00+03:00' },
        ],
      }),
    );
    await env.upload(
      'am-dist',
      'am.csv',
      renderReport([
        { date: '2016-02-20', invoice: 'AM-1', partnerId: 'AM101', description: VOSTRO, qty: 60 },
        { date: '2016-02-20', invoice: 'AM-2', partnerId: 'AM102', description: VOSTRO, qty: 55 },
      ]),
    );

    const stateBefore = await Promise.all(
      ['AM101', 'AM102'].map((id) => env.rt.deps.reference.partnerState(id)),
    );
    // Pipeline v2 loads acceptances through their index keys (one query for the quarter), which
    // items of earlier versions lack: they count once `rebates migrate` has run, which is required.
    expect(await migrateAcceptances(env.rt.deps)).toEqual({ partners: 0, acceptances: 3, trainings: 0 });
    expect((await acceptanceItems('AM101')).map((i) => i.sk)).toEqual([
      'ACCEPT#client#2016-02-01T07:00:00.000Z#150',
      'ACCEPT#client#2016-03-10T07:00:00.000Z#50',
      'ACCEPT#monitors#2016-02-02T07:00:00.000Z#-',
    ]);
    // AM102's item from the upload keeps its recordedAt; the legacy copy is gone.
    expect(await acceptanceItems('AM102')).toEqual([
      {
        sk: 'ACCEPT#client#2016-02-03T07:00:00.000Z#50',
        ...legacy[2],
        recordedAt: '2016-03-01T08:00:00.000Z',
      },
    ]);
    const stateAfter = await Promise.all(
      ['AM101', 'AM102'].map((id) => env.rt.deps.reference.partnerState(id)),
    );
    expect(stateAfter.map((s) => accepted(s.acceptances))).toEqual([
      accepted(stateBefore[0]!.acceptances),
      accepted(stateBefore[1]!.acceptances).filter(
        (a, i, all) => i === 0 || JSON.stringify(a) !== JSON.stringify(all[i - 1]),
      ),
    ]);
    // The computation the migration calls for sees them: AM101's later plan 50 counts over the legacy plan 150.
    await env.rt.deps.compute.publish([{ quarter: Q1, cause: 'migrated' }]);
    await env.rt.idle();
    const payouts = await Promise.all(['AM101', 'AM102'].map((id) => env.payouts(Q1, id)));
    expect(payouts[0]!.lines[0]!.explanation).toMatchObject({
      plan: 50,
      planBasis: 'chosen',
      acceptance: {
        used: { plan: 50, acceptedAt: '2016-03-10T10:00:00+03:00' },
        ignored: [{ plan: 150, acceptedAt: '2016-02-01T10:00:00+03:00', why: 'superseded' }],
      },
    });
    // The same acceptance in both forms is one acceptance.
    expect(payouts[1]!.lines[0]!.explanation.acceptance?.ignored).toEqual([]);
    expect(payouts[1]!.lines[0]!.explanation.acceptance?.used).toMatchObject({ plan: 50 });

    // Again: nothing left to rewrite, nothing changes.
    const items = await Promise.all(['AM101', 'AM102'].map(acceptanceItems));
    expect(await migrateAcceptances(env.rt.deps)).toEqual({ partners: 0, acceptances: 0, trainings: 0 });
    expect(await Promise.all(['AM101', 'AM102'].map(acceptanceItems))).toEqual(items);
  });
});

describe('rebates migrate', () => {
  it('rewrites the acceptances of a state folder, and says there is nothing left the second time', async () => {
    const savedEnv = { ...process.env };
    const dir = await mkdtemp(join(tmpdir(), 'rebates-migrate-'));
    const legacy: Acceptance = {
      partnerId: 'AC101',
      program: 'client',
      plan: 150,
      acceptedAt: '2016-02-01T10:00:00+03:00',
    };
    const withState = async <T>(fn: (rt: Awaited<ReturnType<typeof startLocalRuntime>>) => Promise<T>) => {
      const rt = await startLocalRuntime({ stateDir: dir });
      try {
        return await fn(rt);
      } finally {
        await rt.stop();
      }
    };
    const migrate = async () => {
      let out = '';
      const spy = vi
        .spyOn(process.stdout, 'write')
        .mockImplementation((chunk) => ((out += String(chunk)), true));
      try {
        return { code: await main(['migrate', '--state', dir]), out };
      } finally {
        spy.mockRestore();
      }
    };
    try {
      await withState((rt) => putLegacy(legacy, rt.stack));
      expect(await migrate()).toEqual({
        code: 0,
        out: "Moved the rows earlier versions stored one by one into today's form: 1 acceptance.\n",
      });
      expect(await migrate()).toEqual({
        code: 0,
        out: "Nothing to migrate: every partner, acceptance and training is already stored in today's form.\n",
      });
      const state = await withState((rt) => rt.deps.reference.partnerState('AC101'));
      expect(state.acceptances).toEqual([legacy]);
    } finally {
      await rm(dir, { recursive: true, force: true });
      for (const name of Object.keys(process.env)) if (!(name in savedEnv)) delete process.env[name];
      Object.assign(process.env, savedEnv);
    }
    // Four starts of the emulators (a JVM each): 35 s of the default 60 on a loaded CI machine.
  }, 180_000);
});
