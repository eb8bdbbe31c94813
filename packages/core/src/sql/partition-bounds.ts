import type {
  ColumnDeclaration,
  PartitionTransform,
  TableDeclaration,
} from '@ddb-athena-sync/schemas/declaration';

import type { StagedValue } from '../stream/change-row.js';
import type { SqlDialect } from './dialect.js';

/**
 * Partition restriction of a MERGE (docs/DESIGN.md, "Partition restriction").
 *
 * A MERGE joins its source with the whole target unless the ON clause restricts the target; under
 * a workgroup's bytes-scanned cutoff a growing table then cancels every MERGE (Athena user guide,
 * "Workgroup data usage controls"). When the table is partitioned by a year/month/day/hour or
 * identity transform of a column whose value never changes for a key (a key column, or one
 * declared `immutable: true`), the target row of every key in a batch has that column's value
 * inside the batch's [min, max]: a predicate selecting exactly those values (widened to whole
 * partitions) drops only target rows no source row can match, so the MERGE's result is the same
 * and Iceberg prunes the other partitions' files.
 *
 * The bounds are recorded per staged object at staging (S3 user metadata `partition-bounds`,
 * staging-object.ts) and combined over the batch by the merger. A column is bounded only when
 * every row of every object of the batch has a value: a null (an absent attribute, a delete whose
 * old image is not in the stream record), an object staged before the bounds existed, or a value
 * too long for the metadata, and there is no restriction on that column, never a wrong one.
 */

/** Min and max of one column over some rows, in the staging encoding (text; int as decimal digits). */
export interface ColumnBounds {
  readonly min: string;
  readonly max: string;
}

/** Bounds per column name. A column that is absent is unbounded. */
export type PartitionBounds = Readonly<Record<string, ColumnBounds>>;

/** S3 user metadata key of the bounds (x-amz-meta-partition-bounds). */
export const STAGED_PARTITION_BOUNDS_METADATA = 'partition-bounds';

/**
 * S3 user metadata is at most 2 KB per object, all keys and values together (S3 user guide,
 * "Working with object metadata"); a string bound longer than this many UTF-8 bytes is not
 * recorded (that column is then unbounded), which also caps what the predicate adds to a MERGE.
 */
export const MAX_STRING_BOUND_BYTES = 200;

const RESTRICTING = new Set<PartitionTransform['transform']>(['identity', 'year', 'month', 'day', 'hour']);
const BOUNDED_KINDS = new Set(['timestamp', 'date', 'string', 'int', 'bigint']);

const TIMESTAMP_TEXT = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})\.(\d{6})$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const INTEGER_TEXT = /^-?(0|[1-9]\d{0,19})$/;

/**
 * Columns whose bounds staging records: source columns of an identity/year/month/day/hour partition
 * of a type the bounds support. Whether the merger may use them (immutability) is decided at merge
 * time, so a declaration that gains `immutable` later needs no re-staging.
 */
export function boundedColumns(table: TableDeclaration): ColumnDeclaration[] {
  const out: ColumnDeclaration[] = [];
  for (const p of table.partitioning) {
    if (!RESTRICTING.has(p.transform)) continue;
    const column = table.columns.find((c) => c.name === p.column);
    if (column === undefined || !BOUNDED_KINDS.has(column.type.kind)) continue;
    if (!out.includes(column)) out.push(column);
  }
  return out;
}

