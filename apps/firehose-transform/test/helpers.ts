import { readFileSync } from 'node:fs';

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { METRICS_NAMESPACE } from '@ddb-athena-sync/core/config/env';
import { decodeFirehoseRow } from '@ddb-athena-sync/core/firehose/firehose-row';
import type { FirehoseOutputRecord } from '@ddb-athena-sync/core/firehose/transform-records';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import type { FirehoseTransformationEvent, FirehoseTransformationEventRecord } from 'aws-lambda';
import { vi } from 'vitest';

import type { Config } from '../src/config.js';
import type { Deps } from '../src/deps.js';

export interface KinesisRecord {
  eventID: string;
  eventName: string;
  tableName: string;
  userIdentity: { type: string; principalId: string } | null;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Record<string, unknown>;
    NewImage?: Record<string, unknown>;
    OldImage?: Record<string, unknown>;
  };
  [field: string]: unknown;
}

/** The captured Kinesis-format records (see the fixture's note), fresh copies each call. */
export function kinesisFixture(): KinesisRecord[] {
  return (
    JSON.parse(readFileSync(new URL('./fixtures/kinesis-orders.json', import.meta.url), 'utf8')) as {
      records: KinesisRecord[];
    }
  ).records;
}

const FIRST_SEQUENCE = 49546986683135544286507457936321625675700192471156785154n;

/**
 * A Firehose transformation event with a Kinesis data stream source (Lambda developer guide,
 * "Using Lambda with Amazon Data Firehose"). `order` gives each record's position in the Kinesis
 * shard (its sequence number); by default the array order.
 */
export function firehoseEvent(
  records: readonly (KinesisRecord | string)[],
  order?: readonly number[],
): FirehoseTransformationEvent {
  return {
    invocationId: 'invocation-1',
    deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/orders',
    region: 'us-east-1',
    records: records.map((r, i): FirehoseTransformationEventRecord => ({
      recordId: `record-${String(i).padStart(4, '0')}`,
      approximateArrivalTimestamp: 1795768141000 + i,
      data: typeof r === 'string' ? r : Buffer.from(JSON.stringify(r)).toString('base64'),
      kinesisRecordMetadata: {
        shardId: 'shardId-000000000000',
        partitionKey: 'ignored',
        approximateArrivalTimestamp: 1795768141000 + i,
        sequenceNumber: (FIRST_SEQUENCE + BigInt(order?.[i] ?? i)).toString(),
        subsequenceNumber: '',
      },
    })),
  };
}

/**
 * An Ok record's body read back losslessly into table values, as Firehose's Iceberg destination
 * reads it (on the wire, timestamps are microseconds and numbers JSON numbers: core firehose-row.ts).
 */
export function decodeData(
  record: FirehoseOutputRecord,
  table: TableDeclaration = orders,
): Record<string, unknown> {
  return decodeFirehoseRow(table, Buffer.from(record.data, 'base64').toString('utf8'));
}

export interface MetricsProbe {
  readonly metrics: Metrics;
  readonly published: Record<string, number>[];
}

export function metricsProbe(): MetricsProbe {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'firehose-transform' });
  const published: Record<string, number>[] = [];
  // Keep EMF off stdout in tests and record what would have been emitted.
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    const directive = (
      emf._aws as { CloudWatchMetrics: { Metrics: { Name: string }[]; Dimensions: string[][] }[] }
    ).CloudWatchMetrics[0]!;
    if (!directive.Dimensions.flat().includes('table')) throw new Error('metrics lack the "table" dimension');
    published.push(Object.fromEntries(directive.Metrics.map((m) => [m.Name, emf[m.Name] as number])));
    metrics.clearMetrics();
    return metrics;
  });
  return { metrics, published };
}

/** An in-memory ObjectStore for tests that do not look at S3 (the s3rver test does). */
export function memoryStore(): ObjectStore & { readonly objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    putObject({ key, body }) {
      objects.set(key, body);
      return Promise.resolve();
    },
  };
}

export function testConfig(table: TableDeclaration, database: string): Config {
  return {
    table,
    database,
    quarantineBucket: 'lake',
    quarantinePrefix: 'quarantine/',
    serviceName: 'firehose-transform',
    logLevel: 'SILENT',
  };
}

export function testDeps(config: Config, probe: MetricsProbe, store: ObjectStore = memoryStore()): Deps {
  return {
    config,
    metrics: probe.metrics,
    logger: new Logger({ logLevel: 'SILENT' }),
    store,
    now: () => 1795768200_000,
  };
}
