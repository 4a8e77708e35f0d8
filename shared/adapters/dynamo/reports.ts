import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../ports/approvals.js';
import type { ReportRecord, ReportsRepository } from '../../ports/index.js';
import { batchGet, isConditionFailed, queryAll, type Item } from './doc.js';
import { auditKeys, GSI1, keys } from './keys.js';

/**
 * A report's audit entries (one per version read) are kept in its record item, so an upload costs
 * no audit item of its own; the trail's reader lists them with its month partitions' entries.
 */
const HISTORY = 'history';
/** Entries a report item keeps; older ones move to the trail's month partitions. */
export const REPORT_HISTORY_MAX = 20;

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

  async activate(
    report: Parameters<ReportsRepository['activate']>[0],
    outcome: Parameters<ReportsRepository['activate']>[1],
    written: Parameters<ReportsRepository['activate']>[2],
  ): Promise<boolean> {
    const { active, ...fields } = outcome;
    const index = keys.reportIndex(report.distributorId, written.receivedAt, report.reportId);
    const names: Record<string, string> = {
      '#bucket': 'bucket',
      '#key': 'key',
      '#name': 'name',
      '#version': 'version',
      '#status': 'status',
      '#active': 'activeVersion',
    };
    const values: Record<string, unknown> = {
      ':id': report.reportId,
      ':bucket': report.bucket,
      ':key': report.key,
      ':dist': report.distributorId,
      ':name': report.name,
      ':v': report.version,
      ':seq': report.sequencer,
      ':ov': report.objectVersionId,
      ':etag': report.etag,
      ':at': written.at,
      ':received': written.receivedAt,
      ':gpk': index.gsi1pk,
      ':gsk': index.gsi1sk,
      ':active': active ? report.version : null,
    };
    const sets = [
      'reportId = :id, #bucket = :bucket, #key = :key, distributorId = :dist, #name = :name, #version = :v',
      'sequencer = :seq, objectVersionId = :ov, etag = :etag, updatedAt = :at, receivedAt = if_not_exists(receivedAt, :received)',
      'gsi1pk = :gpk, gsi1sk = if_not_exists(gsi1sk, :gsk), #active = :active, activeSequencer = :seq',
    ];
    const removes: string[] = [];
    for (const [k, v] of Object.entries(fields)) {
      names[`#${k}`] = k;
      if (v === undefined) removes.push(`#${k}`);
      else {
        values[`:${k}`] = v;
        sets.push(`#${k} = :${k}`);
      }
    }
    if (written.audit) {
      names['#history'] = HISTORY;
      values[':none'] = [];
      values[':entry'] = [written.audit];
      sets.push('#history = list_append(if_not_exists(#history, :none), :entry)');
    }
    // The record as read, or none: a newer upload activated meanwhile (or this event's twin) fails it.
    const { expected } = written;
    if (expected) {
      values[':xseq'] = expected.sequencer;
      values[':xstatus'] = expected.status;
    }
    let res;
    try {
      res = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.report(report.reportId),
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: expected ? 'sequencer = :xseq AND #status = :xstatus' : 'attribute_not_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ...(written.audit ? { ReturnValues: 'UPDATED_NEW' as const } : {}),
        }),
      );
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
    // No membership item: the file claim, written before this (ingest.ts), names the quarters, so a
    // crash after activation cannot leave the report out of them.
    const history = (res.Attributes?.[HISTORY] ?? []) as AuditEntry[];
    if (history.length > REPORT_HISTORY_MAX) await this.moveOldestToTrail(report.reportId, history);
    return true;
  }

  /**
   * A report uploaded over and over keeps a bounded item: its oldest entries become entries of the
   * trail's month partitions first, then leave the list. A crash between the two leaves an entry in
   * both places, which the trail's reader names once (by its id).
   */
  private async moveOldestToTrail(reportId: string, history: AuditEntry[]): Promise<void> {
    const over = history.length - REPORT_HISTORY_MAX;
    for (const entry of history.slice(0, over))
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...auditKeys.entry(entry.id, entry.at, entry.actor.sub), ...entry },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
      } catch (err) {
        if (!isConditionFailed(err)) throw err;
      }
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.report(reportId),
          UpdateExpression: `REMOVE ${Array.from({ length: over }, (_, i) => `#history[${i}]`).join(', ')}`,
          // Another activation appended meanwhile: the next one moves what is over then.
          ConditionExpression: 'size(#history) = :n',
          ExpressionAttributeNames: { '#history': HISTORY },
          ExpressionAttributeValues: { ':n': history.length },
        }),
      );
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
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

/**
 * The audit entries kept in report items whose first version was received up to `to`, with their
 * distributor in the registry (ingest records the entries of other folders in the trail itself, as
 * nothing lists their reports). Read from the index, which holds the whole item.
 */
export async function reportAuditEntries(doc: DynamoDBDocumentClient, table: string, to: string): Promise<AuditEntry[]> {
  const dists = await queryAll(doc, {
    TableName: table,
    IndexName: GSI1,
    KeyConditionExpression: 'gsi1pk = :p',
    ExpressionAttributeValues: { ':p': keys.index.distributors },
    ProjectionExpression: 'gsi1sk',
  });
  const lists = await Promise.all(
    dists.map((d) =>
      queryAll(doc, {
        TableName: table,
        IndexName: GSI1,
        KeyConditionExpression: 'gsi1pk = :p AND gsi1sk <= :to',
        ExpressionAttributeValues: { ':p': keys.distributorReports(String(d.gsi1sk)), ':to': `${to}\uffff` },
        ExpressionAttributeNames: { '#history': HISTORY },
        ProjectionExpression: '#history',
      }),
    ),
  );
  return lists.flat().flatMap((i) => (i[HISTORY] ?? []) as AuditEntry[]);
}
