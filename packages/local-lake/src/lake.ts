import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { appendRows } from './append-rows.js';
import type { AppendOutcome } from './append-rows.js';
import { FileCatalog } from './catalog.js';
import { commitChange, METADATA_PREVIOUS_VERSIONS_MAX } from './commit.js';
import type { CommitResult } from './commit.js';
import { partitionKey, withWorkArea } from './context.js';
import type { LakeContext } from './context.js';
import { loadRows, writeDataFiles } from './data-files.js';
import type { LakeRow } from './data-files.js';
import { SnapshotNotFoundError, TableNotFoundError } from './errors.js';
import {
  KEY_COLUMNS_PROPERTY,
  partitionSpecFromDeclaration,
  schemaFromDeclaration,
  sortOrderFromDeclaration,
} from './iceberg-schema.js';
import { liveRowsSql } from './live-rows-sql.js';
import { expireSnapshots, expireTombstones, optimizeTable, removeOrphanFiles } from './maintenance.js';
import type { ExpireOptions, ExpireOutcome, OptimizeOptions, OptimizeOutcome } from './maintenance.js';
import { mergeRows } from './merge-rows.js';
import type { MergeOutcome } from './merge-rows.js';
import { evolveSchema } from './schema-evolution.js';
import { ManifestReader, fileUri } from './snapshot-files.js';
import { currentSchema, currentSnapshot } from './table-metadata.js';
import type { LoadedTable } from './catalog.js';
import type { DataFile } from './manifest.js';
import type { SnapshotFiles } from './snapshot-files.js';
import type { Snapshot, TableMetadata } from './table-metadata.js';

// The facade: the public API of the local lake. The work is in commit.ts (optimistic commit,
// validation, snapshot summary), data-files.ts (Parquet data and position-delete writers),
// merge-rows.ts (MERGE with tombstones) and maintenance.ts (optimize, expiry, orphans, tombstones).
export type { AppendOutcome } from './append-rows.js';
export type { CommitResult } from './commit.js';
export type { LakeRow } from './data-files.js';
export type { ExpireOptions, ExpireOutcome, OptimizeOptions, OptimizeOutcome } from './maintenance.js';
export type { MergeOutcome } from './merge-rows.js';
export { partitionKey };
/** A table: a name in the default namespace, `namespace.name`, or both parts. */
export type TableRef = string | { readonly namespace: string; readonly name: string };

/** Which snapshot to read: the current one (undefined), one by id, or the one current at a time. */
export type SnapshotSelector = undefined | { readonly snapshotId: bigint } | { readonly asOf: Date };

export interface LakeOptions {
  /** Directory holding `<namespace>/<table>/{metadata,data}`. */
  readonly root: string;
  /** Namespace used when a table is named without one (default `default`). */
  readonly namespace?: string;
  readonly clock?: () => Date;
  /** CAS attempts for non-conflicting concurrent commits (default 8). */
  readonly maxCommitAttempts?: number;
  /** Rows per data file written by optimize (default 1,000,000). */
  readonly targetFileRows?: number;
  /**
   * Called right before each compare-and-swap of a data commit. Tests use it to let another writer
   * commit in between, which makes commit races deterministic.
   */
  readonly beforeCommit?: (table: string, attempt: number) => Promise<void>;
}

export interface SnapshotInfo {
  readonly snapshotId: bigint;
  readonly parentSnapshotId: bigint | undefined;
  readonly sequenceNumber: bigint;
  readonly timestamp: Date;
  readonly operation: string;
  readonly summary: Readonly<Record<string, string>>;
}

const DEFAULT_NAMESPACE = 'default';

/**
 * The local lake: Iceberg v2 tables on disk with DuckDB as the engine. One instance per process;
 * operations on one instance run one at a time, instances in other processes coordinate through
 * the catalog's compare-and-swap commits.
 */
