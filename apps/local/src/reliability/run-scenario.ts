import {
  DeleteItemCommand,
  DeleteTableCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { _Record as StreamRecord } from '@aws-sdk/client-dynamodb-streams';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { gunzipSync } from 'node:zlib';

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { readJournal } from '@ddb-athena-sync/core/merge/journal';
import { listStagedObjects } from '@ddb-athena-sync/core/merge/merge-plan';
import { readAllStagingRows } from '@ddb-athena-sync/core/staging/staging-object';
import type { AttributeMap } from '@ddb-athena-sync/core/stream/attribute-value';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { mapImage } from '@ddb-athena-sync/core/stream/decode-record';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import { CommitConflictError } from '@ddb-athena-sync/local-lake/errors';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { toLambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import type { LambdaStreamRecord } from '@ddb-athena-sync/local-services/stream-records';
import { createHandler as createMerger } from '@ddb-athena-sync/merger/handler';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';
import { createHandler as createStreamWriter } from '@ddb-athena-sync/stream-writer/handler';

import { canonical, scanAsColumns } from '@ddb-athena-sync/local-stack/compare';
import { ensureDynamoTable } from '@ddb-athena-sync/local-stack/dynamodb-tables';
import { MemoryCheckpointStore } from '@ddb-athena-sync/local-stack/checkpoint-store';
import { StreamPoller } from '@ddb-athena-sync/local-stack/stream-poller';
import {
  markTtlRemoval,
  normalizeLocalTtlRemoval,
  TtlMarks,
  TtlSweeper,
} from '@ddb-athena-sync/local-stack/ttl-sweeper';
import { faultyS3, InjectedFault, killableClient } from './faults.js';
import type { FaultSwitch } from './faults.js';
import { seededRandom } from '@ddb-athena-sync/local-stack/sample-data';
import { sleep } from './prng.js';
import { reliabilityTable } from './scenario-model.js';
import type { CrashStep, ItemValue, Scenario } from './scenario-model.js';
import type { SharedServices } from './shared-services.js';

// Metrics are CloudWatch EMF lines on stdout in Lambda; here they would only flood the output.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

export interface ScenarioResult {
  readonly seed: number;
  readonly table: string;
  readonly durationMs: number;
  /** The lake equals a full Scan of DynamoDB. */
  readonly converged: boolean;
  /** Keys whose latest change is not in the lake: missing rows, or a row holding an older version. */
  readonly lostChanges: number;
  /** Extra lake rows for a key that has one already. */
  readonly duplicates: number;
  /** Lake rows of keys that were deleted in DynamoDB. */
  readonly resurrections: number;
  /** Any other difference (a value DynamoDB never held, a key never written). */
  readonly otherDifferences: number;
  readonly reads: number;
  readonly failedReads: number;
  readonly badInputs: { readonly tried: number; readonly handled: number };
  /** What the workload did to DynamoDB: writes, updates, deletes, TTL expiries (items the sweeper deleted). */
  readonly workload: Readonly<Record<'puts' | 'updates' | 'deletes' | 'ttlExpiries', number>>;
  /** Records DynamoDB produced that the writer quarantined (should be none: each is a change the lake misses). */
  readonly unexpectedQuarantine: number;
  /** Faults actually injected (not just planned). */
  readonly injected: Readonly<Record<string, number>>;
  /** Records the event source mapping gave up on (on-failure destination). */
  readonly onFailureRecords: number;
  readonly examples: readonly string[];
}

const ignore = (): void => undefined;
const SILENT_LOGGER = { trace: ignore, debug: ignore, info: ignore, warn: ignore, error: ignore };
const MERGER_TIMEOUT_MS = 120_000;

class CrashingLogger extends Logger {
  constructor(
    private readonly crashAt: CrashStep | undefined,
    private readonly dead: { value: boolean },
    private readonly log: (line: string) => void,
  ) {
    super({ serviceName: 'merger', logLevel: 'SILENT' });
  }

  /** The merger reports each protocol step through `logger.debug('merge step', {step})`: the process dies there. */
  override debug(...args: Parameters<Logger['debug']>): void {
    const detail = args[1] as { step?: string; batchId?: string; key?: string } | undefined;
    if (typeof detail === 'object' && detail?.step !== undefined)
      this.log(
        `  step ${detail.step} ${detail.batchId?.slice(0, 8) ?? ''} ${detail.key?.split('/').pop()?.slice(0, 60) ?? ''}`,
      );
    if (
      this.crashAt !== undefined &&
      typeof detail === 'object' &&
      detail?.step === this.crashAt &&
      !this.dead.value
    ) {
      this.dead.value = true;
      throw new InjectedFault(`merger crashed at step "${this.crashAt}"`);
    }
  }
}

function itemOf(id: string, v: ItemValue): Record<string, AttributeValue> {
  return {
    id: { S: id },
    name: { S: v.name },
    n: { N: v.n },
    price: { N: v.price },
    ...(v.tags === undefined ? {} : { tags: { SS: [...v.tags] } }),
    doc: { M: { exact: { N: v.exact }, label: { S: v.name } } },
  };
}

/** A record no DynamoDB table would produce: the writer must quarantine it and carry on. */
function badRecord(template: LambdaStreamRecord, n: number, random: () => number): LambdaStreamRecord {
  const id = { S: `bad-${n}` };
  const images: Record<string, unknown>[] = [
    { id, n: { S: 'not a number' } },
    { id, n: { N: '1234567890123456789012345678901234567890' } },
    { id, price: { N: 'NaN' } },
    { id, price: { N: '1.234' } },
    { id, tags: { NS: ['1'] } },
    { name: { S: 'no key' } },
    {
      id,
      doc: {
        M: {
          deep: Array.from({ length: 40 }).reduce<Record<string, unknown>>((inner) => ({ M: { m: inner } }), {
            S: 'x',
          }),
        },
      },
    },
  ];
  const image = images[Math.floor(random() * images.length)]!;
  const keys = 'id' in image ? { id } : {};
  return {
    ...template,
    eventID: `bad-input-${n}`,
    eventName: 'INSERT',
    dynamodb: { ...template.dynamodb, Keys: keys, NewImage: image, OldImage: undefined },
  } as LambdaStreamRecord;
}

async function readAll(shared: SharedServices, key: string): Promise<string> {
  const out = await shared.s3.send(new GetObjectCommand({ Bucket: shared.bucket, Key: key }));
  return out.Body!.transformToString('utf8');
}

async function listKeys(shared: SharedServices, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await shared.s3.send(
      new ListObjectsV2Command({ Bucket: shared.bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

/** Rows of the table's current snapshot, read like a query engine: resolve the snapshot to files, then scan them. */
async function readTable(
  shared: SharedServices,
  table: TableDeclaration,
  columns: readonly string[],
): Promise<Record<string, unknown>[]> {
  const sql = await shared.readerLake.scanSql(table.name);
  const list = columns.map((c) => `"${assertIdentifier(c)}"`).join(', ');
  const reader = await shared.readerDb.runAndReadAll(`SELECT ${list} FROM (${sql}) AS live`);
  return reader.getRowObjectsJson();
}

/**
 * One scenario: a fresh table, the real stream-writer and merger handlers driven by the local
 * stack's event source mapping (StreamPoller) and TTL sweeper, a randomised workload with faults
 * injected while it runs, then the faults stop, the pipeline drains, and the lake is compared with a
 * full Scan of DynamoDB.
 */
export async function runScenario(
  shared: SharedServices,
  scenario: Scenario,
  seed: number,
  tableName: string,
  trace?: (line: string) => void,
): Promise<ScenarioResult> {
  const started = Date.now();
  const table = reliabilityTable(tableName);
  const random = seededRandom(scenario.faultSeed);
  const f = scenario.faults;
  const chaos: FaultSwitch = { active: true };
  const injected = {
    s3Errors: 0,
    s3LostResponses: 0,
    duplicateDeliveries: 0,
    failuresAfterPut: 0,
    mergerCrashes: 0,
    concurrentMergers: 0,
    commitConflicts: 0,
    racingCommits: 0,
    mergeConflictRetries: 0,
    optimizes: 0,
    expiries: 0,
  };
  const examples: string[] = [];
  const harnessErrors: string[] = [];
  const note = (text: string): void => {
    if (examples.length < 8) examples.push(text);
  };
  /** What happened, in order: shown for the keys of a failing scenario. */
  const traceLines: string[] = [];
  const log = (line: string): void => {
    const text = `${Date.now() - started} ms ${line}`;
    traceLines.push(text);
    trace?.(text);
  };

  const streamArn = await ensureDynamoTable(shared.ddb, table);
  await shared.lake.ensureTable(table);

  // --- the functions, with their S3 client wrapped (errors, lost responses, slowness)
  const s3ForHandlers = faultyS3(shared.s3, f.s3, chaos, random, injected);
  const store: ObjectStore = {
    async putObject({ key, body, contentType, contentEncoding }) {
      if (key.startsWith('staging/')) {
        const rows = gunzipSync(body)
          .toString('utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { id: string; _op: string; _seq: string });
        log(
          `put ${key.split('/').pop()!.slice(0, 60)}: ${rows.map((r) => `${r._op[0]}${r.id}@${r._seq.replace(/^0+/, '')}`).join(' ')}`,
        );
      }
      await s3ForHandlers.send(
        new PutObjectCommand({
          Bucket: shared.bucket,
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentEncoding: contentEncoding,
        }),
      );
    },
  };
  const writer = createStreamWriter({
    config: {
      bucket: shared.bucket,
      stagingPrefix: 'staging/',
      quarantinePrefix: 'quarantine/',
      table,
      serviceName: 'stream-writer',
      logLevel: 'SILENT',
      s3Endpoint: shared.s3local.endpoint,
    },
    store,
    logger: new Logger({ serviceName: 'stream-writer', logLevel: 'SILENT' }),
    metrics: new Metrics({ namespace: 'DdbAthenaSync', serviceName: 'stream-writer', logger: SILENT_LOGGER }),
    now: () => Date.now(),
  });

  // The merger's lake, counting the commits it lost to a concurrent writer (the engine retries them).
  const countingLake = Object.create(shared.lake) as typeof shared.lake;
  countingLake.merge = async (...args: Parameters<typeof shared.lake.merge>) => {
    try {
      return await shared.lake.merge(...args);
    } catch (error) {
      if (error instanceof CommitConflictError) injected.mergeConflictRetries++;
      throw error;
    }
  };

  /** Merger clock: moves ahead when a crashed merger's lease has to expire (time passing, as in AWS). */
  let clockOffsetMs = 0;
  const clock = { now: () => new Date(Date.now() + clockOffsetMs) };
  let mergerRuns = 0;
  const invokeMerger = async (crashAt: CrashStep | undefined): Promise<string> => {
    const dead = { value: false };
    const s3 = killableClient(chaos.active ? s3ForHandlers : shared.s3, dead);
    const handler = createMerger({
      config: {
        tableName: table.name,
        stagingBucket: shared.bucket,
        stagingPrefix: 'staging/',
        controlTable: shared.controlTable,
        athenaWorkgroup: 'local',
        glueDatabase: 'default',
        tableLocation: `s3://${shared.bucket}/lake/${table.name}`,
        serviceName: 'merger',
        logLevel: 'SILENT',
      },
      table,
      logger: new CrashingLogger(crashAt, dead, log),
      metrics: new Metrics({ namespace: 'DdbAthenaSync', serviceName: 'merger', logger: SILENT_LOGGER }),
      engine: new LocalLakeEngine({ lake: countingLake, s3 }),
      s3,
      dynamodb: killableClient(shared.ddb, dead),
      clock,
    });
    const deadline = clock.now().getTime() + MERGER_TIMEOUT_MS;
    const run = mergerRuns + 1;
    log(
      `merger ${run} starts${crashAt === undefined ? '' : ` (crash at ${crashAt})`}: staged ${(await listStagedObjects(shared.s3, shared.bucket, table, 'staging/')).map((o) => o.key.split('/').pop()).join(' ')}`,
    );
    try {
      const response = await handler(
        { table: table.name, action: 'merge' },
        {
          awsRequestId: `merger-${seed}-${++mergerRuns}`,
          getRemainingTimeInMillis: () => deadline - clock.now().getTime(),
        },
      );
      log(`merger ${run}: ${response.status}`);
      return response.status;
    } catch (error) {
      log(`merger ${run}: ${dead.value ? 'crashed' : `failed ${(error as Error).name}`}`);
      if (dead.value) {
        injected.mergerCrashes++;
        return 'crashed';
      }
      if (
        error instanceof InjectedFault ||
        (error as Error).name === 'SlowDown' ||
        error instanceof CommitConflictError ||
        (error as { cause?: unknown }).cause instanceof InjectedFault
      )
        return 'failed';
      // A failure the scenario did not inject: the batch stays staged and the next run retries it,
      // but it is worth seeing.
      note(`merger error: ${(error as Error).name}: ${(error as Error).message}`);
      return 'failed';
    }
  };

  // --- the event source mapping, with duplicates, failures after PUT and bad records injected
  const marks = new TtlMarks();
  let badTried = 0;
  const badIds = new Set<string>();
  let onFailureRecords = 0;
  const poller = new StreamPoller({
    streams: shared.streams,
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
      const event = { Records: lambda } as unknown as Parameters<typeof writer>[0];
      const response = await writer(event);
      log(
        `writer ${records.map((r) => `${r.eventName![0]}${String(r.dynamodb?.Keys?.id?.S)}@${r.dynamodb?.SequenceNumber}`).join(' ')} -> ${JSON.stringify(response.batchItemFailures)}`,
      );
      if ((response.batchItemFailures ?? []).length === 0) {
        // The writer acknowledged the batch: its bad records must now be in quarantine.
        badTried += bad.length;
        for (const id of bad) badIds.add(id);
      }
      if (chaos.active && random() < f.duplicateDelivery) {
        injected.duplicateDeliveries++;
        await writer(event);
      }
      if (chaos.active && random() < f.failAfterPut) {
        injected.failuresAfterPut++;
        log('  (fails after its PUT)');
        throw new InjectedFault('stream-writer failed after its PUT');
      }
      return response;
    },
  });

  // DynamoDB Local 3.x expires an item itself when a write sets its TTL in the past, emitting a
  // stream record with an eventName that is not INSERT/MODIFY/REMOVE (the AWS SDK shows it as
  // UNKNOWN_TO_SDK_VERSION). In AWS the TTL process deletes expired items later, with a REMOVE. So
  // the TTL is set an hour ahead of DynamoDB Local's clock and the sweeper (the local stack's TTL
  // process) runs two hours ahead: it deletes the item with the documented TTL identity.
  const TTL_AHEAD_S = 3600;
  const sweeper = new TtlSweeper({
    ddb: shared.ddb,
    tableName: table.dynamodb.tableName,
    keyAttributes: ['id'],
    ttlAttribute: 'expires_at',
    marks,
    now: () => Date.now() + 2 * TTL_AHEAD_S * 1000,
  });

  // --- side loops while the workload runs: mergers, a second writer, a reader through maintenance
  const loops: Promise<void>[] = [];
  loops.push(
    (async () => {
      while (chaos.active) {
        await sleep(40 + Math.floor(random() * 160));
        const two = random() < f.twoMergers;
        if (two) injected.concurrentMergers++;
        const crash = (): CrashStep | undefined =>
          random() < f.mergerCrashRate ? f.crashSteps[Math.floor(random() * f.crashSteps.length)] : undefined;
        const statuses = await Promise.all(
          (two ? [crash(), crash()] : [crash()]).map((c) => invokeMerger(c)),
        );
        // A crashed merger holds the lease until it expires: let that much time pass.
        if (statuses.includes('crashed')) clockOffsetMs += MERGER_TIMEOUT_MS + 61_000;
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
        if (outcome.commit !== undefined) injected.racingCommits++;
      } catch (error) {
        if (error instanceof CommitConflictError) injected.commitConflicts++;
        else harnessErrors.push(`racing merge: ${(error as Error).name}: ${(error as Error).message}`);
      }
    };
  }
  if (f.readerThroughMaintenance) {
    loops.push(
      (async () => {
        while (chaos.active) {
          await sleep(30 + Math.floor(random() * 120));
          try {
            await shared.otherLake.optimize(table.name);
            injected.optimizes++;
            // A short retention (a few seconds, not the product's hours) so expiry really deletes
            // files while the reader runs; a query is far shorter than that.
            await shared.otherLake.expireSnapshots(table.name, {
              olderThan: new Date(Date.now() - 3000),
              keepLast: 1,
            });
            injected.expiries++;
          } catch (error) {
            if (error instanceof CommitConflictError) injected.commitConflicts++;
            else harnessErrors.push(`maintenance: ${(error as Error).name}: ${(error as Error).message}`);
          }
        }
      })(),
    );
  }
  let reads = 0;
  let failedReads = 0;
  const readColumns = ['id', 'name', 'n', 'price'];
  if (f.readerThroughMaintenance) {
    loops.push(
      (async () => {
        while (chaos.active) {
          try {
            await readTable(shared, table, readColumns);
            reads++;
          } catch (error) {
            failedReads++;
            note(`failed read: ${(error as Error).name}: ${(error as Error).message.slice(0, 200)}`);
          }
          await sleep(5);
        }
      })(),
    );
  }

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

  // --- the workload
  await poller.start();
  const deleted = new Set<string>();
  const versions = new Map<string, Set<string>>();
  const state = new Map<string, Record<string, AttributeValue>>();
  const columns = table.columns.map((c) => c.name);
  const remember = (id: string, item: Record<string, AttributeValue>): void => {
    state.set(id, item);
    deleted.delete(id);
    const row = mapImage(table, item as AttributeMap, {
      table: table.name,
      sequenceNumber: undefined,
      key: undefined,
    });
    const text = JSON.stringify(canonical(Object.fromEntries(columns.map((c) => [c, row[c]]))));
    let set = versions.get(id);
    if (set === undefined) versions.set(id, (set = new Set()));
    set.add(text);
  };
  const name = table.dynamodb.tableName;
  const workload = { puts: 0, updates: 0, deletes: 0, ttlExpiries: 0 };
  for (const op of scenario.operations) {
    const id = `k${op.key}`;
    switch (op.kind) {
      case 'put': {
        const item = itemOf(id, op.value);
        await shared.ddb.send(new PutItemCommand({ TableName: name, Item: item }));
        workload.puts++;
        remember(id, item);
        break;
      }
      case 'update': {
        const current = state.get(id);
        if (current === undefined) break;
        await shared.ddb.send(
          new UpdateItemCommand({
            TableName: name,
            Key: { id: { S: id } },
            UpdateExpression: 'SET #name = :name',
            ExpressionAttributeNames: { '#name': 'name' },
            ExpressionAttributeValues: { ':name': { S: op.name } },
          }),
        );
        workload.updates++;
        remember(id, { ...current, name: { S: op.name } });
        break;
      }
      case 'delete':
        await shared.ddb.send(new DeleteItemCommand({ TableName: name, Key: { id: { S: id } } }));
        if (state.delete(id)) {
          deleted.add(id);
          workload.deletes++;
        }
        break;
      case 'expire': {
        const current = state.get(id);
        if (current === undefined) break;
        const expiry = String(Math.floor(Date.now() / 1000) + TTL_AHEAD_S);
        await shared.ddb.send(
          new UpdateItemCommand({
            TableName: name,
            Key: { id: { S: id } },
            UpdateExpression: 'SET expires_at = :at',
            ExpressionAttributeValues: { ':at': { N: expiry } },
          }),
        );
        workload.ttlExpiries += await sweeper.sweep();
        state.delete(id);
        deleted.add(id);
        break;
      }
    }
    if (random() < 0.3) await sleep(Math.floor(random() * 8));
  }

  // --- heal: the stream is read to its end, faults stop, then the pipeline drains
  // Faults stay on while the stream is read to its end (and at least 1.5 s), so that they hit the
  // writer and the mergers at work, not an idle pipeline.
  const chaosUntil = Math.max(started + 1500, Date.now() + 300);
  await waitUntil(
    'the stream poller to catch up under faults',
    () => Date.now() >= chaosUntil && poller.isCaughtUp(),
    30_000,
  ).catch(() => undefined);
  chaos.active = false;
  shared.beforeCommit = undefined;
  await Promise.all(loops);
  await sleep(100);
  await waitUntil('the stream poller to catch up', () => poller.isCaughtUp(), 60_000);
  await sleep(250);
  await waitUntil('the stream poller to catch up', () => poller.isCaughtUp(), 60_000);
  await poller.stop();

  const drained = async (): Promise<boolean> => {
    const status = await invokeMerger(undefined);
    if (status === 'busy') clockOffsetMs += MERGER_TIMEOUT_MS + 61_000;
    if (status !== 'drained') return false;
    const [staged, journal] = await Promise.all([
      listStagedObjects(shared.s3, shared.bucket, table, 'staging/'),
      readJournal(shared.ddb, shared.controlTable, table.name),
    ]);
    return staged.length === 0 && journal === undefined;
  };
  await waitUntil('the merger to drain staging', drained, 60_000);

  // --- compare the lake with a full Scan of DynamoDB
  const dynamo = await scanAsColumns(shared.ddb, table);
  const lakeRows = await readTable(shared, table, columns);
  const seen = new Map<string, number>();
  let duplicates = 0;
  let lostChanges = 0;
  let resurrections = 0;
  let otherDifferences = 0;
  const lakeById = new Map<string, string>();
  for (const row of lakeRows) {
    const id = String(row.id);
    seen.set(id, (seen.get(id) ?? 0) + 1);
    if (seen.get(id)! > 1) {
      duplicates++;
      note(`duplicate: ${id}`);
    }
    lakeById.set(id, JSON.stringify(canonical(Object.fromEntries(columns.map((c) => [c, row[c]])))));
  }
  for (const [key, row] of dynamo) {
    const id = String((JSON.parse(key) as unknown[])[0]);
    const want = JSON.stringify(canonical(Object.fromEntries(columns.map((c) => [c, row[c]]))));
    const have = lakeById.get(id);
    if (have === want) continue;
    if (have === undefined || versions.get(id)?.has(have) === true) {
      lostChanges++;
      note(`lost change: ${id}: dynamodb ${want} lake ${have ?? '(missing)'}`);
    } else {
      otherDifferences++;
      note(`different: ${id}: dynamodb ${want} lake ${have}`);
    }
  }
  for (const id of lakeById.keys()) {
    if (dynamo.has(JSON.stringify([id]))) continue;
    if (deleted.has(id)) {
      resurrections++;
      note(`resurrected: ${id}`);
    } else {
      otherDifferences++;
      note(`extra in lake: ${id}`);
    }
  }

  // --- bad inputs: every bad record of an acknowledged batch is in quarantine with a typed error
  let handled = 0;
  let unexpectedQuarantine = 0;
  for (const key of await listKeys(shared, `quarantine/${table.name}/`)) {
    const body = JSON.parse(await readAll(shared, key)) as {
      reason?: string;
      record?: { eventID?: string };
      error?: { name?: string };
    };
    const id = body.record?.eventID;
    if (id !== undefined && badIds.has(id) && /Error$/.test(body.error?.name ?? '')) {
      badIds.delete(id);
      handled++;
    } else if (id === undefined || !id.startsWith('bad-input-')) {
      // A record DynamoDB itself produced was quarantined: a change the lake will not get.
      unexpectedQuarantine++;
      note(`quarantined a real record: ${body.error?.name ?? '?'}: ${body.reason ?? ''}`);
    }
  }

  for (const e of harnessErrors.slice(0, 3)) note(e);
  const failingKeys = examples
    .map((e) => /^(?:lost change|resurrected|different|duplicate|extra in lake): (k\d+)/.exec(e)?.[1])
    .filter((k): k is string => k !== undefined);
  if (failingKeys.length > 0) {
    const mentions = new RegExp(`[a-zA-Z](?:${failingKeys.join('|')})@|merger|step|fails after`);
    examples.push(...traceLines.filter((l) => mentions.test(l)).slice(0, 400));
  }
  await shared.ddb.send(new DeleteTableCommand({ TableName: name })).catch(() => undefined);
  const converged =
    duplicates === 0 &&
    lostChanges === 0 &&
    resurrections === 0 &&
    otherDifferences === 0 &&
    lakeRows.length === dynamo.size;
  return {
    seed,
    table: table.name,
    durationMs: Date.now() - started,
    converged,
    lostChanges,
    duplicates,
    resurrections,
    otherDifferences,
    reads,
    failedReads,
    badInputs: { tried: badTried, handled },
    unexpectedQuarantine,
    workload,
    injected,
    onFailureRecords,
    examples,
  };
}
