// `quarantine list|show|replay` against a running local stack (DynamoDB Local, s3rver, the real
// stream-writer and merger): a record the stream-writer quarantines is listed with its table, key
// and reason, shown without its values, and replayed into staging once the declaration takes it.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { parseDeclaration } from '@ddb-athena-sync/schemas/declaration';
import type { TableDeclarationInput } from '@ddb-athena-sync/schemas/declaration';
import { startStack } from '@ddb-athena-sync/local-stack/stack';
import type { Stack } from '@ddb-athena-sync/local-stack/stack';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../../src/cli.js';
import { buildFunctions } from '../../src/functions.js';
import { watchQuarantine } from '../../src/commands/up.js';
import { listQuarantine } from '../../src/quarantine/quarantine-store.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

// A table whose declaration rejects attributes it does not declare: an item with one more is a
// poison record for the stream-writer (UnknownAttributeError), quarantined with its reason.
const authorsInput = (unknownAttributes: 'fail' | 'ignore'): TableDeclarationInput => ({
  name: 'authors',
  dynamodb: { tableName: 'authors', partitionKey: 'id' },
  columns: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string' },
  ],
  mode: 'merge',
  partitioning: [],
  unknownAttributes,
});
const strict = parseDeclaration(authorsInput('fail'));

let dir: string;
let stack: Stack;
let lenientConfig: string;
let strictConfig: string;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  return { code, out, err };
}

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`nothing after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-quarantine-'));
  lenientConfig = join(dir, 'lenient.tables.json');
  strictConfig = join(dir, 'strict.tables.json');
  writeFileSync(lenientConfig, JSON.stringify({ tables: [authorsInput('ignore')] }));
  writeFileSync(strictConfig, JSON.stringify({ tables: [authorsInput('fail')] }));
  stack = await startStack({
    dataDir: join(dir, 'data'),
    tables: [strict],
    functions: (ctx) => buildFunctions({ ...ctx, hooks: { tables: [strict] } }),
    manualMerges: true,
    inMemoryDynamoDb: true,
    batchWindowMs: 50,
  });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('ddb-athena-sync quarantine', () => {
  it('lists a record the stream-writer quarantined with table, key and reason; show hides values; replay stages it once', async () => {
    // Arrange: one good item, one with an undeclared attribute holding a value we must not print.
    const ddb = stack.ddb;
    await ddb.send(
      new PutItemCommand({ TableName: 'authors', Item: { id: { S: 'a-1' }, name: { S: 'Ann' } } }),
    );
    await ddb.send(
      new PutItemCommand({
        TableName: 'authors',
        Item: { id: { S: 'a-2' }, name: { S: 'Bob' }, secret: { S: 'do-not-print-me' } },
      }),
    );
    const location = { s3: stack.s3, bucket: stack.bucket };
    const [entry] = await until(async () => {
      const all = await listQuarantine(location);
      return all.length > 0 ? all : undefined;
    }, 30_000);
    const dataDir = join(dir, 'data');

    // Act / Assert: list
    const list = await cli('quarantine', 'list', '--data-dir', dataDir);
    expect(list.err).toBe('');
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/authors\s*│\s*stream-record\s*│\s*id=a-2\s*│\s*undeclared attribute.*secret/);
    expect(list.out).toContain(entry!.id);
    expect(list.out).not.toContain('do-not-print-me');
    const json = JSON.parse((await cli('quarantine', 'list', '--json', '--data-dir', dataDir)).out) as {
      table: string;
      key: Record<string, string>;
      reason: string;
    }[];
    expect(json).toMatchObject([{ table: 'authors', key: { id: 'a-2' } }]);

    // show: the full reason, values only when asked
    const show = await cli('quarantine', 'show', entry!.id, '--data-dir', dataDir);
    expect(show.code).toBe(0);
    expect(show.out).toContain('reason          ');
    expect(show.out).not.toContain('do-not-print-me');
    expect(
      (await cli('quarantine', 'show', entry!.id, '--with-values', '--data-dir', dataDir)).out,
    ).toContain('do-not-print-me');

    // replay under the same declaration: refused, the record stays
    const refused = await cli(
      '--config',
      strictConfig,
      'quarantine',
      'replay',
      entry!.id,
      '--data-dir',
      dataDir,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('still does not fit authors');
    expect(await listQuarantine(location)).toHaveLength(1);

    // replay once the declaration takes it: staged, out of quarantine, merged by the next run
    const replay = await cli(
      '--config',
      lenientConfig,
      'quarantine',
      'replay',
      entry!.id,
      '--data-dir',
      dataDir,
    );
    expect(replay.err).toBe('');
    expect(replay.code).toBe(0);
    expect(replay.out).toMatch(/staged as staging\/authors\//);
    expect(await listQuarantine(location)).toEqual([]);
    const again = await cli(
      '--config',
      lenientConfig,
      'quarantine',
      'replay',
      entry!.id,
      '--data-dir',
      dataDir,
    );
    expect(again.code).toBe(1);
    expect(again.err).toContain(`no quarantined record ${entry!.id}`);

    await until(async () => {
      await stack.mergeNow('authors');
      const rows = await stack.lake.query('SELECT id FROM authors ORDER BY id');
      return rows.length === 2 ? rows : undefined;
    }, 30_000).then((rows) => expect(rows).toEqual([{ id: 'a-1' }, { id: 'a-2' }]));
  }, 120_000);

  it('backfill exits 3 when it quarantined items; the item is listed as backfill-item and replays into backfill staging', async () => {
    // Arrange: an item that does not fit the strict declaration is already in the table.
    const dataDir = join(dir, 'data');
    await stack.ddb.send(
      new PutItemCommand({
        TableName: 'authors',
        Item: { id: { S: 'b-1' }, name: { S: 'Cy' }, extra: { N: '7' } },
      }),
    );
    const location = { s3: stack.s3, bucket: stack.bucket };
    // The stream-writer quarantines the change too; the backfill's own entry is the one to find.
    const backfill = await cli(
      '--config',
      strictConfig,
      'backfill',
      '--table',
      'authors',
      '--data-dir',
      dataDir,
    );

    // Assert
    expect(backfill.err).toBe('');
    expect(backfill.code).toBe(3);
    expect(backfill.out).toMatch(/[1-9]\d* quarantined: pnpm ddb-athena-sync quarantine list --data-dir /);
    const entries = await listQuarantine(location);
    const item = entries.find((e) => e.kind === 'backfill-item' && e.key?.id === 'b-1');
    expect(item, JSON.stringify(entries)).toBeDefined();
    const list = await cli('quarantine', 'list', '--table', 'authors', '--data-dir', dataDir);
    expect(list.out).toMatch(new RegExp(`${item!.id}\\s*│\\s*authors\\s*│\\s*backfill-item\\s*│\\s*id=b-1`));

    const replay = await cli(
      '--config',
      lenientConfig,
      'quarantine',
      'replay',
      item!.id,
      '--data-dir',
      dataDir,
    );
    expect(replay.code).toBe(0);
    expect(replay.out).toContain(
      `staged as staging/authors/backfill/replay-${item!.id}/000000-000000.json.gz`,
    );
  }, 120_000);

  it('status: services up, per-table quarantine counts, nulls (not display strings) in --json', async () => {
    // Arrange: at least one record of authors in quarantine.
    const dataDir = join(dir, 'data');
    await stack.ddb.send(
      new PutItemCommand({
        TableName: 'authors',
        Item: { id: { S: 's-1' }, name: { S: 'Di' }, other: { S: 'x' } },
      }),
    );
    await until(async () => {
      const all = await listQuarantine({ s3: stack.s3, bucket: stack.bucket }, 'authors');
      return all.some((e) => e.key?.id === 's-1') ? true : undefined;
    }, 30_000);

    // Act
    const json = await cli('--config', strictConfig, 'status', '--json', '--data-dir', dataDir);
    expect(json.code, json.err).toBe(0);
    const report = JSON.parse(json.out) as {
      running: boolean;
      services: { dynamodb: string; s3: string };
      tables: { table: string; quarantined: number; backfillGuard: unknown; stagedObjects: number | null }[];
    };
    expect(report).toMatchObject({ running: true, services: { dynamodb: 'up', s3: 'up' } });
    const authors = report.tables.find((t) => t.table === 'authors');
    expect(authors!.quarantined).toBe(
      (await listQuarantine({ s3: stack.s3, bucket: stack.bucket }, 'authors')).length,
    );
    expect(authors!.quarantined).toBeGreaterThan(0);
    expect(authors!.backfillGuard).toBeNull();
    expect(typeof authors!.stagedObjects).toBe('number');
    expect(json.out).not.toMatch(/"-"|"\?"|n\/a/);

    const text = await cli('--config', strictConfig, 'status', '--data-dir', dataDir);
    expect(text.out).toContain('services: DynamoDB Local up, s3rver up');
    expect(text.out).toContain(
      `in quarantine for authors: pnpm ddb-athena-sync quarantine list --data-dir ${dataDir}`,
    );
  });

  it('up reports records that land in quarantine while it runs (watchQuarantine)', async () => {
    const seen: string[] = [];
    const stop = watchQuarantine(
      stack.s3,
      stack.bucket,
      ['authors'],
      (table, added, total) => seen.push(`${table} +${added} = ${total}`),
      200,
    );
    try {
      await new Promise((r) => setTimeout(r, 500));
      await stack.ddb.send(
        new PutItemCommand({
          TableName: 'authors',
          Item: { id: { S: 'w-1' }, name: { S: 'Ed' }, more: { S: 'x' } },
        }),
      );
      await until(() => Promise.resolve(seen.length > 0 ? true : undefined), 30_000);
      expect(seen[0]).toMatch(/^authors \+1 = \d+$/);
    } finally {
      await stop();
    }
  });

  it('a missing data directory and AWS flags without --aws are errors before anything starts', async () => {
    expect((await cli('quarantine', 'list', '--data-dir', join(dir, 'nope'))).err).toContain(
      'does not exist',
    );
    const stray = await cli('quarantine', 'list', '--bucket', 'x');
    expect(stray.code).toBe(2);
    expect(stray.err).toContain('--bucket and --region go with --aws');
    expect((await cli('quarantine', 'list', '--aws')).err).toContain('--aws needs --bucket');
  });
});

/** The variables `env` prints, parsed from its export lines as a shell would take them. */
function parseExports(out: string): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^export ([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m !== null) vars[m[1]!] = m[2]!;
  }
  return vars;
}

const awsCli = spawnSync('aws', ['--version'], { encoding: 'utf8' }).status === 0;

describe('ddb-athena-sync env', () => {
  it('prints endpoint, region and credential lines an SDK with no configuration follows to the stack', async () => {
    const r = await cli('env', '--data-dir', join(dir, 'data'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^export AWS_ENDPOINT_URL_DYNAMODB=/);
    const vars = parseExports(r.out);
    expect(vars.AWS_ENDPOINT_URL_DYNAMODB).toBe(stack.dynamodbEndpoint);
    expect(vars.AWS_ENDPOINT_URL_S3).toBe(stack.s3Endpoint);
    // A child process with only these variables: the SDK's default chain, no endpoint in code.
    const script = `import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
