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
  ReferenceRepository,
  ReferenceWrite,
} from '../../ports/index.js';
import { batchWrite, isConditionFailed, putNewThen, queryAll, scanAll, type Item } from './doc.js';
import { GSI1, keys } from './keys.js';
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
    return (await this.byIndex(keys.index.partners)).map(toPartner);
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
    const [partners, distributors, catalog, acceptances, trainings] = await Promise.all([
      this.listPartners(),
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
      acceptances: byPartner(acceptances.map(acceptanceOf)),
      trainings: byPartner(trainings.map((i) => pick<Training>(i, TRAINING_FIELDS))),
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
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :p',
      ExpressionAttributeValues: { ':p': keys.partnerPk(partnerId) },
      ConsistentRead: true,
    });
    const state: PartnerState = { partner: null, acceptances: [], trainings: [], ledger: [] };
    for (const i of items) {
      const sk = String(i.sk);
      if (sk === keys.profile) state.partner = toPartner(i);
      else if (sk.startsWith(keys.acceptancePrefix)) state.acceptances.push(acceptanceOf(i));
      else if (sk.startsWith(keys.trainingPrefix)) state.trainings.push(pick(i, TRAINING_FIELDS));
      else if (sk.startsWith(keys.pointsPrefix))
        state.ledger.push({
          ...pick<LedgerEntry>(i, LEDGER_FIELDS),
          ...(Array.isArray(i.breakdown) ? { breakdown: decodePoints(i.breakdown) } : {}),
          ...(i.why && typeof i.why === 'object' ? { why: i.why as LedgerWhy } : {}),
        });
    }
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
    return this.put(partners.map((p) => ({ ...keys.partner(p.id), ...p })));
  }
  putDistributors(distributors: readonly Distributor[]): Promise<void> {
    return this.put(distributors.map((d) => ({ ...keys.distributor(d.id), ...d })));
  }

  async putAcceptances(acceptances: readonly Acceptance[], recordedAt: string): Promise<void> {
    // Only new keys are written, so an import repeated keeps the first recordedAt; one key once
    // (the same acceptance written twice in one call), since a transaction takes each key once.
    const items = new Map<string, Item>();
    for (const a of acceptances) {
      const key = keys.acceptance(a);
      items.set(`${key.pk}/${key.sk}`, { ...key, ...acceptanceFields(a), recordedAt });
    }
    if (items.size <= ACCEPTANCES_BY_TRANSACTION) return putNewThen(this.doc, this.table, [...items.values()]);
    // A whole folder's acceptances: the keys already stored are read in one query and only the
    // others batch-written, which DynamoDB takes several times faster than conditional
    // transactions. Two imports of the same new acceptance at the same moment may then keep the
    // later recordedAt instead of the earlier, a few milliseconds apart.
    const stored = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': keys.index.acceptances },
      ProjectionExpression: 'pk, sk',
    });
    for (const i of stored) items.delete(`${String(i.pk)}/${String(i.sk)}`);
    return this.put([...items.values()]);
  }

  async migrateAcceptances(): Promise<number> {
    const moved = await this.migrateLegacyAcceptances();
    // Items written before the snapshot indexes get their index keys (and are not counted).
    const unindexed = await scanAll(this.doc, {
      TableName: this.table,
      FilterExpression:
        'begins_with(pk, :p) AND (begins_with(sk, :a) OR begins_with(sk, :t)) AND attribute_not_exists(gsi1pk)',
      ExpressionAttributeValues: { ':p': keys.partnerPrefix, ':a': keys.acceptancePrefix, ':t': keys.trainingPrefix },
      ConsistentRead: true,
    });
    await this.put(
      unindexed.map((i) => {
        if (String(i.sk).startsWith(keys.trainingPrefix)) {
          const t = pick<Training>(i, TRAINING_FIELDS);
          return { ...i, ...keys.training(t.partnerId, courseKey(t.courseCode), t.completedAt) };
        }
        return { ...i, ...keys.acceptance(acceptanceOf(i)) };
      }),
    );
    // Items the computation could not see before: its inputs changed.
    if (moved + unindexed.length > 0)
      await this.bumpRevision({
        what: `${moved + unindexed.length} acceptance(s) and training(s) of earlier versions migrated`,
        by: 'rebates migrate',
        at: new Date().toISOString(),
      });
    return moved;
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
    // New items first, then the old ones go: an interrupted run leaves both, which read as one.
    await putNewThen(
      this.doc,
      this.table,
      legacy.map((i) => {
        const a = acceptanceOf(i);
        return { ...keys.acceptance(a), ...acceptanceFields(a) };
      }),
    );
    await batchWrite(
      this.doc,
      this.table,
      legacy.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    );
    return legacy.length;
  }

  // Keyed by course code and SKU as matched, so writing one in another case replaces it.
  putTrainings(trainings: readonly { partnerId: string; courseCode: string; completedAt: string }[]): Promise<void> {
    return this.put(trainings.map((t) => ({ ...keys.training(t.partnerId, courseKey(t.courseCode), t.completedAt), ...t })));
  }
  putCatalog(entries: readonly CatalogEntry[]): Promise<void> {
    return this.put(entries.map((c) => ({ ...keys.catalog(normaliseSku(c.sku)), ...c })));
  }
}

const KEPT_CHANGES = 20;
// DynamoDB Local answers a few batch writes in flight faster than one at a time; AWS takes them on
// demand. A folder's reference rows are thousands of small items. 24, not 8: in `rebates run` the
// reports are ingested on the thread that sends these, which answers a returned batch late, and
// enough batches waiting keep DynamoDB Local busy meanwhile (the import 2–3 s shorter on the 1M bench).
const REFERENCE_WRITES_IN_FLIGHT = 24;
/** Up to this many new acceptances go in conditional transactions; more are checked by one query first. */
const ACCEPTANCES_BY_TRANSACTION = 200;

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
