// Measures what one MERGE reads on Trino (Athena engine v3 is Trino) with and without the partition
// restriction (packages/core/src/sql/partition-bounds.ts), for tables of growing size: a benchmark
// script that prints numbers (docs/BENCHMARKS.md, "MERGE read bytes"), not a test.
//
//   pnpm --filter @ddb-athena-sync/athena-local exec tsx scripts/measure-merge-read.ts [days...]
//
// Each table is partitioned by day(created_at) (immutable), `rowsPerDay` rows a day over `days` days.
// One batch updates `batchRows` existing keys of the newest day; it is merged through AthenaEngine
// (the merger's real path: the Athena API stand-in in front of Trino) once without bounds (the MERGE
// joins the whole target) and once, for other keys of the same day, with the bounds staging records.
// Figures: DataScannedInBytes as the stand-in reports it (Trino's physicalInputBytes, what Athena
// bills), and, from EXPLAIN ANALYZE of the same statement, the rows and bytes the target scan read.
import { AthenaClient, GetQueryExecutionCommand } from '@aws-sdk/client-athena';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import { combineBounds, rowBounds } from '@ddb-athena-sync/core/sql/partition-bounds';
import { athenaDialect } from '@ddb-athena-sync/core/sql/dialect';
import { renderMerge } from '@ddb-athena-sync/core/sql/render-merge';
import { encodeStagingObject, stagingMetadata } from '@ddb-athena-sync/core/staging/staging-object';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import { localS3Client } from '@ddb-athena-sync/local-services/local-clients';
import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import { startAthenaStandIn } from '../src/athena-stand-in.js';
import { startTrino } from '../src/trino-server.js';

const DATABASE = 'measure_db';
const LOCAL = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
// Trino's sequence() returns at most 10,000 entries: rows are (row of the day) x (day).
const rowsPerDay = Math.min(10_000, Number(process.env.ROWS_PER_DAY ?? 10_000));
const batchRows = Number(process.env.BATCH_ROWS ?? 200);
const dayCounts = process.argv.slice(2).map(Number);
const days = dayCounts.length > 0 ? dayCounts : [10, 40];

