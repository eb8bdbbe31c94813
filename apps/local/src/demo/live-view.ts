import type { CommandIo } from '../io.js';
import { barText } from '../progress-bar.js';
import type { Percentiles } from './lag-tracker.js';

export interface LiveSnapshot {
  readonly tables: readonly {
    readonly name: string;
    readonly changes: number;
    readonly staged: number | undefined;
    readonly pending: number;
    readonly rowsInLake: number | undefined;
    readonly lag: Percentiles;
  }[];
  readonly merges: number;
  readonly mergesFailed: number;
  readonly reads: { readonly total: number; readonly failed: number };
  readonly faults: readonly string[];
}

export interface LiveViewOptions {
  readonly io: CommandIo;
  readonly tty: boolean;
  readonly durationMs: number;
  readonly startedAt: number;
  readonly snapshot: () => LiveSnapshot;
  readonly now?: () => number;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/**
 * The demo's progress: on a terminal, a block redrawn in place twice a second (ANSI cursor-up and
 * clear-line); otherwise (CI logs, pipes) one plain line every 5 seconds.
 */
export class LiveView {
  phase: 'running' | 'draining' | 'checking' = 'running';
  startedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private drawnLines = 0;
  private readonly o: Required<LiveViewOptions>;

  constructor(options: LiveViewOptions) {
    this.o = { now: () => Date.now(), ...options };
    this.startedAt = options.startedAt;
  }

  start(): void {
    this.timer = setInterval(() => this.draw(), this.o.tty ? 500 : 5000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.draw();
    if (this.o.tty) this.drawnLines = 0;
  }

  render(): string[] {
    const s = this.o.snapshot();
    const elapsed = this.o.now() - this.startedAt;
    const lines = [
      `${this.phase.padEnd(8)} ${barText(elapsed / this.o.durationMs, 30)} ${seconds(Math.min(elapsed, this.o.durationMs))} / ${seconds(this.o.durationMs)}   merges ${s.merges}${s.mergesFailed > 0 ? ` (${s.mergesFailed} failed)` : ''}   reads ${s.reads.total} (${s.reads.failed} failed)`,
      `${'table'.padEnd(8)} ${'changes'.padStart(8)} ${'staged'.padStart(7)} ${'pending'.padStart(8)} ${'in lake'.padStart(8)}   lag p50 / p95 / p99 / max`,
      ...s.tables.map(
        (t) =>
          `${t.name.padEnd(8)} ${String(t.changes).padStart(8)} ${String(t.staged ?? '-').padStart(7)} ${String(t.pending).padStart(8)} ${String(t.rowsInLake ?? '-').padStart(8)}   ${seconds(t.lag.p50)} / ${seconds(t.lag.p95)} / ${seconds(t.lag.p99)} / ${seconds(t.lag.max)}`,
      ),
      ...s.faults.slice(-3).map((f) => `  fault: ${f}`),
    ];
    return lines;
  }

  private draw(): void {
    const lines = this.render();
    if (this.o.tty) {
      // Move up over the previous block, clear each line as it is rewritten.
      const up = this.drawnLines > 0 ? `\x1b[${this.drawnLines}F` : '';
      this.o.io.stdout(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
      this.drawnLines = lines.length;
    } else {
      const s = this.o.snapshot();
      const t = s.tables
        .map(
          (x) =>
            `${x.name} ${x.changes} changes, ${x.staged ?? '-'} staged, ${x.pending} pending, lag p95 ${seconds(x.lag.p95)}`,
        )
        .join('; ');
      this.o.io.stdout(
        `[${seconds(this.o.now() - this.startedAt)}] ${this.phase}: ${t}; merges ${s.merges}; reads ${s.reads.total} (${s.reads.failed} failed)\n`,
      );
    }
  }
}
