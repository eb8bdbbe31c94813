import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

/** A table with every column type, a composite key and the `_extra` column: the widest MERGE. */
export const everything: TableDeclaration = parseDeclaration({
  name: 'everything',
  dynamodb: { tableName: 'everything', partitionKey: 'pk', sortKey: 'n' },
  columns: [
    { name: 'pk', type: 'string' },
    { name: 'n', type: 'bigint' },
    { name: 'i', type: 'int' },
    { name: 'd', type: 'double' },
    { name: 'f', type: 'float' },
    { name: 'ok', type: 'boolean' },
    { name: 'raw', type: 'binary' },
    { name: 'price', type: 'decimal(38,9)' },
    { name: 'at', type: 'timestamp', conversion: 'epoch-millis' },
    { name: 'day', type: 'date', conversion: 'iso8601' },
    { name: 'doc', type: 'json' },
    { name: 'tags', type: 'array<bigint>' },
    { name: 'dims', type: 'struct<w:decimal(10,2),label:string>' },
  ],
  mode: 'merge',
  partitioning: ['bucket(4, pk)'],
  unknownAttributes: 'extra-json-column',
});
