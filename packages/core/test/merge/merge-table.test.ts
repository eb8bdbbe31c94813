// Longer than 500 lines on purpose: every test here shares one DynamoDB Local and one s3rver (started
// once, about 10 s each on 2 cores); the protocol's cases are grouped by step below.
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { useLocalServices } from '@ddb-athena-sync/local-services/test-support/use-local-services';
import { describe, expect, test } from 'vitest';

import { beginBackfill, endBackfill, readBackfillGuard } from '../../src/merge/backfill-guard.js';
import { readJournal } from '../../src/merge/journal.js';
import { BackfillInProgressError } from '../../src/merge/merge-errors.js';
import { acquireLease } from '../../src/merge/lease.js';
import { mergeTable } from '../../src/merge/merge-table.js';
import type { MergeRunOptions, MergeStep } from '../../src/merge/merge-table.js';
import { backfillObjectKey, streamObjectKey } from '../../src/staging/staging-key.js';
import { encodeStagingObject, stagingMetadata } from '../../src/staging/staging-object.js';
import type { StagingRow } from '../../src/stream/change-row.js';
import type { DynamoDBStreamRecord } from '../../src/stream/decode-record.js';
import { stageStreamBatch } from '../../src/stream/stage-batch.js';
import type { ObjectStore } from '../../src/stream/stage-batch.js';
import { DuckDbTestEngine } from './duckdb-test-engine.js';
import type { DuckDbTestEngineOptions } from './duckdb-test-engine.js';
import { freshStore } from '../support/local-aws.js';

// Protocol tests on real local services: s3rver for staging, DynamoDB Local for the control table,
// and an engine that runs the DuckDB dialect's MERGE on a real DuckDB.

const aws = useLocalServices({ dynamodb: true });

class Crash extends Error {}

