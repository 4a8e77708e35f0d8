import { GetCommand, PutCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { catalogIndex, normaliseSku } from '../../domain/classify.js';
import { courseKey } from '../../domain/ids.js';
import type { LedgerEntry, LedgerWhy } from '../../domain/points.js';
import type {
  Acceptance,
  CatalogEntry,
  Distributor,
  Partner,
  Training,
} from '../../domain/types.js';
import type { QuarterReference } from '../../pipeline/compute-quarter.js';
import type {
  LedgerRepository,
  PartnerState,
  MigratedRows,
  ReferenceRepository,
  ReferenceWrite,
} from '../../ports/index.js';
import { batchGet, batchWrite, isConditionFailed, putNewThen, queryAll, scanAll, type Item } from './doc.js';
import { GSI1, keys } from './keys.js';
import { checkRoom, readAllRows, readPartnerRows, readPartnersRows, writeRows, type RowsSpec } from './reference-buckets.js';
import { decodePoints } from './payout-item.js';

const pick = <T>(item: Item, fields: readonly (keyof T & string)[]): T => {
  const out: Record<string, unknown> = {};
  for (const f of fields) out[f] = item[f];
  return out as T;
};

const PARTNER_FIELDS = ['id', 'displayId', 'name', 'status', 'region'] as const;
const DISTRIBUTOR_FIELDS = ['id', 'displayId', 'name', 'segments'] as const;

/** Items stored before the as-written ID was kept show their key. */
const withDisplayId = <T extends { id: string; displayId: string }>(e: T): T => ({
  ...e,
  displayId: e.displayId || e.id,
});
const toPartner = (i: Item) => withDisplayId(pick<Partner>(i, PARTNER_FIELDS));
const toDistributor = (i: Item) => withDisplayId(pick<Distributor>(i, DISTRIBUTOR_FIELDS));

const TRAINING_FIELDS = ['partnerId', 'courseCode', 'completedAt'] as const;
const CATALOG_FIELDS = ['sku', 'program', 'rateRow'] as const;
const LEDGER_FIELDS = ['entryId', 'partnerId', 'quarter', 'kind', 'points', 'source', 'reason', 'at'] as const;

const ledgerEntryOf = (i: Item): LedgerEntry => ({
  ...pick<LedgerEntry>(i, LEDGER_FIELDS),
  ...(Array.isArray(i.breakdown) ? { breakdown: decodePoints(i.breakdown) } : {}),
  ...(i.why && typeof i.why === 'object' ? { why: i.why as LedgerWhy } : {}),
});

/** The rows an import stores in buckets. */
type BucketRows = { partners?: readonly Partner[]; acceptances?: readonly Acceptance[]; trainings?: readonly Training[] };

const acceptanceFields = (a: Acceptance) => ({
  partnerId: a.partnerId,
  program: a.program,
  plan: a.plan,
  acceptedAt: a.acceptedAt,
});

/** An acceptance item of either key form; `recordedAt` is absent on items stored before it was kept. */
function acceptanceOf(i: Item): Acceptance {
  return {
    ...acceptanceFields(i as unknown as Acceptance),
    ...(typeof i.recordedAt === 'string' ? { recordedAt: i.recordedAt } : {}),
  };
}

type TrainingRow = { partnerId: string; courseCode: string; completedAt: string };

// Identities as the per-row items' keys had them, so a bucket row and an old item of one row are one.
const PARTNER_ROWS: RowsSpec<Partner> = { kind: 'partners', identity: (p) => p.id, partnerId: (p) => p.id, keepStored: false };
const ACCEPTANCE_ROWS: RowsSpec<Acceptance> = {
  kind: 'acceptances',
  identity: (a) => `${a.partnerId}#${keys.acceptance(a).sk}`,
  partnerId: (a) => a.partnerId,
  keepStored: true,
};
// Keyed by course code as matched, so writing one in another case replaces it.
const TRAINING_ROWS: RowsSpec<TrainingRow> = {
  kind: 'trainings',
  identity: (t) => `${t.partnerId}#${courseKey(t.courseCode)}#${t.completedAt}`,
  partnerId: (t) => t.partnerId,
  keepStored: false,
};

/**
 * Per-row items of earlier versions with the bucket rows over them: a bucket row wins over an item
 * of its identity, except that of two acceptances the one recorded first stays (the old item may
 * hold the first stamp; one without a stamp was stored before stamps were kept, so it is earlier).
 */
function merged<R>(spec: RowsSpec<R>, old: readonly R[], rows: readonly R[]): R[] {
  const byId = new Map<string, R>();
  for (const r of old) byId.set(spec.identity(r), r);
  for (const r of rows) {
    const id = spec.identity(r);
    const was = byId.get(id);
    if (!(was && spec.keepStored && recordedFirst(was, r))) byId.set(id, r);
  }
  return [...byId.values()];
}

/** Whether `a` was recorded no later than `b` (no `recordedAt`: before stamps were kept). */
function recordedFirst<R>(a: R, b: R): boolean {
  const at = (r: R) => (r as { recordedAt?: unknown }).recordedAt;
  const [x, y] = [at(a), at(b)];
  if (typeof x !== 'string') return true;
  if (typeof y !== 'string') return false;
  return Date.parse(x) <= Date.parse(y);
}

export class DynamoReferenceRepository implements ReferenceRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private byIndex(gsi1pk: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': gsi1pk },
    });
  }

  async listPartners(): Promise<Partner[]> {
    // A listing may lag a write by a moment, as the index it reads does: no consistent reads.
    const [old, rows] = await Promise.all([this.byIndex(keys.index.partners), readAllRows(this.doc, this.table, ['partners'], false)]);
    return merged(PARTNER_ROWS, old.map(toPartner), rows.partners.map(toPartner));
  }

  async partnersOf(ids: readonly string[]): Promise<Map<string, Partner>> {
    const wanted = [...new Set(ids)];
    if (!wanted.length) return new Map();
    const [old, rows] = await Promise.all([
      batchGet(this.doc, this.table, wanted.map((id) => ({ pk: keys.partner(id).pk, sk: keys.partner(id).sk })), true),
      readPartnersRows(this.doc, this.table, wanted, ['partners']),
    ]);
    return new Map(merged(PARTNER_ROWS, old.map(toPartner), rows.partners.map(toPartner)).map((p) => [p.id, p]));
  }

  async acceptancesOf(ids: readonly string[]): Promise<Map<string, Acceptance[]>> {
    const wanted = [...new Set(ids)];
    const out = new Map<string, Acceptance[]>(wanted.map((id) => [id, []]));
    if (!wanted.length) return out;
    const [old, rows] = await Promise.all([
      this.oldAcceptanceItems(wanted),
      readPartnersRows(this.doc, this.table, wanted, ['acceptances']),
    ]);
    // Items of the first form (`ACCEPT#<program>`) are read too, as partnerState reads them.
    for (const a of merged(ACCEPTANCE_ROWS, old.map(acceptanceOf), rows.acceptances.map(acceptanceOf)))
      out.get(a.partnerId)?.push(a);
    return out;
  }

  async partnerLedger(partnerId: string): Promise<LedgerEntry[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :l)',
      ExpressionAttributeValues: { ':p': keys.partnerPk(partnerId), ':l': keys.pointsPrefix },
      ConsistentRead: true,
    });
    return items.map(ledgerEntryOf);
  }

  async checkRoom(change: BucketRows, recordedAt: string): Promise<void> {
    await checkRoom(this.doc, this.table, PARTNER_ROWS, (change.partners ?? []).map((p) => pick<Partner>(p as unknown as Item, PARTNER_FIELDS)));
    await checkRoom(this.doc, this.table, ACCEPTANCE_ROWS, (change.acceptances ?? []).map((a) => ({ ...acceptanceFields(a), recordedAt })));
    await checkRoom(this.doc, this.table, TRAINING_ROWS, (change.trainings ?? []).map((t) => pick<Training>(t as unknown as Item, TRAINING_FIELDS)));
  }

  async listDistributors(): Promise<Distributor[]> {
    return (await this.byIndex(keys.index.distributors)).map(toDistributor);
  }

  private async revisionItem(): Promise<{ revision: number; changes: ReferenceWrite[] }> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: keys.referenceRevision, ConsistentRead: true }),
    );
    return {
      revision: Number(res.Item?.revision ?? 0),
      changes: (res.Item?.changes as ReferenceWrite[] | undefined) ?? [],
    };
  }

  async loadSnapshot(): Promise<QuarterReference & { changes: ReferenceWrite[] }> {
    const { revision, changes } = await this.revisionItem();
    const [rows, oldPartners, distributors, catalog, oldAcceptances, oldTrainings] = await Promise.all([
      readAllRows(this.doc, this.table, ['partners', 'acceptances', 'trainings']),
      // Rows stored one item each by earlier versions: empty on a table that never had them.
      this.byIndex(keys.index.partners),
      this.listDistributors(),
      queryAll(this.doc, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': keys.catalogPk },
        ConsistentRead: true,
      }),
      this.byIndex(keys.index.acceptances),
      this.byIndex(keys.index.trainings),
    ]);
    const partners = merged(PARTNER_ROWS, oldPartners.map(toPartner), rows.partners.map(toPartner));
    const acceptances = merged(ACCEPTANCE_ROWS, oldAcceptances.map(acceptanceOf), rows.acceptances.map(acceptanceOf));
    const trainings = merged(
      TRAINING_ROWS,
      oldTrainings.map((i) => pick<Training>(i, TRAINING_FIELDS)),
      rows.trainings.map((i) => pick<Training>(i, TRAINING_FIELDS)),
    );
    const byPartner = <T extends { partnerId: string }>(rows: T[]) => {
      const out = new Map<string, T[]>();
      for (const r of rows) {
        const list = out.get(r.partnerId);
        if (list) list.push(r);
        else out.set(r.partnerId, [r]);
      }
      return out;
    };
    return {
      partners: new Map(partners.map((p) => [p.id, p])),
      distributors: new Map(distributors.map((d) => [d.id, d])),
      catalog: catalogIndex(catalog.map((i) => pick<CatalogEntry>(i, CATALOG_FIELDS))),
      acceptances: byPartner(acceptances),
      trainings: byPartner(trainings),
      revision: `r${revision}`,
      changes,
    };
  }

  async bumpRevision(change: ReferenceWrite): Promise<string> {
    // Read, then write on condition that nobody wrote between: one item, the last few changes kept.
    for (;;) {
      const { revision, changes } = await this.revisionItem();
      const next = revision + 1;
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              ...keys.referenceRevision,
              revision: next,
              changes: [...changes, { ...change, revision: `r${next}` }].slice(-KEPT_CHANGES),
            },
            ConditionExpression: revision === 0 ? 'attribute_not_exists(pk)' : 'revision = :r',
            ...(revision === 0 ? {} : { ExpressionAttributeValues: { ':r': revision } }),
          }),
        );
        return `r${next}`;
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
    }
  }

  async partnerState(partnerId: string): Promise<PartnerState> {
    const [items, rows] = await Promise.all([
      queryAll(this.doc, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': keys.partnerPk(partnerId) },
        ConsistentRead: true,
      }),
      readPartnerRows(this.doc, this.table, partnerId),
    ]);
    const state: PartnerState = { partner: null, acceptances: [], trainings: [], ledger: [] };
    for (const i of items) {
      const sk = String(i.sk);
      if (sk === keys.profile) state.partner = toPartner(i);
      else if (sk.startsWith(keys.acceptancePrefix)) state.acceptances.push(acceptanceOf(i));
      else if (sk.startsWith(keys.trainingPrefix)) state.trainings.push(pick(i, TRAINING_FIELDS));
      else if (sk.startsWith(keys.pointsPrefix)) state.ledger.push(ledgerEntryOf(i));
    }
    const bucketPartner = rows.partners[0];
    if (bucketPartner) state.partner = toPartner(bucketPartner);
    state.acceptances = merged(ACCEPTANCE_ROWS, state.acceptances, rows.acceptances.map(acceptanceOf));
    state.trainings = merged(
      TRAINING_ROWS,
      state.trainings,
      rows.trainings.map((i) => pick<Training>(i, TRAINING_FIELDS)),
    );
    return state;
  }

  private put(items: Item[]): Promise<void> {
    return batchWrite(
      this.doc,
      this.table,
      items.map((Item) => ({ PutRequest: { Item } })),
      REFERENCE_WRITES_IN_FLIGHT,
    );
  }

  putPartners(partners: readonly Partner[]): Promise<void> {
    return writeRows(this.doc, this.table, PARTNER_ROWS, partners.map((p) => pick<Partner>(p as unknown as Item, PARTNER_FIELDS)));
  }
  putDistributors(distributors: readonly Distributor[]): Promise<void> {
    return this.put(distributors.map((d) => ({ ...keys.distributor(d.id), ...d })));
  }

  async putAcceptances(acceptances: readonly Acceptance[], recordedAt: string): Promise<void> {
    // One stored by an earlier version as an item of its own keeps that item's recordedAt: its row
    // goes into the bucket as it is (a bucket row wins over the item when read).
    return this.addAcceptances(acceptances.map((a) => ({ ...acceptanceFields(a), recordedAt })));
  }

  private async addAcceptances(rows: readonly Acceptance[]): Promise<void> {
    const old = new Map((await this.oldAcceptances(rows)).map((a) => [ACCEPTANCE_ROWS.identity(a), a]));
    // In the bucket a stored acceptance keeps its first recordedAt, exactly, even under concurrent writers.
    await writeRows(this.doc, this.table, ACCEPTANCE_ROWS, rows.map((a) => old.get(ACCEPTANCE_ROWS.identity(a)) ?? a));
  }

  /** The acceptances of earlier versions' per-row items (empty on a table that never had them). */
  private async oldAcceptances(of: readonly Acceptance[]): Promise<Acceptance[]> {
    const items = await this.oldAcceptanceItems([...new Set(of.map((a) => a.partnerId))]);
    // Items of the first form (`ACCEPT#<program>`) are another key, as they always were.
    return items.filter((i) => String(i.sk).slice(keys.acceptancePrefix.length).includes('#')).map(acceptanceOf);
  }

  /** The per-row acceptance items of these partners, of either key form. */
  private async oldAcceptanceItems(partners: readonly string[]): Promise<Item[]> {
    if (partners.length > PARTNERS_QUERIED_ONE_BY_ONE) {
      const wanted = new Set(partners);
      return (await this.byIndex(keys.index.acceptances)).filter((i) => wanted.has(String(i.partnerId)));
    }
    const got = await Promise.all(
      partners.map((id) =>
        queryAll(this.doc, {
          TableName: this.table,
          KeyConditionExpression: 'pk = :p AND begins_with(sk, :a)',
          ExpressionAttributeValues: { ':p': keys.partnerPk(id), ':a': keys.acceptancePrefix },
          ConsistentRead: true,
        }),
      ),
    );
    return got.flat();
  }

  async migrateAcceptances(): Promise<MigratedRows> {
    const moved = await this.migrateLegacyAcceptances();
    // Items written before the snapshot indexes: folded into the buckets too.
    const unindexed = await scanAll(this.doc, {
      TableName: this.table,
      FilterExpression:
        'begins_with(pk, :p) AND (begins_with(sk, :a) OR begins_with(sk, :t)) AND attribute_not_exists(gsi1pk)',
      ExpressionAttributeValues: { ':p': keys.partnerPrefix, ':a': keys.acceptancePrefix, ':t': keys.trainingPrefix },
      ConsistentRead: true,
    });
    const isTraining = (i: Item) => String(i.sk).startsWith(keys.trainingPrefix);
    const unindexedAcceptances = unindexed.filter((i) => !isTraining(i));
    const unindexedTrainings = unindexed.filter(isTraining);
    await this.fold([], unindexedAcceptances, unindexedTrainings);
    // Items the computation could not see before: its inputs changed.
    if (moved + unindexed.length > 0)
      await this.bumpRevision({
        what: `${moved + unindexed.length} acceptance(s) and training(s) of earlier versions migrated`,
        by: 'rebates migrate',
        at: new Date().toISOString(),
      });
    // Rows stored one item each: read the same before and after, so no revision.
    const [partners, acceptances, trainings] = await Promise.all(
      [keys.index.partners, keys.index.acceptances, keys.index.trainings].map((p) => this.byIndex(p)),
    );
    await this.fold(partners!, acceptances!, trainings!);
    return {
      partners: partners!.length,
      acceptances: moved + unindexedAcceptances.length + acceptances!.length,
      trainings: unindexedTrainings.length + trainings!.length,
    };
  }

  /**
   * Per-row items of earlier versions into the buckets, then deleted: an interrupted run leaves
   * both, which read as one. A bucket row already there is newer and stays.
   */
  private async fold(partners: readonly Item[], acceptances: readonly Item[], trainings: readonly Item[]): Promise<void> {
    await writeRows(this.doc, this.table, { ...PARTNER_ROWS, keepStored: true }, partners.map(toPartner));
    await this.addAcceptances(acceptances.map(acceptanceOf));
    await writeRows(
      this.doc,
      this.table,
      { ...TRAINING_ROWS, keepStored: true },
      trainings.map((i) => pick<Training>(i, TRAINING_FIELDS)),
    );
    await batchWrite(
      this.doc,
      this.table,
      [...partners, ...acceptances, ...trainings].map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
      REFERENCE_WRITES_IN_FLIGHT,
    );
  }

  private async migrateLegacyAcceptances(): Promise<number> {
    const legacy = (
      await scanAll(this.doc, {
        TableName: this.table,
        FilterExpression: 'begins_with(pk, :p) AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': keys.partnerPrefix, ':s': keys.acceptancePrefix },
        ConsistentRead: true,
      })
    ).filter((i) => !String(i.sk).slice(keys.acceptancePrefix.length).includes('#'));
    // Into the buckets first, then the old items go: an interrupted run leaves both, which read as one.
    await this.addAcceptances(legacy.map(acceptanceOf));
    await batchWrite(
      this.doc,
      this.table,
      legacy.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    );
    return legacy.length;
  }

  putTrainings(trainings: readonly TrainingRow[]): Promise<void> {
    return writeRows(this.doc, this.table, TRAINING_ROWS, trainings.map((t) => pick<Training>(t as unknown as Item, TRAINING_FIELDS)));
  }
  // Keyed by SKU as matched, so writing one in another case replaces it.
  putCatalog(entries: readonly CatalogEntry[]): Promise<void> {
    return this.put(entries.map((c) => ({ ...keys.catalog(normaliseSku(c.sku)), ...c })));
  }
}

