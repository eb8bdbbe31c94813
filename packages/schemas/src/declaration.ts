import { z } from 'zod';

import { formatColumnType, parseColumnType } from './column-type.js';
import type { ColumnType } from './column-type.js';
import { ColumnTypeError, DeclarationError } from './errors.js';
import type { DeclarationIssue } from './errors.js';
import { IDENTIFIER_MAX_LENGTH, IDENTIFIER_PATTERN } from './sql-safety.js';

/** Columns the pipeline adds; a declared column may not use these names. */
export const SYSTEM_COLUMNS = ['_op', '_seq', '_event_time', '_source', '_updated_at', '_extra'] as const;

/**
 * How a DynamoDB attribute becomes a column value when the plain type mapping is not enough.
 * epoch-*: an N attribute counting units since 1970-01-01T00:00:00Z -> timestamp.
 * iso8601: an S attribute in ISO 8601 -> timestamp or date.
 */
export const CONVERSIONS = [
  'epoch-seconds',
  'epoch-millis',
  'epoch-micros',
  'epoch-nanos',
  'iso8601',
] as const;
export type Conversion = (typeof CONVERSIONS)[number];

const identifier = z
  .string()
  .max(IDENTIFIER_MAX_LENGTH)
  .regex(IDENTIFIER_PATTERN, 'must match ^[a-z_][a-z0-9_]*$ (lower case letters, digits, underscore)');

/** DynamoDB table names: 3-255 of [a-zA-Z0-9_.-] (DynamoDB developer guide, "Naming rules"). */
const dynamoTableName = z.string().regex(/^[a-zA-Z0-9_.-]{3,255}$/, 'is not a valid DynamoDB table name');
/** Attribute names are 1-64 KB of UTF-8; key attributes at most 255 bytes. */
const attributeName = z.string().min(1).max(255);

/** EventBridge Scheduler expressions (rate(1 minute), rate(5 minutes), cron(...)). */
const scheduleExpression = z
  .string()
  .regex(
    /^(rate\((1 (minute|hour|day)|([2-9]|[1-9]\d+) (minutes|hours|days))\)|cron\([^()]+\))$/,
    'must be rate(1 minute), rate(N minutes|hours|days) or cron(...)',
  );

const columnSchema = z.strictObject({
  name: identifier.describe('Column name in Athena: lower case letters, digits, underscore.'),
  type: z
    .string()
    .describe(
      'Athena type: string, bigint, int, double, float, boolean, binary, date, timestamp, json, decimal(p,s), array<T>, struct<name:T,...>.',
    ),
  source: attributeName
    .optional()
    .describe('The DynamoDB attribute this column reads (default: the column name).'),
  conversion: z
    .enum(CONVERSIONS)
    .optional()
    .describe(
      'How the attribute becomes the value: epoch-* (N -> timestamp) or iso8601 (S -> timestamp/date).',
    ),
  description: z.string().max(255).optional(),
  /**
   * The value never changes for a key once the item exists (also not from absent to present), e.g.
   * `created_at`. Lets the merger restrict a MERGE to the partitions the batch touches when the
   * table is partitioned by year/month/day/hour or identity of this column (docs/DESIGN.md,
   * "Partition restriction"). Key columns are immutable by definition.
   */
  immutable: z.boolean().optional(),
});

const firehoseSchema = z.strictObject({
  /** Opt-in: every record is an insert; MODIFY and REMOVE are dropped and counted. */
  appendOnly: z.boolean().default(false),
  /** With unique keys: what a REMOVE becomes. */
  removes: z.enum(['delete', 'drop']).default('delete'),
  bufferingIntervalSeconds: z.number().int().min(0).max(900).default(300),
  bufferingSizeMb: z.number().int().min(1).max(128).default(5),
});

