import { assertIdentifier } from '@ddb-athena-sync/schemas/sql-safety';
import type { TableDeclaration } from '@ddb-athena-sync/schemas/declaration';

import type { TableReader } from './athena-reader.js';
import { probeColumn, trackerKey } from './generic-workload.js';
import type { LagTracker } from './lag-tracker.js';

/** `rev <n>` in books.summary -> n (the workload's per-key version). */
export function versionOf(summary: unknown): number {
  const m = typeof summary === 'string' ? /^rev (\d+)$/.exec(summary) : null;
  return m === null ? 0 : Number(m[1]);
}

export interface ObserverOptions {
  /** The local lake, or (`--engine trino`) a reader that sends merge tables to the Athena stand-in. */
  readonly lake: TableReader;
  readonly tracker: LagTracker;
  /** Which of the example tables (books, orders) the stack has (default: both). */
  readonly exampleTables?: ReadonlySet<string>;
  /** Other declared tables, written by a GenericWorkload: their keys and probe column are read. */
  readonly generic?: readonly TableDeclaration[];
  readonly intervalMs?: number;
  readonly now?: () => number;
  readonly onError?: (error: unknown) => void;
}

/**
 * Reads the lake's current snapshot of each table every `intervalMs` (through its own Lake
 * instance, like any reader) and tells the lag tracker which writes are visible.
 */
export class LakeObserver {
  readonly rows = new Map<string, number>();
  observations = 0;
  private readonly o: Required<Omit<ObserverOptions, 'onError'>> & Pick<ObserverOptions, 'onError'>;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(options: ObserverOptions) {
    this.o = {
      intervalMs: 100,
      now: () => Date.now(),
      exampleTables: new Set(['books', 'orders']),
      generic: [],
      ...options,
    };
  }

  start(): void {
    const tick = (): void => {
      this.running = this.observeOnce().catch((error: unknown) => this.o.onError?.(error));
      void this.running.finally(() => {
        if (this.timer !== undefined) this.timer = setTimeout(tick, this.o.intervalMs);
      });
    };
    this.timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private readonly seenSnapshot = new Map<string, string>();

  /** Reads a table only when its current snapshot changed: what is visible changes only with a commit. */
  private async changed(table: string): Promise<boolean> {
    const loaded = await this.o.lake.load(table);
    const id = `${loaded.version}:${String(loaded.metadata['current-snapshot-id'] ?? 'none')}`;
    if (this.seenSnapshot.get(table) === id) return false;
    this.seenSnapshot.set(table, id);
    return true;
  }

  async observeOnce(): Promise<void> {
    if (this.o.exampleTables.has('books') && (await this.changed('books'))) {
      const books = await this.o.lake.query('SELECT id, summary FROM books');
      this.o.tracker.observe(
        'books',
        new Map(books.map((r) => [String(r.id), versionOf(r.summary)])),
        this.o.now(),
      );
      this.rows.set('books', books.length);
    }
    if (this.o.exampleTables.has('orders') && (await this.changed('orders'))) {
      const orders = await this.o.lake.query('SELECT id FROM orders');
      this.o.tracker.observe('orders', new Map(orders.map((r) => [String(r.id), 1])), this.o.now());
      this.rows.set('orders', orders.length);
    }
    for (const d of this.o.generic) {
      if (!(await this.changed(d.name))) continue;
      const probe = probeColumn(d);
      if (probe === undefined) continue;
      // Declared names passed the identifier check at validation; checked again where they meet SQL.
      const keys = d.keyColumns.map((k) => assertIdentifier(k, 'key column'));
      const p = assertIdentifier(probe.name, 'column');
      const rows = await this.o.lake.query(
        `SELECT ${keys.join(', ')}, ${p} FROM ${assertIdentifier(d.name, 'table')}`,
      );
      this.o.tracker.observe(
        d.name,
        new Map(rows.map((r) => [trackerKey(keys.map((k) => r[k])), versionOf(r[p])])),
        this.o.now(),
      );
      this.rows.set(d.name, rows.length);
    }
    this.observations++;
  }
}
