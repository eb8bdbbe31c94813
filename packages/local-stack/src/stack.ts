// Just over 500 lines: the stack's start and stop order (services, lock, tables, functions, pollers,
// schedulers, engine) is kept in one file so the cleanup on every failure path is visible at once.
import { isStagedMode } from '@ddb-athena-sync/schemas/declaration';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import type { S3Client } from '@aws-sdk/client-s3';
import { startAthenaOnTrino } from '@ddb-athena-sync/athena-local/athena-on-trino';
import { decodeFirehoseRow } from '@ddb-athena-sync/core/firehose/firehose-row';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { toKinesisChangeRecord } from '@ddb-athena-sync/local-services/kinesis-records';
import {
  localDynamoDbClient,
  localS3Client,
  localStreamsClient,
} from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { toLambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { getTable } from '@ddb-athena-sync/schemas/config-file';

import type { FailedBatch } from './batch-response.js';
import { FileCheckpointStore } from './checkpoint-store.js';
import { dataDirLayout, lockDataDir, prepareDataDir, publishStack, unpublishStack } from './data-dir.js';
import type { DataDirLayout } from './data-dir.js';
import { ensureControlTable, ensureDynamoTable } from './dynamodb-tables.js';
import { FirehoseStandIn } from './firehose-stand-in.js';
import { NoTablesError, ServiceExitedError, UnknownStackTableError } from './errors.js';
import { lakeCommitter } from './lake-commit.js';
import { MergeScheduler } from './merge-scheduler.js';
import type { ScheduledRun } from './merge-scheduler.js';
import type { BuildPipelineFunctions, PipelineFunctions } from './pipeline-functions.js';
import { StreamPoller } from './stream-poller.js';
import type { PollerEvent } from './stream-poller.js';
import { markTtlRemoval, normalizeLocalTtlRemoval, TtlMarks, TtlSweeper } from './ttl-sweeper.js';

export const LOCAL_BUCKET = 'ddb-athena-sync-local';
export const CONTROL_TABLE = 'ddb-athena-sync-control';
/** The Glue database of the merge tables when they run on Trino (`engine: 'trino'`). */
export const ATHENA_DATABASE = 'default';
/** Prefixes in the local bucket (staging and quarantine are core's defaults). */
export const ON_FAILURE_PREFIX = 'on-failure/';
export const FIREHOSE_ERROR_PREFIX = 'firehose-errors/';

export interface StackOptions {
  readonly dataDir: string;
  /**
   * Who owns the merge-mode tables: `lake` (default) the embedded DuckDB lake; `trino` a local Trino
   * behind the Athena API stand-in (packages/athena-local), so the merger runs AthenaEngine and the
   * exact Athena SQL. Firehose-mode tables land in the local lake either way (Firehose commits them
   * itself in AWS, without Athena).
   */
  readonly engine?: 'lake' | 'trino';
  /**
   * Builds the three Lambda functions the stack invokes (required: the stack imports no app). The
   * ddb-athena-sync command passes the real handlers (apps/local/src/functions.ts); tests of the
   * stack machinery alone may pass fakes.
   */
  readonly functions: BuildPipelineFunctions;
  /** Merge schedule; 5 s locally (rate(1 minute) in AWS). */
  readonly mergeIntervalMs?: number;
  /** Maintenance schedule (OPTIMIZE + snapshot expiry); default 60 merge intervals (hourly vs every minute in AWS). */
  readonly maintenanceIntervalMs?: number;
  readonly batchSize?: number;
  readonly batchWindowMs?: number;
  readonly maximumRetryAttempts?: number;
  readonly ttlSweepIntervalMs?: number;
  readonly firehoseBufferingIntervalMs?: number;
  readonly firehoseBufferingSizeBytes?: number;
  /** Starting position of shards with no checkpoint (a table deployed onto existing data: LATEST + backfill). */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /**
   * Tables to run: the declarations of the user's file (apps/local resolves `--config`). Required in
   * effect (none or an empty list is a NoTablesError): the library ships no declarations, and each
   * function gets its table's declaration in its environment, as Terraform gives it in AWS.
   */
  readonly tables?: readonly TableDeclaration[];
  /** Powertools log level of the real handlers (default SILENT: the CLI reports through events). */
  readonly logLevel?: string;
  /** Keep DynamoDB Local in memory instead of under the data directory (tests). */
  readonly inMemoryDynamoDb?: boolean;
  /** Do not start the scheduler (callers drive merges with `mergeNow`). */
  readonly manualMerges?: boolean;
  readonly onEvent?: (event: StackEvent) => void;
  /**
   * Runs once DynamoDB Local is up, before the tables are ensured: e.g. to create a table that
   * already holds items and has no stream yet (the situation `backfill` is for).
   */
  readonly beforeTables?: (ddb: DynamoDBClient) => Promise<void>;
}

export type StackEvent =
  | { readonly type: 'poller'; readonly table: string; readonly event: PollerEvent }
  | { readonly type: 'merge'; readonly run: ScheduledRun }
  | {
      readonly type: 'ttl-delete';
      readonly table: string;
      readonly key: Record<string, unknown>;
      readonly atMs: number;
    }
  | { readonly type: 'firehose'; readonly table: string; readonly delivered: number }
  /** Something the user should know about the stack itself (an orphan stopped, a lock taken over). */
  | { readonly type: 'notice'; readonly message: string }
  | { readonly type: 'error'; readonly source: string; readonly error: unknown };

export interface TableRuntime {
  readonly declaration: TableDeclaration;
  readonly streamArn: string;
  poller: StreamPoller;
  readonly sweeper: TtlSweeper | undefined;
  readonly firehose: FirehoseStandIn | undefined;
}

export interface Stack {
  readonly layout: DataDirLayout;
  readonly engine: 'lake' | 'trino';
  /** The Athena stand-in's endpoint when `engine` is `trino`. */
  readonly athenaEndpoint: string | undefined;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly controlTable: string;
  readonly mergeIntervalMs: number;
  readonly ddb: DynamoDBClient;
  readonly streams: DynamoDBStreamsClient;
  readonly s3: S3Client;
  readonly lake: Lake;
  readonly tables: ReadonlyMap<string, TableRuntime>;
  readonly scheduler: MergeScheduler;
  readonly functions: PipelineFunctions;
  /**
   * Resolves (never rejects) when a service dies under the running stack (DynamoDB Local killed or
   * crashed): the pipeline cannot go on, so callers stop the stack and say why.
   */
  readonly failure: Promise<ServiceExitedError>;
  /** Adds an event listener; returns its removal. */
  subscribe(listener: (event: StackEvent) => void): () => void;
  /** Invokes the merger for a table now (waits for a scheduled run in progress first). */
  mergeNow(table: string): Promise<void>;
  /** Simulates a crashed event source mapping: kill the table's poller (nothing more is checkpointed). */
  killPoller(table: string): Promise<void>;
  /** Starts a new poller for the table from its saved checkpoints. */
  restartPoller(table: string): Promise<void>;
  /** Stops everything cleanly: pollers (in-flight batches finish), Firehose buffers, merges, services. */
  stop(): Promise<void>;
}

function tableNamed(tables: readonly TableDeclaration[], name: string): TableDeclaration {
  const t = tables.find((x) => x.name === name);
  if (t === undefined) throw new UnknownStackTableError(name);
  return t;
}

/**
 * Starts the whole pipeline on this machine: DynamoDB Local and s3rver, the declared tables with
 * streams, the local lake, and, with the real handler code, the event source mappings (stream
 * poller -> stream-writer for merge tables; Kinesis-shaped records -> Firehose stand-in ->
 * firehose-transform -> lake for firehose tables), the TTL sweeper and the merge scheduler.
 */
export async function startStack(options: StackOptions): Promise<Stack> {
  const layout = dataDirLayout(options.dataDir);
  await prepareDataDir(layout);
  const tables = options.tables ?? [];
  if (tables.length === 0) throw new NoTablesError();
  const declarations: ReadonlyMap<string, TableDeclaration> = new Map(tables.map((t) => [t.name, t]));
  const mergeIntervalMs = options.mergeIntervalMs ?? 5000;
  const listeners = new Set<(event: StackEvent) => void>();
  if (options.onEvent !== undefined) listeners.add(options.onEvent);
  const emit = (event: StackEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // Observers never break the stack.
      }
    }
  };

  const stops: (() => Promise<void>)[] = [];
  const stopAll = async (): Promise<void> => {
    for (const stop of stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        emit({ type: 'error', source: 'stop', error });
      }
    }
  };

  try {
    const dirLock = await lockDataDir(
      layout,
      (message) => emit({ type: 'notice', message }),
      (error) => emit({ type: 'error', source: `lock ${layout.lock}`, error }),
    );
    stops.push(() => dirLock.release());
    // Both started, then both registered for stopping: with Promise.all, s3rver kept the process
    // alive when DynamoDB Local failed (no Java), since nothing stopped it.
    const [dynamoStart, s3Start] = await Promise.allSettled([
      startDynamoDbLocal(options.inMemoryDynamoDb === true ? {} : { dataDir: layout.dynamodb }),
      startS3Local({ directory: layout.s3, buckets: [LOCAL_BUCKET] }),
    ]);
    if (dynamoStart.status === 'fulfilled') {
      const started = dynamoStart.value;
      stops.push(() => started.stop());
      await dirLock.recordDynamoDb(started.pid);
    }
    if (s3Start.status === 'fulfilled') {
      const started = s3Start.value;
      stops.push(() => started.stop());
    }
    if (dynamoStart.status === 'rejected') throw dynamoStart.reason;
    if (s3Start.status === 'rejected') throw s3Start.reason;
    const dynamo: DynamoDbLocal = dynamoStart.value;
    const s3local: S3Local = s3Start.value;
    const failures: Promise<ServiceExitedError>[] = [];
    failures.push(
      dynamo.unexpectedExit.then(
        (exit) =>
          new ServiceExitedError(
            'DynamoDB Local',
            exit.pid,
            exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`,
            exit.output,
          ),
      ),
    );
    const ddb = localDynamoDbClient(dynamo.endpoint);
    const streams = localStreamsClient(dynamo.endpoint);
    const s3 = localS3Client(s3local.endpoint);
    stops.push(() => {
      ddb.destroy();
      streams.destroy();
      s3.destroy();
      return Promise.resolve();
    });

    const engine = options.engine ?? 'lake';
    let athenaEndpoint: string | undefined;
    if (engine === 'trino') {
      // Trino's config, metastore and log live in the data directory; its Iceberg files in s3rver.
      const athenaLocal = await startAthenaOnTrino({
        s3: {
          endpoint: s3local.endpoint,
          accessKeyId: 'S3RVER',
          secretAccessKey: 'S3RVER',
          region: 'us-east-1',
        },
        directory: join(layout.root, 'trino'),
        databases: [ATHENA_DATABASE],
      });
      stops.push(() => athenaLocal.stop());
      athenaEndpoint = athenaLocal.endpoint;
      // Watched like DynamoDB Local: every merge needs it.
      failures.push(
        athenaLocal.trino.unexpectedExit.then(
          (exit) =>
            new ServiceExitedError(
              'Trino',
              exit.pid,
              exit.signal === null ? `exit code ${exit.code}` : `signal ${exit.signal}`,
              exit.output,
            ),
        ),
      );
    }

    await options.beforeTables?.(ddb);
    await ensureControlTable(ddb, CONTROL_TABLE);
    const arns = new Map<string, string>();
    for (const t of tables) arns.set(t.name, await ensureDynamoTable(ddb, t));

    const lake = await Lake.open({ root: layout.lake });
    stops.push(() => {
      lake.close();
      return Promise.resolve();
    });
    for (const t of tables) await lake.ensureTable(t);

    const functions = await options.functions({
      s3,
      ddb,
      lake,
      bucket: LOCAL_BUCKET,
      s3Endpoint: s3local.endpoint,
      controlTable: CONTROL_TABLE,
      logLevel: options.logLevel ?? 'SILENT',
      tables: declarations,
      ...(athenaEndpoint === undefined ? {} : { athenaEndpoint }),
    });

    const checkpoints = new FileCheckpointStore(layout.checkpoints);
    const marks = new TtlMarks();
    const runtimes = new Map<string, TableRuntime>();

    const onFailure = (table: string) => async (batch: FailedBatch) => {
      // The on-failure destination (SQS/SNS in AWS): an object per abandoned batch, with its records.
      const key = `${ON_FAILURE_PREFIX}${table}/${batch.shardId}-${batch.firstSequenceNumber.padStart(40, '0')}-${batch.lastSequenceNumber.padStart(40, '0')}.json`;
      const { records, ...meta } = batch;
      await s3.send(
        new PutObjectCommand({
          Bucket: LOCAL_BUCKET,
          Key: key,
          Body: JSON.stringify({
            ...meta,
            records: records.map((r) => toLambdaStreamRecord(r, batch.streamArn)),
          }),
          ContentType: 'application/json',
        }),
      );
    };

    const makePoller = (t: TableDeclaration, firehose: FirehoseStandIn | undefined): StreamPoller => {
      const arn = arns.get(t.name)!;
      const keyAttributes = [
        t.dynamodb.partitionKey,
        ...(t.dynamodb.sortKey === undefined ? [] : [t.dynamodb.sortKey]),
      ];
      const ttlAttribute = t.dynamodb.ttlAttribute;
      const writer = firehose === undefined ? functions.streamWriter(t) : undefined;
      return new StreamPoller({
        streams,
        streamArn: arn,
        batchSize: options.batchSize ?? 100,
        maximumBatchingWindowMs: options.batchWindowMs ?? 250,
        maximumRetryAttempts: options.maximumRetryAttempts ?? 3,
        bisectBatchOnFunctionError: true,
        startingPosition: options.startingPosition ?? 'TRIM_HORIZON',
        checkpoints,
        onFailure: onFailure(t.name),
        onEvent: (event) => emit({ type: 'poller', table: t.name, event }),
        invoke: async (records) => {
          const marked =
            ttlAttribute === undefined
              ? records
              : records.map((r) => {
                  const local = normalizeLocalTtlRemoval(r, ttlAttribute, Date.now());
                  if (local.expiredAtMs !== undefined && r.dynamodb?.Keys !== undefined) {
                    // Deleted by DynamoDB Local's own TTL process: its exact time is unknown; the expiry
                    // is the earliest it can have happened (so a lag measured from it is never too small).
                    emit({
                      type: 'ttl-delete',
                      table: t.name,
                      key: r.dynamodb.Keys,
                      atMs: local.expiredAtMs,
                    });
                  }
                  return markTtlRemoval(local.record, keyAttributes, ttlAttribute, marks);
                });
          if (firehose !== undefined) {
            // Kinesis Data Streams for DynamoDB -> Firehose: one JSON document per change.
            await firehose.put(
              marked.map((r) => JSON.stringify(toKinesisChangeRecord(r, t.dynamodb.tableName))),
            );
            return undefined;
          }
          return writer!({ Records: marked.map((r) => toLambdaStreamRecord(r, arn)) });
        },
      });
    };

    // Firehose commits through its own Lake instance: one Lake runs its operations one at a time,
    // and a delivery to orders has no reason to wait for a MERGE into books (as in AWS, where
    // Firehose and Athena commit independently; the catalog's compare-and-swap orders commits).
    const firehoseLake = await Lake.open({ root: layout.lake });
    stops.push(() => {
      firehoseLake.close();
      return Promise.resolve();
    });
    const commit = lakeCommitter(firehoseLake);
    for (const t of tables) {
      let firehose: FirehoseStandIn | undefined;
      if (t.mode === 'firehose') {
        const transform = functions.firehoseTransform(t);
        firehose = new FirehoseStandIn({
          deliveryStreamName: `${t.name}-delivery`,
          bufferingIntervalMs: options.firehoseBufferingIntervalMs ?? 1000,
          bufferingSizeBytes: options.firehoseBufferingSizeBytes ?? 1024 * 1024,
          transform,
          commit: async (records) => {
            await commit(records);
            emit({ type: 'firehose', table: t.name, delivered: records.length });
          },
          errorOutput: async (kind, records) => {
            const key = `${FIREHOSE_ERROR_PREFIX}${t.name}/${kind}/${new Date().toISOString().replace(/[:.]/g, '')}-${records[0]?.recordId ?? 'x'}.json`;
            await s3.send(
              new PutObjectCommand({
                Bucket: LOCAL_BUCKET,
                Key: key,
                Body: records.map((r) => JSON.stringify(r)).join('\n'),
              }),
            );
          },
          onError: (error) => emit({ type: 'error', source: `firehose ${t.name}`, error }),
          // The transform sends Firehose's wire encoding (timestamps in microseconds, exact JSON
          // numbers); read it back losslessly into the table's values, as the destination does.
          decodeRow: (table, text) => decodeFirehoseRow(getTable(table, declarations), text),
        });
      }
      const sweeper =
        t.dynamodb.ttlAttribute === undefined
          ? undefined
          : new TtlSweeper({
              ddb,
              tableName: t.dynamodb.tableName,
              keyAttributes: [
                t.dynamodb.partitionKey,
                ...(t.dynamodb.sortKey === undefined ? [] : [t.dynamodb.sortKey]),
              ],
              ttlAttribute: t.dynamodb.ttlAttribute,
              marks,
              intervalMs: options.ttlSweepIntervalMs ?? 1000,
              onDelete: (key, atMs) => emit({ type: 'ttl-delete', table: t.name, key, atMs }),
              onError: (error) => emit({ type: 'error', source: `ttl ${t.name}`, error }),
            });
      runtimes.set(t.name, {
        declaration: t,
        streamArn: arns.get(t.name)!,
        poller: makePoller(t, firehose),
        sweeper,
        firehose,
      });
    }

    // Stop order (reverse of registration): scheduler, sweepers, pollers, Firehose buffers, lake, services.
    stops.push(async () => {
      for (const r of runtimes.values()) await r.firehose?.stop();
    });
    stops.push(async () => {
      await Promise.all([...runtimes.values()].map((r) => r.poller.stop()));
    });
    for (const r of runtimes.values()) await r.poller.start();
    stops.push(async () => {
      await Promise.all([...runtimes.values()].map((r) => r.sweeper?.stop() ?? Promise.resolve()));
    });
    for (const r of runtimes.values()) r.sweeper?.start();

    // Merge and append tables both run on the staged pipeline: the merger dispatches on the mode.
    const mergeTables = tables.filter((t) => isStagedMode(t.mode)).map((t) => t.name);
    const scheduler = new MergeScheduler({
      tables: mergeTables,
      invoke: (event) => functions.merger(event),
      mergeIntervalMs,
      // As in AWS (merge every minute, maintenance every hour): one maintenance per 60 merges. A
      // maintenance run holds the table's lease, so merges wait for it.
      maintenanceIntervalMs: options.maintenanceIntervalMs ?? 60 * mergeIntervalMs,
      onRun: (run) => {
        emit({ type: 'merge', run });
        void recordMerge(layout, run).catch(() => undefined);
      },
    });
    stops.push(() => scheduler.stop());
    if (options.manualMerges !== true) scheduler.start();

    await publishStack(layout, {
      pid: process.pid,
      startedAt: new Date().toISOString(),
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3local.endpoint,
      bucket: LOCAL_BUCKET,
      controlTable: CONTROL_TABLE,
      mergeIntervalMs,
      dynamodbPid: dynamo.pid,
    });
    stops.push(() => unpublishStack(layout));

    let stopping: Promise<void> | undefined;
    return {
      layout,
      engine,
      athenaEndpoint,
      dynamodbEndpoint: dynamo.endpoint,
      s3Endpoint: s3local.endpoint,
      bucket: LOCAL_BUCKET,
      controlTable: CONTROL_TABLE,
      mergeIntervalMs,
      ddb,
      streams,
      s3,
      lake,
      tables: runtimes,
      scheduler,
      functions,
      failure: Promise.race(failures),
      mergeNow: (table) => scheduler.fire(table, 'merge'),
      subscribe: (listener) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      killPoller: async (table) => {
        await runtimes.get(tableNamed(tables, table).name)!.poller.kill();
      },
      restartPoller: async (table) => {
        const r = runtimes.get(tableNamed(tables, table).name)!;
        await r.poller.stop();
        r.poller = makePoller(r.declaration, r.firehose);
        await r.poller.start();
      },
      stop: () => (stopping ??= stopAll()),
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Last merge per table in `state/merges.json`, for `status`. */
async function recordMerge(layout: DataDirLayout, run: ScheduledRun): Promise<void> {
  if (run.action !== 'merge') return;
  let state: Record<string, unknown> = {};
  try {
    state = JSON.parse(await readFile(layout.merges, 'utf8')) as Record<string, unknown>;
  } catch {
    // First merge.
  }
  const at = new Date(run.startedAt + run.durationMs).toISOString();
  // The last failure is kept after later successes (`status` shows it in full, causes included).
  const previous = state[run.table] as { lastError?: unknown } | undefined;
  let error: string | undefined;
  if (run.error !== undefined) {
    const parts: string[] = [];
    for (
      let e: unknown = run.error;
      e !== undefined && parts.length < 5;
      e = (e as { cause?: unknown }).cause
    )
      parts.push(e instanceof Error ? `${e.name}: ${e.message}` : JSON.stringify(e));
    error = parts.join('\ncaused by: ');
  }
  state[run.table] = {
    at,
    durationMs: run.durationMs,
    ok: run.error === undefined,
    ...(error === undefined
      ? {
          result: run.result,
          ...(previous?.lastError === undefined ? {} : { lastError: previous.lastError }),
        }
      : { error, lastError: { at, error } }),
  };
  await writeFile(
    layout.merges,
    `${JSON.stringify(state, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}