const out = await new DynamoDBClient({}).send(new ListTablesCommand({}));
console.log(JSON.stringify(out.TableNames));`;
    const listed = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { PATH: process.env.PATH, HOME: dir, ...vars },
      encoding: 'utf8',
      cwd: process.cwd(),
    });
    expect(JSON.parse(listed)).toContain('authors');
  });

  it.skipIf(!awsCli)(
    'eval "$(ddb-athena-sync env)" then aws dynamodb list-tables works (AWS CLI on PATH)',
    async () => {
      const vars = parseExports((await cli('env', '--data-dir', join(dir, 'data'))).out);
      const out = execFileSync('aws', ['dynamodb', 'list-tables', '--output', 'json'], {
        env: { PATH: process.env.PATH, HOME: dir, ...vars },
        encoding: 'utf8',
      });
      expect((JSON.parse(out) as { TableNames: string[] }).TableNames).toContain('authors');
    },
  );

  it('without a running stack: exit 1 with the command that starts one', async () => {
    const idle = mkdtempSync(join(tmpdir(), 'ddb-athena-sync-env-'));
    try {
      const r = await cli('env', '--data-dir', idle);
      expect(r.code).toBe(1);
      expect(r.err).toContain(
        `no running stack for data directory ${idle}: start one with "pnpm ddb-athena-sync up --data-dir ${idle}"`,
      );
    } finally {
      rmSync(idle, { recursive: true, force: true });
    }
  });
});
