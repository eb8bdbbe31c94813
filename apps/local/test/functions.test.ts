import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { ConfigError as FirehoseTransformConfigError } from '@ddb-athena-sync/firehose-transform/errors';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import type { FunctionContext } from '@ddb-athena-sync/local-stack/pipeline-functions';
import { ConfigError as MergerConfigError } from '@ddb-athena-sync/merger/errors';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books, orders, tables } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { ConfigError as StreamWriterConfigError } from '@ddb-athena-sync/stream-writer/errors';
import { describe, expect, it } from 'vitest';

import { buildFunctions } from '../src/functions.js';

// Building a handler touches no client (they are used per invocation), so placeholders do here; the
// e2e tests run the same functions against DynamoDB Local, s3rver and the lake.
const context = (logLevel: string): FunctionContext => ({
  s3: {} as S3Client,
  ddb: {} as DynamoDBClient,
  lake: {} as Lake,
  bucket: 'ddb-athena-sync-local',
  s3Endpoint: 'http://127.0.0.1:4569',
  controlTable: 'ddb-athena-sync-control',
  logLevel,
  tables,
});

const problems = (act: () => unknown): readonly string[] => {
  try {
    act();
  } catch (error) {
    if (error instanceof Error && 'problems' in error) return error.problems as string[];
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('buildFunctions', () => {
  it("configures each handler through its app's own loadConfig", async () => {
    const functions = await buildFunctions(context('LOUD'));

    // The apps' loadConfig rejects what the Terraform modules would: a bad LOG_LEVEL, a table of the
    // other mode. Each error is the app's own ConfigError.
    expect(() => functions.streamWriter(books)).toThrow(StreamWriterConfigError);
    expect(() => functions.firehoseTransform(orders)).toThrow(FirehoseTransformConfigError);
    expect(() => functions.merger({ table: 'books', action: 'merge' })).toThrow(MergerConfigError);
    expect(problems(() => functions.streamWriter(orders)).map((p) => p.split(':')[0])).toEqual([
      'LOG_LEVEL',
      'TABLE_DECLARATION',
    ]);
    expect(
      problems(() => functions.merger({ table: 'orders', action: 'merge' })).map((p) => p.split(':')[0]),
    ).toEqual(['LOG_LEVEL', 'TABLE_DECLARATION']);
  });

  it('builds all three with the local values', async () => {
    const functions = await buildFunctions(context('SILENT'));

    expect(typeof functions.streamWriter(books)).toBe('function');
    expect(typeof functions.firehoseTransform(orders)).toBe('function');
    expect(() => functions.firehoseTransform(books)).toThrow(/merge mode/);
  });

  it("gives each function its table's declaration through the environment: any declared table, no built-in map", async () => {
    const authors = parseDeclaration({
      name: 'authors',
      dynamodb: { tableName: 'authors', partitionKey: 'id' },
      columns: [{ name: 'id', type: 'string' }],
      mode: 'merge',
    });
    const functions = await buildFunctions({ ...context('SILENT'), tables: new Map([['authors', authors]]) });

    expect(typeof functions.streamWriter(authors)).toBe('function');
    expect(() => functions.streamWriter(books)).toThrow(/unknown table "books" \(declared: authors\)/);
  });
});
