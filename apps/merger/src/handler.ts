import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { maintainTable } from '@ddb-athena-sync/core/merge/maintain-table';
import { mergeTable } from '@ddb-athena-sync/core/merge/merge-table';
import type { MergeRunReport } from '@ddb-athena-sync/core/merge/merge-table';
import type { Context } from 'aws-lambda';
import { z } from 'zod';

import { SAFETY_MS } from './config.js';
import { buildDeps, loadDeployedConfig } from './deps.js';
import type { MergerDeps } from './deps.js';
import { BadEventError, MergerRunError } from './errors.js';

/** What EventBridge Scheduler sends (infra/modules/merge-table, scheduler.tf). */
const eventSchema = z.object({ table: z.string(), action: z.enum(['merge', 'maintain']) });
export type MergerEvent = z.infer<typeof eventSchema>;

export interface MergerResponse {
  readonly table: string;
  readonly action: MergerEvent['action'];
  readonly status: string;
  readonly batches?: number;
  readonly backlog?: number;
}

function recordMergeMetrics(deps: MergerDeps, report: MergeRunReport): void {
  const { metrics } = deps;
  for (const b of report.batches) {
    metrics.addMetric('FilesMerged', MetricUnit.Count, b.files);
    metrics.addMetric('BytesMerged', MetricUnit.Bytes, b.bytes);
    if (b.rows !== undefined) metrics.addMetric('RowsMerged', MetricUnit.Count, b.rows);
    metrics.addMetric('MergeDurationMs', MetricUnit.Milliseconds, b.durationMs);
    // Freshness: how long the oldest change of the batch waited to become visible in the table.
    if (b.oldestEventTime !== undefined)
      metrics.addMetric(
        'FreshnessLagMs',
        MetricUnit.Milliseconds,
        b.committedAt.getTime() - b.oldestEventTime.getTime(),
      );
  }
  // Every run that held the lease reports, 0 when nothing was staged: an idle table is a steady 0,
  // and a missing data point means the merger did not run (the alarm treats that as breaching).
  // The age counts every staged object, also those a held guard or a short budget kept back.
  if (report.status !== 'busy') {
    metrics.addMetric(
      'OldestStagedObjectAgeMs',
      MetricUnit.Milliseconds,
      report.oldestStagedObjectAgeMs ?? 0,
    );
    // Staged but not merged, and why: a steady 0 when nothing is held back.
    metrics.addMetric('StagedNotMerged', MetricUnit.Count, report.notMerged?.objects ?? 0);
    metrics.addMetric(
      'StagedNotMergedBackfillGuard',
      MetricUnit.Count,
      report.notMerged?.reason === 'backfill-guard' ? report.notMerged.objects : 0,
    );
    metrics.addMetric(
      'StagedNotMergedBudget',
      MetricUnit.Count,
      report.notMerged?.reason === 'budget' ? report.notMerged.objects : 0,
    );
    // Append tables: small staged objects folded into few before the append (compact-staged.ts).
    if (deps.table.mode === 'append') {
      const c = report.compactions ?? [];
      metrics.addMetric(
        'StagedObjectsCompacted',
        MetricUnit.Count,
        c.reduce((n, x) => n + x.inputs, 0),
      );
      metrics.addMetric('CompactedObjectsWritten', MetricUnit.Count, c.filter((x) => x.output).length);
    }
    // Staged objects the engine could not read, moved to quarantine (their reason is there).
    metrics.addMetric('StagedObjectsQuarantined', MetricUnit.Count, report.quarantined?.length ?? 0);
    // A backfill guard nobody heart-beat any more (the backfill was killed): released and cleared.
    metrics.addMetric(
      'BackfillGuardExpired',
      MetricUnit.Count,
      report.expiredBackfillRun === undefined ? 0 : 1,
    );
  }
}

