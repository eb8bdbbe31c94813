/** One change that became visible in the lake. */
export interface LagSample {
  readonly table: string;
  /** When the change was sent to DynamoDB (epoch ms). */
  readonly writtenAt: number;
  /** When an observer first saw the lake reflect it (epoch ms). */
  readonly visibleAt: number;
  readonly lagMs: number;
  readonly kind: 'insert' | 'update' | 'delete' | 'ttl-delete';
}

interface Pending {
  readonly version: number;
  readonly kind: LagSample['kind'];
  readonly writtenAt: number;
}

interface KeyState {
  pending: Pending[];
  /** The lake has shown this key at some point. */
  seen: boolean;
  /** Latest version written (deleted keys are never written again by the workload). */
  version: number;
  deleted: boolean;
}

export interface Percentiles {
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

/** Nearest-rank percentiles (0 for an empty list). */
export function percentiles(values: readonly number[]): Percentiles {
  if (values.length === 0) return { p50: 0, p95: 0, p99: 0, max: 0, count: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number): number =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted[sorted.length - 1]!, count: sorted.length };
}

/**
 * Measures lag = (first time the lake shows a change) - (time the change was sent to DynamoDB).
 *
 * Every write of the workload carries a per-key version (in a column the lake keeps), so an observer
 * that reads `key -> version` from the lake's current snapshot knows which writes are visible: a row
 * at version v makes every write of that key up to v visible (an older write merged together with a
 * newer one became visible when the newer did); a key the lake had shown and no longer has makes its
 * pending delete visible. Deletes are only issued for keys the lake has already shown, so "absent"
 * is never mistaken for "not merged yet". The observer's time is an upper bound of the commit time,
 * never an underestimate.
 */
export class LagTracker {
  readonly samples: LagSample[] = [];
  private readonly keys = new Map<string, Map<string, KeyState>>();

  private state(table: string, key: string): KeyState {
    let t = this.keys.get(table);
    if (t === undefined) this.keys.set(table, (t = new Map<string, KeyState>()));
    let s = t.get(key);
    if (s === undefined) t.set(key, (s = { pending: [], seen: false, version: 0, deleted: false }));
    return s;
  }

  /** Records a write sent at `writtenAt`; returns the version the row must carry (unused for deletes). */
  write(table: string, key: string, kind: LagSample['kind'], writtenAt: number): number {
    const s = this.state(table, key);
    s.version++;
    if (kind === 'delete' || kind === 'ttl-delete') s.deleted = true;
    s.pending.push({ version: s.version, kind, writtenAt });
    return s.version;
  }

  /** Keys the lake has shown, that are not deleted, and have nothing pending (safe to update or delete). */
  settledKeys(table: string): string[] {
    const out: string[] = [];
    for (const [key, s] of this.keys.get(table) ?? [])
      if (s.seen && !s.deleted && s.pending.length === 0) out.push(key);
    return out;
  }

  version(table: string, key: string): number {
    return this.keys.get(table)?.get(key)?.version ?? 0;
  }

  pendingCount(table?: string): number {
    let n = 0;
    for (const [t, keys] of this.keys) {
      if (table !== undefined && t !== table) continue;
      for (const s of keys.values()) n += s.pending.length;
    }
    return n;
  }

  /** The oldest pending write's age (ms), or 0. */
  oldestPendingAgeMs(now: number, table?: string): number {
    let oldest = now;
    for (const [t, keys] of this.keys) {
      if (table !== undefined && t !== table) continue;
      for (const s of keys.values()) for (const p of s.pending) oldest = Math.min(oldest, p.writtenAt);
    }
    return now - oldest;
  }

  /** Applies one observation of a table: `rows` maps every key in the lake to its version. */
  observe(table: string, rows: ReadonlyMap<string, number>, observedAt: number): void {
    for (const [key, s] of this.keys.get(table) ?? []) {
      const version = rows.get(key);
      if (version !== undefined) {
        s.seen = true;
        if (s.pending.length === 0) continue;
        const still: Pending[] = [];
        for (const p of s.pending) {
          if (p.kind !== 'delete' && p.kind !== 'ttl-delete' && p.version <= version)
            this.resolve(table, p, observedAt);
          else still.push(p);
        }
        s.pending = still;
      } else if (s.seen && s.deleted && s.pending.length > 0) {
        for (const p of s.pending) this.resolve(table, p, observedAt);
        s.pending = [];
      }
    }
  }

  private resolve(table: string, p: Pending, visibleAt: number): void {
    this.samples.push({
      table,
      writtenAt: p.writtenAt,
      visibleAt,
      lagMs: Math.max(0, visibleAt - p.writtenAt),
      kind: p.kind,
    });
  }

  /** Lag per kind of change (insert, update, delete, ttl-delete) of a table. */
  lagByKind(table: string): Record<string, Percentiles> {
    const kinds = [...new Set(this.samples.filter((s) => s.table === table).map((s) => s.kind))].sort();
    return Object.fromEntries(
      kinds.map((k) => [
        k,
        percentiles(this.samples.filter((s) => s.table === table && s.kind === k).map((s) => s.lagMs)),
      ]),
    );
  }

  lag(table: string): Percentiles {
    return percentiles(this.samples.filter((s) => s.table === table).map((s) => s.lagMs));
  }
}
