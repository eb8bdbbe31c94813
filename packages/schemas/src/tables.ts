import { parseDeclaration } from './declaration.js';
import { UnknownTableError } from './errors.js';
import type { TableDeclaration, TableDeclarationInput } from './declaration.js';

/**
 * `books` from the seed article: small, hot and mutable. Every change must show in Athena within a
 * minute or two, so it runs in merge mode (stream -> staging -> MERGE every minute).
 */
export const booksInput = {
  name: 'books',
  description: 'Books: small, frequently updated; merged into Iceberg every minute.',
  dynamodb: { tableName: 'books', partitionKey: 'id', ttlAttribute: 'expires_at' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'author', type: 'string' },
    { name: 'summary', type: 'string' },
    {
      name: 'published_at',
      type: 'timestamp',
      source: 'date',
      conversion: 'epoch-nanos',
      description:
        'From the number attribute "date" (nanoseconds since the epoch), as the article does with from_unixtime_nanos.',
    },
  ],
  mode: 'merge',
  schedule: 'rate(1 minute)',
  partitioning: ['bucket(16, id)'],
  ttlDeletes: 'apply',
  unknownAttributes: 'ignore',
} satisfies TableDeclarationInput;

/**
 * `orders` from the seed article: huge and append-only. It lands through Kinesis Data Streams and
 * Firehose's Iceberg destination; nothing about an order changes after it is written.
 *
 * `appendOnly` is the explicit opt-in DESIGN.md describes: every record is an Iceberg insert (no
 * equality deletes, the cheapest delivery), MODIFY and REMOVE are dropped and counted. The price is
 * that a record Kinesis or Firehose delivers twice lands twice. A table that must hold exactly one
 * row per key sets `appendOnly: false`: records become `update`s on the unique key.
 */
export const ordersInput = {
  name: 'orders',
  description: 'Orders: large, immutable; delivered by Firehose to Iceberg.',
  dynamodb: { tableName: 'orders', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'customer_id', type: 'string' },
    { name: 'created_at', type: 'timestamp', conversion: 'iso8601' },
    { name: 'total', type: 'decimal(12,2)' },
    { name: 'currency', type: 'string' },
    { name: 'status', type: 'string' },
    {
      name: 'line_items',
      type: 'array<struct<sku:string,quantity:int,unit_price:decimal(12,2)>>',
      source: 'items',
    },
  ],
  mode: 'firehose',
  schedule: 'rate(1 day)',
  partitioning: ['day(created_at)'],
  ttlDeletes: 'ignore',
  unknownAttributes: 'extra-json-column',
  firehose: { appendOnly: true, removes: 'drop', bufferingIntervalSeconds: 300, bufferingSizeMb: 64 },
} satisfies TableDeclarationInput;

export const books: TableDeclaration = parseDeclaration(booksInput);
export const orders: TableDeclaration = parseDeclaration(ordersInput);

/** The declarations shipped with the project, by name. */
export const tables: ReadonlyMap<string, TableDeclaration> = new Map([
  [books.name, books],
  [orders.name, orders],
]);

/** The declaration named `name`, or an error listing the known ones. */
export function getTable(
  name: string,
  from: ReadonlyMap<string, TableDeclaration> = tables,
): TableDeclaration {
  const found = from.get(name);
  if (found === undefined) {
    throw new UnknownTableError(name, [...from.keys()]);
  }
  return found;
}
