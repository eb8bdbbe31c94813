import { describe, expect, it } from 'vitest';

import { icebergColumns, parseDeclaration, stagingColumns } from '../src/declaration.js';
import type { TableDeclarationInput } from '../src/declaration.js';
import { DeclarationError, UnknownTableError } from '../src/errors.js';
import { books, booksInput, getTable, orders } from '../test-support/example-tables.js';

function issuesOf(input: unknown): { path: string; message: string }[] {
  try {
    parseDeclaration(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DeclarationError);
    return [...(error as DeclarationError).issues];
  }
  throw new Error('expected a DeclarationError');
}

describe('parseDeclaration', () => {
  it('accepts the article tables and fills defaults', () => {
    expect(books.keyColumns).toEqual(['id']);
    expect(books.partitioning).toEqual([{ transform: 'bucket', width: 16, column: 'id' }]);
    expect(books.columns.find((c) => c.name === 'published_at')).toMatchObject({
      source: 'date',
      conversion: 'epoch-nanos',
      type: { kind: 'timestamp' },
    });
    expect(books.maintenance.schedule).toBe('rate(1 hour)');
    expect(orders.firehose).toEqual({
      appendOnly: true,
      removes: 'drop',
      bufferingIntervalSeconds: 300,
      bufferingSizeMb: 64,
    });
    expect(orders.columns.find((c) => c.name === 'total')?.type).toEqual({
      kind: 'decimal',
      precision: 12,
      scale: 2,
    });
  });

  it('adds the pipeline columns to the Iceberg and staging tables', () => {
    expect(icebergColumns(books).map((c) => c.name)).toEqual([
      'id',
      'name',
      'author',
      'summary',
      'published_at',
      '_seq',
      '_updated_at',
    ]);
    expect(
      stagingColumns(orders)
        .map((c) => c.name)
        .slice(-5),
    ).toEqual(['_extra', '_op', '_seq', '_event_time', '_source']);
  });

  it('puts key columns first whatever the declaration order', () => {
    const d = parseDeclaration({
      ...booksInput,
      columns: [{ name: 'name', type: 'string' }, ...booksInput.columns.filter((c) => c.name !== 'name')],
    });
    expect(d.columns[0]?.name).toBe('id');
  });

  it('reports every problem at once, each with its path', () => {
    const input = {
      ...booksInput,
      colour: 'blue',
      columns: [
        { name: 'Title', type: 'string' },
        { name: 'published_at', type: 'bigint', conversion: 'epoch-nanos' },
        { name: 'price', type: 'decimal(40,2)' },
      ],
      partitioning: ['bucket(16, isbn)'],
    };
    const issues = issuesOf(input);
    // zod reports shape problems first; semantic checks run once the shape is right.
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['', 'columns[0].name']));
    expect(issues.find((i) => i.path === '')?.message).toMatch(/colour/);

    const { colour: _colour, ...known } = input;
    const semantic = issuesOf({
      ...known,
      columns: input.columns.map((c, i) => (i === 0 ? { ...c, name: 'title' } : c)),
    });
    expect(semantic).toEqual(
      expect.arrayContaining([
        {
          path: 'columns[1].conversion',
          message: expect.stringMatching(/epoch-nanos converts a number to a timestamp/),
        },
        { path: 'columns[2].type', message: expect.stringMatching(/precision/) },
        { path: 'dynamodb.partitionKey', message: expect.stringMatching(/key attribute "id" has no column/) },
        { path: 'partitioning[0]', message: expect.stringMatching(/"isbn" is not declared/) },
      ]),
    );
    expect(semantic).toHaveLength(4);
  });

  it('names the table in the error', () => {
    const error = (() => {
      try {
        parseDeclaration({ ...booksInput, mode: 'batch' });
      } catch (e) {
        return e as DeclarationError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DeclarationError);
    expect(error?.table).toBe('books');
    expect(error?.message).toMatch(/table declaration "books" is invalid/);
    expect(error?.issues[0]?.path).toBe('mode');
  });

  it.each([
    ['a quote', "bo'oks"],
    ['a semicolon', 'books;drop'],
    ['unicode', 'bööks'],
    ['upper case', 'Books'],
    ['a leading digit', '1books'],
  ])('rejects a table name with %s', (_label, name) => {
    expect(issuesOf({ ...booksInput, name })).toEqual([
      { path: 'name', message: expect.stringMatching(/must match/) },
    ]);
  });

  it('rejects reserved, duplicate and ill-typed columns', () => {
    const base: TableDeclarationInput = { ...booksInput };
    expect(issuesOf({ ...base, columns: [...base.columns, { name: '_seq', type: 'string' }] })).toEqual([
      { path: 'columns[5].name', message: expect.stringMatching(/reserved/) },
    ]);
    expect(
      issuesOf({ ...base, columns: [...base.columns, { name: 'name', type: 'string', source: 'title' }] }),
    ).toEqual([{ path: 'columns[5].name', message: expect.stringMatching(/declared twice/) }]);
    // A boolean key is also reported where the partition transform uses it: every problem, at once.
    expect(
      issuesOf({ ...base, columns: [{ name: 'id', type: 'boolean' }, ...base.columns.slice(1)] }),
    ).toEqual([
      { path: 'columns[0].type', message: expect.stringMatching(/key column "id" must be/) },
      { path: 'partitioning[0]', message: 'cannot partition by bucket() of a boolean column' },
    ]);
    expect(issuesOf({ ...base, columns: [...base.columns, { name: 'seen', type: 'timestamp' }] })).toEqual([
      { path: 'columns[5].conversion', message: expect.stringMatching(/needs a conversion/) },
    ]);
    expect(issuesOf({ ...base, columns: [...base.columns, { name: 'b', type: 'array<binary>' }] })).toEqual([
      {
        path: 'columns[5].type',
        message: expect.stringMatching(/binary is supported only as a top-level column/),
      },
    ]);
  });

  it('checks schedules, partition transforms and mode blocks', () => {
    expect(issuesOf({ ...booksInput, schedule: 'every minute' })[0]?.path).toBe('schedule');
    expect(issuesOf({ ...booksInput, partitioning: ['day(name)'] })).toEqual([
      { path: 'partitioning[0]', message: expect.stringMatching(/needs a timestamp or date column/) },
    ]);
    expect(issuesOf({ ...booksInput, mode: 'firehose' })).toEqual([
      { path: 'firehose', message: expect.stringMatching(/needs a firehose block/) },
    ]);
  });
});

describe('getTable', () => {
  it('finds declared tables and names the known ones otherwise', () => {
    expect(getTable('books')).toBe(books);
    expect(() => getTable('authors')).toThrow(UnknownTableError);
    try {
      getTable('authors');
    } catch (error) {
      expect((error as UnknownTableError).known).toEqual(['books', 'orders']);
    }
  });
});
