import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { beginBackfill } from '@ddb-athena-sync/core/merge/backfill-guard';
import type { MergeEngine } from '@ddb-athena-sync/core/merge/engine';
import { streamObjectKey } from '@ddb-athena-sync/core/staging/staging-key';
import { encodeStagingObject } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { createControlTable } from '@ddb-athena-sync/core/test-support/control-table';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, test, vi } from 'vitest';

import type { MergerDeps } from '../src/deps.js';
import { BadEventError, MergerRunError } from '../src/errors.js';
import { createHandler } from '../src/handler.js';
import { mergerTestConfig } from './support.js';

// The handler end to end on the local stand-ins: s3rver (staging), DynamoDB Local (control table)
// and the local lake (Iceberg on disk + DuckDB) as the engine.
const local = useLocalServices({ buckets: ['lake'], dynamodb: true });

beforeAll(async () => {
  await createControlTable(local.dynamodb, 'control');
});

const config = mergerTestConfig(books);
const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 300_000 });

describe('merger handler on the local lake', () => {
  test('merges staged objects, survives a crash after the MERGE, replays it alone, records metrics, then maintains', async () => {
    // Arrange
    const s3 = local.newS3Client();
    const lake = await Lake.open({ root: mkdtempSync(join(tmpdir(), 'merger-lake-')) });
    const real = new LocalLakeEngine({ lake, s3 });
    await real.ensureTable(books);
    let crashOnce = true;
    const engine: MergeEngine = {
      ensureTable: (t) => real.ensureTable(t),
      maintain: (t, o, s) => real.maintain(t, o, s),
      merge: async (batch, signal) => {
        const result = await real.merge(batch, signal);
        if (crashOnce) {
          crashOnce = false;
          throw new Error('crash after MERGE, before the journal says committed');
        }
        return result;
      },
    };
    const metrics = new Metrics({ namespace: 'DdbAthenaSync', defaultDimensions: { table: 'books' } });
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const now = { t: Date.parse('2024-05-01T12:00:00Z') };
    const deps: MergerDeps = {
      config,
      table: books,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics,
      engine,
      s3,
      dynamodb: local.dynamodb,
      clock: { now: () => new Date(now.t) },
    };
    const handler = createHandler(deps);
    let seq = 0;
    const stage = async (changes: [string, 'upsert' | 'delete'][]): Promise<void> => {
      const rows: StagingRow[] = changes.map(([id, op]) => ({
        id,
        name: op === 'upsert' ? `v${++seq}` : (++seq, null),
        author: null,
        summary: null,
        published_at: null,
        _op: op,
        _seq: String(seq).padStart(40, '0'),
        _event_time: '2024-05-01 11:58:00.000000',
        _source: 'stream',
      }));
      const key = streamObjectKey({
        table: 'books',
        shardId: 'shard-1',
        firstSequenceNumber: rows[0]!._seq,
        lastSequenceNumber: rows.at(-1)!._seq,
        firstEventTime: new Date('2024-05-01T11:58:00Z'),
      });
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: encodeStagingObject(rows) }));
    };
    await stage([
      ['a', 'upsert'],
      ['b', 'upsert'],
    ]);
    await stage([
      ['b', 'delete'],
      ['c', 'upsert'],
    ]);

    // Act
    const crashed = await handler({ table: 'books', action: 'merge' }, context('run-1')).catch(
      (e: unknown) => e,
    );
    await stage([['a', 'delete']]);
    now.t += 10 * 60_000;
    const second = await handler({ table: 'books', action: 'merge' }, context('run-2'));
    const maintained = await handler({ table: 'books', action: 'maintain' }, context('run-3'));

    // Assert
    expect(crashed).toBeInstanceOf(MergerRunError);
    expect((crashed as MergerRunError).message).toBe(
      'merge of table "books" failed: Error; the batch stays staged',
    );
    expect(((crashed as MergerRunError).cause as Error).message).toMatch(/crash after MERGE/);
    expect(second).toMatchObject({ status: 'drained', batches: 2, backlog: 0 });
    expect(maintained).toMatchObject({ status: 'done' });
    const db = await (await DuckDBInstance.create(':memory:')).connect();
    const rows = (
      await db.runAndReadAll(`SELECT id, name FROM (${await lake.scanSql('books')}) ORDER BY id`)
    ).getRowObjectsJson();
    expect(rows).toEqual([{ id: 'c', name: 'v4' }]);
    expect(
      (await s3.send(new ListObjectsV2Command({ Bucket: 'lake', Prefix: 'staging/' }))).Contents ?? [],
    ).toEqual([]);
    const names = added.mock.calls.map((c) => c[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'FilesMerged',
        'RowsMerged',
        'BytesMerged',
        'MergeDurationMs',
        'FreshnessLagMs',
        'OldestStagedObjectAgeMs',
      ]),
    );
    const lag = added.mock.calls.find((c) => c[0] === 'FreshnessLagMs')![2];
    expect(lag).toBe(now.t - Date.parse('2024-05-01T11:58:00Z'));
  });

  test('an empty run reports OldestStagedObjectAgeMs 0 and runs no query, so silence means the merger stopped', async () => {
    // Arrange: a control table of its own, so the first test's lease and journal do not matter.
    const dynamodb = local.dynamodb;
    await createControlTable(dynamodb, 'control_empty');
    const merges: unknown[] = [];
    const engine: MergeEngine = {
      ensureTable: () => Promise.resolve(),
      maintain: () => Promise.resolve({ optimized: false }),
      merge: (batch) => {
        merges.push(batch);
        return Promise.resolve({});
      },
    };
    const metrics = new Metrics({ namespace: 'DdbAthenaSync', defaultDimensions: { table: 'books' } });
    const added = vi.spyOn(metrics, 'addMetric');
    vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
    const handler = createHandler({
      config: { ...config, controlTable: 'control_empty', stagingPrefix: 'empty-staging/' },
      table: books,
      logger: new Logger({ logLevel: 'SILENT' }),
      metrics,
      engine,
      s3: local.newS3Client(),
      dynamodb,
      clock: { now: () => new Date() },
    });

    // Act
    const result = await handler({ table: 'books', action: 'merge' }, context('empty-1'));

    // Assert
    expect(result).toMatchObject({ status: 'drained', batches: 0 });
    expect(merges).toEqual([]);
    expect(added.mock.calls.map((c) => [c[0], c[2]])).toEqual([
      ['OldestStagedObjectAgeMs', 0],
      ['StagedNotMerged', 0],
      ['StagedNotMergedBackfillGuard', 0],
      ['StagedNotMergedBudget', 0],
      ['StagedObjectsQuarantined', 0],
      ['BackfillGuardExpired', 0],
    ]);
  });

  test.each(['budget', 'backfill-guard'] as const)(
    'staged objects held back (%s) publish their age and StagedNotMerged, not a quiet 0',
    async (reason) => {
      // Arrange: one staged object, and either 40 s left (a batch needs 30 s after the 20 s safety
      // margin) or a backfill guard set.
      const dynamodb = local.dynamodb;
      const controlTable = `control_held_${reason.replace('-', '_')}`;
      await createControlTable(dynamodb, controlTable);
      const s3 = local.newS3Client();
      const stagingPrefix = `held-${reason}/`;
      const key = streamObjectKey({
        table: 'books',
        shardId: 'shard-1',
        firstSequenceNumber: '1',
        lastSequenceNumber: '1',
        firstEventTime: new Date('2024-05-01T11:58:00Z'),
        prefix: stagingPrefix,
      });
      await s3.send(new PutObjectCommand({ Bucket: 'lake', Key: key, Body: encodeStagingObject([]) }));
      if (reason === 'backfill-guard')
        await beginBackfill(dynamodb, { controlTable, table: 'books', runId: 'held', now: () => new Date() });
      const metrics = new Metrics({ namespace: 'DdbAthenaSync', defaultDimensions: { table: 'books' } });
      const added = vi.spyOn(metrics, 'addMetric');
      vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => metrics);
      const later = Date.now() + 120_000;
      const handler = createHandler({
        config: { ...config, controlTable, stagingPrefix },
        table: books,
        logger: new Logger({ logLevel: 'SILENT' }),
        metrics,
        engine: {
          ensureTable: () => Promise.resolve(),
          maintain: () => Promise.resolve({ optimized: false }),
          merge: () => Promise.reject(new Error('no batch may start')),
        },
        s3,
        dynamodb,
        clock: { now: () => new Date(later) },
      });

      // Act
      const result = await handler(
        { table: 'books', action: 'merge' },
        { awsRequestId: 'held', getRemainingTimeInMillis: () => (reason === 'budget' ? 40_000 : 300_000) },
      );

      // Assert
      expect(result).toMatchObject({ batches: 0, backlog: 1 });
      const value = (name: string): unknown => added.mock.calls.find((c) => c[0] === name)?.[2];
      expect(value('OldestStagedObjectAgeMs')).toBeGreaterThanOrEqual(110_000);
      expect(value('StagedNotMerged')).toBe(1);
      expect(value(reason === 'budget' ? 'StagedNotMergedBudget' : 'StagedNotMergedBackfillGuard')).toBe(1);
    },
  );

  test('a malformed event or another table is a BadEventError', async () => {
    const handler = createHandler({ config, table: books } as MergerDeps);
    await expect(handler({ table: 'books', action: 'drop' }, context('x'))).rejects.toBeInstanceOf(
      BadEventError,
    );
    await expect(handler({ table: 'orders', action: 'merge' }, context('x'))).rejects.toBeInstanceOf(
      BadEventError,
    );
  });
});
