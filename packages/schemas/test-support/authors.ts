// Test support, not part of the library: `authors`, a table that is not one of the repository's
// examples, as a user would declare it in a file outside the repository: a composite key
// (author_id, born), a TTL attribute, a nested map column, a JSON column and bucket partitioning.
// The end-to-end tests of the generic pipeline (apps/local) write it to a temporary directory and
// run the CLI on it; nothing bundled into a Lambda may import this module.
import type { TableDeclarationInput } from '../src/declaration.js';

/** The `authors` entry of a declarations file. */
export const authorsInput = {
  name: 'authors',
  dynamodb: {
    tableName: 'authors',
    partitionKey: 'author_id',
    sortKey: 'born',
    ttlAttribute: 'expires_at',
  },
  columns: [
    { name: 'author_id', type: 'string' },
    { name: 'born', type: 'bigint' },
    { name: 'full_name', type: 'string' },
    {
      name: 'bio',
      type: 'struct<lang:string,words:bigint,prizes:array<string>,rating:decimal(4,2)>',
      description: 'a map attribute',
    },
    { name: 'debut', type: 'timestamp', conversion: 'epoch-millis' },
    { name: 'extra', type: 'json' },
    { name: 'expires_at', type: 'timestamp', conversion: 'epoch-seconds' },
  ],
  mode: 'merge',
  partitioning: ['bucket(4, author_id)'],
} satisfies TableDeclarationInput;

/** The text of a declarations file that holds `authors` alone. */
export const authorsTablesFile: string = JSON.stringify({ tables: [authorsInput] }, null, 2);
