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
import { renderAppend } from '../../src/sql/render-append.js';
import { renderMerge } from '../../src/sql/render-merge.js';
import { renderCreate, renderOptimize, renderVacuum } from '../../src/sql/render-statements.js';
import {
  renderTombstoneCreate,
  renderTombstoneExpiry,
  renderTombstoneMerge,
  tombstoneTableName,
} from '../../src/sql/render-tombstones.js';

export interface DuckDbTestEngineOptions {
  /**
   * false: the engine runs the MERGE without tombstones (the protocol before tombstones), to show
   * the resurrections they prevent. Default true: the same two statements as Athena.
   */
  readonly tombstones?: boolean;
}

/**
 * A MergeEngine that runs the DuckDB dialect's own SQL on a real DuckDB: the staged objects are
 * fetched from S3 (s3rver) into a directory and read by the rendered statements' read_json. It
 * follows the same protocol as AthenaEngine: the tombstone MERGE, then the main MERGE filtered
 * against the tombstones (sql/render-tombstones.ts). After every commit it records what a reader
 * of the table sees (`history`), so tests can check every version, not only the last.
 */
export class DuckDbTestEngine implements MergeEngine {
  readonly merges: string[][] = [];
  /** The table's rows (id, name) after every commit of the main table. */
  readonly history: Record<string, unknown>[][] = [];
  private readonly dir = mkdtempSync(join(tmpdir(), 'duck-engine-'));
  private counter = 0;

  private constructor(
    private readonly s3: S3Client,
    readonly db: DuckDBConnection,
    private readonly useTombstones: boolean,
  ) {}

  static async create(s3: S3Client, options: DuckDbTestEngineOptions = {}): Promise<DuckDbTestEngine> {
    return new DuckDbTestEngine(
      s3,
      await (await DuckDBInstance.create(':memory:')).connect(),
      options.tombstones ?? true,
    );
  }

  async ensureTable(table: TableDeclaration): Promise<void> {
    for (const sql of renderCreate(table, duckdbDialect, {
      database: 'lake',
      tableLocation: '',
      stagingLocation: '',
    }))
      await this.db.run(sql);
    if (table.mode !== 'append')
      await this.db.run(renderTombstoneCreate(table, duckdbDialect, { database: 'lake' }));
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
    const plan = {
      table: batch.table,
      target: { database: 'lake', name: batch.table.name },
      stagingTable: { name: 'unused' },
      files,
      tombstones: { database: 'lake', name: tombstoneTableName(batch.table) },
    };
    // Append tables: the one insert-only statement, as AthenaEngine runs it.
    if (batch.table.mode === 'append') await this.db.run(renderAppend(plan, duckdbDialect));
    else if (this.useTombstones) {
      await this.db.run(renderTombstoneMerge(plan, duckdbDialect));
      await this.db.run(renderMerge(plan, duckdbDialect));
    } else await this.db.run(renderMerge({ ...plan, tombstones: undefined }, duckdbDialect));
    this.merges.push(batch.objects.map((o) => o.key));
    this.history.push(await this.rows(batch.table.name));
    return {};
  }

  /**
   * DuckDB's errors for data it cannot read: a value that does not cast (Conversion Error), JSON
   * that does not parse (Invalid Input Error) (https://duckdb.org/docs/stable/dev/internal_errors
   * lists the error classes by message prefix).
   */
  isUnreadableData(error: unknown): boolean {
    return error instanceof Error && /^(Conversion Error|Invalid Input Error)/.test(error.message);
  }

  async tombstones(table: TableDeclaration): Promise<Record<string, unknown>[]> {
    const reader = await this.db.runAndReadAll(
      `SELECT id, _seq FROM lake.${tombstoneTableName(table)} ORDER BY id`,
    );
    return reader.getRowObjectsJson();
  }

  async maintain(
    table: TableDeclaration,
    options?: { readonly now: Date; readonly tombstoneRetentionMs?: number },
  ): Promise<MaintenanceResult> {
    if (options?.tombstoneRetentionMs !== undefined)
      await this.db.run(
        renderTombstoneExpiry(
          table,
          duckdbDialect,
          'lake',
          new Date(options.now.getTime() - options.tombstoneRetentionMs),
        ),
      );
    await this.db.run(renderOptimize(table, duckdbDialect, { database: 'lake' }));
    await this.db.run(renderVacuum(table, duckdbDialect, { database: 'lake' }));
    return { optimized: true };
  }

  async rows(table: string): Promise<Record<string, unknown>[]> {
    const reader = await this.db.runAndReadAll(`SELECT id, name, _seq FROM lake.${table} ORDER BY id`);
    return reader.getRowObjectsJson();
  }
}
