import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { books } from '@ddb-athena-sync/schemas/tables';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

import { beginBackfill, endBackfill, readBackfillGuard } from '../../src/merge/backfill-guard.js';
import { readJournal } from '../../src/merge/journal.js';
import { BackfillInProgressError } from '../../src/merge/merge-errors.js';
import { acquireLease } from '../../src/merge/lease.js';
import { mergeTable } from '../../src/merge/merge-table.js';
import type { MergeRunOptions, MergeStep } from '../../src/merge/merge-table.js';
import { backfillObjectKey, streamObjectKey } from '../../src/staging/staging-key.js';
import { encodeStagingObject } from '../../src/staging/staging-object.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import { DuckDbTestEngine } from './duckdb-test-engine.js';

// Protocol tests on real local services: s3rver for staging, DynamoDB Local for the control table,
// and an engine that runs the DuckDB dialect's MERGE on a real DuckDB.

let s3Local: S3Local;
let ddbLocal: DynamoDbLocal;
let dynamodb: DynamoDBClient;
let counter = 0;

beforeAll(async () => {
  [s3Local, ddbLocal] = await Promise.all([startS3Local(), startDynamoDbLocal()]);
  dynamodb = localDynamoDbClient(ddbLocal.endpoint);
});
afterAll(async () => {
  await Promise.all([s3Local?.stop(), ddbLocal?.stop()]);
});

class Crash extends Error {}

/** One isolated world per test: its own bucket, control table, DuckDB, oracle and delete guard. */
async function world() {
  const n = ++counter;
  const bucket = `lake-${n}`;
  const controlTable = `control_${n}`;
  const s3: S3Client = localS3Client(s3Local.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await dynamodb.send(
    new CreateTableCommand({
      TableName: controlTable,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  const engine = await DuckDbTestEngine.create(s3);
  await engine.ensureTable(books);
  const committed = new Set<string>();
  const earlyDeletes: string[] = [];
  // The invariant "no staged object is deleted before its batch committed", checked on every
  // DeleteObject request before it leaves the client.
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'DeleteObjectCommand') {
        const key = (args.input as { Key: string }).Key;
        if (!committed.has(key)) earlyDeletes.push(key);
      }
      return next(args);
    },
    { step: 'initialize', name: 'deleteGuard' },
  );
  const merge = engine.merge.bind(engine);
  engine.merge = async (batch, signal) => {
    const result = await merge(batch, signal);
    for (const o of batch.objects) committed.add(o.key);
    return result;
  };

  const oracle = new Map<string, string>();
  let seq = 0;
  const now = { t: Date.parse('2024-05-01T12:00:00Z') };
  const clock = { now: () => new Date(now.t) };

  /** Stages one stream batch (one object) and applies it to the oracle. */
  const stage = async (changes: readonly [id: string, op: 'upsert' | 'delete'][]): Promise<string> => {
    const rows: StagingRow[] = changes.map(([id, op]) => {
      const s = ++seq;
      if (op === 'delete') oracle.delete(id);
      else oracle.set(id, `v${s}`);
      return {
        id,
        name: op === 'delete' ? null : `v${s}`,
        author: null,
        summary: null,
        published_at: null,
        _op: op,
        _seq: String(s).padStart(40, '0'),
        _event_time: '2024-05-01 11:59:00.000000',
        _source: 'stream',
      };
    });
    const key = streamObjectKey({
      table: 'books',
      shardId: 'shardId-1',
      firstSequenceNumber: rows[0]!._seq,
      lastSequenceNumber: rows.at(-1)!._seq,
      firstEventTime: new Date('2024-05-01T11:59:00Z'),
    });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: encodeStagingObject(rows) }));
    return key;
  };

  /** Stages one backfill object: the scanned state of `ids`, at `_seq` 0 (the oracle is unchanged: a scan only repeats state). */
  const stageBackfill = async (runId: string, part: number, ids: readonly string[]): Promise<void> => {
    const rows: StagingRow[] = ids.map((id) => ({
      id,
      name: `scanned-${id}`,
      author: null,
      summary: null,
      published_at: null,
      _op: 'upsert',
      _seq: '0'.repeat(40),
      _event_time: '2024-05-01 11:58:00.000000',
      _source: 'backfill',
    }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: backfillObjectKey({ table: 'books', runId, segment: 0, part }),
        Body: encodeStagingObject(rows),
      }),
    );
  };

  const options = (owner: string, extra: Partial<MergeRunOptions> = {}): MergeRunOptions => ({
    table: books,
    bucket,
    controlTable,
    owner,
    deadline: new Date(now.t + 600_000),
    limits: { maxFiles: 2, maxBytes: 1e9, maxQueryBytes: 262_144 },
    ...extra,
  });

  const staged = async (): Promise<string[]> =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!);
  const expected = (): Record<string, unknown>[] =>
    [...oracle.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, name]) => ({ id, name }));
  const table = async (): Promise<Record<string, unknown>[]> =>
    (await engine.rows('books')).map(({ id, name }) => ({ id, name }));

  return {
    s3,
    bucket,
    controlTable,
    engine,
    clock,
    now,
    stage,
    stageBackfill,
    options,
    staged,
    expected,
    table,
    earlyDeletes,
    deps: { s3, dynamodb, engine, clock },
  };
}

