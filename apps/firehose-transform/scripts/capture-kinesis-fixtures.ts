// Captures real DynamoDB change records from DynamoDB Local and writes them in the record shape
// Kinesis Data Streams for DynamoDB delivers (DynamoDB developer guide, "Change data capture for
// Kinesis Data Streams"; ../../shared/notes/aws-facts.md):
//   {awsRegion, eventID, eventName, userIdentity, recordFormat, tableName,
//    dynamodb: {ApproximateCreationDateTime (ms), Keys, NewImage, OldImage, SizeBytes}, eventSource}
// DynamoDB Local has no Kinesis destination, so the records are read with GetRecords from its
// stream and re-shaped: no SequenceNumber/StreamViewType, ApproximateCreationDateTime in
// milliseconds (the MILLISECOND precision), recordFormat "application/json", tableName added.
//
// Run: pnpm --filter @ddb-athena-sync/firehose-transform capture-fixtures
import { writeFileSync } from 'node:fs';

import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localStreamsClient } from '@ddb-athena-sync/local-services/local-clients';
import { readWholeStream } from '@ddb-athena-sync/local-services/read-stream';
import { toLambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';

const TABLE = 'orders';

function item(id: string, total: string, extra: Record<string, unknown> = {}) {
  return {
    id: { S: id },
    customer_id: { S: 'c-42' },
    created_at: { S: '2026-05-01T12:34:56.789Z' },
    total: { N: total },
    currency: { S: 'EUR' },
    status: { S: 'placed' },
    items: {
      L: [
        { M: { sku: { S: 'BOOK-1' }, quantity: { N: '2' }, unit_price: { N: '9.99' } } },
        { M: { sku: { S: 'PEN-7' }, quantity: { N: '1' }, unit_price: { N: '1.50' } } },
      ],
    },
    ...extra,
  };
}

const local = await startDynamoDbLocal();
try {
  const ddb = localDynamoDbClient(local.endpoint);
  const streams = localStreamsClient(local.endpoint);
  const created = await ddb.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  const arn = created.TableDescription!.LatestStreamArn!;

  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item('o-001', '21.48') }));
  await ddb.send(
    new PutItemCommand({
      TableName: TABLE,
      Item: item('o-002', '1.5', { gift_note: { S: 'Happy birthday' } }),
    }),
  );
  await ddb.send(
    new UpdateItemCommand({
      TableName: TABLE,
      Key: { id: { S: 'o-001' } },
      UpdateExpression: 'SET #s = :s',
      ExpressionAttributeNames: { '#s': 'status' },
      ExpressionAttributeValues: { ':s': { S: 'shipped' } },
    }),
  );
  // A total with three decimals does not fit decimal(12,2): a value-mapping failure.
  await ddb.send(new PutItemCommand({ TableName: TABLE, Item: item('o-003', '10.005') }));
  await ddb.send(new DeleteItemCommand({ TableName: TABLE, Key: { id: { S: 'o-002' } } }));

  const sdkRecords = await readWholeStream(streams, arn);

  const records = sdkRecords.map((r) => {
    const lambda = toLambdaStreamRecord(r, arn);
    const d = lambda.dynamodb;
    return {
      awsRegion: lambda.awsRegion,
      eventID: lambda.eventID,
      eventName: lambda.eventName,
      userIdentity: lambda.userIdentity ?? null,
      recordFormat: 'application/json',
      tableName: TABLE,
      dynamodb: {
        ApproximateCreationDateTime: r.dynamodb!.ApproximateCreationDateTime!.getTime(),
        Keys: d.Keys,
        ...(d.NewImage === undefined ? {} : { NewImage: d.NewImage }),
        ...(d.OldImage === undefined ? {} : { OldImage: d.OldImage }),
        SizeBytes: d.SizeBytes,
      },
      eventSource: 'aws:dynamodb',
    };
  });
  const note =
    'Captured from DynamoDB Local 3.x (GetRecords) by scripts/capture-kinesis-fixtures.ts and re-shaped to the Kinesis Data Streams for DynamoDB record: ' +
    'no SequenceNumber, ApproximateCreationDateTime in milliseconds, recordFormat and tableName added. o-003 has a total that does not fit decimal(12,2).';
  writeFileSync(
    new URL('../test/fixtures/kinesis-orders.json', import.meta.url),
    `${JSON.stringify({ note, records }, null, 2)}\n`,
  );
  console.log(`captured ${records.length} records`);
} finally {
  await local.stop();
}
