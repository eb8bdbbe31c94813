import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

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
  return alive(info.pid) ? info : undefined;
}

/** Creates the directories; DataDirLockedError when another live process runs a stack on it. */
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
  const other = await runningStack(layout);
  if (other !== undefined && other.pid !== process.pid) throw new DataDirLockedError(layout.root, other.pid);
}

export async function publishStack(layout: DataDirLayout, info: StackInfo): Promise<void> {
  await writeFile(layout.stackFile, `${JSON.stringify(info, null, 2)}\n`);
}

export async function unpublishStack(layout: DataDirLayout): Promise<void> {
  await rm(layout.stackFile, { force: true });
}
