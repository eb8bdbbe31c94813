import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { main } from '../src/cli.js';

function capture(): {
  io: { stdout(s: string): void; stderr(s: string): void };
  out: () => string;
  err: () => string;
} {
  let out = '';
  let err = '';
  return { io: { stdout: (s) => (out += s), stderr: (s) => (err += s) }, out: () => out, err: () => err };
}

describe('ddb-athena-sync dispatcher', () => {
  it('lists the commands, and rejects an unknown one with exit code 2', async () => {
    const help = capture();
    expect(await main(['--help'], help.io)).toBe(0);
    expect(help.out()).toMatch(/demo .*\n[\s\S]*query/);

    const bad = capture();
    expect(await main(['frobnicate'], bad.io)).toBe(2);
    expect(bad.err()).toContain('unknown command "frobnicate"');
  });

  it('reports a bad flag as a usage error naming it', async () => {
    const c = capture();
    const code = await main(['demo', '--durration', '5'], c.io);
    expect(c.err()).toContain('unknown option --durration');
    expect(code).toBe(2);
    expect(c.err()).toContain('unknown option --durration');
  });

  it('backfill --aws needs the lake bucket and the control table, and AWS flags need --aws', async () => {
    // Usage is checked before any client is built: nothing here reaches AWS.
    const missing = capture();
    expect(await main(['backfill', '--table', 'books', '--aws', '--bucket', 'lake'], missing.io)).toBe(2);
    expect(missing.err()).toContain('--aws needs --bucket and --control-table');

    const stray = capture();
    expect(await main(['backfill', '--table', 'books', '--bucket', 'lake'], stray.io)).toBe(2);
    expect(stray.err()).toContain('--bucket, --control-table and --region go with --aws');
  });

  it('runs through bin/ddb-athena-sync.js with no build step (tsx)', async () => {
    const bin = fileURLToPath(new URL('../bin/ddb-athena-sync.js', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'query', '--help']);
    expect(stdout).toContain('usage: ddb-athena-sync query');
  });
});
