// Longer than 500 lines on purpose: one small parser for the Athena DDL statements this project
// renders (CREATE DATABASE, CREATE TABLE for Iceberg and for the staging table, OPTIMIZE,
// VACUUM, ALTER TABLE ADD COLUMNS), with Hive's quoting rules in one place so every statement is checked the same way.
import { assertIdentifier, sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';

import { AthenaDdlError } from './errors.js';

/**
 * Athena's DDL, mapped to Trino. Athena parses CREATE TABLE, OPTIMIZE and VACUUM as Hive-style DDL:
 * identifiers are bare or in backticks, and "double quotes do not work as a substitute for
 * backticks" (https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html; the same for
 * OPTIMIZE, https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html, and for DDL in
 * general, https://docs.aws.amazon.com/athena/latest/ug/tables-databases-columns-names.html). So
 * this module parses those statements with Hive's quoting and rejects a double-quoted name, the way
 * Athena's parser does; everything else (SELECT, MERGE, INSERT, ...) is Trino SQL in Athena engine v3
 * and goes to Trino as sent.
 *
 * The parser covers the DDL this project renders (@ddb-athena-sync/schemas/render-ddl) and what the
 * Athena pages above document for it; anything else is refused with a reason, never guessed.
 */

export type AthenaStatement =
  | { readonly kind: 'dml'; readonly sql: string; readonly writes?: string }
  | {
      readonly kind: 'create-iceberg';
      readonly table: string;
      readonly trino: string;
      readonly properties: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'create-external'; readonly table: string; readonly trino: string }
  | { readonly kind: 'create-database'; readonly database: string; readonly trino: string }
  | { readonly kind: 'optimize'; readonly table: string; readonly trino: string }
  | { readonly kind: 'add-columns'; readonly table: string; readonly trino: readonly string[] }
  | {
      readonly kind: 'vacuum';
      readonly table: string;
      readonly database: string | undefined;
      readonly name: string;
    };

type Token =
  | { readonly t: 'word'; readonly v: string; readonly at: number }
  | { readonly t: 'backtick'; readonly v: string; readonly at: number }
  | { readonly t: 'dquote'; readonly v: string; readonly at: number }
  | { readonly t: 'string'; readonly v: string; readonly at: number }
  | { readonly t: 'number'; readonly v: string; readonly at: number }
  | { readonly t: 'punct'; readonly v: string; readonly at: number };

function position(sql: string, at: number): string {
  const before = sql.slice(0, at).split('\n');
  return `line ${before.length}:${before.at(-1)!.length + 1}`;
}

/** Hive's lexer, as far as this DDL needs it. */
function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (sql.startsWith('--', i)) {
      while (i < sql.length && sql[i] !== '\n') i++;
    } else if (c === '`' || c === '"' || c === "'") {
      let j = i + 1;
      let v = '';
      for (;;) {
        if (j >= sql.length)
          throw new AthenaDdlError(
            `${position(sql, i)}: unterminated ${c === '`' ? 'quoted identifier' : 'string'}`,
          );
        const d = sql[j]!;
        // Hive string literals escape with a backslash; a backtick inside a quoted identifier is doubled.
        if (d === '\\' && c !== '`') {
          v += sql[j + 1] ?? '';
          j += 2;
        } else if (d === c && c === '`' && sql[j + 1] === '`') {
          v += '`';
          j += 2;
        } else if (d === c) break;
        else {
          v += d;
          j++;
        }
      }
      tokens.push({ t: c === '`' ? 'backtick' : c === '"' ? 'dquote' : 'string', v, at: i });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(sql.slice(i))!;
      tokens.push({ t: 'word', v: m[0], at: i });
      i += m[0].length;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+/.exec(sql.slice(i))!;
      tokens.push({ t: 'number', v: m[0], at: i });
      i += m[0].length;
    } else {
      tokens.push({ t: 'punct', v: c, at: i });
      i++;
    }
  }
  return tokens;
}

class Parser {
  private i = 0;
  constructor(
    private readonly sql: string,
    private readonly tokens: Token[],
  ) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  atEnd(): boolean {
    const t = this.peek();
    return t === undefined || (t.t === 'punct' && t.v === ';' && this.tokens.length === this.i + 1);
  }

