import type { Lake } from '@ddb-athena-sync/local-lake/lake';

import type { LagTracker } from './lag-tracker.js';

/** `rev <n>` in books.summary -> n (the workload's per-key version). */
export function versionOf(summary: unknown): number {
  const m = typeof summary === 'string' ? /^rev (\d+)$/.exec(summary) : null;
  return m === null ? 0 : Number(m[1]);
}

export interface ObserverOptions {
  readonly lake: Lake;
  readonly tracker: LagTracker;
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
    this.o = { intervalMs: 250, now: () => Date.now(), ...options };
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

  async observeOnce(): Promise<void> {
    const books = await this.o.lake.query('SELECT id, summary FROM books');
    const at = this.o.now();
    this.o.tracker.observe('books', new Map(books.map((r) => [String(r.id), versionOf(r.summary)])), at);
    this.rows.set('books', books.length);
    const orders = await this.o.lake.query('SELECT id FROM orders');
    const at2 = this.o.now();
    this.o.tracker.observe('orders', new Map(orders.map((r) => [String(r.id), 1])), at2);
    this.rows.set('orders', orders.length);
    this.observations++;
  }
}
