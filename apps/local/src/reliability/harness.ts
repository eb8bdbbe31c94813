// Longer than 500 lines on purpose: this is the one scenario loop (stack start, workload, backfill,
// faults, merges, readers, final check) and its steps share the scenario's state; the workload,
// faults, merger driver, oracle, recording and quarantine audit are already their own modules.
import { DeleteTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';

import { backfillTable } from '@ddb-athena-sync/core/backfill/backfill-table';
import type { MergeBatch } from '@ddb-athena-sync/core/merge/engine';
import { readBackfillRun } from '@ddb-athena-sync/core/merge/backfill-guard';
import { readJournal } from '@ddb-athena-sync/core/merge/journal';
import { listStagedObjects } from '@ddb-athena-sync/core/merge/merge-plan';
import { readAllStagingRows } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { CommitConflictError } from '@ddb-athena-sync/local-lake/errors';
import { toLambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';

import { ensureDynamoTable } from '@ddb-athena-sync/local-stack/dynamodb-tables';
import { MemoryCheckpointStore } from '@ddb-athena-sync/local-stack/checkpoint-store';
import { buildFunctions, MERGER_TIMEOUT_MS } from '../functions.js';
import { StreamPoller } from '@ddb-athena-sync/local-stack/stream-poller';
import {
  markTtlRemoval,
  normalizeLocalTtlRemoval,
  TtlMarks,
  TtlSweeper,
} from '@ddb-athena-sync/local-stack/ttl-sweeper';
import { seededRandom } from '@ddb-athena-sync/local-stack/sample-data';
import { bump, faultyClient, InjectedFault, ProcessLife } from './faults.js';
import type { FaultCounts, FaultSwitch } from './faults.js';
import { checkHistory, countByKind } from './history-oracle.js';
import type { Commit, Observation, Violation, ViolationKind } from './history-oracle.js';
import { SnapshotReader } from './lake-reader.js';
import { auditQuarantine, badRecord } from './quarantine-audit.js';
import { assertReferenceMatches, expectedRow } from './reference-mapping.js';
import { sleep } from './prng.js';
import { reliabilityTable } from './scenario-model.js';
import type { Scenario } from './scenario-model.js';
import type { SharedServices } from './shared-services.js';
import { ShardRollover } from './shard-rollover.js';
import { readStreamHistory } from './stream-history.js';
import { createMergerDriver } from './merger-driver.js';
import type { CompactionFigures } from './merger-driver.js';
import { atomicPuts, recordingS3 } from './recording.js';
import { StagedOnce } from './staged-once.js';
import type { Changes } from './recording.js';
import { applyOperations, emptyWorkloadCounts, prepopulate, TTL_AHEAD_S } from './workload.js';
import type { WorkloadCounts } from './workload.js';

export interface ScenarioResult {
  readonly seed: number;
  readonly table: string;
  readonly durationMs: number;
  /** What the history oracle found (empty: the scenario held). */
  readonly violations: readonly Violation[];
  readonly violationsByKind: Partial<Record<ViolationKind, number>>;
  /** Snapshots the oracle checked: post-merge reads and reader reads. */
  readonly observations: number;
  readonly commits: number;
  readonly writes: number;
  readonly reads: number;
  readonly failedReads: number;
  readonly badInputs: { readonly tried: number; readonly handled: number };
  readonly workload: WorkloadCounts;
  /** Records DynamoDB produced that the writer quarantined (should be none: each is a change the lake misses). */
  readonly unexpectedQuarantine: number;
  /** Faults actually injected, by kind (not just planned). */
  readonly injected: Readonly<FaultCounts>;
  /** Append tables: the compactions the mergers ran (so a reader sees that they were exercised). */
  readonly compactions: Readonly<CompactionFigures>;
  /** Staged rows that reached the lake through two objects (staged-once.ts): a compaction that duplicated. */
  readonly stagedTwice: number;
  /** Records the event source mapping gave up on (on-failure destination). */
  readonly onFailureRecords: number;
  /** The scenario expects records on the on-failure destination (none does today). */
  readonly onFailureExpected: boolean;
  readonly examples: readonly string[];
}

export function isFailing(r: ScenarioResult): boolean {
  return (
    r.violations.length > 0 ||
    r.stagedTwice > 0 ||
    r.failedReads > 0 ||
    r.badInputs.handled !== r.badInputs.tried ||
    r.unexpectedQuarantine > 0 ||
    (r.onFailureRecords > 0 && !r.onFailureExpected)
  );
}

/** A lease outlives the merger's deadline by 60 s (merge-table.ts): this much time passing frees any. */
const LEASE_EXPIRY_JUMP_MS = MERGER_TIMEOUT_MS + 61_000;

/** The backfill guard's time to live here (core's default is 5 minutes; see the backfill below). */
const BACKFILL_GUARD_TTL_MS = 3_600_000;

// This file is over 500 lines because a scenario's timeline (set-up, side loops, workload, heal,
// check) reads best top to bottom in one function; what stands alone has its own file: faults,
// merger-driver, workload, history-oracle, quarantine-audit, recording, shard-rollover.

/**
 * One scenario: a fresh table; the stream-writer and merger built by the local stack's own
 * `buildFunctions` (with faults at its hook points), driven by the local stack's event source
 * mapping (StreamPoller) and TTL sweeper; a workload with many versions per key while faults open
 * the windows where order matters; then the faults stop, the pipeline drains, and the history
 * oracle checks every snapshot seen on the way and the end.
 */
export async function runScenario(
  shared: SharedServices,
  scenario: Scenario,
  seed: number,
  tableName: string,
  trace?: (line: string) => void,
): Promise<ScenarioResult> {
  const started = Date.now();
  const table = reliabilityTable(tableName, scenario.mode);
  assertReferenceMatches(table);
  const random = seededRandom(scenario.faultSeed);
  const f = scenario.faults;
  const chaos: FaultSwitch = { active: true };
  const injected: FaultCounts = {};
  const examples: string[] = [];
  const harnessErrors: string[] = [];
  const note = (text: string): void => {
    if (examples.length < 12) examples.push(text);
  };
  const log = (line: string): void => trace?.(`${Date.now() - started} ms ${line}`);

  const streamArn = await ensureDynamoTable(shared.ddb, table);
  await shared.lake.ensureTable(table);

  // --- history: commits and observations on one counter, so that a read knows which commits precede it
  let tick = 0;
  const commits: Commit[] = [];
  const observations: Observation[] = [];
  const staged = new Map<string, Changes>();
  const stagedOnce = new StagedOnce();
  const snapshots = new SnapshotReader(shared.readerLake, shared.readerDb, table.name);
  const observe = async (observer: string, label: string): Promise<boolean> => {
    const at = ++tick;
    try {
      const rows = await snapshots.read();
      observations.push({ observer, label, at, rows });
      return true;
    } catch (error) {
      note(`failed read (${label}): ${(error as Error).name}: ${(error as Error).message.slice(0, 160)}`);
      return false;
    }
  };
  const recordCommit = async (batch: MergeBatch, label: string): Promise<void> => {
    const changes = batch.objects.flatMap((o) => staged.get(o.key) ?? []);
    stagedOnce.committed(
      label,
      batch.objects.map((o) => o.key),
    );
    commits.push({ label, at: ++tick, changes });
    log(
      `${label} committed ${batch.objects.length} object(s): ${changes.map((c) => `${c.key}@${c.seq}`).join(' ')}`,
    );
    await observe('merges', `after ${label}`);
  };

  // --- the functions, as the local stack builds them, with faults at the hook points
  const clockOffset = { ms: 0 };
  const clock = { now: () => new Date(Date.now() + clockOffset.ms) };
  const s3Faulty = (s3: S3Client): S3Client =>
    faultyClient(recordingS3(atomicPuts(s3), staged, stagedOnce), f.s3, chaos, random, injected, 's3');
  const functions = await buildFunctions({
    s3: shared.s3,
    ddb: shared.ddb,
    lake: shared.lake,
    bucket: shared.bucket,
    s3Endpoint: shared.s3local.endpoint,
    controlTable: shared.controlTable,
    logLevel: 'SILENT',
    hooks: {
      tables: [table],
      writerS3: s3Faulty,
      clock,
      ...(scenario.compaction === undefined ? {} : { compaction: scenario.compaction }),
    },
  });
  const writer = functions.streamWriter(table);

  const compactions: CompactionFigures = { outputs: 0, inputs: 0, replays: 0 };
  const merger = createMergerDriver({
    shared,
    functions,
    table,
    seed,
    chaos,
    random,
    faults: f,
    injected,
    staged,
    s3Faulty,
    recordCommit,
    log,
    note,
    compactions,
    stagedOnce,
  });
  const invokeMerger = (mayCrash: boolean): Promise<string> => merger.invoke(mayCrash);

  // --- the event source mapping, with duplicates (at once and late), failures after PUT, bad records
  const marks = new TtlMarks();
  let badTried = 0;
  const badIds = new Set<string>();
  let onFailureRecords = 0;
  const delivered: { event: { Records: LambdaStreamRecord[] }; run: number }[] = [];
  const deliver = async (event: { Records: LambdaStreamRecord[] }): Promise<unknown> => writer(event);
  const rollover = new ShardRollover(shared.streams);
  const poller = new StreamPoller({
    streams: rollover.client,
    streamArn,
    batchSize: scenario.batchSize,
    maximumBatchingWindowMs: 30,
    maximumRetryAttempts: 10,
    bisectBatchOnFunctionError: true,
    startingPosition: 'TRIM_HORIZON',
    checkpoints: new MemoryCheckpointStore(),
    pollIntervalMs: 20,
    shardRefreshMs: 200,
    retryBackoffMs: (attempt) => Math.min(10 * 2 ** attempt, 200),
    onFailure: (batch) => {
      onFailureRecords += batch.records.length;
      note(`on-failure: ${batch.records.length} records (${batch.reason})`);
      return Promise.resolve();
    },
    invoke: async (records: readonly StreamRecord[]) => {
      // As the local stack does: DynamoDB Local's own TTL records become REMOVEs with the TTL identity,
      // and the sweeper's deletes get that identity too.
      const marked = records.map((r) =>
        markTtlRemoval(
          normalizeLocalTtlRemoval(r, 'expires_at', Date.now()).record,
          ['id'],
          'expires_at',
          marks,
        ),
      );
      const lambda = marked.map((r) => toLambdaStreamRecord(r, streamArn));
      const bad: string[] = [];
      if (chaos.active && lambda.length > 0 && random() < f.badInputRate) {
        const at = Math.floor(random() * lambda.length);
        const record = badRecord(lambda[at]!, badTried + bad.length, random);
        bad.push(record.eventID);
        lambda.splice(at + 1, 0, record);
      }
      const event = { Records: lambda };
      const response = (await deliver(event)) as { batchItemFailures?: unknown[] };
      if ((response.batchItemFailures ?? []).length === 0) {
        // The writer acknowledged the batch: its bad records must now be in quarantine.
        badTried += bad.length;
        for (const id of bad) badIds.add(id);
        delivered.push({ event, run: merger.runs() });
      }
      if (chaos.active && random() < f.duplicateDelivery) {
        bump(injected, 'duplicateDeliveries');
        await deliver(event);
      }
      if (chaos.active && random() < f.failAfterPut) {
        bump(injected, 'failuresAfterPut');
        throw new InjectedFault('stream-writer failed after its PUT');
      }
      return response as Awaited<ReturnType<typeof writer>>;
    },
  });

  const sweeper = new TtlSweeper({
    ddb: shared.ddb,
    tableName: table.dynamodb.tableName,
    keyAttributes: ['id'],
    ttlAttribute: 'expires_at',
    marks,
    now: () => Date.now() + 2 * TTL_AHEAD_S * 1000,
  });

  // --- side loops while the workload runs: mergers, late duplicates, a reader, maintenance
  const loops: Promise<void>[] = [];
  let busyInARow = 0;
  /** While a backfill waits for the lease (it polls once a second), mergers run less often. */
  let backfillWaiting = false;
  loops.push(
    (async () => {
      while (chaos.active) {
        await sleep(backfillWaiting ? 400 + Math.floor(random() * 400) : 20 + Math.floor(random() * 80));
        const two = random() < f.twoMergers;
        if (two) bump(injected, 'concurrentMergers');
        const statuses = await Promise.all((two ? [true, true] : [true]).map((c) => invokeMerger(c)));
        // A dead merger holds the lease until it expires, and a failed one may (a lost response to
        // its lease write): let that much time pass. `busy` alone is a live holder: only when it
        // repeats (a lease nobody releases) does time move on.
        busyInARow = statuses.every((s) => s === 'busy') ? busyInARow + 1 : 0;
        if (statuses.some((s) => s === 'crashed' || s === 'failed') || busyInARow >= 3) {
          clockOffset.ms += LEASE_EXPIRY_JUMP_MS;
          busyInARow = 0;
        }
        // An orphaned query commits once another merger has run after it (taken the batch over).
        merger.tick();
        // A late duplicate: a batch delivered again after later batches merged.
        const old = delivered.filter((d) => d.run < merger.runs() - 1);
        if (old.length > 0 && random() < f.lateDuplicate) {
          const pick = old[Math.floor(random() * old.length)]!;
          bump(injected, 'lateDuplicates');
          await deliver(pick.event).catch(() => undefined);
        }
      }
    })(),
  );
  if (f.lakeConflicts) {
    // Right before the merger's lake swaps in its commit, another writer commits the same batch
    // (the journal's `merging` entry: a duplicate merge run, as a second engine would do it). The
    // merger's base is then stale: its commit must be refused and retried, and the retry is a replay.
    shared.beforeCommit = async (name, attempt) => {
      if (!chaos.active || attempt > 0 || name.split('.').pop() !== table.name) return;
      try {
        const journal = await readJournal(shared.ddb, shared.controlTable, table.name);
        if (journal?.state !== 'merging') return;
        const rows: StagingRow[] = [];
        for (const key of journal.keys) {
          const out = await shared.s3.send(new GetObjectCommand({ Bucket: shared.bucket, Key: key }));
          rows.push(...(await readAllStagingRows(await out.Body!.transformToByteArray(), key)));
        }
        const outcome = await shared.otherLake.merge(table.name, rows);
        if (outcome.commit !== undefined) bump(injected, 'racingCommits');
      } catch (error) {
        if (error instanceof CommitConflictError) bump(injected, 'commitConflicts');
        else if ((error as Error).name !== 'NoSuchKey')
          harnessErrors.push(`racing merge: ${(error as Error).name}: ${(error as Error).message}`);
      }
    };
  }
  if (f.maintenance) {
    loops.push(
      (async () => {
        while (chaos.active) {
          await sleep(30 + Math.floor(random() * 120));
          try {
            await shared.otherLake.optimize(table.name);
            bump(injected, 'optimizes');
            // A short retention (a few seconds, not the product's hours) so expiry really deletes
            // files while the reader runs; a query is far shorter than that.
            await shared.otherLake.expireSnapshots(table.name, {
              olderThan: new Date(Date.now() - 3000),
              keepLast: 1,
            });
            bump(injected, 'expiries');
          } catch (error) {
            if (error instanceof CommitConflictError) bump(injected, 'commitConflicts');
            else harnessErrors.push(`maintenance: ${(error as Error).name}: ${(error as Error).message}`);
          }
        }
      })(),
    );
  }
  let reads = 0;
  let failedReads = 0;
  loops.push(
    (async () => {
      while (chaos.active) {
        if (await observe('reader', `reader read ${reads + failedReads + 1}`)) reads++;
        else failedReads++;
        await sleep(5 + Math.floor(random() * 20));
      }
    })(),
  );

  const waitUntil = async (
    what: string,
    done: () => boolean | Promise<boolean>,
    timeoutMs: number,
  ): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!(await done())) {
      if (Date.now() > until) throw new Error(`scenario ${seed}: timed out waiting for ${what}`);
      await sleep(20);
    }
  };

  // --- the workload, and a backfill while it runs
  const workload = emptyWorkloadCounts();
  const b = scenario.backfill;
  if (b !== undefined)
    await prepopulate(shared.ddb, table.dynamodb.tableName, b.prepopulate, scenario.keys, workload);
  await poller.start();
  let backfill: Promise<void> | undefined;
  let backfillDone = false;
  const startBackfill = async (): Promise<void> => {
    if (b === undefined || backfill !== undefined) return;
    const life = new ProcessLife(b.killBeforeCall);
    let scanning!: () => void;
    const scanned = new Promise<void>((r) => (scanning = r));
    backfill = backfillTable({
      dynamodb: life.client(shared.ddb),
      s3: life.client(s3Faulty(shared.s3)),
      bucket: shared.bucket,
      table,
      controlTable: shared.controlTable,
      segments: b.segments,
      rowsPerObject: b.rowsPerObject,
      runId: `run${seed}`,
      leaseWaitMs: 3_600_000,
      // The harness moves the clock by minutes at once when a merger dies (its lease must expire);
      // a live backfill heart-beats, but not during a jump, so its guard outlives a few of them.
      guardTtlMs: BACKFILL_GUARD_TTL_MS,
      now: () => clock.now().getTime(),
      onProgress: () => scanning(),
    })
      .then((r) => {
        bump(injected, 'backfills');
        log(`backfill ${r.runId} staged ${r.objects} objects`);
      })
      .catch((error: unknown) => {
        log(`backfill failed: ${(error as Error).name}`);
        if (life.dead) bump(injected, 'killedBackfills');
        else note(`backfill failed: ${(error as Error).name}: ${(error as Error).message.slice(0, 160)}`);
      })
      .finally(() => {
        scanning();
        backfillDone = true;
      });
    if (f.tombstonesOutlived)
      loops.push(
        (async () => {
          while (!backfillDone) {
            await sleep(50);
            try {
              const out = await shared.otherLake.expireTombstones(table.name, {
                olderThan: new Date(Date.now() + 3_600_000),
              });
              if (out.droppedTombstones > 0) bump(injected, 'tombstonesDropped');
            } catch (error) {
              if (!(error instanceof CommitConflictError))
                harnessErrors.push(`tombstone expiry: ${(error as Error).name}: ${(error as Error).message}`);
            }
          }
        })(),
      );
    // The workload goes on once the Scan has begun: its deletes and expiries race the backfill.
    backfillWaiting = true;
    await Promise.race([scanned, sleep(5000)]);
    backfillWaiting = false;
    log('backfill scanning');
  };
  await applyOperations({
    ddb: shared.ddb,
    tableName: table.dynamodb.tableName,
    operations: scenario.operations,
    sweeper,
    counts: workload,
    random,
    maxPauseMs: scenario.maxPauseMs,
    present: Array.from({ length: Math.min(b?.prepopulate ?? 0, scenario.keys) }, (_, i) => `k${i}`),
    before: async (i) => {
      if (b !== undefined && i === Math.min(b.startAfter, scenario.operations.length - 1))
        await startBackfill();
      if (
        f.shardRollover &&
        i >= scenario.operations.length / 3 &&
        !rollover.rolledOver &&
        rollover.rollOver()
      ) {
        bump(injected, 'shardRollovers');
        log('the stream shard rolled over');
      }
    },
  });

  // --- heal: the stream is read to its end under faults (at least 1.5 s), then faults stop and the pipeline drains
  const chaosUntil = Math.max(started + 1500, Date.now() + 300);
  await waitUntil(
    'the stream poller to catch up under faults',
    () => Date.now() >= chaosUntil && poller.isCaughtUp(),
    30_000,
  ).catch(() => undefined);
  await backfill;
  chaos.active = false;
  shared.beforeCommit = undefined;
  await Promise.all(loops);
  await merger.settle();
  await sleep(100);
  await waitUntil('the stream poller to catch up', () => poller.isCaughtUp(), 120_000);
  await sleep(250);
  await waitUntil('the stream poller to catch up', () => poller.isCaughtUp(), 120_000);
  await poller.stop();

  const drained = async (): Promise<boolean> => {
    const status = await invokeMerger(false);
    const [left, journal] = await Promise.all([
      listStagedObjects(shared.s3, shared.bucket, table, 'staging/'),
      readJournal(shared.ddb, shared.controlTable, table.name),
    ]);
    if (status === 'drained' && left.length === 0 && journal === undefined) return true;
    // A lease or a guard left by a dead process is freed only by time passing.
    clockOffset.ms += (injected.killedBackfills ?? 0) > 0 ? BACKFILL_GUARD_TTL_MS : LEASE_EXPIRY_JUMP_MS;
    return false;
  };
  await waitUntil('the merger to drain staging', drained, 30_000).catch(async (error: unknown) => {
    // Say what held it: a journal entry, a backfill guard (a dead backfill never clears its own).
    const [left, journal, guard] = await Promise.all([
      listStagedObjects(shared.s3, shared.bucket, table, 'staging/'),
      readJournal(shared.ddb, shared.controlTable, table.name),
      readBackfillRun(shared.ddb, shared.controlTable, table.name),
    ]);
    throw new Error(
      `${(error as Error).message}: ${left.length} object(s) still staged, journal ${journal?.state ?? 'empty'}, backfill guard ${guard === undefined ? 'clear' : `held by ${guard}${(injected.killedBackfills ?? 0) > 0 ? ' (that backfill was killed)' : ''}`}`,
    );
  });

  // --- the oracle: the history of writes against every snapshot seen, the end and the Scan
  const [writes, dynamo, finalRows] = await Promise.all([
    readStreamHistory(shared.streams, streamArn),
    scanItems(shared, table),
    snapshots.read(),
  ]);
  const violations = checkHistory({ writes, commits, observations, final: finalRows, scan: dynamo });
  for (const v of violations.slice(0, 8)) note(`${v.kind}: ${v.key}: ${v.where}: ${v.detail}`);
  for (const v of stagedOnce.violations.slice(0, 4)) note(`staged twice: ${v}`);

  // --- bad inputs: every bad record of an acknowledged batch is in quarantine with a typed error
  const audit = await auditQuarantine(shared.s3, shared.bucket, table.name, badIds);
  for (const e of audit.examples) note(e);
  for (const e of harnessErrors.slice(0, 3)) note(e);
  await shared.ddb
    .send(new DeleteTableCommand({ TableName: table.dynamodb.tableName }))
    .catch(() => undefined);
  return {
    seed,
    table: table.name,
    durationMs: Date.now() - started,
    violations,
    violationsByKind: countByKind(violations),
    observations: observations.length,
    commits: commits.length,
    writes: writes.length,
    reads,
    failedReads,
    badInputs: { tried: badTried, handled: audit.handled },
    unexpectedQuarantine: audit.unexpected,
    workload,
    injected,
    compactions,
    stagedTwice: stagedOnce.violations.length,
    onFailureRecords,
    onFailureExpected: false,
    examples,
  };
}

/** A full Scan of DynamoDB, each item through the reference mapping (not core's mapper: the oracle is independent of it). */
async function scanItems(
  shared: SharedServices,
  table: ReturnType<typeof reliabilityTable>,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await shared.ddb.send(
      new ScanCommand({
        TableName: table.dynamodb.tableName,
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) out.set(item.id!.S!, expectedRow(item));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}