  fail(expected: string, token = this.peek()): never {
    if (token === undefined)
      throw new AthenaDdlError(
        `${position(this.sql, this.sql.length)}: mismatched input '<EOF>'. Expecting: ${expected}`,
      );
    const text =
      token.t === 'dquote'
        ? `"${token.v}"`
        : token.t === 'backtick'
          ? `\`${token.v}\``
          : token.t === 'string'
            ? `'${token.v}'`
            : token.v;
    throw new AthenaDdlError(
      `${position(this.sql, token.at)}: mismatched input '${text}'. Expecting: ${expected}`,
    );
  }

  isWord(...words: string[]): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'word' && words.includes(t.v.toUpperCase());
  }

  word(...words: string[]): string {
    if (!this.isWord(...words)) this.fail(words.map((w) => `'${w}'`).join(', '));
    return (this.tokens[this.i++] as { v: string }).v.toUpperCase();
  }

  optional(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.i++;
    return true;
  }

  isPunct(p: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'punct' && t.v === p;
  }

  punct(p: string): void {
    if (!this.isPunct(p)) this.fail(`'${p}'`);
    this.i++;
  }

  /** A bare or backticked identifier; a double-quoted one is Athena's parse error. */
  identifier(): string {
    const t = this.peek();
    if (t === undefined || (t.t !== 'word' && t.t !== 'backtick')) this.fail('<identifier>');
    this.i++;
    // The project's identifier rule: lower case, nothing that needs quoting (Glue lower-cases names).
    try {
      return assertIdentifier(t.v.toLowerCase());
    } catch (error) {
      throw new AthenaDdlError(`${position(this.sql, t.at)}: invalid identifier '${t.v}'`, { cause: error });
    }
  }

  /** `db.table` or `table`. */
  qualifiedName(): { database: string | undefined; name: string } {
    const first = this.identifier();
    if (!this.isPunct('.')) return { database: undefined, name: first };
    this.i++;
    return { database: first, name: this.identifier() };
  }

  string(): string {
    const t = this.peek();
    if (t === undefined || t.t !== 'string') this.fail('<string>');
    this.i++;
    return t.v;
  }

  number(): number {
    const t = this.peek();
    if (t === undefined || t.t !== 'number') this.fail('<integer>');
    this.i++;
    return Number(t.v);
  }

  /** The raw text from the current token to the end (the WHERE of OPTIMIZE). */
  rest(): string {
    const t = this.peek();
    this.i = this.tokens.length;
    return t === undefined ? '' : this.sql.slice(t.at).replace(/;\s*$/, '').trim();
  }

  /** Hive/Glue type -> Trino type (https://docs.aws.amazon.com/athena/latest/ug/data-types.html). */
  type(iceberg: boolean): string {
    const name = this.word(
      'STRING',
      'VARCHAR',
      'CHAR',
      'INT',
      'INTEGER',
      'BIGINT',
      'SMALLINT',
      'TINYINT',
      'DOUBLE',
      'FLOAT',
      'REAL',
      'BOOLEAN',
      'BINARY',
      'TIMESTAMP',
      'DATE',
      'DECIMAL',
      'ARRAY',
      'STRUCT',
      'MAP',
    );
    switch (name) {
      case 'STRING':
        return 'varchar';
      case 'VARCHAR':
      case 'CHAR': {
        if (!this.isPunct('(')) return 'varchar';
        this.punct('(');
        const n = this.number();
        this.punct(')');
        return `${name.toLowerCase()}(${n})`;
      }
      case 'INT':
      case 'INTEGER':
        return 'integer';
      case 'FLOAT':
      case 'REAL':
        return 'real';
      case 'BINARY':
        return 'varbinary';
      // Athena's Iceberg tables store microseconds
      // (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-supported-data-types.html);
      // Hive tables read timestamps at millisecond precision, Trino's default for the Hive connector.
      case 'TIMESTAMP':
        return iceberg ? 'timestamp(6)' : 'timestamp(3)';
      case 'DECIMAL': {
        if (!this.isPunct('(')) return 'decimal(10,0)';
        this.punct('(');
        const p = this.number();
        let s = 0;
        if (this.isPunct(',')) {
          this.punct(',');
          s = this.number();
        }
        this.punct(')');
        return `decimal(${p},${s})`;
      }
      case 'ARRAY': {
        this.punct('<');
        const element = this.type(iceberg);
        this.punct('>');
        return `array(${element})`;
      }
      case 'MAP': {
        this.punct('<');
        const k = this.type(iceberg);
        this.punct(',');
        const v = this.type(iceberg);
        this.punct('>');
        return `map(${k}, ${v})`;
      }
      case 'STRUCT': {
        this.punct('<');
        const fields: string[] = [];
        do {
          if (fields.length > 0) this.punct(',');
          const field = this.identifier();
          this.punct(':');
          fields.push(`"${field}" ${this.type(iceberg)}`);
        } while (this.isPunct(','));
        this.punct('>');
        return `row(${fields.join(', ')})`;
      }
      default:
        return name.toLowerCase();
    }
  }
}

