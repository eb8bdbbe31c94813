import { DuckDBInstance } from '@duckdb/node-api';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';

import { cellText, formatTable, useColor } from '../src/format-table.js';

// eslint-disable-next-line no-control-regex -- the point is to find terminal escapes
const ESCAPE = /\x1b\[/;

/** The cells of a body row of a boxed table (`│ a │  1 │`), with their padding. */
const cellsOf = (line: string): string[] => line.split('│').slice(1, -1);

describe('formatTable', () => {
  test('a boxed table with a header and a row count; numbers right-aligned, text left', () => {
    // Arrange
    const rows = [
      { author: 'Ann', books: 3n, price: 12.5, note: null },
      { author: 'Bob Longname', books: 12_345n, price: 7, note: 'a\nb' },
    ];

    // Act
    const text = formatTable(rows, undefined, { color: false });

    // Assert: the whole output, so that any change of layout is seen.
    expect(text).toBe(
      [
        '┌──────────────┬───────┬───────┬──────┐',
        '│ author       │ books │ price │ note │',
        '├──────────────┼───────┼───────┼──────┤',
        '│ Ann          │     3 │  12.5 │ NULL │',
        '│ Bob Longname │ 12345 │     7 │ a\\nb │',
        '└──────────────┴───────┴───────┴──────┘',
        '(2 rows)',
        '',
      ].join('\n'),
    );
  });

  test('a column mixing numbers and text keeps the header left; its numbers stay right-aligned', () => {
    const text = formatTable(
      [
        { table: 'books', staged_objects: '-' },
        { table: 'orders', staged_objects: 4 },
      ],
      undefined,
      { color: false },
    );
    const lines = text.split('\n');
    expect(cellsOf(lines[1]!)[1]).toBe(' staged_objects ');
    expect(cellsOf(lines[3]!)[1]).toBe(' -              ');
    expect(cellsOf(lines[4]!)[1]).toBe('              4 ');
  });

  test('property: every number cell is right-aligned and every value appears, in row order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ name: fc.string({ unit: 'grapheme-ascii', maxLength: 20 }), n: fc.integer() }), {
          maxLength: 20,
        }),
        (rows) => {
          const clean = rows.map((r) => ({ name: r.name.replace(/[│\s]/g, '_'), n: r.n }));
          const lines = formatTable(clean, ['name', 'n'], { color: false }).trimEnd().split('\n');
          expect(lines.at(-1)).toBe(`(${clean.length} ${clean.length === 1 ? 'row' : 'rows'})`);
          const body = lines.slice(3, 3 + clean.length);
          body.forEach((line, i) => {
            const [name, n] = cellsOf(line);
            expect(name!.trim()).toBe(clean[i]!.name);
            expect(n).toMatch(new RegExp(` ${String(clean[i]!.n).replace('-', '\\-')} $`));
            expect(n!.startsWith(' '.repeat(n!.length - String(clean[i]!.n).length - 1))).toBe(true);
          });
          expect(ESCAPE.test(lines.join('\n'))).toBe(false);
        },
      ),
    );
  });

  test('the header of an all-number column is right-aligned like its values', () => {
    const lines = formatTable(
      [
        { id: 1_000_000, name: 'a' },
        { id: null, name: 'b' },
      ],
      undefined,
      {
        color: false,
      },
    ).split('\n');
    expect(lines[1]).toBe('│      id │ name │');
    expect(lines[3]).toBe('│ 1000000 │ a    │');
    expect(lines[4]).toBe('│ NULL    │ b    │');
  });

  test('DuckDB JSON rows (BIGINT and DECIMAL as strings): those columns are right-aligned, text is not', async () => {
    // Arrange: the form the lake's query returns (getRowObjectsJson), from a real DuckDB.
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const reader = await connection.runAndReadAll(
      "SELECT * FROM (VALUES ('Ann', 3::BIGINT, 12.50::DECIMAL(6, 2), '007'), ('Bob', 12345::BIGINT, 7.00::DECIMAL(6, 2), 'x')) t(author, books, price, code)",
    );
    const rows = reader.getRowObjectsJson();
    connection.closeSync();
    db.closeSync();
    expect(typeof rows[0]!.books).toBe('string');

    // Act
    const lines = formatTable(rows, undefined, { color: false }).split('\n');

    // Assert
    expect(lines.slice(1, 5)).toEqual([
      '│ author │ books │ price │ code │',
      '├────────┼───────┼───────┼──────┤',
      '│ Ann    │     3 │ 12.50 │ 007  │',
      '│ Bob    │ 12345 │  7.00 │ x    │',
    ]);
  });

  test('long values are cut at 60 characters with an ellipsis', () => {
    const text = formatTable([{ doc: 'x'.repeat(200) }], undefined, { color: false });
    expect(text).toContain(`│ ${'x'.repeat(59)}… │`);
  });

  test('no columns: only the row count', () => {
    expect(formatTable([])).toBe('(0 rows)\n');
    expect(formatTable([{}, {}])).toBe('(2 rows)\n');
  });

  test('colour only when asked: plain output has no escapes, coloured output has them', () => {
    const rows = [{ a: 1 }];
    expect(ESCAPE.test(formatTable(rows, undefined, { color: false }))).toBe(false);
    expect(ESCAPE.test(formatTable(rows, undefined, { color: true }))).toBe(true);
  });
});

describe('useColor (https://no-color.org)', () => {
  test.each([
    { isTTY: true, env: {}, expected: true },
    { isTTY: true, env: { NO_COLOR: '1' }, expected: false },
    { isTTY: true, env: { NO_COLOR: '' }, expected: true },
    { isTTY: false, env: {}, expected: false },
    { isTTY: undefined, env: {}, expected: false },
  ])('isTTY $isTTY, env $env: $expected', ({ isTTY, env, expected }) => {
    expect(useColor(isTTY === undefined ? {} : { isTTY }, env)).toBe(expected);
  });
});

describe('cellText', () => {
  test.each([
    [null, 'NULL'],
    [undefined, 'NULL'],
    ['x', 'x'],
    [12n, '12'],
    [1.5, '1.5'],
    [true, 'true'],
    [{ a: 1n, b: [1] }, '{"a":"1","b":[1]}'],
  ])('%s -> %s', (value, expected) => {
    expect(cellText(value)).toBe(expected);
  });
});