/**
 * Mode `append` (DESIGN.md, "Mode append"): the staged pipeline of mode `merge`, but only INSERTs are
 * staged and the merger appends them with an insert-only MERGE that is idempotent under replay. An
 * item of an append table never changes after it is written, so a MODIFY or REMOVE is either noise
 * (dropped and counted, as in firehose mode) or a sign that the declaration is wrong (quarantined
 * with its reason, so somebody looks).
 */
const appendSchema = z.strictObject({
  /** What a MODIFY becomes: dropped and counted (`drop`) or a quarantine object with its reason. */
  modifies: z.enum(['drop', 'quarantine']).default('drop'),
  /** What a REMOVE (TTL removals included, unless `ttlDeletes: ignore` skips them) becomes. */
  removes: z.enum(['drop', 'quarantine']).default('drop'),
});

/** The modes of a declaration: `merge` and `append` run on the staged pipeline, `firehose` on Firehose. */
export const MODES = ['merge', 'firehose', 'append'] as const;
export type Mode = (typeof MODES)[number];

/** Modes whose changes go stream-writer -> staging -> merger (as opposed to Kinesis -> Firehose). */
export const STAGED_MODES: readonly Mode[] = ['merge', 'append'];

/** Whether a table runs on the staged pipeline (stream-writer, staging, merger). */
export function isStagedMode(mode: Mode): boolean {
  return STAGED_MODES.includes(mode);
}

const maintenanceSchema = z.strictObject({
  schedule: scheduleExpression.default('rate(1 hour)'),
  /** Snapshots older than this are expired by VACUUM (Athena's vacuum_max_snapshot_age_seconds). */
  snapshotRetentionHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 90)
    .default(24),
  minSnapshotsToKeep: z.number().int().min(1).max(1000).default(5),
  /** OPTIMIZE rewrites a file group once it has this many delete files (Athena default 2). */
  deleteFileThreshold: z.number().int().min(1).max(100).default(2),
  /** OPTIMIZE rewrites once a group has this many small data files (Athena default 5). */
  dataFileThreshold: z.number().int().min(1).max(100).default(2),
  /**
   * OPTIMIZE compacts only the partitions from (now - this many hours) on, when the table is
   * partitioned by year/month/day/hour of a timestamp or date (default 72, core's maintain-table.ts);
   * older partitions are left alone. Other partitionings compact the whole table.
   */
  compactWindowHours: z
    .number()
    .int()
    .min(1)
    .max(24 * 3660)
    .optional(),
});

export const declarationSchema = z.strictObject({
  name: identifier,
  description: z.string().max(2048).optional(),
  dynamodb: z.strictObject({
    tableName: dynamoTableName,
    partitionKey: attributeName,
    sortKey: attributeName.optional(),
    /** The TTL attribute, if the table has TTL enabled. */
    ttlAttribute: attributeName.optional(),
  }),
  columns: z.array(columnSchema).min(1).max(1000),
  mode: z
    .enum(MODES)
    .describe(
      'merge: stream -> staging -> MERGE on a schedule; firehose: Kinesis + Firehose Iceberg delivery; append: stream -> staging (inserts only) -> compaction + insert-only MERGE on a schedule.',
    ),
  schedule: scheduleExpression.default('rate(1 minute)'),
  partitioning: z
    .array(z.string())
    .max(4)
    .default([])
    .describe(
      'Iceberg partition transforms: bucket(N, col), truncate(W, col), year|month|day|hour(col), col.',
    ),
  /** What an item expired by TTL becomes: a delete (`apply`) or nothing (`ignore`, keep history). */
  ttlDeletes: z.enum(['apply', 'ignore']).default('apply'),
  /** Attributes of an item that no column declares. */
  unknownAttributes: z.enum(['ignore', 'extra-json-column', 'fail']).default('ignore'),
  firehose: firehoseSchema.optional(),
  append: appendSchema.optional(),
  maintenance: maintenanceSchema.default({
    schedule: 'rate(1 hour)',
    snapshotRetentionHours: 24,
    minSnapshotsToKeep: 5,
    deleteFileThreshold: 2,
    dataFileThreshold: 2,
  }),
});

