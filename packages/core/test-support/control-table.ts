// Test support, not part of the library: the merger's control table (lease, journal and backfill
// guard, one item per table under the string hash key `pk`), as infra/modules/merge-table/dynamodb.tf
// declares it, created on DynamoDB Local. Tests across the workspace import it from
// `@ddb-athena-sync/core/test-support/control-table`; nothing bundled into a Lambda may import it.
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Creates an on-demand table named `tableName` with the string hash key `key` (`pk`: a control table). */
export async function createHashKeyTable(
  dynamodb: DynamoDBClient,
  tableName: string,
  key = 'pk',
): Promise<void> {
  await dynamodb.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: [{ AttributeName: key, AttributeType: 'S' }],
      KeySchema: [{ AttributeName: key, KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
}

/** Creates the control table `tableName` (hash key `pk`, the merge protocol's lease and journal). */
export async function createControlTable(dynamodb: DynamoDBClient, tableName: string): Promise<void> {
  await createHashKeyTable(dynamodb, tableName, 'pk');
}
