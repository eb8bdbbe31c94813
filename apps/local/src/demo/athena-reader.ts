import { AthenaClient } from '@aws-sdk/client-athena';
import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

/** What the demo's observer and comparison read: a query, and the current snapshot of a table. */
export interface TableReader {
  query(sql: string): Promise<Record<string, unknown>[]>;
  load(table: string): Promise<{
    readonly version: number;
    readonly metadata: { readonly 'current-snapshot-id'?: bigint | string };
  }>;
}

/**
 * Reads merge tables the way an Athena user would with `--engine trino`: SQL through the Athena
 * stand-in (GetQueryResults rows as objects, values as Athena's text), the current snapshot from the
 * Iceberg `$snapshots` metadata table (https://trino.io/docs/current/connector/iceberg.html,
 * "Metadata tables"; Athena has the same).
 */
export class AthenaReader implements TableReader {
  private readonly engine: AthenaEngine;

  constructor(endpoint: string, database: string) {
    this.engine = new AthenaEngine({
      athena: new AthenaClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      workGroup: 'primary',
      database,
      // Locations are for DDL only; a reader sends none.
      tableLocation: 's3://unused/',
      stagingLocation: 's3://unused/',
      pollBaseMs: 50,
    });
  }

  async query(sql: string): Promise<Record<string, unknown>[]> {
    const { columns, rows } = await this.engine.queryRows(sql);
    return rows.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i] ?? null])));
  }

  async load(table: string): Promise<{ version: number; metadata: { 'current-snapshot-id'?: string } }> {
    const rows = await this.query(
      `SELECT snapshot_id FROM "${assertIdentifier(table)}$snapshots" ORDER BY committed_at DESC LIMIT 1`,
    );
    const id = rows[0]?.snapshot_id;
    return { version: 0, metadata: { 'current-snapshot-id': typeof id === 'string' ? id : 'none' } };
  }
}

/** The first table a statement reads (`FROM books`, `FROM "books"`). */
function tableOf(sql: string): string | undefined {
  return /\bFROM\s+"?([a-z_][a-z0-9_]*)"?/i.exec(sql)?.[1];
}

/** Routes reads of `athenaTables` to the Athena reader and everything else to the local lake. */
export function routedReader(
  lake: Lake,
  athena: TableReader,
  athenaTables: ReadonlySet<string>,
): TableReader {
  return {
    query: (sql) => {
      const table = tableOf(sql);
      return table !== undefined && athenaTables.has(table) ? athena.query(sql) : lake.query(sql);
    },
    load: (table) => (athenaTables.has(table) ? athena.load(table) : lake.load(table)),
  };
}
