import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';

import type { Stack } from '@ddb-athena-sync/local-stack/stack';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';
import { BOOK_WORDS as WORDS, seededRandom as mulberry32 } from '@ddb-athena-sync/local-stack/sample-data';

export interface RampOptions {
  readonly stack: Stack;
  /** A merge-mode table with a `books`-shaped declaration. */
  readonly table: string;
  /** Target change rates (changes per second), in increasing order. */
  readonly rates: readonly number[];
  readonly stepMs: number;
  /** Called after every step with its result. */
  readonly onStep?: (step: RampStep) => void;
  readonly signal?: AbortSignal;
}

export interface RampStep {
  readonly targetPerSec: number;
  /** Changes DynamoDB Local acknowledged during the step, per second. */
  readonly achievedPerSec: number;
  /** Stream records written but not yet handed to the stream-writer, at the end of the step. */
  readonly streamBacklogEnd: number;
  /** Staged objects waiting for a merge, at the end of the step and at most during its second half. */
  readonly stagedObjectsEnd: number;
  readonly stagedObjectsMaxLateHalf: number;
  /** Age of the oldest staged object, at most during the step's second half (ms). */
  readonly oldestStagedAgeMaxLateHalfMs: number;
  readonly merges: number;
  readonly sustained: boolean;
  /** Why the step is not sustained (empty when it is). */
  readonly reasons: readonly string[];
}

export interface RampResult {
  readonly steps: readonly RampStep[];
  /** Achieved rate of the highest sustained step (0 when none was). */
  readonly maxSustainedChangesPerSec: number;
  readonly criteria: string;
}

const MAX_IN_FLIGHT = 16;
/** BatchWriteItem takes at most 25 requests (DynamoDB API reference, BatchWriteItem). */
const BATCH = 25;

/**
 * Writes `books` changes at a fixed rate: BatchWriteItem calls of up to 25 distinct keys, inserts of
 * new keys, overwrites of live keys (MODIFY records) and deletes. Behind by more than a second of
 * writes, it drops the excess instead of bursting, so the achieved rate shows what DynamoDB Local took.
 */
class ChangeWriter {
  written = 0;
  private readonly live: string[] = [];
  private inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly random = mulberry32(17);
  errors = 0;

  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly table: string,
  ) {}

  private item(id: string): Record<string, AttributeValue> {
    const pick = (): string => WORDS[Math.floor(this.random() * WORDS.length)]!;
    return {
      id: { S: id },
      name: { S: `${pick()} ${pick()}` },
      author: { S: `author ${Math.floor(this.random() * 500)}` },
      summary: { S: Array.from({ length: 5 + Math.floor(this.random() * 20) }, pick).join(' ') },
      date: { N: `${Date.now()}${String(Math.floor(this.random() * 1e6)).padStart(6, '0')}` },
    };
  }

  private requests(n: number): WriteRequest[] {
    const out: WriteRequest[] = [];
    const used = new Set<string>();
    for (let i = 0; i < n; i++) {
      const dice = this.live.length < 1000 ? 0 : this.random();
      if (dice < 0.3) {
        const id = `r-${(this.next++).toString(36)}`;
        this.live.push(id);
        used.add(id);
        out.push({ PutRequest: { Item: this.item(id) } });
        continue;
      }
      const at = Math.floor(this.random() * this.live.length);
      const id = this.live[at]!;
      if (used.has(id)) {
        i--;
        continue;
      }
      used.add(id);
      if (dice < 0.8) out.push({ PutRequest: { Item: this.item(id) } });
      else {
        this.live[at] = this.live[this.live.length - 1]!;
        this.live.pop();
        out.push({ DeleteRequest: { Key: { id: { S: id } } } });
      }
    }
    return out;
  }

  /** Writes at `perSec` until `stop()`. */
  start(perSec: number): void {
    const startedAt = performance.now();
    let issued = 0;
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - startedAt) / 1000) * perSec);
      // More than a second behind: drop the excess (the achieved rate will show it).
      if (due - issued > perSec) issued = due - perSec;
      while (issued < due && this.inFlight.size < MAX_IN_FLIGHT) {
        const n = Math.min(BATCH, due - issued);
        issued += n;
        const requests = this.requests(n);
        const p = this.ddb
          .send(new BatchWriteItemCommand({ RequestItems: { [this.table]: requests } }))
          .then((out) => {
            this.written += requests.length - (out.UnprocessedItems?.[this.table]?.length ?? 0);
          })
          .catch(() => {
            this.errors++;
          });
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      }
      // Every 100 ms: at 200 changes/s that is one call of 20 items, not ten calls of 2 (the call
      // count, not the item count, is what loads DynamoDB Local and this process).
    }, 100);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted === true) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done);
  });
}

