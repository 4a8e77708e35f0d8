import {
  CreateTableCommand,
  UpdateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DescribeTableCommandOutput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GSI1, GSI2, GSI3, TABLE_KEYS } from '../../storage-contract.js';

/** The single table's layout (docs/architecture.md, "Storage contract"); no TTL: nothing expires. */
export { GSI1, GSI2, GSI3, TABLE_KEYS };

export function createTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      TABLE_KEYS.partitionKey,
      TABLE_KEYS.sortKey,
      GSI1.partitionKey,
      GSI1.sortKey,
      GSI2.partitionKey,
      GSI2.sortKey,
      GSI3.partitionKey,
      GSI3.sortKey,
    ].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: GSI1.indexName,
        KeySchema: [
          { AttributeName: GSI1.partitionKey, KeyType: 'HASH' },
          { AttributeName: GSI1.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      ...trailIndexes.map((t) => t.index),
    ],
  };
}

/** The sparse indexes of report records' audit entries (by month, by actor): only `entry` is copied. */
const trailIndexes = [GSI2, GSI3].map((g) => ({
  keys: [g.partitionKey, g.sortKey],
  index: {
    IndexName: g.indexName,
    KeySchema: [
      { AttributeName: g.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: g.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...g.projected] },
  },
}));

/** Creates the table when it is absent. For the local stack; AWS tables come from CDK. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // The usual start: one read of the table says it is ready.
    if (trailIndexes.every((t) => hasIndex(Table, t.index.IndexName)) && allActive(Table)) return;
    // A table of an older local stack lacks a trail index: added in place (its items stay), one
    // per update as DynamoDB asks, each once the one before is built.
    for (const { keys, index } of trailIndexes) await addIndex(client, tableName, keys, index);
    // Also when another process added them: a write while an index is built fails.
    await indexesActive(client, tableName);
  } catch (err) {
    if (!(err instanceof ResourceNotFoundException)) throw err;
    try {
      await client.send(new CreateTableCommand(createTableInput(tableName)));
    } catch (createErr) {
      // Someone else created it in between: fine.
      if (!(createErr instanceof ResourceInUseException)) throw createErr;
    }
    await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
  }
}

/**
 * Adds the index unless the table has it. Another process starting on the same table may add it (or
 * another index) meanwhile, which DynamoDB refuses as in use or as already existing: then the table
 * is read again once its indexes are built, and the index is added only if still missing.
 */
async function addIndex(
  client: DynamoDBClient,
  tableName: string,
  keys: string[],
  index: NonNullable<CreateTableCommandInput['GlobalSecondaryIndexes']>[number],
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (hasIndex(Table, index.IndexName)) return;
    try {
      await client.send(
        new UpdateTableCommand({
          TableName: tableName,
          AttributeDefinitions: keys.map((name) => ({ AttributeName: name, AttributeType: 'S' })),
          GlobalSecondaryIndexUpdates: [{ Create: index }],
        }),
      );
      await indexesActive(client, tableName);
      return;
    } catch (updateErr) {
      if (attempt >= 3) throw updateErr;
      await indexesActive(client, tableName);
    }
  }
}

/** Waits until the table and every index of it are active: a write while one is built fails. */
async function indexesActive(client: DynamoDBClient, tableName: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (allActive(Table)) return;
    if (Date.now() > deadline) throw new Error(`The table ${tableName} was still building an index after a minute.`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Described = DescribeTableCommandOutput['Table'];

const hasIndex = (table: Described, name: string | undefined) =>
  table?.GlobalSecondaryIndexes?.some((i) => i.IndexName === name) ?? false;

const allActive = (table: Described) =>
  table?.TableStatus === 'ACTIVE' && (table.GlobalSecondaryIndexes ?? []).every((i) => i.IndexStatus === 'ACTIVE');