/** `"db"."name"` for Trino: both parts passed the identifier check. */
function trinoName(name: { database: string | undefined; name: string }, catalog?: string): string {
  return [catalog, name.database, name.name]
    .filter((p): p is string => p !== undefined)
    .map((p) => `"${p}"`)
    .join('.');
}

/** Table property keys Athena accepts for Iceberg tables; any other key fails the CREATE
 * (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-creating-tables.html, "Table properties"). */
export const ATHENA_ICEBERG_PROPERTIES = new Set([
  'table_type',
  'format',
  'write_compression',
  'optimize_rewrite_min_data_file_size_bytes',
  'optimize_rewrite_max_data_file_size_bytes',
  'optimize_rewrite_data_file_threshold',
  'optimize_rewrite_delete_file_threshold',
  'vacuum_min_snapshots_to_keep',
  'vacuum_max_snapshot_age_seconds',
  'vacuum_max_metadata_files_to_keep',
]);

/** Serdes Athena documents for JSON (https://docs.aws.amazon.com/athena/latest/ug/json-serde.html). */
const JSON_SERDES = new Map([
  ['org.openx.data.jsonserde.JsonSerDe', 'OPENX_JSON'],
  ['org.apache.hive.hcatalog.data.JsonSerDe', 'JSON'],
]);

function columns(p: Parser, iceberg: boolean): string[] {
  p.punct('(');
  const out: string[] = [];
  do {
    if (out.length > 0) p.punct(',');
    const name = p.identifier();
    const type = p.type(iceberg);
    if (p.optional('COMMENT')) p.string();
    out.push(`"${name}" ${type}`);
  } while (p.isPunct(','));
  p.punct(')');
  return out;
}

/** Athena's Iceberg partition transforms -> Trino's partitioning strings (`bucket(16, id)` -> `bucket(id, 16)`). */
function partitioning(p: Parser): string[] {
  p.punct('(');
  const out: string[] = [];
  do {
    if (out.length > 0) p.punct(',');
    if (p.peek(1)?.t === 'punct' && (p.peek(1) as { v: string }).v === '(') {
      const transform = p
        .word('BUCKET', 'TRUNCATE', 'YEAR', 'MONTH', 'DAY', 'HOUR', 'YEARS', 'MONTHS', 'DAYS', 'HOURS')
        .toLowerCase();
      p.punct('(');
      if (transform === 'bucket' || transform === 'truncate') {
        const width = p.number();
        p.punct(',');
        const column = p.identifier();
        out.push(`${transform}("${column}", ${width})`);
      } else out.push(`${transform.replace(/s$/, '')}("${p.identifier()}")`);
      p.punct(')');
    } else out.push(`"${p.identifier()}"`);
  } while (p.isPunct(','));
  p.punct(')');
  return out;
}

function tblproperties(p: Parser): Record<string, string> {
  const properties: Record<string, string> = {};
  p.punct('(');
  do {
    if (Object.keys(properties).length > 0) p.punct(',');
    const key = p.string();
    p.punct('=');
    properties[key.toLowerCase()] = p.string();
  } while (p.isPunct(','));
  p.punct(')');
  return properties;
}

