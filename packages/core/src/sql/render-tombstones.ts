import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import type { SqlDialect } from './dialect.js';
import { dedupedSource, qualified } from './render-merge.js';
import type { MergeSqlPlan, QualifiedName } from './render-merge.js';

/**
 * Tombstones (DESIGN.md, "Tombstones"): a deleted row leaves no `_seq` behind, so an older upsert
 * of its key that arrives later (a bisected retry of the event source mapping, any redelivery, a
 * backfill row at `_seq` 0) would insert it again. So every merged delete is remembered in a second
 * Iceberg table `<table>__tombstones` (key columns, `_seq`, `_deleted_at`), in the same database,
 * never read by the table's readers:
 *
 * 1. per batch, BEFORE the main MERGE, `renderTombstoneMerge` records for each key whose newest
 *    change in the batch is a delete a tombstone at that delete's `_seq` (raising an older one);
 * 2. the main MERGE (render-merge.ts, `plan.tombstones`) drops every staged change older than its
 *    key's tombstone, keeping the delete itself (`>=`).
 *
 * Both are idempotent (a replay raises nothing and applies nothing twice) and run as two queries,
 * each with its own token (aws/athena-engine.ts). A crash between them leaves a tombstone whose
 * delete is not yet applied: harmless, the replay applies it. Maintenance drops tombstones older
 * than the retention, which must exceed the longest a stream record can be redelivered (24 h
 * stream retention plus the event source mapping's maximum record age).
 */
export function tombstoneTableName(table: TableDeclaration): string {
  return assertIdentifier(`${table.name}__tombstones`);
}

/** Default retention: 24 h stream retention + 6 h (the mapping's maximum record age, default). */
export const DEFAULT_TOMBSTONE_RETENTION_MS = 30 * 3600_000;

export interface TombstoneTarget {
  readonly database: string;
  /** Athena: the tombstone table's Iceberg location, `s3://lake/tables/<table>__tombstones/`. */
  readonly location?: string;
}

function keyColumns(table: TableDeclaration) {
  return table.keyColumns.map((k) => table.columns.find((c) => c.name === k)!);
}

/**
 * CREATE TABLE IF NOT EXISTS of the tombstone table. Athena: Hive DDL (backticks, Glue types) of
 * an Iceberg table (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html);
 * `_seq` is varchar like the main table's, `_deleted_at` timestamp (microseconds in Iceberg).
 */
export function renderTombstoneCreate(
  table: TableDeclaration,
  dialect: SqlDialect,
  target: TombstoneTarget,
): string {
  return dialect.createTombstones(
    { database: target.database, name: tombstoneTableName(table) },
    keyColumns(table),
    target.location,
  );
}

/** Statement 1 of a batch: records (or raises) the tombstone of every key the batch deletes. */
export function renderTombstoneMerge(
  plan: MergeSqlPlan & { readonly tombstones: QualifiedName },
  dialect: SqlDialect,
): string {
  const id = (n: string): string => dialect.identifier(n);
  const keys = plan.table.keyColumns;
  const cols = [...keys, '_seq', '_deleted_at'];
  return [
    `MERGE INTO ${qualified(dialect, plan.tombstones)} AS d`,
    'USING (',
    `  SELECT ${[...keys.map((k) => `n.${id(k)}`), `n.${id('_seq')}`, `n.${id('_updated_at')} AS ${id('_deleted_at')}`].join(', ')}`,
    `  FROM (\n${dedupedSource(plan, dialect)}\n  ) AS n`,
    `  WHERE n.${id('_op')} = ${dialect.literal('delete')}`,
    ') AS s',
    `ON ${keys.map((k) => `d.${id(k)} = s.${id(k)}`).join(' AND ')}`,
    `WHEN MATCHED AND s.${id('_seq')} > d.${id('_seq')} THEN UPDATE SET ${id('_seq')} = s.${id('_seq')}, ${id('_deleted_at')} = s.${id('_deleted_at')}`,
    `WHEN NOT MATCHED THEN INSERT (${cols.map(id).join(', ')})`,
    `  VALUES (${cols.map((c) => `s.${id(c)}`).join(', ')})`,
  ].join('\n');
}

/** Maintenance: drops tombstones older than the retention (`cutoff` = now - retention). */
export function renderTombstoneExpiry(
  table: TableDeclaration,
  dialect: SqlDialect,
  database: string,
  cutoff: Date,
): string {
  // A timestamp literal with microseconds, in UTC, e.g. TIMESTAMP '2024-05-01 12:00:00.000000'.
  const text = `${cutoff.toISOString().replace('T', ' ').replace('Z', '')}000`;
  return `DELETE FROM ${qualified(dialect, { database, name: tombstoneTableName(table) })} WHERE ${dialect.identifier('_deleted_at')} < TIMESTAMP ${dialect.literal(text)}`;
}
