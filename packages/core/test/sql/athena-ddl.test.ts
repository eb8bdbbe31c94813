import { InvalidIdentifierError } from '@ddb-athena-sync/schemas/errors';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { books, orders, ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { HiveSQL, TrinoSQL } from 'dt-sql-parser';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { ATHENA_DDL_RESERVED, athenaDialect, duckdbDialect } from '../../src/sql/dialect.js';
import { recentPartitions, renderOptimize, renderVacuum } from '../../src/sql/render-statements.js';

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
        fc.stringMatching(/^[a-z][a-z0-9_]{0,30}$/).filter((d) => !ATHENA_DDL_RESERVED.has(d)),
        fc.oneof(fc.stringMatching(/^[a-z_][a-z0-9_]{0,30}$/), fc.constantFrom(...ATHENA_DDL_RESERVED)),
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
      { numRuns: Number(process.env.DDL_RUNS ?? '300') },
    );
  });

  test('a database the DDL cannot name bare (a DDL reserved keyword) is rejected; the Hive grammar agrees it needs quoting', () => {
    for (const word of ATHENA_DDL_RESERVED) {
      expect(() => renderVacuum(books, athenaDialect, { database: word })).toThrow(InvalidIdentifierError);
    }
    expect(hiveTableNameErrors('select.`books`')).not.toEqual([]);
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

// Compacting only recently written partitions (issue 18 item 5): `OPTIMIZE ... WHERE <partition
// predicate>`, where "only partition columns are allowed in the WHERE clause predicate"
// (https://docs.aws.amazon.com/athena/latest/ug/optimize-statement.html).
describe('OPTIMIZE of recently written partitions', () => {
  const trino = new TrinoSQL();

  test('orders, partitioned by day(created_at): whole days from the one holding `since`', () => {
    // Arrange
    const window = recentPartitions(orders, new Date('2024-05-01T13:45:10.123Z'));

    // Act
    const sql = renderOptimize(orders, athenaDialect, { database: 'library' }, window);

    // Assert
    expect(sql).toBe(
      "OPTIMIZE library.`orders` REWRITE DATA USING BIN_PACK WHERE created_at >= TIMESTAMP '2024-05-01 00:00:00.000000'",
    );
    const where = OPTIMIZE_SYNOPSIS.exec(sql)?.groups?.['where'];
    expect(where).toBeDefined();
    expect(hive.validate(`SELECT * FROM t WHERE ${where}`)).toEqual([]);
    expect(trino.validate(`SELECT * FROM t WHERE ${where}`)).toEqual([]);
    expect(hiveTableNameErrors(tableNameOf(sql, OPTIMIZE_SYNOPSIS))).toEqual([]);
    expect(renderOptimize(orders, duckdbDialect, { database: 'library' }, window)).toBe('CHECKPOINT');
    expect(duckdbDialect.partitionPredicate(window!)).toBe(
      `"created_at" >= TIMESTAMP '2024-05-01 00:00:00.000000'`,
    );
  });

  test('a partitioning that says nothing about time (bucket, identity) gives no window: OPTIMIZE stays whole', () => {
    expect(recentPartitions(books, new Date())).toBeUndefined();
    expect(
      recentPartitions(parseDeclaration({ ...ordersInput, partitioning: ['currency'] }), new Date()),
    ).toBeUndefined();
  });

  test('the window starts at the boundary of the partition that holds `since`, for each transform', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('1970-01-01T00:00:00Z'),
          max: new Date('2999-12-31T23:59:59Z'),
          noInvalidDate: true,
        }),
        fc.constantFrom('year', 'month', 'day', 'hour'),
        (since, transform) => {
          // Arrange
          const table = parseDeclaration({ ...ordersInput, partitioning: [`${transform}(created_at)`] });

          // Act
          const window = recentPartitions(table, since)!;

          // Assert: the start is in the same partition as `since`, and no later than it; one
          // microsecond earlier is the previous partition.
          const start = new Date(`${window.from.replace(' ', 'T').slice(0, 23)}Z`);
          const ms = since.getTime();
          const expected = {
            hour: Math.floor(ms / 3_600_000) * 3_600_000,
            day: Math.floor(ms / 86_400_000) * 86_400_000,
            month: Date.UTC(since.getUTCFullYear(), since.getUTCMonth(), 1),
            year: Date.UTC(since.getUTCFullYear(), 0, 1),
          }[transform];
          expect(start.getTime()).toBe(expected);
          expect(window.from).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:00:00\.000000$/);
        },
      ),
      { numRuns: 300 },
    );
  });
});