/** One isolated world per test: its own bucket, control table, DuckDB, oracle and delete guard. */
async function world(engineOptions: DuckDbTestEngineOptions = {}) {
  const { bucket, controlTable, s3, keys } = await freshStore(aws, 'lake');
  const dynamodb = aws.dynamodb;
  const engine = await DuckDbTestEngine.create(s3, engineOptions);
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
    // The metadata the stream-writer writes with every staged object (rows, oldest event time).
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: encodeStagingObject(rows),
        Metadata: stagingMetadata(rows),
      }),
    );
    return key;
  };

  /** Stages one backfill object: the scanned state of `ids`, at `_seq` 0 (the oracle is unchanged: a scan only repeats state). */
  const stageBackfill = async (
    runId: string,
    part: number,
    ids: readonly string[],
    scannedAt = '2024-05-01 11:58:00.000000',
  ): Promise<void> => {
    const rows: StagingRow[] = ids.map((id) => ({
      id,
      name: `scanned-${id}`,
      author: null,
      summary: null,
      published_at: null,
      _op: 'upsert',
      _seq: '0'.repeat(40),
      _event_time: scannedAt,
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

  const staged = (): Promise<string[]> => keys();
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
      expect(await readJournal(aws.dynamodb, w.controlTable, 'books')).toBeUndefined();
    },
  );

  test('the hazard is real without tombstones: replaying an older batch after a later delete resurrects the row', async () => {
    // Arrange: what tombstones (and the journal) prevent, done by hand on an engine without them.
    const w = await world({ tombstones: false });
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
    await acquireLease(aws.dynamodb, {
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

    // The protocol's own S3 client (the engine keeps its own): counts downloads.
    const protocolS3 = aws.newS3Client();
    let downloads = 0;
    protocolS3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'GetObjectCommand') downloads++;
        return next(args);
      },
      { step: 'initialize', name: 'countDownloads' },
    );
    const report = await mergeTable({ ...w.deps, s3: protocolS3 }, w.options('one'));
    w.now.t += 1000;
    await w.stage([['late', 'upsert']]);
    const starved = await mergeTable(w.deps, w.options('two', { deadline: new Date(w.now.t + 1000) }));

    expect(report.batches.map((b) => b.files)).toEqual([2, 2, 1]);
    // Rows and oldest event time come from the objects' staging metadata: nothing is downloaded.
    expect(report.batches[0]!.rows).toBe(2);
    expect(report.batches[0]!.oldestEventTime).toEqual(new Date('2024-05-01T11:59:00Z'));
    expect(downloads).toBe(0);
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
    await beginBackfill(aws.dynamodb, {
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

  test('an object the engine cannot read is found by bisection and quarantined; the rest merges', async () => {
    // Arrange: four staged objects, the third with a published_at that does not cast (it passes
    // the staging format check, only the engine finds out).
    const w = await world();
    await w.stage([['a', 'upsert']]);
    await w.stage([['b', 'upsert']]);
    const badKey = streamObjectKey({
      table: 'books',
      shardId: 'shard-bad',
      firstSequenceNumber: '500',
      lastSequenceNumber: '500',
      firstEventTime: new Date('2024-05-01T11:59:00Z'),
    });
    await w.s3.send(
      new PutObjectCommand({
        Bucket: w.bucket,
        Key: badKey,
        Body: encodeStagingObject([
          {
            id: 'x',
            name: 'secret-value',
            author: null,
            summary: null,
            published_at: 'not a timestamp',
            _op: 'upsert',
            _seq: '500'.padStart(40, '0'),
            _event_time: '2024-05-01 11:59:00.000000',
            _source: 'stream',
          },
        ]),
      }),
    );
    await w.stage([['c', 'upsert']]);

    // Act
    const report = await mergeTable(
      w.deps,
      w.options('m', { limits: { maxFiles: 10, maxBytes: 1e9, maxQueryBytes: 262_144 } }),
    );
    const next = await mergeTable(w.deps, w.options('m2'));

    // Assert: a, b, c merged; the bad object moved to quarantine with the engine's reason.
    expect(await w.table()).toEqual(w.expected());
    const target = `quarantine/books/unreadable/${badKey.slice('staging/books/'.length)}`;
    expect(report.quarantined).toEqual([{ key: badKey, quarantineKey: target }]);
    expect((await w.staged()).sort()).toEqual([target, `${target}.reason.json`]);
    const reason = JSON.parse(
      await (
        await w.s3.send(new GetObjectCommand({ Bucket: w.bucket, Key: `${target}.reason.json` }))
      ).Body!.transformToString(),
    ) as { error: { message: string } };
    expect(reason.error.message).toMatch(/^Conversion Error/);
    expect(next).toMatchObject({ status: 'drained', backlog: 0 });
  });

  describe('backfill repair', () => {
    test('a stale lake row converges to the scanned state; later stream changes still win', async () => {
      // Arrange: k1 and k2 merged from the stream (event time 11:59); then the lake row of k1 goes
      // stale (a change lost before this product ran, a column added later): DynamoDB holds
      // "scanned-k1" but the lake keeps the old value.
      const w = await world();
      await w.stage([
        ['k1', 'upsert'],
        ['k2', 'upsert'],
      ]);
      await mergeTable(w.deps, w.options('stream'));
      await w.engine.db.run(`UPDATE lake.books SET name = 'stale' WHERE id = 'k1'`);

      // Act: a backfill scans the table at 12:00 (after the last change), then a new stream change.
      await w.stageBackfill('repair', 0, ['k1'], '2024-05-01 12:00:00.000000');
      await mergeTable(w.deps, w.options('backfill'));
      const repaired = await w.table();
      await w.stage([['k1', 'upsert']]);
      await mergeTable(w.deps, w.options('after'));

      // Assert
      expect(repaired).toEqual([
        { id: 'k1', name: 'scanned-k1' },
        { id: 'k2', name: w.expected().find((r) => r.id === 'k2')!.name },
      ]);
      expect(await w.table()).toEqual(w.expected());
    });

    test('a backfill row never overrides a stream change newer than the Scan', async () => {
      // Arrange: the lake row's last change (11:59) is newer than the scan (11:58).
      const w = await world();
      await w.stage([['k1', 'upsert']]);
      await mergeTable(w.deps, w.options('stream'));

      // Act
      await w.stageBackfill('old-scan', 0, ['k1'], '2024-05-01 11:58:00.000000');
      await mergeTable(w.deps, w.options('backfill'));

      // Assert
      expect(await w.table()).toEqual(w.expected());
    });
  });

  describe('backfill guard', () => {
    /**
     * The race: the Scan reads k1, then a stream delete of k1 is merged, then the scanned row of k1
     * (seq 0) is staged and merged: it matches nothing and is inserted again.
     */
    async function race(guarded: boolean, engineOptions: DuckDbTestEngineOptions = {}) {
      const w = await world(engineOptions);
      await w.stage([['k1', 'upsert']]);
      await mergeTable(w.deps, w.options('before'));
      const guard = { controlTable: w.controlTable, table: 'books', runId: 'run-1', now: w.clock.now };
      if (guarded) await beginBackfill(aws.dynamodb, guard);
      // The Scan has read k1; meanwhile k1 is deleted and a merger runs.
      await w.stage([['k1', 'delete']]);
      const during = await mergeTable(w.deps, w.options('during'));
      await w.stageBackfill('run-1', 0, ['k1']);
      if (guarded) await endBackfill(aws.dynamodb, guard);
      await mergeTable(w.deps, w.options('after'));
      return { w, during };
    }

    test('holds stream objects back while the Scan runs, so a delete made during it sticks', async () => {
      const { w, during } = await race(true);
      expect(during.batches).toEqual([]);
      expect(await w.table()).toEqual([]);
      expect(await w.staged()).toEqual([]);
    });

    test('without it (and without tombstones) the same interleaving resurrects the deleted row', async () => {
      const { w } = await race(false, { tombstones: false });
      expect(await w.table()).toEqual([{ id: 'k1', name: 'scanned-k1' }]);
    });

    test('without the guard, the tombstone alone keeps the deleted row deleted (a guard that expired)', async () => {
      const { w } = await race(false);
      expect(await w.table()).toEqual([]);
      expect(
        w.engine.history.every((rows) => !rows.some((r) => r.id === 'k1' && r.name === 'scanned-k1')),
      ).toBe(true);
    });

    test('a guard nobody heart-beats expires: the merger treats it as released and reports it', async () => {
      // Arrange: a backfill that died (no heartbeat) left its guard; a stream object waits.
      const w = await world();
      await w.stage([['k1', 'upsert']]);
      await beginBackfill(aws.dynamodb, {
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
      expect(await readBackfillGuard(aws.dynamodb, w.controlTable, 'books')).toBeUndefined();
    });

    test('merges backfill objects during the Scan, and allows one backfill at a time', async () => {
      const w = await world();
      const guard = { controlTable: w.controlTable, table: 'books', runId: 'run-a', now: w.clock.now };
      await beginBackfill(aws.dynamodb, guard);
      await w.stageBackfill('run-a', 0, ['a', 'b']);
      await w.stage([['a', 'upsert']]);
      const report = await mergeTable(w.deps, w.options('m'));

      expect(report.batches.map((b) => b.files)).toEqual([1]);
      expect(await w.table()).toEqual([
        { id: 'a', name: 'scanned-a' },
        { id: 'b', name: 'scanned-b' },
      ]);
      await expect(beginBackfill(aws.dynamodb, { ...guard, runId: 'run-b' })).rejects.toBeInstanceOf(
        BackfillInProgressError,
      );
      await endBackfill(aws.dynamodb, guard);
      await mergeTable(w.deps, w.options('m2'));
      expect(await w.table()).toEqual([
        { id: 'a', name: w.expected().find((r) => r.id === 'a')!.name },
        { id: 'b', name: 'scanned-b' },
      ]);
    });
  });

  describe('tombstones', () => {
    const arn = 'arn:aws:dynamodb:ddblocal:000000000000:table/books/stream/2026-11-27T08:20:47.530';
    const record = (
      seq: number,
      id: string,
      op: 'INSERT' | 'MODIFY' | 'REMOVE',
      streamArn = arn,
    ): DynamoDBStreamRecord => ({
      eventID: `event-${seq}`,
      eventName: op,
      eventSource: 'aws:dynamodb',
      eventSourceARN: streamArn,
      dynamodb: {
        ApproximateCreationDateTime: 1795767600 + seq,
        Keys: { id: { S: id } },
        ...(op === 'REMOVE' ? {} : { NewImage: { id: { S: id }, name: { S: `v${seq}` } } }),
        SequenceNumber: String(seq).padStart(21, '0'),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });

    test('a bisected retry after a merged delete never shows the deleted row, in any version', async () => {
      // Arrange: the stream-writer's staging code (stageStreamBatch) PUTs to s3rver.
      const w = await world();
      const store: ObjectStore = {
        putObject: async ({ key, body }) => {
          await w.s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: body }));
        },
      };
      const stageRecords = (records: DynamoDBStreamRecord[]) =>
        stageStreamBatch(records, { table: books }, { store, now: () => Date.now() });
      const batch = [record(100, 'k2', 'INSERT'), record(101, 'k1', 'INSERT'), record(102, 'k1', 'REMOVE')];
      // The invocation PUT its object, then failed (a timeout after the PUT): the object is merged.
      await stageRecords(batch);
      await mergeTable(w.deps, w.options('m1'));

      // Act: the event source mapping bisects the failed batch and retries the halves as new
      // invocations; a merger runs between them, so the older half merges on its own.
      await stageRecords(batch.slice(0, 2));
      await mergeTable(w.deps, w.options('m2'));
      await stageRecords(batch.slice(2));
      await mergeTable(w.deps, w.options('m3'));
      // A backfill row of k1 (scanned before the delete, staged after it) is blocked the same way.
      await w.stageBackfill('late', 0, ['k1']);
      await mergeTable(w.deps, w.options('m4'));

      // Assert: k1 is in no version a reader could see after its delete merged.
      expect(w.engine.history.length).toBeGreaterThanOrEqual(4);
      for (const rows of w.engine.history) expect(rows.map((r) => r.id)).toEqual(['k2']);
      expect(await w.engine.tombstones(books)).toEqual([
        { id: 'k1', _seq: `20261127082047530${'102'.padStart(40, '0')}` },
      ]);
    });

    test('a recreated stream with lower sequence numbers still updates and deletes existing rows', async () => {
      // Arrange: the old stream wrote k1 and k2 at high sequence numbers; the view type changes,
      // which creates a new stream (new ARN and label) that starts again at low numbers.
      const w = await world();
      const store: ObjectStore = {
        putObject: async ({ key, body }) => {
          await w.s3.send(new PutObjectCommand({ Bucket: w.bucket, Key: key, Body: body }));
        },
      };
      const stageRecords = (records: DynamoDBStreamRecord[]) =>
        stageStreamBatch(records, { table: books }, { store, now: () => Date.now() });
      const newArn = 'arn:aws:dynamodb:ddblocal:000000000000:table/books/stream/2026-11-28T09:00:00.000';
      await stageRecords([record(900_000, 'k1', 'INSERT'), record(900_001, 'k2', 'INSERT')]);
      await mergeTable(w.deps, w.options('old-stream'));

      // Act
      await stageRecords([record(5, 'k1', 'MODIFY', newArn), record(6, 'k2', 'REMOVE', newArn)]);
      await mergeTable(w.deps, w.options('new-stream'));

      // Assert: the new stream's changes win although their sequence numbers are lower.
      expect(await w.table()).toEqual([{ id: 'k1', name: 'v5' }]);
    });

    test('an upsert newer than the tombstone re-creates the row; maintenance drops old tombstones', async () => {
      // Arrange
      const w = await world();
      await w.stage([['k1', 'upsert']]);
      await w.stage([['k1', 'delete']]);
      await mergeTable(w.deps, w.options('m1'));
      expect(await w.engine.tombstones(books)).toHaveLength(1);

      // Act
      await w.stage([['k1', 'upsert']]);
      await mergeTable(w.deps, w.options('m2'));
      await w.engine.maintain(books, {
        now: new Date('2024-05-03T00:00:00Z'),
        tombstoneRetentionMs: 30 * 3600_000,
      });

      // Assert: the row is back (a real re-creation), and the tombstone of 2024-05-01 is gone.
      expect(await w.table()).toEqual(w.expected());
      expect(await w.engine.tombstones(books)).toEqual([]);
    });
  });
});
