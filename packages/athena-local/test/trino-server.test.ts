// The Trino child process: its own process group, and an exit nobody asked for is reported
// (the local stack stops on it, as it does when DynamoDB Local dies). Real JVM, real s3rver.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startS3Local } from '@ddb-athena-sync/local-services/s3-local';
import type { S3Local } from '@ddb-athena-sync/local-services/s3-local';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTrino } from '../src/trino-server.js';
import type { TrinoExit, TrinoServer } from '../src/trino-server.js';

let s3: S3Local;
let trino: TrinoServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'trino-server-'));
  s3 = await startS3Local({ buckets: ['lake'] });
  trino = await startTrino({
    s3: { endpoint: s3.endpoint, accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER', region: 'us-east-1' },
    directory: join(dir, 'trino'),
  });
}, 240_000);

afterAll(async () => {
  await trino?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Field 5 of /proc/<pid>/stat: the process group id (proc(5)). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

describe('startTrino', () => {
  it('runs the JVM in its own process group and reports an exit it did not ask for', async () => {
    // Arrange: a group of its own, so a terminal's Ctrl-C to ours does not reach it.
    expect(processGroup(trino.pid)).toBe(trino.pid);
    expect(processGroup(trino.pid)).not.toBe(processGroup(process.pid));

    // Act: killed from outside.
    const killedAt = Date.now();
    process.kill(trino.pid, 'SIGKILL');
    const exit = await Promise.race([
      trino.unexpectedExit,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000)),
    ]);

    // Assert
    expect(exit).toMatchObject<Partial<TrinoExit>>({ pid: trino.pid, signal: 'SIGKILL' });
    console.log(`unexpectedExit resolved ${Date.now() - killedAt} ms after the kill`);
    await trino.stop();
  }, 30_000);
});
