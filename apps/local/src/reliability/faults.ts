import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MergeBatch, MergeEngine, MergeResult } from '@ddb-athena-sync/core/merge/engine';

import { sleep } from './prng.js';

/** An injected fault: never a product error, always named so that a report can tell them apart. */
export class InjectedFault extends Error {
  constructor(message: string, name = 'InjectedFault') {
    super(message);
    this.name = name;
  }
}

/** What the S3 wrapper does to each request while chaos is on. */
export interface S3FaultPlan {
  /** Probability that a request fails before it reaches S3 (a 503 SlowDown, a dropped connection). */
  readonly errorRate: number;
  /** Probability that a request succeeds in S3 but its response is lost (the caller sees an error). */
  readonly lostResponseRate: number;
  /** Each request waits up to this long first (slowness). */
  readonly maxDelayMs: number;
}

export interface FaultSwitch {
  /** Faults happen only while this is true: the scenario heals before the final drain. */
  active: boolean;
}

/** Faults actually injected, by kind (a plan counts only once it fired). */
export type FaultCounts = Record<string, number>;

export function bump(counts: FaultCounts, kind: string): void {
  counts[kind] = (counts[kind] ?? 0) + 1;
}

type AnySend = (...args: unknown[]) => Promise<unknown>;

/** An object whose prototype is the real client and whose `send` is replaced (the SDK keeps its state on the client). */
function withSend<T extends S3Client | DynamoDBClient>(
  real: T,
  send: (next: AnySend, args: unknown[]) => Promise<unknown>,
): T {
  const client = Object.create(real) as T;
  const next = (real.send as AnySend).bind(real);
  (client as { send: unknown }).send = (...args: unknown[]) => send(next, args);
  return client;
}

function commandName(args: readonly unknown[]): string {
  return (args[0] as { constructor: { name: string } }).constructor.name;
}

/**
 * A client with errors and slowness injected while chaos is on: a request may wait, fail before it
 * is sent, or be sent and then report a failure (its effect applied: the caller cannot tell). The
 * SDK retries neither: these are errors after the SDK's own retries (a client with maxAttempts 1).
 */
export function faultyClient<T extends S3Client | DynamoDBClient>(
  real: T,
  plan: { readonly errorRate: number; readonly lostResponseRate: number; readonly maxDelayMs?: number },
  chaos: FaultSwitch,
  random: () => number,
  counts: FaultCounts,
  kind: 's3' | 'control',
): T {
  return withSend(real, async (next, args) => {
    if (!chaos.active) return next(...args);
    if ((plan.maxDelayMs ?? 0) > 0) await sleep(Math.floor(random() * plan.maxDelayMs!));
    if (random() < plan.errorRate) {
      bump(counts, `${kind}Errors`);
      throw new InjectedFault(
        `injected error before ${commandName(args)}`,
        kind === 's3' ? 'SlowDown' : 'InternalServerError',
      );
    }
    const result = await next(...args);
    if (random() < plan.lostResponseRate) {
      bump(counts, `${kind}LostResponses`);
      throw new InjectedFault(`injected lost response after ${commandName(args)} succeeded`);
    }
    return result;
  });
}

/**
 * Points of an append table's compaction (core's compact-staged.ts, header comment, steps 1-4) a
 * merger can be made to die at, each a state its journal must recover from:
 * - `before-output-put`: `merging` written and the inputs read, the output not PUT;
 * - `before-committed`: the output PUT, `committed` not written;
 * - `before-input-deletes`: `committed` written, no input deleted;
 * - `between-input-deletes`: the first input deleted, the others not.
 * They are found from the calls themselves (the PUT of a `compacted/` staging key, then the calls
 * after it), as a crash before the k-th call is, without hooks in the product.
 */
export const COMPACTION_CRASH_POINTS = [
  'before-output-put',
  'before-committed',
  'before-input-deletes',
  'between-input-deletes',
] as const;
export type CompactionCrashPoint = (typeof COMPACTION_CRASH_POINTS)[number];

/** The compaction output's PUT (staging-key.ts, `compactedObjectKey`). */
export function isCompactedPut(command: unknown): boolean {
  return command instanceof PutObjectCommand && (command.input.Key ?? '').includes('/compacted/');
}

/**
 * One process's life: it dies before its `dieBeforeCall`-th call through any of its clients or its
 * engine (counted together, so a crash can land between any two side effects of the protocol,
 * without knowing the protocol's steps or its log lines), or at a compaction crash point. From then
 * on every call fails, so a dead merger cannot even release its lease: the next run waits for it to
 * expire, as after a Lambda crash.
 */
export class ProcessLife {
  private calls = 0;
  /** Calls since the compaction output's PUT was entered (undefined: none yet). */
  private sinceOutputPut: number | undefined;
  /** Calls sent and not yet answered: a dead process's concurrent calls may still land. */
  private readonly inFlight = new Set<Promise<unknown>>();
  dead = false;
  /** What the process was about to do when it died. */
  diedAt: string | undefined;
  /** The compaction crash point it died at, if it did. */
  diedAtPoint: CompactionCrashPoint | undefined;

