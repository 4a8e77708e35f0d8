import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { QuarterRecord, QuarterRepository } from '../../ports/index.js';
import { isConditionFailed, type Item } from './doc.js';
import { quarterKeys } from './keys.js';

const FIELDS = [
  'quarter',
  'status',
  'closedAt',
  'closedBy',
  'sha256',
  'rulesVersion',
  'snapshotKey',
  'total',
  'creditsComplete',
  'approvalId',
] as const;

function toRecord(item: Item): QuarterRecord {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) if (item[f] !== undefined) out[f] = item[f];
  return out as unknown as QuarterRecord;
}

export class DynamoQuarterRepository implements QuarterRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(quarter: string): Promise<QuarterRecord | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: quarterKeys.quarter(quarter), ConsistentRead: true }),
    );
    return res.Item ? toRecord(res.Item) : null;
  }

  async close(record: QuarterRecord & { status: 'closed' }): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...quarterKeys.quarter(record.quarter), ...record },
          // Two concurrent closes: exactly one write finds the quarter still open.
          ConditionExpression: 'attribute_not_exists(pk) OR #status = :open',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':open': 'open' },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailed(err)) return false;
      throw err;
    }
  }

  async markCreditsComplete(quarter: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: quarterKeys.quarter(quarter),
        UpdateExpression: 'SET creditsComplete = :true',
        // Never creates a record: only a closed quarter has credits to complete.
        ConditionExpression: 'attribute_exists(pk) AND #status = :closed',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':true': true, ':closed': 'closed' },
      }),
    );
  }
}
