/**
 * Partners, acceptances and trainings packed in bucket items (reference-buckets.ts), on DynamoDB
 * Local: a partner row replaces the one with its ID, a training the one with its key, an
 * acceptance already stored keeps its first recordedAt, and all of it holds when two writers
 * merge into the same buckets at once. Rows stored one item each by earlier versions are still
 * read, a bucket row wins over one of the same identity, and the migration folds them in.
 */
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { bucketOf } from '../../shared/adapters/dynamo/buckets.js';
import { keys } from '../../shared/adapters/dynamo/keys.js';
import { MAX_BUCKET_BYTES, REFERENCE_BUCKETS } from '../../shared/adapters/dynamo/reference-buckets.js';
import { DynamoLedgerRepository, DynamoReferenceRepository } from '../../shared/adapters/dynamo/reference.js';
import { ensureTable } from '../../shared/adapters/dynamo/table.js';
import type { Acceptance, Partner } from '../../shared/domain/types.js';
import { errorRu } from '../../shared/domain/render/errors-ru.js';
import { ReferenceBucketFullError, ReferenceWriteError } from '../../shared/errors.js';
import { importReference } from '../../shared/pipeline/reference-import.js';
import { creditPoints } from '../../shared/pipeline/quarters.js';
import { aPartner } from '../support/domain-fixtures.js';
import { useLocalStack } from '../support/local-stack.js';

const stack = useLocalStack();
let tables = 0;

/** A fresh table and a repository on it. */
async function freshTable() {
  const { clients } = stack();
  const table = `ref-buckets-${++tables}`;
  await ensureTable(clients.dynamo, table);
  return { doc: clients.doc, table, repo: new DynamoReferenceRepository(clients.doc, table) };
}

/** `count` partner IDs that fall in one bucket, so their rows share one item. */
function idsInOneBucket(prefix: string, count: number, bucket = 0): string[] {
  const ids: string[] = [];
  for (let i = 0; ids.length < count; i++) if (bucketOf(`${prefix}${i}`, REFERENCE_BUCKETS) === bucket) ids.push(`${prefix}${i}`);
  return ids;
}

/**
 * Names of `length` Cyrillic letters in no order (xorshift32 from `seed`), which deflating cannot
 * shorten much: enough of them in one bucket pass the item limit.
 */
function cyrillicNoise(seed: number): (length: number) => string {
  let x = seed;
  const letter = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return String.fromCharCode(0x430 + ((x >>> 0) % 32));
  };
  return (length) => Array.from({ length }, letter).join('');
}

const acceptance = (partnerId: string, acceptedAt: string, plan: number | null = 150): Acceptance => ({
  partnerId,
  program: 'client',
  plan,
  acceptedAt,
});

const sortedBy = <T>(rows: T[], key: (r: T) => string) => [...rows].sort((a, b) => (key(a) < key(b) ? -1 : 1));

/**
 * A client whose puts wait for `gate`: its writer reads the buckets, then the other writer writes
 * them all, then its conditional puts find the buckets moved and must merge again.
 */
function heldUntil(doc: DynamoDBDocumentClient, gate: Promise<unknown>, conflicts: { count: number }): DynamoDBDocumentClient {
  const held = Object.create(doc) as DynamoDBDocumentClient;
  held.send = (async (command: unknown) => {
    if (command instanceof PutCommand) await gate;
    try {
      return await doc.send(command as PutCommand);
    } catch (err) {
      if (err instanceof Error && err.name === 'ConditionalCheckFailedException') conflicts.count++;
      throw err;
    }
  }) as DynamoDBDocumentClient['send'];
  return held;
}

