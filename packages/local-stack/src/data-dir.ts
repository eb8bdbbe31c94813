import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { lock } from 'proper-lockfile';

import { DataDirLockedError } from './errors.js';

/** Default data directory, relative to the working directory. */
export const DEFAULT_DATA_DIR = '.ddb-athena-sync';

/** Everything the local stack keeps, under one directory. */
export interface DataDirLayout {
  readonly root: string;
  /** DynamoDB Local's database file (shared-db). */
  readonly dynamodb: string;
  /** s3rver's object store (staging, quarantine, error outputs). */
  readonly s3: string;
  /** The local lake: Iceberg tables on disk. */
  readonly lake: string;
  /** Event source mapping checkpoints. */
  readonly checkpoints: string;
  /** Last merge per table, written by the scheduler (read by `status`). */
  readonly merges: string;
  /** The running stack: pid and endpoints (read by `status`, `backfill`). */
  readonly stackFile: string;
  readonly logs: string;
  /** proper-lockfile's lock directory: held while a stack runs on this data directory. */
  readonly lock: string;
  /** Who holds the lock: the CLI's pid and DynamoDB Local's, to find an orphan after a `kill -9`. */
  readonly owner: string;
}

export function dataDirLayout(dataDir: string): DataDirLayout {
  const root = resolve(dataDir);
  return {
    root,
    dynamodb: join(root, 'dynamodb'),
    s3: join(root, 's3'),
    lake: join(root, 'lake'),
    checkpoints: join(root, 'state', 'checkpoints.json'),
    merges: join(root, 'state', 'merges.json'),
    stackFile: join(root, 'stack.json'),
    logs: join(root, 'logs'),
    lock: join(root, 'lock'),
    owner: join(root, 'state', 'owner.json'),
  };
}

/** What a running stack publishes about itself. */
export interface StackInfo {
  readonly pid: number;
  readonly startedAt: string;
  readonly dynamodbEndpoint: string;
  readonly s3Endpoint: string;
  readonly bucket: string;
  readonly controlTable: string;
  readonly mergeIntervalMs: number;
  /** DynamoDB Local's Java process: the stack is not running when it is gone. */
  readonly dynamodbPid?: number;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The stack running on this data directory, if its process is alive. */
export async function runningStack(layout: DataDirLayout): Promise<StackInfo | undefined> {
  let info: StackInfo;
  try {
    info = JSON.parse(await readFile(layout.stackFile, 'utf8')) as StackInfo;
  } catch {
    return undefined;
  }
  return alive(info.pid) && (info.dynamodbPid === undefined || alive(info.dynamodbPid)) ? info : undefined;
}

/** Creates the directories (no lock: `status` and `query` read a directory a stack may be using). */
export async function prepareDataDir(layout: DataDirLayout): Promise<void> {
  for (const dir of [
    layout.root,
    layout.dynamodb,
    layout.s3,
    layout.lake,
    layout.logs,
    join(layout.root, 'state'),
  ])
    await mkdir(dir, { recursive: true });
}

/** Recorded in `state/owner.json` by the process holding the lock. */
export interface DataDirOwner {
  readonly pid: number;
  readonly dynamodbPid?: number;
}

async function readOwner(layout: DataDirLayout): Promise<DataDirOwner | undefined> {
  try {
    return JSON.parse(await readFile(layout.owner, 'utf8')) as DataDirOwner;
  } catch {
    return undefined;
  }
}

/** True when `pid` is a DynamoDB Local (its command line names the jar), so a reused pid is never killed. */
async function isDynamoDbLocal(pid: number): Promise<boolean> {
  if (!alive(pid)) return false;
  try {
    return (await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes('DynamoDBLocal');
  } catch {
    // No /proc (macOS): trust the recorded pid of a live process.
    return true;
  }
}

async function killAndWait(pid: number): Promise<void> {
  const signal = (s: NodeJS.Signals): void => {
    try {
      process.kill(pid, s);
    } catch {
      // Gone already.
    }
  };
  signal('SIGTERM');
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) signal('SIGKILL');
  for (let i = 0; i < 20 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
}

export interface DataDirLock {
  /** Records DynamoDB Local's pid once it runs (an orphan is found by it after a `kill -9`). */
  recordDynamoDb(pid: number): Promise<void>;
  release(): Promise<void>;
}

/**
 * Takes the data directory for this process: a proper-lockfile lock (an atomic mkdir, its mtime
 * refreshed while held: https://github.com/moxystudio/node-proper-lockfile#lockfile-options) plus
 * `state/owner.json`. A lock whose recorded owner is dead (the CLI was `kill -9`ed) is taken over
 * at once, and the DynamoDB Local that owner left running on the database file is stopped first:
 * two DynamoDB Locals on one file corrupt it. DataDirLockedError when a live process holds it.
 * (Two processes taking over the same dead lock at the same instant is a window left open.)
 */
export async function lockDataDir(
  layout: DataDirLayout,
  notice: (message: string) => void,
  onCompromised: (error: Error) => void,
): Promise<DataDirLock> {
  const options = { lockfilePath: layout.lock, realpath: false, stale: 10_000, onCompromised };
  let release: () => Promise<void>;
  try {
    release = await lock(layout.root, options);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    const owner = await readOwner(layout);
    if (owner === undefined || alive(owner.pid))
      throw new DataDirLockedError(layout.root, owner?.pid, { cause: error });
    await rm(layout.lock, { recursive: true, force: true });
    try {
      release = await lock(layout.root, options);
    } catch (again) {
      throw new DataDirLockedError(layout.root, undefined, { cause: again });
    }
    notice(`took over the lock of ${layout.root} from process ${owner.pid}, which is gone`);
  }
  const previous = await readOwner(layout);
  if (previous?.dynamodbPid !== undefined && (await isDynamoDbLocal(previous.dynamodbPid))) {
    await killAndWait(previous.dynamodbPid);
    notice(
      `stopped the DynamoDB Local (pid ${previous.dynamodbPid}) left running on ${layout.dynamodb} by process ${previous.pid}`,
    );
  }
  await writeFile(layout.owner, `${JSON.stringify({ pid: process.pid })}\n`);
  return {
    recordDynamoDb: (pid) =>
      writeFile(layout.owner, `${JSON.stringify({ pid: process.pid, dynamodbPid: pid })}\n`),
    release: async () => {
      await rm(layout.owner, { force: true });
      await release();
    },
  };
}

export async function publishStack(layout: DataDirLayout, info: StackInfo): Promise<void> {
  await writeFile(layout.stackFile, `${JSON.stringify(info, null, 2)}\n`);
}

export async function unpublishStack(layout: DataDirLayout): Promise<void> {
  await rm(layout.stackFile, { force: true });
}
