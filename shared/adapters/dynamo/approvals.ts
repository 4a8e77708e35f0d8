import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import {
  APPROVAL_STATUSES,
  type Approval,
  type ApprovalRepository,
  type ApprovalStatus,
  type AuditEntry,
  type EvaluationOutcome,
  type AuditQuery,
  type AuditRepository,
} from '../../ports/approvals.js';
import { isConditionFailed, queryAll, queryUpTo, type Item } from './doc.js';
import { GSI2, GSI3 } from '../../storage-contract.js';
import { approvalKeys, auditKeys, GSI1 } from './keys.js';

const KEY_ATTRIBUTES = ['pk', 'sk', 'gsi1pk', 'gsi1sk'];
const withoutKeys = <T>(item: Item): T => {
  const out: Item = { ...item };
  for (const k of KEY_ATTRIBUTES) delete out[k];
  return out as T;
};

/** The months (UTC, `YYYY-MM`) from `from` to `to`, newest first. */
export function monthsBetween(from: string, to: string): string[] {
  const start = new Date(from);
  const end = new Date(to);
  const out: string[] = [];
  let y = end.getUTCFullYear();
  let m = end.getUTCMonth();
  while (y > start.getUTCFullYear() || (y === start.getUTCFullYear() && m >= start.getUTCMonth())) {
    out.push(`${y}-${String(m + 1).padStart(2, '0')}`);
    if (--m < 0) {
      m = 11;
      y--;
    }
  }
  return out;
}

export class DynamoAuditRepository implements AuditRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async append(entry: AuditEntry): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...auditKeys.entry(entry.id, entry.at, entry.actor.sub), ...entry },
        // Append-only: an entry is never overwritten, not even by a retry of the same write.
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async appendOnce(entry: AuditEntry, onceKey: string): Promise<boolean> {
    try {
      // The marker and the entry land together: a retry finds the marker and writes nothing.
      await this.doc.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...auditKeys.once(onceKey), entryId: entry.id, at: entry.at },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...auditKeys.entry(entry.id, entry.at, entry.actor.sub), ...entry },
                ConditionExpression: 'attribute_not_exists(pk)',
              },
            },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (err instanceof Error && err.name === 'TransactionCanceledException') {
        const codes = ((err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
          (r) => r.Code,
        );
        // Only the marker's condition means "already recorded"; anything else (a conflict) is retried by the caller.
        if (codes[0] === 'ConditionalCheckFailed') return false;
      }
      throw err;
    }
  }

  async query(q: AuditQuery): Promise<AuditEntry[]> {
    if (q.order === 'asc') return this.queryAscending(q);
    // After a page, only what is older than its last entry: ids sort by time, so the bound is a key.
    const ceiling = `${q.to}\uffff`;
    const upper = q.before !== undefined && q.before < ceiling ? q.before : ceiling;
    // An id starts with its instant: the months newer than the previous page's end are skipped.
    const until = upper === ceiling ? q.to : upper.slice(0, q.to.length);
    return this.read(q, { ':from': q.from, ':to': upper }, false, monthsBetween(q.from, until), q.before);
  }

  /** Oldest first: the mirror of the newest-first read, bounded below by `after`. */
  private queryAscending(q: AuditQuery): Promise<AuditEntry[]> {
    const lower = q.after !== undefined && q.after > q.from ? q.after : q.from;
    const since = lower === q.from ? q.from : lower.slice(0, q.from.length);
    return this.read(q, { ':from': lower, ':to': `${q.to}\uffff` }, true, monthsBetween(since, q.to).reverse(), q.after);
  }

  private async read(
    q: AuditQuery,
    range: { ':from': string; ':to': string },
    forward: boolean,
    months: string[],
    bound: string | undefined,
  ): Promise<AuditEntry[]> {
    const filters: string[] = [];
    const values: Record<string, unknown> = { ...range };
    if (q.quarter) {
      filters.push('contains(quarters, :quarter)');
      values[':quarter'] = q.quarter;
    }
    if (q.partner) {
      filters.push('contains(partners, :partner)');
      values[':partner'] = q.partner;
    }
    const base = {
      TableName: this.table,
      ScanIndexForward: forward,
      ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
    };
    // BETWEEN includes its bound: the entry the previous page ended with is dropped here.
    const wanted = (items: Item[]) =>
      items.map((i) => withoutKeys<AuditEntry>(i)).filter((e) => e.id !== bound);
    // A report version's entry is in its record (the trail index); a report names no partner.
    const trail = q.partner ? null : this.trailReader(q, range, forward, bound);
    const out: AuditEntry[] = [];
    if (q.actor) {
      // One index partition per actor, for entries of their own and for report entries in records:
      // the range is a key condition, so no other actor's entry is read.
      const pk = auditKeys.actor(q.actor);
      const [items, reports] = await Promise.all([
        queryUpTo(this.doc, q.limit + 1, {
          ...base,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk AND gsi1sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ...values, ':pk': pk },
        }),
        trail ? trail({ index: GSI3, pk }, q.limit + 1) : [],
      ]);
      return mergeById(wanted(items), reports, forward).slice(0, q.limit);
    }
    // One partition per month of the range, in the order read, until the limit is reached.
    for (const month of months) {
      const want = q.limit + 1 - out.length;
      const [items, reports] = await Promise.all([
        queryUpTo(this.doc, want, {
          ...base,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ...values, ':pk': auditKeys.month(month) },
        }),
        trail ? trail({ index: GSI2, pk: auditKeys.month(month) }, want) : [],
      ]);
      // Every entry of a month sorts before (after) the next month's: the two merge within it.
      out.push(...mergeById(wanted(items), reports, forward));
      if (out.length >= q.limit) break;
    }
    return out.slice(0, q.limit);
  }

  /**
   * Reads up to `limit` report entries of one partition of a trail index (gsi2: a month, gsi3: an
   * actor), in order, filtered by quarter as asked.
   */
  private trailReader(
    q: AuditQuery,
    range: { ':from': string; ':to': string },
    forward: boolean,
    bound: string | undefined,
  ): (partition: { index: typeof GSI2 | typeof GSI3; pk: string }, limit: number) => Promise<AuditEntry[]> {
    const values: Record<string, unknown> = { ...range };
    if (q.quarter) values[':quarter'] = q.quarter;
    return async ({ index, pk }, limit) => {
      const items = await queryUpTo(this.doc, limit, {
        TableName: this.table,
        IndexName: index.indexName,
        ScanIndexForward: forward,
        KeyConditionExpression: `${index.partitionKey} = :pk AND ${index.sortKey} BETWEEN :from AND :to`,
        ...(q.quarter
          ? { FilterExpression: 'contains(#entry.quarters, :quarter)', ExpressionAttributeNames: { '#entry': 'entry' } }
          : {}),
        ExpressionAttributeValues: { ...values, ':pk': pk },
      });
      return items
        .map((i) => i.entry as AuditEntry | undefined)
        .filter((e): e is AuditEntry => e !== undefined && e.id !== bound);
    };
  }
}

