import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterEach, describe, expect, it } from 'vitest';

// The real command, as a user runs it (bin -> tsx -> src/cli.ts), in its own process group so a
// test can signal the group the way a terminal does on Ctrl-C.
const BIN = fileURLToPath(new URL('../bin/ddb-athena-sync.js', import.meta.url));

interface Cli {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the exit code (or signal name) and the time since start. */
  readonly exited: Promise<{ code: number | string; ms: number }>;
  waitFor(pattern: RegExp, timeoutMs: number): Promise<void>;
}

function cli(args: string[], env: NodeJS.ProcessEnv = process.env): Cli {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env, detached: true, stdio: 'pipe' });
  let output = '';
  const waiters = new Set<() => void>();
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const w of waiters) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | string; ms: number }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code: code ?? signal ?? -1, ms: Date.now() - started })),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          if (pattern.test(output)) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve();
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ${pattern} in ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        waiters.add(check);
        check();
        void exited.then(() => {
          if (!pattern.test(output)) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`exited before ${pattern}; output:\n${output}`));
          }
        });
      }),
  };
}

/** Exit within `ms`, or undefined (the process is then killed by afterEach). */
async function exitWithin(c: Cli, ms: number): Promise<{ code: number | string; ms: number } | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const result = await Promise.race([
    c.exited,
    new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms))),
  ]);
  clearTimeout(timer);
  return result;
}

/** Pids of live processes whose command line mentions `needle` (Linux /proc). */
function processesMentioning(needle: string, also?: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      // A zombie has an empty command line and is no longer running.
    } catch {
      continue;
    }
    if (cmdline.includes(needle) && (also === undefined || cmdline.includes(also))) pids.push(Number(entry));
  }
  return pids;
}

const javaOn = (dir: string): number[] => processesMentioning('DynamoDBLocal.jar', dir);

async function until<T>(fn: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

const dirs: string[] = [];
const clis: Cli[] = [];

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-lifecycle-'));
  dirs.push(dir);
  return dir;
}

function start(args: string[], env?: NodeJS.ProcessEnv): Cli {
  const c = cli(args, env);
  clis.push(c);
  return c;
}

