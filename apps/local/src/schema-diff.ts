import { planColumnEvolution } from '@ddb-athena-sync/core/aws/ensure-columns';
import type { TableColumnSource } from '@ddb-athena-sync/core/aws/glue-table-columns';
import { describeRefusal, planColumnChanges } from '@ddb-athena-sync/core/merge/column-changes';
import { athenaDialect } from '@ddb-athena-sync/core/sql/dialect';
import { TableNotFoundError } from '@ddb-athena-sync/local-lake/errors';
import type { Lake } from '@ddb-athena-sync/local-lake/lake';
import {
  evolvedMetadata,
  icebergTypeText,
  schemaColumns,
} from '@ddb-athena-sync/local-lake/schema-evolution';
import { currentSchema } from '@ddb-athena-sync/local-lake/table-metadata';
import { glueType } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

/**
 * `ddb-athena-sync schema diff`: what the next merge would change in a table's schema, without
 * changing it. The rules are core's (merge/column-changes.ts) and the DDL is what the engines run:
 * the local lake's Iceberg schema evolution (new field ids), or in AWS the merger's
 * `ALTER TABLE ... ADD COLUMNS` on the Iceberg and staging tables (aws/ensure-columns.ts), read
 * against Glue.
 */
export interface SchemaDiff {
  readonly table: string;
  readonly against: 'local lake' | 'Glue catalog';
  /** False: the table does not exist yet (the next `up` or deploy creates it from the declaration). */
  readonly exists: boolean;
  /** Columns the next merge adds, with the new Iceberg field id where the lake assigns it. */
  readonly added: readonly { readonly name: string; readonly type: string; readonly fieldId?: number }[];
  /** The statements the merger would run (AWS), or the Athena equivalent of the lake's change. */
  readonly statements: readonly string[];
  /** Refused changes: the next merge fails with these until the declaration or the table is fixed. */
  readonly problems: readonly { readonly column: string; readonly message: string }[];
}

/** The diff of a declaration against the local lake's current Iceberg schema. */
export async function diffAgainstLake(
  lake: Lake,
  table: TableDeclaration,
  database = 'lake',
): Promise<SchemaDiff> {
  let loaded;
  try {
    loaded = await lake.load(table.name);
  } catch (error) {
    if (!(error instanceof TableNotFoundError)) throw error;
    return {
      table: table.name,
      against: 'local lake',
      exists: false,
      added: [],
      statements: [],
      problems: [],
    };
  }
  const label = `${loaded.namespace}.${loaded.name}`;
  const plan = planColumnChanges(
    icebergColumns(table).map((c) => ({ name: c.name, type: glueType(c.type) })),
    schemaColumns(currentSchema(loaded.metadata)),
  );
  const problems = plan.refused.map((r) => ({ column: r.column, message: describeRefusal(label, r) }));
  if (problems.length > 0)
    return { table: table.name, against: 'local lake', exists: true, added: [], statements: [], problems };
  const next = evolvedMetadata(loaded.metadata, table, label, Date.now());
  const fields = next?.schemas.find((s) => s['schema-id'] === next['current-schema-id'])?.fields ?? [];
  const added = plan.add.map((c) => {
    const field = fields.find((f) => f.name === c.name);
    return {
      name: c.name,
      type: field === undefined ? c.type : icebergTypeText(field.type),
      ...(field === undefined ? {} : { fieldId: field.id }),
    };
  });
  const declared = icebergColumns(table).filter((c) => plan.add.some((a) => a.name === c.name));
  return {
    table: table.name,
    against: 'local lake',
    exists: true,
    added,
    statements: athenaDialect.addColumns({ database, name: table.name }, declared, 'table'),
    problems,
  };
}

/** The diff of a declaration against the Iceberg and staging tables as Glue lists them. */
export async function diffAgainstGlue(
  columns: TableColumnSource,
  table: TableDeclaration,
  database: string,
): Promise<SchemaDiff> {
  const [current, staging] = await Promise.all([
    columns.columns({ database, name: table.name }),
    columns.columns({ database, name: `${table.name}_staging` }),
  ]);
  const evolution = planColumnEvolution(table, { table: current, staging }, athenaDialect, database);
  const byName = new Map(icebergColumns(table).map((c) => [c.name, glueType(c.type)]));
  return {
    table: table.name,
    against: 'Glue catalog',
    exists: current !== undefined,
    added: evolution.added.map((name) => ({ name, type: byName.get(name) ?? '' })),
    statements: evolution.statements,
    problems: evolution.problems,
  };
}

/** The text the command prints. */
export function formatSchemaDiff(diff: SchemaDiff): string {
  const head = `${diff.table} (against the ${diff.against})`;
  if (!diff.exists) return `${head}: the table does not exist yet; it will be created from the declaration.`;
  if (diff.problems.length > 0)
    return [
      `${head}: refused, the next merge fails until this is fixed:`,
      ...diff.problems.map((p) => `  - ${p.message}`),
    ].join('\n');
  if (diff.added.length === 0 && diff.statements.length === 0)
    return `${head}: up to date, nothing to change.`;
  const lines = [`${head}: the next merge adds ${diff.added.length} column(s):`];
  for (const a of diff.added)
    lines.push(
      `  + ${a.name} ${a.type}${a.fieldId === undefined ? '' : ` (new Iceberg field id ${a.fieldId})`}`,
    );
  lines.push(
    diff.against === 'Glue catalog' ? 'DDL the merger runs:' : 'Athena equivalent of the local change:',
  );
  for (const s of diff.statements) lines.push(`  ${s};`);
  return lines.join('\n');
}