/** What a user writes (defaults may be left out). */
export type TableDeclarationInput = z.input<typeof declarationSchema>;

export interface ColumnDeclaration {
  readonly name: string;
  readonly type: ColumnType;
  /** The DynamoDB attribute this column reads (defaults to the column name). */
  readonly source: string;
  readonly conversion: Conversion | undefined;
  readonly description: string | undefined;
  /** True for the columns that hold the DynamoDB key. */
  readonly isKey: boolean;
  /** Declared `immutable: true` (see the column schema); key columns are immutable whether or not declared. */
  readonly immutable?: boolean;
}

export type PartitionTransform =
  | { readonly transform: 'identity'; readonly column: string }
  | { readonly transform: 'bucket' | 'truncate'; readonly column: string; readonly width: number }
  | { readonly transform: 'year' | 'month' | 'day' | 'hour'; readonly column: string };

type Parsed = z.output<typeof declarationSchema>;

/** A validated table declaration. Built only by `parseDeclaration`. */
export interface TableDeclaration {
  readonly name: string;
  readonly description: string | undefined;
  readonly dynamodb: Parsed['dynamodb'];
  /** Declared columns, key columns first (partition key, then sort key), in declaration order after that. */
  readonly columns: readonly ColumnDeclaration[];
  /** Names of the key columns: partition key column, then sort key column. */
  readonly keyColumns: readonly string[];
  readonly mode: Parsed['mode'];
  readonly schedule: string;
  readonly partitioning: readonly PartitionTransform[];
  readonly ttlDeletes: Parsed['ttlDeletes'];
  readonly unknownAttributes: Parsed['unknownAttributes'];
  readonly firehose: z.output<typeof firehoseSchema> | undefined;
  /** Mode `append` only: what MODIFY and REMOVE records become (defaults: both dropped and counted). */
  readonly append: z.output<typeof appendSchema> | undefined;
  readonly maintenance: z.output<typeof maintenanceSchema>;
}

const PARTITION_PATTERN =
  /^\s*(?:(bucket|truncate)\(\s*(\d+)\s*,\s*([a-z_][a-z0-9_]*)\s*\)|(identity|year|month|day|hour)\(\s*([a-z_][a-z0-9_]*)\s*\)|([a-z_][a-z0-9_]*))\s*$/;

function parsePartition(text: string): PartitionTransform | undefined {
  const m = PARTITION_PATTERN.exec(text);
  if (!m) return undefined;
  if (m[1] !== undefined) return { transform: m[1] as 'bucket', width: Number(m[2]), column: m[3]! };
  if (m[4] !== undefined) return { transform: m[4] as 'day', column: m[5]! };
  return { transform: 'identity', column: m[6]! };
}

export function formatPartition(p: PartitionTransform): string {
  return 'width' in p
    ? `${p.transform}(${p.width}, ${p.column})`
    : p.transform === 'identity'
      ? p.column
      : `${p.transform}(${p.column})`;
}

const KEY_KINDS = new Set(['string', 'bigint', 'int', 'decimal', 'binary']);

function pathOf(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
}

/**
 * Validates a declaration and returns it in its checked form. Every problem is collected and
 * reported at once in a `DeclarationError`: unknown keys, bad identifiers, a key column missing,
 * a conversion that does not fit the type, a partition on an unknown column.
 */
