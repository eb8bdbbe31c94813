import {
  DescribeStreamCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
} from '@aws-sdk/client-dynamodb-streams';
import type {
  _Record as StreamRecord,
  DynamoDBStreamsClient,
  Shard,
  ShardIteratorType,
} from '@aws-sdk/client-dynamodb-streams';

import { errorText, interpretResponse, seqOf } from './batch-response.js';
import type { FailedBatch, InvokeBatch, Outcome } from './batch-response.js';
import { MemoryCheckpointStore } from './checkpoint-store.js';
import type { CheckpointStore, ShardCheckpoint } from './checkpoint-store.js';

export type PollerEvent =
  | { readonly type: 'batch'; readonly shardId: string; readonly records: number }
  | {
      readonly type: 'retry';
      readonly shardId: string;
      readonly records: number;
      readonly attempt: number;
      readonly reason: string;
    }
  | { readonly type: 'bisect'; readonly shardId: string; readonly records: number }
  | { readonly type: 'on-failure'; readonly batch: FailedBatch }
  | { readonly type: 'read-error'; readonly shardId: string | undefined; readonly reason: string }
  | { readonly type: 'shard-finished'; readonly shardId: string };

export interface StreamPollerOptions {
  readonly streams: DynamoDBStreamsClient;
  readonly streamArn: string;
  readonly invoke: InvokeBatch;
  /** BatchSize, 1-10,000 (Lambda default for DynamoDB: 100). */
  readonly batchSize?: number;
  /** MaximumBatchingWindowInSeconds, in ms: wait up to this long to fill a batch (default 500). */
  readonly maximumBatchingWindowMs?: number;
  /** MaximumRetryAttempts: -1 = until the record expires (Lambda's default; never use it), else 0-10,000. Default 3. */
  readonly maximumRetryAttempts?: number;
  /** BisectBatchOnFunctionError (default true). */
  readonly bisectBatchOnFunctionError?: boolean;
  /** MaximumRecordAgeInSeconds, in ms: older records go to on-failure unprocessed. -1 (default) = no limit. */
  readonly maximumRecordAgeMs?: number;
  /** StartingPosition for shards with no checkpoint (child shards always start at TRIM_HORIZON). */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** The on-failure destination. */
  readonly onFailure?: (batch: FailedBatch) => Promise<void>;
  readonly checkpoints?: CheckpointStore;
  /** Pause between GetRecords calls that returned nothing (Lambda polls each shard about 4 times a second). */
  readonly pollIntervalMs?: number;
  /** How often DescribeStream looks for new shards. */
  readonly shardRefreshMs?: number;
  readonly retryBackoffMs?: (attempt: number) => number;
  readonly onEvent?: (event: PollerEvent) => void;
  readonly now?: () => number;
}

export interface PollerStats {
  batches: number;
  records: number;
  retries: number;
  bisects: number;
  failedRecords: number;
  readErrors: number;
}

/** Thrown inside a shard worker to unwind it when the poller is stopped or killed. */
class PollerStopped extends Error {
  constructor() {
    super('poller stopped');
    this.name = 'PollerStopped';
  }
}

/**
 * A local DynamoDB Streams event source mapping that behaves like Lambda's
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html):
 *
 * - shards are read in lineage order: a child shard starts only after its parent shard is closed
 *   and fully processed, so per-item order holds across shard splits;
 * - records are batched per shard up to `batchSize` or until the batching window runs out;
 * - a partial batch response checkpoints the records before the lowest failed one and retries
 *   from it; a function error retries the whole batch, bisected when `bisectBatchOnFunctionError`;
 * - after `maximumRetryAttempts` (or when a record is older than `maximumRecordAgeMs`) the batch
 *   goes to the on-failure destination and the shard moves on: a poison record never blocks it;
 * - the checkpoint moves only after a batch is handled, so delivery is at least once.
 */
export class StreamPoller {
  readonly streamArn: string;
  readonly stats: PollerStats = {
    batches: 0,
    records: 0,
    retries: 0,
    bisects: 0,
    failedRecords: 0,
    readErrors: 0,
  };
  private readonly o: Required<Omit<StreamPollerOptions, 'onFailure' | 'onEvent'>> &
    Pick<StreamPollerOptions, 'onFailure' | 'onEvent'>;
  private checkpoints = new Map<string, ShardCheckpoint>();
  private readonly workers = new Map<string, Promise<void>>();
  /** Shards whose last GetRecords returned nothing and that have nothing buffered or in flight. */
  private readonly caughtUp = new Map<string, boolean>();
  private running = false;
  private killed = false;
  private loop: Promise<void> | undefined;
  private readonly sleepers = new Set<() => void>();