  constructor(
    private readonly dieBeforeCall: number | undefined,
    private readonly compactionCrash?: CompactionCrashPoint,
  ) {}

  /** Counts a call; throws when the process is (or now becomes) dead. */
  enter(what: string, command?: unknown): void {
    if (this.dead) throw new InjectedFault('the process is dead');
    this.calls++;
    if (this.dieBeforeCall !== undefined && this.calls >= this.dieBeforeCall) {
      this.dead = true;
      this.diedAt = what;
      throw new InjectedFault(`the process died before call ${this.calls} (${what})`);
    }
    if (this.compactionCrash === undefined) return;
    if (this.sinceOutputPut !== undefined) this.sinceOutputPut++;
    else if (isCompactedPut(command)) this.sinceOutputPut = 0;
    // After the output's PUT (call 0) come `committed` (1), then the input deletes (2, 3, ...), sent
    // at once by concurrent workers: dying at 3 lets the first delete through and fails the rest.
    if (this.sinceOutputPut === COMPACTION_CRASH_POINTS.indexOf(this.compactionCrash)) {
      this.dead = true;
      this.diedAt = `compaction ${this.compactionCrash}`;
      this.diedAtPoint = this.compactionCrash;
      throw new InjectedFault(`the process died at compaction point ${this.compactionCrash} (${what})`);
    }
  }

  kill(what: string): void {
    this.dead = true;
    this.diedAt ??= what;
  }

  client<T extends S3Client | DynamoDBClient>(real: T): T {
    return withSend(real, (next, args) => {
      this.enter(commandName(args), args[0]);
      const call = next(...args);
      this.inFlight.add(call);
      const done = (): void => void this.inFlight.delete(call);
      void call.then(done, done);
      return call;
    });
  }

  /** Resolves once every call the process sent has been answered (or failed). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}

/** Engine faults for one MERGE, decided by the harness. */
export type EngineFault = 'fail' | 'cancel' | 'lost-result' | 'orphan' | undefined;

export interface EngineHooks {
  readonly life: ProcessLife;
  /** Which fault this MERGE gets (called once per merge). */
  readonly fault: () => EngineFault;
  /** Called once a merge committed, with its batch (the harness records the commit, then reads the lake). */
  readonly committed: (batch: MergeBatch, result: MergeResult, how: 'merger' | 'orphan') => Promise<void>;
  /** Runs the batch on another engine whose commit waits until the harness lets it go (an orphaned query). */
  readonly orphan: (batch: MergeBatch) => void;
  readonly counts: FaultCounts;
  readonly random: () => number;
}

/**
 * The merger's engine with Athena-like query faults: a query that FAILED, one CANCELLED while it ran
 * (StopQueryExecution, or the deadline's abort), one that SUCCEEDED while the caller saw an error
 * (a lost GetQueryExecution response), and one that outlives the invocation: the Lambda timed out,
 * the query goes on and commits later, after the lease expired and another merger took over.
 */
export function faultyEngine(real: MergeEngine, hooks: EngineHooks): MergeEngine {
  const engine = Object.create(real) as MergeEngine;
  engine.merge = async (batch: MergeBatch, signal?: AbortSignal): Promise<MergeResult> => {
    hooks.life.enter('engine merge');
    const fault = hooks.fault();
    if (fault === 'fail') {
      bump(hooks.counts, 'engineFailures');
      throw new InjectedFault('injected: the MERGE query FAILED', 'MergeQueryFailed');
    }
    if (fault === 'orphan') {
      bump(hooks.counts, 'orphanedQueries');
      hooks.orphan(batch);
      hooks.life.kill('timed out while its MERGE ran on');
      throw new InjectedFault('injected: the invocation timed out while its MERGE ran on');
    }
    let result: MergeResult;
    if (fault === 'cancel') {
      const abort = new AbortController();
      signal?.addEventListener('abort', () => abort.abort(signal.reason));
      const timer = setTimeout(
        () => abort.abort(new InjectedFault('injected: query CANCELLED')),
        Math.floor(hooks.random() * 20),
      );
      try {
        result = await real.merge(batch, abort.signal);
      } catch (error) {
        if (abort.signal.aborted) bump(hooks.counts, 'engineCancels');
        throw error;
      } finally {
        clearTimeout(timer);
      }
    } else {
      result = await real.merge(batch, signal);
    }
    await hooks.committed(batch, result, 'merger');
    if (fault === 'lost-result') {
      bump(hooks.counts, 'engineLostResults');
      throw new InjectedFault('injected: the MERGE SUCCEEDED but its result was lost');
    }
    return result;
  };
  return engine;
}
