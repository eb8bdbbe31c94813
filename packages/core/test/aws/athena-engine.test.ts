import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  InvalidRequestException,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-athena';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, test } from 'vitest';

import { AthenaEngine, queryToken } from '../../src/aws/athena-engine.js';
import { AthenaQueryCancelledError, AthenaQueryError } from '../../src/aws/athena-errors.js';
import type { MergeBatch } from '../../src/merge/engine.js';

// Athena has no local stand-in, so the adapter is tested at its boundary: aws-sdk-client-mock
// replaces the AthenaClient's send and answers with the shapes of the Athena API reference.
const athenaMock = mockClient(AthenaClient);
const sleeps: number[] = [];
const engine = (): AthenaEngine =>
  new AthenaEngine({
    athena: new AthenaClient({ region: 'us-east-1' }),
    workGroup: 'ddb-athena-sync',
    database: 'library',
    tableLocation: 's3://lake/tables/books/',
    stagingLocation: 's3://lake/staging/books/',
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
const batch: MergeBatch = {
  table: books,
  bucket: 'lake',
  objects: [
    {
      key: 'staging/books/2024/05/01/12/s-1-2.json.gz',
      size: 10,
      lastModified: new Date(0),
      source: 'stream',
    },
  ],
};
const failed = (reason: string) => ({
  QueryExecution: { Status: { State: 'FAILED' as const, StateChangeReason: reason } },
});
const succeeded = {
  QueryExecution: { Status: { State: 'SUCCEEDED' as const }, Statistics: { DataScannedInBytes: 1234 } },
};

beforeEach(() => {
  athenaMock.reset();
  sleeps.length = 0;
});

describe('AthenaEngine', () => {
  test('merge starts the MERGE in the workgroup and polls with backoff until it succeeds', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolvesOnce({ QueryExecution: { Status: { State: 'QUEUED' } } })
      .resolvesOnce({ QueryExecution: { Status: { State: 'RUNNING' } } })
      .resolves(succeeded);

    const result = await engine().merge(batch);

    // Two statements (tombstones, then the MERGE), 1234 bytes each.
    expect(result).toEqual({ queryId: 'q1', bytesScanned: 2468 });
    const start = athenaMock.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start.WorkGroup).toBe('ddb-athena-sync');
    expect(start.QueryString).toContain(
      `"$path" IN (\n        's3://lake/staging/books/2024/05/01/12/s-1-2.json.gz'`,
    );
    expect(sleeps).toEqual([200, 300]);
  });

  test.each([
    'ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table',
    'TooManyRequestsException: Rate exceeded',
  ])('a query failing with %s is retried with backoff', async (reason) => {
    athenaMock
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'q1' })
      .resolves({ QueryExecutionId: 'q2' });
    athenaMock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q1' }).resolves(failed(reason));
    athenaMock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q2' }).resolves(succeeded);

    const result = await engine().merge(batch);

    expect(result.queryId).toBe('q2');
    expect(sleeps).toEqual([1000]);
  });

  test('a replayed batch renders the same statement with the same token, so Athena returns the query already started', async () => {
    // The token is what makes a replay after a killed merger wait for the orphaned MERGE rather
    // than start a second one; Athena requires the same QueryString with the same token.
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded);
    const objects = [
      {
        key: 'staging/books/2024/05/01/12/s-3-4.json.gz',
        size: 10,
        lastModified: new Date(1),
        source: 'stream' as const,
      },
      {
        key: 'staging/books/2024/05/01/12/s-1-2.json.gz',
        size: 10,
        lastModified: new Date(0),
        source: 'stream' as const,
      },
    ];

    await engine().merge({ ...batch, objects, batchId: '7d9f0c1e-5b7a-4c1e-9a55-0f6f1f9b2c3d' });
    await engine().merge({
      ...batch,
      objects: [...objects].reverse(),
      batchId: '7d9f0c1e-5b7a-4c1e-9a55-0f6f1f9b2c3d',
    });
    await engine().merge({ ...batch, objects, batchId: 'another-batch-id-0000000000000000' });

    // Two statements per merge (tombstones, then the MERGE), each with its own token.
    const starts = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input);
    expect(starts).toHaveLength(6);
    expect(starts[0]!.ClientRequestToken).toBe(
      queryToken('7d9f0c1e-5b7a-4c1e-9a55-0f6f1f9b2c3d', 1, starts[0]!.QueryString!),
    );
    expect(starts[1]!.ClientRequestToken).not.toBe(starts[0]!.ClientRequestToken);
    expect(starts[2]!.ClientRequestToken).toBe(starts[0]!.ClientRequestToken);
    expect(starts[3]!.ClientRequestToken).toBe(starts[1]!.ClientRequestToken);
    expect(starts[3]!.QueryString).toBe(starts[1]!.QueryString);
    expect(starts[4]!.ClientRequestToken).not.toBe(starts[0]!.ClientRequestToken);
  });

  test("a retried attempt gets a token of its own (the failed attempt's token would return the failure)", async () => {
    athenaMock
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'q1' })
      .resolves({ QueryExecutionId: 'q2' });
    athenaMock
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'q1' })
      .resolves(failed('ICEBERG_COMMIT_ERROR: conflict'));
    athenaMock.on(GetQueryExecutionCommand, { QueryExecutionId: 'q2' }).resolves(succeeded);

    await engine().merge({ ...batch, batchId: 'b'.repeat(36) });

    const tokens = athenaMock
      .commandCalls(StartQueryExecutionCommand)
      .map((c) => c.args[0].input.ClientRequestToken);
    const sql = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString!);
    // The tombstone statement failed once (attempt 1) and was retried (attempt 2). Outside the
    // protocol (no journal attempt) each statement counts its own attempts.
    expect(tokens).toEqual([
      queryToken('b'.repeat(36), 1, sql[0]!),
      queryToken('b'.repeat(36), 2, sql[0]!),
      queryToken('b'.repeat(36), 1, sql[2]!),
    ]);
    expect(sql[2]).toContain('MERGE INTO "library"."books" AS t');
    expect(tokens[0]).toHaveLength(64);
  });

  test('TooManyRequestsException from StartQueryExecution is retried with growing delays', async () => {
    const throttled = new TooManyRequestsException({ message: 'too many', $metadata: {} });
    athenaMock
      .on(StartQueryExecutionCommand)
      .rejectsOnce(throttled)
      .rejectsOnce(throttled)
      .resolves({ QueryExecutionId: 'q3' });
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded);

    await engine().merge(batch);

    expect(sleeps).toEqual([1000, 2000]);
  });

  test('retries end with a typed error after maxAttempts', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q' });
    athenaMock.on(GetQueryExecutionCommand).resolves(failed('ICEBERG_COMMIT_ERROR: conflict'));

    const error = await engine()
      .merge(batch)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(error).toMatchObject({ retryable: true, attempts: 5, errorType: 'ICEBERG_COMMIT_ERROR' });
  });

  test('any other failure is a typed error at once (the batch stays staged)', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q4' });
    athenaMock
      .on(GetQueryExecutionCommand)
      .resolves(
        failed(
          'MERGE_TARGET_ROW_MULTIPLE_MATCHES: One MERGE target table row matched more than one source row',
        ),
      );

    const error = await engine()
      .merge(batch)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AthenaQueryError);
    expect(error).toMatchObject({
      queryId: 'q4',
      state: 'FAILED',
      retryable: false,
      attempts: 1,
      errorType: 'MERGE_TARGET_ROW_MULTIPLE_MATCHES',
    });
    expect(athenaMock.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  test('only data errors of a FAILED query count as unreadable data (the merger bisects on those)', () => {
    const e = engine();
    const failedWith = (errorType: string) =>
      new AthenaQueryError({
        state: 'FAILED',
        errorType,
        reason: `${errorType}: x`,
        retryable: false,
        attempts: 1,
      });
    expect(e.isUnreadableData(failedWith('INVALID_CAST_ARGUMENT'))).toBe(true);
    expect(e.isUnreadableData(failedWith('HIVE_BAD_DATA'))).toBe(true);
    expect(e.isUnreadableData(failedWith('ACCESS_DENIED'))).toBe(false);
    expect(e.isUnreadableData(failedWith('SYNTAX_ERROR'))).toBe(false);
    expect(e.isUnreadableData(new Error('INVALID_CAST_ARGUMENT'))).toBe(false);
  });

  test('a rejected request (InvalidRequestException) is not retried', async () => {
    athenaMock
      .on(StartQueryExecutionCommand)
      .rejects(new InvalidRequestException({ message: 'bad', $metadata: {} }));
    await expect(engine().merge(batch)).rejects.toMatchObject({
      name: 'AthenaQueryError',
      errorType: 'InvalidRequestException',
      retryable: false,
    });
  });

  test('an aborted signal stops the running query', async () => {
    const abort = new AbortController();
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q5' });
    athenaMock.on(GetQueryExecutionCommand).callsFake(() => {
      abort.abort();
      return { QueryExecution: { Status: { State: 'RUNNING' } } };
    });
    athenaMock.on(StopQueryExecutionCommand).resolves({});

    await expect(engine().merge(batch, abort.signal)).rejects.toBeInstanceOf(AthenaQueryCancelledError);
    expect(athenaMock.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({
      QueryExecutionId: 'q5',
    });
  });

  test('ensureTable creates the table, its tombstone table next to it, and the staging table', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'ddl' });
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded);

    await engine().ensureTable(books);

    const sql = athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString!);
    expect(sql).toHaveLength(3);
    expect(sql[1]).toBe(
      [
        'CREATE TABLE IF NOT EXISTS `library`.`books__tombstones` (',
        '  `id` string,',
        '  `_seq` string,',
        '  `_deleted_at` timestamp',
        ')',
        "LOCATION 's3://lake/tables/books__tombstones/'",
        "TBLPROPERTIES (\n  'table_type'='ICEBERG',\n  'format'='parquet',\n  'write_compression'='zstd'\n)",
      ].join('\n'),
    );
  });

  test('query results are paginated with NextToken and the header row is dropped', async () => {
    athenaMock.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q6' });
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded);
    athenaMock
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q6', NextToken: undefined })
      .resolves({
        ResultSet: {
          ResultSetMetadata: { ColumnInfo: [{ Name: 'id', Type: 'varchar' }] },
          Rows: [{ Data: [{ VarCharValue: 'id' }] }, { Data: [{ VarCharValue: 'a' }] }],
        },
        NextToken: 't1',
      })
      .on(GetQueryResultsCommand, { QueryExecutionId: 'q6', NextToken: 't1' })
      .resolves({ ResultSet: { Rows: [{ Data: [{ VarCharValue: 'b' }] }, { Data: [{}] }] } });

    const result = await engine().queryRows('SELECT id FROM books');

    expect(result).toEqual({ columns: ['id'], rows: [['a'], ['b'], [undefined]] });
  });

  test('maintain runs OPTIMIZE ... BIN_PACK, VACUUM, then drops tombstones past their retention', async () => {
    athenaMock
      .on(StartQueryExecutionCommand)
      .resolvesOnce({ QueryExecutionId: 'o' })
      .resolvesOnce({ QueryExecutionId: 'v' })
      .resolves({ QueryExecutionId: 't' });
    athenaMock.on(GetQueryExecutionCommand).resolves(succeeded);

    const result = await engine().maintain(books, {
      now: new Date('2024-05-02T12:00:00Z'),
      snapshotRetentionMs: 1,
      minSnapshotsToKeep: 1,
    });

    expect(
      athenaMock.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.QueryString),
    ).toEqual([
      'OPTIMIZE library.`books` REWRITE DATA USING BIN_PACK',
      'VACUUM library.`books`',
      // Default retention 30 h: 24 h stream retention + 6 h. DELETE is Trino DML: double quotes.
      `DELETE FROM "library"."books__tombstones" WHERE "_deleted_at" < TIMESTAMP '2024-05-01 06:00:00.000000'`,
    ]);
    expect(result).toEqual({ optimized: true, queryIds: ['o', 'v', 't'] });
  });
});
