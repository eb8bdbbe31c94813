// The metric/alarm contract: every alarm on a DdbAthenaSync metric watches a (namespace, metric,
// dimension set) that the handlers really publish.
//
// CloudWatch treats each distinct set of dimensions as its own metric: an alarm on {table} never sees
// a data point published with {service, table} (CloudWatch User Guide, "Dimensions",
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html#Dimension).
// Powertools Metrics adds a `service` dimension (POWERTOOLS_SERVICE_NAME) to every metric
// (https://docs.powertools.aws.dev/lambda/typescript/latest/features/metrics/). So the test reads the
// alarms and each function's environment from the .tf files, runs the handlers with that environment on
// the local stand-ins (s3rver, DynamoDB Local, the local lake), captures the EMF lines they print on
// stdout, and checks each alarm's exact combination is among them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createControlTable } from '@ddb-athena-sync/core/test-support/control-table';
import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { acquireLease, releaseLease } from '@ddb-athena-sync/core/merge/lease';
import { loadConfig as loadMergerConfig } from '@ddb-athena-sync/merger/config';
import { buildDeps as buildMergerDeps } from '@ddb-athena-sync/merger/deps';
import { createHandler as createMergerHandler } from '@ddb-athena-sync/merger/handler';
import { handler as streamWriterHandler } from '@ddb-athena-sync/stream-writer/handler';
import { handler as firehoseTransformHandler } from '@ddb-athena-sync/firehose-transform/handler';
import { Lake } from '@ddb-athena-sync/local-lake/lake';
import { LocalLakeEngine } from '@ddb-athena-sync/local-lake/merge-engine';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient, localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { books, orders } from '@ddb-athena-sync/schemas/test-support/example-tables';
import type { DynamoDBStreamEvent, FirehoseTransformationEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { loadModule } from '../src/hcl.js';
import { UNRESOLVED, moduleAlarms, moduleFunctions } from '../src/terraform-alarms.js';
import type { AlarmSpec, Bindings, FunctionSpec } from '../src/terraform-alarms.js';

const infraRoot = join(import.meta.dirname, '..');

/** One metric data point as CloudWatch reads it from an EMF line (EMF specification, AWS docs). */
interface PublishedMetric {
  readonly namespace: string;
  readonly metricName: string;
  /** The dimension set of the directive and the values the line gives those dimensions. */
  readonly dimensions: Readonly<Record<string, unknown>>;
}

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string }[];
    }[];
  };
  readonly [key: string]: unknown;
}

/** Each EMF line printed on stdout -> one entry per (metric, dimension set). */
function publishedMetrics(stdout: readonly string[]): PublishedMetric[] {
  const out: PublishedMetric[] = [];
  for (const line of stdout.join('').split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as Partial<EmfLine>;
    if (parsed._aws === undefined) continue;
    for (const directive of parsed._aws.CloudWatchMetrics) {
      for (const set of directive.Dimensions) {
        const dimensions = Object.fromEntries(set.map((d) => [d, parsed[d]]));
        for (const m of directive.Metrics)
          out.push({ namespace: directive.Namespace, metricName: m.Name, dimensions });
      }
    }
  }
  return out;
}

function serviceName(fn: FunctionSpec | undefined): string {
  const value = fn?.environment.POWERTOOLS_SERVICE_NAME;
  if (typeof value !== 'string') throw new Error(`${fn?.address ?? 'function'}: no POWERTOOLS_SERVICE_NAME`);
  return value;
}

function byName(functions: readonly FunctionSpec[], name: string): FunctionSpec | undefined {
  return functions.find((f) => f.address.endsWith(`.${name}`));
}

/** Custom-namespace alarms only: AWS/* metrics are published by AWS, not by our handlers. */
function ownAlarms(alarms: readonly AlarmSpec[]): AlarmSpec[] {
  return alarms.filter((a) => !a.namespace.startsWith('AWS/'));
}

function combination(alarm: AlarmSpec): string {
  return JSON.stringify([alarm.namespace, alarm.metricName, alarm.dimensions]);
}

let s3Local: S3Local;
let ddbLocal: DynamoDbLocal;
const captured: string[] = [];

beforeAll(async () => {
  [s3Local, ddbLocal] = await Promise.all([startS3Local({ buckets: ['lake'] }), startDynamoDbLocal()]);
  await createControlTable(localDynamoDbClient(ddbLocal.endpoint), 'control');
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([s3Local?.stop(), ddbLocal?.stop()]);
});

/** Runs fn with stdout captured (Powertools Metrics prints EMF through a Console on process.stdout). */
async function capturingStdout<T>(fn: () => Promise<T>): Promise<T> {
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  try {
    return await fn();
  } finally {
    write.mockRestore();
  }
}