const s3Local = await startS3Local({ buckets: ['lake'] });
// Up to 10 minutes to start: on two shared cores under load Trino took over 3.
const trino = await startTrino({
  s3: { endpoint: s3Local.endpoint, ...LOCAL, region: 'us-east-1' },
  readyTimeoutMs: 600_000,
});
const standIn = await startAthenaStandIn({ trino: trino.client });
await standIn.createDatabase(DATABASE);
const athena = new AthenaClient({ endpoint: standIn.endpoint, region: 'us-east-1', credentials: LOCAL });
const s3 = localS3Client(s3Local.endpoint);
const mib = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MiB`;

try {
  console.log(
    `trino ready in ${trino.startupMs} ms; ${rowsPerDay} rows a day, batches of ${batchRows} updates`,
  );
  console.log(
    'days | rows | table files | table bytes | unrestricted: scanned, target rows, target bytes | restricted: scanned, target rows, target bytes',
  );
  for (const d of days) {
    const table = parseDeclaration({
      name: `events_${d}d`,
      dynamodb: { tableName: `events_${d}d`, partitionKey: 'id' },
      columns: [
        { name: 'id', type: 'string' },
        { name: 'created_at', type: 'timestamp', conversion: 'iso8601', immutable: true },
        { name: 'v', type: 'string' },
      ],
      mode: 'merge',
      partitioning: ['day(created_at)'],
    });
    const engine = new AthenaEngine({
      athena,
      workGroup: 'primary',
      database: DATABASE,
      tableLocation: `s3://lake/tables/${table.name}/`,
      stagingLocation: `s3://lake/staging/${table.name}/`,
      pollBaseMs: 50,
    });
    await engine.ensureTable(table);
    // Key k<x> is created on day x mod d (2026-01-01 + that many days); v is 64 hex characters.
    const rows = rowsPerDay * d;
    await trino.client.query(
      `INSERT INTO ${table.name} SELECT 'k' || CAST(x AS varchar), date_add('millisecond', x / ${d}, date_add('day', x % ${d}, TIMESTAMP '2026-01-01 00:00:00.000000')),
         to_hex(sha256(to_utf8(CAST(x AS varchar)))), lpad('1', 40, '0'), TIMESTAMP '2026-01-01 00:00:00.000000'
       FROM (SELECT i * ${d} + day AS x FROM UNNEST(sequence(0, ${rowsPerDay - 1})) AS a(i) CROSS JOIN UNNEST(sequence(0, ${d - 1})) AS b(day))`,
      { catalog: 'iceberg', schema: DATABASE },
    );
    const files = await trino.client.query(
      `SELECT count(*), sum(file_size_in_bytes) FROM "${table.name}$files"`,
      { catalog: 'iceberg', schema: DATABASE },
    );
    const [fileCount, tableBytes] = (files.rows[0] ?? []).map(Number) as [number, number];

    const measure = async (first: number, restricted: boolean) => {
      // batchRows keys created on the newest day (x mod d = d - 1), updated.
      const keys = Array.from({ length: batchRows }, (_, i) => (first + i) * d + (d - 1));
      const created = await trino.client.query(
        `SELECT id, CAST(created_at AS varchar) FROM ${table.name} WHERE id IN (${keys.map((k) => `'k${k}'`).join(', ')})`,
        { catalog: 'iceberg', schema: DATABASE },
      );
      const staged: StagingRow[] = created.rows.map((r, i) => ({
        id: String(r[0]),
        created_at: String(r[1]).padEnd(26, '0'),
        v: `updated-${i}`,
        _op: 'upsert',
        _seq: String(1000 + first + i).padStart(40, '0'),
        _event_time: '2026-06-01 00:00:00.000000',
        _source: 'stream',
      }));
      const key = `staging/${table.name}/measure-${first}.json.gz`;
      const bounds = rowBounds(table, staged);
      await s3.send(
        new PutObjectCommand({
          Bucket: 'lake',
          Key: key,
          Body: encodeStagingObject(staged),
          Metadata: stagingMetadata(staged, bounds),
        }),
      );
      const objects = [{ key, size: 0, lastModified: new Date(), source: 'stream' as const }];
      const partitionBounds = combineBounds(table, [bounds]);
      const result = await engine.merge({
        table,
        bucket: 'lake',
        objects,
        ...(restricted ? { partitionBounds } : {}),
      });
      const execution = await athena.send(new GetQueryExecutionCommand({ QueryExecutionId: result.queryId }));
      // The same statement under EXPLAIN ANALYZE (a replay: the _seq guard makes it a no-op) for the
      // target scan's input.
      const sql = renderMerge(
        {
          table,
          target: { database: DATABASE, name: table.name },
          stagingTable: { database: DATABASE, name: stagingTableName(table) },
          files: [`s3://lake/${key}`],
          ...(restricted ? { bounds: partitionBounds } : {}),
        },
        athenaDialect,
      );
      const plan = await trino.client.query(`EXPLAIN ANALYZE ${sql}`, { catalog: 'hive', schema: DATABASE });
      const text = plan.rows.map((r) => String(r[0])).join('\n');
      // The scan of the target table: "ScanFilterProject[table = iceberg:measure_db.events_..." or
      // "TableScan[...]", followed by its "Input: N rows (X MB)" line.
      const scan = new RegExp(
        `(TableScan|ScanFilterProject|ScanProject)\\[table = iceberg:${DATABASE}\\.${table.name}\\$data@[^\\n]*[\\s\\S]*?Input: ([0-9.,]+[kMB]?) rows? \\(([0-9.]+)([kMG]?B)\\)`,
      ).exec(text);
      return {
        scanned: execution.QueryExecution?.Statistics?.DataScannedInBytes ?? 0,
        targetRows: scan?.[2] ?? '?',
        targetBytes: scan === null ? '?' : `${scan[3]}${scan[4]}`,
        plan: text,
      };
    };
    const unrestricted = await measure(0, false);
    const restricted = await measure(batchRows, true);
    console.log(
      `${d} | ${rows} | ${fileCount} | ${mib(tableBytes)} | ${mib(unrestricted.scanned)}, ${unrestricted.targetRows}, ${unrestricted.targetBytes} | ${mib(restricted.scanned)}, ${restricted.targetRows}, ${restricted.targetBytes}`,
    );
    if (process.env.SHOW_PLAN !== undefined) console.log(restricted.plan);
  }
} finally {
  await standIn.stop();
  await trino.stop();
  await s3Local.stop();
}
