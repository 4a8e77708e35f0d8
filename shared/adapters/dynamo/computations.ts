import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ComputationPointer, ComputationRepository } from '../../ports/index.js';
import { quarterKeys } from './keys.js';

const FIELDS = [
  'quarter',
  'inputsHash',
  'resultHash',
  'rulesVersion',
  'referenceRevision',
  'bodyKey',
  'computedAt',
] as const;

/** One small item per quarter pointing to its latest computation record (the body is in S3). */
export class DynamoComputationRepository implements ComputationRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async latest(quarter: string): Promise<ComputationPointer | null> {
    const res = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: quarterKeys.computation(quarter), ConsistentRead: true }),
    );
    if (!res.Item) return null;
    const out: Record<string, unknown> = {};
    for (const f of FIELDS) out[f] = String(res.Item[f] ?? '');
    return out as unknown as ComputationPointer;
  }

  async put(pointer: ComputationPointer): Promise<void> {
    await this.doc.send(
      new PutCommand({ TableName: this.table, Item: { ...quarterKeys.computation(pointer.quarter), ...pointer } }),
    );
  }
}