function parseCreate(p: Parser): AthenaStatement {
  p.word('CREATE');
  if (p.optional('DATABASE', 'SCHEMA')) {
    const ifNotExists = p.optional('IF') && (p.word('NOT'), p.word('EXISTS'), true);
    const database = p.identifier();
    let location: string | undefined;
    if (p.optional('LOCATION')) location = p.string();
    if (!p.atEnd()) p.fail('<EOF>');
    return {
      kind: 'create-database',
      database,
      trino: `CREATE SCHEMA ${ifNotExists ? 'IF NOT EXISTS ' : ''}"hive"."${database}"${location === undefined ? '' : ` WITH (location = ${sqlStringLiteral(location)})`}`,
    };
  }
  const external = p.optional('EXTERNAL');
  p.word('TABLE');
  const ifNotExists = p.optional('IF') && (p.word('NOT'), p.word('EXISTS'), true);
  const name = p.qualifiedName();
  // Column types depend on the kind of table, which only TBLPROPERTIES at the end tells: parse twice.
  const start = (p as unknown as { i: number }).i;
  columns(p, true);
  let partitions: string[] = [];
  let serde: string | undefined;
  let location: string | undefined;
  let properties: Record<string, string> = {};
  while (!p.atEnd()) {
    if (p.optional('PARTITIONED')) {
      p.word('BY');
      partitions = partitioning(p);
    } else if (p.optional('ROW')) {
      p.word('FORMAT');
      p.word('SERDE');
      serde = p.string();
    } else if (p.optional('LOCATION')) location = p.string();
    else if (p.optional('TBLPROPERTIES')) properties = tblproperties(p);
    else if (p.isPunct(';')) p.punct(';');
    else p.fail("'PARTITIONED', 'ROW', 'LOCATION', 'TBLPROPERTIES'");
  }
  const iceberg = properties.table_type?.toUpperCase() === 'ICEBERG';
  (p as unknown as { i: number }).i = start;
  const cols = columns(p, iceberg);
  const exists = ifNotExists ? 'IF NOT EXISTS ' : '';
  if (iceberg) {
    // Athena creates Iceberg tables without EXTERNAL and rejects unknown property keys.
    if (external)
      throw new AthenaDdlError('CREATE EXTERNAL TABLE is not supported for Iceberg tables; use CREATE TABLE');
    for (const key of Object.keys(properties))
      if (!ATHENA_ICEBERG_PROPERTIES.has(key))
        throw new AthenaDdlError(`Unsupported table property key: ${key}`);
    if (location === undefined) throw new AthenaDdlError('Iceberg tables need a LOCATION');
    const format = (properties.format ?? 'parquet').toUpperCase();
    const with_ = [
      `format = ${sqlStringLiteral(format)}`,
      'format_version = 2',
      `location = ${sqlStringLiteral(location)}`,
      ...(partitions.length > 0
        ? [`partitioning = ARRAY[${partitions.map((x) => sqlStringLiteral(x)).join(', ')}]`]
        : []),
    ];
    return {
      kind: 'create-iceberg',
      table: `${name.database ?? ''}.${name.name}`,
      properties,
      trino: `CREATE TABLE ${exists}${trinoName(name, 'iceberg')} (\n  ${cols.join(',\n  ')}\n)\nWITH (${with_.join(', ')})`,
    };
  }
  if (!external) throw new AthenaDdlError('a non-Iceberg table must be CREATE EXTERNAL TABLE');
  if (partitions.length > 0)
    throw new AthenaDdlError('partitioned external tables are not modelled by the stand-in');
  const format = serde === undefined ? undefined : JSON_SERDES.get(serde);
  if (format === undefined)
    throw new AthenaDdlError(`SerDe ${serde ?? '(none)'} is not modelled by the stand-in (JSON SerDes only)`);
  if (location === undefined) throw new AthenaDdlError('an external table needs a LOCATION');
  return {
    kind: 'create-external',
    table: `${name.database ?? ''}.${name.name}`,
    trino: `CREATE TABLE ${exists}${trinoName(name, 'hive')} (\n  ${cols.join(',\n  ')}\n)\nWITH (format = ${sqlStringLiteral(format)}, external_location = ${sqlStringLiteral(location)})`,
  };
}

/** The table a DML statement writes, for the one-writer-per-table rule; undefined for reads. */
function dmlTarget(sql: string): string | undefined {
  const m =
    /^\s*(?:MERGE\s+INTO|INSERT\s+INTO|DELETE\s+FROM|UPDATE)\s+((?:"[^"]+"|[A-Za-z0-9_]+)(?:\s*\.\s*(?:"[^"]+"|[A-Za-z0-9_]+))?)/i.exec(
      sql,
    );
  return m === null ? undefined : m[1]!.replaceAll('"', '').replace(/\s/g, '').toLowerCase();
}