  constructor(options: StreamPollerOptions) {
    this.streamArn = options.streamArn;
    this.o = {
      batchSize: 100,
      maximumBatchingWindowMs: 500,
      maximumRetryAttempts: 3,
      bisectBatchOnFunctionError: true,
      maximumRecordAgeMs: -1,
      startingPosition: 'TRIM_HORIZON',
      checkpoints: new MemoryCheckpointStore(),
      pollIntervalMs: 250,
      shardRefreshMs: 1000,
      retryBackoffMs: (attempt) => Math.min(100 * 2 ** attempt, 2000),
      now: () => Date.now(),
      ...options,
    };
    if (this.o.batchSize < 1 || this.o.batchSize > 10_000) throw new RangeError('batchSize must be 1-10,000');
    if (this.o.maximumRetryAttempts < -1 || this.o.maximumRetryAttempts > 10_000)
      throw new RangeError('maximumRetryAttempts must be -1 to 10,000');
  }

  /** Loads the checkpoints and starts polling. */
  async start(): Promise<void> {
    if (this.running) return;
    this.checkpoints = await this.o.checkpoints.load(this.streamArn);
    this.running = true;
    this.killed = false;
    this.loop = this.discoverLoop();
  }

  /** Clean stop: in-flight invocations finish and are checkpointed; buffered records are read again next time. */
  async stop(): Promise<void> {
    this.running = false;
    this.wakeAll();
    await this.loop;
    await Promise.allSettled([...this.workers.values()]);
  }

  /**
   * Abrupt stop, like a crashed poller: nothing is checkpointed from now on, and results of
   * invocations still running are ignored (they are delivered again after a restart).
   */
  async kill(): Promise<void> {
    this.killed = true;
    this.running = false;
    this.wakeAll();
    await this.loop;
    await Promise.allSettled([...this.workers.values()]);
  }

  /** True when every known shard has been read to its end (for now) and nothing is buffered or in flight. */
  isCaughtUp(): boolean {
    if (this.workers.size === 0) return this.running;
    for (const shard of this.workers.keys()) if (this.caughtUp.get(shard) !== true) return false;
    return true;
  }

