import {
  CreateTableCommand,
  UpdateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  waitUntilTableExists,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { GSI1, GSI2, TABLE_KEYS } from '../../storage-contract.js';

/** The single table's layout (docs/architecture.md, "Storage contract"); no TTL: nothing expires. */
export { GSI1, GSI2, TABLE_KEYS };

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
      trailIndex,
    ],
  };
}

const trailIndex = {
  IndexName: GSI2.indexName,
  KeySchema: [
    { AttributeName: GSI2.partitionKey, KeyType: 'HASH' as const },
    { AttributeName: GSI2.sortKey, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'INCLUDE' as const, NonKeyAttributes: [...GSI2.projected] },
};

/** Creates the table when it is absent. For the local stack; AWS tables come from CDK. */
export async function ensureTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    // A table of an older local stack lacks the trail index: added in place (its items stay).
    if (!Table?.GlobalSecondaryIndexes?.some((i) => i.IndexName === GSI2.indexName)) {
      try {
        await client.send(
          new UpdateTableCommand({
            TableName: tableName,
            AttributeDefinitions: [GSI2.partitionKey, GSI2.sortKey].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
            GlobalSecondaryIndexUpdates: [{ Create: trailIndex }],
          }),
        );
      } catch (updateErr) {
        // Someone else added it in between: fine.
        if (!(updateErr instanceof ResourceInUseException)) throw updateErr;
      }
      await waitUntilTableExists({ client, maxWaitTime: 60 }, { TableName: tableName });
    }
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
