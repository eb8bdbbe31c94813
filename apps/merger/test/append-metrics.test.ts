import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { streamObjectKey } from '@ddb-athena-sync/core/staging/staging-key';
import { encodeStagingObject, stagingMetadata } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { createControlTable } from '@ddb-athena-sync/core/test-support/control-table';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { booksInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, test, vi } from 'vitest';

import { createHandler } from '../src/handler.js';
import { mergerTestConfig } from './support.js';

// The append-mode metrics the merger publishes (handler.ts: StagedObjectsCompacted and
// CompactedObjectsWritten, documented in docs/OPERATIONS.md) from a real run: 70 one-row staged
// objects on s3rver, above the merger's default compaction threshold of 64, compacted under the
// journal in DynamoDB Local and appended into the local lake.
const books = parseDeclaration({ ...booksInput, mode: 'append' });
const STAGED = 70;

const local = useLocalServices({ buckets: ['lake'], dynamodb: true });

beforeAll(async () => {
  await createControlTable(local.dynamodb, 'control');
});

describe('merger handler on an append table', () => {
  test('compacts 70 small staged objects into one, appends every row once and publishes the compaction counts', async () => {
    // Arrange: one insert per staged object, as a stream-writer batch of one record stages it.
    const s3 = local.newS3Client();
    const lake = await Lake.open({ root: mkdtempSync(join(tmpdir(), 'merger-append-')) });
    const engine = new LocalLakeEngine({ lake, s3 });
    await engine.ensureTable(books);
    for (let i = 1; i <= STAGED; i += 1) {
      const seq = String(i).padStart(40, '0');
      const row: StagingRow = {
        id: `b-${String(i).padStart(3, '0')}`,
        name: `v${String(i)}`,
        author: null,
        summary: null,
        published_at: null,
        _op: 'upsert',
        _seq: seq,
        _event_time: '2024-05-01 11:58:00.000000',
        _source: 'stream',
      };
      const key = streamObjectKey({
        table: 'books',
        shardId: 'shard-1',
        firstSequenceNumber: seq,
        lastSequenceNumber: seq,
        firstEventTime: new Date('2024-05-01T11:58:00Z'),
      });
      await s3.send(
        new PutObjectCommand({
          Bucket: 'lake',
          Key: key,
          Body: encodeStagingObject([row]),
          Metadata: stagingMetadata([row]),
        }),
      );
    }
    const metrics = new Metrics({ namespace: 'DdbAthenaSync', defaultDimensions: { table: 'books' } });
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = createHandler({
      config: mergerTestConfig(books),
      table: books,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics,
      engine,
      s3,
      dynamodb: local.dynamodb,
      clock: { now: () => new Date('2024-05-01T12:00:00Z') },
    });

    // Act
    const result = await handler(
      { table: 'books', action: 'merge' },
      { awsRequestId: 'append-1', getRemainingTimeInMillis: () => 300_000 },
    );

    // Assert
    expect(result).toMatchObject({ status: 'drained', backlog: 0 });
    const values = (name: string): unknown[] =>
      added.mock.calls.filter((c) => c[0] === name).map((c) => c[2]);
    expect(values('StagedObjectsCompacted')).toEqual([STAGED]);
    expect(values('CompactedObjectsWritten')).toEqual([1]);
    // The append read the one compacted object, not the 70 small ones.
    expect(values('FilesMerged')).toEqual([1]);
    expect(values('RowsMerged')).toEqual([STAGED]);
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const counted = (
      await db.runAndReadAll(
        `SELECT count(*)::INTEGER AS n, count(DISTINCT id)::INTEGER AS ids FROM (${await lake.scanSql('books')})`,
      )
    ).getRowObjectsJson();
    expect(counted).toEqual([{ n: STAGED, ids: STAGED }]);
    const left = await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'staging/' }));
    expect(left.Contents ?? []).toEqual([]);
    s3.destroy();
  });
});
