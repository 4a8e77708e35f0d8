import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { Decimal } from 'decimal.js';
import { catalogIndex, normaliseSku } from '../../domain/classify.js';
import { courseKey } from '../../domain/ids.js';
import type { LedgerEntry } from '../../domain/points.js';
import type {
  Acceptance,
  CatalogEntry,
  Distributor,
  Partner,
  PartnerQuarterResult,
  PayoutLine,
} from '../../domain/types.js';
import type {
  IngestReference,
  LedgerRepository,
  PartnerState,
  PayoutsRepository,
  ReferenceRepository,
  StoredPayouts,
} from '../../ports/index.js';
import { batchWrite, putNewThen, queryAll, scanAll, type Item } from './doc.js';
import { GSI1, keys } from './keys.js';

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
    return (await this.byIndex('PARTNERS')).map(toPartner);
  }

  async listDistributors(): Promise<Distributor[]> {
    return (await this.byIndex('DISTRIBUTORS')).map(toDistributor);
  }

  async loadForIngest(): Promise<IngestReference> {
    const [partners, distributors, catalog] = await Promise.all([
      this.listPartners(),
      this.listDistributors(),
      queryAll(this.doc, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :p',
        ExpressionAttributeValues: { ':p': 'CATALOG' },
      }),
    ]);
    return {
      partners: new Map(partners.map((p) => [p.id, p])),
      distributors: new Map(distributors.map((d) => [d.id, d])),
      catalog: catalogIndex(catalog.map((i) => pick<CatalogEntry>(i, CATALOG_FIELDS))),
    };
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
      if (sk === 'PROFILE') state.partner = toPartner(i);
      else if (sk.startsWith(keys.acceptancePrefix)) state.acceptances.push(acceptanceOf(i));
      else if (sk.startsWith('TRAIN#')) state.trainings.push(pick(i, TRAINING_FIELDS));
      else if (sk.startsWith('POINTS#')) state.ledger.push(pick<LedgerEntry>(i, LEDGER_FIELDS));
    }
    return state;
  }

  private put(items: Item[]): Promise<void> {
    return batchWrite(
      this.doc,
      this.table,
      items.map((Item) => ({ PutRequest: { Item } })),
    );
  }

  putPartners(partners: readonly Partner[]): Promise<void> {
    return this.put(partners.map((p) => ({ ...keys.partner(p.id), ...p })));
  }
  putDistributors(distributors: readonly Distributor[]): Promise<void> {
    return this.put(distributors.map((d) => ({ ...keys.distributor(d.id), ...d })));
  }

  putAcceptances(acceptances: readonly Acceptance[], recordedAt: string): Promise<void> {
    // Only new keys are written, so an import repeated keeps the first recordedAt; one key once
    // (the same acceptance written twice in one call), since a transaction takes each key once.
    const items = new Map<string, Item>();
    for (const a of acceptances) {
      const key = keys.acceptance(a);
      items.set(`${key.pk}/${key.sk}`, { ...key, ...acceptanceFields(a), recordedAt });
    }
    return putNewThen(this.doc, this.table, [...items.values()]);
  }

  async migrateAcceptances(): Promise<number> {
    const legacy = (
      await scanAll(this.doc, {
        TableName: this.table,
        FilterExpression: 'begins_with(pk, :p) AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':p': 'PARTNER#', ':s': keys.acceptancePrefix },
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

// ---------------------------------------------------------------- payouts

/** Decimal amounts travel as strings ("1155.00"): exact, and readable in the console. */
function encodeResult(r: PartnerQuarterResult): Item {
  return JSON.parse(JSON.stringify(r)) as Item;
}

function decodeResult(raw: Item): PartnerQuarterResult {
  const r = raw as unknown as PartnerQuarterResult & { lines: (PayoutLine & { rate: string; amount: string })[] };
  return {
    ...r,
    total: new Decimal(r.total as unknown as string),
    lines: r.lines.map((l) => ({ ...l, rate: new Decimal(l.rate), amount: new Decimal(l.amount) })),
  };
}

/** A points ledger entry as stored; putNewThen never overwrites one once written (append-only). */
const ledgerItem = (e: LedgerEntry): Item => ({ ...keys.points(e.partnerId, e.entryId), ...e });

export class DynamoPayoutsRepository implements PayoutsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(result: PartnerQuarterResult, at: string, points: readonly LedgerEntry[] = []): Promise<void> {
    await putNewThen(this.doc, this.table, points.map(ledgerItem), {
      ...keys.payout(result.quarter, result.partnerId),
      result: encodeResult(result),
      computedAt: at,
    });
  }

  async get(quarter: string, partnerId: string): Promise<StoredPayouts | null> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :p AND sk = :s',
      ExpressionAttributeValues: { ':p': keys.partnerPk(partnerId), ':s': `PAYOUT#${quarter}` },
      ConsistentRead: true,
    });
    const item = items[0];
    return item ? { result: decodeResult(item.result as Item), computedAt: String(item.computedAt) } : null;
  }

  async listQuarter(quarter: string): Promise<StoredPayouts[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': `PAYOUTS#${quarter}` },
    });
    return items.map((i) => ({ result: decodeResult(i.result as Item), computedAt: String(i.computedAt) }));
  }
}

// ---------------------------------------------------------------- points ledger

export class DynamoLedgerRepository implements LedgerRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  append(entries: readonly LedgerEntry[]): Promise<void> {
    return putNewThen(this.doc, this.table, entries.map(ledgerItem));
  }
}
