// The merger role against what the merger's code touches: the tombstone table the Athena engine
// creates, and the quarantine prefix for unreadable staged objects. The Glue table name and S3 location
// are read from the engine's own CREATE TABLE, not restated here.
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { AthenaEngine } from '@ddb-athena-sync/core/aws/athena-engine';
import { declarationEnv } from '@ddb-athena-sync/core/config/env';
import { loadConfig } from '@ddb-athena-sync/merger/config';
import { books } from '@ddb-athena-sync/schemas/test-support/example-tables';
import { describe, expect, it } from 'vitest';

import { blockInstances, labelled2, loadModule } from '../src/hcl.js';
import type { HclBody, TfModule } from '../src/hcl.js';
import { evaluate } from '../src/terraform-alarms.js';
import type { Bindings } from '../src/terraform-alarms.js';

const infraRoot = join(import.meta.dirname, '..');

const bindings: Bindings = {
  vars: {
    table: { name: books.name, staging_table_name: `${books.name}_staging` },
    lake: {
      bucket_name: 'lake',
      bucket_arn: 'arn:aws:s3:::lake',
      glue_catalog_arn: 'arn:aws:glue:us-east-1:123456789012:catalog',
      glue_database_arn: 'arn:aws:glue:us-east-1:123456789012:database/library',
      glue_database_name: 'library',
      athena_workgroup_arn: 'arn:aws:athena:us-east-1:123456789012:workgroup/lake',
    },
  },
};

async function mergeTable(): Promise<TfModule> {
  return loadModule(infraRoot, join(infraRoot, 'modules', 'merge-table'));
}

interface Statement {
  readonly sid: string;
  readonly actions: readonly unknown[];
  readonly resources: readonly unknown[];
}

/** A list as evaluated, or the one unresolved value (concat(), distinct()) as a list of one. */
function asList(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [value];
}

/** The merger role's statements, evaluated for books (static and dynamic `statement` blocks). */
function mergerStatements(module: TfModule): Statement[] {
  const doc = module.files
    .flatMap((f) => labelled2(f.body.data))
    .find(([type, name]) => type === 'aws_iam_policy_document' && name === 'merger')![2];
  return blockInstances(doc.statement).map((s: HclBody) => ({
    sid: typeof s.sid === 'string' ? s.sid : '',
    actions: asList(evaluate(s.actions, module, bindings)),
    resources: asList(evaluate(s.resources, module, bindings)),
  }));
}

/** The statements the engine's ensureTable sends to Athena (a stand-in that only records and succeeds). */
async function ensureTableStatements(tableLocation: string): Promise<string[]> {
  const sent: string[] = [];
  // StartQueryExecution -> id; GetQueryExecution -> SUCCEEDED: the two calls ensureTable makes per
  // statement (Athena API Reference, StartQueryExecution and GetQueryExecution).
  // Told apart by their input (infra does not depend on the Athena client package).
  const athena = {
    send: ({ input }: { input: { QueryString?: string; QueryExecutionId?: string } }) => {
      if (input.QueryString !== undefined) {
        sent.push(input.QueryString);
        return Promise.resolve({ QueryExecutionId: `q-${sent.length}` });
      }
      if (input.QueryExecutionId !== undefined)
        return Promise.resolve({
          QueryExecution: {
            QueryExecutionId: input.QueryExecutionId,
            Status: { State: 'SUCCEEDED', SubmissionDateTime: new Date() },
            Statistics: {},
          },
        });
      return Promise.reject(new Error('unexpected Athena call'));
    },
  } as unknown as ConstructorParameters<typeof AthenaEngine>[0]['athena'];
  const engine = new AthenaEngine({
    athena,
    workGroup: 'lake',
    database: 'library',
    tableLocation,
    stagingLocation: `s3://lake/staging/${books.name}/`,
    pollBaseMs: 1,
  });
  await engine.ensureTable(books);
  return sent;
}

