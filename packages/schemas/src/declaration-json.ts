import { createHash } from 'node:crypto';

import { formatColumnType } from './column-type.js';
import { formatPartition } from './declaration.js';
import type { TableDeclaration, TableDeclarationInput } from './declaration.js';

/**
 * A checked declaration back in the form a user writes (the declarations file's entry), with every
 * default filled in, so that `parseDeclaration(toDeclarationInput(d))` gives `d` again. This is the
 * form a function receives at deploy time (TABLE_DECLARATION) and the one `init` writes.
 */
export function toDeclarationInput(d: TableDeclaration): TableDeclarationInput {
  return {
    name: d.name,
    ...(d.description === undefined ? {} : { description: d.description }),
    dynamodb: {
      tableName: d.dynamodb.tableName,
      partitionKey: d.dynamodb.partitionKey,
      ...(d.dynamodb.sortKey === undefined ? {} : { sortKey: d.dynamodb.sortKey }),
      ...(d.dynamodb.ttlAttribute === undefined ? {} : { ttlAttribute: d.dynamodb.ttlAttribute }),
    },
    columns: d.columns.map((c) => ({
      name: c.name,
      type: formatColumnType(c.type),
      ...(c.source === c.name ? {} : { source: c.source }),
      ...(c.conversion === undefined ? {} : { conversion: c.conversion }),
      ...(c.description === undefined ? {} : { description: c.description }),
    })),
    mode: d.mode,
    schedule: d.schedule,
    partitioning: d.partitioning.map(formatPartition),
    ttlDeletes: d.ttlDeletes,
    unknownAttributes: d.unknownAttributes,
    ...(d.firehose === undefined ? {} : { firehose: { ...d.firehose } }),
    maintenance: { ...d.maintenance },
  };
}

/**
 * The declaration as the one-line JSON a function receives (env TABLE_DECLARATION or the S3 object
 * Terraform writes): compact, key order fixed by `toDeclarationInput`, so that the same declaration
 * always gives the same text and the same SHA-256.
 */
export function declarationJson(d: TableDeclaration): string {
  return JSON.stringify(toDeclarationInput(d));
}

/** Hex SHA-256 of the UTF-8 text, as Terraform's `sha256()` computes it. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