/** The value of a staged cell as bound text, undefined when it cannot bound (null, wrong shape). */
function boundText(column: ColumnDeclaration, value: StagedValue | undefined): string | undefined {
  switch (column.type.kind) {
    case 'timestamp':
      return typeof value === 'string' && TIMESTAMP_TEXT.test(value) ? value : undefined;
    case 'date':
      return typeof value === 'string' && DATE_TEXT.test(value) ? value : undefined;
    case 'int':
      return typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : undefined;
    case 'bigint':
      return typeof value === 'string' && INTEGER_TEXT.test(value) ? value : undefined;
    case 'string':
      return typeof value === 'string' && Buffer.byteLength(value) <= MAX_STRING_BOUND_BYTES
        ? value
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Order of bound texts of a column type: timestamps and dates are fixed-width (text order is time
 * order), integers numerically, strings by UTF-8 bytes, which is code point order, the order of
 * Trino's varchar and DuckDB's VARCHAR comparisons (JavaScript's `<` compares UTF-16 units, which
 * differs above U+FFFF).
 */
function compare(column: ColumnDeclaration, a: string, b: string): number {
  if (column.type.kind === 'int' || column.type.kind === 'bigint') {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (column.type.kind === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Bounds of the bounded columns (boundedColumns) over `rows`. A column with any row that gives no
 * bound (null, absent) is left out. `rows` must carry, for deletes, the value the deleted item had
 * (stage-batch.ts reads it from the record's OldImage), or null.
 */
export function rowBounds(
  table: TableDeclaration,
  rows: readonly Readonly<Record<string, StagedValue | undefined>>[],
): PartitionBounds {
  const out: Record<string, ColumnBounds> = {};
  if (rows.length === 0) return out;
  for (const column of boundedColumns(table)) {
    let min: string | undefined;
    let max: string | undefined;
    let bounded = true;
    for (const row of rows) {
      const text = boundText(column, row[column.name]);
      if (text === undefined) {
        bounded = false;
        break;
      }
      if (min === undefined || compare(column, text, min) < 0) min = text;
      if (max === undefined || compare(column, text, max) > 0) max = text;
    }
    if (bounded && min !== undefined && max !== undefined) out[column.name] = { min, max };
  }
  return out;
}

/**
 * Bounds over a batch: a column is bounded only when every object's bounds have it; min of the
 * mins, max of the maxes. `undefined` in the list (an object without the metadata) makes every
 * column unbounded.
 */
export function combineBounds(
  table: TableDeclaration,
  perObject: readonly (PartitionBounds | undefined)[],
): PartitionBounds {
  const out: Record<string, ColumnBounds> = {};
  if (perObject.length === 0 || perObject.some((b) => b === undefined)) return out;
  for (const column of boundedColumns(table)) {
    let min: string | undefined;
    let max: string | undefined;
    let bounded = true;
    for (const bounds of perObject) {
      const b = bounds![column.name];
      if (b === undefined || boundText(column, parseBound(column, b.min)) === undefined) {
        bounded = false;
        break;
      }
      if (boundText(column, parseBound(column, b.max)) === undefined) {
        bounded = false;
        break;
      }
      if (min === undefined || compare(column, b.min, min) < 0) min = b.min;
      if (max === undefined || compare(column, b.max, max) > 0) max = b.max;
    }
    if (bounded && min !== undefined && max !== undefined) out[column.name] = { min, max };
  }
  return out;
}

/** A bound text back to the staged value it came from (int: a number), for re-validation. */
function parseBound(column: ColumnDeclaration, text: string): StagedValue {
  if (column.type.kind === 'int') return /^-?\d{1,16}$/.test(text) ? Number(text) : null;
  return text;
}

/**
 * The metadata value: `col=min,max;col=min,max`, each part percent-encoded
 * (encodeURIComponent escapes `=`, `,` and `;`, and leaves only ASCII), since S3 user metadata
 * values travel as HTTP headers.
 */
export function encodeBoundsMetadata(bounds: PartitionBounds): string | undefined {
  const parts = Object.entries(bounds).map(
    ([column, b]) =>
      `${encodeURIComponent(column)}=${encodeURIComponent(b.min)},${encodeURIComponent(b.max)}`,
  );
  return parts.length === 0 ? undefined : parts.join(';');
}

/** Inverse of encodeBoundsMetadata; anything malformed gives undefined (no restriction). */
export function decodeBoundsMetadata(text: string | undefined): PartitionBounds | undefined {
  if (text === undefined) return undefined;
  const out: Record<string, ColumnBounds> = {};
  if (text === '') return out;
  try {
    for (const part of text.split(';')) {
      const m = /^([^=,;]+)=([^=,;]*),([^=,;]*)$/.exec(part);
      if (m === null) return undefined;
      out[decodeURIComponent(m[1]!)] = { min: decodeURIComponent(m[2]!), max: decodeURIComponent(m[3]!) };
    }
  } catch {
    return undefined;
  }
  return out;
}

/** Whether the merger may restrict by `column`: its value never changes for a key. */
function isImmutable(column: ColumnDeclaration): boolean {
  return column.isKey || column.immutable === true;
}

/** The columns a MERGE of `table` can be restricted by (immutable bounded partition sources). */
export function restrictingColumns(table: TableDeclaration): ColumnDeclaration[] {
  // An append table's items never change after they are written (DESIGN.md, "Mode append"): every
  // column of it is immutable.
  return boundedColumns(table).filter((c) => table.mode === 'append' || isImmutable(c));
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** `[start, end)` of the partition of `transform` that holds the timestamp or date `text`. */
function partitionRange(
  transform: 'year' | 'month' | 'day' | 'hour',
  kind: 'timestamp' | 'date',
  text: string,
): { start: string; end: string | undefined } {
  const [, y, mo, d, h] = (
    kind === 'date' ? /^(\d{4})-(\d{2})-(\d{2})$/ : /^(\d{4})-(\d{2})-(\d{2}) (\d{2})/
  ).exec(text)!;
  const year = Number(y);
  const month = transform === 'year' ? 1 : Number(mo);
  const day = transform === 'year' || transform === 'month' ? 1 : Number(d);
  // An hour partition of a date column is a day partition: a date has no hours.
  const hour = transform === 'hour' && kind === 'timestamp' ? Number(h) : 0;
  const at = (yy: number, mm: number, dd: number, hh: number): Date => {
    const t = new Date(0);
    t.setUTCFullYear(yy, mm - 1, dd);
    t.setUTCHours(hh, 0, 0, 0);
    return t;
  };
  const start = at(year, month, day, hour);
  const end =
    transform === 'year'
      ? at(year + 1, 1, 1, 0)
      : transform === 'month'
        ? at(year, month + 1, 1, 0)
        : transform === 'day' || kind === 'date'
          ? at(year, month, day + 1, 0)
          : at(year, month, day, hour + 1);
  const format = (t: Date): string => {
    const date = `${pad(t.getUTCFullYear(), 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
    return kind === 'date' ? date : `${date} ${pad(t.getUTCHours())}:00:00.000000`;
  };
  // Past year 9999 there is no literal to write: the range is open at the top.
  return { start: format(start), end: end.getUTCFullYear() > 9999 ? undefined : format(end) };
}

/** A typed literal of a bound: TIMESTAMP/DATE literals, else a CAST of a string literal. */
function typedLiteral(dialect: SqlDialect, column: ColumnDeclaration, text: string): string {
  if (column.type.kind === 'timestamp') return `TIMESTAMP ${dialect.literal(text)}`;
  if (column.type.kind === 'date') return `DATE ${dialect.literal(text)}`;
  if (column.type.kind === 'string') return dialect.literal(text);
  return `CAST(${dialect.literal(text)} AS ${dialect.tableType(column.type)})`;
}

/**
 * The predicate on the target (alias `alias`) that restricts a MERGE of `table` to the partitions
 * the batch with `bounds` touches, or undefined when the partitioning allows none (bucket,
 * truncate, a mutable column, an unbounded column). Temporal transforms select whole partitions
 * (Iceberg spec, "Partition Transforms": year/month/day/hour of a timestamp count from the epoch
 * in UTC): `t.created_at >= TIMESTAMP '<start of min's partition>' AND t.created_at < TIMESTAMP
 * '<start of the partition after max's>'`; identity selects `[min, max]`. Identifiers go through
 * the dialect's identifier check, values through its literal escaping.
 */
export function partitionRestriction(
  table: TableDeclaration,
  bounds: PartitionBounds | undefined,
  dialect: SqlDialect,
  alias = 't',
): string | undefined {
  if (bounds === undefined) return undefined;
  const restricting = restrictingColumns(table);
  const conjuncts: string[] = [];
  for (const p of table.partitioning) {
    if (!RESTRICTING.has(p.transform)) continue;
    const column = restricting.find((c) => c.name === p.column);
    const b = bounds[p.column];
    if (column === undefined || b === undefined) continue;
    if (
      boundText(column, parseBound(column, b.min)) === undefined ||
      boundText(column, parseBound(column, b.max)) === undefined
    )
      continue;
    const ref = `${dialect.identifier(alias)}.${dialect.identifier(column.name)}`;
    if (p.transform === 'identity') {
      conjuncts.push(
        `${ref} >= ${typedLiteral(dialect, column, b.min)} AND ${ref} <= ${typedLiteral(dialect, column, b.max)}`,
      );
      continue;
    }
    const kind = column.type.kind as 'timestamp' | 'date';
    const low = partitionRange(p.transform as 'day', kind, b.min).start;
    const high = partitionRange(p.transform as 'day', kind, b.max).end;
    conjuncts.push(
      high === undefined
        ? `${ref} >= ${typedLiteral(dialect, column, low)}`
        : `${ref} >= ${typedLiteral(dialect, column, low)} AND ${ref} < ${typedLiteral(dialect, column, high)}`,
    );
  }
  return conjuncts.length === 0 ? undefined : conjuncts.join(' AND ');
}

/**
 * The most bytes `partitionRestriction` can add to a MERGE of `table` (the batch planner's query
 * size cap is computed before the bounds are read): every restricting column at its longest bound.
 */
export function maxRestrictionBytes(table: TableDeclaration, dialect: SqlDialect): number {
  const worst: Record<string, ColumnBounds> = {};
  for (const column of restrictingColumns(table)) {
    const text =
      column.type.kind === 'timestamp'
        ? '2000-01-01 00:00:00.000000'
        : column.type.kind === 'date'
          ? '2000-01-01'
          : column.type.kind === 'string'
            ? "'".repeat(MAX_STRING_BOUND_BYTES)
            : column.type.kind === 'int'
              ? '-9007199254740991'
              : '-99999999999999999999';
    worst[column.name] = { min: text, max: text };
  }
  const predicate = partitionRestriction(table, worst, dialect);
  // renderMerge joins it to the key equality with ' AND '.
  return predicate === undefined ? 0 : Buffer.byteLength(predicate) + Buffer.byteLength(' AND ');
}
