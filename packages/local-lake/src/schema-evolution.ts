import { describeRefusal, planColumnChanges } from '@ddb-athena-sync/core/merge/column-changes';
import type { ColumnShape } from '@ddb-athena-sync/core/merge/column-changes';
import { glueType } from '@ddb-athena-sync/schemas/column-type';
import { icebergColumns } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import { nextMetadataLog } from './commit.js';
import type { LakeContext } from './context.js';
import { CommitRetriesExhaustedError, IncompatibleSchemaChangeError } from './errors.js';
import { toIcebergType } from './iceberg-schema.js';
import { currentSchema } from './table-metadata.js';
import type { LoadedTable } from './catalog.js';
import type { IcebergField, IcebergSchema, IcebergType } from './iceberg-schema.js';
import type { TableMetadata } from './table-metadata.js';

/**
 * Iceberg schema evolution of a lake table to its declaration (Iceberg spec, "Schema Evolution" and
 * "Table Metadata Fields"): the rules are core's (merge/column-changes.ts): a declared column the
 * current schema lacks is added as an optional field with a new id above `last-column-id` (nested
 * ids after it, like table creation), in a new schema with the next `schema-id`, which becomes
 * `current-schema-id`. Data files written before hold no column with that id, so every read
 * projects it as null (live-rows-sql.ts reads Parquet by field id); the next merge writes it. A
 * type change, a removal or a rename is refused with IncompatibleSchemaChangeError, nothing
 * committed.
 *
 * The commit is metadata only (no snapshot), through the catalog's compare-and-swap like every
 * other commit; a lost race reloads and plans again (another writer may have added the columns).
 */

/** Glue/Hive type text of an Iceberg type, the form core's rules compare (`long` -> `bigint`). */
export function icebergTypeText(type: IcebergType): string {
  if (typeof type === 'string') return type.replace(/\s+/g, '');
  if (type.type === 'list') return `array<${icebergTypeText(type.element)}>`;
  return `struct<${type.fields.map((f) => `${f.name}:${icebergTypeText(f.type)}`).join(',')}>`;
}

/** Current columns of a table's schema, in the form of core's rules. */
export function schemaColumns(schema: IcebergSchema): ColumnShape[] {
  return schema.fields.map((f) => ({ name: f.name, type: icebergTypeText(f.type) }));
}

/** The schema the declaration needs, or undefined when the current one already fits. Throws on refusals. */
export function evolvedMetadata(
  m: TableMetadata,
  declaration: TableDeclaration,
  label: string,
  now: number,
): Omit<TableMetadata, 'metadata-log'> | undefined {
  const schema = currentSchema(m);
  const declared = icebergColumns(declaration);
  const plan = planColumnChanges(
    declared.map((c) => ({ name: c.name, type: glueType(c.type) })),
    schemaColumns(schema),
  );
  if (plan.refused.length > 0)
    throw new IncompatibleSchemaChangeError(
      label,
      plan.refused.map((r) => ({ column: r.column, message: describeRefusal(label, r) })),
    );
  if (plan.add.length === 0) return undefined;
  let last = m['last-column-id'];
  const nextId = (): number => ++last;
  const added = new Set(plan.add.map((c) => c.name));
  const columns = declared.filter((c) => added.has(c.name));
  // Top-level ids first, then nested ones (as schemaFromDeclaration assigns them).
  const ids = columns.map(() => nextId());
  const fields: IcebergField[] = columns.map((c, i) => ({
    id: ids[i]!,
    name: c.name,
    required: false,
    type: toIcebergType(c.type, nextId),
  }));
  const schemaId = Math.max(...m.schemas.map((s) => s['schema-id'])) + 1;
  const next: IcebergSchema = {
    type: 'struct',
    'schema-id': schemaId,
    fields: [...schema.fields, ...fields],
  };
  return {
    ...m,
    'last-updated-ms': Math.max(now, m['last-updated-ms']),
    'last-column-id': last,
    'current-schema-id': schemaId,
    schemas: [...m.schemas, next],
  };
}

/** Evolves `base` to the declaration; returns the table as committed (or as it was). */
export async function evolveSchema(
  ctx: LakeContext,
  base: LoadedTable,
  declaration: TableDeclaration,
): Promise<{ table: LoadedTable; added: readonly string[] }> {
  const label = `${base.namespace}.${base.name}`;
  let current = base;
  for (let attempt = 0; attempt < ctx.maxAttempts; attempt++) {
    const next = evolvedMetadata(current.metadata, declaration, label, ctx.clock().getTime());
    if (next === undefined) return { table: current, added: [] };
    const before = new Set(currentSchema(current.metadata).fields.map((f) => f.name));
    const committed = await ctx.catalog.commit(current, {
      ...next,
      'metadata-log': nextMetadataLog(current),
    });
    if (committed !== undefined)
      return {
        table: committed,
        added: currentSchema(committed.metadata)
          .fields.map((f) => f.name)
          .filter((n) => !before.has(n)),
      };
    current = await ctx.catalog.load(base.namespace, base.name);
  }
  throw new CommitRetriesExhaustedError(label, ctx.maxAttempts);
}
