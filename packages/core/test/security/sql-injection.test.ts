import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import {
  DeclarationError,
  InvalidIdentifierError,
  UnsafeLiteralError,
} from '@ddb-athena-sync/schemas/errors';
import { renderIcebergDdl, renderStagingDdl } from '@ddb-athena-sync/schemas/render-ddl';
import { assertIdentifier, isIdentifier, sqlStringLiteral } from '@ddb-athena-sync/schemas/sql-safety';
import { books, booksInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { hostileText } from '@ddb-athena-sync/schemas/test-support/hostile-text';
import { HiveSQL, TrinoSQL } from 'dt-sql-parser';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { athenaDialect, duckdbDialect } from '../../src/sql/dialect.js';
import { renderMerge } from '../../src/sql/render-merge.js';
import { renderCreate, renderOptimize, renderVacuum } from '../../src/sql/render-statements.js';

// Athena's MERGE cannot take parameters, so the SQL is only as safe as its two escaping hooks:
// the identifier check and the literal escaping. These properties throw hostile input at both and
// look at the result with a real grammar (dt-sql-parser's ANTLR Trino and Hive parsers) and, for
// DuckDB, by running it.
const trino = new TrinoSQL();
const hive = new HiveSQL();

interface Node {
  readonly children?: readonly Node[] | null;
  readonly ruleIndex?: number;
  readonly symbol?: { readonly type: number };
}

/** The parse tree without token text: rule and token types only. Two statements that differ only in literal text have the same shape. */
function shape(node: Node): string {
  if (node.children === undefined || node.children === null) return `T${node.symbol?.type ?? '?'}`;
  return `${node.ruleIndex ?? '?'}(${node.children.map(shape).join(',')})`;
}

function trinoShape(sql: string): string {
  return shape(trino.parse(sql) as unknown as Node);
}

const hostileIdentifier = hostileText.filter((s) => !isIdentifier(s));
/** dt-sql-parser's Hive grammar has no Iceberg partition transforms (an Athena extension): test the DDL literals without them. */
const unpartitioned = parseDeclaration({ ...booksInput, partitioning: [] });

describe('identifiers: the identifier check rejects everything that is not ^[a-z_][a-z0-9_]*$', () => {
  it('rejects hostile identifiers in every renderer and in declarations', () => {
    fc.assert(
      fc.property(hostileIdentifier, (name) => {
        // Arrange
        const target = { database: name, name: 'books' };
        const statements: (() => unknown)[] = [
          () => assertIdentifier(name),
          () => athenaDialect.identifier(name),
          () => duckdbDialect.identifier(name),
          () => athenaDialect.ddlName({ name }),
          () => athenaDialect.ddlName({ database: name, name: 'books' }),
          () => duckdbDialect.ddlName({ database: name, name: 'books' }),
          () =>
            renderMerge(
              {
                table: books,
                target,
                stagingTable: { database: 'db', name: 'books_staging' },
                files: ['s3://b/k'],
              },
              athenaDialect,
            ),
          () =>
            renderMerge(
              {
                table: books,
                target: { database: 'db', name },
                stagingTable: { database: 'db', name: 'books_staging' },
                files: ['s3://b/k'],
              },
              athenaDialect,
            ),
          () =>
            renderMerge(
              {
                table: books,
                target: { name: 'books' },
                stagingTable: { database: name, name: 'books_staging' },
                files: ['s3://b/k'],
              },
              athenaDialect,
            ),
          () =>
            renderMerge(
              {
                table: books,
                target: { database: name, name: 'books' },
                stagingTable: { name: 'books_staging' },
                files: ['s3://b/k'],
              },
              duckdbDialect,
            ),
          () =>
            renderCreate(books, duckdbDialect, {
              database: name,
              tableLocation: 's3://b/t/',
              stagingLocation: 's3://b/s/',
            }),
          () => renderOptimize(books, athenaDialect, { database: name }),
          () => renderVacuum(books, athenaDialect, { database: name }),
          () => renderIcebergDdl(books, { database: name, location: 's3://lake-bucket/tables/books/' }),
        ];

        // Act / Assert
        for (const render of statements) expect(render).toThrow(InvalidIdentifierError);
        expect(() =>
          parseDeclaration({
            name,
            dynamodb: { tableName: 'books', partitionKey: 'id' },
            columns: [{ name: 'id', type: 'string' }],
            mode: 'merge',
          }),
        ).toThrow(DeclarationError);
        expect(() =>
          parseDeclaration({
            name: 'books',
            dynamodb: { tableName: 'books', partitionKey: 'id' },
            columns: [
              { name: 'id', type: 'string' },
              { name, type: 'string' },
            ],
            mode: 'merge',
          }),
        ).toThrow(DeclarationError);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts what the pattern allows (the check is not a blanket rejection)', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z_][a-z0-9_]{0,30}$/), (name) => {
        expect(athenaDialect.identifier(name)).toBe(`"${name}"`);
      }),
    );
  });
});

describe('literals: no value changes the structure of a statement', () => {
  const plan = (files: readonly string[]) => ({
    table: books,
    target: { database: 'lake', name: 'books' },
    stagingTable: { database: 'lake', name: 'books_staging' },
    files,
  });

  it('a MERGE whose staged file names are hostile parses to the same tree as a benign one, one statement', () => {
    fc.assert(
      fc.property(
        fc.array(
          hostileText.filter((s) => !s.includes('\u0000')),
          { minLength: 1, maxLength: 3 },
        ),
        (names) => {
          // Arrange
          const hostile = names.map((n) => `s3://lake/staging/books/${n}`);
          const benign = names.map((_, i) => `s3://lake/staging/books/f${i}.json.gz`);

          // Act
          const sql = renderMerge(plan(hostile), athenaDialect);
          const reference = renderMerge(plan(benign), athenaDialect);

          // Assert
          expect(trino.validate(sql)).toEqual([]);
          expect(trino.splitSQLByStatement(sql)).toHaveLength(1);
          expect(trinoShape(sql)).toBe(trinoShape(reference));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('the shape comparison does notice an injected clause (the check can fail)', () => {
    // Arrange: what an unescaped quote would have produced.
    const reference = renderMerge(plan(['s3://lake/f0']), athenaDialect);
    const injected = reference.replace("'s3://lake/f0'", "'s3://lake/f0' OR 1 = 1");

    // Act / Assert
    expect(trino.validate(injected)).toEqual([]);
    expect(trinoShape(injected)).not.toBe(trinoShape(reference));
  });

  it('a table location with hostile characters stays one literal of the Hive DDL, or is rejected', () => {
    fc.assert(
      fc.property(
        hostileText.filter((s) => !/\s/.test(s) && !s.includes('\u0000')),
        (path) => {
          // Arrange
          const location = `s3://lake-bucket/${path}`;
          const renderBoth = (at: string): string[] => [
            renderIcebergDdl(unpartitioned, { database: 'lake', location: at }),
            renderStagingDdl(unpartitioned, { database: 'lake', location: at }),
          ];
          const reference = renderBoth('s3://lake-bucket/tables');

          // Act
          const render = (): string[] => renderBoth(location);

          // Assert: HiveQL reads backslash escapes and concatenates adjacent literals, so no quote
          // doubling is safe there; quotes and backslashes are refused, everything else is one literal.
          if (/['"`\\]/.test(path)) {
            expect(render).toThrow(/not an s3:\/\/ URI/);
            return;
          }
          render().forEach((ddl, i) => {
            expect(hive.validate(ddl)).toEqual([]);
            expect(shape(hive.parse(ddl) as unknown as Node)).toBe(
              shape(hive.parse(reference[i]!) as unknown as Node),
            );
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rejects the two strings no engine keeps faithfully (NUL, lone surrogate)', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.constantFrom('\u0000', '\ud800', '\udfff'), (a, b, bad) => {
        expect(() => sqlStringLiteral(`${a}${bad}${b}`)).toThrow(UnsafeLiteralError);
      }),
    );
  });
});

describe('literals round-trip through DuckDB exactly', () => {
  let db: DuckDBConnection;

  beforeAll(async () => {
    db = await (await DuckDBInstance.create(':memory:')).connect();
  });

  afterAll(() => {
    db.closeSync();
  });

  it('SELECT <literal> returns the input string, whatever it holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .oneof(hostileText, fc.string({ unit: 'binary' }))
          .filter(
            (s) =>
              !s.includes('\u0000') &&
              !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '')),
          ),
        async (value) => {
          // Act
          const reader = await db.runAndReadAll(`SELECT ${duckdbDialect.literal(value)} AS v, 1 AS marker`);

          // Assert: one row, two columns, the value unchanged.
          expect(reader.getRowObjects()).toEqual([{ v: value, marker: 1 }]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
