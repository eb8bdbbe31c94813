import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { pathToFileURL } from 'node:url';

export interface ReaderStats {
  total: number;
  failed: number;
  readonly errors: string[];
}

/**
 * Reader child processes querying the lake continuously (src/demo/reader-process.ts, run through
 * tsx). Their counts are summed from the JSON lines they print.
 */
export class ReaderPool {
  readonly stats: ReaderStats = { total: 0, failed: 0, errors: [] };
  private readonly children: ChildProcess[] = [];
  private readonly last = new Map<ChildProcess, { total: number; failed: number }>();
  private exited: Promise<void>[] = [];

  private readyCount = 0;
  private readonly readyWaiters: (() => void)[] = [];

  /** Resolves once every reader has opened the lake and reported (its first line). */
  ready(): Promise<void> {
    if (this.readyCount >= this.children.length) return Promise.resolve();
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  /** `athena` (`--engine trino`): the readers query merge tables through the Athena stand-in. */
  start(
    lakeDir: string,
    count: number,
    pauseMs = 500,
    athena?: { readonly endpoint: string; readonly database: string },
    /** The tables to query (default: the example tables, books and orders). */
    tables?: readonly { readonly name: string; readonly staged: boolean }[],
  ): void {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const script = fileURLToPath(new URL('./reader-process.ts', import.meta.url));
    for (let i = 0; i < count; i++) {
      const child = spawn(
        process.execPath,
        [
          '--import',
          tsx,
          script,
          lakeDir,
          String(pauseMs),
          ...(athena === undefined ? [] : [athena.endpoint, athena.database]),
        ],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          // Own process group, like DynamoDB Local: a terminal's Ctrl-C reaches the CLI only, which
          // stops the readers in order (a reader dying on SIGINT counted as a failed read).
          detached: true,
          env: {
            ...process.env,
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            ...(tables === undefined ? {} : { DDB_ATHENA_SYNC_DEMO_TABLES: JSON.stringify(tables) }),
          },
        },
      );
      this.children.push(child);
      // Detached, a reader outlives a CLI that exits without stop() (a second Ctrl-C).
      const killOnExit = (): void => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      };
      process.once('exit', killOnExit);
      child.once('exit', () => process.off('exit', killOnExit));
      this.last.set(child, { total: 0, failed: 0 });
      let buffered = '';
      let reported = false;
      child.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          try {
            const r = JSON.parse(line) as { total: number; failed: number; errors: string[] };
            if (!reported) {
              reported = true;
              if (++this.readyCount >= this.children.length) for (const w of this.readyWaiters.splice(0)) w();
            }
            const prev = this.last.get(child)!;
            this.stats.total += r.total - prev.total;
            this.stats.failed += r.failed - prev.failed;
            this.last.set(child, { total: r.total, failed: r.failed });
            for (const e of r.errors) if (this.stats.errors.length < 20) this.stats.errors.push(e);
          } catch {
            // Not a report line.
          }
        }
      });
      let stderr = '';
      child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
      this.exited.push(
        new Promise((resolve) =>
          child.once('exit', (code, signal) => {
            // A reader that dies on its own is a failed read, not a silent gap.
            if (!reported && ++this.readyCount >= this.children.length)
              for (const w of this.readyWaiters.splice(0)) w();
            if (code !== 0 && signal !== 'SIGTERM') {
              this.stats.failed++;
              this.stats.errors.push(
                `reader process exited with ${code ?? signal}: ${stderr.trim().split('\n').slice(-3).join(' | ')}`,
              );
            }
            resolve();
          }),
        ),
      );
    }
  }

  /** Asks every reader to finish its current query and report, then waits for them. */
  async stop(): Promise<void> {
    for (const c of this.children) if (c.exitCode === null) c.kill('SIGTERM');
    const timeout = setTimeout(() => {
      for (const c of this.children) if (c.exitCode === null) c.kill('SIGKILL');
    }, 10_000);
    await Promise.all(this.exited);
    clearTimeout(timeout);
  }
}
