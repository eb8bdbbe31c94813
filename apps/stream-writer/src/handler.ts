import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { stageStreamBatch } from '@ddb-athena-sync/core/stream/stage-batch';
import type { DynamoDBStreamRecord } from '@ddb-athena-sync/core/stream/decode-record';
import type { DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';

import { buildDeps, loadDeployedConfig } from './deps.js';
import type { Deps } from './deps.js';

/**
 * DynamoDB Streams batch -> one staging object (core `stageStreamBatch`) -> partial batch response.
 * Logs carry sequence numbers, object keys, error classes and reasons; never item contents.
 */
export function createHandler(deps: Deps): (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse> {
  const { config, logger, metrics } = deps;
  metrics.setDefaultDimensions({ table: config.table.name });
  return async (event) => {
    const records = (event.Records ?? []) as readonly DynamoDBStreamRecord[];
    const result = await stageStreamBatch(
      records,
      { table: config.table, stagingPrefix: config.stagingPrefix, quarantinePrefix: config.quarantinePrefix },
      { store: deps.store, now: deps.now },
    );
    for (const q of result.quarantined) logger.warn('record quarantined', { ...q });
    if (result.error !== undefined) {
      // S3 and SDK errors name the bucket/key, never item contents; anything else is logged by class only.
      const e = result.error instanceof Error ? result.error : undefined;
      logger.error('batch not fully staged; Lambda retries from the reported sequence number', {
        errorName: e?.name ?? typeof result.error,
        errorMessage: e?.message,
        batchItemFailures: result.batchItemFailures,
        records: records.length,
      });
    }
    if (result.staged !== undefined)
      logger.info('batch staged', { ...result.staged, records: records.length, skipped: result.skipped });
    metrics.addMetric('RecordsStaged', MetricUnit.Count, result.staged?.rows ?? 0);
    metrics.addMetric('BytesStaged', MetricUnit.Bytes, result.staged?.bytes ?? 0);
    metrics.addMetric('QuarantinedRecords', MetricUnit.Count, result.quarantined.length);
    metrics.addMetric('SkippedRecords', MetricUnit.Count, result.skipped);
    // Append tables: MODIFY/REMOVE dropped under the declaration's `drop` policy (0 for merge tables).
    metrics.addMetric('DroppedRecords', MetricUnit.Count, result.dropped.modifies + result.dropped.removes);
    if (result.oldestRecordAgeMs !== undefined)
      metrics.addMetric('OldestRecordAgeMs', MetricUnit.Milliseconds, result.oldestRecordAgeMs);
    metrics.publishStoredMetrics();
    return { batchItemFailures: [...result.batchItemFailures] };
  };
}

let cached: Promise<(event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>> | undefined;

/**
 * The Lambda entry point: configuration (with the table's declaration, read from S3 when Terraform
 * put it there) and clients are built at the first invocation and kept; a failed cold start is not
 * kept, so the next invocation tries again (an S3 read that failed once may succeed).
 */
export async function handler(event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> {
  cached ??= loadDeployedConfig(process.env).then(
    (config) => createHandler(buildDeps(config)),
    (error: unknown) => {
      cached = undefined;
      throw error;
    },
  );
  return (await cached)(event);
}
