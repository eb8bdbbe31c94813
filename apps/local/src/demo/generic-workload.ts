import { randomBytes } from 'node:crypto';

import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BOOK_WORDS as WORDS, pick } from '@ddb-athena-sync/local-stack/sample-data';
import type { ColumnType } from '@ddb-athena-sync/schemas/column-type';
import type { ColumnDeclaration, TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { LagTracker } from './lag-tracker.js';
import type { WorkloadCounts } from './workload.js';

/** Key column types the demo can generate and read back as the same text (lake -> `String(value)`). */
const KEY_KINDS = new Set(['string', 'bigint', 'int']);

/** The lag tracker's key of a row: its key column values, as text, in key order. */
export function trackerKey(values: readonly unknown[]): string {
  return JSON.stringify(values.map((v) => String(v)));
}

/** The column whose `rev <n>` value carries each write's per-key version (see LagTracker). */
export function probeColumn(d: TableDeclaration): ColumnDeclaration | undefined {
  return d.columns.find((c) => !c.isKey && c.type.kind === 'string' && c.source !== d.dynamodb.ttlAttribute);
}

/**
 * Why the demo cannot run a generic workload on a declared table (undefined when it can): it needs
 * string/bigint/int key columns (so the lake's key reads back as the key written) and a non-key
 * string column to carry the per-key version.
 */
export function genericWorkloadProblem(d: TableDeclaration): string | undefined {
  for (const name of d.keyColumns) {
    const c = d.columns.find((x) => x.name === name)!;
    if (!KEY_KINDS.has(c.type.kind))
      return `table "${d.name}": key column "${name}" is ${c.type.kind}; the demo generates string, bigint or int keys only`;
  }
  if (probeColumn(d) === undefined)
    return `table "${d.name}": the demo needs a non-key string column to carry each write's version`;
  return undefined;
}

export interface GenericWorkloadOptions {
  readonly ddb: DynamoDBClient;
  readonly tracker: LagTracker;
  readonly declaration: TableDeclaration;
  readonly perSecond?: number;
  /** Seconds until an item given a TTL expires (the sweeper then deletes it). */
  readonly ttlSeconds?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

/**
 * A workload generated from any declaration (the demo on a user's own table): inserts of items
 * with every declared column (values per column type, timestamps per declared `conversion`),
 * updates of the probe column (`rev <n>`, the per-key version the observer reads) and one other
 * column, deletes of rows the lake already shows, and, when the table declares a TTL attribute,
 * TTL expiries. Firehose tables (insert-only in the pipeline's model) get inserts only.
 */
export class GenericWorkload {
  readonly counts: WorkloadCounts = {
    inserts: 0,
    updates: 0,
    deletes: 0,
    ttlSet: 0,
    duplicates: 0,
    errors: 0,
  };
  /** Tracker keys given a TTL and not yet deleted by the sweeper. */
  readonly expiring = new Set<string>();
  private readonly d: TableDeclaration;
  private readonly probe: ColumnDeclaration;
  private readonly keyCols: ColumnDeclaration[];
  private readonly o: Required<Omit<GenericWorkloadOptions, 'onError'>> &
    Pick<GenericWorkloadOptions, 'onError'>;
  /** Key attributes of every key written, by tracker key (for updates and deletes). */
  private readonly keys = new Map<string, Record<string, AttributeValue>>();
  private serial = 0;
  private timer: NodeJS.Timeout | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(options: GenericWorkloadOptions) {
    const problem = genericWorkloadProblem(options.declaration);
    if (problem !== undefined) throw new Error(problem);
    this.o = { perSecond: 10, ttlSeconds: 3, random: Math.random, now: () => Date.now(), ...options };
    this.d = options.declaration;
    this.probe = probeColumn(this.d)!;
    this.keyCols = this.d.keyColumns.map((n) => this.d.columns.find((c) => c.name === n)!);
  }

  get table(): string {
    return this.d.name;
  }

  changes(): number {
    const c = this.counts;
    return c.inserts + c.updates + c.deletes + c.ttlSet;
  }

  start(): void {
    if (this.o.perSecond <= 0) return;
    this.timer = setInterval(
      () => {
        const p = this.step().catch((error: unknown) => this.o.onError?.(error));
        this.inFlight.add(p);
        void p.finally(() => this.inFlight.delete(p));
      },
      Math.max(1, Math.round(1000 / this.o.perSecond)),
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
  }

  /** The sweeper deleted an expired item (its DynamoDB key attributes): record the delete. */
  ttlDeleted(key: Record<string, unknown>, atMs: number): void {
    const parts = this.keyCols.map((c) => {
      const av = key[c.source] as { S?: string; N?: string } | undefined;
      return av?.S ?? av?.N ?? '';
    });
    const k = trackerKey(parts);
    if (!this.expiring.delete(k)) return;
    this.o.tracker.write(this.d.name, k, 'ttl-delete', atMs);
  }

  /** A fresh key: the partition key from a small set (several items per partition), a unique sort key. */
  private newKey(): { key: Record<string, AttributeValue>; parts: string[] } {
    this.serial++;
    const key: Record<string, AttributeValue> = {};
    const parts: string[] = [];
    this.keyCols.forEach((c, i) => {
      const unique = i === this.keyCols.length - 1;
      const n = unique ? Date.now() * 1000 + (this.serial % 1000) : Math.floor(this.o.random() * 50);
      let text: string;
      if (c.type.kind === 'string')
        text = unique ? `${c.name}-${n.toString(36)}-${randomBytes(3).toString('hex')}` : `${c.name}-${n}`;
      else if (c.type.kind === 'int') text = String(unique ? this.serial + 1_000_000 * (n % 1000) : n);
      else text = String(n);
      key[c.source] = c.type.kind === 'string' ? { S: text } : { N: text };
      parts.push(text);
    });
    return { key, parts };
  }

  /** A value of a column type (recursively for array/struct), as DynamoDB holds it. */
  value(type: ColumnType, conversion: ColumnDeclaration['conversion'], depth = 0): AttributeValue {
    const r = this.o.random;
    const int = (max: number): number => Math.floor(r() * max);
    switch (type.kind) {
      case 'string':
        return { S: `${pick(WORDS, r)} ${pick(WORDS, r)}` };
      case 'bigint':
        return { N: String(BigInt(int(1e9)) * 1_000_000_007n) };
      case 'int':
        return { N: String(int(100_000) - 50_000) };
      case 'double':
        return { N: (r() * 1e6).toFixed(3) };
      case 'float':
        // Quarters are exact in binary: the lake's float equals the value written.
        return { N: String(int(4000) / 4) };
      case 'boolean':
        return { BOOL: r() < 0.5 };
      case 'binary':
        return { B: randomBytes(8) };
      case 'decimal': {
        const intDigits = Math.min(6, type.precision - type.scale);
        const whole = intDigits > 0 ? String(int(10 ** intDigits)) : '0';
        const frac = Array.from({ length: type.scale }, () => String(int(10))).join('');
        return { N: type.scale > 0 ? `${whole}.${frac}` : whole };
      }
      case 'timestamp': {
        // Within the last ~3 years, in the unit the declared conversion reads.
        const ms = this.o.now() - int(1e11);
        if (conversion === 'iso8601') return { S: new Date(ms).toISOString() };
        if (conversion === 'epoch-seconds') return { N: String(Math.floor(ms / 1000)) };
        if (conversion === 'epoch-micros') return { N: String(BigInt(ms) * 1000n + BigInt(int(1000))) };
        if (conversion === 'epoch-nanos') return { N: String(BigInt(ms) * 1_000_000n + BigInt(int(1e6))) };
        return { N: String(ms) };
      }
      case 'date':
        return { S: new Date(this.o.now() - int(1e11)).toISOString().slice(0, 10) };
      case 'json':
        return {
          M: {
            word: { S: pick(WORDS, r) },
            n: { N: String(int(1000)) },
            tags: { L: [{ S: pick(WORDS, r) }, { BOOL: true }, { NULL: true }] },
          },
        };
      case 'array':
        return {
          L: Array.from({ length: 1 + int(3) }, () => this.value(type.element, conversion, depth + 1)),
        };
      case 'struct':
        return {
          M: Object.fromEntries(type.fields.map((f) => [f.name, this.value(f.type, conversion, depth + 1)])),
        };
    }
  }

  private item(key: Record<string, AttributeValue>, version: number): Record<string, AttributeValue> {
    const item: Record<string, AttributeValue> = { ...key };
    for (const c of this.d.columns) {
      // The TTL attribute is set only by a TTL step: a generated time in the past would expire the item.
      if (c.isKey || c.source === this.d.dynamodb.ttlAttribute) continue;
      item[c.source] = c === this.probe ? { S: `rev ${version}` } : this.value(c.type, c.conversion);
    }
    return item;
  }

  async step(): Promise<void> {
    const t = this.o.tracker;
    const table = this.d.name;
    const tableName = this.d.dynamodb.tableName;
    const settled = t.settledKeys(table).filter((k) => !this.expiring.has(k) && this.keys.has(k));
    const dice = this.o.random();
    const insertOnly = this.d.mode === 'firehose';
    const ttl = this.d.dynamodb.ttlAttribute;
    const c = this.counts;
    // Attribute names through placeholders: declared names may be DynamoDB reserved words.
    const names = { '#p': this.probe.source, '#k': this.keyCols[0]!.source };
    try {
      if (insertOnly || settled.length < 5 || dice < 0.45) {
        const { key, parts } = this.newKey();
        const k = trackerKey(parts);
        this.keys.set(k, key);
        const version = t.write(table, k, 'insert', this.o.now());
        await this.o.ddb.send(new PutItemCommand({ TableName: tableName, Item: this.item(key, version) }));
        c.inserts++;
      } else if (dice < 0.8 || (ttl === undefined && dice >= 0.9)) {
        const k = pick(settled, this.o.random);
        const others = this.d.columns.filter((x) => !x.isKey && x !== this.probe && x.source !== ttl);
        const other = others.length > 0 ? pick(others, this.o.random) : undefined;
        const version = t.write(table, k, 'update', this.o.now());
        await this.o.ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: this.keys.get(k)!,
            UpdateExpression: other === undefined ? 'SET #p = :p' : 'SET #p = :p, #o = :o',
            ConditionExpression: 'attribute_exists(#k)',
            ExpressionAttributeNames: other === undefined ? names : { ...names, '#o': other.source },
            ExpressionAttributeValues: {
              ':p': { S: `rev ${version}` },
              ...(other === undefined ? {} : { ':o': this.value(other.type, other.conversion) }),
            },
          }),
        );
        c.updates++;
      } else if (dice < 0.9) {
        const k = pick(settled, this.o.random);
        t.write(table, k, 'delete', this.o.now());
        await this.o.ddb.send(new DeleteItemCommand({ TableName: tableName, Key: this.keys.get(k)! }));
        c.deletes++;
      } else {
        const k = pick(settled, this.o.random);
        this.expiring.add(k);
        const at = this.o.now();
        const version = t.write(table, k, 'update', at);
        // DynamoDB TTL reads epoch seconds in an N attribute
        // (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/time-to-live-ttl-before-you-start.html).
        await this.o.ddb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: this.keys.get(k)!,
            UpdateExpression: 'SET #p = :p, #t = :t',
            ConditionExpression: 'attribute_exists(#k)',
            ExpressionAttributeNames: { ...names, '#t': ttl! },
            ExpressionAttributeValues: {
              ':p': { S: `rev ${version}` },
              ':t': { N: String(Math.floor(at / 1000) + this.o.ttlSeconds) },
            },
          }),
        );
        c.ttlSet++;
      }
    } catch (error) {
      c.errors++;
      throw error;
    }
  }
}