/** The environment Terraform gives a function, with the values only known after apply filled in. */
function stubEnvironment(fn: FunctionSpec, local: Record<string, string>): void {
  for (const [key, value] of Object.entries(fn.environment)) {
    const v = local[key] ?? (value === UNRESOLVED ? undefined : value);
    if (v !== undefined) vi.stubEnv(key, v);
  }
  for (const [key, value] of Object.entries(local)) vi.stubEnv(key, value);
}

const LOCAL_CREDENTIALS = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  // The functions log at INFO in AWS; the test keeps stdout to EMF lines.
  LOG_LEVEL: 'SILENT',
};

describe('metric/alarm contract', () => {
  it('every DdbAthenaSync alarm of merge-table and firehose-table watches a metric the handlers publish', async () => {
    // Arrange: the alarms and function environments as Terraform would render them for books/orders.
    const merge = await loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
    const firehose = await loadModule(infraRoot, join(infraRoot, 'modules', 'firehose-table'));
    // module.declaration.environment: what the _internal/declaration module gives the functions.
    const declared = (env: Record<string, string>): Bindings['modules'] => {
      const { TABLE_NAME: _name, ...rest } = env;
      return { declaration: { environment: rest } };
    };
    const mergeBindings: Bindings = {
      vars: { table: { name: books.name }, log_level: 'INFO' },
      modules: declared(declarationEnv(books)),
    };
    const firehoseBindings: Bindings = {
      vars: { table: { name: orders.name }, log_level: 'INFO' },
      modules: declared(declarationEnv(orders)),
    };
    const alarms = [
      ...ownAlarms(await moduleAlarms(merge, mergeBindings)),
      ...ownAlarms(await moduleAlarms(firehose, firehoseBindings)),
    ];
    const mergeFunctions = moduleFunctions(merge, mergeBindings);
    const streamWriterFn = byName(mergeFunctions, 'stream_writer')!;
    const mergerFn = byName(mergeFunctions, 'merger')!;
    // The maintain action runs on its own function when the module has one, else on the merger.
    const maintainerFn = byName(mergeFunctions, 'maintainer') ?? mergerFn;
    const transformFn = byName(moduleFunctions(firehose, firehoseBindings), 'transform')!;
    const lake = await Lake.open({ root: mkdtempSync(join(tmpdir(), 'contract-lake-')) });
    const s3 = localS3Client(s3Local.endpoint);
    const engine = new LocalLakeEngine({ lake, s3 });
    await engine.ensureTable(books);
    const now = Date.now();
    const streamEvent = {
      Records: [
        {
          eventID: '1',
          eventName: 'INSERT',
          eventVersion: '1.1',
          eventSource: 'aws:dynamodb',
          awsRegion: 'us-east-1',
          eventSourceARN:
            'arn:aws:dynamodb:us-east-1:123456789012:table/books/stream/2026-01-01T00:00:00.000',
          dynamodb: {
            ApproximateCreationDateTime: Math.floor(now / 1000) - 30,
            Keys: { id: { S: 'b-1' } },
            NewImage: { id: { S: 'b-1' }, name: { S: 'Dune' } },
            SequenceNumber: '000000000000000000001',
            SizeBytes: 30,
            StreamViewType: 'NEW_AND_OLD_IMAGES',
          },
        },
      ],
    } as unknown as DynamoDBStreamEvent;
    const kinesisRecord = {
      awsRegion: 'us-east-1',
      eventID: 'e-1',
      eventName: 'INSERT',
      userIdentity: null,
      recordFormat: 'application/json',
      tableName: 'orders',
      dynamodb: {
        ApproximateCreationDateTime: now,
        Keys: { id: { S: 'o-1' } },
        NewImage: { id: { S: 'o-1' }, created_at: { S: '2026-05-01T12:34:56.789Z' }, total: { N: '1.50' } },
        SizeBytes: 40,
      },
      eventSource: 'aws:dynamodb',
    };
    const firehoseEvent: FirehoseTransformationEvent = {
      invocationId: 'invocation-1',
      deliveryStreamArn: 'arn:aws:firehose:us-east-1:123456789012:deliverystream/orders',
      region: 'us-east-1',
      records: [
        {
          recordId: 'record-0',
          approximateArrivalTimestamp: now,
          data: Buffer.from(JSON.stringify(kinesisRecord)).toString('base64'),
        },
      ],
    };
    const context = (id: string) => ({ awsRequestId: id, getRemainingTimeInMillis: () => 300_000 });
    const mergerEnv = (fn: FunctionSpec): void =>
      stubEnvironment(fn, {
        ...LOCAL_CREDENTIALS,
        ...declarationEnv(books),
        STAGING_BUCKET: 'lake',
        CONTROL_TABLE: 'control',
        ATHENA_WORKGROUP: 'wg',
        GLUE_DATABASE: 'library',
        TABLE_LOCATION: 's3://lake/tables/books/',
      });
    const mergerHandler = (fn: FunctionSpec) => {
      mergerEnv(fn);
      const deps = buildMergerDeps(loadMergerConfig(process.env));
      return createMergerHandler({
        ...deps,
        engine,
        s3,
        dynamodb: localDynamoDbClient(ddbLocal.endpoint),
      });
    };

    // Act: each handler with its function's environment, stdout captured.
    await capturingStdout(async () => {
      stubEnvironment(streamWriterFn, {
        ...LOCAL_CREDENTIALS,
        ...declarationEnv(books),
        STAGING_BUCKET: 'lake',
        S3_ENDPOINT: s3Local.endpoint,
      });
      await streamWriterHandler(streamEvent);
      vi.unstubAllEnvs();
      await mergerHandler(mergerFn)({ table: books.name, action: 'merge' }, context('merge-1'));
      vi.unstubAllEnvs();
      await mergerHandler(maintainerFn)({ table: books.name, action: 'maintain' }, context('maintain-1'));
      vi.unstubAllEnvs();
      stubEnvironment(transformFn, {
        ...LOCAL_CREDENTIALS,
        ...declarationEnv(orders),
        GLUE_DATABASE: 'library',
        QUARANTINE_BUCKET: 'lake',
        S3_ENDPOINT: s3Local.endpoint,
      });
      await firehoseTransformHandler(firehoseEvent);
      vi.unstubAllEnvs();
    });
    const published = publishedMetrics(captured);

    // Assert: the service names are the Terraform ones, and every alarm's exact combination was published.
    expect(new Set(published.map((p) => p.dimensions.service))).toEqual(
      new Set([streamWriterFn, mergerFn, maintainerFn, transformFn].map(serviceName)),
    );
    expect(alarms.length).toBeGreaterThanOrEqual(4);
    const missing = alarms.filter(
      (alarm) =>
        !published.some(
          (p) =>
            p.namespace === alarm.namespace &&
            p.metricName === alarm.metricName &&
            JSON.stringify(Object.entries(p.dimensions).sort()) ===
              JSON.stringify(Object.entries(alarm.dimensions).sort()),
        ),
    );
    expect(missing.map(combination)).toEqual([]);
  });

  it('a maintain run that finds the lease taken (busy) publishes no MaintenanceSucceeded', async () => {
    // The maintenance-missing alarm counts only successes: a run starved by the merger's lease must
    // not look like maintenance (issue 18, item 7).
    // Arrange: someone else holds the table's lease; the maintainer function's Terraform environment.
    const merge = await loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
    const functions = moduleFunctions(merge, { vars: { table: { name: books.name } } });
    const maintainerFn = byName(functions, 'maintainer') ?? byName(functions, 'merger')!;
    const dynamodb = localDynamoDbClient(ddbLocal.endpoint);
    const lease = await acquireLease(dynamodb, {
      controlTable: 'control',
      table: books.name,
      owner: 'another-run',
      now: new Date(),
      durationMs: 600_000,
    });
    stubEnvironment(maintainerFn, {
      ...LOCAL_CREDENTIALS,
      ...declarationEnv(books),
      STAGING_BUCKET: 'lake',
      CONTROL_TABLE: 'control',
      ATHENA_WORKGROUP: 'wg',
      GLUE_DATABASE: 'library',
      TABLE_LOCATION: 's3://lake/tables/books/',
    });
    const lake = await Lake.open({ root: mkdtempSync(join(tmpdir(), 'contract-busy-')) });
    const handler = createMergerHandler({
      ...buildMergerDeps(loadMergerConfig(process.env)),
      engine: new LocalLakeEngine({ lake, s3: localS3Client(s3Local.endpoint) }),
      s3: localS3Client(s3Local.endpoint),
      dynamodb,
    });
    vi.unstubAllEnvs();
    captured.length = 0;

    // Act
    const response = await capturingStdout(() =>
      handler(
        { table: books.name, action: 'maintain' },
        { awsRequestId: 'maintain-busy', getRemainingTimeInMillis: () => 300_000 },
      ),
    );
    await releaseLease(dynamodb, 'control', lease!);

    // Assert
    expect(lease).toBeDefined();
    expect(response.status).toBe('busy');
    expect(publishedMetrics(captured).filter((p) => p.metricName === 'MaintenanceSucceeded')).toEqual([]);
  });
});
