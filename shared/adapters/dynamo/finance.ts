import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Payment, PaymentsRepository, UploadIntent, UploadLog } from '../../ports/finance.js';
import { isConditionFailed, queryAll } from './doc.js';
import { financeKeys } from './keys.js';

const PAYMENT_FIELDS = [
  'paymentId',
  'quarter',
  'partnerId',
  'distributorId',
  'date',
  'reference',
  'amount',
  'recordedBy',
  'recordedAt',
] as const;

export class DynamoPaymentsRepository implements PaymentsRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async add(payment: Payment): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...financeKeys.payment(payment), ...payment },
          // A payment is never rewritten: a repeat of the same ID keeps the first.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (err) {
      if (!isConditionFailed(err)) throw err;
      return false;
    }
  }

  async listQuarter(quarter: string): Promise<Payment[]> {
    const items = await queryAll(this.doc, {
      TableName: this.table,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': financeKeys.paymentsPk(quarter), ':sk': financeKeys.paymentPrefix },
      ConsistentRead: true,
    });
    const payments = items.map((i) => Object.fromEntries(PAYMENT_FIELDS.map((f) => [f, i[f]])) as unknown as Payment);
    const key = (p: Payment) => [p.partnerId, p.distributorId, p.date, p.paymentId].join('\u0000');
    return payments.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  }
}

export class DynamoUploadLog implements UploadLog {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async record(intent: UploadIntent): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...financeKeys.upload(intent.key, intent.at), ...intent } }),
    );
  }

  async uploaderOf(key: string, at: string): Promise<UploadIntent | null> {
    const upload = financeKeys.upload(key, at);
    const res = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'pk = :pk AND sk <= :sk',
        ExpressionAttributeValues: { ':pk': upload.pk, ':sk': upload.sk },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    const item = res.Items?.[0];
    return item ? { key: String(item.key), by: String(item.by), at: String(item.at) } : null;
  }
}