/** The handler with its dependencies injected: parse the event, one core call, map the result. */
export function createHandler(
  deps: MergerDeps,
): (
  event: unknown,
  context: Pick<Context, 'awsRequestId' | 'getRemainingTimeInMillis'>,
) => Promise<MergerResponse> {
  return async (event, context) => {
    const parsed = eventSchema.safeParse(event);
    if (!parsed.success)
      throw new BadEventError(`expected {"table": "${deps.table.name}", "action": "merge" | "maintain"}`);
    const { table, action } = parsed.data;
    if (table !== deps.table.name)
      throw new BadEventError(`this function merges table "${deps.table.name}", not "${table}"`);
    const { logger, metrics, config } = deps;
    logger.appendKeys({ table, action, requestId: context.awsRequestId });
    const deadline = new Date(
      deps.clock.now().getTime() + Math.max(0, context.getRemainingTimeInMillis() - SAFETY_MS),
    );
    const common = {
      table: deps.table,
      controlTable: config.controlTable,
      owner: context.awsRequestId,
      deadline,
    };
    try {
      if (action === 'maintain') {
        const report = await maintainTable(deps, {
          ...common,
          ...(config.tombstoneRetentionMs === undefined
            ? {}
            : { tombstoneRetentionMs: config.tombstoneRetentionMs }),
        });
        // Only a run that did the work counts: `busy` (the lease was taken) is no maintenance, and
        // the maintenance-missing alarm (infra merge-table) fires when no success arrives for hours.
        if (report.status === 'done') metrics.addMetric('MaintenanceSucceeded', MetricUnit.Count, 1);
        logger.info('maintenance finished', {
          status: report.status,
          ...(report.status === 'done' ? { queryIds: report.result.queryIds } : {}),
        });
        return { table, action, status: report.status };
      }
      const report = await mergeTable(deps, {
        ...common,
        bucket: config.stagingBucket,
        stagingPrefix: config.stagingPrefix,
        database: config.glueDatabase,
        ...(config.minBatchBudgetMs === undefined ? {} : { minBatchBudgetMs: config.minBatchBudgetMs }),
        ...(deps.compaction === undefined ? {} : { compaction: deps.compaction }),
        // Progress only: keys and ids, never item contents.
        onStep: (step, detail) => logger.debug('merge step', { step, ...detail }),
      });
      recordMergeMetrics(deps, report);
      if (report.expiredBackfillRun !== undefined)
        logger.warn('backfill guard expired without a heartbeat: released', {
          runId: report.expiredBackfillRun,
        });
      logger.info('merge finished', {
        status: report.status,
        backlog: report.backlog,
        notMerged: report.notMerged,
        quarantined: report.quarantined,
        batches: report.batches.map((b) => ({
          batchId: b.batchId,
          replay: b.replay,
          files: b.files,
          bytes: b.bytes,
          rows: b.rows,
          queryId: b.result.queryId,
          durationMs: b.durationMs,
        })),
      });
      return {
        table,
        action,
        status: report.status,
        batches: report.batches.length,
        backlog: report.backlog,
      };
    } catch (error) {
      // The batch stays staged; the next scheduled run picks it up (or finishes its journal).
      // Logged and rethrown by class, error type and query id only: an engine's message can quote
      // item values (MergerRunError says why). The full error is logged at DEBUG, off by default.
      const failure = new MergerRunError(table, action, error);
      logger.error('merger run failed', {
        errorName: failure.errorName,
        errorType: failure.errorType,
        queryId: failure.queryId,
      });
      logger.debug('merger run failure detail', error as Error);
      throw failure;
    } finally {
      metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

let cold: Promise<(event: unknown, context: Context) => Promise<MergerResponse>> | undefined;

/**
 * The Lambda entry: configuration (with the table's declaration, read from S3 when Terraform put it
 * there) and clients are built at the first invocation, then reused; a failed cold start is not kept.
 */
export const handler = async (event: unknown, context: Context): Promise<MergerResponse> => {
  cold ??= loadDeployedConfig(process.env).then(
    (config) => createHandler(buildDeps(config)),
    (error: unknown) => {
      cold = undefined;
      throw error;
    },
  );
  return (await cold)(event, context);
};
