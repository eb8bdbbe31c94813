import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { quarantineFailedRecords } from '@ddb-athena-sync/core/firehose/quarantine-records';
import { transformFirehoseRecords } from '@ddb-athena-sync/core/firehose/transform-records';
import type {
  FirehoseInputRecord,
  FirehoseOutputRecord,
} from '@ddb-athena-sync/core/firehose/transform-records';
import type { FirehoseTransformationEvent } from 'aws-lambda';

import { buildDeps, loadDeployedConfig } from './deps.js';
import type { Deps } from './deps.js';

export interface FirehoseTransformationResponse {
  readonly records: FirehoseOutputRecord[];
}

/**
 * Firehose transformation event -> one result per record (core `transformFirehoseRecords`), each
 * rejected record quarantined with its reason (core `quarantineFailedRecords`).
 * Logs name record ids, results, reasons, error classes and quarantine keys; never the data.
 */
export function createHandler(
  deps: Deps,
): (event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResponse> {
  const { config, logger, metrics } = deps;
  metrics.setDefaultDimensions({ table: config.table.name });
  return async (event) => {
    const input = (event.records ?? []) as readonly FirehoseInputRecord[];
    const result = transformFirehoseRecords(input, { table: config.table, database: config.database });
    // Firehose's response has no field for a reason: each rejected record is written with its reason
    // under quarantine/<table>/ first. An S3 error fails the invocation, and Firehose retries it.
    const quarantined = await quarantineFailedRecords(
      input,
      result,
      { table: config.table, quarantinePrefix: config.quarantinePrefix },
      { store: deps.store, now: deps.now },
    );
    const objectKeys = new Map(quarantined.map((q) => [q.recordId, q.objectKey]));
    for (const o of result.outcomes) {
      if (o.result === 'ProcessingFailed')
        logger.warn('record failed', { ...o, objectKey: objectKeys.get(o.recordId) });
      else if (o.result === 'Dropped') logger.debug('record dropped', { ...o });
    }
    logger.info('batch transformed', {
      invocationId: event.invocationId,
      records: input.length,
      ...result.counts,
    });
    metrics.addMetric('Ok', MetricUnit.Count, result.counts.Ok);
    metrics.addMetric('Dropped', MetricUnit.Count, result.counts.Dropped);
    metrics.addMetric('ProcessingFailed', MetricUnit.Count, result.counts.ProcessingFailed);
    metrics.publishStoredMetrics();
    return { records: result.records };
  };
}

let cached:
  Promise<(event: FirehoseTransformationEvent) => Promise<FirehoseTransformationResponse>> | undefined;

/**
 * The Lambda entry point: configuration (with the table's declaration, read from S3 when Terraform
 * put it there) is read at the first invocation and kept; a failed cold start is not kept.
 */
export async function handler(event: FirehoseTransformationEvent): Promise<FirehoseTransformationResponse> {
  cached ??= loadDeployedConfig(process.env).then(
    (config) => createHandler(buildDeps(config)),
    (error: unknown) => {
      cached = undefined;
      throw error;
    },
  );
  return (await cached)(event);
}