export function parseDeclaration(input: unknown): TableDeclaration {
  const nameGuess =
    typeof input === 'object' && input !== null && typeof (input as { name?: unknown }).name === 'string'
      ? (input as { name: string }).name
      : undefined;
  const result = declarationSchema.safeParse(input);
  if (!result.success) {
    throw new DeclarationError(
      nameGuess,
      result.error.issues.map((i) => ({ path: pathOf(i.path), message: i.message })),
    );
  }
  const d = result.data;
  const issues: DeclarationIssue[] = [];

  const columns: ColumnDeclaration[] = [];
  const seenNames = new Set<string>();
  const keyAttributes = [
    d.dynamodb.partitionKey,
    ...(d.dynamodb.sortKey === undefined ? [] : [d.dynamodb.sortKey]),
  ];
  d.columns.forEach((c, index) => {
    const at = `columns[${index}]`;
    if (seenNames.has(c.name))
      issues.push({ path: `${at}.name`, message: `column "${c.name}" is declared twice` });
    seenNames.add(c.name);
    if ((SYSTEM_COLUMNS as readonly string[]).includes(c.name)) {
      issues.push({ path: `${at}.name`, message: `"${c.name}" is reserved for the pipeline's own columns` });
    }
    let type: ColumnType;
    try {
      type = parseColumnType(c.type);
    } catch (error) {
      issues.push({
        path: `${at}.type`,
        message: error instanceof ColumnTypeError ? error.message : String(error),
      });
      return;
    }
    const source = c.source ?? c.name;
    const isKey = keyAttributes.includes(source);
    if (c.conversion?.startsWith('epoch-') && type.kind !== 'timestamp') {
      issues.push({
        path: `${at}.conversion`,
        message: `${c.conversion} converts a number to a timestamp, but the column type is ${formatColumnType(type)}`,
      });
    }
    if (c.conversion === 'iso8601' && type.kind !== 'timestamp' && type.kind !== 'date') {
      issues.push({
        path: `${at}.conversion`,
        message: `iso8601 converts a string to a timestamp or date, but the column type is ${formatColumnType(type)}`,
      });
    }
    if (type.kind === 'timestamp' && c.conversion === undefined) {
      issues.push({
        path: `${at}.conversion`,
        message:
          'a timestamp column needs a conversion (epoch-seconds|epoch-millis|epoch-micros|epoch-nanos|iso8601): DynamoDB has no timestamp type',
      });
    }
    if (isKey && !KEY_KINDS.has(type.kind)) {
      issues.push({
        path: `${at}.type`,
        message: `key column "${c.name}" must be string, bigint, int, decimal or binary (DynamoDB keys are S, N or B)`,
      });
    }
    if (isKey && c.conversion !== undefined) {
      issues.push({ path: `${at}.conversion`, message: `key column "${c.name}" cannot have a conversion` });
    }
    columns.push({
      name: c.name,
      type,
      source,
      conversion: c.conversion,
      description: c.description,
      isKey,
      ...(c.immutable === true ? { immutable: true } : {}),
    });
  });

  const sources = new Map<string, string>();
  for (const c of columns) {
    const other = sources.get(c.source);
    if (other !== undefined) {
      issues.push({
        path: 'columns',
        message: `columns "${other}" and "${c.name}" both read attribute "${c.source}"`,
      });
    }
    sources.set(c.source, c.name);
  }

  const keyColumns: string[] = [];
  for (const [label, attribute] of [
    ['partitionKey', d.dynamodb.partitionKey],
    ['sortKey', d.dynamodb.sortKey],
  ] as const) {
    if (attribute === undefined) continue;
    const column = columns.find((c) => c.source === attribute);
    if (column === undefined) {
      issues.push({
        path: `dynamodb.${label}`,
        message: `key attribute "${attribute}" has no column: declare a column whose source is "${attribute}"`,
      });
    } else {
      keyColumns.push(column.name);
    }
  }

  const partitioning: PartitionTransform[] = [];
  d.partitioning.forEach((text, index) => {
    const at = `partitioning[${index}]`;
    const p = parsePartition(text);
    if (p === undefined) {
      issues.push({
        path: at,
        message: `"${text}" is not a partition transform (bucket(N, col), truncate(W, col), year|month|day|hour(col), col)`,
      });
      return;
    }
    const column = columns.find((c) => c.name === p.column);
    if (column === undefined) {
      issues.push({ path: at, message: `partition column "${p.column}" is not declared` });
      return;
    }
    if (
      ['year', 'month', 'day', 'hour'].includes(p.transform) &&
      column.type.kind !== 'timestamp' &&
      column.type.kind !== 'date'
    ) {
      issues.push({
        path: at,
        message: `${p.transform}() needs a timestamp or date column, "${p.column}" is ${formatColumnType(column.type)}`,
      });
    }
    if ('width' in p && (p.width < 1 || p.width > 1024)) {
      issues.push({ path: at, message: `${p.transform} width must be 1..1024` });
    }
    if (
      ['array', 'struct', 'json', 'boolean', 'double', 'float'].includes(column.type.kind) &&
      p.transform !== 'identity'
    ) {
      issues.push({
        path: at,
        message: `cannot partition by ${p.transform}() of a ${column.type.kind} column`,
      });
    }
    partitioning.push(p);
  });

  if (d.mode === 'firehose' && d.firehose === undefined) {
    issues.push({
      path: 'firehose',
      message: 'mode "firehose" needs a firehose block ({ appendOnly, removes, buffering... })',
    });
  }
  if (d.mode !== 'firehose' && d.firehose !== undefined) {
    issues.push({ path: 'firehose', message: 'a firehose block only applies to mode "firehose"' });
  }
  if (d.mode !== 'append' && d.append !== undefined) {
    issues.push({ path: 'append', message: 'an append block only applies to mode "append"' });
  }
  if (d.dynamodb.ttlAttribute !== undefined && keyAttributes.includes(d.dynamodb.ttlAttribute)) {
    issues.push({ path: 'dynamodb.ttlAttribute', message: 'the TTL attribute cannot be a key attribute' });
  }

  if (issues.length > 0) throw new DeclarationError(d.name, issues);

  const ordered = [
    ...keyColumns.map((k) => columns.find((c) => c.name === k)!),
    ...columns.filter((c) => !c.isKey),
  ];
  return {
    name: d.name,
    description: d.description,
    dynamodb: d.dynamodb,
    columns: ordered,
    keyColumns,
    mode: d.mode,
    schedule: d.schedule,
    partitioning,
    ttlDeletes: d.ttlDeletes,
    unknownAttributes: d.unknownAttributes,
    firehose: d.firehose,
    append: d.mode === 'append' ? (d.append ?? { modifies: 'drop', removes: 'drop' }) : undefined,
    maintenance: d.maintenance,
  };
}

