// Issue 15, "Done when": from a directory outside the repository that holds only a declarations
// file with a new table (composite key, a TTL attribute, a nested map column), the CLI validates it
// and the local pipeline (generic functions, each given its declaration in its environment) brings
// the table's changes into the lake: the lake equals a full Scan of DynamoDB.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DeleteItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { compareTable } from '@ddb-athena-sync/local-stack/compare';
import { stagingStatus } from '@ddb-athena-sync/local-stack/staging-status';
import { startStack } from '@ddb-athena-sync/local-stack/stack';
import type { Stack } from '@ddb-athena-sync/local-stack/stack';
import { authorsTablesFile } from '@ddb-athena-sync/schemas/test-support/authors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { main } from '../src/cli.js';
import { buildFunctions } from '../src/functions.js';
import { resolveTablesFile } from '../src/tables-config.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

describe('a declarations file outside the repository', () => {
  let dir: string;
  let stack: Stack;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outside-repo-'));
    writeFileSync(join(dir, 'ddb-athena-sync.tables.json'), authorsTablesFile);
    const file = await resolveTablesFile({ cwd: dir });
    stack = await startStack({
      dataDir: join(dir, '.ddb-athena-sync'),
      functions: buildFunctions,
      inMemoryDynamoDb: true,
      manualMerges: true,
      tables: [...file.tables.values()],
    });
  }, 180_000);
  afterAll(async () => {
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('validates, and its changes (puts, updates, a delete) converge in the lake', async () => {
    // Arrange
    let out = '';
    const code = await main(
      ['validate'],
      { stdout: (s) => (out += s), stderr: (s) => (out += s) },
      { cwd: dir },
    );
    const item = (i: number) => ({
      author_id: { S: `a${i % 7}` },
      born: { N: String(1900 + i) },
      full_name: { S: `Author ${i}` },
      bio: { M: { lang: { S: 'en' }, words: { N: String(i * 10) }, prizes: { L: [{ S: `p${i}` }] } } },
      expires_at: { N: String(2_000_000_000 + i) },
    });

    // Act
    for (let i = 0; i < 40; i++)
      await stack.ddb.send(new PutItemCommand({ TableName: 'authors', Item: item(i) }));
    for (let i = 0; i < 40; i += 5)
      await stack.ddb.send(
        new UpdateItemCommand({
          TableName: 'authors',
          Key: { author_id: { S: `a${i % 7}` }, born: { N: String(1900 + i) } },
          UpdateExpression: 'SET full_name = :n, bio.words = :w',
          ExpressionAttributeValues: { ':n': { S: `renamed ${i}` }, ':w': { N: '1' } },
        }),
      );
    await stack.ddb.send(
      new DeleteItemCommand({ TableName: 'authors', Key: { author_id: { S: 'a3' }, born: { N: '1903' } } }),
    );
    const deadline = Date.now() + 60_000;
    for (;;) {
      await stack.mergeNow('authors');
      const staged = await stagingStatus(stack.s3, stack.bucket, 'authors');
      const comparison = await compareTable(stack.ddb, stack.lake, stack.tables.get('authors')!.declaration);
      if ((staged.objects === 0 && comparison.converged) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }

    // Assert
    expect(code).toBe(0);
    expect(out).toContain('1 table (authors), valid');
    const comparison = await compareTable(stack.ddb, stack.lake, stack.tables.get('authors')!.declaration);
    expect(comparison.examples).toEqual([]);
    expect(comparison.converged).toBe(true);
    expect(comparison.rowsInDynamo).toBe(39);
    const rows = await stack.lake.query(
      'SELECT full_name, bio.words AS words FROM authors WHERE born = 1905',
    );
    expect(rows.map((r) => [r.full_name, Number(r.words)])).toEqual([['renamed 5', 1]]);
  }, 120_000);
});
