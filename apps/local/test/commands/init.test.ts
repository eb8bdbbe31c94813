// `ddb-athena-sync init` against DynamoDB Local: a table with a composite key, TTL and a nested map
// attribute becomes a declaration that validates, with the sample's guesses marked.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CreateTableCommand, PutItemCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import type { DynamoDbLocal } from '@ddb-athena-sync/local-services/dynamodb-local';
import { localDynamoDbClient } from '@ddb-athena-sync/local-services/local-clients';
import { loadTablesFile } from '@ddb-athena-sync/schemas/config-file';
import { formatColumnType } from '@ddb-athena-sync/schemas/column-type';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { main } from '../../src/cli.js';
import { initDeclaration, InitTableError, toIdentifier } from '../../src/init-declaration.js';

let ddbLocal: DynamoDbLocal;
let ddb: DynamoDBClient;
let dir: string;

beforeAll(async () => {
  ddbLocal = await startDynamoDbLocal();
  ddb = localDynamoDbClient(ddbLocal.endpoint);
  dir = await mkdtemp(join(tmpdir(), 'init-cmd-'));
  await ddb.send(
    new CreateTableCommand({
      TableName: 'Authors-Prod',
      AttributeDefinitions: [
        { AttributeName: 'authorId', AttributeType: 'S' },
        { AttributeName: 'born', AttributeType: 'N' },
      ],
      KeySchema: [
        { AttributeName: 'authorId', KeyType: 'HASH' },
        { AttributeName: 'born', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await ddb.send(
    new UpdateTimeToLiveCommand({
      TableName: 'Authors-Prod',
      TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' },
    }),
  );
  for (let i = 0; i < 5; i++)
    await ddb.send(
      new PutItemCommand({
        TableName: 'Authors-Prod',
        Item: {
          authorId: { S: `a${i}` },
          born: { N: String(1900 + i) },
          fullName: { S: `Author ${i}` },
          rating: { N: i % 2 === 0 ? '4.5' : '3' },
          bio: { M: { lang: { S: 'en' }, words: { N: String(i * 100) }, tags: { SS: ['x', `t${i}`] } } },
          awards: { L: [{ S: 'a' }, { S: 'b' }] },
          misc: i % 2 === 0 ? { S: 'text' } : { N: '1' },
          expiresAt: { N: String(1_900_000_000 + i) },
          ...(i === 0 ? { 'weird name!': { BOOL: true } } : {}),
        },
      }),
    );
});

afterAll(async () => {
  ddb?.destroy();
  await ddbLocal?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('initDeclaration', () => {
  it('takes the key and TTL from DescribeTable/DescribeTimeToLive and column types from the sample', async () => {
    // Act
    const result = await initDeclaration({ dynamodb: ddb, tableName: 'Authors-Prod' });

    // Assert
    const d = result.declaration;
    expect(d.name).toBe('authors_prod');
    expect(d.dynamodb).toEqual({
      tableName: 'Authors-Prod',
      partitionKey: 'authorId',
      sortKey: 'born',
      ttlAttribute: 'expiresAt',
    });
    const byName = Object.fromEntries(d.columns.map((c) => [c.name, c]));
    expect(byName.author_id).toMatchObject({ source: 'authorId', type: 'string' });
    expect(byName.born).toMatchObject({ type: 'bigint' });
    expect(byName.full_name).toMatchObject({ source: 'fullName', type: 'string' });
    expect(byName.rating).toMatchObject({ type: 'double' });
    expect(byName.bio?.type).toBe('struct<lang:string,words:bigint,tags:array<string>>');
    expect(byName.awards?.type).toBe('array<string>');
    expect(byName.misc?.type).toBe('json');
    expect(byName.weird_name).toMatchObject({ source: 'weird name!', type: 'boolean' });
    expect(byName.expires_at).toMatchObject({
      type: 'timestamp',
      conversion: 'epoch-seconds',
      source: 'expiresAt',
    });
    expect(byName.rating?.description).toBe('guess: N in 5 of 5 sampled items');
    expect(byName.weird_name?.description).toBe('guess: BOOL in 1 of 5 sampled items');
    expect(result.guessed).toContain('bio');
    expect(result.guessed).not.toContain('author_id');
    expect(result.sampled).toBe(5);
  });

  it('samples at most --sample items', async () => {
    const result = await initDeclaration({ dynamodb: ddb, tableName: 'Authors-Prod', sampleSize: 2 });
    expect(result.sampled).toBe(2);
  });

  it('names a missing table in a typed error', async () => {
    await expect(initDeclaration({ dynamodb: ddb, tableName: 'nope' })).rejects.toBeInstanceOf(
      InitTableError,
    );
  });

  it('makes identifiers of attribute names', () => {
    expect(['firstName', 'Order-ID', '1st', '_op', 'a.b.c'].map(toIdentifier)).toEqual([
      'first_name',
      'order_id',
      '_1st',
      'op',
      'a_b_c',
    ]);
  });
});

describe('ddb-athena-sync init', () => {
  it('writes a starter file that validates, then refuses to add the same table twice', async () => {
    // Arrange: the SDK reads region and credentials from the environment (DynamoDB Local takes any).
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const io = () => {
      const o = { out: '', err: '' };
      return { o, io: { stdout: (s: string) => (o.out += s), stderr: (s: string) => (o.err += s) } };
    };
    const argv = ['init', '--table', 'Authors-Prod', '--endpoint', ddbLocal.endpoint];

    // Act
    const first = io();
    const code = await main(argv, first.io, { cwd: dir });
    const again = io();
    const second = await main(argv, again.io, { cwd: dir });
    const check = io();
    const valid = await main(['validate'], check.io, { cwd: dir });

    // Assert
    expect(first.o.err).toBe('');
    expect(code).toBe(0);
    expect(first.o.out).toMatch(
      /^wrote .*ddb-athena-sync\.tables\.json: table authors_prod from Authors-Prod \(5 items sampled; guessed: born, /,
    );
    const file = await loadTablesFile(join(dir, 'ddb-athena-sync.tables.json'));
    expect(
      formatColumnType(file.tables.get('authors_prod')!.columns.find((c) => c.name === 'bio')!.type),
    ).toBe('struct<lang:string,words:bigint,tags:array<string>>');
    const raw = JSON.parse(await readFile(join(dir, 'ddb-athena-sync.tables.json'), 'utf8')) as {
      $schema: string;
    };
    expect(raw.$schema).toMatch(/ddb-athena-sync\.tables\.schema\.json$/);
    expect(second).toBe(2);
    expect(again.o.err).toContain('already declares table "authors_prod" (pass --force to replace it)');
    expect(valid).toBe(0);
    expect(check.o.out).toContain('1 table (authors_prod), valid');
    vi.unstubAllEnvs();
  });
});