export class Lake {
  readonly catalog: FileCatalog;
  readonly root: string;
  private readonly namespace: string;
  private readonly clock: () => Date;
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;
  private readonly reader = new ManifestReader();
  private readonly ctx: LakeContext;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(options: LakeOptions, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.root = resolve(options.root);
    this.catalog = new FileCatalog(this.root);
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.clock = options.clock ?? (() => new Date());
    this.instance = instance;
    this.connection = connection;
    this.ctx = {
      catalog: this.catalog,
      reader: this.reader,
      connection,
      clock: this.clock,
      maxAttempts: options.maxCommitAttempts ?? 8,
      targetFileRows: options.targetFileRows ?? 1_000_000,
      beforeCommit: options.beforeCommit,
    };
  }

  static async open(options: LakeOptions): Promise<Lake> {
    await mkdir(resolve(options.root), { recursive: true });
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    return new Lake(options, instance, connection);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }

  /** The DuckDB connection the lake uses; views created by `createViews` live in it. */
  get duckdb(): DuckDBConnection {
    return this.connection;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private ref(table: TableRef): { namespace: string; name: string } {
    if (typeof table !== 'string') return table;
    const dot = table.indexOf('.');
    return dot < 0
      ? { namespace: this.namespace, name: table }
      : { namespace: table.slice(0, dot), name: table.slice(dot + 1) };
  }

  // ---------------------------------------------------------------- catalog

  /** Creates the Iceberg table of a declaration (schema, bucket/day partition spec, key sort order). */
  async createTable(
    declaration: TableDeclaration,
    options: { namespace?: string; properties?: Record<string, string> } = {},
  ): Promise<LoadedTable> {
    const namespace = options.namespace ?? this.namespace;
    await this.catalog.createNamespace(namespace);
    const { schema, lastColumnId } = schemaFromDeclaration(declaration);
    const { spec, lastPartitionId } = partitionSpecFromDeclaration(declaration, schema);
    const sortOrder = sortOrderFromDeclaration(declaration, schema);
    const now = this.clock().getTime();
    const metadata: TableMetadata = {
      'format-version': 2,
      'table-uuid': randomUUID(),
      location: fileUri(this.catalog.tableDir(namespace, declaration.name)),
      'last-sequence-number': 0n,
      'last-updated-ms': now,
      'last-column-id': lastColumnId,
      'current-schema-id': 0,
      schemas: [schema],
      'default-spec-id': 0,
      'partition-specs': [spec],
      'last-partition-id': lastPartitionId,
      'default-sort-order-id': sortOrder.fields.length > 0 ? 1 : 0,
      'sort-orders': [{ 'order-id': 0, fields: [] }, ...(sortOrder.fields.length > 0 ? [sortOrder] : [])],
      properties: {
        'write.format.default': 'parquet',
        [KEY_COLUMNS_PROPERTY]: declaration.keyColumns.join(','),
        'write.delete.mode': 'merge-on-read',
        'write.update.mode': 'merge-on-read',
        'write.merge.mode': 'merge-on-read',
        'write.metadata.previous-versions-max': String(METADATA_PREVIOUS_VERSIONS_MAX),
        'history.expire.max-snapshot-age-ms': String(
          declaration.maintenance.snapshotRetentionHours * 3_600_000,
        ),
        'history.expire.min-snapshots-to-keep': String(declaration.maintenance.minSnapshotsToKeep),
        ...options.properties,
      },
      snapshots: [],
      'snapshot-log': [],
      'metadata-log': [],
      refs: {},
    };
    return this.catalog.createTable(namespace, declaration.name, metadata);
  }

  /**
   * Creates the table unless it exists; an existing table gains the declared columns it lacks
   * (`evolveSchema`).
   */
  async ensureTable(
    declaration: TableDeclaration,
    options: { namespace?: string } = {},
  ): Promise<LoadedTable> {
    const namespace = options.namespace ?? this.namespace;
    try {
      const loaded = await this.catalog.load(namespace, declaration.name);
      return (await this.exclusive(() => evolveSchema(this.ctx, loaded, declaration))).table;
    } catch (error) {
      if (!(error instanceof TableNotFoundError)) throw error;
    }
    try {
      return await this.createTable(declaration, { namespace });
    } catch (error) {
      // Another process created it between our load and create.
      try {
        return await this.catalog.load(namespace, declaration.name);
      } catch {
        throw error;
      }
    }
  }

  /**
   * Schema evolution (schema-evolution.ts): adds the declared columns the table's current schema
   * lacks, as new optional fields; refuses a type change, removal or rename with
   * IncompatibleSchemaChangeError. Returns the names added (none: nothing committed).
   */
  evolveSchema(
    declaration: TableDeclaration,
    options: { namespace?: string } = {},
  ): Promise<readonly string[]> {
    return this.exclusive(async () => {
      const loaded = await this.catalog.load(options.namespace ?? this.namespace, declaration.name);
      return (await evolveSchema(this.ctx, loaded, declaration)).added;
    });
  }

  async load(table: TableRef): Promise<LoadedTable> {
    const { namespace, name } = this.ref(table);
    return this.catalog.load(namespace, name);
  }

  async snapshots(table: TableRef): Promise<SnapshotInfo[]> {
    const loaded = await this.load(table);
    return loaded.metadata.snapshots.map((s) => ({
      snapshotId: s['snapshot-id'],
      parentSnapshotId: s['parent-snapshot-id'],
      sequenceNumber: s['sequence-number'],
      timestamp: new Date(s['timestamp-ms']),
      operation: s.summary.operation ?? 'unknown',
      summary: s.summary,
    }));
  }

  /** The live data and delete files of a snapshot (resolved sequence numbers). */
  async files(table: TableRef, at?: SnapshotSelector): Promise<SnapshotFiles> {
    const loaded = await this.load(table);
    return this.reader.snapshotFiles(this.selectSnapshot(loaded, at));
  }

  private selectSnapshot(loaded: LoadedTable, at: SnapshotSelector): Snapshot | undefined {
    const m = loaded.metadata;
    const label = `${loaded.namespace}.${loaded.name}`;
    if (at === undefined) return currentSnapshot(m);
    if ('snapshotId' in at) {
      const s = m.snapshots.find((x) => x['snapshot-id'] === at.snapshotId);
      if (s === undefined) throw new SnapshotNotFoundError(label, `id ${at.snapshotId}`);
      return s;
    }
    const t = at.asOf.getTime();
    const entry = [...m['snapshot-log']].reverse().find((e) => e['timestamp-ms'] <= t);
    if (entry === undefined) return undefined;
    const s = m.snapshots.find((x) => x['snapshot-id'] === entry['snapshot-id']);
    if (s === undefined) throw new SnapshotNotFoundError(label, `as of ${at.asOf.toISOString()} (expired)`);
    return s;
  }

  // ---------------------------------------------------------------- reads

  /** A SELECT over the live rows of a snapshot, in plain DuckDB SQL. */
  async scanSql(table: TableRef, at?: SnapshotSelector): Promise<string> {
    const loaded = await this.load(table);
    const files = await this.reader.snapshotFiles(this.selectSnapshot(loaded, at));
    return liveRowsSql(files.data, files.deletes, currentSchema(loaded.metadata));
  }

  /**
   * Creates (or replaces) a DuckDB view per table: `"<namespace>"."<table>"`, and `<table>` itself
   * for tables of the default namespace, so that `SELECT ... FROM books` works. A view is pinned to
   * the snapshot it was built from; call again to move it.
   */
  async createViews(
    connection: DuckDBConnection = this.connection,
    at: Readonly<Record<string, SnapshotSelector>> = {},
  ): Promise<void> {
    for (const namespace of await this.catalog.listNamespaces()) {
      const tables = await this.catalog.listTables(namespace);
      if (tables.length === 0) continue;
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${duckdbDialect.identifier(namespace)}`);
      for (const name of tables) {
        const sql = await this.scanSql(
          { namespace, name },
          at[`${namespace}.${name}`] ?? (namespace === this.namespace ? at[name] : undefined),
        );
        await connection.run(
          `CREATE OR REPLACE VIEW ${duckdbDialect.identifier(namespace)}.${duckdbDialect.identifier(name)} AS ${sql}`,
        );
        if (namespace === this.namespace)
          await connection.run(`CREATE OR REPLACE VIEW main.${duckdbDialect.identifier(name)} AS ${sql}`);
      }
    }
  }

  /**
   * Runs SQL against views over the current snapshots (or those in `at`, keyed by table name).
   * Values come back in DuckDB's JSON form: BIGINT, DECIMAL, TIMESTAMP as strings.
   */
  query(
    sql: string,
    at: Readonly<Record<string, SnapshotSelector>> = {},
  ): Promise<Record<string, unknown>[]> {
    return this.exclusive(async () => {
      await this.createViews(this.connection, at);
      const reader = await this.connection.runAndReadAll(sql);
      return reader.getRowObjectsJson();
    });
  }

  // ---------------------------------------------------------------- writes

  /** Appends rows (staging encoding, with `_seq` and `_updated_at`) as new data files. */
  append(table: TableRef, rows: readonly LakeRow[]): Promise<CommitResult | undefined> {
    return this.exclusive(async () => {
      if (rows.length === 0) return undefined;
      const base = await this.load(table);
      const baseFiles = await this.reader.snapshotFiles(currentSnapshot(base.metadata));
      return withWorkArea(this.connection, async (work) => {
        const src = await loadRows(this.ctx, work, base, rows);
        const added = await writeDataFiles(this.ctx, work, base, src, `SELECT * FROM ${src.table}`);
        return commitChange(this.ctx, base, baseFiles, {
          operation: 'append',
          added,
          removed: new Set(),
          scope: 'none',
          required: new Set(),
        });
      });
    });
  }

  /**
   * Commits data or delete files written by another tool (Iceberg's add_files): position deletes
   * (content 1) and equality deletes (content 2, with `equalityIds`) are applied by every read and
   * merge. Conflicts with concurrent commits in the same partitions.
   */
  addFiles(table: TableRef, files: readonly DataFile[]): Promise<CommitResult | undefined> {
    return this.exclusive(async () => {
      if (files.length === 0) return undefined;
      const base = await this.load(table);
      const baseFiles = await this.reader.snapshotFiles(currentSnapshot(base.metadata));
      const onlyData = files.every((f) => f.content === 0);
      return commitChange(this.ctx, base, baseFiles, {
        operation: onlyData ? 'append' : 'overwrite',
        added: files,
        removed: new Set(),
        scope: onlyData ? 'none' : new Set(files.map((f) => partitionKey(f.partition))),
        required: new Set(),
      });
    });
  }

  /**
   * Applies a batch of staging rows with the MERGE semantics of DESIGN.md, with tombstones
   * (merge-rows.ts, tombstones.ts).
   */
  merge(table: TableRef, rows: readonly StagingRow[]): Promise<MergeOutcome> {
    return this.exclusive(async () =>
      rows.length === 0
        ? { rowsRead: 0, rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, commit: undefined }
        : mergeRows(this.ctx, await this.load(table), rows),
    );
  }

  /**
   * Appends a batch of an append-mode table: inserts the keys no live row has, reading only the
   * partitions the batch touches (append-rows.ts). Replaying a batch inserts nothing.
   */
  appendNew(table: TableRef, rows: readonly StagingRow[]): Promise<AppendOutcome> {
    return this.exclusive(async () => appendRows(this.ctx, await this.load(table), rows));
  }

  // ---------------------------------------------------------------- maintenance (maintenance.ts)

  /** Compaction (Athena's OPTIMIZE ... REWRITE DATA USING BIN_PACK). */
  optimize(table: TableRef, options: OptimizeOptions = {}): Promise<OptimizeOutcome> {
    return this.exclusive(async () => optimizeTable(this.ctx, await this.load(table), options));
  }

  /** Snapshot expiry; a snapshot goes only when it stopped being current before `olderThan`. */
  expireSnapshots(table: TableRef, options: ExpireOptions): Promise<ExpireOutcome> {
    return this.exclusive(() => expireSnapshots(this.ctx, this.ref(table), options));
  }

  /** Deletes unreferenced files under the table directory older than `olderThan`. */
  removeOrphanFiles(table: TableRef, options: { olderThan: Date }): Promise<{ deletedFiles: number }> {
    return this.exclusive(async () => removeOrphanFiles(this.ctx, await this.load(table), options));
  }

  /** Drops the tombstones of `table` recorded before `olderThan` (tombstones.ts). */
  expireTombstones(table: TableRef, options: { olderThan: Date }): Promise<{ droppedTombstones: number }> {
    return this.exclusive(async () => expireTombstones(this.ctx, await this.load(table), options));
  }
}