describe('merge-table merger role', () => {
  it('lets the merger create and write the tombstone table where the engine puts it, and nothing next to it', async () => {
    // Arrange: the engine's CREATE TABLE for the tombstones, with the table location Terraform passes.
    const module = await mergeTable();
    const tableLocation = evaluate('${local.table_location}', module, bindings) as string;
    const sql = (await ensureTableStatements(tableLocation)).find((s) => /__tombstones/.test(s))!;
    const tombstoneTable = /CREATE TABLE IF NOT EXISTS\s+`\w+`\.`(\w+)`/i.exec(sql)?.[1];
    const tombstoneLocation = /LOCATION\s+'s3:\/\/lake\/([^']+)'/i.exec(sql)?.[1];

    // Act
    const statements = mergerStatements(module);
    const s3Writes = statements
      .filter((s) => s.actions.includes('s3:PutObject'))
      .flatMap((s) => s.resources)
      .sort();
    const create = statements.filter((s) => s.actions.includes('glue:CreateTable'));
    const tombstoneArn = evaluate('${local.glue_tombstone_table_arn}', module, bindings);
    const glueTableRaw = module.files.map((f) => f.text).join('\n');

    // Assert: the tombstone prefix is granted exactly, and the table's own grant does not spill over.
    expect(tombstoneTable).toBe(`${books.name}__tombstones`);
    expect(tombstoneLocation).toBe(`tables/${books.name}__tombstones/`);
    expect(s3Writes).toEqual(
      [
        'arn:aws:s3:::lake/athena-results/*',
        `arn:aws:s3:::lake/quarantine/${books.name}/unreadable/*`,
        `arn:aws:s3:::lake/staging/${books.name}/*`,
        `arn:aws:s3:::lake/tables/${books.name}/*`,
        `arn:aws:s3:::lake/${tombstoneLocation}*`,
      ].sort(),
    );
    // CreateTable only for the tombstone table (the others are Terraform's), on catalog, database, table.
    expect(create.map((s) => s.actions)).toEqual([['glue:CreateTable']]);
    expect(create[0]!.resources.slice(0, 2)).toEqual([
      'arn:aws:glue:us-east-1:123456789012:catalog',
      'arn:aws:glue:us-east-1:123456789012:database/library',
    ]);
    expect(create[0]!.resources).toHaveLength(3);
    // The account and region come from data sources (unresolved here); the table name must be the engine's.
    expect(glueTableRaw).toMatch(
      /glue_tombstone_table_arn\s*=\s*"arn:\$\{local\.partition\}:glue:\$\{local\.region\}:\$\{local\.account_id\}:table\/\$\{var\.lake\.glue_database_name\}\/\$\{local\.tombstone_table_name\}"/,
    );
    expect(evaluate('${local.tombstone_table_name}', module, bindings)).toBe(tombstoneTable);
    expect(tombstoneArn).not.toBe(undefined);
  });

  it('grants the quarantine write for unreadable staged objects only, not the whole table quarantine', async () => {
    // The merger copies an unreadable staged object to quarantine/<table>/unreadable/<rest of key> and
    // writes <that>.reason.json (packages/core/src/merge/merge-table.ts); CopyObject needs s3:GetObject
    // on the source and s3:PutObject on the target (Amazon S3 API Reference, CopyObject).
    // Arrange
    const module = await mergeTable();

    // Act
    const statements = mergerStatements(module);
    const quarantine = statements.flatMap((s) =>
      s.resources
        .filter((r) => typeof r === 'string' && r.includes(':::lake/quarantine/'))
        .map((r) => [s, r] as const),
    );
    const reads = statements.filter((s) => s.actions.includes('s3:GetObject')).flatMap((s) => s.resources);

    // Assert
    expect(quarantine.map(([s, r]) => [s.actions, r])).toEqual([
      [['s3:PutObject'], `arn:aws:s3:::lake/quarantine/${books.name}/unreadable/*`],
    ]);
    expect(reads).toContain(`arn:aws:s3:::lake/staging/${books.name}/*`);
  });

  it('passes both merger functions a tombstone retention of 24 h plus the mapping maximum record age', async () => {
    // A stream record can be redelivered for 24 h of stream retention plus the event source mapping's
    // maximum_record_age_in_seconds; a tombstone dropped sooner lets a replayed older change resurrect
    // a deleted row (apps/merger config.ts, TOMBSTONE_RETENTION_MS).
    // Arrange: the HCL of the local, evaluated by Terraform itself for a few record ages.
    const module = await mergeTable();
    const locals = module.files.flatMap((f) => blockInstances(f.body.locals));
    const expression = /^\$\{([\s\S]*)\}$/.exec(
      locals.find((l) => l.tombstone_retention_ms !== undefined)!.tombstone_retention_ms as string,
    )![1]!;
    const environment = locals.find((l) => l.merger_environment !== undefined)!.merger_environment as HclBody;
    const dir = mkdtempSync(join(tmpdir(), 'tombstone-retention-'));
    const ages = [60, 3600, 86400, 604800];

    // Act
    const retention = ages.map((age) =>
      Number(
        execFileSync('terraform', ['console'], {
          cwd: dir,
          input: expression.replaceAll('var.stream_writer.maximum_record_age_in_seconds', String(age)),
          encoding: 'utf8',
          stdio: ['pipe', 'pipe', 'ignore'],
        }).trim(),
      ),
    );

    // Assert: the sum, in ms, for every age; wired into the shared environment; the merger accepts it.
    expect(retention).toEqual(ages.map((age) => (86400 + age) * 1000));
    expect(environment.TOMBSTONE_RETENTION_MS).toBe('${tostring(local.tombstone_retention_ms)}');
    for (const ms of retention)
      expect(
        loadConfig({
          ...declarationEnv(books),
          STAGING_BUCKET: 'lake',
          CONTROL_TABLE: 'control',
          ATHENA_WORKGROUP: 'lake',
          GLUE_DATABASE: 'library',
          TABLE_LOCATION: `s3://lake/tables/${books.name}/`,
          TOMBSTONE_RETENTION_MS: String(ms),
        }).tombstoneRetentionMs,
      ).toBe(ms);
  });
});
