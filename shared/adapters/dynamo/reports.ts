import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ReportRecord, ReportsRepository } from '../../ports/index.js';
import { batchGet, isConditionFailed, queryAll, type Item } from './doc.js';
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
  'extractKey',
  'extractSha256',
  'format',
  'error',
  'uploader',
  'replaced',
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
        ExpressionAttributeValues: { ':p': keys.distributorReports(filter.distributorId) },
      });
      return items.map(toRecord);
    }
    // Reports of every distributor: one query per distributor keeps this off a table scan.
    const dists = await queryAll(this.doc, {
      TableName: this.table,
      IndexName: GSI1,
      KeyConditionExpression: 'gsi1pk = :p',
      ExpressionAttributeValues: { ':p': keys.index.distributors },
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

  async activate(
    reportId: string,
    version: string,
    sequencer: string,
    outcome: Parameters<ReportsRepository['activate']>[3],
    at: string,
  ): Promise<boolean> {
    const { active, ...fields } = outcome;
    const names: Record<string, string> = { '#version': 'version', '#active': 'activeVersion' };
    const values: Record<string, unknown> = {
      ':v': version,
      ':seq': sequencer,
      ':active': active ? version : null,
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
    // No membership item: the file claim, written before this (ingest.ts), names the quarters, so a
    // crash after activation cannot leave the report out of them.
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

  async activeInQuarter(quarter: string): Promise<ReportRecord[]> {
    const [claims, members] = await Promise.all([
      // Every file claim is in one partition; those naming the quarter are its candidates.
      queryAll(this.doc, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'contains(quarters, :q)',
        ExpressionAttributeValues: { ':pk': keys.fileClaimsPk, ':q': quarter },
        ProjectionExpression: 'reportId',
        ConsistentRead: true,
      }),
      // Versions activated before claims named their quarters recorded membership items.
      queryAll(this.doc, {
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
        ExpressionAttributeValues: { ':pk': keys.quarterPk(quarter), ':r': keys.reportPrefix },
        ConsistentRead: true,
      }),
    ]);
    // A report may be named twice: by the claims of its old and new bytes, or by a claim and a membership.
    const reportIds = [...new Set([...claims, ...members].map((m) => String(m.reportId)))];
    if (!reportIds.length) return [];
    const records = await batchGet(
      this.doc,
      this.table,
      reportIds.map((id) => keys.report(id)),
      true,
    );
    // A claim or membership outlives a version that left the quarter; the record says what is in
    // force (its extract fields are the active version's, even while a newer upload is processing).
    return records
      .map(toRecord)
      .filter((r) => r.activeVersion !== null && r.extractKey && r.quarters?.includes(quarter))
      .sort((a, b) => (a.reportId < b.reportId ? -1 : 1));
  }
}
