import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import type { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import { mergeTable } from '@ddb-athena-sync/core/merge/merge-table';
import type { MergeRunReport } from '@ddb-athena-sync/core/merge/merge-table';
import { STAGED_PARTITION_BOUNDS_METADATA } from '@ddb-athena-sync/core/staging/staging-object';
import type { DynamoDBStreamRecord } from '@ddb-athena-sync/core/stream/decode-record';
import { stageStreamBatch } from '@ddb-athena-sync/core/stream/stage-batch';
import type { ObjectStore } from '@ddb-athena-sync/core/stream/stage-batch';
import { createControlTable } from '@ddb-athena-sync/core/test-support/control-table';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTrinoStack } from './support/trino-stack.js';
import type { TrinoStack } from './support/trino-stack.js';

// Issue 18 item 5: the MERGE restricted to the partitions a batch touches gives the same table as
// the MERGE over the whole target, on Trino (Athena engine v3 is Trino), through the merger's real
// path: stream records -> stageStreamBatch (bounds in the S3 metadata) -> s3rver -> mergeTable ->
// AthenaEngine -> the Athena API stand-in -> Trino's Iceberg connector.

const DATABASE = 'restrict_db';
/** fast-check runs of the property (each is up to 12 Trino MERGEs, 10-60 s on two busy cores). */
const RUNS = Number(process.env.ATHENA_LOCAL_RUNS ?? 3);

let stack: TrinoStack | undefined;
let s3: S3Client;
let dynamodb: DynamoDBClient;
/** Every QueryString the engines sent, in order. */
const sent: string[] = [];
let counter = 0;

beforeAll(async () => {
  stack = await startTrinoStack({ database: DATABASE, buckets: ['lake'], withDynamoDb: true });
  ({ s3 } = stack);
  dynamodb = stack.dynamodb!;
  stack.athena.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'StartQueryExecutionCommand')
        sent.push((args.input as { QueryString: string }).QueryString);
      return next(args);
    },
    { step: 'initialize', name: 'captureSql' },
  );
});

afterAll(async () => {
  await stack?.stop();
});

function eventsTable(name: string): TableDeclaration {
  return parseDeclaration({
    name,
    dynamodb: { tableName: `ddb_${name}`, partitionKey: 'id' },
    columns: [
      { name: 'id', type: 'string' },
      { name: 'created_at', type: 'timestamp', conversion: 'iso8601', immutable: true },
      { name: 'v', type: 'string' },
    ],
    mode: 'merge',
    partitioning: ['day(created_at)'],
  });
}

const engineFor = (table: TableDeclaration): AthenaEngine => stack!.engineFor(table);

/** The stream writer's store on s3rver; `dropBounds` stages like a writer from before the bounds. */
function s3Store(dropBounds: boolean): ObjectStore {
  return {
    async putObject({ key, body, contentType, contentEncoding, metadata }) {
      const kept = Object.fromEntries(
        Object.entries(metadata ?? {}).filter(([k]) => !dropBounds || k !== STAGED_PARTITION_BOUNDS_METADATA),
      );
      await s3.send(
        new PutObjectCommand({
          Bucket: 'lake',
          Key: key,
          Body: body,
          ContentType: contentType,
          ContentEncoding: contentEncoding,
          Metadata: kept,
        }),
      );
    },
  };
}

async function controlTable(): Promise<string> {
  const name = `control_${++counter}_${Date.now()}`;
  await createControlTable(dynamodb, name);
  return name;
}

interface Change {
  readonly key: number;
  readonly op: 'INSERT' | 'MODIFY' | 'REMOVE';
}