describe('merge protocol', () => {
  test.each<MergeStep>([
    'leased',
    'journaled-merging',
    'merged',
    'journaled-committed',
    'object-deleted',
    'cleaned',
  ])(
    'a crash at "%s", with objects arriving during the merge, loses and resurrects nothing',
    async (crashAt) => {
      // Arrange: five staged objects; k1 is upserted early and deleted by an object that arrives
      // while the first batch is merging (the resurrection bait if batch 1 were replayed later).
      const w = await world();
      await w.stage([
        ['k1', 'upsert'],
        ['k2', 'upsert'],
      ]);
      await w.stage([
        ['k3', 'upsert'],
        ['k2', 'upsert'],
      ]);
      await w.stage([
        ['k4', 'upsert'],
        ['k3', 'delete'],
      ]);
      await w.stage([['k5', 'upsert']]);
      await w.stage([
        ['k4', 'upsert'],
        ['k1', 'upsert'],
      ]);
      let arrived = false;
      const arrive = async (step: MergeStep): Promise<void> => {
        if (step === 'journaled-merging' && !arrived) {
          arrived = true;
          await w.stage([
            ['k1', 'delete'],
            ['k6', 'upsert'],
          ]);
          await w.stage([['k2', 'delete']]);
        }
      };
      const onStep = async (step: MergeStep): Promise<void> => {
        await arrive(step);
        if (step === crashAt) throw new Crash(step);
      };

      // Act: run 1 crashes; later runs (after the lease expired) finish the work.
      await expect(w.deps && mergeTable(w.deps, w.options('run-1', { onStep }))).rejects.toBeInstanceOf(
        Crash,
      );
      const afterCrash = await w.staged();
      for (let run = 2; run < 8 && (await w.staged()).length > 0; run++) {
        w.now.t += 20 * 60_000;
        const report = await mergeTable(w.deps, w.options(`run-${run}`, { onStep: arrive }));
        expect(report.status).not.toBe('busy');
      }

      // Assert
      expect(afterCrash.length).toBeGreaterThan(0);
      expect(arrived).toBe(true);
      expect(await w.table()).toEqual(w.expected());
      expect(w.expected().map((r) => r.id)).not.toContain('k1');
      expect(await w.staged()).toEqual([]);
      expect(w.earlyDeletes).toEqual([]);
      expect(await readJournal(dynamodb, w.controlTable, 'books')).toBeUndefined();
    },
  );

  test('the hazard is real: replaying an older batch after a later delete resurrects the row', async () => {
    // Arrange: what the journal prevents, done by hand.
    const w = await world();
    const older = await w.stage([['k1', 'upsert']]);
    const newer = await w.stage([['k1', 'delete']]);
    const obj = (key: string) => ({ key, size: 1, lastModified: new Date(), source: 'stream' as const });

    // Act
    await w.engine.merge({ table: books, bucket: w.bucket, objects: [obj(older)] });
    await w.engine.merge({ table: books, bucket: w.bucket, objects: [obj(newer)] });
    await w.engine.merge({ table: books, bucket: w.bucket, objects: [obj(older)] });

    // Assert: the oracle check of the crash tests would catch it.
    expect(await w.table()).not.toEqual(w.expected());
  });

  test('two mergers started together: one works, one exits quietly', async () => {
    const w = await world();
    await w.stage([['a', 'upsert']]);
    await w.stage([['b', 'upsert']]);
    let release!: () => void;
    const loserDone = new Promise<void>((resolve) => (release = resolve));
    const hold = async (step: MergeStep): Promise<void> => {
      if (step === 'leased') await loserDone;
    };

    const settle = <T>(p: Promise<T>): Promise<T> => p.finally(() => release());
    const [one, two] = await Promise.all([
      settle(mergeTable(w.deps, w.options('one', { onStep: hold }))),
      settle(mergeTable(w.deps, w.options('two', { onStep: hold }))),
    ]);

    expect([one.status, two.status].sort()).toEqual(['busy', 'drained']);
    expect((one.status === 'busy' ? one : two).batches).toEqual([]);
    expect(await w.table()).toEqual(w.expected());
  });

  test('an expired lease is taken over, a live one is not', async () => {
    const w = await world();
    await w.stage([['a', 'upsert']]);
    await acquireLease(dynamodb, {
      controlTable: w.controlTable,
      table: 'books',
      owner: 'dead-merger',
      now: w.clock.now(),
      durationMs: 60_000,
    });

    w.now.t += 30_000;
    const whileLive = await mergeTable(w.deps, w.options('next'));
    w.now.t += 31_000;
    const afterExpiry = await mergeTable(w.deps, w.options('next'));

    expect(whileLive.status).toBe('busy');
    expect(afterExpiry.status).toBe('drained');
    expect(await w.table()).toEqual(w.expected());
  });

  test('an empty staging prefix runs no query', async () => {
    const w = await world();
    const report = await mergeTable(w.deps, w.options('only'));
    expect(report).toMatchObject({ status: 'drained', batches: [], backlog: 0 });
    expect(w.engine.merges).toEqual([]);
  });

  test('a backlog larger than one batch drains in several batches, stopping when the budget runs out', async () => {
    const w = await world();
    for (let i = 0; i < 5; i++) await w.stage([[`k${i}`, 'upsert']]);

    const report = await mergeTable(w.deps, w.options('one'));
    w.now.t += 1000;
    await w.stage([['late', 'upsert']]);
    const starved = await mergeTable(w.deps, w.options('two', { deadline: new Date(w.now.t + 1000) }));

    expect(report.batches.map((b) => b.files)).toEqual([2, 2, 1]);
    expect(report.batches[0]!.rows).toBe(2);
    expect(report.batches[0]!.oldestEventTime).toEqual(new Date('2024-05-01T11:59:00Z'));
    expect(starved).toMatchObject({ status: 'budget-exhausted', backlog: 1, batches: [] });
  });

  test('a budget too small for one batch still reports the oldest staged age and what it left', async () => {
    // Arrange: one object staged a minute "ago" (s3rver's LastModified is the real time).
    const w = await world();
    await w.stage([['k1', 'upsert']]);
    w.now.t = Date.now() + 60_000;

    // Act: 20 s left, a batch needs 30 s (a merger timeout of 40 s minus the 20 s safety margin).
    const report = await mergeTable(w.deps, w.options('short', { deadline: new Date(w.now.t + 20_000) }));

    // Assert
    expect(report).toMatchObject({
      status: 'budget-exhausted',
      batches: [],
      backlog: 1,
      notMerged: { reason: 'budget', objects: 1 },
    });
    expect(report.oldestStagedObjectAgeMs).toBeGreaterThanOrEqual(59_000);
  });

  test('a held backfill guard reports the held objects and their age, not "drained" with 0', async () => {
    // Arrange
    const w = await world();
    await w.stage([['k1', 'upsert']]);
    await w.stage([['k2', 'upsert']]);
    w.now.t = Date.now() + 60_000;
    await beginBackfill(dynamodb, {
      controlTable: w.controlTable,
      table: 'books',
      runId: 'held',
      now: w.clock.now,
    });

    // Act
    const report = await mergeTable(w.deps, w.options('held'));

    // Assert
    expect(report).toMatchObject({
      status: 'held',
      batches: [],
      backlog: 2,
      notMerged: { reason: 'backfill-guard', objects: 2 },
    });
    expect(report.oldestStagedObjectAgeMs).toBeGreaterThanOrEqual(59_000);
  });

  describe('backfill guard', () => {
    /**
     * The race: the Scan reads k1, then a stream delete of k1 is merged, then the scanned row of k1
     * (seq 0) is staged and merged: it matches nothing and is inserted again.
     */
    async function race(guarded: boolean) {
      const w = await world();
      await w.stage([['k1', 'upsert']]);
      await mergeTable(w.deps, w.options('before'));
      const guard = { controlTable: w.controlTable, table: 'books', runId: 'run-1', now: w.clock.now };
      if (guarded) await beginBackfill(dynamodb, guard);
      // The Scan has read k1; meanwhile k1 is deleted and a merger runs.
      await w.stage([['k1', 'delete']]);
      const during = await mergeTable(w.deps, w.options('during'));
      await w.stageBackfill('run-1', 0, ['k1']);
      if (guarded) await endBackfill(dynamodb, guard);
      await mergeTable(w.deps, w.options('after'));
      return { w, during };
    }

    test('holds stream objects back while the Scan runs, so a delete made during it sticks', async () => {
      const { w, during } = await race(true);
      expect(during.batches).toEqual([]);
      expect(await w.table()).toEqual([]);
      expect(await w.staged()).toEqual([]);
    });

    test('without it the same interleaving resurrects the deleted row (why the guard exists)', async () => {
      const { w } = await race(false);
      expect(await w.table()).toEqual([{ id: 'k1', name: 'scanned-k1' }]);
    });

    test('a guard nobody heart-beats expires: the merger treats it as released and reports it', async () => {
      // Arrange: a backfill that died (no heartbeat) left its guard; a stream object waits.
      const w = await world();
      await w.stage([['k1', 'upsert']]);
      await beginBackfill(dynamodb, {
        controlTable: w.controlTable,
        table: 'books',
        runId: 'dead',
        now: w.clock.now,
        ttlMs: 60_000,
      });
      const held = await mergeTable(w.deps, w.options('before-expiry'));

      // Act: two minutes later, with no heartbeat.
      w.now.t += 120_000;
      const report = await mergeTable(w.deps, w.options('after-expiry'));

      // Assert
      expect(held).toMatchObject({ status: 'held', batches: [] });
      expect(report).toMatchObject({ status: 'drained', expiredBackfillRun: 'dead' });
      expect(await w.table()).toEqual(w.expected());
      expect(await readBackfillGuard(dynamodb, w.controlTable, 'books')).toBeUndefined();
    });

    test('merges backfill objects during the Scan, and allows one backfill at a time', async () => {
      const w = await world();
      const guard = { controlTable: w.controlTable, table: 'books', runId: 'run-a', now: w.clock.now };
      await beginBackfill(dynamodb, guard);
      await w.stageBackfill('run-a', 0, ['a', 'b']);
      await w.stage([['a', 'upsert']]);
      const report = await mergeTable(w.deps, w.options('m'));

      expect(report.batches.map((b) => b.files)).toEqual([1]);
      expect(await w.table()).toEqual([
        { id: 'a', name: 'scanned-a' },
        { id: 'b', name: 'scanned-b' },
      ]);
      await expect(beginBackfill(dynamodb, { ...guard, runId: 'run-b' })).rejects.toBeInstanceOf(
        BackfillInProgressError,
      );
      await endBackfill(dynamodb, guard);
      await mergeTable(w.deps, w.options('m2'));
      expect(await w.table()).toEqual([
        { id: 'a', name: w.expected().find((r) => r.id === 'a')!.name },
        { id: 'b', name: 'scanned-b' },
      ]);
    });
  });
});
