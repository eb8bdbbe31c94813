import { randomBytes, randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { duckdbDialect } from '@ddb-athena-sync/core/sql/dialect';
import type { StagingRow } from '@ddb-athena-sync/core/stream/change-row';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { FileCatalog } from './catalog.js';
import {
  CommitConflictError,
  CommitRetriesExhaustedError,
  InvalidMetadataError,
  RowValueError,
  SnapshotNotFoundError,
  TableExistsError,
  TableNotFoundError,
} from './errors.js';
import {
  fieldIdsOption,
  KEY_COLUMNS_PROPERTY,
  partitionSpecFromDeclaration,
  POSITION_DELETE_FILE_PATH_ID,
  POSITION_DELETE_POS_ID,
  schemaFromDeclaration,
  sortOrderFromDeclaration,
} from './iceberg-schema.js';
import { bigintReplacer, liveRowsSql } from './live-rows-sql.js';
import { encodeManifest, encodeManifestList, summarizePartitions } from './manifest.js';
import { applyTransform } from './partition-transform.js';
import { ManifestReader, fileUri, localPath } from './snapshot-files.js';
import { castExpression, readJsonColumns } from './staged-rows.js';
import { currentSchema, currentSnapshot, defaultSpec } from './table-metadata.js';
import {
  TOMBSTONE_DELETED_AT,
  TOMBSTONE_SEQ,
  duckdbTimestamp,
  tombstoneMetadata,
  tombstoneTableName,
} from './tombstones.js';
import type { LoadedTable } from './catalog.js';
import type { DataFile, EntryToWrite, ManifestEntry, ManifestFile } from './manifest.js';
import type { PartitionValue } from './partition-transform.js';
import type { SnapshotFiles } from './snapshot-files.js';
import type { Snapshot, TableMetadata } from './table-metadata.js';

/** A table: a name in the default namespace, `namespace.name`, or both parts. */
export type TableRef = string | { readonly namespace: string; readonly name: string };

/** Which snapshot to read: the current one (undefined), one by id, or the one current at a time. */
export type SnapshotSelector = undefined | { readonly snapshotId: bigint } | { readonly asOf: Date };

/** A row of the Iceberg table in staging encoding (see @ddb-athena-sync/schemas column-type). */
export type LakeRow = Readonly<Record<string, unknown>>;

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

export interface CommitResult {
  readonly version: number;
  readonly snapshotId: bigint;
  readonly sequenceNumber: bigint;
}

export interface MergeOutcome {
  readonly rowsRead: number;
  readonly rowsInserted: number;
  readonly rowsUpdated: number;
  readonly rowsDeleted: number;
  /** Undefined when the batch changed nothing (e.g. a replay): no snapshot is committed. */
  readonly commit: CommitResult | undefined;
}

export interface OptimizeOutcome {
  readonly rewrittenDataFiles: number;
  readonly removedDeleteFiles: number;
  readonly addedDataFiles: number;
  readonly commit: CommitResult | undefined;
}

export interface ExpireOptions {
  /** Snapshots that stopped being current before this time may be expired. */
  readonly olderThan: Date;
  /** The newest `keepLast` snapshots of the current branch are always kept (at least 1). */
  readonly keepLast: number;
}

export interface ExpireOutcome {
  readonly expiredSnapshots: number;
  readonly deletedFiles: number;
  readonly version: number | undefined;
}

export interface SnapshotInfo {
  readonly snapshotId: bigint;
  readonly parentSnapshotId: bigint | undefined;
  readonly sequenceNumber: bigint;
  readonly timestamp: Date;
  readonly operation: string;
  readonly summary: Readonly<Record<string, string>>;
}

interface Change {
  readonly operation: 'append' | 'overwrite' | 'delete' | 'replace';
  readonly added: readonly DataFile[];
  /** Paths (URIs) of live data/delete files this change removes. */
  readonly removed: ReadonlySet<string>;
  /** Partitions whose live file set must be unchanged since the base ('all': every partition). */
  readonly scope: 'none' | 'all' | ReadonlySet<string>;
  /** Files that must still be live at commit time. */
  readonly required: ReadonlySet<string>;
}

const DEFAULT_NAMESPACE = 'default';
const METADATA_PREVIOUS_VERSIONS_MAX = 100;

export function partitionKey(partition: Readonly<Record<string, PartitionValue>>): string {
  return JSON.stringify(partition, bigintReplacer);
}

function randomSnapshotId(): bigint {
  // Positive 63-bit ids, like Java's: exercises the lossless JSON path on every commit.
  return randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
}

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
  private readonly maxAttempts: number;
  private readonly targetFileRows: number;
  private readonly beforeCommit: LakeOptions['beforeCommit'];
  private readonly instance: DuckDBInstance;
  private readonly connection: DuckDBConnection;
  private readonly reader = new ManifestReader();
  private queue: Promise<unknown> = Promise.resolve();
  private tmpCounter = 0;
  private temps: string[] = [];

  private constructor(options: LakeOptions, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.root = resolve(options.root);
    this.catalog = new FileCatalog(this.root);
    this.namespace = options.namespace ?? DEFAULT_NAMESPACE;
    this.clock = options.clock ?? (() => new Date());
    this.maxAttempts = options.maxCommitAttempts ?? 8;
    this.targetFileRows = options.targetFileRows ?? 1_000_000;
    this.beforeCommit = options.beforeCommit;
    this.instance = instance;
    this.connection = connection;
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

  /** Creates the table unless it exists. */
  async ensureTable(
    declaration: TableDeclaration,
    options: { namespace?: string } = {},
  ): Promise<LoadedTable> {
    const namespace = options.namespace ?? this.namespace;
    try {
      return await this.catalog.load(namespace, declaration.name);
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
      const work = await this.workdir();
      try {
        const src = await this.loadRows(base, rows, work);
        const added = await this.writeDataFiles(base, src, work, `SELECT * FROM ${src.table}`);
        return await this.commitChange(base, baseFiles, {
          operation: 'append',
          added,
          removed: new Set(),
          scope: 'none',
          required: new Set(),
        });
      } finally {
        await this.dropWork(work);
      }
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
      return this.commitChange(base, baseFiles, {
        operation: onlyData ? 'append' : 'overwrite',
        added: files,
        removed: new Set(),
        scope: onlyData ? 'none' : new Set(files.map((f) => partitionKey(f.partition))),
        required: new Set(),
      });
    });
  }

  /**
   * Applies a batch of staging rows with the MERGE semantics of DESIGN.md, merge-on-read: per key
   * the row with the greatest `_seq` wins; it deletes/updates a live row only when its `_seq` is
   * greater; a non-matching delete does nothing. Updated and deleted rows get position deletes,
   * new versions go to new data files. Only the key and `_seq` columns of the data files in the
   * partitions the batch touches are read (when the partition source columns are key columns).
   */
  merge(table: TableRef, rows: readonly StagingRow[]): Promise<MergeOutcome> {
    return this.exclusive(async () => {
      if (rows.length === 0)
        return { rowsRead: 0, rowsInserted: 0, rowsUpdated: 0, rowsDeleted: 0, commit: undefined };
      const base = await this.load(table);
      const schema = currentSchema(base.metadata);
      const spec = defaultSpec(base.metadata);
      const keys = keyColumns(base.metadata);
      if (keys.length === 0)
        throw new RowValueError(
          base.name,
          '(key)',
          'the table has no identifier fields: merge needs key columns',
        );
      const baseFiles = await this.reader.snapshotFiles(currentSnapshot(base.metadata));
      const tombstones = await this.tombstoneTable(base);
      const tombstoneFiles = await this.reader.snapshotFiles(currentSnapshot(tombstones.metadata));
      const work = await this.workdir();
      try {
        // Deduplicate per key in JS: the batch is small, and the winners decide the partitions to read.
        const winners = new Map<string, StagingRow>();
        for (const r of rows) {
          const k = JSON.stringify(keys.map((c) => r[c] ?? null));
          const prev = winners.get(k);
          if (prev === undefined || r._seq > prev._seq) winners.set(k, r);
        }
        const lakeRows = [...winners.values()].map((r) => ({ ...r, _updated_at: r._event_time }));
        const src = await this.loadRows(base, lakeRows, work, ['_op']);
        const prunable = spec.fields.every((f) =>
          keys.includes(schema.fields.find((s) => s.id === f['source-id'])!.name),
        );
        const scope = prunable ? src.partitions : undefined;
        const inScope = (e: ManifestEntry): boolean =>
          scope === undefined || scope.has(partitionKey(e.file.partition));
        const data = baseFiles.data.filter(inScope);
        const deletes = baseFiles.deletes.filter(inScope);
        const t = this.tempName('tgt');
        const b = this.tempName('tomb');
        const keyCols = keys.map((c) => duckdbDialect.identifier(c));
        const on = (x: string): string => keyCols.map((k) => `${x}.${k} = s.${k}`).join(' AND ');
        await this.connection.run(
          `CREATE TEMP TABLE ${t} AS SELECT t.* FROM (${liveRowsSql(data, deletes, schema, { columns: [...keys, '_seq'], withPosition: true })}) AS t SEMI JOIN ${src.table} AS s ON ${on('t')}`,
        );
        // The batch keys' tombstones (tombstones.ts): an upsert must be newer than its key's tombstone.
        await this.connection.run(
          `CREATE TEMP TABLE ${b} AS SELECT b.* FROM (${liveRowsSql(tombstoneFiles.data, tombstoneFiles.deletes, currentSchema(tombstones.metadata), { columns: [...keys, TOMBSTONE_SEQ], withPosition: true })}) AS b SEMI JOIN ${src.table} AS s ON ${on('b')}`,
        );
        const newerThanTombstone = `(b._seq IS NULL OR s._seq > b._seq)`;
        const counts = await this.connection.runAndReadAll(
          `SELECT
             count(*) FILTER (WHERE t._file IS NULL AND s._op <> 'delete' AND ${newerThanTombstone}) AS inserted,
             count(*) FILTER (WHERE t._file IS NOT NULL AND s._seq > t._seq AND s._op <> 'delete' AND ${newerThanTombstone}) AS updated,
             count(*) FILTER (WHERE t._file IS NOT NULL AND s._seq > t._seq AND s._op = 'delete') AS deleted,
             count(*) FILTER (WHERE s._op = 'delete' AND (t._seq IS NULL OR s._seq > t._seq) AND ${newerThanTombstone}) AS tombstoned
           FROM ${src.table} AS s LEFT JOIN ${t} AS t ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')}`,
        );
        const c = counts.getRowObjectsJson()[0] as Record<
          'inserted' | 'updated' | 'deleted' | 'tombstoned',
          number | string
        >;
        const inserted = Number(c.inserted);
        const updated = Number(c.updated);
        const deleted = Number(c.deleted);
        const outcome = {
          rowsRead: rows.length,
          rowsInserted: inserted,
          rowsUpdated: updated,
          rowsDeleted: deleted,
        };
        // Tombstones first (see tombstones.ts for why this order is safe).
        if (Number(c.tombstoned) > 0)
          await this.raiseTombstones(tombstones, tombstoneFiles, src.table, t, b, on, work);
        if (inserted + updated + deleted === 0) return { ...outcome, commit: undefined };

        // New versions: not a delete, newer than the key's tombstone, and not matched or matched by
        // an older live row.
        const insertSql = `SELECT s.* FROM ${src.table} AS s WHERE s._op <> 'delete' AND NOT EXISTS (SELECT 1 FROM ${b} AS b WHERE ${on('b')} AND b._seq >= s._seq) AND (NOT EXISTS (SELECT 1 FROM ${t} AS t WHERE ${on('t')}) OR EXISTS (SELECT 1 FROM ${t} AS t WHERE ${on('t')} AND s._seq > t._seq))`;
        const addedData = await this.writeDataFiles(base, src, work, insertSql);
        // Position deletes for every live row that a newer change replaces or deletes.
        const deleteSql = `SELECT DISTINCT t._file AS file_path, t._pos AS pos FROM ${t} AS t JOIN ${src.table} AS s ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')} WHERE s._seq > t._seq AND (s._op = 'delete' OR ${newerThanTombstone})`;
        const byFile = new Map(data.map((e) => [e.file.path, e]));
        const addedDeletes = await this.writePositionDeletes(base, work, deleteSql, byFile);
        const required = new Set(addedDeletes.flatMap((d) => d.targets));
        const operation =
          inserted + updated === 0 ? 'delete' : updated + deleted === 0 ? 'append' : 'overwrite';
        const commit = await this.commitChange(base, baseFiles, {
          operation,
          added: [...addedData, ...addedDeletes.map((d) => d.file)],
          removed: new Set(),
          scope: scope ?? 'all',
          required,
        });
        return { ...outcome, commit };
      } finally {
        await this.dropWork(work);
      }
    });
  }

  /** The tombstone table of a table (tombstones.ts), created on first use. */
  private async tombstoneTable(base: LoadedTable): Promise<LoadedTable> {
    const name = tombstoneTableName(base.name);
    try {
      return await this.catalog.load(base.namespace, name);
    } catch (error) {
      if (!(error instanceof TableNotFoundError)) throw error;
    }
    const location = fileUri(this.catalog.tableDir(base.namespace, name));
    try {
      return await this.catalog.createTable(
        base.namespace,
        name,
        tombstoneMetadata(base.metadata, location, this.clock().getTime()),
      );
    } catch (error) {
      // Another process created it between our load and create.
      if (!(error instanceof TableExistsError)) throw error;
      return this.catalog.load(base.namespace, name);
    }
  }

  /**
   * Records a tombstone for every key of `src` whose change is a delete newer than its row (`t`)
   * and its tombstone (`b`): the old tombstone row gets a position delete, the new one is appended.
   */
  private async raiseTombstones(
    tombstones: LoadedTable,
    tombstoneFiles: SnapshotFiles,
    src: string,
    t: string,
    b: string,
    on: (x: string) => string,
    work: string,
  ): Promise<void> {
    const keys = keyColumns(tombstones.metadata).map((c) => duckdbDialect.identifier(c));
    const deletedAt = sqlStringLiteral(duckdbTimestamp(this.clock()));
    const raised = `s._op = 'delete' AND (t._seq IS NULL OR s._seq > t._seq) AND (b._seq IS NULL OR s._seq > b._seq)`;
    const from = `${src} AS s LEFT JOIN ${t} AS t ON ${on('t')} LEFT JOIN ${b} AS b ON ${on('b')}`;
    const added = await this.copyDataFiles(
      tombstones,
      work,
      `SELECT ${keys.map((k) => `s.${k}`).join(', ')}, s._seq AS ${duckdbDialect.identifier(TOMBSTONE_SEQ)}, CAST(${deletedAt} AS TIMESTAMP) AS ${duckdbDialect.identifier(TOMBSTONE_DELETED_AT)} FROM ${from} WHERE ${raised} ORDER BY ${keys.map((k) => `s.${k}`).join(', ')}`,
      {},
    );
    const superseded = await this.writePositionDeletes(
      tombstones,
      work,
      `SELECT DISTINCT b._file AS file_path, b._pos AS pos FROM ${from} WHERE ${raised} AND b._file IS NOT NULL`,
      new Map(tombstoneFiles.data.map((e) => [e.file.path, e])),
    );
    await this.commitChange(tombstones, tombstoneFiles, {
      operation: superseded.length === 0 ? 'append' : 'overwrite',
      added: [...added, ...superseded.map((d) => d.file)],
      removed: new Set(),
      scope: 'all',
      required: new Set(superseded.flatMap((d) => d.targets)),
    });
  }

  /**
   * Drops the tombstones of `table` recorded before `olderThan` (maintenance, see tombstones.ts):
   * the tombstone table is rewritten with the younger ones in one `replace` snapshot.
   */
  expireTombstones(table: TableRef, options: { olderThan: Date }): Promise<{ droppedTombstones: number }> {
    return this.exclusive(async () => {
      const base = await this.load(table);
      let tombstones: LoadedTable;
      try {
        tombstones = await this.catalog.load(base.namespace, tombstoneTableName(base.name));
      } catch (error) {
        if (error instanceof TableNotFoundError) return { droppedTombstones: 0 };
        throw error;
      }
      const files = await this.reader.snapshotFiles(currentSnapshot(tombstones.metadata));
      if (files.data.length === 0) return { droppedTombstones: 0 };
      const live = liveRowsSql(files.data, files.deletes, currentSchema(tombstones.metadata));
      const cutoff = `CAST(${sqlStringLiteral(duckdbTimestamp(options.olderThan))} AS TIMESTAMP)`;
      const deletedAt = duckdbDialect.identifier(TOMBSTONE_DELETED_AT);
      const counted = await this.connection.runAndReadAll(
        `SELECT count(*) FILTER (WHERE ${deletedAt} < ${cutoff}) AS dropped FROM (${live})`,
      );
      const dropped = Number(counted.getRowObjectsJson()[0]!.dropped);
      if (dropped === 0) return { droppedTombstones: 0 };
      const work = await this.workdir();
      try {
        const keys = keyColumns(tombstones.metadata).map((c) => duckdbDialect.identifier(c));
        const added = await this.copyDataFiles(
          tombstones,
          work,
          `SELECT * FROM (${live}) WHERE ${deletedAt} >= ${cutoff} ORDER BY ${keys.join(', ')}`,
          {},
        );
        const removed = new Set([...files.data, ...files.deletes].map((e) => e.file.path));
        await this.commitChange(tombstones, files, {
          operation: 'replace',
          added,
          removed,
          scope: 'all',
          required: removed,
        });
        return { droppedTombstones: dropped };
      } finally {
        await this.dropWork(work);
      }
    });
  }

  /**
   * Compaction (Athena's OPTIMIZE ... REWRITE DATA USING BIN_PACK): every partition with delete
   * files or more than one data file is rewritten into files of at most `targetFileRows` rows with
   * the deletes applied, and its old data and delete files are removed in a `replace` snapshot.
   */
  optimize(table: TableRef): Promise<OptimizeOutcome> {
    return this.exclusive(async () => {
      const base = await this.load(table);
      const schema = currentSchema(base.metadata);
      const baseFiles = await this.reader.snapshotFiles(currentSnapshot(base.metadata));
      const groups = new Map<string, { data: ManifestEntry[]; deletes: ManifestEntry[] }>();
      const group = (e: ManifestEntry): { data: ManifestEntry[]; deletes: ManifestEntry[] } => {
        const k = partitionKey(e.file.partition);
        let g = groups.get(k);
        if (g === undefined) groups.set(k, (g = { data: [], deletes: [] }));
        return g;
      };
      for (const e of baseFiles.data) group(e).data.push(e);
      for (const e of baseFiles.deletes) group(e).deletes.push(e);
      const chosen = [...groups.entries()].filter(([, g]) => g.deletes.length > 0 || g.data.length > 1);
      if (chosen.length === 0)
        return { rewrittenDataFiles: 0, removedDeleteFiles: 0, addedDataFiles: 0, commit: undefined };
      const work = await this.workdir();
      try {
        const keys = keyColumns(base.metadata).map((c) => duckdbDialect.identifier(c));
        const added: DataFile[] = [];
        const removed = new Set<string>();
        for (const [, g] of chosen) {
          const partition = (g.data[0] ?? g.deletes[0])!.file.partition;
          const order = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
          const live = `${liveRowsSql(g.data, g.deletes, schema)}${order}`;
          added.push(...(await this.copyDataFiles(base, work, live, partition)));
          for (const e of [...g.data, ...g.deletes]) removed.add(e.file.path);
        }
        const commit = await this.commitChange(base, baseFiles, {
          operation: 'replace',
          added,
          removed,
          scope: new Set(chosen.map(([k]) => k)),
          required: removed,
        });
        return {
          rewrittenDataFiles: chosen.reduce((n, [, g]) => n + g.data.length, 0),
          removedDeleteFiles: chosen.reduce((n, [, g]) => n + g.deletes.length, 0),
          addedDataFiles: added.length,
          commit,
        };
      } finally {
        await this.dropWork(work);
      }
    });
  }

  /**
   * Removes snapshots from the metadata and deletes the files only they reference. A snapshot is
   * expired only when it stopped being current before `olderThan` (not merely was created before
   * it), so a reader that picked a snapshot within the retention window can always finish.
   */
  expireSnapshots(table: TableRef, options: ExpireOptions): Promise<ExpireOutcome> {
    return this.exclusive(async () => {
      const cutoff = options.olderThan.getTime();
      for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
        const base = await this.load(table);
        const m = base.metadata;
        const retained = new Set<bigint>();
        let cursor = currentSnapshot(m);
        for (let i = 0; cursor !== undefined && i < Math.max(1, options.keepLast); i++) {
          retained.add(cursor['snapshot-id']);
          const parent = cursor['parent-snapshot-id'];
          cursor = parent === undefined ? undefined : m.snapshots.find((s) => s['snapshot-id'] === parent);
        }
        for (const r of Object.values(m.refs)) retained.add(r['snapshot-id']);
        const log = m['snapshot-log'];
        for (const s of m.snapshots) {
          const idx = log.findIndex((e) => e['snapshot-id'] === s['snapshot-id']);
          const supersededAt =
            idx >= 0 && idx + 1 < log.length ? log[idx + 1]!['timestamp-ms'] : Number.POSITIVE_INFINITY;
          if (s['timestamp-ms'] >= cutoff || supersededAt >= cutoff) retained.add(s['snapshot-id']);
        }
        const expired = m.snapshots.filter((s) => !retained.has(s['snapshot-id']));
        if (expired.length === 0) return { expiredSnapshots: 0, deletedFiles: 0, version: undefined };
        const kept = m.snapshots.filter((s) => retained.has(s['snapshot-id']));
        const next: TableMetadata = {
          ...m,
          'last-updated-ms': Math.max(this.clock().getTime(), m['last-updated-ms']),
          snapshots: kept,
          'snapshot-log': log.filter((e) => retained.has(e['snapshot-id'])),
          'metadata-log': this.nextMetadataLog(base),
        };
        const committed = await this.catalog.commit(base, next);
        if (committed === undefined) continue;
        // Only after the commit: files reachable from expired snapshots and from no kept one.
        const keep = await this.reachable(kept);
        const drop = await this.reachable(expired);
        let deletedFiles = 0;
        for (const f of drop) {
          if (keep.has(f)) continue;
          await unlink(localPath(f)).then(
            () => deletedFiles++,
            () => undefined,
          );
        }
        return { expiredSnapshots: expired.length, deletedFiles, version: committed.version };
      }
      throw new CommitRetriesExhaustedError(this.label(table), this.maxAttempts);
    });
  }

  /**
   * Deletes files under the table directory that no metadata references (left by crashed or
   * conflicting writers) and that are older than `olderThan`, so in-flight commits are safe.
   */
  removeOrphanFiles(table: TableRef, options: { olderThan: Date }): Promise<{ deletedFiles: number }> {
    return this.exclusive(async () => {
      const base = await this.load(table);
      const m = base.metadata;
      const referenced = await this.reachable(m.snapshots);
      const metaDir = dirname(base.metadataFile);
      const keepMeta = new Set([
        base.metadataFile,
        join(metaDir, 'version-hint.text'),
        ...m['metadata-log'].map((e) => localPath(e['metadata-file'])),
      ]);
      const tableDir = dirname(metaDir);
      let deletedFiles = 0;
      const walk = async (dir: string): Promise<void> => {
        for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
          const p = join(dir, e.name);
          if (e.isDirectory()) {
            await walk(p);
            continue;
          }
          if (referenced.has(fileUri(p)) || keepMeta.has(p)) continue;
          const version = /^v(\d+)\.metadata\.json$/.exec(e.name);
          if (version && Number(version[1]) >= base.version) continue; // a newer commit
          const st = await stat(p).catch(() => undefined);
          if (st === undefined || st.mtimeMs >= options.olderThan.getTime()) continue;
          await unlink(p).then(
            () => deletedFiles++,
            () => undefined,
          );
        }
      };
      await walk(join(tableDir, 'data'));
      await walk(metaDir);
      return { deletedFiles };
    });
  }

  // ---------------------------------------------------------------- internals

  private label(table: TableRef): string {
    const r = this.ref(table);
    return `${r.namespace}.${r.name}`;
  }

  private async reachable(snapshots: readonly Snapshot[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const s of snapshots) {
      const files = await this.reader.snapshotFiles(s);
      out.add(s['manifest-list']);
      for (const mf of files.manifests) out.add(mf.path);
      for (const e of [...files.data, ...files.deletes]) out.add(e.file.path);
    }
    return out;
  }

  private tempName(prefix: string): string {
    const name = `${prefix}_${++this.tmpCounter}`;
    this.temps.push(name);
    return name;
  }

  private async workdir(): Promise<string> {
    return mkdtemp(join(tmpdir(), 'local-lake-'));
  }

  private async dropWork(work: string): Promise<void> {
    const temps = this.temps;
    this.temps = [];
    for (const t of temps) await this.connection.run(`DROP TABLE IF EXISTS ${t}`);
    await rm(work, { recursive: true, force: true });
  }

  /**
   * Loads rows in staging encoding into a DuckDB temp table with the table's types, plus `_pidx`
   * (the index of the row's partition in `partitions`).
   */
  private async loadRows(
    base: LoadedTable,
    rows: readonly LakeRow[],
    work: string,
    extraColumns: readonly string[] = [],
  ): Promise<{
    table: string;
    partitions: Set<string>;
    partitionValues: Map<number, Record<string, PartitionValue>>;
  }> {
    const schema = currentSchema(base.metadata);
    const spec = defaultSpec(base.metadata);
    const partitions = new Map<string, number>();
    const partitionValues = new Map<number, Record<string, PartitionValue>>();
    const lines: string[] = [];
    for (const row of rows) {
      const partition: Record<string, PartitionValue> = {};
      for (const f of spec.fields) {
        const source = schema.fields.find((s) => s.id === f['source-id'])!;
        try {
          partition[f.name] = applyTransform(f, source.type, row[source.name]);
        } catch (error) {
          throw new RowValueError(
            base.name,
            source.name,
            `cannot compute partition ${f.name}: ${(error as Error).message}`,
            { cause: error },
          );
        }
      }
      const pk = partitionKey(partition);
      let idx = partitions.get(pk);
      if (idx === undefined) {
        idx = partitions.size;
        partitions.set(pk, idx);
        partitionValues.set(idx, partition);
      }
      lines.push(JSON.stringify({ ...row, _pidx: idx }));
    }
    const file = join(work, 'rows.ndjson');
    await writeFile(file, lines.join('\n') + '\n');
    const table = this.tempName('src');
    const extra: Record<string, string> = Object.fromEntries([
      ...extraColumns.map((c) => [c, 'VARCHAR'] as const),
      ['_pidx', 'INTEGER'] as const,
    ]);
    const select = [
      ...schema.fields.map((f) => `${castExpression(f)} AS ${duckdbDialect.identifier(f.name)}`),
      ...extraColumns.map((c) => duckdbDialect.identifier(c)),
      '_pidx',
    ];
    try {
      await this.connection.run(
        `CREATE TEMP TABLE ${table} AS SELECT ${select.join(', ')} FROM read_json(${sqlStringLiteral(file)}, format = 'newline_delimited', columns = ${readJsonColumns(schema.fields, extra)})`,
      );
    } catch (error) {
      // DuckDB names the value and the target type in its conversion error message.
      throw new RowValueError(
        base.name,
        '(row)',
        `a staged value does not fit its column: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return { table, partitions: new Set(partitions.keys()), partitionValues };
  }

  private async writeDataFiles(
    base: LoadedTable,
    src: { table: string; partitionValues: Map<number, Record<string, PartitionValue>> },
    work: string,
    rowsSql: string,
  ): Promise<DataFile[]> {
    const schema = currentSchema(base.metadata);
    const keys = keyColumns(base.metadata).map((c) => duckdbDialect.identifier(c));
    const out: DataFile[] = [];
    const rowsTable = this.tempName('ins');
    await this.connection.run(`CREATE TEMP TABLE ${rowsTable} AS ${rowsSql}`);
    for (const [idx, partition] of src.partitionValues) {
      const cols = schema.fields.map((f) => duckdbDialect.identifier(f.name)).join(', ');
      const order = keys.length > 0 ? ` ORDER BY ${keys.join(', ')}` : '';
      out.push(
        ...(await this.copyDataFiles(
          base,
          work,
          `SELECT ${cols} FROM ${rowsTable} WHERE _pidx = ${idx}${order}`,
          partition,
        )),
      );
    }
    return out;
  }

  /** Writes the rows of `sql` (one partition) as Parquet data files with Iceberg field ids. */
  private async copyDataFiles(
    base: LoadedTable,
    _work: string,
    sql: string,
    partition: Record<string, PartitionValue>,
  ): Promise<DataFile[]> {
    const schema = currentSchema(base.metadata);
    const count = Number(
      (await this.connection.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`)).getRowObjectsJson()[0]!.n,
    );
    if (count === 0) return [];
    const out: DataFile[] = [];
    const parts = Math.max(1, Math.ceil(count / this.targetFileRows));
    for (let i = 0; i < parts; i++) {
      const slice =
        parts === 1
          ? sql
          : `SELECT * FROM (${sql}) LIMIT ${this.targetFileRows} OFFSET ${i * this.targetFileRows}`;
      const path = join(
        dirname(base.metadataFile),
        '..',
        'data',
        partitionPath(partition),
        `${randomUUID()}.parquet`,
      );
      const file = resolve(path);
      await mkdir(dirname(file), { recursive: true });
      // FIELD_IDS: Iceberg projects Parquet columns by field id (spec, "Parquet": "Column IDs are
      // required"); iceberg.schema in the footer is what Iceberg writers store (icebird reads it).
      await this.connection.run(
        `COPY (${slice}) TO ${sqlStringLiteral(file)} (FORMAT parquet, FIELD_IDS ${fieldIdsOption(schema.fields)}, KV_METADATA {'iceberg.schema': ${sqlStringLiteral(JSON.stringify(schema))}})`,
      );
      const rows = parts === 1 ? count : Math.min(this.targetFileRows, count - i * this.targetFileRows);
      out.push({
        content: 0,
        path: fileUri(file),
        format: 'PARQUET',
        partition,
        recordCount: BigInt(rows),
        fileSizeInBytes: BigInt((await stat(file)).size),
        equalityIds: null,
        sortOrderId: null,
      });
    }
    return out;
  }

  private async writePositionDeletes(
    base: LoadedTable,
    _work: string,
    deleteSql: string,
    byFile: ReadonlyMap<string, ManifestEntry>,
  ): Promise<{ file: DataFile; targets: string[] }[]> {
    const rowsTable = this.tempName('del');
    await this.connection.run(`CREATE TEMP TABLE ${rowsTable} AS ${deleteSql}`);
    const targets = (await this.connection.runAndReadAll(`SELECT DISTINCT file_path FROM ${rowsTable}`))
      .getRowObjectsJson()
      .map((r) => r.file_path as string);
    const groups = new Map<
      string,
      { partition: Readonly<Record<string, PartitionValue>>; files: string[] }
    >();
    for (const t of targets) {
      const entry = byFile.get(t);
      if (entry === undefined)
        throw new InvalidMetadataError(
          base.metadataFile,
          `position delete targets a file outside the snapshot: ${t}`,
        );
      const k = partitionKey(entry.file.partition);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = { partition: entry.file.partition, files: [] }));
      g.files.push(t);
    }
    const out: { file: DataFile; targets: string[] }[] = [];
    for (const g of groups.values()) {
      const file = resolve(
        join(
          dirname(base.metadataFile),
          '..',
          'data',
          partitionPath(g.partition),
          `${randomUUID()}-deletes.parquet`,
        ),
      );
      await mkdir(dirname(file), { recursive: true });
      const inList = g.files.map((p) => sqlStringLiteral(p)).join(', ');
      const sql = `SELECT file_path, CAST(pos AS BIGINT) AS pos FROM ${rowsTable} WHERE file_path IN (${inList}) ORDER BY file_path, pos`;
      const n = Number(
        (await this.connection.runAndReadAll(`SELECT count(*) AS n FROM (${sql})`)).getRowObjectsJson()[0]!.n,
      );
      // Position delete files: file_path and pos with reserved field ids, sorted (spec, "Position Delete Files").
      await this.connection.run(
        `COPY (${sql}) TO ${sqlStringLiteral(file)} (FORMAT parquet, FIELD_IDS {file_path: ${POSITION_DELETE_FILE_PATH_ID}, pos: ${POSITION_DELETE_POS_ID}})`,
      );
      out.push({
        file: {
          content: 1,
          path: fileUri(file),
          format: 'PARQUET',
          partition: g.partition,
          recordCount: BigInt(n),
          fileSizeInBytes: BigInt((await stat(file)).size),
          equalityIds: null,
          sortOrderId: null,
        },
        targets: g.files,
      });
    }
    return out;
  }

  private nextMetadataLog(base: LoadedTable): TableMetadata['metadata-log'] {
    const m = base.metadata;
    return [
      ...m['metadata-log'],
      { 'timestamp-ms': m['last-updated-ms'], 'metadata-file': fileUri(base.metadataFile) },
    ].slice(-METADATA_PREVIOUS_VERSIONS_MAX);
  }

  /**
   * Optimistic commit: writes the change's manifests once, then for each attempt builds a manifest
   * list and metadata on the latest version and compare-and-swaps it in. Before rebasing onto a
   * version other writers committed, checks the change's scope: partitions it read or rewrote must
   * hold the same live files, files it depends on must still be live; otherwise CommitConflictError.
   */
  private async commitChange(
    base: LoadedTable,
    baseFiles: SnapshotFiles,
    change: Change,
  ): Promise<CommitResult> {
    const schema = currentSchema(base.metadata);
    const spec = defaultSpec(base.metadata);
    const snapshotId = randomSnapshotId();
    const metaDir = dirname(base.metadataFile);
    const addedManifests: { file: ManifestFile; entries: EntryToWrite[] }[] = [];
    for (const content of [0, 1] as const) {
      const files = change.added.filter((f) => (content === 0 ? f.content === 0 : f.content !== 0));
      if (files.length === 0) continue;
      // ADDED entries leave sequence numbers null: inherited from the manifest list entry, so the
      // same manifest stays valid when the commit is rebased onto a newer version.
      const entries: EntryToWrite[] = files.map((file) => ({
        status: 1,
        snapshotId,
        sequenceNumber: null,
        fileSequenceNumber: null,
        file,
      }));
      const path = join(metaDir, `${randomUUID()}-m${content}.avro`);
      const buf = encodeManifest(entries, spec, schema, content);
      await writeFile(path, buf);
      addedManifests.push({
        entries,
        file: {
          path: fileUri(path),
          length: BigInt(buf.length),
          specId: spec['spec-id'],
          content,
          sequenceNumber: -1n,
          minSequenceNumber: -1n,
          addedSnapshotId: snapshotId,
          addedFilesCount: entries.length,
          existingFilesCount: 0,
          deletedFilesCount: 0,
          addedRowsCount: files.reduce((n, f) => n + f.recordCount, 0n),
          existingRowsCount: 0n,
          deletedRowsCount: 0n,
          partitions: summarizePartitions(entries, spec, schema),
        },
      });
    }

    for (let attempt = 0; attempt < this.maxAttempts; attempt++) {
      const current = attempt === 0 ? base : await this.catalog.load(base.namespace, base.name);
      const currentFiles =
        current.version === base.version
          ? baseFiles
          : await this.reader.snapshotFiles(currentSnapshot(current.metadata));
      if (current.version !== base.version) this.validate(base, current, baseFiles, currentFiles, change);
      const m = current.metadata;
      const seq = m['last-sequence-number'] + 1n;
      const now = Math.max(this.clock().getTime(), m['last-updated-ms']);

      const manifests: ManifestFile[] = addedManifests.map((a) => ({
        ...a.file,
        sequenceNumber: seq,
        minSequenceNumber: seq,
      }));
      for (const mf of currentFiles.manifests) {
        const entries = currentFiles.entriesByManifest.get(mf.path) ?? [];
        if (!entries.some((e) => e.status !== 2 && change.removed.has(e.file.path))) {
          manifests.push(mf);
          continue;
        }
        // Rewrite: kept files become EXISTING, removed ones DELETED by this snapshot; both keep
        // their original sequence numbers (spec, "Manifest Entry Fields").
        const rewritten: EntryToWrite[] = entries
          .filter((e) => e.status !== 2)
          .map((e) => ({
            status: change.removed.has(e.file.path) ? 2 : 0,
            snapshotId: change.removed.has(e.file.path) ? snapshotId : e.snapshotId,
            sequenceNumber: e.sequenceNumber,
            fileSequenceNumber: e.fileSequenceNumber,
            file: e.file,
          }));
        const path = join(metaDir, `${randomUUID()}-m${mf.content}.avro`);
        const buf = encodeManifest(rewritten, spec, schema, mf.content);
        await writeFile(path, buf);
        const rows = (s: number): bigint =>
          rewritten.filter((e) => e.status === s).reduce((n, e) => n + e.file.recordCount, 0n);
        manifests.push({
          path: fileUri(path),
          length: BigInt(buf.length),
          specId: mf.specId,
          content: mf.content,
          sequenceNumber: seq,
          minSequenceNumber: rewritten.reduce(
            (min, e) => (e.sequenceNumber! < min ? e.sequenceNumber! : min),
            seq,
          ),
          addedSnapshotId: snapshotId,
          addedFilesCount: 0,
          existingFilesCount: rewritten.filter((e) => e.status === 0).length,
          deletedFilesCount: rewritten.filter((e) => e.status === 2).length,
          addedRowsCount: 0n,
          existingRowsCount: rows(0),
          deletedRowsCount: rows(2),
          partitions: summarizePartitions(rewritten, spec, schema),
        });
      }

      const parent = m['current-snapshot-id'];
      const listPath = join(metaDir, `snap-${snapshotId}-${attempt}-${randomUUID()}.avro`);
      await writeFile(
        listPath,
        encodeManifestList(manifests, { snapshotId, parentSnapshotId: parent ?? null, sequenceNumber: seq }),
      );

      const live = [...currentFiles.data, ...currentFiles.deletes]
        .filter((e) => !change.removed.has(e.file.path))
        .map((e) => e.file);
      live.push(...change.added);
      const removedFiles = [...currentFiles.data, ...currentFiles.deletes]
        .filter((e) => change.removed.has(e.file.path))
        .map((e) => e.file);
      const snapshot: Snapshot = {
        'snapshot-id': snapshotId,
        ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }),
        'sequence-number': seq,
        'timestamp-ms': now,
        'manifest-list': fileUri(listPath),
        summary: summarize(change, removedFiles, live),
        'schema-id': schema['schema-id'],
      };
      const next: TableMetadata = {
        ...m,
        'last-sequence-number': seq,
        'last-updated-ms': now,
        'current-snapshot-id': snapshotId,
        snapshots: [...m.snapshots, snapshot],
        'snapshot-log': [...m['snapshot-log'], { 'timestamp-ms': now, 'snapshot-id': snapshotId }],
        'metadata-log': this.nextMetadataLog(current),
        refs: { ...m.refs, main: { 'snapshot-id': snapshotId, type: 'branch' } },
      };
      await this.beforeCommit?.(`${base.namespace}.${base.name}`, attempt);
      const committed = await this.catalog.commit(current, next);
      if (committed !== undefined) return { version: committed.version, snapshotId, sequenceNumber: seq };
    }
    throw new CommitRetriesExhaustedError(`${base.namespace}.${base.name}`, this.maxAttempts);
  }

  private validate(
    base: LoadedTable,
    current: LoadedTable,
    baseFiles: SnapshotFiles,
    currentFiles: SnapshotFiles,
    change: Change,
  ): void {
    const label = `${base.namespace}.${base.name}`;
    const all = (f: SnapshotFiles): ManifestEntry[] => [...f.data, ...f.deletes];
    const livePaths = new Set(all(currentFiles).map((e) => e.file.path));
    for (const p of change.required) {
      if (!livePaths.has(p))
        throw new CommitConflictError(
          label,
          base.version,
          current.version,
          `file ${p} was removed by a concurrent commit`,
        );
    }
    if (change.scope === 'none') return;
    const scope = change.scope;
    const inScope = (e: ManifestEntry): boolean =>
      scope === 'all' || scope.has(partitionKey(e.file.partition));
    const before = all(baseFiles)
      .filter(inScope)
      .map((e) => e.file.path)
      .sort();
    const after = all(currentFiles)
      .filter(inScope)
      .map((e) => e.file.path)
      .sort();
    if (before.length !== after.length || before.some((p, i) => p !== after[i])) {
      throw new CommitConflictError(
        label,
        base.version,
        current.version,
        'a concurrent commit changed the partitions this change read or rewrote',
      );
    }
  }
}

