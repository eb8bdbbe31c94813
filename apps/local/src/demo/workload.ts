import { randomBytes } from 'node:crypto';

import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BOOK_AUTHORS as AUTHORS, BOOK_WORDS as WORDS, pick } from '@ddb-athena-sync/local-stack/sample-data';

import type { LagTracker } from './lag-tracker.js';

export interface WorkloadCounts {
  inserts: number;
  updates: number;
  deletes: number;
  ttlSet: number;
  duplicates: number;
  errors: number;
}

export interface WorkloadOptions {
  readonly ddb: DynamoDBClient;
  readonly tracker: LagTracker;
  readonly booksTable?: string;
  readonly ordersTable?: string;
  /** Writes per second on each table. */
  readonly booksPerSecond?: number;
  readonly ordersPerSecond?: number;
  /** Seconds until an item given a TTL expires (the sweeper then deletes it). */
  readonly ttlSeconds?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

function newId(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/**
 * A mixed workload on the declared tables, recorded in the lag tracker:
 * `books` (merge mode): inserts, updates, deletes of rows the lake already shows, and TTL expiries
 * (an update that sets `expires_at` a few seconds ahead; the TTL sweeper deletes the item);
 * `orders` (firehose mode): inserts, and a few client retries that put the same order again.
 * Every books write carries its per-key version in `summary`, which is how the lag tracker sees it.
 */
export class Workload {
  readonly counts: Record<'books' | 'orders', WorkloadCounts> = {
    books: { inserts: 0, updates: 0, deletes: 0, ttlSet: 0, duplicates: 0, errors: 0 },
    orders: { inserts: 0, updates: 0, deletes: 0, ttlSet: 0, duplicates: 0, errors: 0 },
  };
  /** Books given a TTL and not yet deleted by the sweeper. */
  readonly expiring = new Set<string>();
  private readonly o: Required<Omit<WorkloadOptions, 'onError'>> & Pick<WorkloadOptions, 'onError'>;
  private readonly recentOrders: Record<string, AttributeValue>[] = [];
  private timers: NodeJS.Timeout[] = [];
  private inFlight = new Set<Promise<void>>();

  constructor(options: WorkloadOptions) {
    this.o = {
      booksTable: 'books',
      ordersTable: 'orders',
      booksPerSecond: 20,
      ordersPerSecond: 20,
      ttlSeconds: 3,
      random: Math.random,
      now: () => Date.now(),
      ...options,
    };
  }

  /** Number of changes written to a table (what the pipeline has to carry). */
  changes(table: 'books' | 'orders'): number {
    const c = this.counts[table];
    return c.inserts + c.updates + c.deletes + c.ttlSet;
  }

  start(): void {
    const every = (perSecond: number, fn: () => Promise<void>): NodeJS.Timeout =>
      setInterval(
        () => {
          const p = fn().catch((error: unknown) => this.o.onError?.(error));
          this.inFlight.add(p);
          void p.finally(() => this.inFlight.delete(p));
        },
        Math.max(1, Math.round(1000 / perSecond)),
      );
    if (this.o.booksPerSecond > 0) this.timers.push(every(this.o.booksPerSecond, () => this.bookStep()));
    if (this.o.ordersPerSecond > 0) this.timers.push(every(this.o.ordersPerSecond, () => this.orderStep()));
  }

  /** Stops issuing writes and waits for the ones in flight. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await Promise.allSettled([...this.inFlight]);
  }

  /** The sweeper deleted an expired book: record the delete for the lag tracker. */
  ttlDeleted(id: string, atMs: number): void {
    if (!this.expiring.delete(id)) return;
    this.o.tracker.write(this.o.booksTable, id, 'ttl-delete', atMs);
  }

  private book(id: string, version: number): Record<string, AttributeValue> {
    const r = this.o.random;
    const nanos = (
      BigInt(this.o.now() - Math.floor(r() * 1e11)) * 1_000_000n +
      BigInt(Math.floor(r() * 1e6))
    ).toString();
    return {
      id: { S: id },
      name: { S: `${pick(WORDS, r)} ${pick(WORDS, r)}` },
      author: { S: pick(AUTHORS, r) },
      summary: { S: `rev ${version}` },
      date: { N: nanos },
    };
  }

  async bookStep(): Promise<void> {
    const table = this.o.booksTable;
    const t = this.o.tracker;
    const settled = t.settledKeys(table).filter((k) => !this.expiring.has(k));
    const dice = this.o.random();
    const c = this.counts.books;
    try {
      if (settled.length < 5 || dice < 0.45) {
        const id = newId('b');
        const at = this.o.now();
        const version = t.write(table, id, 'insert', at);
        await this.o.ddb.send(new PutItemCommand({ TableName: table, Item: this.book(id, version) }));
        c.inserts++;
      } else if (dice < 0.8) {
        const id = pick(settled, this.o.random);
        const at = this.o.now();
        const version = t.write(table, id, 'update', at);
        await this.o.ddb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { id: { S: id } },
            UpdateExpression: 'SET summary = :s, author = :a',
            ConditionExpression: 'attribute_exists(id)',
            ExpressionAttributeValues: {
              ':s': { S: `rev ${version}` },
              ':a': { S: pick(AUTHORS, this.o.random) },
            },
          }),
        );
        c.updates++;
      } else if (dice < 0.9) {
        const id = pick(settled, this.o.random);
        const at = this.o.now();
        t.write(table, id, 'delete', at);
        await this.o.ddb.send(new DeleteItemCommand({ TableName: table, Key: { id: { S: id } } }));
        c.deletes++;
      } else {
        const id = pick(settled, this.o.random);
        this.expiring.add(id);
        const at = this.o.now();
        const version = t.write(table, id, 'update', at);
        const expiresAt = Math.floor(at / 1000) + this.o.ttlSeconds;
        await this.o.ddb.send(
          new UpdateItemCommand({
            TableName: table,
            Key: { id: { S: id } },
            UpdateExpression: 'SET summary = :s, expires_at = :e',
            ConditionExpression: 'attribute_exists(id)',
            ExpressionAttributeValues: { ':s': { S: `rev ${version}` }, ':e': { N: String(expiresAt) } },
          }),
        );
        c.ttlSet++;
      }
    } catch (error) {
      c.errors++;
      throw error;
    }
  }

  private order(id: string): Record<string, AttributeValue> {
    const r = this.o.random;
    const lines = 1 + Math.floor(r() * 3);
    let total = 0;
    const items: AttributeValue[] = [];
    for (let i = 0; i < lines; i++) {
      const cents = 100 + Math.floor(r() * 5000);
      const quantity = 1 + Math.floor(r() * 4);
      total += cents * quantity;
      items.push({
        M: {
          sku: { S: `sku-${Math.floor(r() * 500)}` },
          quantity: { N: String(quantity) },
          unit_price: { N: (cents / 100).toFixed(2) },
        },
      });
    }
    return {
      id: { S: id },
      customer_id: { S: `c-${Math.floor(r() * 200)}` },
      created_at: { S: new Date(this.o.now()).toISOString() },
      total: { N: (total / 100).toFixed(2) },
      currency: { S: pick(['EUR', 'USD', 'GBP'], r) },
      status: { S: 'placed' },
      items: { L: items },
    };
  }

  async orderStep(): Promise<void> {
    const table = this.o.ordersTable;
    const c = this.counts.orders;
    try {
      if (this.recentOrders.length > 0 && this.o.random() < 0.05) {
        // A client retry: the same order put again. DynamoDB writes no stream record for a put
        // that changes nothing, so the lake must still hold exactly one row for it.
        const item = pick(this.recentOrders, this.o.random);
        await this.o.ddb.send(new PutItemCommand({ TableName: table, Item: item }));
        c.duplicates++;
        return;
      }
      const id = newId('o');
      const item = this.order(id);
      const at = this.o.now();
      this.o.tracker.write(table, id, 'insert', at);
      await this.o.ddb.send(new PutItemCommand({ TableName: table, Item: item }));
      c.inserts++;
      this.recentOrders.push(item);
      if (this.recentOrders.length > 50) this.recentOrders.shift();
    } catch (error) {
      c.errors++;
      throw error;
    }
  }
}
