export type MergeAction = 'merge' | 'maintain';

export interface ScheduledRun {
  readonly table: string;
  readonly action: MergeAction;
  readonly startedAt: number;
  readonly durationMs: number;
  readonly result?: unknown;
  readonly error?: unknown;
}

export interface MergeSchedulerOptions {
  /** Merge-mode tables the scheduler invokes the merger for. */
  readonly tables: readonly string[];
  /** Invokes the merger function with `{table, action}`, like an EventBridge Scheduler target. */
  readonly invoke: (event: { table: string; action: MergeAction }) => Promise<unknown>;
  /** rate(...) of the merge schedule; 5 s locally by default (1 minute in AWS). */
  readonly mergeIntervalMs: number;
  /** rate(...) of the maintenance schedule (1 hour in AWS). */
  readonly maintenanceIntervalMs: number;
  readonly onRun?: (run: ScheduledRun) => void;
  readonly now?: () => number;
}

/**
 * The local stand-in for EventBridge Scheduler: an in-process timer per schedule. Like a Scheduler
 * with `flexible_time_window OFF` it fires on a fixed rate; like a merger with reserved concurrency
 * 1 it never runs two invocations for one table at once (a tick that finds the previous run still
 * going is skipped, as a throttled asynchronous invocation would be retried later). The merger's
 * own lease protects the table as well, so a second process running the scheduler is harmless.
 */
export class MergeScheduler {
  readonly runs = { merge: 0, maintain: 0, failed: 0 };
  lastRun: Map<string, ScheduledRun> = new Map();
  private readonly o: Required<Omit<MergeSchedulerOptions, 'onRun'>> & Pick<MergeSchedulerOptions, 'onRun'>;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Map<string, Promise<void>>();
  private running = false;
  private paused = false;

  constructor(options: MergeSchedulerOptions) {
    this.o = { now: () => Date.now(), ...options };
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.timers.push(setInterval(() => this.fireAll('merge'), this.o.mergeIntervalMs));
    this.timers.push(setInterval(() => this.fireAll('maintain'), this.o.maintenanceIntervalMs));
  }

  /** Stops the timers and waits for runs in progress. */
  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers.splice(0)) clearInterval(t);
    await Promise.allSettled([...this.inFlight.values()]);
  }

  /** Pauses firing without stopping (a merger outage); runs in progress finish. */
  async pause(): Promise<void> {
    this.paused = true;
    await Promise.allSettled([...this.inFlight.values()]);
  }

  resume(): void {
    this.paused = false;
  }

  private fireAll(action: MergeAction): void {
    if (this.paused || !this.running) return;
    for (const table of this.o.tables) void this.fire(table, action);
  }

  /** Runs one invocation now (unless one is running for the table) and waits for it. */
  fire(table: string, action: MergeAction): Promise<void> {
    const existing = this.inFlight.get(table);
    if (existing !== undefined) return existing;
    const startedAt = this.o.now();
    const run = (async () => {
      let record: ScheduledRun;
      try {
        const result = await this.o.invoke({ table, action });
        this.runs[action]++;
        record = { table, action, startedAt, durationMs: this.o.now() - startedAt, result };
      } catch (error) {
        this.runs.failed++;
        record = { table, action, startedAt, durationMs: this.o.now() - startedAt, error };
      }
      this.lastRun.set(`${table}:${action}`, record);
      try {
        this.o.onRun?.(record);
      } catch {
        // Observers never break the schedule.
      }
    })().finally(() => this.inFlight.delete(table));
    this.inFlight.set(table, run);
    return run;
  }
}
