import {
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ReportCommit, ReportRecord, ReportsRepository } from '../../ports/index.js';
import { batchGet, queryAll, redoableReasons, type Item } from './doc.js';
import { claimAttributes, takenFrom } from './file-claims.js';
import { auditKeys, GSI1, keys } from './keys.js';

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
  'entry',
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

  async commit(c: ReportCommit): Promise<boolean> {
    const { record, read, claim } = c;
    const at = record.updatedAt;
    const index = keys.reportIndex(record.distributorId, at, record.reportId);
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':at': at, ':gpk': index.gsi1pk, ':gsk': index.gsi1sk };
    const sets = ['receivedAt = if_not_exists(receivedAt, :at)', 'gsi1pk = :gpk', 'gsi1sk = if_not_exists(gsi1sk, :gsk)'];
    const removes: string[] = [];
    const trail = auditKeys.inRecord(record.entry);
    for (const [k, v] of Object.entries({ ...record, ...trail })) {
      // Set above, only the first time: never removed.
      if (k === 'receivedAt') continue;
      names[`#${k}`] = k;
      if (v === undefined) removes.push(`#${k}`);
      else {
        values[`:${k}`] = v;
        sets.push(`#${k} = :${k}`);
      }
    }
    // Exactly the record read: nothing was written to it since (each write sets updatedAt), so
    // neither a newer upload nor a twin of this event has committed meanwhile.
    let condition = 'attribute_not_exists(pk)';
    if (read) {
      condition = '#sequencer = :readSeq AND #version = :readVersion AND #status = :readStatus AND #updatedAt = :readAt';
      Object.assign(values, {
        ':readSeq': read.sequencer,
        ':readVersion': read.version,
        ':readStatus': read.status,
        ':readAt': read.updatedAt,
      });
    }
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Update: {
          TableName: this.table,
          Key: keys.report(record.reportId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        },
      },
    ];
    if (claim) {
      const { from, holder } = claim;
      items.push({
        Put: {
          TableName: this.table,
          Item: { ...keys.fileClaim(claim.distributorId, claim.sha256), ...claimAttributes(holder) },
          ...(from === 'free'
            ? { ConditionExpression: 'attribute_not_exists(pk)' }
            : from === 'mine'
              ? { ConditionExpression: 'reportId = :me', ExpressionAttributeValues: { ':me': holder.reportId } }
              : takenFrom(from)),
        },
      });
    }
    const replaced = read?.entry;
    if (replaced && replaced.id !== record.entry.id) {
      // The replaced version's entry leaves its record: a trail item of its own, so it stays listed once.
      items.push({
        Put: {
          TableName: this.table,
          Item: { ...auditKeys.entry(replaced.id, replaced.at, replaced.actor.sub), ...replaced },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    try {
      await this.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return true;
    } catch (err) {
      // A condition that no longer holds, or a transaction beside this one: read again and decide.
      if (redoableReasons(err) || (err instanceof Error && err.name === 'TransactionConflictException')) return false;
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
