/**
 * Schema evolution rules, shared by the Athena merger (aws/ensure-columns.ts) and the local lake:
 * what it takes to bring a table's current columns to a declaration's. Only one change is applied
 * without a person deciding: a column the declaration has and the table lacks is ADDED, as a
 * nullable column (Iceberg: a new field id above last-column-id, so old data files read it as null,
 * Iceberg spec "Schema Evolution"; Athena: `ALTER TABLE ... ADD COLUMNS`,
 * https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-add-columns.html).
 *
 * Everything else is refused: a column whose type differs (Iceberg allows only a few widenings,
 * and a MERGE would then cast old values under a new meaning), and a column the table has that the
 * declaration lost (a removal, or one half of a rename: by name the two look the same). Dropping or
 * renaming a column loses or re-labels data, so it is left to a person running the DDL on purpose.
 *
 * Types are compared as Glue/Hive type text (`bigint`, `decimal(10,2)`, `struct<a:string>`),
 * normalised: lower case, no blanks, Iceberg's primitive names folded to Hive's (`long` = `bigint`,
 * `integer` = `int`), which is how Iceberg's Glue catalog writes them
 * (apache/iceberg, aws/.../glue/IcebergToGlueConverter.java).
 */

export interface ColumnShape {
  readonly name: string;
  /** Glue/Hive type text. */
  readonly type: string;
}

export type ColumnRefusal =
  | { readonly kind: 'type-change'; readonly column: string; readonly from: string; readonly to: string }
  | {
      readonly kind: 'removal';
      readonly column: string;
      readonly type: string;
      /** A declared column added in the same change with the same type: maybe a rename. */
      readonly renamedTo?: string;
    };

export interface ColumnPlan {
  /** Declared columns the table lacks, in declaration order. */
  readonly add: readonly ColumnShape[];
  readonly refused: readonly ColumnRefusal[];
}

const ALIASES: Readonly<Record<string, string>> = {
  long: 'bigint',
  integer: 'int',
  real: 'float',
};

/** Canonical text of a Glue/Hive type: lower case, no blanks, primitive aliases folded. */
export function normalizeType(type: string): string {
  return type
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[a-z_][a-z0-9_]*/g, (word, offset: number, all: string) =>
      // A struct field name (`name:`) is not a type name.
      all[offset + word.length] === ':' ? word : (ALIASES[word] ?? word),
    );
}

/** The changes that turn `existing` into `declared` (see the rules above). */
export function planColumnChanges(
  declared: readonly ColumnShape[],
  existing: readonly ColumnShape[],
): ColumnPlan {
  const current = new Map(existing.map((c) => [c.name.toLowerCase(), c]));
  const wanted = new Set(declared.map((c) => c.name.toLowerCase()));
  const add: ColumnShape[] = [];
  const refused: ColumnRefusal[] = [];
  for (const column of declared) {
    const have = current.get(column.name.toLowerCase());
    if (have === undefined) add.push(column);
    else if (normalizeType(have.type) !== normalizeType(column.type))
      refused.push({
        kind: 'type-change',
        column: column.name,
        from: normalizeType(have.type),
        to: normalizeType(column.type),
      });
  }
  for (const column of existing) {
    if (wanted.has(column.name.toLowerCase())) continue;
    const twin = add.find((a) => normalizeType(a.type) === normalizeType(column.type));
    refused.push({
      kind: 'removal',
      column: column.name,
      type: normalizeType(column.type),
      ...(twin === undefined ? {} : { renamedTo: twin.name }),
    });
  }
  return { add, refused };
}

/** One line per refusal: what is wrong and what to do about it. Never any values. */
export function describeRefusal(table: string, refusal: ColumnRefusal): string {
  if (refusal.kind === 'type-change')
    return (
      `${table}.${refusal.column}: the declaration says ${refusal.to} but the table has ${refusal.from}; ` +
      'a type change is not applied automatically. Keep the old type, or declare a new column with ' +
      'the new type (and backfill it), or recreate the table and backfill.'
    );
  const rename =
    refusal.renamedTo === undefined
      ? ''
      : ` (if it was renamed to ${refusal.renamedTo}, rename it in the table first: ALTER TABLE ... CHANGE COLUMN)`;
  return (
    `${table}.${refusal.column}: the table has this column (${refusal.type}) but the declaration does not; ` +
    `removals and renames are not applied automatically${rename}. Declare the column again, or drop it ` +
    'from the table yourself (ALTER TABLE ... DROP COLUMN) and run again.'
  );
}
