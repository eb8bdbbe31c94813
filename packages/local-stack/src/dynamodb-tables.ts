import {
  CreateTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  ResourceNotFoundException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient, ScalarAttributeType, TableDescription } from '@aws-sdk/client-dynamodb';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

/** DynamoDB key attribute type of a key column's Iceberg type. */
function keyAttributeType(table: TableDeclaration, attribute: string): ScalarAttributeType {
  const column = table.columns.find((c) => c.source === attribute);
  const kind = column?.type.kind;
  if (kind === 'binary') return 'B';
  if (kind === 'bigint' || kind === 'int' || kind === 'decimal') return 'N';
  return 'S';
}

async function describe(ddb: DynamoDBClient, name: string): Promise<TableDescription | undefined> {
  try {
    return (await ddb.send(new DescribeTableCommand({ TableName: name }))).Table;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return undefined;
    throw error;
  }
}

/**
 * Creates the DynamoDB table of a declaration unless it exists, with a NEW_AND_OLD_IMAGES stream
 * (enabled on an existing table that has none: "start the stream first", DESIGN.md backfill) and TTL
 * on the declared attribute. Returns the stream ARN.
 */
export async function ensureDynamoTable(ddb: DynamoDBClient, table: TableDeclaration): Promise<string> {
  const name = table.dynamodb.tableName;
  let desc = await describe(ddb, name);
  if (desc === undefined) {
    const keys = [
      table.dynamodb.partitionKey,
      ...(table.dynamodb.sortKey === undefined ? [] : [table.dynamodb.sortKey]),
    ];
    try {
      desc = (
        await ddb.send(
          new CreateTableCommand({
            TableName: name,
            AttributeDefinitions: keys.map((k) => ({
              AttributeName: k,
              AttributeType: keyAttributeType(table, k),
            })),
            KeySchema: keys.map((k, i) => ({ AttributeName: k, KeyType: i === 0 ? 'HASH' : 'RANGE' })),
            BillingMode: 'PAY_PER_REQUEST',
            StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
          }),
        )
      ).TableDescription;
    } catch (error) {
      if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
      desc = await describe(ddb, name);
    }
  }
  if (desc?.StreamSpecification?.StreamEnabled !== true || desc.LatestStreamArn === undefined) {
    desc = (
      await ddb.send(
        new UpdateTableCommand({
          TableName: name,
          StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
        }),
      )
    ).TableDescription;
  }
  if (table.dynamodb.ttlAttribute !== undefined) {
    const ttl = await ddb.send(new DescribeTimeToLiveCommand({ TableName: name }));
    if (ttl.TimeToLiveDescription?.TimeToLiveStatus !== 'ENABLED') {
      await ddb.send(
        new UpdateTimeToLiveCommand({
          TableName: name,
          TimeToLiveSpecification: { Enabled: true, AttributeName: table.dynamodb.ttlAttribute },
        }),
      );
    }
  }
  const arn = desc?.LatestStreamArn;
  if (arn === undefined) throw new Error(`table ${name} has no stream after enabling it`);
  return arn;
}

/** The merger's control table (lease + journal per Iceberg table): hash key `pk` (string). */
export async function ensureControlTable(ddb: DynamoDBClient, name: string): Promise<void> {
  if ((await describe(ddb, name)) !== undefined) return;
  try {
    await ddb.send(
      new CreateTableCommand({
        TableName: name,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ResourceInUseException') throw error;
  }
}
