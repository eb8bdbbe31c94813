import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { afterEach, describe, expect, test } from 'vitest';

import { mergeTable } from '../../src/merge/merge-table.js';
import type { MergeStep } from '../../src/merge/merge-table.js';
import { streamObjectKey } from '../../src/staging/staging-key.js';
import { encodeStagingObject } from '../../src/staging/staging-object.js';
import { athenaEngineOnFake, FakeAthena } from '../support/fake-athena.js';
import { freshStore } from '../support/local-aws.js';

// Mode append under the merge protocol: the real AthenaEngine and mergeTable against DynamoDB Local
// (lease, journal) and s3rver (staging), Athena replaced by FakeAthena (its ClientRequestToken rules
// are the Athena API reference's, support/fake-athena.ts). That the statement itself never
// duplicates a row is shown where SQL runs: DuckDB (sql/render-append.test.ts), Trino
// (packages/athena-local) and the local lake.

const { firehose: _firehose, ...ordersRest } = ordersInput;
const orders = parseDeclaration({ ...ordersRest, mode: 'append' });

const aws = useLocalServices({ dynamodb: true });
let fake: FakeAthena | undefined;
afterEach(() => fake?.restore());

async function world() {
  const { bucket, controlTable, s3, keys } = await freshStore(aws, 'append');
  const dynamodb = aws.dynamodb;
  fake = new FakeAthena(() => ({ state: 'SUCCEEDED' }));
  const engine = athenaEngineOnFake({ database: 'shop', table: 'orders', stagingBucket: bucket });
  for (const seq of ['100', '200']) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: streamObjectKey({
          table: 'orders',
          shardId: 'shard-1',
          firstSequenceNumber: seq,
          lastSequenceNumber: seq,
          firstEventTime: new Date('2026-12-01T10:00:00Z'),
        }),
        Body: encodeStagingObject([
          {
            id: `o${seq}`,
            customer_id: 'c',
            created_at: '2026-12-01 10:00:00.000000',
            total: '1.00',
            currency: 'EUR',
            status: 'new',
            line_items: null,
            _extra: null,
            _op: 'upsert',
            _seq: seq.padStart(40, '0'),
            _event_time: '2026-12-01 10:00:00.000000',
            _source: 'stream',
          },
        ]),
      }),
    );
  }
  let run = 0;
  const merge = (crashAt?: MergeStep) =>
    mergeTable(
      { s3, dynamodb, engine, clock: { now: () => new Date() } },
      {
        table: orders,
        bucket,
        controlTable,
        owner: `run-${++run}`,
        deadline: new Date(Date.now() + 600_000),
        minBatchBudgetMs: 0,
        database: 'shop',
        onStep: (step) => {
          if (step === crashAt) throw new Error(`crash at ${step}`);
        },
      },
    );
  const staged = (): Promise<string[]> => keys();
  return { fake, engine, merge, staged };
}

describe('mode append on the Athena engine', () => {
  test('one insert-only statement per batch, no tombstones, and a replay after a crash starts no second query', async () => {
    // Arrange: the first run's append succeeds in Athena, then the merger dies before the journal
    // says committed (the batch stays `merging`).
    const w = await world();
    await expect(w.merge('merged')).rejects.toThrow('crash at merged');

    // Act: the next run replays the journal's batch.
    const report = await w.merge();

    // Assert
    expect(report.batches.map((b) => [b.replay, b.files])).toEqual([[true, 2]]);
    const queries = w.fake.queries;
    expect(queries).toHaveLength(1);
    expect(queries[0]!.sql).toMatch(/^MERGE INTO "shop"\."orders" AS t\n/);
    expect(queries[0]!.sql).toContain('WHEN NOT MATCHED THEN INSERT');
    expect(queries[0]!.sql).not.toContain('WHEN MATCHED');
    expect(queries.some((q) => q.sql.includes('tombstones'))).toBe(false);
    expect(await w.staged()).toEqual([]);
  });

  test('ensureTable creates the table and its staging table, no tombstone table; maintenance drops no tombstones', async () => {
    const w = await world();

    await w.engine.ensureTable(orders);
    const result = await w.engine.maintain(orders, {
      now: new Date(),
      snapshotRetentionMs: 1,
      minSnapshotsToKeep: 1,
    });

    const sql = w.fake.queries.map((q) => q.sql);
    expect(sql).toHaveLength(4);
    expect(sql.some((q) => q.includes('tombstones'))).toBe(false);
    expect(result.queryIds).toHaveLength(2);
  });
});