/**
 * Two lists each in id order, as one in that order. An id in both (a report entry moved out of its
 * record as its item, read from the index before it caught up) is kept once.
 */
function mergeById(a: AuditEntry[], b: AuditEntry[], forward: boolean): AuditEntry[] {
  if (!b.length) return a;
  const seen = new Set(a.map((e) => e.id));
  const all = [...a, ...b.filter((e) => !seen.has(e.id))];
  return all.sort((x, y) => (x.id === y.id ? 0 : (x.id < y.id) === forward ? -1 : 1));
}

export class DynamoApprovalRepository implements ApprovalRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(approval: Approval): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          ...approvalKeys.approval(approval.id),
          ...approvalKeys.byStatus(approval.status, approval.requestedAt, approval.id),
          ...approval,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(id: string): Promise<Approval | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: approvalKeys.approval(id), ConsistentRead: true }),
    );
    return res.Item ? withoutKeys<Approval>(res.Item) : null;
  }

  async list(status?: ApprovalStatus): Promise<Approval[]> {
    const statuses: readonly ApprovalStatus[] = status ? [status] : APPROVAL_STATUSES;
    const lists = await Promise.all(
      statuses.map((s) =>
        queryAll(this.doc, {
          TableName: this.table,
          IndexName: GSI1,
          KeyConditionExpression: 'gsi1pk = :pk',
          ExpressionAttributeValues: { ':pk': approvalKeys.status(s) },
          ScanIndexForward: false,
        }),
      ),
    );
    return lists
      .flat()
      .map((i) => withoutKeys<Approval>(i))
      .sort((a, b) => (a.requestedAt < b.requestedAt ? 1 : a.requestedAt > b.requestedAt ? -1 : 0));
  }

  async decide(
    id: string,
    decision: {
      status: 'approved' | 'rejected';
      decidedBy: AuditEntry['actor'];
      decidedAt: string;
      comment?: string;
    },
  ): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    const index = approvalKeys.byStatus(decision.status, current.requestedAt, id);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: approvalKeys.approval(id),
          // Two deciders at once: exactly one finds it still pending.
          ConditionExpression: '#status = :pending',
          UpdateExpression:
            'SET #status = :status, decidedBy = :by, decidedAt = :at, gsi1pk = :gpk, gsi1sk = :gsk' +
            (decision.comment ? ', #comment = :comment' : ''),
          ExpressionAttributeNames: {
            '#status': 'status',
            ...(decision.comment ? { '#comment': 'comment' } : {}),
          },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':status': decision.status,
            ':by': decision.decidedBy,
            ':at': decision.decidedAt,
            ':gpk': index.gsi1pk,
            ':gsk': index.gsi1sk,
            ...(decision.comment ? { ':comment': decision.comment } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async settle(id: string, outcome: EvaluationOutcome): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    const index = approvalKeys.byStatus(outcome.status, current.requestedAt, id);
    const fields: Record<string, unknown> =
      outcome.status === 'pending'
        ? { quarters: outcome.quarters, effect: outcome.effect, partners: outcome.partners }
        : { appliedAt: outcome.appliedAt, computationsRequested: outcome.computationsRequested };
    const names = Object.keys(fields);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: approvalKeys.approval(id),
          // A redelivered evaluation finds it settled and changes nothing.
          ConditionExpression: '#status = :evaluating',
          UpdateExpression:
            'SET #status = :status, gsi1pk = :gpk, gsi1sk = :gsk, ' +
            names.map((n) => `#${n} = :${n}`).join(', '),
          ExpressionAttributeNames: {
            '#status': 'status',
            ...Object.fromEntries(names.map((n) => [`#${n}`, n])),
          },
          ExpressionAttributeValues: {
            ':evaluating': 'evaluating',
            ':status': outcome.status,
            ':gpk': index.gsi1pk,
            ':gsk': index.gsi1sk,
            ...Object.fromEntries(names.map((n) => [`:${n}`, fields[n]])),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }
}