function keyColumns(m: TableMetadata): string[] {
  const text = m.properties[KEY_COLUMNS_PROPERTY];
  return text === undefined || text === '' ? [] : text.split(',');
}

function partitionPath(partition: Readonly<Record<string, PartitionValue>>): string {
  const parts = Object.entries(partition).map(
    ([k, v]) => `${k}=${v === null ? 'null' : encodeURIComponent(String(v))}`,
  );
  return parts.length === 0 ? '.' : parts.join('/');
}

/** Snapshot summary with exact totals (spec, "Snapshot Summary" / Java's SnapshotSummary keys). */
function summarize(
  change: Change,
  removed: readonly DataFile[],
  live: readonly DataFile[],
): Record<string, string> {
  const sum = (
    files: readonly DataFile[],
    pred: (f: DataFile) => boolean,
    f: (x: DataFile) => bigint,
  ): string =>
    files
      .filter(pred)
      .reduce((n, x) => n + f(x), 0n)
      .toString();
  const count = (files: readonly DataFile[], pred: (f: DataFile) => boolean): string =>
    String(files.filter(pred).length);
  const isData = (f: DataFile): boolean => f.content === 0;
  const isDelete = (f: DataFile): boolean => f.content !== 0;
  const isPos = (f: DataFile): boolean => f.content === 1;
  const isEq = (f: DataFile): boolean => f.content === 2;
  const rec = (f: DataFile): bigint => f.recordCount;
  const size = (f: DataFile): bigint => f.fileSizeInBytes;
  const all = (): boolean => true;
  const partitions = new Set([...change.added, ...removed].map((f) => partitionKey(f.partition)));
  return {
    operation: change.operation,
    'added-data-files': count(change.added, isData),
    'deleted-data-files': count(removed, isData),
    'added-records': sum(change.added, isData, rec),
    'deleted-records': sum(removed, isData, rec),
    'added-delete-files': count(change.added, isDelete),
    'removed-delete-files': count(removed, isDelete),
    'added-position-deletes': sum(change.added, isPos, rec),
    'removed-position-deletes': sum(removed, isPos, rec),
    'added-equality-deletes': sum(change.added, isEq, rec),
    'removed-equality-deletes': sum(removed, isEq, rec),
    'added-files-size': sum(change.added, all, size),
    'removed-files-size': sum(removed, all, size),
    'changed-partition-count': String(partitions.size),
    'total-records': sum(live, isData, rec),
    'total-files-size': sum(live, all, size),
    'total-data-files': count(live, isData),
    'total-delete-files': count(live, isDelete),
    'total-position-deletes': sum(live, isPos, rec),
    'total-equality-deletes': sum(live, isEq, rec),
  };
}
