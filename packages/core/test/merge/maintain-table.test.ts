import { AthenaClient, GetQueryExecutionCommand, StartQueryExecutionCommand } from '@aws-sdk/client-athena';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient } from '@ddb-athena-sync/local-services/local-clients';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';

import { AthenaEngine } from '../../src/aws/athena-engine.js';
import { DEFAULT_COMPACT_WINDOW_HOURS, maintainTable } from '../../src/merge/maintain-table.js';
import { createControlTable } from '../../test-support/control-table.js';

// Issue 18 item 5: maintenance compacts only recently written partitions. "The REWRITE DATA action
// uses predicates to select for files that contain matching rows ... to control the number of files
// affected by the compaction operation, you can specify a WHERE clause", and "Only partition columns
// are allowed in the WHERE clause predicate" (Athena user guide, OPTIMIZE,
// https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html). The lease is real
// (DynamoDB Local); Athena is mocked at its adapter boundary, as in athena-engine.test.ts.

const athenaMock = mockClient(AthenaClient);
let ddbLocal: DynamoDbLocal;
let dynamodb: DynamoDBClient;
let n = 0;

beforeAll(async () => {
  ddbLocal = await startDynamoDbLocal();
  dynamodb = localDynamoDbClient(ddbLocal.endpoint);
});
afterAll(async () => {
  await ddbLocal?.stop();
});
beforeEach(() => {
  athenaMock.reset();
  athenaMock.on(StartQueryExecutionCommand).callsFake(() => ({ QueryExecutionId: `q${++n}` }));
  athenaMock.on(GetQueryExecutionCommand).resolves({ QueryExecution: { Status: { State: 'SUCCEEDED' } } });
});

const eventsInput = {
  name: 'events',
  dynamodb: { tableName: 'events', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'created_at', type: 'timestamp', conversion: 'iso8601', immutable: true },
  ],
  mode: 'merge',
  partitioning: ['day(created_at)'],
} satisfies TableDeclarationInput;

async function optimizeSent(input: TableDeclarationInput): Promise<string | undefined> {
  const table = parseDeclaration(input);
  const controlTable = `control_maintain_${++n}`;
  await createControlTable(dynamodb, controlTable);
  const engine = new AthenaEngine({
    athena: new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'wg',
    database: 'lake',
    tableLocation: `s3://lake/tables/${table.name}/`,
    stagingLocation: `s3://lake/staging/${table.name}/`,
    sleep: () => Promise.resolve(),
  });
  const report = await maintainTable(
    { dynamodb, engine, clock: { now: () => new Date('2026-12-01T10:30:00Z') } },
    { table, controlTable, owner: 'test', deadline: new Date(Date.now() + 60_000) },
  );
  expect(report.status).toBe('done');
  return athenaMock
    .commandCalls(StartQueryExecutionCommand)
    .map((c) => c.args[0].input.QueryString)
    .find((sql) => sql?.startsWith('OPTIMIZE'));
}

describe('maintainTable: OPTIMIZE only the partitions of the compaction window', () => {
  test('a day(created_at) table: WHERE from the start of the day the window begins in', async () => {
    // Arrange: window of 30 h before 2026-12-01 10:30 UTC begins on 2026-11-30 04:30, in that day.
    const input = { ...eventsInput, maintenance: { compactWindowHours: 30 } };
    // Act
    const sql = await optimizeSent(input);
    // Assert
    expect(sql).toBe(
      "OPTIMIZE lake.`events` REWRITE DATA USING BIN_PACK WHERE created_at >= TIMESTAMP '2026-11-30 00:00:00.000000'",
    );
  });

  test(`the default window is ${DEFAULT_COMPACT_WINDOW_HOURS} h`, async () => {
    const sql = await optimizeSent(eventsInput);
    const since = new Date(Date.parse('2026-12-01T10:30:00Z') - DEFAULT_COMPACT_WINDOW_HOURS * 3_600_000);
    expect(sql).toBe(
      `OPTIMIZE lake.\`events\` REWRITE DATA USING BIN_PACK WHERE created_at >= TIMESTAMP '${since.toISOString().slice(0, 10)} 00:00:00.000000'`,
    );
  });

  test('bucket partitioning says nothing about time: the whole table', async () => {
    const input = {
      ...eventsInput,
      name: books.name,
      partitioning: ['bucket(16, id)'],
    };
    expect(await optimizeSent(input)).toBe('OPTIMIZE lake.`books` REWRITE DATA USING BIN_PACK');
  });
});
