import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { MaintenanceResult, MergeBatch, MergeEngine, MergeResult } from '../../src/merge/engine.js';
import { duckdbDialect } from '../../src/sql/dialect.js';
import { renderMerge } from '../../src/sql/render-merge.js';
import { renderCreate, renderOptimize, renderVacuum } from '../../src/sql/render-statements.js';

/**
 * A MergeEngine that runs the DuckDB dialect's own SQL on a real DuckDB: the staged objects are
 * fetched from S3 (s3rver) into a directory and read by the rendered MERGE's read_json.
 */
export class DuckDbTestEngine implements MergeEngine {
  readonly merges: string[][] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'duck-engine-'));
  private counter = 0;

  private constructor(
    private readonly s3: S3Client,
    readonly db: DuckDBConnection,
  ) {}

  static async create(s3: S3Client): Promise<DuckDbTestEngine> {
    return new DuckDbTestEngine(s3, await (await DuckDBInstance.create(':memory:')).connect());
  }

  async ensureTable(table: TableDeclaration): Promise<void> {
    for (const sql of renderCreate(table, duckdbDialect, {
      database: 'lake',
      tableLocation: '',
      stagingLocation: '',
    }))
      await this.db.run(sql);
  }

  async merge(batch: MergeBatch, signal?: AbortSignal): Promise<MergeResult> {
    const files: string[] = [];
    for (const o of batch.objects) {
      const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: batch.bucket, Key: o.key }), {
        abortSignal: signal,
      });
      const path = join(this.dir, `${this.counter++}.json.gz`);
      writeFileSync(path, await Body!.transformToByteArray());
      files.push(path);
    }
    signal?.throwIfAborted();
    await this.db.run(
      renderMerge(
        {
          table: batch.table,
          target: { database: 'lake', name: batch.table.name },
          stagingTable: { name: 'unused' },
          files,
        },
        duckdbDialect,
      ),
    );
    this.merges.push(batch.objects.map((o) => o.key));
    return {};
  }

  async maintain(table: TableDeclaration): Promise<MaintenanceResult> {
    await this.db.run(renderOptimize(table, duckdbDialect, { database: 'lake' }));
    await this.db.run(renderVacuum(table, duckdbDialect, { database: 'lake' }));
    return { optimized: true };
  }

  async rows(table: string): Promise<Record<string, unknown>[]> {
    const reader = await this.db.runAndReadAll(`SELECT id, name, _seq FROM lake.${table} ORDER BY id`);
    return reader.getRowObjectsJson();
  }
}