/**
 * A stepped ramp on a running stack: each step writes at its target rate for `stepMs` while the
 * staging prefix is listed every second. A step is sustained when DynamoDB Local took at least 90%
 * of the target, the stream poller ended the step at most 5 seconds of writes behind, and during
 * the step's second half no staged object waited longer than three merge intervals (merges keep up:
 * each picks up everything staged before it started). The ramp stops at the first step that is not.
 */
export async function runChangeRamp(options: RampOptions): Promise<RampResult> {
  const { stack, table } = options;
  const runtime = stack.tables.get(table);
  if (runtime === undefined || runtime.declaration.mode !== 'merge')
    throw new Error(`${table} is not a merge-mode table of the stack`);
  const writer = new ChangeWriter(stack.ddb, runtime.declaration.dynamodb.tableName);
  const ageLimitMs = 3 * stack.mergeIntervalMs;
  let merges = 0;
  const unsubscribe = stack.subscribe((e) => {
    if (e.type === 'merge' && e.run.action === 'merge' && e.run.table === table) merges++;
  });
  const polled = (): number => stack.tables.get(table)!.poller.stats.records;
  const steps: RampStep[] = [];
  // A function, not an inline test: TypeScript would narrow `aborted` to false after the first check.
  const aborted = (): boolean => options.signal?.aborted === true;
  const baseline = polled() - writer.written;
  try {
    for (const rate of options.rates) {
      if (aborted()) break;
      const written0 = writer.written;
      const merges0 = merges;
      const t0 = performance.now();
      writer.start(rate);
      let stagedMax = 0;
      let ageMax = 0;
      let stagedEnd = 0;
      while (performance.now() - t0 < options.stepMs && !aborted()) {
        await sleep(1000, options.signal);
        const s = await stagingStatus(stack.s3, stack.bucket, table);
        stagedEnd = s.objects;
        if (performance.now() - t0 >= options.stepMs / 2) {
          stagedMax = Math.max(stagedMax, s.objects);
          ageMax = Math.max(ageMax, s.oldestAgeMs ?? 0);
        }
      }
      const elapsedMs = performance.now() - t0;
      // The writer's last calls finish (and count) before the rate and backlog are read; then it
      // restarts at the next rate.
      await writer.stop();
      const achieved = ((writer.written - written0) / elapsedMs) * 1000;
      const streamBacklog = Math.max(0, writer.written - (polled() - baseline));
      const reasons: string[] = [];
      if (achieved < 0.9 * rate) reasons.push(`DynamoDB Local took ${Math.round(achieved)}/s of ${rate}/s`);
      if (streamBacklog > 5 * rate) reasons.push(`stream poller ${streamBacklog} records behind`);
      if (ageMax > ageLimitMs)
        reasons.push(
          `a staged object waited ${Math.round(ageMax / 1000)} s for a merge (limit ${ageLimitMs / 1000} s)`,
        );
      const step: RampStep = {
        targetPerSec: rate,
        achievedPerSec: Math.round(achieved),
        streamBacklogEnd: streamBacklog,
        stagedObjectsEnd: stagedEnd,
        stagedObjectsMaxLateHalf: stagedMax,
        oldestStagedAgeMaxLateHalfMs: Math.round(ageMax),
        merges: merges - merges0,
        sustained: reasons.length === 0,
        reasons,
      };
      steps.push(step);
      options.onStep?.(step);
      if (!step.sustained) break;
    }
  } finally {
    await writer.stop();
    unsubscribe();
  }
  const sustained = steps.filter((s) => s.sustained);
  return {
    steps,
    maxSustainedChangesPerSec:
      sustained.length === 0 ? 0 : Math.max(...sustained.map((s) => s.achievedPerSec)),
    criteria: `achieved >= 90% of target; stream backlog at step end <= 5 s of writes; oldest staged object in the step's second half <= ${ageLimitMs / 1000} s (3 merge intervals)`,
  };
}
