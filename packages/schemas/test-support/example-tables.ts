// Test support, not part of the library: the example declarations (`books`, `orders`) of the
// repository's ddb-athena-sync.tables.json, loaded through the same `parseTablesFile` as any user's
// file. Tests across the workspace import them from `@ddb-athena-sync/schemas/test-support/example-tables`;
// nothing bundled into a Lambda may import this module (packages/lambda-bundler's test checks that no
// zip contains the example names).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { getTable as getDeclaredTable, parseTablesFile } from '../src/config-file.js';
import type { TableDeclaration, TableDeclarationInput } from '../src/declaration.js';

/** The repository's example declarations file. */
export const EXAMPLE_TABLES_FILE = fileURLToPath(
  new URL('../../../ddb-athena-sync.tables.json', import.meta.url),
);

const text = readFileSync(EXAMPLE_TABLES_FILE, 'utf8');
const raw = JSON.parse(text) as { tables: TableDeclarationInput[] };

function inputNamed(name: string): TableDeclarationInput {
  const found = raw.tables.find((t) => t.name === name);
  if (found === undefined) throw new Error(`${EXAMPLE_TABLES_FILE} has no table "${name}"`);
  return found;
}

/** The example declarations, by name, in file order. */
export const tables: ReadonlyMap<string, TableDeclaration> = parseTablesFile(
  text,
  EXAMPLE_TABLES_FILE,
).tables;

/** `books`: small, hot and mutable, merge mode. */
export const books: TableDeclaration = getDeclaredTable('books', tables);
/** `orders`: large, append-only, firehose mode. */
export const orders: TableDeclaration = getDeclaredTable('orders', tables);

/** The entries as written in the file (defaults left out), for tests that vary a declaration. */
export const booksInput = inputNamed('books') as TableDeclarationInput & { mode: 'merge' };
export const ordersInput = inputNamed('orders') as TableDeclarationInput & { mode: 'firehose' };

/** The declaration named `name` (of the examples unless `from` is given), or UnknownTableError. */
export function getTable(
  name: string,
  from: ReadonlyMap<string, TableDeclaration> = tables,
): TableDeclaration {
  return getDeclaredTable(name, from);
}
