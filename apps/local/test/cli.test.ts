import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { afterEach, describe, expect, it } from 'vitest';

import { main, userCwd } from '../src/cli.js';
import type { MainOptions } from '../src/cli.js';
import { commandHint } from '../src/data-dir-check.js';

const BIN = fileURLToPath(new URL('../bin/ddb-athena-sync.js', import.meta.url));

async function cli(
  argv: string[],
  options: MainOptions = {},
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) }, options);
  return { code, out, err };
}

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-cli-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ddb-athena-sync: one commander program', () => {
  it('lists the commands; --help exits 0, no command is a usage error (2)', async () => {
    const help = await cli(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/demo .*\n[\s\S]*query/);
    expect(help.out).toContain('Exit codes: 0 ok, 1 failure, 2 usage error');

    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.err).toContain('Usage: ddb-athena-sync');
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    const v = await cli(['--version']);
    expect(v).toMatchObject({ code: 0, out: `${pkg.version}\n` });
  });

  it("help <command> prints that command's options", async () => {
    const h = await cli(['help', 'backfill']);
    expect(h.code).toBe(0);
    expect(h.out).toContain('Usage: ddb-athena-sync backfill [options]');
    expect(h.out).toContain('--segments <n>');
  });

  it('an unknown command or option is a usage error with a suggestion, in one style', async () => {
    const bad = await cli(['stauts']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("ddb-athena-sync: error: unknown command 'stauts'");
    expect(bad.err).toContain('(Did you mean status?)');

    const flag = await cli(['demo', '--durration', '5']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain("ddb-athena-sync: error: unknown option '--durration'");
    expect(flag.err).toContain('(Did you mean --duration?)');
  });

  it.each([
    [['backfill', '--table', 'books', '--segments', '0'], "option '--segments <n>' argument '0' is invalid"],
    [
      ['backfill', '--table', 'books', '--segments', '-1'],
      "option '--segments <n>' argument '-1' is invalid",
    ],
    [
      ['backfill', '--table', 'books', '--segments', '2.5'],
      "option '--segments <n>' argument '2.5' is invalid",
    ],
    [
      ['up', '--log-level', 'LOUD'],
      "option '--log-level <level>' argument 'LOUD' is invalid. Must be one of TRACE",
    ],
    [
      ['up', '--batch-size', '0'],
      "option '--batch-size <n>' argument '0' is invalid. Must be a whole number from 1 to 10000",
    ],
    [['up', '--batch-size', '10001'], "argument '10001' is invalid"],
    [['up', '--engine', 'spark'], "argument 'spark' is invalid. Allowed choices are lake, trino"],
    [['up', '--merge-interval', 'soon'], "option '--merge-interval <s>' argument 'soon' is invalid"],
    [
      ['status', '--data-dir', '--json'],
      "option '--data-dir <dir>' argument '--json' is invalid. It is an option, not a name",
    ],
    [['query'], "missing required argument 'sql'"],
    [['backfill'], "required option '--table <name>' not specified"],
  ])('%j is a usage error (exit 2) before anything starts', async (argv, message) => {
    const r = await cli(argv);
    expect(r.err).toContain(message);
    expect(r.code).toBe(2);
  });

  it('backfill --aws needs the lake bucket and the control table, and AWS flags need --aws', async () => {
    // Usage is checked before any client is built: nothing here reaches AWS.
    const missing = await cli(['backfill', '--table', 'books', '--aws', '--bucket', 'lake']);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('ddb-athena-sync: error: --aws needs --bucket and --control-table');

    const stray = await cli(['backfill', '--table', 'books', '--bucket', 'lake']);
    expect(stray.code).toBe(2);
    expect(stray.err).toContain('--bucket, --control-table and --region go with --aws');
  });

  it('a known error is a message without a stack; --debug and DEBUG=1 add the stack', async () => {
    const dir = tempDir();
    const plain = await cli(['backfill', '--table', 'nope', '--data-dir', dir]);
    expect(plain.code).toBe(1);
    expect(plain.err).toMatch(/^ddb-athena-sync: error: .*nope/);
    expect(plain.err).not.toMatch(/\n\s+at /);

    const debug = await cli(['--debug', 'backfill', '--table', 'nope', '--data-dir', dir]);
    expect(debug.err).toMatch(/\n\s+at /);
    const env = await cli(['backfill', '--table', 'nope', '--data-dir', dir], { env: { DEBUG: '1' } });
    expect(env.err).toMatch(/\n\s+at /);
  });

  it('a data directory that is a file is a message, not an ENOTDIR stack', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    for (const command of [['up'], ['status'], ['backfill', '--table', 'books']]) {
      const r = await cli([...command, '--data-dir', file]);
      expect(r.err, command.join(' ')).toContain(
        `ddb-athena-sync: error: data directory ${file} is a file, not a directory`,
      );
      expect(r.err).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(1);
    }
  });

  it('status on a missing data directory says so and does not create it', async () => {
    const missing = join(tempDir(), 'typo');
    const r = await cli(['status', '--data-dir', missing]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`data directory ${missing} does not exist`);
    expect(existsSync(missing)).toBe(false);
  });

  it('a relative --data-dir resolves against the working directory given (INIT_CWD first)', async () => {
    const cwd = tempDir();
    const r = await cli(['status', '--data-dir', 'here'], { cwd });
    expect(r.err).toContain(`data directory ${join(cwd, 'here')} does not exist`);
    expect(userCwd({ INIT_CWD: cwd })).toBe(cwd);
    expect(userCwd({})).toBe(process.cwd());
  });

  it('the global --config names the declarations file the commands use (relative to the working directory)', async () => {
    const cwd = tempDir();
    const authors = {
      tables: [
        {
          name: 'authors',
          dynamodb: { tableName: 'authors', partitionKey: 'id' },
          columns: [{ name: 'id', type: 'string' }],
          mode: 'merge',
          partitioning: [],
        },
      ],
    };
    writeFileSync(join(cwd, 'mine.json'), JSON.stringify(authors));
    const sql = ['sql', '--table', 'authors', '--statement', 'maintain'];

    const withConfig = await cli(['--config', 'mine.json', ...sql], { cwd });
    expect(withConfig.code).toBe(0);
    expect(withConfig.out).toContain('VACUUM library.`authors`;\n');
    const lookedUp = await cli(sql, { cwd });
    expect(lookedUp.code).toBe(2);
    expect(lookedUp.err).toContain('pass --config <file> or run ddb-athena-sync init');
    const builtIn = await cli(sql);
    expect(builtIn.err).toContain('unknown table "authors"');
  });

  it('copy-paste hints carry --data-dir when it is not the default', () => {
    expect(commandHint('/w', '/w/.ddb-athena-sync', 'status')).toBe('pnpm ddb-athena-sync status');
    expect(commandHint('/w', '/w/run 1', 'query "SELECT 1"')).toBe(
      `pnpm ddb-athena-sync query "SELECT 1" --data-dir 'run 1'`,
    );
    expect(commandHint('/w', '/elsewhere/d', 'status')).toBe(
      'pnpm ddb-athena-sync status --data-dir /elsewhere/d',
    );
  });

  it("backfill --aws without credentials is a message (the SDK's CredentialsProviderError), exit 1, no stack", async () => {
    // A real process with no credentials anywhere: no env keys, an empty HOME, no instance metadata.
    const home = tempDir();
    const run = promisify(execFile)(
      process.execPath,
      [BIN, 'backfill', '--table', 'books', '--aws', '--bucket', 'b', '--control-table', 'c'],
      {
        env: {
          PATH: process.env.PATH,
          HOME: home,
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
        cwd: fileURLToPath(new URL('..', import.meta.url)),
      },
    );
    const failed = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | undefined;
    expect(failed).toBeDefined();
    expect(failed!.code).toBe(1);
    expect(failed!.stderr).toMatch(/^ddb-athena-sync: error: .*[Cc]redential/m);
    expect(failed!.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('runs through bin/ddb-athena-sync.js with no build step (tsx)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'help', 'query']);
    expect(stdout).toContain('Usage: ddb-athena-sync query [options] <sql>');
  });
});
