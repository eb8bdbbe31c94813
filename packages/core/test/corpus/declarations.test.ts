import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';
import { DeclarationError } from '@ddb-athena-sync/schemas/errors';
import { booksInput, ordersInput } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { renderMerge } from '../../src/sql/render-merge.js';
import { athenaDialect } from '../../src/sql/dialect.js';
import { casesFor } from './corpus.js';

// A hostile declaration is rejected at load time with every issue located, and never reaches SQL;
// the valid declarations loaded with it still load and render.
describe.each(casesFor('declaration'))('declaration $name', (c) => {
  it(`${c.description} -> rejected (${c.expected.error})`, () => {
    // Arrange
    const batch = [booksInput, c.input, ordersInput];

    // Act
    const outcomes = batch.map((input) => {
      try {
        return parseDeclaration(input);
      } catch (error) {
        return error;
      }
    });

    // Assert
    const [books, rejected, orders] = outcomes;
    expect(rejected).toBeInstanceOf(DeclarationError);
    expect((rejected as DeclarationError).name).toBe(c.expected.error);
    expect((rejected as DeclarationError).issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([...(c.expected.issuePaths ?? [])]),
    );
    expect(books).not.toBeInstanceOf(Error);
    expect(orders).not.toBeInstanceOf(Error);
    const sql = renderMerge(
      {
        table: books as TableDeclaration,
        target: { database: 'lake', name: 'books' },
        stagingTable: { database: 'lake', name: 'books_staging' },
        files: ['s3://lake/staging/books/x.json.gz'],
      },
      athenaDialect,
    );
    expect(sql).toMatch(/^MERGE INTO "lake"\."books" AS t/);
  });
});