/**
 * `ALTER TABLE [db_name.]table_name ADD COLUMNS (col_name data_type [,...])`, Athena's schema
 * evolution of an Iceberg table (https://docs.aws.amazon.com/athena/latest/ug/querying-iceberg-alter-table-add-columns.html)
 * and of a Hive table (https://docs.aws.amazon.com/athena/latest/ug/alter-table-add-columns.html),
 * to Trino's `ALTER TABLE ... ADD COLUMN`, which takes one column per statement
 * (https://trino.io/docs/current/sql/alter-table.html). The stand-in runs them in order; Athena's
 * single statement is atomic, these are not (a failure midway leaves the first columns added).
 * Types map as for an Iceberg table (`timestamp(6)`): the staging tables this project alters never
 * carry a timestamp column (timestamps travel as strings there). Other ALTER TABLE forms are
 * refused.
 */
function parseAddColumns(p: Parser): AthenaStatement {
  p.word('ALTER');
  p.word('TABLE');
  const name = p.qualifiedName();
  p.word('ADD');
  p.word('COLUMNS');
  p.punct('(');
  const columns: string[] = [];
  for (;;) {
    const column = p.identifier();
    columns.push(`ALTER TABLE ${trinoName(name)} ADD COLUMN "${column}" ${p.type(true)}`);
    if (p.isPunct(')')) break;
    p.punct(',');
  }
  p.punct(')');
  if (!p.atEnd()) p.fail('<EOF>');
  return { kind: 'add-columns', table: `${name.database ?? ''}.${name.name}`, trino: columns };
}

/** Classifies one Athena statement and maps the DDL to Trino. Throws AthenaDdlError with Athena-style reasons. */
export function parseAthenaStatement(sql: string): AthenaStatement {
  const body = sql.replace(/^(\s|--[^\n]*\n)+/, '');
  const head = /^[A-Za-z]+/.exec(body)?.[0].toUpperCase();
  if (head !== 'CREATE' && head !== 'OPTIMIZE' && head !== 'VACUUM' && head !== 'ALTER') {
    const writes = dmlTarget(body);
    return writes === undefined ? { kind: 'dml', sql } : { kind: 'dml', sql, writes };
  }
  const p = new Parser(sql, tokenize(sql));
  if (head === 'CREATE') return parseCreate(p);
  if (head === 'ALTER') return parseAddColumns(p);
  if (head === 'OPTIMIZE') {
    // OPTIMIZE [db.]table REWRITE DATA USING BIN_PACK [WHERE predicate]
    p.word('OPTIMIZE');
    const name = p.qualifiedName();
    p.word('REWRITE');
    p.word('DATA');
    p.word('USING');
    p.word('BIN_PACK');
    let where = '';
    if (p.optional('WHERE')) where = ` WHERE ${p.rest()}`;
    else if (!p.atEnd()) p.fail("'WHERE', <EOF>");
    return {
      kind: 'optimize',
      table: `${name.database ?? ''}.${name.name}`,
      trino: `ALTER TABLE ${trinoName(name)} EXECUTE optimize${where}`,
    };
  }
  // VACUUM [db.]table
  p.word('VACUUM');
  const name = p.qualifiedName();
  if (!p.atEnd()) p.fail('<EOF>');
  return {
    kind: 'vacuum',
    table: `${name.database ?? ''}.${name.name}`,
    database: name.database,
    name: name.name,
  };
}

/**
 * VACUUM's two Trino procedures: snapshot expiry then orphan removal, both at the table's
 * vacuum_max_snapshot_age_seconds (Athena's default 432000 s, five days).
 */
export function vacuumStatements(
  name: { database: string | undefined; name: string },
  maxSnapshotAgeSeconds: number,
): string[] {
  const age = sqlStringLiteral(`${Math.max(0, Math.floor(maxSnapshotAgeSeconds))}s`);
  return [
    `ALTER TABLE ${trinoName(name)} EXECUTE expire_snapshots(retention_threshold => ${age})`,
    `ALTER TABLE ${trinoName(name)} EXECUTE remove_orphan_files(retention_threshold => ${age})`,
  ];
}
