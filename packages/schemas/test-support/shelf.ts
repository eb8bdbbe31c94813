// Test support, not part of the library: `shelf`, the small table the schema-evolution tests
// (core's ensure-columns, the local lake, apps/local's schema diff) start from, and the same table
// after a release that adds columns. Nothing bundled into a Lambda may import this module.
import type { TableDeclarationInput } from '../src/declaration.js';

/** `shelf` as first declared: the key `id` and one more string column, merge mode. */
export const shelfInput = {
  name: 'shelf',
  dynamodb: { tableName: 'shelf', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'title', type: 'string' },
  ],
  mode: 'merge',
} satisfies TableDeclarationInput;

/** `base` with `added` declared after its columns: the declaration after a release that adds them. */
export function withColumns(
  base: TableDeclarationInput,
  ...added: TableDeclarationInput['columns']
): TableDeclarationInput {
  return { ...base, columns: [...base.columns, ...added] };
}
