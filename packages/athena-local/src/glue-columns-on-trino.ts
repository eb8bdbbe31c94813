import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';

import { TrinoQueryError } from './errors.js';
import type { TrinoClient } from './trino-client.js';

/**
 * The stand-in for Glue GetTable's `Table.StorageDescriptor.Columns` (name and Hive type text,
 * https://docs.aws.amazon.com/glue/latest/webapi/API_Column.html) that the merger reads before a
 * merge (core's aws/glue-table-columns.ts, the same `columns(table)` shape): there is no local
 * Glue, and the tables live in Trino's metastore, so the columns come from Trino's `SHOW COLUMNS`
 * (which follows the Hive catalog's redirection to Iceberg tables) with each Trino type written
 * the way Glue lists it (Athena "Data types",
 * https://docs.aws.amazon.com/athena/latest/ug/data-types.html: `varchar` -> `string`,
 * `integer` -> `int`, `row(...)` -> `struct<...>`, `array(...)` -> `array<...>`). A table that
 * does not exist answers undefined, as GetTable's EntityNotFoundException does for Glue.
 */
export function glueColumnsOnTrino(
  trino: TrinoClient,
  catalog = 'hive',
): {
  columns(table: {
    readonly database: string;
    readonly name: string;
  }): Promise<readonly { name: string; type: string }[] | undefined>;
} {
  return {
    async columns(table) {
      const name = `"${assertIdentifier(catalog)}"."${assertIdentifier(table.database)}"."${assertIdentifier(table.name)}"`;
      try {
        const result = await trino.query(`SHOW COLUMNS FROM ${name}`);
        return result.rows.map((r) => ({ name: String(r[0]), type: hiveTypeOfTrino(String(r[1])) }));
      } catch (error) {
        if (error instanceof TrinoQueryError && error.errorName === 'TABLE_NOT_FOUND') return undefined;
        throw error;
      }
    },
  };
}

/** Glue/Hive type text of a Trino type (`row("a" varchar, b array(integer))` -> `struct<a:string,b:array<int>>`). */
export function hiveTypeOfTrino(text: string): string {
  let i = 0;
  const blank = (): void => {
    while (text[i] === ' ') i++;
  };
  const expect = (c: string): void => {
    blank();
    if (text[i] !== c) throw new RangeError(`unexpected Trino type ${JSON.stringify(text)} at ${i}`);
    i++;
  };
  const word = (): string => {
    blank();
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      const v = text.slice(i + 1, end);
      i = end + 1;
      return v;
    }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (m === null) throw new RangeError(`unexpected Trino type ${JSON.stringify(text)} at ${i}`);
    i += m[0].length;
    return m[0];
  };
  const type = (): string => {
    const name = word().toLowerCase();
    blank();
    if (name === 'array') {
      expect('(');
      const element = type();
      expect(')');
      return `array<${element}>`;
    }
    if (name === 'map') {
      expect('(');
      const k = type();
      expect(',');
      const v = type();
      expect(')');
      return `map<${k},${v}>`;
    }
    if (name === 'row') {
      expect('(');
      const fields: string[] = [];
      for (;;) {
        const field = word();
        fields.push(`${field}:${type()}`);
        blank();
        if (text[i] === ')') break;
        expect(',');
      }
      expect(')');
      return `struct<${fields.join(',')}>`;
    }
    let args = '';
    if (text[i] === '(') {
      const end = text.indexOf(')', i);
      args = text.slice(i, end + 1).replace(/\s+/g, '');
      i = end + 1;
    }
    switch (name) {
      case 'varchar':
      case 'char':
        return args === '' || name === 'varchar' ? 'string' : `char${args}`;
      case 'integer':
        return 'int';
      case 'real':
        return 'float';
      case 'varbinary':
        return 'binary';
      case 'timestamp':
        return 'timestamp';
      default:
        return `${name}${args}`;
    }
  };
  const out = type();
  blank();
  if (i !== text.length) throw new RangeError(`unexpected Trino type ${JSON.stringify(text)} at ${i}`);
  return out;
}
