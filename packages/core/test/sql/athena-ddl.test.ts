import { InvalidIdentifierError } from '@ddb-athena-sync/schemas/errors';
import { books } from '@ddb-athena-sync/schemas/tables';
import { HiveSQL } from 'dt-sql-parser';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { athenaDialect, duckdbDialect } from '../../src/sql/dialect.js';
import { renderOptimize, renderVacuum } from '../../src/sql/render-statements.js';

// Athena runs OPTIMIZE and VACUUM through its Hive-style DDL parser, not through Trino:
// "Note that double quotes do not work as a substitute for backticks" and "If you prefix the table
// name with a database name, do not enclose the database name in backticks"
// (https://docs.aws.amazon.com/athena/latest/ug/vacuum-statement.html, example
// VACUUM my_database.`_mytable`). The synopses are `OPTIMIZE [db_name.]table_name REWRITE DATA USING
// BIN_PACK [WHERE predicate]` (https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html)
// and `VACUUM [database_name.]target_table`.
//
// No grammar dt-sql-parser ships knows these two Athena statements (HiveSQL rejects the keywords,
// SparkSQL knows only Delta's OPTIMIZE without REWRITE DATA), so the check is: the statement is the
// documented synopsis around one table name, and that table name parses as a Hive table name
// (dt-sql-parser's ANTLR HiveSQL grammar, in `DESCRIBE <name>`), which rejects double quotes.
const hive = new HiveSQL();

const OPTIMIZE_SYNOPSIS = /^OPTIMIZE (?<name>\S+) REWRITE DATA USING BIN_PACK(?: WHERE (?<where>.+))?$/s;
const VACUUM_SYNOPSIS = /^VACUUM (?<name>\S+)$/;

function hiveTableNameErrors(name: string): unknown[] {
  return hive.validate(`DESCRIBE ${name}`);
}

/** The table name of a statement that matches `synopsis`, or a failure naming the statement. */
function tableNameOf(sql: string, synopsis: RegExp): string {
  const name = synopsis.exec(sql)?.groups?.['name'];
  expect(name, sql).toBeDefined();
  return name!;
}

describe('Athena OPTIMIZE and VACUUM use the DDL parser’s identifiers', () => {
  test('books: OPTIMIZE and VACUUM match the synopsis, the name is a Hive table name, no double quotes', () => {
    // Act
    const optimize = renderOptimize(books, athenaDialect, { database: 'library' });
    const vacuum = renderVacuum(books, athenaDialect, { database: 'library' });

    // Assert
    expect(optimize).toBe('OPTIMIZE library.`books` REWRITE DATA USING BIN_PACK');
    expect(vacuum).toBe('VACUUM library.`books`');
    for (const [sql, synopsis] of [
      [optimize, OPTIMIZE_SYNOPSIS],
      [vacuum, VACUUM_SYNOPSIS],
    ] as const) {
      expect(sql).not.toContain('"');
      expect(hiveTableNameErrors(tableNameOf(sql, synopsis))).toEqual([]);
    }
  });

  test('every identifier the check allows gives a statement the DDL grammar takes', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[a-z][a-z0-9_]{0,30}$/),
        fc.stringMatching(/^[a-z_][a-z0-9_]{0,30}$/),
        (database, name) => {
          // Arrange: a table whose name starts with "_" is the case the VACUUM page calls out.
          const table = { ...books, name };

          // Act
          const statements = [
            [renderOptimize(table, athenaDialect, { database }), OPTIMIZE_SYNOPSIS],
            [renderVacuum(table, athenaDialect, { database }), VACUUM_SYNOPSIS],
          ] as const;

          // Assert
          for (const [sql, synopsis] of statements)
            expect(hiveTableNameErrors(tableNameOf(sql, synopsis))).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('a database the DDL cannot name bare (leading "_": no backticks allowed there) is rejected', () => {
    expect(() => renderVacuum(books, athenaDialect, { database: '_library' })).toThrow(
      InvalidIdentifierError,
    );
    expect(() => renderOptimize(books, athenaDialect, { database: '_library' })).toThrow(
      InvalidIdentifierError,
    );
  });

  test('the Hive grammar does reject the double-quoted form (the check can fail)', () => {
    expect(hiveTableNameErrors('"library"."books"')).not.toEqual([]);
    expect(hiveTableNameErrors('library._books')).not.toEqual([]);
  });

  test('DuckDB keeps its own maintenance statements (DML quoting)', () => {
    expect(renderOptimize(books, duckdbDialect, { database: 'library' })).toBe('CHECKPOINT');
    expect(renderVacuum(books, duckdbDialect, { database: 'library' })).toBe(
      'VACUUM ANALYZE "library"."books"',
    );
  });
});
