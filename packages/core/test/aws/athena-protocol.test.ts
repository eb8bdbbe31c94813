import { AthenaClient } from '@aws-sdk/client-athena';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { afterEach, describe, expect, test } from 'vitest';

import type { AthenaEngine } from '../../src/aws/athena-engine.js';
import { readJournal } from '../../src/merge/journal.js';
import { mergeTable } from '../../src/merge/merge-table.js';
import { streamObjectKey } from '../../src/staging/staging-key.js';
import { encodeStagingObject } from '../../src/staging/staging-object.js';
import { athenaEngineOnFake, FakeAthena } from '../support/fake-athena.js';
import type { FakeOutcome } from '../support/fake-athena.js';
import { freshStore } from '../support/local-aws.js';

// The merge protocol (mergeTable) driving the real AthenaEngine against DynamoDB Local (lease and
// journal) and s3rver (staging), with Athena replaced by FakeAthena, which follows the documented
// ClientRequestToken rules (support/fake-athena.ts cites them).

const aws = useLocalServices({ dynamodb: true });
let fake: FakeAthena | undefined;
afterEach(() => fake?.restore());

async function world(decide: (sql: string, index: number) => FakeOutcome) {
  const { bucket, controlTable, s3, keys } = await freshStore(aws, 'athena');
  const dynamodb = aws.dynamodb;
  fake = new FakeAthena((q, i) => decide(q.sql, i));
  const engineFor = (database: string): AthenaEngine =>
    athenaEngineOnFake({ database, table: 'books', stagingBucket: bucket });
  const key = streamObjectKey({
    table: 'books',
    shardId: 'shard-1',
    firstSequenceNumber: '100',
    lastSequenceNumber: '100',
    firstEventTime: new Date('2024-05-01T11:59:00Z'),
  });
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: encodeStagingObject([
        {
          id: 'k1',
          name: 'v1',
          author: null,
          summary: null,
          published_at: null,
          _op: 'upsert',
          _seq: '100'.padStart(40, '0'),
          _event_time: '2024-05-01 11:59:00.000000',
          _source: 'stream',
        },
      ]),
    }),
  );
  let run = 0;
  const merge = (engine: AthenaEngine, deadlineMs = 600_000) =>
    mergeTable(
      { s3, dynamodb, engine, clock: { now: () => new Date() } },
      {
        table: books,
        bucket,
        controlTable,
        owner: `run-${++run}`,
        deadline: new Date(Date.now() + deadlineMs),
        minBatchBudgetMs: 0,
        database: 'library',
      },
    );
  const staged = (): Promise<string[]> => keys();
  return { fake, engineFor, merge, staged, journal: () => readJournal(aws.dynamodb, controlTable, 'books') };
}

/** The main MERGE (statement 2 of a batch), not the tombstone MERGE that precedes it. */
const isMerge = (sql: string): boolean => /^MERGE INTO "[a-z0-9_]+"\."books" AS t/.test(sql);
const merges = (f: FakeAthena) => f.queries.filter((q) => isMerge(q.sql));

describe('Athena tokens under the merge protocol', () => {
  test.each(['CANCELLED', 'FAILED'] as const)(
    'a MERGE that ended %s does not come back on every later run: the replay starts a new query',
    async (state) => {
      // Arrange: the first MERGE ends without success (the workgroup's bytes cutoff cancels it, or a
      // non-retryable failure); every later query succeeds.
      let count = 0;
      const w = await world((sql) =>
        isMerge(sql) && ++count === 1
          ? { state, reason: 'Query exhausted resources: bytes scanned limit was exceeded' }
          : { state: 'SUCCEEDED' },
      );
      await expect(w.merge(w.engineFor('library'))).rejects.toThrow();
      expect((await w.journal())?.state).toBe('merging');

      // Act: the next scheduled run replays the journal's batch.
      const report = await w.merge(w.engineFor('library'));

      // Assert: a second MERGE query was created and succeeded; the batch is committed and cleaned.
      expect(report.batches.map((b) => b.replay)).toEqual([true]);
      expect(merges(w.fake).map((q) => q.state)).toEqual([state, 'SUCCEEDED']);
      expect(await w.journal()).toBeUndefined();
      expect(await w.staged()).toEqual([]);
    },
  );

  test('a replay whose MERGE text changed (a deploy between crash and replay) runs the new statement', async () => {
    // Arrange: run 1's MERGE is stopped at its deadline (a merger timing out).
    let count = 0;
    const w = await world((sql) =>
      isMerge(sql) && ++count === 1 ? { state: 'RUNNING' } : { state: 'SUCCEEDED' },
    );
    await expect(w.merge(w.engineFor('library'), 3000)).rejects.toThrow(/cancelled/);

    // Act: the next run renders another statement for the same batch (here: another database).
    const report = await w.merge(w.engineFor('library_v2'));

    // Assert
    expect(report.batches).toHaveLength(1);
    const main = merges(w.fake);
    expect(main.map((q) => q.state)).toEqual(['CANCELLED', 'SUCCEEDED']);
    expect(main[1]!.sql).toContain('"library_v2"."books"');
    expect(await w.staged()).toEqual([]);
  });

  test('a StartQueryExecution retried after a lost response creates no second query', async () => {
    // Arrange: the first StartQueryExecution reaches Athena (the query is created) but its
    // response is lost (TimeoutError); the SDK call fails.
    const w = await world(() => ({ state: 'SUCCEEDED' }));
    const athena = new AthenaClient({ region: 'us-east-1' });
    let lost = false;
    const engine = athenaEngineOnFake({
      database: 'library',
      table: 'books',
      stagingBucket: 'lake',
      athena: {
        send: async (command: Parameters<AthenaClient['send']>[0]) => {
          const out = await athena.send(command);
          if (!lost && command.constructor.name === 'StartQueryExecutionCommand') {
            lost = true;
            throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
          }
          return out;
        },
      } as unknown as AthenaClient,
    });

    // Act
    const report = await w.merge(engine);

    // Assert: one MERGE query in Athena, the batch merged.
    expect(report.batches).toHaveLength(1);
    expect(merges(w.fake)).toHaveLength(1);
    expect(await w.staged()).toEqual([]);
  });

  test('a dead attempt is raised in the journal before the next query of the batch starts', async () => {
    // Arrange: ICEBERG_COMMIT_ERROR twice (retried by the engine), then success.
    let count = 0;
    const w = await world((sql) =>
      isMerge(sql) && ++count <= 2
        ? { state: 'FAILED', reason: 'ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update' }
        : { state: 'SUCCEEDED' },
    );
    const seen: (number | undefined)[] = [];
    const engine = w.engineFor('library');
    const start = engine.execute.bind(engine);
    engine.execute = async (sql, signal, identity) => {
      seen.push(identity?.attempt?.current);
      return start(sql, signal, identity);
    };

    // Act
    await w.merge(engine);

    // Assert: three distinct tokens, all well inside Athena's 32-128 characters.
    const tokens = merges(w.fake).map((q) => q.token!);
    expect(new Set(tokens).size).toBe(3);
    for (const t of tokens) expect(t.length).toBeGreaterThanOrEqual(32);
    // Both statements of the batch started at the journal's attempt 1.
    expect(seen).toEqual([1, 1]);
  });
});
