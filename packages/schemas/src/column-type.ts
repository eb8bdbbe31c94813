import { ColumnTypeError } from './errors.js';
import { isIdentifier } from './sql-safety.js';

/**
 * A column type of a declared table, in the vocabulary of Athena's Iceberg DDL
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-supported-data-types.html),
 * plus `json`: any DynamoDB value kept as JSON text in a string column.
 *
 * Staging encoding (one NDJSON line per change; see `stagingGlueType`): values whose JSON form
 * could lose precision or has no JSON form travel as strings and are cast by the MERGE:
 *   string -> "text"            bigint  -> "123" (exact)        int/double/float -> number
 *   boolean -> true|false       decimal -> "12.30" (exact, plain notation)
 *   binary -> "base64"          timestamp -> "2024-05-01 12:00:00.123456" (UTC, microseconds)
 *   date -> "2024-05-01"        json    -> "{\"a\":1}" (JSON text, numbers exact)
 *   array -> [elements...]      struct  -> {"field": value, ...}
 */
export type ColumnType =
  | { readonly kind: 'string' }
  | { readonly kind: 'bigint' }
  | { readonly kind: 'int' }
  | { readonly kind: 'double' }
  | { readonly kind: 'float' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'binary' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'timestamp' }
  | { readonly kind: 'date' }
  | { readonly kind: 'json' }
  | { readonly kind: 'array'; readonly element: ColumnType }
  | { readonly kind: 'struct'; readonly fields: readonly StructField[] };

export interface StructField {
  readonly name: string;
  readonly type: ColumnType;
}

export type ColumnKind = ColumnType['kind'];

const SCALARS = new Set([
  'string',
  'bigint',
  'int',
  'double',
  'float',
  'boolean',
  'binary',
  'timestamp',
  'date',
  'json',
]);

/** Iceberg's decimal precision limit (Iceberg spec, "Primitive Types": precision must be 38 or less). */
export const MAX_DECIMAL_PRECISION = 38;

/** Parses `decimal(12,2)`, `array<struct<sku:string,qty:int>>`, ... (case-insensitive, spaces allowed). */
export function parseColumnType(text: string): ColumnType {
  const source = text.trim().toLowerCase();
  let pos = 0;

  const fail = (reason: string): never => {
    throw new ColumnTypeError(text, `${reason} at position ${pos}`);
  };
  const skipSpace = (): void => {
    while (source[pos] === ' ') pos++;
  };
  const expect = (ch: string): void => {
    skipSpace();
    if (source[pos] !== ch) fail(`expected "${ch}"`);
    pos++;
  };
  const word = (): string => {
    skipSpace();
    const m = /^[a-z_][a-z0-9_]*/.exec(source.slice(pos));
    if (!m) return fail('expected a type or field name');
    pos += m[0].length;
    return m[0];
  };
  const integer = (): number => {
    skipSpace();
    const m = /^\d+/.exec(source.slice(pos));
    if (!m) return fail('expected a number');
    pos += m[0].length;
    return Number(m[0]);
  };

  const parse = (): ColumnType => {
    const name = word();
    if (name === 'integer') return { kind: 'int' };
    if (name === 'long') return { kind: 'bigint' };
    if (SCALARS.has(name)) return { kind: name as 'string' };
    if (name === 'decimal') {
      expect('(');
      const precision = integer();
      expect(',');
      const scale = integer();
      expect(')');
      if (precision < 1 || precision > MAX_DECIMAL_PRECISION)
        fail(`decimal precision must be 1..${MAX_DECIMAL_PRECISION}`);
      if (scale > precision) fail('decimal scale must not exceed its precision');
      return { kind: 'decimal', precision, scale };
    }
    if (name === 'array') {
      expect('<');
      const element = parse();
      expect('>');
      return { kind: 'array', element };
    }
    if (name === 'struct') {
      expect('<');
      const fields: StructField[] = [];
      for (;;) {
        const fieldName = word();
        if (!isIdentifier(fieldName)) fail(`struct field name "${fieldName}" is not an identifier`);
        if (fields.some((f) => f.name === fieldName)) fail(`struct field "${fieldName}" appears twice`);
        expect(':');
        fields.push({ name: fieldName, type: parse() });
        skipSpace();
        if (source[pos] === ',') {
          pos++;
          continue;
        }
        break;
      }
      expect('>');
      return { kind: 'struct', fields };
    }
    return fail(`unknown type "${name}"`);
  };

  const type = parse();
  skipSpace();
  if (pos !== source.length) fail('unexpected trailing text');
  const nestedBinary = findNested(type, (t) => t.kind === 'binary');
  if (nestedBinary) throw new ColumnTypeError(text, 'binary is supported only as a top-level column');
  return type;
}

function findNested(type: ColumnType, predicate: (t: ColumnType) => boolean): boolean {
  const children =
    type.kind === 'array' ? [type.element] : type.kind === 'struct' ? type.fields.map((f) => f.type) : [];
  return children.some((c) => predicate(c) || findNested(c, predicate));
}

/** Canonical text of a type, as Glue/Hive DDL spells it (`array<struct<sku:string,qty:int>>`). */
export function formatColumnType(type: ColumnType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${formatColumnType(type.element)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${formatColumnType(f.type)}`).join(',')}>`;
    default:
      return type.kind;
  }
}

/** The Glue/Athena DDL type of the Iceberg column. `json` is stored as a string. */
export function glueType(type: ColumnType): string {
  switch (type.kind) {
    case 'json':
      return 'string';
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'array':
      return `array<${glueType(type.element)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${glueType(f.type)}`).join(',')}>`;
    default:
      return type.kind;
  }
}

/**
 * The Glue type of the same column in the JSON staging table: whatever travels as a JSON string
 * (see the encoding above) is declared `string` and cast by the MERGE.
 */
export function stagingGlueType(type: ColumnType): string {
  switch (type.kind) {
    case 'int':
    case 'double':
    case 'float':
    case 'boolean':
      return type.kind;
    case 'array':
      return `array<${stagingGlueType(type.element)}>`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${stagingGlueType(f.type)}`).join(',')}>`;
    default:
      return 'string';
  }
}

/** True when the staging encoding of the type differs from its table type (the MERGE must cast). */
export function needsCastFromStaging(type: ColumnType): boolean {
  return stagingGlueType(type) !== glueType(type);
}