const KEPT_CHANGES = 20;
// DynamoDB Local answers a few batch writes in flight faster than one at a time; AWS takes them on
// demand. Now only distributors, the catalog and the migration's deletes go this way (partners,
// acceptances and trainings are in buckets); 24 was measured when a folder's rows were 14,664 items.
const REFERENCE_WRITES_IN_FLIGHT = 24;
/** Up to this many partners' earlier acceptance items are read by partition; more by one index query. */
const PARTNERS_QUERIED_ONE_BY_ONE = 20;

/** A points ledger entry as stored; putNewThen never overwrites one once written (append-only). */
const ledgerItem = (e: LedgerEntry): Item => ({ ...keys.points(e.partnerId, e.entryId), ...e });

// ---------------------------------------------------------------- points ledger

export class DynamoLedgerRepository implements LedgerRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  append(entries: readonly LedgerEntry[]): Promise<void> {
    return putNewThen(this.doc, this.table, entries.map(ledgerItem));
  }

  async appendRedemption(entry: LedgerEntry, redemptionsSeen: number): Promise<boolean> {
    // A counter of the partner's redemptions, moved in the same transaction as the entry: two
    // redemptions decided on the same balance cannot both be written.
    const counter = keys.redemptions(entry.partnerId);
    try {
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...counter, count: redemptionsSeen + 1 },
                // At most what the caller saw: a counter behind the ledger (entries written before it) catches up.
                ConditionExpression: 'attribute_not_exists(pk) OR #n <= :seen',
                ExpressionAttributeNames: { '#n': 'count' },
                ExpressionAttributeValues: { ':seen': redemptionsSeen },
              },
            },
            { Put: { TableName: this.table, Item: ledgerItem(entry), ConditionExpression: 'attribute_not_exists(pk)' } },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'TransactionCanceledException') return false;
      throw err;
    }
  }
}