/** A column of a rendered table (Iceberg table or staging table), system columns included. */
export interface TableColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly system: boolean;
}

const STRING: ColumnType = { kind: 'string' };
const TIMESTAMP: ColumnType = { kind: 'timestamp' };
const JSON_TYPE: ColumnType = { kind: 'json' };

/** Columns of the Iceberg table: declared columns, `_extra` (when kept), `_seq` and `_updated_at`. */
export function icebergColumns(d: TableDeclaration): TableColumn[] {
  return [
    ...d.columns.map((c) => ({ name: c.name, type: c.type, system: false })),
    ...(d.unknownAttributes === 'extra-json-column'
      ? [{ name: '_extra', type: JSON_TYPE, system: true }]
      : []),
    { name: '_seq', type: STRING, system: true },
    { name: '_updated_at', type: TIMESTAMP, system: true },
  ];
}

/** Columns of a staging row (and of the Athena staging table). */
export function stagingColumns(d: TableDeclaration): TableColumn[] {
  return [
    ...d.columns.map((c) => ({ name: c.name, type: c.type, system: false })),
    ...(d.unknownAttributes === 'extra-json-column'
      ? [{ name: '_extra', type: JSON_TYPE, system: true }]
      : []),
    { name: '_op', type: STRING, system: true },
    { name: '_seq', type: STRING, system: true },
    { name: '_event_time', type: TIMESTAMP, system: true },
    { name: '_source', type: STRING, system: true },
  ];
}
