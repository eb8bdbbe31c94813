import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import type { ObservedRow } from './history-oracle.js';
import { streamSequenceOf } from './recording.js';
import { observedRow, REFERENCE_COLUMNS } from './reference-mapping.js';

/**
 * Reads snapshots of one table, like a query engine: resolve the current snapshot to files, then
 * scan them in the reader's own DuckDB. Every value comes back as text (lists as JSON), so nothing
 * is rounded on the way to the oracle.
 *
 * Snapshots are resolved one at a time, in call order: a read that starts later must never resolve
 * an older snapshot than one that started earlier, or the oracle would see a version go backwards
 * that the table never showed (`Lake.scanSql` reads the catalog asynchronously).
 */
export class SnapshotReader {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly lake: Lake,
    private readonly db: DuckDBConnection,
    private readonly table: string,
  ) {}

  read(): Promise<ObservedRow[]> {
    const resolved = this.queue.then(() => this.lake.scanSql(this.table));
    this.queue = resolved.catch(() => undefined);
    return resolved.then((sql) => scanRows(this.db, sql));
  }
}

async function scanRows(db: DuckDBConnection, sql: string): Promise<ObservedRow[]> {
  const list = REFERENCE_COLUMNS.map((c) => {
    const id = `"${assertIdentifier(c.name)}"`;
    return c.type === 'array<string>'
      ? `CAST(to_json(${id}) AS VARCHAR) AS ${id}`
      : `CAST(${id} AS VARCHAR) AS ${id}`;
  }).join(', ');
  const reader = await db.runAndReadAll(
    `SELECT ${list}, CAST("_seq" AS VARCHAR) AS "_seq" FROM (${sql}) AS live`,
  );
  // Every column was cast to VARCHAR above: each value is a string or null.
  return (reader.getRowObjectsJson() as Record<string, string | null>[]).map((r) => {
    const row = { ...r, tags: r.tags === null ? null : (JSON.parse(r.tags!) as unknown) };
    return { key: r.id!, seq: streamSequenceOf(r._seq!), row: observedRow(row) };
  });
}