  private wakeAll(): void {
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
  }

  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleepers.delete(wake);
        resolve();
      }, ms);
      const wake = (): void => {
        clearTimeout(timer);
        resolve();
      };
      this.sleepers.add(wake);
    });
  }

  private emit(event: PollerEvent): void {
    try {
      this.o.onEvent?.(event);
    } catch {
      // An observer must never break the mapping.
    }
  }

  private async describeShards(): Promise<Shard[]> {
    const shards: Shard[] = [];
    let start: string | undefined;
    do {
      const out = await this.o.streams.send(
        new DescribeStreamCommand({
          StreamArn: this.streamArn,
          ...(start === undefined ? {} : { ExclusiveStartShardId: start }),
        }),
      );
      shards.push(...(out.StreamDescription?.Shards ?? []));
      start = out.StreamDescription?.LastEvaluatedShardId;
    } while (start !== undefined);
    return shards;
  }

  private async discoverLoop(): Promise<void> {
    while (this.running) {
      try {
        const shards = await this.describeShards();
        const known = new Set(shards.map((s) => s.ShardId));
        for (const shard of shards) {
          const id = shard.ShardId;
          if (id === undefined || this.workers.has(id) || this.checkpoints.get(id)?.finished === true)
            continue;
          const parent = shard.ParentShardId;
          // Parent before child: a parent that is still listed must be finished first. A parent
          // that is no longer listed was trimmed (24 h retention) and cannot hold anything.
          if (parent !== undefined && known.has(parent) && this.checkpoints.get(parent)?.finished !== true)
            continue;
          this.caughtUp.set(id, false);
          const worker = this.runShard(shard).catch((error: unknown) => {
            if (!(error instanceof PollerStopped))
              this.emit({ type: 'read-error', shardId: id, reason: errorText(error) });
          });
          this.workers.set(id, worker);
          // A worker that ended (shard finished, or an unexpected error) is forgotten; the next
          // discovery restarts an unfinished shard from its checkpoint.
          void worker.finally(() => {
            this.workers.delete(id);
            this.caughtUp.delete(id);
          });
        }
      } catch (error) {
        this.stats.readErrors++;
        this.emit({ type: 'read-error', shardId: undefined, reason: errorText(error) });
      }
      await this.sleep(this.o.shardRefreshMs);
    }
  }

  private async saveCheckpoint(shardId: string, checkpoint: ShardCheckpoint): Promise<void> {
    if (this.killed) throw new PollerStopped();
    this.checkpoints.set(shardId, checkpoint);
    await this.o.checkpoints.save(this.streamArn, shardId, checkpoint);
  }

  private async iterator(shard: Shard, after: string | undefined): Promise<string | undefined> {
    let type: ShardIteratorType = 'TRIM_HORIZON';
    if (after !== undefined) type = 'AFTER_SEQUENCE_NUMBER';
    else if (shard.ParentShardId === undefined && this.o.startingPosition === 'LATEST') type = 'LATEST';
    const out = await this.o.streams.send(
      new GetShardIteratorCommand({
        StreamArn: this.streamArn,
        ShardId: shard.ShardId,
        ShardIteratorType: type,
        ...(after === undefined ? {} : { SequenceNumber: after }),
      }),
    );
    return out.ShardIterator;
  }

  private async runShard(shard: Shard): Promise<void> {
    const shardId = shard.ShardId!;
    /** Last sequence number read from the shard (buffered or handled): where a new iterator resumes. */
    let position = this.checkpoints.get(shardId)?.sequenceNumber;
    let iterator: string | undefined = await this.iterator(shard, position);
    let closed = iterator === undefined;
    const buffer: StreamRecord[] = [];
    let firstBufferedAt: number | undefined;
    let readErrors = 0;

    while (this.running) {
      let emptyPage = false;
      if (!closed && buffer.length < this.o.batchSize) {
        try {
          const page = await this.o.streams.send(
            new GetRecordsCommand({
              ShardIterator: iterator,
              Limit: Math.min(1000, this.o.batchSize - buffer.length),
            }),
          );
          readErrors = 0;
          const records = page.Records ?? [];
          if (records.length > 0) {
            buffer.push(...records);
            position = seqOf(records[records.length - 1]!);
            firstBufferedAt ??= this.o.now();
          }
          emptyPage = records.length === 0;
          iterator = page.NextShardIterator;
          // No next iterator: the shard is closed and we have read all of it.
          if (iterator === undefined) closed = true;
        } catch (error) {
          this.stats.readErrors++;
          readErrors++;
          const name = (error as { name?: string }).name;
          // DynamoDB Local answers the first read of a still empty shard with TrimmedDataAccessException;
          // a fresh TRIM_HORIZON iterator is the remedy either way, so it is not worth a report.
          if (name !== 'TrimmedDataAccessException')
            this.emit({ type: 'read-error', shardId, reason: errorText(error) });
          if (name === 'ResourceNotFoundException') {
            // The shard is gone (trimmed): nothing more can be read from it.
            closed = true;
          } else {
            // ExpiredIteratorException, TrimmedDataAccessException or a transient failure:
            // back off and ask for a fresh iterator from where we are.
            await this.sleep(Math.min(200 * 2 ** readErrors, 5000));
            if (!this.running) break;
            try {
              iterator = await this.iterator(
                shard,
                name === 'TrimmedDataAccessException' ? undefined : position,
              );
            } catch {
              // Next loop reports it again.
            }
            continue;
          }
        }
      }

      const now = this.o.now();
      const windowDone =
        firstBufferedAt !== undefined && now - firstBufferedAt >= this.o.maximumBatchingWindowMs;
      if (buffer.length >= this.o.batchSize || (buffer.length > 0 && (windowDone || closed))) {
        const batch = buffer.splice(0, this.o.batchSize);
        firstBufferedAt = buffer.length > 0 ? now : undefined;
        this.caughtUp.set(shardId, false);
        await this.deliver(shardId, batch, 0);
        continue;
      }
      if (closed && buffer.length === 0) {
        await this.saveCheckpoint(shardId, {
          sequenceNumber: this.checkpoints.get(shardId)?.sequenceNumber,
          finished: true,
        });
        this.emit({ type: 'shard-finished', shardId });
        return;
      }
      if (emptyPage) {
        if (buffer.length === 0) this.caughtUp.set(shardId, true);
        const wait =
          firstBufferedAt === undefined
            ? this.o.pollIntervalMs
            : Math.min(
                this.o.pollIntervalMs,
                Math.max(1, firstBufferedAt + this.o.maximumBatchingWindowMs - now),
              );
        await this.sleep(wait);
      }
    }
  }

  private async invoke(shardId: string, records: readonly StreamRecord[]): Promise<Outcome> {
    try {
      return interpretResponse(await this.o.invoke(records, shardId), records);
    } catch (error) {
      return { kind: 'error', reason: errorText(error) };
    }
  }

  /** Delivers one batch until it is handled or given up on. Checkpoints as it goes. */
  private async deliver(
    shardId: string,
    records: readonly StreamRecord[],
    startAttempt: number,
  ): Promise<void> {
    let pending = records;
    let attempt = startAttempt;
    for (;;) {
      if (this.killed) throw new PollerStopped();
      if (this.o.maximumRecordAgeMs >= 0) {
        const cutoff = this.o.now() - this.o.maximumRecordAgeMs;
        const tooOld = pending.findIndex(
          (r) => (r.dynamodb?.ApproximateCreationDateTime?.getTime() ?? Infinity) >= cutoff,
        );
        const expired = tooOld < 0 ? pending.length : tooOld;
        if (expired > 0) {
          await this.giveUp(
            shardId,
            pending.slice(0, expired),
            attempt,
            'record older than MaximumRecordAge',
          );
          pending = pending.slice(expired);
          if (pending.length === 0) return;
        }
      }
      const outcome = await this.invoke(shardId, pending);
      if (this.killed) throw new PollerStopped();
      if (outcome.kind === 'ok') {
        this.stats.batches++;
        this.stats.records += pending.length;
        this.emit({ type: 'batch', shardId, records: pending.length });
        await this.saveCheckpoint(shardId, {
          sequenceNumber: seqOf(pending[pending.length - 1]!),
          finished: false,
        });
        return;
      }
      if (outcome.kind === 'partial' && outcome.index > 0) {
        const done = pending.slice(0, outcome.index);
        this.stats.records += done.length;
        await this.saveCheckpoint(shardId, {
          sequenceNumber: seqOf(done[done.length - 1]!),
          finished: false,
        });
        pending = pending.slice(outcome.index);
      }
      attempt++;
      if (this.o.maximumRetryAttempts >= 0 && attempt > this.o.maximumRetryAttempts) {
        await this.giveUp(shardId, pending, attempt, outcome.reason);
        return;
      }
      this.stats.retries++;
      this.emit({ type: 'retry', shardId, records: pending.length, attempt, reason: outcome.reason });
      if (outcome.kind === 'error' && this.o.bisectBatchOnFunctionError && pending.length > 1) {
        // Bisect: retry each half on its own, left half first so order holds; the retry count carries over.
        this.stats.bisects++;
        this.emit({ type: 'bisect', shardId, records: pending.length });
        const mid = Math.ceil(pending.length / 2);
        await this.deliver(shardId, pending.slice(0, mid), attempt);
        await this.deliver(shardId, pending.slice(mid), attempt);
        return;
      }
      // A stopping poller does not keep retrying: the batch is read again after a restart.
      if (!this.running) throw new PollerStopped();
      await this.sleep(this.o.retryBackoffMs(attempt));
    }
  }

  private async giveUp(
    shardId: string,
    records: readonly StreamRecord[],
    attempts: number,
    reason: string,
  ): Promise<void> {
    const batch: FailedBatch = {
      streamArn: this.streamArn,
      shardId,
      firstSequenceNumber: seqOf(records[0]!),
      lastSequenceNumber: seqOf(records[records.length - 1]!),
      attempts,
      reason,
      records,
    };
    this.stats.failedRecords += records.length;
    this.emit({ type: 'on-failure', batch });
    await this.o.onFailure?.(batch);
    await this.saveCheckpoint(shardId, { sequenceNumber: batch.lastSequenceNumber, finished: false });
  }
}
