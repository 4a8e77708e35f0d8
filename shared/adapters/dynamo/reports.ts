import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TallyRow } from '../../domain/types.js';
import type { ReportRecord, ReportsRepository, ReportTally } from '../../ports/index.js';
import { batchGet, batchWrite, isConditionFailed, queryAll, type Item } from './doc.js';
import { GSI1, keys } from './keys.js';

const RECORD_FIELDS = [
  'reportId',
  'bucket',
  'key',
  'distributorId',
  'name',
  'status',
  'activeVersion',
  'version',
  'sequencer',
  'objectVersionId',
  'etag',
  'receivedAt',
  'updatedAt',
  'sha256',
  'bytes',
  'counts',
  'rulesVersions',
  'quarters',
  'rejectsKey',
  'format',
  'error',
] as const;

function toRecord(item: Item): ReportRecord {
  const out: Record<string, unknown> = {};
  for (const f of RECORD_FIELDS) if (item[f] !== undefined) out[f] = item[f];
  out.activeVersion ??= null;
  return out as unknown as ReportRecord;
}

export class DynamoReportsRepository implements ReportsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(reportId: string): Promise<ReportRecord | null> {
    const res = await this.doc.send(new GetCommand({ TableName: this.table, Key: keys.report(reportId), ConsistentRead: true }));
    return res.Item ? toRecord(res.Item) : null;
  }

  async list(filter: { distributorId?: string }): Promise<ReportRecord[]> {
    if (filter.distributorId) {
      const items = await queryAll(this.doc, {
        TableName: this.table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :p',
        ExpressionAttributeValues: { ':p': `REPORTS#${filter.distributorId}` },
      });
      return items.map(toRecord);
    }
    // Reports of every distributor: one query per distributor keeps this off a table scan.
    const dists = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': 'DISTRIBUTORS' },
      ProjectionExpression: 'gsi1sk',
    });
    const all = await Promise.all(dists.map((d) => this.list({ distributorId: String(d.gsi1sk) })));
    return all.flat();
  }

  async startProcessing(
    r: Pick<
      ReportRecord,
      'reportId' | 'bucket' | 'key' | 'distributorId' | 'name' | 'version' | 'sequencer' | 'objectVersionId' | 'etag'
    >,
    at: string,
  ): Promise<{ started: boolean; previous: ReportRecord | null }> {
    const index = keys.reportIndex(r.distributorId, at, r.reportId);
    try {
      const res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.report(r.reportId),
          UpdateExpression:
            'SET reportId = :id, #bucket = :bucket, #key = :key, distributorId = :dist, #name = :name, #version = :v, ' +
            'sequencer = :seq, objectVersionId = :ov, etag = :etag, #status = :processing, updatedAt = :at, receivedAt = if_not_exists(receivedAt, :at), ' +
            'gsi1pk = :gpk, gsi1sk = if_not_exists(gsi1sk, :gsk)',
          ConditionExpression: 'attribute_not_exists(pk) OR sequencer <= :seq',
          ExpressionAttributeNames: {
            '#bucket': 'bucket',
            '#key': 'key',
            '#name': 'name',
            '#version': 'version',
            '#status': 'status',
          },
          ExpressionAttributeValues: {
            ':id': r.reportId,
            ':bucket': r.bucket,
            ':key': r.key,
            ':dist': r.distributorId,
            ':name': r.name,
            ':v': r.version,
            ':seq': r.sequencer,
            ':ov': r.objectVersionId,
            ':etag': r.etag,
            ':processing': 'processing',
            ':at': at,
            ':gpk': index.gsi1pk,
            ':gsk': index.gsi1sk,
          },
          ReturnValues: 'ALL_OLD',
        }),
      );
      return { started: true, previous: res.Attributes ? toRecord(res.Attributes) : null };
    } catch (err) {
      if (isConditionFailed(err)) return { started: false, previous: await this.get(r.reportId) };
      throw err;
    }
  }

  async writeTallies(reportId: string, version: string, tallies: readonly ReportTally[]): Promise<void> {
    await batchWrite(
      this.doc,
      this.table,
      tallies.map((t) => ({
        PutRequest: {
          Item: {
            ...keys.tally(reportId, version, t.quarter, t.partnerId),
            reportId,
            version,
            quarter: t.quarter,
            partnerId: t.partnerId,
            rows: t.rows,
          },
        },
      })),
    );
  }

  private tallyItems(reportId: string, version: string, projection?: string): Promise<Item[]> {
    return queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.report(reportId).pk, ':prefix': keys.tallyPrefix(version) },
      ...(projection ? { ProjectionExpression: projection } : {}),
    });
  }

  async talliesOf(reportId: string, version: string): Promise<ReportTally[]> {
    const items = await this.tallyItems(reportId, version);
    return items.map((i) => ({
      quarter: String(i.quarter),
      partnerId: String(i.partnerId),
      rows: i.rows as ReportTally['rows'],
    }));
  }

  async tallyKeys(reportId: string, version: string): Promise<{ quarter: string; partnerId: string }[]> {
    const items = await this.tallyItems(reportId, version, 'quarter, partnerId');
    return items.map((i) => ({ quarter: String(i.quarter), partnerId: String(i.partnerId) }));
  }

  async deleteTallies(reportId: string, version: string): Promise<void> {
    const items = await this.tallyItems(reportId, version, 'pk, sk');
    await batchWrite(
      this.doc,
      this.table,
      items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    );
  }

  async activate(
    reportId: string,
    version: string,
    sequencer: string,
    outcome: Parameters<ReportsRepository['activate']>[3],
    at: string,
  ): Promise<boolean> {
    const { hasTallies, ...fields } = outcome;
    const names: Record<string, string> = { '#version': 'version', '#active': 'activeVersion' };
    const values: Record<string, unknown> = {
      ':v': version,
      ':seq': sequencer,
      ':active': hasTallies ? version : null,
      ':at': at,
    };
    const sets = ['#active = :active', 'activeSequencer = :seq', 'updatedAt = :at'];
    const removes: string[] = [];
    for (const [k, v] of Object.entries(fields)) {
      names[`#${k}`] = k;
      if (v === undefined) removes.push(`#${k}`);
      else {
        values[`:${k}`] = v;
        sets.push(`#${k} = :${k}`);
      }
    }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.report(reportId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          // Only the latest upload of this key may become active; a slower, older one must not win.
          ConditionExpression:
            '#version = :v AND (attribute_not_exists(activeSequencer) OR activeSequencer <= :seq)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async currentTallies(quarter: string, partnerId: string): Promise<TallyRow[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': `TALLY#${quarter}#${partnerId}` },
    });
    if (items.length === 0) return [];
    const reportIds = [...new Set(items.map((i) => String(i.reportId)))];
    const reports = await batchGet(
      this.doc,
      this.table,
      reportIds.map((id) => keys.report(id)),
    );
    const active = new Map(reports.map((r) => [String(r.reportId), r.activeVersion as string | null]));
    const rows: TallyRow[] = [];
    for (const item of items) {
      if (active.get(String(item.reportId)) !== item.version) continue;
      for (const row of item.rows as Omit<TallyRow, 'partnerId'>[]) rows.push({ ...row, partnerId });
    }
    return rows;
  }
}
