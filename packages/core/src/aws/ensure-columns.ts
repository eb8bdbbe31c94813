import { glueType, stagingGlueType } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns, stagingColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { stagingTableName } from '@ddb-athena-sync/schemas/render-ddl';

import { IncompatibleSchemaChangeError } from '../errors.js';
import { describeRefusal, planColumnChanges } from '../merge/column-changes.js';
import type { ColumnShape } from '../merge/column-changes.js';
import type { SqlDialect } from '../sql/dialect.js';
import type { TableColumnSource } from './glue-table-columns.js';

/** What bringing a table and its staging table to the declaration takes. */
export interface ColumnEvolution {
  /** DDL to run, the Iceberg table's first, then the staging table's. Empty: nothing to do. */
  readonly statements: readonly string[];
  /** Columns added to the Iceberg table. */
  readonly added: readonly string[];
  /** Changes refused (merge/column-changes.ts); when any, `statements` must not run. */
  readonly problems: readonly { readonly column: string; readonly message: string }[];
}

/**
 * The evolution of the Iceberg table and of the staging table from their current columns
 * (undefined: the table does not exist yet, which ensureTable or Terraform handles). The staging
 * table only gains columns: a column it has beyond the declaration is harmless (the JSON SerDe
 * reads it as null and the MERGE never names it), and its type changes follow the table's, which
 * are refused there.
 */
export function planColumnEvolution(
  table: TableDeclaration,
  current: {
    readonly table: readonly ColumnShape[] | undefined;
    readonly staging: readonly ColumnShape[] | undefined;
  },
  dialect: SqlDialect,
  database: string,
): ColumnEvolution {
  const declared = icebergColumns(table);
  const statements: string[] = [];
  const problems: { column: string; message: string }[] = [];
  let added: string[] = [];
  if (current.table !== undefined) {
    const plan = planColumnChanges(
      declared.map((c) => ({ name: c.name, type: glueType(c.type) })),
      current.table,
    );
    problems.push(
      ...plan.refused.map((r) => ({ column: r.column, message: describeRefusal(table.name, r) })),
    );
    added = plan.add.map((c) => c.name);
    const columns = declared.filter((c) => added.includes(c.name));
    statements.push(...dialect.addColumns({ database, name: table.name }, columns, 'table'));
  }
  if (current.staging !== undefined) {
    const staged = stagingColumns(table);
    const plan = planColumnChanges(
      staged.map((c) => ({ name: c.name, type: stagingGlueType(c.type) })),
      current.staging,
    );
    const stagingName = stagingTableName(table);
    // A staging type change follows a table type change, already refused above: reported once.
    const reported = new Set(problems.map((p) => p.column));
    for (const r of plan.refused)
      if (r.kind === 'type-change' && !reported.has(r.column))
        problems.push({ column: r.column, message: describeRefusal(stagingName, r) });
    const names = new Set(plan.add.map((c) => c.name));
    statements.push(
      ...dialect.addColumns(
        { database, name: stagingName },
        staged.filter((c) => names.has(c.name)),
        'staging',
      ),
    );
  }
  return { statements: problems.length > 0 ? [] : statements, added, problems };
}

/**
 * Brings the Iceberg table and the staging table to the declaration before a merge: reads both
 * tables' columns, runs the ADD COLUMNS DDL, or throws IncompatibleSchemaChangeError (nothing run).
 */
export async function ensureColumns(
  table: TableDeclaration,
  deps: {
    readonly columns: TableColumnSource;
    readonly dialect: SqlDialect;
    readonly database: string;
    readonly run: (sql: string) => Promise<unknown>;
  },
): Promise<ColumnEvolution> {
  const [current, staging] = await Promise.all([
    deps.columns.columns({ database: deps.database, name: table.name }),
    deps.columns.columns({ database: deps.database, name: stagingTableName(table) }),
  ]);
  const evolution = planColumnEvolution(table, { table: current, staging }, deps.dialect, deps.database);
  if (evolution.problems.length > 0) throw new IncompatibleSchemaChangeError(table.name, evolution.problems);
  for (const sql of evolution.statements) await deps.run(sql);
  return evolution;
}