afterEach(() => {
  for (const c of clis.splice(0)) {
    try {
      process.kill(-c.child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  for (const dir of dirs.splice(0)) {
    for (const pid of processesMentioning(dir)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('process lifecycle of up and demo (real processes)', () => {
  it('up and demo without Java on PATH exit non-zero within 20 s with the hint and leave no process', async () => {
    // Arrange: a PATH with no java on it (node itself is started by absolute path).
    const emptyBin = dataDir();
    const env = { ...process.env, PATH: emptyBin };
    const upDir = dataDir();
    const demoDir = dataDir();

    // Act
    const up = start(['up', '--data-dir', upDir], env);
    const demo = start(['demo', '--duration', '5', '--data-dir', demoDir], env);
    const [upExit, demoExit] = await Promise.all([exitWithin(up, 20_000), exitWithin(demo, 20_000)]);
    console.log(`without Java: up ended after ${upExit?.ms} ms, demo after ${demoExit?.ms} ms`);

    // Assert
    for (const [c, exit, dir] of [
      [up, upExit, upDir],
      [demo, demoExit, demoDir],
    ] as const) {
      expect(exit, c.output()).toBeDefined();
      expect(exit!.code).not.toBe(0);
      expect(c.output()).toMatch(/needs Java 17 or newer/);
      expect(processesMentioning(dir)).toEqual([]);
      expect(existsSync(join(dir, 'stack.json'))).toBe(false);
    }
  }, 40_000);

  it('SIGINT to the process group during demo ends it within 10 s: a message, no stack.json, no orphan', async () => {
    // Arrange: a demo running (stack up, a reader process querying the lake).
    const dir = dataDir();
    const demo = start(['demo', '--duration', '60', '--readers', '1', '--data-dir', dir]);
    await until(() => (existsSync(join(dir, 'stack.json')) ? true : undefined), 60_000);
    expect(existsSync(join(dir, 'stack.json')), demo.output()).toBe(true);
    await until(() => (processesMentioning('reader-process', dir).length > 0 ? true : undefined), 20_000);
    await new Promise((r) => setTimeout(r, 1000));

    // Act: Ctrl-C as a terminal sends it, to every process of the foreground group.
    const signalledAt = Date.now();
    process.kill(-demo.child.pid!, 'SIGINT');
    const exit = await exitWithin(demo, 10_000);

    // Assert
    expect(exit, demo.output()).toBeDefined();
    console.log(`demo ended ${Date.now() - signalledAt} ms after SIGINT, code ${exit!.code}`);
    expect(demo.output()).toMatch(/SIGINT: stopping the demo/);
    expect(demo.output()).toMatch(/demo interrupted/);
    expect(demo.output()).not.toMatch(/ECONNREFUSED/);
    expect(existsSync(join(dir, 'stack.json'))).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  }, 90_000);

  it('DynamoDB Local dying makes up say so and stop non-zero, and status does not say running', async () => {
    // Arrange
    const dir = dataDir();
    const up = start(['up', '--data-dir', dir]);
    await up.waitFor(/Ctrl-C stops everything/, 60_000);
    const [java] = javaOn(dir);
    expect(java).toBeDefined();

    // Act
    const killedAt = Date.now();
    process.kill(java!, 'SIGKILL');
    const status = spawnSync(process.execPath, [BIN, 'status', '--json', '--data-dir', dir], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    const exit = await exitWithin(up, 15_000);
    const stoppedAfterMs = Date.now() - killedAt;

    // Assert
    expect(JSON.parse(status.stdout) as { running: boolean }).toMatchObject({ running: false });
    expect(exit, up.output()).toBeDefined();
    console.log(`up ended ${stoppedAfterMs} ms after DynamoDB Local was killed, code ${exit!.code}`);
    expect(exit!.code).not.toBe(0);
    expect(up.output()).toMatch(/DynamoDB Local \(pid \d+\) exited unexpectedly/);
    expect(existsSync(join(dir, 'stack.json'))).toBe(false);
    expect(processesMentioning(dir)).toEqual([]);
  }, 90_000);

  it('a second up after kill -9 of the first never runs two DynamoDB Locals on the database file', async () => {
    // Arrange: an up killed with SIGKILL (no chance to clean up), leaving its DynamoDB Local.
    const dir = dataDir();
    const first = start(['up', '--data-dir', dir]);
    await first.waitFor(/Ctrl-C stops everything/, 60_000);
    const [orphan] = javaOn(dir);
    expect(orphan).toBeDefined();
    process.kill(first.child.pid!, 'SIGKILL');
    await first.exited;

    // Act
    const second = start(['up', '--data-dir', dir]);
    const outcome = await Promise.race([
      second.waitFor(/Ctrl-C stops everything/, 60_000).then(() => 'started' as const),
      second.exited.then(() => 'refused' as const),
    ]);

    // Assert: recovered (the orphan stopped, one DynamoDB Local) or refused with a clear message.
    const running = javaOn(dir);
    expect(running.length, second.output()).toBeLessThanOrEqual(1);
    if (outcome === 'started') {
      expect(running).not.toContain(orphan);
      expect(second.output()).toMatch(new RegExp(`stopped the DynamoDB Local \\(pid ${orphan}\\)`));
      console.log(
        `second up: ${second
          .output()
          .split('\n')
          .find((l) => l.includes('stopped the DynamoDB Local'))}`,
      );
      process.kill(second.child.pid!, 'SIGINT');
      expect(await exitWithin(second, 15_000)).toMatchObject({ code: 0 });
      expect(await until(() => (javaOn(dir).length === 0 ? true : undefined), 5000)).toBe(true);
    } else {
      expect(second.output()).toMatch(/in use/);
    }
  }, 120_000);
});
