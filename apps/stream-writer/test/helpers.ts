import { readFileSync } from 'node:fs';

import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { METRICS_NAMESPACE } from '@ddb-athena-sync/core/config/env';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { vi } from 'vitest';

import type { Config } from '../src/config.js';
import type { Deps } from '../src/deps.js';

export function fixtureEvent(name: string): DynamoDBStreamEvent {
  const file = JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as {
    records: unknown[];
  };
  return { Records: file.records } as DynamoDBStreamEvent;
}

/** Metric values the handler published, by name (summed over invocations). */
export interface MetricsProbe {
  readonly metrics: Metrics;
  readonly published: Record<string, number>[];
}

export function metricsProbe(): MetricsProbe {
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'stream-writer' });
  const published: Record<string, number>[] = [];
  // Keep EMF off stdout in tests and record what would have been emitted.
  vi.spyOn(metrics, 'publishStoredMetrics').mockImplementation(() => {
    const emf = metrics.serializeMetrics() as unknown as Record<string, unknown>;
    const names = (
      emf._aws as { CloudWatchMetrics: { Metrics: { Name: string }[]; Dimensions: string[][] }[] }
    ).CloudWatchMetrics[0]!;
    expectDimension(names.Dimensions);
    published.push(Object.fromEntries(names.Metrics.map((m) => [m.Name, emf[m.Name] as number])));
    metrics.clearMetrics();
    return metrics;
  });
  return { metrics, published };
}

function expectDimension(dimensions: string[][]): void {
  if (!dimensions.flat().includes('table'))
    throw new Error(`metrics lack the "table" dimension: ${JSON.stringify(dimensions)}`);
}

export function testDeps(
  config: Config,
  store: ObjectStore,
  probe: MetricsProbe,
  now = 1795767660_000,
): Deps {
  return {
    config,
    store,
    metrics: probe.metrics,
    logger: new Logger({ logLevel: 'SILENT' }),
    now: () => now,
  };
}

export function configFor(table: TableDeclaration, bucket: string): Config {
  return {
    bucket,
    stagingPrefix: 'staging/',
    quarantinePrefix: 'quarantine/',
    table,
    serviceName: 'stream-writer',
    logLevel: 'SILENT',
    s3Endpoint: undefined,
  };
}

export async function listKeys(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

export async function getBytes(s3: S3Client, bucket: string, key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return out.Body!.transformToByteArray();
}