/** Stream records (NEW_AND_OLD_IMAGES) of one batch; key k's created_at is `created[k]` for ever. */
function records(table: TableDeclaration, batch: readonly Change[], created: readonly string[], seq: number) {
  return batch.map((c, i): DynamoDBStreamRecord => {
    const n = seq + i;
    const image = { id: { S: `k${c.key}` }, created_at: { S: created[c.key]! }, v: { S: `v${n}` } };
    return {
      eventID: `e${n}`,
      eventName: c.op,
      eventSource: 'aws:dynamodb',
      eventSourceARN: `arn:aws:dynamodb:us-east-1:000000000000:table/${table.dynamodb.tableName}/stream/2026-11-27T08:20:47.530`,
      dynamodb: {
        ApproximateCreationDateTime: 1795767600 + n,
        Keys: { id: { S: `k${c.key}` } },
        ...(c.op === 'REMOVE' ? { OldImage: image } : { NewImage: image }),
        SequenceNumber: String(n).padStart(21, '0'),
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    };
  });
}

async function runMerger(table: TableDeclaration, control: string): Promise<MergeRunReport> {
  return mergeTable(
    { s3, dynamodb, engine: engineFor(table), clock: { now: () => new Date() } },
    {
      table,
      bucket: 'lake',
      controlTable: control,
      owner: `test-${table.name}`,
      deadline: new Date(Date.now() + 120_000),
      database: DATABASE,
      minBatchBudgetMs: 0,
    },
  );
}

async function tableRows(table: TableDeclaration): Promise<string[][]> {
  const { rows } = await engineFor(table).queryRows(
    `SELECT id, CAST(created_at AS varchar), v, _seq FROM "${DATABASE}"."${table.name}" ORDER BY id, _seq`,
  );
  return rows.map((r) => r.map((v) => v ?? 'NULL'));
}

/** Runs the batches through a restricted and an unrestricted merger; returns both tables and the SQL. */
async function restrictedAndUnrestricted(
  batches: readonly (readonly Change[])[],
  created: readonly string[],
) {
  const n = ++counter;
  const restricted = eventsTable(`events_r${n}`);
  const unrestricted = eventsTable(`events_u${n}`);
  const merges = new Map<string, string[]>();
  for (const table of [restricted, unrestricted]) {
    const control = await controlTable();
    await engineFor(table).ensureTable(table);
    let seq = 1;
    for (const batch of batches) {
      const staged = await stageStreamBatch(
        records(table, batch, created, seq),
        { table },
        { store: s3Store(table === unrestricted), now: () => Date.now() },
      );
      expect(staged.batchItemFailures).toEqual([]);
      seq += batch.length;
      const from = sent.length;
      const report = await runMerger(table, control);
      expect(report.backlog).toBe(0);
      merges.set(table.name, [
        ...(merges.get(table.name) ?? []),
        ...sent
          .slice(from)
          .filter((sql) => sql.startsWith('MERGE INTO') && sql.includes(`"${table.name}" AS t`)),
      ]);
    }
  }
  return {
    restricted: await tableRows(restricted),
    unrestricted: await tableRows(unrestricted),
    restrictedSql: merges.get(restricted.name)!,
    unrestrictedSql: merges.get(unrestricted.name)!,
  };
}

const CREATED = [
  '2026-11-29T23:59:59.999999Z',
  '2026-11-30T00:00:00Z',
  '2026-11-30T12:00:00Z',
  '2026-12-01T00:00:00Z',
  '2026-12-03T08:00:00Z',
];

describe('partition restriction of the MERGE on Trino', () => {
  it('sends the predicate in the ON clause, and the table equals the unrestricted one', async () => {
    // Arrange: k0..k4 created on four days; batch 2 touches only 2026-11-30.
    const batches: Change[][] = [
      [0, 1, 2, 3, 4].map((key) => ({ key, op: 'INSERT' as const })),
      [
        { key: 1, op: 'MODIFY' },
        { key: 2, op: 'REMOVE' },
      ],
    ];
    // Act
    const out = await restrictedAndUnrestricted(batches, CREATED);
    // Assert
    expect(out.restricted).toEqual(out.unrestricted);
    expect(out.restricted.map((r) => r[0])).toEqual(['k0', 'k1', 'k3', 'k4']);
    expect(out.restrictedSql).toHaveLength(2);
    expect(out.restrictedSql[1]).toContain(
      `AND "t"."created_at" >= TIMESTAMP '2026-11-30 00:00:00.000000' AND "t"."created_at" < TIMESTAMP '2026-12-01 00:00:00.000000'\nWHEN MATCHED`,
    );
    expect(out.restrictedSql[0]).toContain(
      `"t"."created_at" >= TIMESTAMP '2026-11-29 00:00:00.000000' AND "t"."created_at" < TIMESTAMP '2026-12-04 00:00:00.000000'`,
    );
    // Objects without the bounds (an older stream writer): no restriction.
    expect(out.unrestrictedSql.filter((sql) => sql.includes('"t"."created_at"'))).toEqual([]);
    // Four merger runs on Trino: 60 s on a quiet machine, over 120 s at load 30.
  }, 600_000);

  it('gives the same table for random batches of inserts, updates and deletes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.array(
            fc.record({
              key: fc.integer({ min: 0, max: 4 }),
              op: fc.constantFrom<Change['op']>('INSERT', 'MODIFY', 'REMOVE'),
            }),
            { minLength: 1, maxLength: 5 },
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.shuffledSubarray(CREATED, { minLength: 5, maxLength: 5 }),
        async (batches, created) => {
          const out = await restrictedAndUnrestricted(batches, created);
          expect(out.restricted).toEqual(out.unrestricted);
          expect(out.restrictedSql.every((sql) => sql.includes('"t"."created_at" >= TIMESTAMP'))).toBe(true);
        },
      ),
      { numRuns: RUNS, endOnFailure: true },
    );
  }, 900_000);

  it("runs maintenance's windowed OPTIMIZE (WHERE on the partition column) on Trino", async () => {
    // Athena: "Only partition columns are allowed in the WHERE clause predicate"
    // (https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html); Trino's optimize takes
    // a predicate it can enforce on whole partitions, which the window's day boundary is.
    // Arrange
    const table = eventsTable(`events_m${++counter}`);
    await engineFor(table).ensureTable(table);
    await stageStreamBatch(
      records(
        table,
        [
          { key: 0, op: 'INSERT' },
          { key: 4, op: 'INSERT' },
        ],
        CREATED,
        1,
      ),
      { table },
      { store: s3Store(false), now: () => Date.now() },
    );
    expect((await runMerger(table, await controlTable())).backlog).toBe(0);
    const from = sent.length;
    // Act
    const outcome = await engineFor(table).maintain(table, {
      now: new Date('2026-12-04T00:00:00Z'),
      snapshotRetentionMs: 0,
      minSnapshotsToKeep: 1,
      compactSince: new Date('2026-12-02T10:00:00Z'),
    });
    // Assert
    expect(sent.slice(from).find((sql) => sql.startsWith('OPTIMIZE'))).toBe(
      `OPTIMIZE ${DATABASE}.\`${table.name}\` REWRITE DATA USING BIN_PACK WHERE created_at >= TIMESTAMP '2026-12-02 00:00:00.000000'`,
    );
    expect(outcome.optimized).toBe(true);
    expect((await tableRows(table)).map((r) => r[0])).toEqual(['k0', 'k4']);
  }, 600_000);
});
