import type { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { MergeBatch } from '@ddb-athena-sync/core/merge/engine';
import { CommitConflictError } from '@ddb-athena-sync/local-lake/errors';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { HookedPipelineFunctions } from '../functions.js';
import { readJournal } from '@ddb-athena-sync/core/merge/journal';

import {
  bump,
  COMPACTION_CRASH_POINTS,
  faultyClient,
  faultyEngine,
  InjectedFault,
  isCompactedPut,
  ProcessLife,
} from './faults.js';
import type { CompactionCrashPoint, EngineFault, FaultCounts, FaultSwitch } from './faults.js';
import { atomicPuts, recordingS3 } from './recording.js';
import type { Changes } from './recording.js';
import type { FaultPlan } from './scenario-model.js';
import type { SharedServices } from './shared-services.js';
import type { StagedOnce } from './staged-once.js';

export interface MergerDriverContext {
  readonly shared: SharedServices;
  readonly functions: HookedPipelineFunctions;
  readonly table: TableDeclaration;
  readonly seed: number;
  readonly chaos: FaultSwitch;
  readonly random: () => number;
  readonly faults: FaultPlan;
  readonly injected: FaultCounts;
  readonly staged: Map<string, Changes>;
  readonly s3Faulty: (s3: S3Client) => S3Client;
  readonly recordCommit: (batch: MergeBatch, label: string) => Promise<void>;
  readonly log: (line: string) => void;
  readonly note: (text: string) => void;
  /** Filled in as the mergers compact (append tables). */
  readonly compactions: CompactionFigures;
  readonly stagedOnce: StagedOnce;
}

/** What the mergers' compactions did in a scenario (outputs seen landing in S3). */
export interface CompactionFigures {
  /** Compaction outputs PUT, replays included. */
  outputs: number;
  /** Inputs those outputs folded (the journal's `merging` entry at each PUT). */
  inputs: number;
  /** Outputs PUT again by the replay of a journal entry whose first PUT had landed. */
  replays: number;
}

/**
 * Counts the compaction outputs that land in S3 (below every fault: a PUT whose response is lost
 * still counts) and their inputs, from the `merging` entry that names them: the merger is waiting
 * for this PUT, so the entry cannot change meanwhile.
 */
function countingCompactions(
  real: S3Client,
  shared: SharedServices,
  table: string,
  figures: CompactionFigures,
  seen: Set<string>,
  stagedOnce: StagedOnce,
): S3Client {
  const client = Object.create(real) as S3Client;
  const send = real.send.bind(real) as (...args: unknown[]) => Promise<unknown>;
  (client as { send: unknown }).send = async (...args: unknown[]) => {
    const result = await send(...args);
    if (isCompactedPut(args[0])) {
      const key = (args[0] as PutObjectCommand).input.Key!;
      figures.outputs++;
      if (seen.has(key)) figures.replays++;
      seen.add(key);
      const journal = await readJournal(shared.ddb, shared.controlTable, table);
      figures.inputs += journal?.keys.length ?? 0;
      stagedOnce.compacted(key, journal?.keys ?? []);
    }
    return result;
  };
  return client;
}

export interface MergerDriver {
  /** One merger invocation (a crash is planned only when `mayCrash`); its status, or crashed/failed. */
  invoke(mayCrash: boolean): Promise<string>;
  /** Invocations so far. */
  runs(): number;
  /** Called once per merger tick: lets an orphaned query commit once another merger has run after it. */
  tick(): void;
  /** Lets every orphaned query go and waits for them (the heal). */
  settle(): Promise<void>;
}

/**
 * Merger invocations through `buildFunctions`' per-invocation hooks: each gets its own life (a
 * crash before its k-th call), faulty S3 and control-table clients and an engine with query faults,
 * and the orphaned queries those leave behind (a MERGE on another engine whose commit waits until
 * another merger has taken the batch over).
 */
export function createMergerDriver(ctx: MergerDriverContext): MergerDriver {
  const {
    shared,
    functions,
    table,
    seed,
    chaos,
    random,
    injected,
    staged,
    s3Faulty,
    recordCommit,
    log,
    note,
  } = ctx;
  const f = ctx.faults;
  // Orphaned queries: a MERGE on another engine whose commit waits for `release`.
  const orphans: Promise<void>[] = [];
  let releaseOrphan: (() => void) | undefined;
  let orphanAge = 0;
  const startOrphan = (batch: MergeBatch): void => {
    let release!: () => void;
    shared.orphanGate = new Promise<void>((r) => (release = r));
    releaseOrphan = release;
    orphanAge = 0;
    const engine = new LocalLakeEngine({ lake: shared.orphanLake, s3: shared.s3 });
    orphans.push(
      engine
        .merge(batch)
        .then(async (result) => {
          if (result.snapshotId !== undefined) bump(injected, 'orphanLateCommits');
          log(`orphaned query committed late (${result.snapshotId ?? 'no change'})`);
          await recordCommit(batch, `an orphaned query of batch ${batch.batchId?.slice(0, 8) ?? '?'}`);
        })
        .catch((error: unknown) => {
          // The batch's objects were gone, or the table moved too far: the late query failed.
          log(`orphaned query failed: ${(error as Error).name}`);
        }),
    );
  };
  const orphanPending = (): boolean => releaseOrphan !== undefined;

  let mergerRuns = 0;
  const compactedKeys = new Set<string>();
  let compactionCrashesFired = 0;
  const engineFault = (): EngineFault => {
    if (!chaos.active) return undefined;
    const r = random();
    const e = f.engine;
    if (r < e.failRate) return 'fail';
    if (r < e.failRate + e.cancelRate) return 'cancel';
    if (r < e.failRate + e.cancelRate + e.lostResultRate) return 'lost-result';
    if (!orphanPending() && r < e.failRate + e.cancelRate + e.lostResultRate + e.orphanRate) return 'orphan';
    return undefined;
  };
  const invokeMerger = async (mayCrash: boolean): Promise<string> => {
    const run = ++mergerRuns;
    const crashBefore =
      mayCrash && chaos.active && random() < f.mergerCrashRate
        ? 1 + Math.floor(random() * f.crashWithin)
        : undefined;
    // Only plans with a compaction crash rate draw for it: the other profiles' seeds stay as they were.
    // The points are taken in turn, the next one only once the last has fired (a planned crash that
    // found nothing to compact is not spent), so a scenario's first compaction crash is always at
    // `before-output-put` (the one that leaves inputs read and no output) and later ones reach the others.
    const compactionCrash: CompactionCrashPoint | undefined =
      mayCrash &&
      chaos.active &&
      crashBefore === undefined &&
      f.compactionCrashRate !== undefined &&
      random() < f.compactionCrashRate
        ? COMPACTION_CRASH_POINTS[compactionCrashesFired % COMPACTION_CRASH_POINTS.length]
        : undefined;
    const life = new ProcessLife(crashBefore, compactionCrash);
    log(
      `merger ${run} starts${crashBefore === undefined ? '' : ` (dies before call ${crashBefore})`}${compactionCrash === undefined ? '' : ` (dies at compaction point ${compactionCrash})`}`,
    );
    try {
      const response = (await functions.merger(
        { table: table.name, action: 'merge' },
        {
          requestId: `merger-${seed}-${run}`,
          s3: (s3) => {
            const counted = countingCompactions(
              s3,
              shared,
              table.name,
              ctx.compactions,
              compactedKeys,
              ctx.stagedOnce,
            );
            return life.client(
              chaos.active ? s3Faulty(counted) : recordingS3(atomicPuts(counted), staged, ctx.stagedOnce),
            );
          },
          dynamodb: (ddb) =>
            life.client(
              chaos.active
                ? faultyClient(ddb, { ...f.controlTable }, chaos, random, injected, 'control')
                : ddb,
            ),
          engine: (engine) =>
            faultyEngine(engine, {
              life,
              fault: engineFault,
              committed: (batch) =>
                recordCommit(batch, `merge ${run} of batch ${batch.batchId?.slice(0, 8) ?? '?'}`),
              orphan: startOrphan,
              counts: injected,
              random,
            }),
        },
      )) as { status: string };
      log(`merger ${run}: ${response.status}`);
      return response.status;
    } catch (error) {
      if (life.dead) {
        if (life.diedAtPoint !== undefined) compactionCrashesFired++;
        bump(
          injected,
          life.diedAtPoint !== undefined
            ? `compactionCrash:${life.diedAtPoint}`
            : life.diedAt === 'timed out while its MERGE ran on'
              ? 'mergerTimeouts'
              : 'mergerCrashes',
        );
        log(`merger ${run} died (${life.diedAt ?? '?'})`);
        return 'crashed';
      }
      const cause = (error as { cause?: unknown }).cause;
      log(
        `merger ${run} failed: ${(error as Error).name} (${(cause as Error | undefined)?.name ?? '-'}: ${(cause as Error | undefined)?.message?.slice(0, 200) ?? ''})`,
      );
      if (
        cause instanceof InjectedFault ||
        cause instanceof CommitConflictError ||
        (cause as Error | undefined)?.name === 'AbortError' ||
        (cause as { cause?: unknown } | undefined)?.cause instanceof InjectedFault
      )
        return 'failed';
      // A failure the scenario did not inject: the batch stays staged and the next run retries it,
      // but it is worth seeing.
      note(
        `merger error: ${(error as Error).name}: ${(cause as Error | undefined)?.name ?? ''} ${(cause as Error | undefined)?.message?.slice(0, 160) ?? ''}`,
      );
      return 'failed';
    }
  };

  return {
    invoke: invokeMerger,
    runs: () => mergerRuns,
    tick() {
      if (releaseOrphan !== undefined && ++orphanAge >= 2) {
        releaseOrphan();
        releaseOrphan = undefined;
      }
    },
    async settle() {
      releaseOrphan?.();
      releaseOrphan = undefined;
      await Promise.all(orphans);
      shared.orphanGate = undefined;
    },
  };
}