describe('reference rows in buckets', () => {
  it('replaces a partner and a training by key, keeps an acceptance with its first recordedAt, and keeps kinds and partners apart', async () => {
    const { repo, doc, table } = await freshTable();
    // Two partners in one bucket: each reads back only its own rows.
    const [a, b] = idsInOneBucket('RB', 2);
    await repo.putPartners([aPartner({ id: a!, name: 'First name' }), aPartner({ id: b!, name: 'Other' })]);
    await repo.putPartners([aPartner({ id: a!, name: 'Second name', status: 'Preferred' })]);
    await repo.putAcceptances([acceptance(a!, '2016-02-01T10:00:00+03:00')], '2016-03-01T00:00:00.000Z');
    // The same acceptance written in UTC, later: the first recordedAt stays; another one is added.
    await repo.putAcceptances(
      [acceptance(a!, '2016-02-01T07:00:00Z'), acceptance(a!, '2016-02-01T10:00:00+03:00', 50)],
      '2016-04-01T00:00:00.000Z',
    );
    await repo.putTrainings([{ partnerId: a!, courseCode: 'c-1', completedAt: '2016-01-10' }]);
    // The course as matched is the key: the one written in capitals replaces it.
    await repo.putTrainings([
      { partnerId: a!, courseCode: 'C-1', completedAt: '2016-01-10' },
      { partnerId: b!, courseCode: 'C-1', completedAt: '2016-01-11' },
    ]);

    const state = await repo.partnerState(a!);
    expect(state.partner).toEqual(aPartner({ id: a!, name: 'Second name', status: 'Preferred' }));
    expect(sortedBy(state.acceptances, (x) => String(x.plan))).toEqual([
      { ...acceptance(a!, '2016-02-01T10:00:00+03:00'), recordedAt: '2016-03-01T00:00:00.000Z' },
      { ...acceptance(a!, '2016-02-01T10:00:00+03:00', 50), recordedAt: '2016-04-01T00:00:00.000Z' },
    ].sort((x, y) => (String(x.plan) < String(y.plan) ? -1 : 1)));
    expect(state.trainings).toEqual([{ partnerId: a!, courseCode: 'C-1', completedAt: '2016-01-10' }]);
    expect((await repo.partnerState(b!)).trainings).toEqual([{ partnerId: b!, courseCode: 'C-1', completedAt: '2016-01-11' }]);

    const snapshot = await repo.loadSnapshot();
    expect([...snapshot.partners.values()].map((p) => [p.id, p.name]).sort()).toEqual([
      [a, 'Second name'],
      [b, 'Other'],
    ].sort());
    expect(snapshot.acceptances.get(a!)).toHaveLength(2);
    expect(snapshot.acceptances.get(b!)).toBeUndefined();
    expect(snapshot.trainings.get(a!)).toEqual(state.trainings);
    expect(sortedBy(await repo.listPartners(), (p) => p.id)).toEqual(sortedBy([...snapshot.partners.values()], (p) => p.id));

    // One item per kind and bucket, and no per-row item.
    const bucket = await doc.send(
      new GetCommand({ TableName: table, Key: keys.referenceBucket('partners', 0), ConsistentRead: true }),
    );
    expect(bucket.Item).toMatchObject({ count: 2, version: 2 });
    const own = await doc.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': keys.partnerPk(a!) },
        ConsistentRead: true,
      }),
    );
    expect(own.Items).toEqual([]);
  });

  it('loses nothing when two writers merge into the same buckets at once, and the acceptance stored first keeps its recordedAt', async () => {
    const { repo, doc, table } = await freshTable();
    const partners = (prefix: string): Partner[] =>
      Array.from({ length: 300 }, (_, i) => aPartner({ id: `${prefix}${i}`, name: `${prefix} ${i}` }));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const conflicts = { count: 0 };
    const late = new DynamoReferenceRepository(heldUntil(doc, gate, conflicts), table);

    // The late writer reads every bucket, the other writes them all, then the late one puts.
    const lateWrites = Promise.all([
      late.putPartners(partners('LATE')),
      late.putAcceptances([acceptance('SHARED1', '2016-02-01T10:00:00+03:00')], '2016-03-02T00:00:00.000Z'),
    ]);
    await repo.putPartners(partners('EARLY'));
    await repo.putAcceptances([acceptance('SHARED1', '2016-02-01T10:00:00+03:00')], '2016-03-01T00:00:00.000Z');
    release();
    await lateWrites;

    // Every bucket the early writer moved made a late put fail and merge again.
    expect(conflicts.count).toBeGreaterThanOrEqual(new Set(partners('LATE').map((p) => bucketOf(p.id, REFERENCE_BUCKETS))).size);
    const snapshot = await repo.loadSnapshot();
    expect(snapshot.partners.size).toBe(600);
    expect(snapshot.partners.get('LATE17')?.name).toBe('LATE 17');
    expect(snapshot.partners.get('EARLY17')?.name).toBe('EARLY 17');
    expect(snapshot.acceptances.get('SHARED1')).toEqual([
      { ...acceptance('SHARED1', '2016-02-01T10:00:00+03:00'), recordedAt: '2016-03-01T00:00:00.000Z' },
    ]);
  });

  it('reads rows stored one item each by earlier versions, a bucket row winning over one of its identity, and the migration folds them in', async () => {
    const { repo, doc, table } = await freshTable();
    const put = (Item: Record<string, unknown>) => doc.send(new PutCommand({ TableName: table, Item }));
    const old = aPartner({ id: 'OLD1', name: 'Old name' });
    await put({ ...keys.partner('OLD1'), ...old });
    await put({ ...keys.partner('OLD2'), ...aPartner({ id: 'OLD2', name: 'Only old' }) });
    const oldAcceptance = { ...acceptance('OLD1', '2016-02-01T10:00:00+03:00'), recordedAt: '2016-01-01T00:00:00.000Z' };
    await put({ ...keys.acceptance(oldAcceptance), ...oldAcceptance });
    await put({
      ...keys.training('OLD1', 'C-1', '2016-01-10'),
      partnerId: 'OLD1',
      courseCode: 'c-1',
      completedAt: '2016-01-10',
    });

    // A new name for OLD1, the old acceptance again, its training in capitals.
    await repo.putPartners([aPartner({ id: 'OLD1', name: 'New name' })]);
    await repo.putAcceptances([acceptance('OLD1', '2016-02-01T07:00:00Z')], '2016-05-01T00:00:00.000Z');
    await repo.putTrainings([{ partnerId: 'OLD1', courseCode: 'C-1', completedAt: '2016-01-10' }]);

    const check = async () => {
      const snapshot = await repo.loadSnapshot();
      expect(
        [...snapshot.partners.values()].map((p) => [p.id, p.name]).sort(),
      ).toEqual([
        ['OLD1', 'New name'],
        ['OLD2', 'Only old'],
      ]);
      // The acceptance keeps the recordedAt of the item an earlier version stored.
      expect(snapshot.acceptances.get('OLD1')).toEqual([oldAcceptance]);
      expect(snapshot.trainings.get('OLD1')).toEqual([{ partnerId: 'OLD1', courseCode: 'C-1', completedAt: '2016-01-10' }]);
      const state = await repo.partnerState('OLD1');
      expect(state.partner?.name).toBe('New name');
      expect(state.acceptances).toEqual([oldAcceptance]);
      expect(state.trainings).toEqual(snapshot.trainings.get('OLD1'));
      expect((await repo.partnerState('OLD2')).partner?.name).toBe('Only old');
      expect((await repo.listPartners()).map((p) => p.name).sort()).toEqual(['New name', 'Only old']);
    };
    await check();

    expect(await repo.migrateAcceptances()).toEqual({ partners: 2, acceptances: 1, trainings: 1 });
    const left = await Promise.all(
      ['OLD1', 'OLD2'].map((id) =>
        doc.send(
          new QueryCommand({
            TableName: table,
            KeyConditionExpression: 'pk = :p',
            ExpressionAttributeValues: { ':p': keys.partnerPk(id) },
            ConsistentRead: true,
          }),
        ),
      ),
    );
    expect(left.flatMap((r) => r.Items ?? [])).toEqual([]);
    await check();
  });

  it('refuses rows that would overflow a bucket before writing anything of it', async () => {
    const { repo, doc, table } = await freshTable();
    const ids = idsInOneBucket('BIG', 5, 3);
    await repo.putPartners([aPartner({ id: ids[0]!, name: 'Stored first' })]);
    const before = await doc.send(new GetCommand({ TableName: table, Key: keys.referenceBucket('partners', 3), ConsistentRead: true }));
    // Names as long as the import takes (300 characters), of letters in no order, so deflating
    // leaves about 200 bytes a row: enough of them in one bucket pass the item limit.
    const noise = cyrillicNoise(2463534242);
    const many = idsInOneBucket('BIG', Math.ceil(MAX_BUCKET_BYTES / 150), 3).map((id) =>
      aPartner({ id, name: noise(300) }),
    );
    const refused = await repo.putPartners(many).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReferenceBucketFullError);
    expect((refused as Error).message).toMatch(
      /^Too many partners to store: one of the database's 64 records of partners would have to hold \d+ of them \(\d+ KB\), but one record holds at most 380 KB\. Nothing was written\. .*the database needs more records for partners/,
    );
    const after = await doc.send(new GetCommand({ TableName: table, Key: keys.referenceBucket('partners', 3), ConsistentRead: true }));
    expect(after.Item).toEqual(before.Item);

    // Through the import it is that refusal, not "stopped partway, send again", which would not help.
    const unused = () => {
      throw new Error('not reached: the import stops at the rows');
    };
    const viaImport = await importReference(
      { reference: repo, rules: { loadAll: unused } as never, compute: { publish: unused } as never, clock: { now: () => new Date() } },
      { partners: many },
    ).catch((err: unknown) => err);
    expect(viaImport).toBeInstanceOf(ReferenceBucketFullError);
    const ru = errorRu(viaImport as ReferenceBucketFullError).message;
    expect(ru).toMatch(/^Слишком много записей для хранения: одна из 64 ячеек базы данных должна была бы вместить [\d\s]+ партнёр(а|ов)? \(\d+ КБ\)/);
    expect(ru).toContain('Ничего не записано.');
    expect(ru).toContain('сообщите администратору сервиса');
    // Russian words only: no English kind, no other plural than the count's.
    expect(ru).not.toMatch(/[A-Za-z]/);
    expect(ru).not.toMatch(/[02-9] строк\b/);
  });

  it('checks every kind before the first write: a full bucket of partners stops an import before its distributors are written', async () => {
    const { repo, doc, table } = await freshTable();
    const noise = cyrillicNoise(88172645);
    const many = idsInOneBucket('FULL', Math.ceil(MAX_BUCKET_BYTES / 150), 5).map((id) =>
      aPartner({ id, name: noise(300) }),
    );
    const published: unknown[] = [];
    const refused = await importReference(
      {
        reference: repo,
        rules: { loadAll: async () => [] } as never,
        compute: { publish: async (m: unknown[]) => void published.push(...m) } as never,
        clock: { now: () => new Date('2016-03-01T00:00:00Z') },
      },
      { distributors: [{ id: 'DFULL', displayId: 'DFULL', name: 'Written before partners', segments: [] } as never], partners: many },
    ).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ReferenceBucketFullError);
    expect(await repo.listDistributors()).toEqual([]);
    const bucket = await doc.send(new GetCommand({ TableName: table, Key: keys.referenceBucket('partners', 5), ConsistentRead: true }));
    expect(bucket.Item).toBeUndefined();
    expect((await repo.loadSnapshot()).revision).toBe('r0');
    expect(published).toEqual([]);
  });

  it('when another writer fills a bucket after the check, records the kinds already stored and says the import stopped partway', async () => {
    const { repo, doc, table } = await freshTable();
    const noise = cyrillicNoise(1234567);
    // Each half fits a bucket alone (about 260 bytes a row deflated); both together do not.
    const ids = idsInOneBucket('RACE', 1800, 7);
    const named = (id: string) => aPartner({ id, name: noise(300) });
    const ours = ids.slice(0, 900).map(named);
    const theirs = ids.slice(900).map(named);
    // Our import's first conditional put waits until the other writer has stored its rows.
    let reached!: () => void;
    const atPut = new Promise<void>((r) => (reached = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const held = Object.create(doc) as DynamoDBDocumentClient;
    held.send = (async (command: unknown) => {
      if (command instanceof PutCommand && String(command.input.Item?.pk).startsWith(keys.referenceBucket('partners', 7).pk)) {
        reached();
        await gate;
      }
      return doc.send(command as PutCommand);
    }) as DynamoDBDocumentClient['send'];
    const published: unknown[] = [];
    const importing = importReference(
      {
        reference: new DynamoReferenceRepository(held, table),
        rules: { loadAll: async () => [] } as never,
        compute: { publish: async (m: unknown[]) => void published.push(...m) } as never,
        clock: { now: () => new Date('2016-03-01T00:00:00Z') },
      },
      { distributors: [{ id: 'DRACE', displayId: 'DRACE', name: 'Stored first', segments: [] } as never], partners: ours },
      { quarters: ['2016-Q1'] },
    ).catch((err: unknown) => err);
    await atPut;
    await repo.putPartners(theirs);
    release();
    const stopped = await importing;
    expect(stopped).toBeInstanceOf(ReferenceWriteError);
    expect((stopped as ReferenceWriteError).params).toMatchObject({ what: 'partners', done: ['distributors'] });
    expect((stopped as Error).cause).toBeInstanceOf(ReferenceBucketFullError);
    // The distributors stored are counted: a revision and the computation that sees them.
    expect((await repo.listDistributors()).map((d) => d.id)).toEqual(['DRACE']);
    const snapshot = await repo.loadSnapshot();
    expect(snapshot.revision).toBe('r1');
    expect(snapshot.changes.map((c) => c.what)).toEqual(['1 distributor (DRACE)']);
    expect(published).toHaveLength(1);
    expect(snapshot.partners.size).toBe(theirs.length);
  });

  it('of an old per-row acceptance and a bucket row of the same identity keeps the one recorded first', async () => {
    const { repo, doc, table } = await freshTable();
    // The bucket row is stamped later than the item an earlier version wrote beside it.
    await repo.putAcceptances([acceptance('EARLY1', '2016-02-01T10:00:00+03:00')], '2016-05-01T00:00:00.000Z');
    const first = { ...acceptance('EARLY1', '2016-02-01T07:00:00Z'), recordedAt: '2016-01-15T00:00:00.000Z' };
    await doc.send(new PutCommand({ TableName: table, Item: { ...keys.acceptance(first), ...first } }));
    expect((await repo.loadSnapshot()).acceptances.get('EARLY1')).toEqual([first]);
    expect((await repo.partnerState('EARLY1')).acceptances).toEqual([first]);
    expect((await repo.acceptancesOf(['EARLY1'])).get('EARLY1')).toEqual([first]);
  });

  it('reads the ledger alone for per-partner loops, and only the named partners\' buckets', async () => {
    const { doc, table } = await freshTable();
    const bucketReads: string[] = [];
    const counting = Object.create(doc) as DynamoDBDocumentClient;
    counting.send = (async (command: unknown) => {
      if (command instanceof BatchGetCommand)
        for (const k of Object.values(command.input.RequestItems ?? {}).flatMap((r) => r.Keys ?? []))
          if (String(k.pk).startsWith(keys.referenceBucket('partners', 0).pk.split('#')[0]!)) bucketReads.push(String(k.pk));
      return doc.send(command as BatchGetCommand);
    }) as DynamoDBDocumentClient['send'];
    const repo = new DynamoReferenceRepository(counting, table);
    const ledger = new DynamoLedgerRepository(doc, table);
    await repo.putPartners([aPartner({ id: 'LED1', name: 'Ledger' }), aPartner({ id: 'LED2' })]);
    bucketReads.length = 0;

    const earned = [{ source: 'client', points: 5, reason: { code: 'paid-units' } }] as never[];
    const payouts = { listQuarter: async () => [{ result: { partnerId: 'LED1' }, points: earned }] } as never;
    expect(await creditPoints({ payouts, reference: repo, ledger }, '2016-Q1', '2016-04-01T00:00:00.000Z')).toBe(1);
    expect((await repo.partnerLedger('LED1')).map((e) => [e.partnerId, e.quarter, e.points])).toEqual([['LED1', '2016-Q1', 5]]);
    // Closing a quarter pays for no reference rows.
    expect(bucketReads).toEqual([]);

    expect([...(await repo.partnersOf(['LED1', 'NOBODY'])).keys()]).toEqual(['LED1']);
    expect(bucketReads).toEqual([keys.referenceBucket('partners', bucketOf('LED1', REFERENCE_BUCKETS)).pk, keys.referenceBucket('partners', bucketOf('NOBODY', REFERENCE_BUCKETS)).pk].filter((k, i, all) => all.indexOf(k) === i));
  });
});
